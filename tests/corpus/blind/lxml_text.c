/* lxml_text.c: text and name helpers in the style of the C that lxml's
 * Cython code expands to (apihelpers.pxi): small, short-lived strings come
 * from PyObject_Malloc, attribute arrays from PyMem_New. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <ctype.h>

typedef struct {
    char *name;
    char *value;
} Attr;

typedef struct {
    PyObject_HEAD
    char *tag;
    char *ns;
    Attr *attrs;
    Py_ssize_t nattrs;
    char *text;
} ElementObject;

static int
is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *
_copy_text(const char *s, Py_ssize_t n)
{
    char *r = PyObject_Malloc(n + 1); // no-warning: returned
    if (r == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(r, s, (size_t)n);
    r[n] = '\0';
    return r;
}

static PyObject *
collect_text(PyObject *module, PyObject *args)
{
    PyObject *seq, *fast, *res;
    Py_ssize_t i, n, total = 0, pos = 0;
    char *buf;

    if (!PyArg_ParseTuple(args, "O:collect_text", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of str");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        if (PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len) == NULL) {
            Py_DECREF(fast);
            return NULL;
        }
        total += len;
    }
    buf = PyObject_Malloc(total + 1);
    if (buf == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);
        memcpy(buf + pos, s, (size_t)len);
        pos += len;
    }
    Py_DECREF(fast);
    res = PyUnicode_DecodeUTF8(buf, pos, "strict");
    PyMem_Free(buf); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
build_qname(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"tag", "namespace", NULL};
    const char *tag, *ns = NULL;
    Py_ssize_t tlen, nlen = 0;
    char *ns_buf = NULL, *tag_buf = NULL, *out;
    PyObject *res = NULL;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#|z#:build_qname", kwlist,
                                     &tag, &tlen, &ns, &nlen))
        return NULL;
    if (ns != NULL) {
        ns_buf = PyObject_Malloc(nlen + 3); // expected-warning {{[PML005]}}
        if (ns_buf == NULL)
            return PyErr_NoMemory();
        ns_buf[0] = '{';
        memcpy(ns_buf + 1, ns, (size_t)nlen);
        ns_buf[nlen + 1] = '}';
        ns_buf[nlen + 2] = '\0';
    }
    tag_buf = _copy_text(tag, tlen);
    if (tag_buf == NULL)
        goto error;
    if (tag_buf[0] == '\0' || strchr(tag_buf, '{') != NULL) {
        PyErr_Format(PyExc_ValueError, "Invalid tag name '%s'", tag_buf);
        goto error;
    }
    out = PyObject_Malloc(nlen + tlen + 3); // no-warning
    if (out == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    strcpy(out, ns_buf ? ns_buf : "");
    strcat(out, tag_buf);
    res = PyUnicode_FromString(out);
    PyObject_Free(out);
    PyObject_Free(tag_buf);
    PyObject_Free(ns_buf);
    return res;

error:
    /* ns_buf is forgotten here */
    PyObject_Free(tag_buf);
    return NULL;
}

static PyObject *
strip_whitespace(PyObject *module, PyObject *args)
{
    const char *src;
    Py_ssize_t len, start = 0, end;
    char *out;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#:strip_whitespace", &src, &len))
        return NULL;
    out = PyObject_Malloc(len + 1);
    strcpy(out, src); // expected-warning {{[PML001]}}
    end = len;
    while (start < end && is_xml_space(out[start]))
        start++;
    while (end > start && is_xml_space(out[end - 1]))
        end--;
    res = PyUnicode_FromStringAndSize(out + start, end - start);
    PyObject_Free(out);
    return res;
}

/* Escape &, <, > and " into a growing PyObject_Malloc buffer. */
static PyObject *
escape_attribute(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i, o = 0, cap;
    char *buf, *tmp;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#:escape_attribute", &s, &len))
        return NULL;
    cap = len + 16;
    buf = PyObject_Malloc(cap); // no-warning: grown through tmp, freed on all paths
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        const char *rep = NULL;
        Py_ssize_t rlen = 1;
        switch (s[i]) {
        case '&': rep = "&amp;"; rlen = 5; break;
        case '<': rep = "&lt;"; rlen = 4; break;
        case '>': rep = "&gt;"; rlen = 4; break;
        case '"': rep = "&quot;"; rlen = 6; break;
        default: break;
        }
        if (o + rlen + 1 > cap) {
            cap = cap + (cap >> 1) + rlen;
            tmp = PyObject_Realloc(buf, cap);
            if (tmp == NULL) {
                PyObject_Free(buf);
                return PyErr_NoMemory();
            }
            buf = tmp;
        }
        if (rep) {
            memcpy(buf + o, rep, (size_t)rlen);
            o += rlen;
        }
        else {
            buf[o++] = s[i];
        }
    }
    res = PyUnicode_FromStringAndSize(buf, o);
    PyObject_Free(buf);
    return res;
}

/* ---- a tiny element type with an attribute array ---- */

static void
free_attrs(Attr *attrs, Py_ssize_t n)
{
    Py_ssize_t i;
    if (attrs == NULL)
        return;
    for (i = 0; i < n; i++) {
        PyObject_Free(attrs[i].name);
        PyObject_Free(attrs[i].value);
    }
    PyMem_Free(attrs);
}

static int
Element_init(ElementObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"tag", "attrib", NULL};
    const char *tag;
    PyObject *attrib = NULL, *key, *value;
    Py_ssize_t pos = 0, n = 0, i = 0;
    Attr *attrs = NULL;
    char *tag_copy;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|O!:Element", kwlist,
                                     &tag, &PyDict_Type, &attrib))
        return -1;
    tag_copy = _copy_text(tag, (Py_ssize_t)strlen(tag));
    if (tag_copy == NULL)
        return -1;
    if (attrib != NULL)
        n = PyDict_Size(attrib);
    attrs = PyMem_New(Attr, n + 1); // no-warning: freed by free_attrs or owned by self
    if (attrs == NULL) {
        PyObject_Free(tag_copy);
        PyErr_NoMemory();
        return -1;
    }
    while (attrib != NULL && PyDict_Next(attrib, &pos, &key, &value)) {
        const char *k, *v;
        Py_ssize_t kl, vl;
        k = PyUnicode_AsUTF8AndSize(key, &kl);
        if (k == NULL)
            goto error;
        v = PyUnicode_AsUTF8AndSize(value, &vl);
        if (v == NULL)
            goto error;
        attrs[i].name = _copy_text(k, kl);
        if (attrs[i].name == NULL)
            goto error;
        attrs[i].value = _copy_text(v, vl);
        if (attrs[i].value == NULL) {
            PyObject_Free(attrs[i].name);
            goto error;
        }
        i++;
    }
    free_attrs(self->attrs, self->nattrs);
    PyObject_Free(self->tag);
    self->attrs = attrs;
    self->nattrs = i;
    self->tag = tag_copy;
    return 0;

error:
    free_attrs(attrs, i);
    PyObject_Free(tag_copy);
    return -1;
}

static void
Element_dealloc(ElementObject *self)
{
    free_attrs(self->attrs, self->nattrs);
    PyObject_Free(self->tag);
    PyObject_Free(self->ns);
    PyObject_Free(self->text);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
Element_set_text(ElementObject *self, PyObject *value, void *closure)
{
    const char *s;
    Py_ssize_t n;
    char *copy = NULL;

    if (value != NULL && value != Py_None) {
        s = PyUnicode_AsUTF8AndSize(value, &n);
        if (s == NULL)
            return -1;
        copy = _copy_text(s, n);
        if (copy == NULL)
            return -1;
    }
    PyObject_Free(self->text);
    self->text = copy;
    return 0;
}

static PyObject *
Element_get_text(ElementObject *self, void *closure)
{
    if (self->text == NULL)
        Py_RETURN_NONE;
    return PyUnicode_FromString(self->text);
}

static PyObject *
Element_get(ElementObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t i;

    if (!PyArg_ParseTuple(args, "s:get", &name))
        return NULL;
    for (i = 0; i < self->nattrs; i++) {
        if (strcmp(self->attrs[i].name, name) == 0)
            return PyUnicode_FromString(self->attrs[i].value);
    }
    Py_RETURN_NONE;
}

static PyObject *
normalize_space(PyObject *module, PyObject *args)
{
    const char *src;
    Py_ssize_t len, i, o = 0;
    int in_space = 1;
    char *out;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#:normalize_space", &src, &len))
        return NULL;
    out = PyObject_Malloc(len + 1); // no-warning
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (is_xml_space(src[i])) {
            if (!in_space)
                out[o++] = ' ';
            in_space = 1;
        }
        else {
            out[o++] = src[i];
            in_space = 0;
        }
    }
    if (o > 0 && out[o - 1] == ' ')
        o--;
    res = PyUnicode_FromStringAndSize(out, o);
    PyObject_Free(out);
    return res;
}

static int
Element_set_ns(ElementObject *self, PyObject *value, void *closure)
{
    const char *s;
    Py_ssize_t n;
    char *copy = NULL, *old;

    if (value != NULL && value != Py_None) {
        s = PyUnicode_AsUTF8AndSize(value, &n);
        if (s == NULL)
            return -1;
        copy = PyObject_Malloc(n + 1); // no-warning: swapped into self->ns
        if (copy == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(copy, s, (size_t)n + 1);
    }
    old = self->ns;
    self->ns = copy;
    if (old != NULL)
        PyObject_Free(old);
    return 0;
}

static PyObject *
Element_get_ns(ElementObject *self, void *closure)
{
    if (self->ns == NULL)
        Py_RETURN_NONE;
    return PyUnicode_FromString(self->ns);
}

static PyMethodDef Element_methods[] = {
    {"get", (PyCFunction)Element_get, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Element_getset[] = {
    {"text", (getter)Element_get_text, (setter)Element_set_text, NULL, NULL},
    {"ns", (getter)Element_get_ns, (setter)Element_set_ns, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject Element_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lxml_text.Element",
    .tp_basicsize = sizeof(ElementObject),
    .tp_dealloc = (destructor)Element_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Element_methods,
    .tp_getset = Element_getset,
    .tp_init = (initproc)Element_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef lxml_text_methods[] = {
    {"collect_text", collect_text, METH_VARARGS, NULL},
    {"build_qname", (PyCFunction)(void (*)(void))build_qname, METH_VARARGS | METH_KEYWORDS, NULL},
    {"strip_whitespace", strip_whitespace, METH_VARARGS, NULL},
    {"escape_attribute", escape_attribute, METH_VARARGS, NULL},
    {"normalize_space", normalize_space, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef lxml_text_module = {
    PyModuleDef_HEAD_INIT, "lxml_text", NULL, -1, lxml_text_methods,
};

PyMODINIT_FUNC
PyInit_lxml_text(void)
{
    PyObject *m;
    if (PyType_Ready(&Element_Type) < 0)
        return NULL;
    m = PyModule_Create(&lxml_text_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Element_Type);
    if (PyModule_AddObject(m, "Element", (PyObject *)&Element_Type) < 0) {
        Py_DECREF(&Element_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
