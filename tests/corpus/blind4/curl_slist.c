/*
 * curl_slist.c - option setters and callbacks for a libcurl easy handle, in
 * the style of pycurl (src/easyopt.c, src/easycb.c, src/easyperform.c).
 *
 * What this file tests:
 *   PML010  perform() allocates with PyMem_Malloc between PyEval_SaveThread
 *           and PyEval_RestoreThread
 *   PML013  setopt_bytes() releases an "es#" buffer with free()
 *   PML002  perform_rb() allocates its message with PyMem_RawMalloc
 *           without the GIL and releases it with PyMem_Free
 *   PML012  setopt_url() frees the "s" argument of PyArg_ParseTuple
 *   PML011  set_useragent() can free the default string literal
 * Negatives: the raw allocation inside the callback, setopt_list() using
 * borrowed UTF-8 pointers, setopt_postfields() freeing "es#" at the label.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

typedef void CURL;
struct curl_slist;
extern struct curl_slist *curl_slist_append(struct curl_slist *, const char *);
extern void curl_slist_free_all(struct curl_slist *);
extern int curl_easy_setopt(CURL *handle, int option, ...);
extern int curl_easy_perform(CURL *handle);
#define CURL_ERROR_SIZE 256
#define CURLOPT_URL 10002
#define CURLOPT_USERAGENT 10018
#define CURLOPT_HTTPHEADER 10023
#define CURLOPT_POSTFIELDS 10015
#define CURLOPT_POSTFIELDSIZE 60

typedef struct {
    PyObject_HEAD
    CURL *handle;
    struct curl_slist *httpheader;
    char *postfields;
    char *last_header;          /* PyMem_RawMalloc'd by the header callback */
    char error[CURL_ERROR_SIZE];
} CurlObject;

static size_t
header_callback(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    CurlObject *self = userdata;
    size_t total = size * nmemb;
    char *copy = PyMem_RawMalloc(total + 1); // no-warning: raw, no multiplication in the size

    if (copy == NULL)
        return 0;
    memcpy(copy, ptr, total);
    copy[total] = '\0';
    PyMem_RawFree(self->last_header);
    self->last_header = copy;
    return total;
}

static PyObject *
take_last_header(CurlObject *self, PyObject *Py_UNUSED(ignored))
{
    char *h = self->last_header;
    PyObject *rv;

    if (h == NULL)
        Py_RETURN_NONE;
    self->last_header = NULL;
    rv = PyUnicode_DecodeLatin1(h, strlen(h), NULL);
    PyMem_RawFree(h); // no-warning: matches header_callback's raw allocator
    return rv;
}

static PyObject *
perform(CurlObject *self, PyObject *Py_UNUSED(ignored))
{
    PyThreadState *save;
    char *errmsg = NULL;
    int res;

    save = PyEval_SaveThread();
    res = curl_easy_perform(self->handle);
    if (res != 0) {
        errmsg = PyMem_Malloc(CURL_ERROR_SIZE + 32); // expected-warning {{[PML010]}}
        if (errmsg != NULL)
            snprintf(errmsg, CURL_ERROR_SIZE + 32, "(%d) %s", res, self->error);
    }
    PyEval_RestoreThread(save);
    if (res == 0)
        Py_RETURN_NONE;
    if (errmsg == NULL)
        return PyErr_NoMemory();
    PyErr_SetString(PyExc_RuntimeError, errmsg);
    PyMem_Free(errmsg);
    return NULL;
}

static PyObject *
perform_rb(CurlObject *self, PyObject *Py_UNUSED(ignored))
{
    PyThreadState *save;
    char *errmsg = NULL;
    int res;

    save = PyEval_SaveThread();
    res = curl_easy_perform(self->handle);
    if (res != 0) {
        errmsg = PyMem_RawMalloc(CURL_ERROR_SIZE + 32); // no-warning: raw allocator
        if (errmsg != NULL)
            snprintf(errmsg, CURL_ERROR_SIZE + 32, "(%d) %s", res, self->error);
    }
    PyEval_RestoreThread(save);
    if (res == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    if (errmsg == NULL)
        return PyErr_NoMemory();
    PyErr_SetString(PyExc_RuntimeError, errmsg);
    PyMem_Free(errmsg); // expected-warning {{[PML002]}}
    return NULL;
}

static PyObject *
setopt_url(CurlObject *self, PyObject *args)
{
    char *url;

    if (!PyArg_ParseTuple(args, "s:setopt_url", &url))
        return NULL;
    if (curl_easy_setopt(self->handle, CURLOPT_URL, url) != 0) {
        PyErr_SetString(PyExc_ValueError, "bad URL");
        return NULL;
    }
    PyMem_Free(url); // expected-warning {{[PML012]}}
    Py_RETURN_NONE;
}

static PyObject *
setopt_bytes(CurlObject *self, PyObject *args)
{
    int option;
    char *str = NULL;
    Py_ssize_t len;
    int res;

    if (!PyArg_ParseTuple(args, "ies#:setopt_bytes", &option, "utf-8", &str, &len))
        return NULL;
    res = curl_easy_setopt(self->handle, option, str);
    free(str); // expected-warning {{[PML013]}}
    if (res != 0) {
        PyErr_Format(PyExc_ValueError, "setopt(%d) failed: %d", option, res);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
setopt_postfields(CurlObject *self, PyObject *args)
{
    char *data = NULL;
    Py_ssize_t len;
    PyObject *rv = NULL;

    if (!PyArg_ParseTuple(args, "es#:setopt_postfields", "utf-8", &data, &len))
        return NULL;
    if (curl_easy_setopt(self->handle, CURLOPT_POSTFIELDSIZE, (long)len) != 0 ||
        curl_easy_setopt(self->handle, CURLOPT_POSTFIELDS, data) != 0) {
        PyErr_SetString(PyExc_ValueError, "cannot set POSTFIELDS");
        goto cleanup;
    }
    /* libcurl does not copy POSTFIELDS: keep our own copy alive */
    PyMem_Free(self->postfields);
    self->postfields = data;
    data = NULL;
    rv = Py_NewRef(Py_None);
cleanup:
    PyMem_Free(data); // no-warning: es# buffer released with PyMem_Free
    return rv;
}

static PyObject *
setopt_list(CurlObject *self, PyObject *list)
{
    struct curl_slist *slist = NULL, *nlist;
    Py_ssize_t i;

    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "list of str expected");
        return NULL;
    }
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        const char *s = PyUnicode_AsUTF8(PyList_GET_ITEM(list, i));
        if (s == NULL) {
            curl_slist_free_all(slist);
            return NULL;
        }
        nlist = curl_slist_append(slist, s);  /* copies s; s stays borrowed */
        if (nlist == NULL) {
            curl_slist_free_all(slist);
            return PyErr_NoMemory();
        }
        slist = nlist;
    }
    curl_slist_free_all(self->httpheader);
    self->httpheader = slist;
    curl_easy_setopt(self->handle, CURLOPT_HTTPHEADER, slist);
    Py_RETURN_NONE;
}

static PyObject *
set_useragent(CurlObject *self, PyObject *arg)
{
    char *ua = "PycURL/7.45.2";
    Py_ssize_t len;
    const char *extra;

    if (arg != Py_None) {
        extra = PyUnicode_AsUTF8AndSize(arg, &len);
        if (extra == NULL)
            return NULL;
        ua = PyMem_Malloc(len + 16);
        if (ua == NULL)
            return PyErr_NoMemory();
        snprintf(ua, len + 16, "PycURL %s", extra);
    }
    curl_easy_setopt(self->handle, CURLOPT_USERAGENT, ua);
    PyMem_Free(ua); // expected-warning {{[PML011]}}
    Py_RETURN_NONE;
}

static PyMethodDef curlobject_methods[] = {
    {"take_last_header", (PyCFunction)take_last_header, METH_NOARGS, NULL},
    {"perform", (PyCFunction)perform, METH_NOARGS, NULL},
    {"perform_rb", (PyCFunction)perform_rb, METH_NOARGS, NULL},
    {"setopt_url", (PyCFunction)setopt_url, METH_VARARGS, NULL},
    {"setopt_bytes", (PyCFunction)setopt_bytes, METH_VARARGS, NULL},
    {"setopt_postfields", (PyCFunction)setopt_postfields, METH_VARARGS, NULL},
    {"setopt_list", (PyCFunction)setopt_list, METH_O, NULL},
    {"set_useragent", (PyCFunction)set_useragent, METH_O, NULL},
    {NULL}
};
