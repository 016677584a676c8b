/*
 * xml_nsmap.c - namespace-map and QName helpers in the style of lxml
 * (src/lxml/etree helpers: _collectNsDefs, _getNsTag, XPath ns registration).
 *
 * What this file tests:
 *   PML009  build_nsmap() allocates n * 2 * sizeof(char *) unguarded
 *   PML012  split_qname() frees the PyUnicode_AsUTF8() result
 *   PML005  c14n_prefixes() leaks its array when a value is not a str
 *   PML003  rename_prefixes() frees the scratch buffer twice on error
 *   PML011  default_prefix() frees a stack array
 * Negatives: UTF-8 pointers from PyUnicode_AsUTF8 stored in the ns array are
 * borrowed and never freed; the array itself is released on every path.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* Internal: borrowed prefix/href pairs, NULL-terminated.  Raises on error. */
static const char **
build_nsmap(PyObject *dict, Py_ssize_t *count)
{
    Py_ssize_t pos = 0, i = 0, n = PyDict_GET_SIZE(dict);
    PyObject *prefix, *href;
    const char **ns;

    ns = PyMem_Malloc((n + 1) * 2 * sizeof(const char *)); // expected-warning {{[PML009]}}
    if (ns == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    while (PyDict_Next(dict, &pos, &prefix, &href)) {
        ns[i] = PyUnicode_AsUTF8(prefix);
        ns[i + 1] = PyUnicode_AsUTF8(href);
        if (ns[i] == NULL || ns[i + 1] == NULL) {
            PyMem_Free(ns);
            return NULL;
        }
        i += 2;
    }
    ns[i] = ns[i + 1] = NULL;
    *count = i / 2;
    return ns;
}

static PyObject *
xpath_ns_repr(PyObject *self, PyObject *dict)
{
    const char **ns;
    Py_ssize_t i, n;
    PyObject *list, *item;

    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "namespace dict expected");
        return NULL;
    }
    ns = build_nsmap(dict, &n);
    if (ns == NULL)
        return NULL;
    list = PyList_New(0);
    for (i = 0; list != NULL && i < n; i++) {
        item = PyUnicode_FromFormat("xmlns:%s=\"%s\"", ns[2 * i], ns[2 * i + 1]);
        if (item == NULL || PyList_Append(list, item) < 0)
            Py_CLEAR(list);
        Py_XDECREF(item);
    }
    PyMem_Free(ns); // no-warning: the strings inside stay borrowed
    return list;
}

static PyObject *
split_qname(PyObject *self, PyObject *arg)
{
    const char *tag = PyUnicode_AsUTF8(arg);
    const char *end;
    PyObject *res;

    if (tag == NULL)
        return NULL;
    if (tag[0] != '{' || (end = strchr(tag, '}')) == NULL)
        return Py_BuildValue("(Os)", Py_None, tag);
    res = Py_BuildValue("(s#s)", tag + 1, (Py_ssize_t)(end - tag - 1), end + 1);
    PyMem_Free((char *)tag); // expected-warning {{[PML012]}}
    return res;
}

static PyObject *
c14n_prefixes(PyObject *self, PyObject *list)
{
    Py_ssize_t i, n;
    const char **prefixes;
    PyObject *res;

    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "list expected");
        return NULL;
    }
    n = PyList_GET_SIZE(list);
    prefixes = PyMem_Calloc(n + 1, sizeof(const char *)); // expected-warning {{[PML005]}}
    if (prefixes == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        if (!PyUnicode_Check(item)) {
            PyErr_Format(PyExc_TypeError, "prefix must be str, not %.100s",
                         Py_TYPE(item)->tp_name);
            return NULL;
        }
        prefixes[i] = PyUnicode_AsUTF8(item);
        if (prefixes[i] == NULL) {
            PyMem_Free(prefixes);
            return NULL;
        }
    }
    res = PyLong_FromSsize_t(n);   /* would be handed to xmlC14NDocSaveTo() */
    PyMem_Free(prefixes);
    return res;
}

static PyObject *
rename_prefixes(PyObject *self, PyObject *args)
{
    const char *text, *old, *new;
    Py_ssize_t tlen, olen, nlen, i, j = 0;
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#s#s#:rename_prefixes", &text, &tlen, &old, &olen, &new, &nlen))
        return NULL;
    if (olen == 0 || nlen > olen) {
        PyErr_SetString(PyExc_ValueError, "new prefix must not be longer than the old one");
        return NULL;
    }
    buf = PyMem_Malloc(tlen + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < tlen; ) {
        if (i + olen < tlen && memcmp(text + i, old, olen) == 0 && text[i + olen] == ':') {
            if (nlen == 0) {
                PyMem_Free(buf);
                PyErr_SetString(PyExc_ValueError, "cannot rename a prefix to ''");
                goto error;
            }
            memcpy(buf + j, new, nlen);
            j += nlen;
            i += olen;
        }
        else
            buf[j++] = text[i++];
    }
    res = PyUnicode_FromStringAndSize(buf, j);
    PyMem_Free(buf);
    return res;

error:
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
default_prefix(PyObject *self, PyObject *arg)
{
    char prefix_buf[32];
    char *prefix = prefix_buf;
    long index = PyLong_AsLong(arg);
    PyObject *res;

    if (index == -1 && PyErr_Occurred())
        return NULL;
    PyOS_snprintf(prefix_buf, sizeof(prefix_buf), "ns%ld", index);
    res = PyUnicode_FromString(prefix);
    PyMem_Free(prefix); // expected-warning {{[PML011]}}
    return res;
}

static PyMethodDef nsmap_methods[] = {
    {"xpath_ns_repr", xpath_ns_repr, METH_O, NULL},
    {"split_qname", split_qname, METH_O, NULL},
    {"c14n_prefixes", c14n_prefixes, METH_O, NULL},
    {"rename_prefixes", rename_prefixes, METH_VARARGS, NULL},
    {"default_prefix", default_prefix, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef nsmap_module = {PyModuleDef_HEAD_INIT, "xml_nsmap", NULL, -1, nsmap_methods};

PyMODINIT_FUNC
PyInit_xml_nsmap(void)
{
    return PyModule_Create(&nsmap_module);
}
