/* struct_pack.c: a compiled-format packer in the style of CPython's
 * Modules/_struct.c: Struct.__init__ parses the format into a PyMem_New'd
 * array of codes owned by the object; pack/unpack use scratch buffers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <ctype.h>

typedef struct {
    char format;
    Py_ssize_t offset;
    Py_ssize_t size;
    Py_ssize_t repeat;
} FormatCode;

typedef struct {
    PyObject_HEAD
    Py_ssize_t s_size;
    Py_ssize_t s_len;
    FormatCode *s_codes;
    char *s_format;
} PyStructObject;

static PyObject *StructError;

static Py_ssize_t
code_size(char c)
{
    switch (c) {
    case 'x': case 'c': case 'b': case 'B': case 's': case 'p': case '?':
        return 1;
    case 'h': case 'H': case 'e':
        return 2;
    case 'i': case 'I': case 'f':
        return 4;
    case 'q': case 'Q': case 'd':
        return 8;
    default:
        return -1;
    }
}

/* Parse fmt into a fresh code array; on success *out owns it. */
static int
prepare_codes(const char *fmt, FormatCode **out, Py_ssize_t *ncodes, Py_ssize_t *total)
{
    const char *s;
    Py_ssize_t len = 0, size = 0, num, i = 0;
    FormatCode *codes;

    for (s = fmt; *s; s++) {
        if (isdigit((unsigned char)*s))
            continue;
        if (code_size(*s) < 0) {
            PyErr_Format(StructError, "bad char in struct format: '%c'", *s);
            return -1;
        }
        len++;
    }
    codes = PyMem_New(FormatCode, len + 1); // no-warning: handed out through *out
    if (codes == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (s = fmt; *s; s++) {
        num = 1;
        if (isdigit((unsigned char)*s)) {
            num = 0;
            while (isdigit((unsigned char)*s))
                num = num * 10 + (*s++ - '0');
            if (*s == '\0')
                break;
        }
        codes[i].format = *s;
        codes[i].offset = size;
        codes[i].size = code_size(*s);
        codes[i].repeat = num;
        size += codes[i].size * num;
        i++;
    }
    codes[i].format = '\0';
    *out = codes;
    *ncodes = i;
    *total = size;
    return 0;
}

static int
Struct_init(PyStructObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"format", NULL};
    const char *fmt;
    Py_ssize_t fmt_len, ncodes, total;
    char *fmt_copy;
    FormatCode *codes;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#:Struct", kwlist, &fmt, &fmt_len))
        return -1;
    fmt_copy = PyMem_Malloc(fmt_len + 1); // expected-warning {{[PML005]}}
    if (fmt_copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(fmt_copy, fmt, (size_t)fmt_len + 1);
    if (prepare_codes(fmt_copy, &codes, &ncodes, &total) < 0)
        return -1;
    PyMem_Free(self->s_codes);
    PyMem_Free(self->s_format);
    self->s_codes = codes;
    self->s_format = fmt_copy;
    self->s_len = ncodes;
    self->s_size = total;
    return 0;
}

static void
Struct_dealloc(PyStructObject *self)
{
    if (self->s_codes != NULL)
        PyMem_Free(self->s_codes);
    PyMem_Free(self->s_format);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
pack_one(const FormatCode *code, char *p, PyObject *v)
{
    long x;
    double d;

    switch (code->format) {
    case 'x':
        memset(p, 0, (size_t)code->repeat);
        return 0;
    case 'c':
        if (!PyBytes_Check(v) || PyBytes_GET_SIZE(v) != 1) {
            PyErr_SetString(StructError, "char format requires a bytes object of length 1");
            return -1;
        }
        *p = PyBytes_AS_STRING(v)[0];
        return 0;
    case 's': case 'p': {
        Py_ssize_t n;
        if (!PyBytes_Check(v)) {
            PyErr_SetString(StructError, "argument for 's' must be a bytes object");
            return -1;
        }
        n = PyBytes_GET_SIZE(v);
        if (n > code->repeat)
            n = code->repeat;
        memset(p, 0, (size_t)code->repeat);
        memcpy(p, PyBytes_AS_STRING(v), (size_t)n);
        return 0;
    }
    case 'f': case 'd':
        d = PyFloat_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred())
            return -1;
        if (code->format == 'f') {
            float f = (float)d;
            memcpy(p, &f, 4);
        }
        else {
            memcpy(p, &d, 8);
        }
        return 0;
    default:
        x = PyLong_AsLong(v);
        if (x == -1 && PyErr_Occurred())
            return -1;
        memcpy(p, &x, (size_t)code->size);
        return 0;
    }
}

static PyObject *
Struct_pack(PyStructObject *self, PyObject *args)
{
    Py_ssize_t i, argi = 0;
    char *buf;
    PyObject *res;

    buf = PyMem_Calloc((size_t)self->s_size + 1, 1); // no-warning
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->s_len; i++) {
        const FormatCode *code = &self->s_codes[i];
        Py_ssize_t k, reps = (code->format == 's' || code->format == 'p'
                              || code->format == 'x') ? 1 : code->repeat;
        for (k = 0; k < reps; k++) {
            PyObject *v = NULL;
            if (code->format != 'x') {
                if (argi >= PyTuple_GET_SIZE(args)) {
                    PyErr_SetString(StructError, "not enough arguments to pack");
                    goto error;
                }
                v = PyTuple_GET_ITEM(args, argi++);
            }
            if (pack_one(code, buf + code->offset + k * code->size, v) < 0)
                goto error;
        }
    }
    res = PyBytes_FromStringAndSize(buf, self->s_size);
    PyMem_Free(buf);
    return res;

error:
    PyMem_Free(buf);
    return NULL;
}

static PyObject *
Struct_unpack_from(PyStructObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buffer", "offset", NULL};
    Py_buffer view;
    Py_ssize_t offset = 0, i, k;
    char *copy;
    PyObject *res, *list;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|n:unpack_from", kwlist,
                                     &view, &offset))
        return NULL;
    if (offset < 0 || view.len - offset < self->s_size) {
        PyBuffer_Release(&view);
        PyErr_Format(StructError, "unpack_from requires a buffer of at least %zd bytes",
                     self->s_size + offset);
        return NULL;
    }
    copy = PyMem_Malloc(self->s_size + 1);
    memcpy(copy, (char *)view.buf + offset, (size_t)self->s_size); // expected-warning {{[PML001]}}
    PyBuffer_Release(&view);

    list = PyList_New(0);
    if (list == NULL) {
        PyMem_Free(copy);
        return NULL;
    }
    for (i = 0; i < self->s_len; i++) {
        const FormatCode *code = &self->s_codes[i];
        for (k = 0; k < code->repeat; k++) {
            const char *p = copy + code->offset + k * code->size;
            PyObject *v;
            if (code->format == 'x')
                break;
            if (code->format == 's' || code->format == 'p') {
                v = PyBytes_FromStringAndSize(p, code->repeat);
                k = code->repeat;
            }
            else if (code->format == 'd') {
                double d;
                memcpy(&d, p, 8);
                v = PyFloat_FromDouble(d);
            }
            else {
                long x = 0;
                memcpy(&x, p, (size_t)code->size);
                v = PyLong_FromLong(x);
            }
            if (v == NULL || PyList_Append(list, v) < 0) {
                Py_XDECREF(v);
                Py_DECREF(list);
                PyMem_Free(copy);
                return NULL;
            }
            Py_DECREF(v);
        }
    }
    PyMem_Free(copy);
    res = PyList_AsTuple(list);
    Py_DECREF(list);
    return res;
}

/* Pack a single value with an ad-hoc one-letter format; the scratch area
 * is sized for the widest code. */
static PyObject *
pack_single(PyObject *module, PyObject *args)
{
    char fmt;
    PyObject *v, *res = NULL;
    FormatCode code;
    char *scratch;

    if (!PyArg_ParseTuple(args, "cO:pack_single", &fmt, &v))
        return NULL;
    scratch = PyMem_Malloc(16);
    if (scratch == NULL)
        return PyErr_NoMemory();
    code.format = fmt;
    code.offset = 0;
    code.repeat = 1;
    code.size = code_size(fmt);

    switch (fmt) {
    case 'x':
        /* pad bytes carry no value: nothing to return */
        PyMem_Free(scratch);
        res = PyBytes_FromStringAndSize("\0", 1);
        /* missing break */
    case 'e':
    case '?':
        PyMem_Free(scratch); // expected-warning {{[PML003]}}
        if (res == NULL)
            PyErr_Format(StructError, "format '%c' not supported here", fmt);
        return res;
    default:
        if (code.size < 0) {
            PyMem_Free(scratch);
            PyErr_Format(StructError, "bad char in struct format: '%c'", fmt);
            return NULL;
        }
        break;
    }
    if (pack_one(&code, scratch, v) == 0)
        res = PyBytes_FromStringAndSize(scratch, code.size);
    PyMem_Free(scratch);
    return res;
}

static PyObject *
calcsize(PyObject *module, PyObject *args)
{
    const char *fmt;
    FormatCode *codes;
    Py_ssize_t ncodes, total;

    if (!PyArg_ParseTuple(args, "s:calcsize", &fmt))
        return NULL;
    if (prepare_codes(fmt, &codes, &ncodes, &total) < 0)
        return NULL;
    PyMem_Free(codes);
    return PyLong_FromSsize_t(total);
}

static PyObject *
Struct_get_format(PyStructObject *self, void *closure)
{
    return PyUnicode_FromString(self->s_format ? self->s_format : "");
}

static PyObject *
Struct_copy(PyStructObject *self, PyObject *Py_UNUSED(ignored))
{
    PyStructObject *res;
    FormatCode *codes;
    char *fmt = NULL;
    Py_ssize_t i;

    if (self->s_codes == NULL) {
        PyErr_SetString(StructError, "Struct.__init__() was not called");
        return NULL;
    }
    codes = PyMem_New(FormatCode, self->s_len + 1); // no-warning: owned by res or freed
    if (codes == NULL)
        return PyErr_NoMemory();
    for (i = 0; i <= self->s_len; i++)
        codes[i] = self->s_codes[i];
    if (self->s_format != NULL) {
        size_t n = strlen(self->s_format);
        fmt = PyMem_Malloc(n + 1); // no-warning: owned by res or freed
        if (fmt == NULL) {
            PyMem_Free(codes);
            return PyErr_NoMemory();
        }
        memcpy(fmt, self->s_format, n + 1);
    }
    res = (PyStructObject *)PyType_GenericNew(Py_TYPE(self), NULL, NULL);
    if (res == NULL) {
        PyMem_Free(fmt);
        PyMem_Free(codes);
        return NULL;
    }
    res->s_codes = codes;
    res->s_format = fmt;
    res->s_len = self->s_len;
    res->s_size = self->s_size;
    return (PyObject *)res;
}

static PyObject *
Struct_pack_into(PyStructObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t offset, i;
    PyObject *values;
    char *tmp;

    if (!PyArg_ParseTuple(args, "w*nO!:pack_into", &view, &offset, &PyTuple_Type, &values))
        return NULL;
    if (offset < 0 || view.len - offset < self->s_size) {
        PyBuffer_Release(&view);
        PyErr_SetString(StructError, "pack_into requires a larger buffer");
        return NULL;
    }
    /* pack into scratch first so a failure leaves the target untouched */
    tmp = PyMem_Calloc((size_t)self->s_size + 1, 1); // no-warning
    if (tmp == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    for (i = 0; i < self->s_len && i < PyTuple_GET_SIZE(values); i++) {
        if (pack_one(&self->s_codes[i], tmp + self->s_codes[i].offset,
                     PyTuple_GET_ITEM(values, i)) < 0) {
            PyMem_Free(tmp);
            PyBuffer_Release(&view);
            return NULL;
        }
    }
    memcpy((char *)view.buf + offset, tmp, (size_t)self->s_size);
    PyMem_Free(tmp);
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyMethodDef Struct_methods[] = {
    {"pack", (PyCFunction)Struct_pack, METH_VARARGS, NULL},
    {"unpack_from", (PyCFunction)(void (*)(void))Struct_unpack_from, METH_VARARGS | METH_KEYWORDS, NULL},
    {"__copy__", (PyCFunction)Struct_copy, METH_NOARGS, NULL},
    {"pack_into", (PyCFunction)Struct_pack_into, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Struct_getset[] = {
    {"format", (getter)Struct_get_format, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject PyStructType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "struct_pack.Struct",
    .tp_basicsize = sizeof(PyStructObject),
    .tp_dealloc = (destructor)Struct_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_methods = Struct_methods,
    .tp_getset = Struct_getset,
    .tp_init = (initproc)Struct_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef struct_pack_methods[] = {
    {"pack_single", pack_single, METH_VARARGS, NULL},
    {"calcsize", calcsize, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef struct_pack_module = {
    PyModuleDef_HEAD_INIT, "struct_pack", NULL, -1, struct_pack_methods,
};

PyMODINIT_FUNC
PyInit_struct_pack(void)
{
    PyObject *m;
    if (PyType_Ready(&PyStructType) < 0)
        return NULL;
    m = PyModule_Create(&struct_pack_module);
    if (m == NULL)
        return NULL;
    StructError = PyErr_NewException("struct_pack.error", NULL, NULL);
    if (StructError == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(StructError);
    PyModule_AddObject(m, "error", StructError);
    Py_INCREF(&PyStructType);
    PyModule_AddObject(m, "Struct", (PyObject *)&PyStructType);
    return m;
}
