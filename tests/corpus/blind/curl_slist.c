/* curl_slist.c: option handling in the style of pycurl's easyopt.c.
 * libcurl wants malloc'd memory for anything it may free itself, so the
 * header list and post fields use malloc/free; everything else uses PyMem. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#define OPT_HTTPHEADER 10023
#define OPT_POSTFIELDS 10015
#define OPT_USERAGENT  10018
#define OPT_URL        10002

struct slist {
    char *data;
    struct slist *next;
};

typedef struct {
    PyObject_HEAD
    struct slist *httpheader;
    char *postfields;
    Py_ssize_t postfields_len;
    char *useragent;
    char *url;
    PyObject *error_cb;
} CurlObject;

static PyObject *ErrorObject;

static void
slist_free_all(struct slist *list)
{
    while (list != NULL) {
        struct slist *next = list->next;
        free(list->data);
        free(list);
        list = next;
    }
}

/* Append a copy of 'str' to 'list'; returns the new head or NULL with
 * MemoryError set (the old list is left untouched). */
static struct slist *
slist_append(struct slist *list, const char *str, Py_ssize_t len)
{
    struct slist *node, *last;

    node = malloc(sizeof(struct slist)); // no-warning: linked into the list
    if (node == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    node->data = malloc((size_t)len + 1); // no-warning: owned by node
    if (node->data == NULL) {
        free(node);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(node->data, str, (size_t)len);
    node->data[len] = '\0';
    node->next = NULL;
    if (list == NULL)
        return node;
    for (last = list; last->next; last = last->next)
        ;
    last->next = node;
    return list;
}

static int
fake_curl_setopt(CurlObject *self, int option, const void *value)
{
    (void)self;
    (void)value;
    return option == 0 ? -1 : 0;
}

static PyObject *
do_setopt_httpheader(CurlObject *self, PyObject *seq)
{
    struct slist *list = NULL, *grown;
    PyObject *fast;
    Py_ssize_t i, n;

    fast = PySequence_Fast(seq, "HTTPHEADER must be a sequence of str");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        const char *s;
        Py_ssize_t len;

        s = PyUnicode_AsUTF8AndSize(item, &len);
        if (s == NULL)
            goto error;
        grown = slist_append(list, s, len);
        if (grown == NULL)
            goto error;
        list = grown;
    }
    Py_DECREF(fast);
    if (fake_curl_setopt(self, OPT_HTTPHEADER, list) != 0) {
        slist_free_all(list);
        PyErr_SetString(ErrorObject, "setopt(HTTPHEADER) failed");
        return NULL;
    }
    slist_free_all(self->httpheader);
    self->httpheader = list;
    Py_RETURN_NONE;

error:
    slist_free_all(list);
    Py_DECREF(fast);
    return NULL;
}

static PyObject *
do_setopt_postfields(CurlObject *self, PyObject *obj)
{
    char *buf;
    const char *src;
    Py_ssize_t len;

    if (PyBytes_Check(obj)) {
        src = PyBytes_AS_STRING(obj);
        len = PyBytes_GET_SIZE(obj);
    }
    else {
        src = PyUnicode_AsUTF8AndSize(obj, &len);
        if (src == NULL)
            return NULL;
    }
    buf = malloc((size_t)len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, src, (size_t)len);
    buf[len] = '\0';
    if (fake_curl_setopt(self, OPT_POSTFIELDS, buf) != 0) {
        free(buf);
        PyErr_SetString(ErrorObject, "setopt(POSTFIELDS) failed");
        goto error;
    }
    free(self->postfields);
    self->postfields = buf;
    self->postfields_len = len;
    Py_RETURN_NONE;

error:
    free(buf); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
do_setopt_string(CurlObject *self, int option, PyObject *obj)
{
    const char *s;
    Py_ssize_t len;
    char *copy;

    s = PyUnicode_AsUTF8AndSize(obj, &len);
    if (s == NULL)
        return NULL;
    copy = PyMem_Malloc(len + 1); // no-warning: stored or freed on every path
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, (size_t)len + 1);
    if (fake_curl_setopt(self, option, copy) != 0) {
        PyMem_Free(copy);
        PyErr_Format(ErrorObject, "setopt(%d) failed", option);
        return NULL;
    }
    switch (option) {
    case OPT_USERAGENT:
        PyMem_Free(self->useragent);
        self->useragent = copy;
        break;
    case OPT_URL:
        PyMem_Free(self->url);
        self->url = copy;
        break;
    default:
        PyMem_Free(copy);
        break;
    }
    Py_RETURN_NONE;
}

static PyObject *
curl_setopt(CurlObject *self, PyObject *args)
{
    int option;
    PyObject *obj;

    if (!PyArg_ParseTuple(args, "iO:setopt", &option, &obj))
        return NULL;
    switch (option) {
    case OPT_HTTPHEADER:
        return do_setopt_httpheader(self, obj);
    case OPT_POSTFIELDS:
        return do_setopt_postfields(self, obj);
    case OPT_USERAGENT:
    case OPT_URL:
        return do_setopt_string(self, option, obj);
    default:
        PyErr_SetString(PyExc_TypeError, "invalid arguments to setopt");
        return NULL;
    }
}

static int
is_unreserved(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static PyObject *
curl_escape(CurlObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i, o = 0;
    char *out;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#:escape", &s, &len))
        return NULL;
    /* the leading run of safe characters is copied in one go */
    while (o < len && is_unreserved((unsigned char)s[o]))
        o++;
    out = calloc((size_t)len + 1, 3);
    memcpy(out, s, (size_t)o); // expected-warning {{[PML001]}}
    for (i = o; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            out[o++] = (char)c;
        }
        else {
            PyOS_snprintf(out + o, 4, "%%%02X", c);
            o += 3;
        }
    }
    res = PyUnicode_FromStringAndSize(out, o);
    free(out);
    return res;
}

static PyObject *
curl_unescape(CurlObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i, o = 0;
    char *out;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#:unescape", &s, &len))
        return NULL;
    out = malloc((size_t)len + 1); // no-warning
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1])
            && isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        else {
            out[o++] = s[i];
        }
    }
    res = PyBytes_FromStringAndSize(out, o);
    free(out);
    return res;
}

/* Build a "Name: value" header from two strings and append it. */
static PyObject *
curl_add_header(CurlObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "value", NULL};
    const char *name, *value;
    Py_ssize_t nlen, vlen;
    char *line, *lowered;
    struct slist *grown;
    Py_ssize_t i;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#s#:add_header", kwlist,
                                     &name, &nlen, &value, &vlen))
        return NULL;
    if (nlen > PY_SSIZE_T_MAX / 2 || vlen > PY_SSIZE_T_MAX / 2 - 3)
        return PyErr_NoMemory();

    lowered = PyMem_Malloc(nlen + 1); // expected-warning {{[PML005]}}
    if (lowered == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < nlen; i++)
        lowered[i] = (char)tolower((unsigned char)name[i]);
    lowered[nlen] = '\0';
    if (strcmp(lowered, "content-length") == 0) {
        PyMem_Free(lowered);
        PyErr_SetString(ErrorObject, "Content-Length is computed by libcurl");
        return NULL;
    }

    line = PyMem_Malloc(nlen + vlen + 3);
    if (line == NULL)
        return PyErr_NoMemory();       /* 'lowered' is lost */
    PyOS_snprintf(line, (size_t)(nlen + vlen + 3), "%s: %s", lowered, value);
    PyMem_Free(lowered);

    grown = slist_append(self->httpheader, line, (Py_ssize_t)strlen(line));
    PyMem_Free(line);
    if (grown == NULL)
        return NULL;
    self->httpheader = grown;
    Py_RETURN_NONE;
}

static PyObject *
curl_reset(CurlObject *self, PyObject *Py_UNUSED(ignored))
{
    slist_free_all(self->httpheader);
    self->httpheader = NULL;
    free(self->postfields);
    self->postfields = NULL;
    self->postfields_len = 0;
    PyMem_Free(self->useragent);
    self->useragent = NULL;
    PyMem_Free(self->url);
    self->url = NULL;
    Py_RETURN_NONE;
}

static void
curl_dealloc(CurlObject *self)
{
    slist_free_all(self->httpheader);
    free(self->postfields);
    PyMem_Free(self->useragent);
    PyMem_Free(self->url);
    Py_XDECREF(self->error_cb);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static struct slist *
slist_dup(const struct slist *src)
{
    struct slist *head = NULL, **tail = &head;

    for (; src != NULL; src = src->next) {
        size_t n = strlen(src->data);
        struct slist *node = malloc(sizeof(struct slist)); // no-warning: linked through *tail
        if (node == NULL)
            goto nomem;
        node->data = malloc(n + 1); // no-warning: owned by node
        if (node->data == NULL) {
            free(node);
            goto nomem;
        }
        memcpy(node->data, src->data, n + 1);
        node->next = NULL;
        *tail = node;
        tail = &node->next;
    }
    return head;

nomem:
    slist_free_all(head);
    PyErr_NoMemory();
    return NULL;
}

static PyObject *
curl_get_headers(CurlObject *self, PyObject *Py_UNUSED(ignored))
{
    struct slist *copy, *it;
    PyObject *list;

    if (self->httpheader == NULL)
        return PyList_New(0);
    /* work on a private copy: callbacks may replace self->httpheader */
    copy = slist_dup(self->httpheader);
    if (copy == NULL)
        return NULL;
    list = PyList_New(0);
    if (list == NULL) {
        slist_free_all(copy);
        return NULL;
    }
    for (it = copy; it != NULL; it = it->next) {
        PyObject *s = PyUnicode_FromString(it->data);
        if (s == NULL || PyList_Append(list, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(list);
            slist_free_all(copy);
            return NULL;
        }
        Py_DECREF(s);
    }
    slist_free_all(copy);
    return list;
}

static PyMethodDef curl_methods[] = {
    {"setopt", (PyCFunction)curl_setopt, METH_VARARGS, NULL},
    {"escape", (PyCFunction)curl_escape, METH_VARARGS, NULL},
    {"unescape", (PyCFunction)curl_unescape, METH_VARARGS, NULL},
    {"add_header", (PyCFunction)(void (*)(void))curl_add_header, METH_VARARGS | METH_KEYWORDS, NULL},
    {"reset", (PyCFunction)curl_reset, METH_NOARGS, NULL},
    {"get_headers", (PyCFunction)curl_get_headers, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Curl_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "curl_slist.Curl",
    .tp_basicsize = sizeof(CurlObject),
    .tp_dealloc = (destructor)curl_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = curl_methods,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef curl_module = {
    PyModuleDef_HEAD_INIT, "curl_slist", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_curl_slist(void)
{
    PyObject *m;
    if (PyType_Ready(&Curl_Type) < 0)
        return NULL;
    m = PyModule_Create(&curl_module);
    if (m == NULL)
        return NULL;
    ErrorObject = PyErr_NewException("curl_slist.error", NULL, NULL);
    if (ErrorObject == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&Curl_Type);
    if (PyModule_AddObject(m, "Curl", (PyObject *)&Curl_Type) < 0) {
        Py_DECREF(&Curl_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
