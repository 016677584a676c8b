/* bitarray_ops.c: a cut-down bitarray object after the bitarray package's
 * _bitarray.c: the item buffer is PyMem_New'd, resized through a temporary
 * with PyMem_Resize, and released in tp_dealloc. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define ENDIAN_LITTLE 0
#define ENDIAN_BIG    1
#define BYTES(bits)   (((bits) + 7) >> 3)
#define CHUNK         4096

typedef struct {
    PyObject_VAR_HEAD
    char *ob_item;
    Py_ssize_t allocated;   /* bytes */
    Py_ssize_t nbits;
    int endian;
} bitarrayobject;

static PyTypeObject Bitarray_Type;

static int
getbit(bitarrayobject *self, Py_ssize_t i)
{
    int k = self->endian == ENDIAN_LITTLE ? (int)(i % 8) : 7 - (int)(i % 8);
    return (self->ob_item[i >> 3] >> k) & 1;
}

static void
setbit(bitarrayobject *self, Py_ssize_t i, int v)
{
    int k = self->endian == ENDIAN_LITTLE ? (int)(i % 8) : 7 - (int)(i % 8);
    char mask = (char)(1 << k);
    if (v)
        self->ob_item[i >> 3] |= mask;
    else
        self->ob_item[i >> 3] &= (char)~mask;
}

static void
reverse_bytes(char *buf, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i], r = 0;
        int k;
        for (k = 0; k < 8; k++)
            if (c & (1 << k))
                r |= (unsigned char)(0x80 >> k);
        buf[i] = (char)r;
    }
}

static int
resize(bitarrayobject *self, Py_ssize_t nbits)
{
    Py_ssize_t newsize = BYTES(nbits), new_allocated;
    char *items;

    if (newsize <= self->allocated && newsize >= (self->allocated >> 1)) {
        Py_SET_SIZE(self, newsize);
        self->nbits = nbits;
        return 0;
    }
    if (newsize == 0) {
        PyMem_Free(self->ob_item);
        self->ob_item = NULL;
        Py_SET_SIZE(self, 0);
        self->allocated = 0;
        self->nbits = 0;
        return 0;
    }
    new_allocated = newsize + (newsize >> 4) + (newsize < 8 ? 3 : 7);
    items = self->ob_item;
    PyMem_Resize(items, char, new_allocated); // no-warning: self->ob_item still holds the old block
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->ob_item = items;
    Py_SET_SIZE(self, newsize);
    self->allocated = new_allocated;
    self->nbits = nbits;
    return 0;
}

static PyObject *
newbitarrayobject(PyTypeObject *type, Py_ssize_t nbits, int endian)
{
    bitarrayobject *obj;
    Py_ssize_t nbytes = BYTES(nbits);

    obj = (bitarrayobject *)type->tp_alloc(type, 0);
    if (obj == NULL)
        return NULL;
    Py_SET_SIZE(obj, nbytes);
    obj->nbits = nbits;
    obj->endian = endian;
    if (nbytes == 0) {
        obj->ob_item = NULL;
    }
    else {
        obj->ob_item = PyMem_New(char, nbytes); // no-warning: stored in the object
        if (obj->ob_item == NULL) {
            obj->allocated = 0;
            Py_DECREF(obj);
            return PyErr_NoMemory();
        }
    }
    obj->allocated = nbytes;
    return (PyObject *)obj;
}

static PyObject *
bitarray_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"length", "endian", NULL};
    Py_ssize_t length = 0;
    const char *endian_str = "big";
    int endian;
    PyObject *res;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|ns:bitarray", kwlist,
                                     &length, &endian_str))
        return NULL;
    if (length < 0) {
        PyErr_SetString(PyExc_ValueError, "cannot create bitarray of negative length");
        return NULL;
    }
    if (strcmp(endian_str, "little") == 0)
        endian = ENDIAN_LITTLE;
    else if (strcmp(endian_str, "big") == 0)
        endian = ENDIAN_BIG;
    else {
        PyErr_Format(PyExc_ValueError, "bit endianness must be 'little' or 'big', not '%s'",
                     endian_str);
        return NULL;
    }
    res = newbitarrayobject(type, length, endian);
    if (res != NULL && length > 0)
        memset(((bitarrayobject *)res)->ob_item, 0, (size_t)BYTES(length));
    return res;
}

static void
bitarray_dealloc(bitarrayobject *self)
{
    if (self->ob_item != NULL)
        PyMem_Free(self->ob_item);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
bitarray_copy(bitarrayobject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *res = newbitarrayobject(Py_TYPE(self), self->nbits, self->endian);
    if (res == NULL)
        return NULL;
    if (Py_SIZE(self) > 0)
        memcpy(((bitarrayobject *)res)->ob_item, self->ob_item, (size_t)Py_SIZE(self));
    return res;
}

static PyObject *
bitarray_frombytes(bitarrayobject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t n, start_byte;
    char *buf;

    if (!PyArg_ParseTuple(args, "y*:frombytes", &view))
        return NULL;
    n = view.len;
    buf = PyMem_Malloc(n + 1);
    if (buf == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    memcpy(buf, view.buf, (size_t)n);
    PyBuffer_Release(&view);

    /* pad to a byte boundary first, as bitarray does */
    start_byte = BYTES(self->nbits);
    if (resize(self, (start_byte + n) << 3) < 0) {
        PyMem_Free(buf);
        return NULL;
    }
    if (self->endian == ENDIAN_LITTLE)
        reverse_bytes(buf, n);
    memcpy(self->ob_item + start_byte, buf, (size_t)n);
    PyMem_Free(buf);
    if (self->endian == ENDIAN_LITTLE)
        reverse_bytes(buf, n); // expected-warning {{[PML004]}}
    Py_RETURN_NONE;
}

static PyObject *
bitarray_tobytes(bitarrayobject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t nbytes = Py_SIZE(self);
    char *tmp;
    PyObject *res;

    if (self->endian == ENDIAN_BIG)
        return PyBytes_FromStringAndSize(self->ob_item, nbytes);
    tmp = PyMem_New(char, nbytes + 1); // no-warning
    if (tmp == NULL)
        return PyErr_NoMemory();
    if (nbytes > 0)
        memcpy(tmp, self->ob_item, (size_t)nbytes);
    reverse_bytes(tmp, nbytes);
    res = PyBytes_FromStringAndSize(tmp, nbytes);
    PyMem_Free(tmp);
    return res;
}

static PyObject *
bitarray_unpack(bitarrayobject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"zero", "one", NULL};
    char zero = 0x00, one = 0x01;
    Py_ssize_t i;
    char *out;
    PyObject *res;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|cc:unpack", kwlist, &zero, &one))
        return NULL;
    out = PyMem_New(char, self->nbits + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->nbits; i++)
        out[i] = getbit(self, i) ? one : zero;
    res = PyBytes_FromStringAndSize(out, self->nbits);
    PyObject_Del(out); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
bitarray_pack(bitarrayobject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t i, start;
    char *src;

    if (!PyArg_ParseTuple(args, "y*:pack", &view))
        return NULL;
    start = self->nbits;
    if (resize(self, start + view.len) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    src = view.buf;
    for (i = 0; i < view.len; i++)
        setbit(self, start + i, src[i] != 0);
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static Py_ssize_t
popcount_block(const unsigned char *p, Py_ssize_t n)
{
    Py_ssize_t i, c = 0;
    for (i = 0; i < n; i++) {
        unsigned char b = p[i];
        while (b) {
            c += b & 1;
            b >>= 1;
        }
    }
    return c;
}

static PyObject *
bitarray_count_chunked(bitarrayobject *self, PyObject *args)
{
    Py_ssize_t start = 0, stop = -1, pos, total = 0;
    unsigned char *chunk;

    if (!PyArg_ParseTuple(args, "|nn:count_chunked", &start, &stop))
        return NULL;
    if (stop < 0 || stop > Py_SIZE(self))
        stop = Py_SIZE(self);
    if (start < 0)
        start = 0;

    for (pos = start; pos < stop; pos += CHUNK) {
        Py_ssize_t n = stop - pos < CHUNK ? stop - pos : CHUNK;
        /* snapshot each block so a concurrent resize cannot move it */
        chunk = PyMem_Malloc(CHUNK); // expected-warning {{[PML006]}}
        if (chunk == NULL)
            return PyErr_NoMemory();
        memcpy(chunk, self->ob_item + pos, (size_t)n);
        total += popcount_block(chunk, n);
    }
    return PyLong_FromSsize_t(total);
}

static PyObject *
bitarray_search(bitarrayobject *self, PyObject *args)
{
    int value;
    Py_ssize_t i, count = 0, cap = 16;
    Py_ssize_t *pos, *tmp;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "p:search", &value))
        return NULL;
    pos = PyMem_New(Py_ssize_t, cap); // no-warning: grown through tmp, freed at the end
    if (pos == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->nbits; i++) {
        if (getbit(self, i) != value)
            continue;
        if (count == cap) {
            cap += cap;
            tmp = pos;
            PyMem_Resize(tmp, Py_ssize_t, cap);
            if (tmp == NULL) {
                PyMem_Free(pos);
                return PyErr_NoMemory();
            }
            pos = tmp;
        }
        pos[count++] = i;
    }
    res = PyList_New(count);
    if (res == NULL) {
        PyMem_Free(pos);
        return NULL;
    }
    for (i = 0; i < count; i++) {
        PyObject *v = PyLong_FromSsize_t(pos[i]);
        if (v == NULL) {
            Py_DECREF(res);
            PyMem_Free(pos);
            return NULL;
        }
        PyList_SET_ITEM(res, i, v);
    }
    PyMem_Free(pos);
    return res;
}

static PyObject *
bitarray_invert(bitarrayobject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t i, nbytes = Py_SIZE(self);
    char *work, *old;

    if (nbytes == 0)
        Py_RETURN_NONE;
    work = PyMem_New(char, self->allocated); // no-warning: becomes ob_item
    if (work == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < nbytes; i++)
        work[i] = (char)~self->ob_item[i];
    old = self->ob_item;
    self->ob_item = work;
    PyMem_Free(old);
    Py_RETURN_NONE;
}

static PyMethodDef bitarray_methods[] = {
    {"copy", (PyCFunction)bitarray_copy, METH_NOARGS, NULL},
    {"frombytes", (PyCFunction)bitarray_frombytes, METH_VARARGS, NULL},
    {"tobytes", (PyCFunction)bitarray_tobytes, METH_NOARGS, NULL},
    {"unpack", (PyCFunction)(void (*)(void))bitarray_unpack, METH_VARARGS | METH_KEYWORDS, NULL},
    {"pack", (PyCFunction)bitarray_pack, METH_VARARGS, NULL},
    {"count_chunked", (PyCFunction)bitarray_count_chunked, METH_VARARGS, NULL},
    {"search", (PyCFunction)bitarray_search, METH_VARARGS, NULL},
    {"invert", (PyCFunction)bitarray_invert, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Bitarray_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bitarray_ops.bitarray",
    .tp_basicsize = sizeof(bitarrayobject),
    .tp_dealloc = (destructor)bitarray_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_methods = bitarray_methods,
    .tp_new = bitarray_new,
};

static struct PyModuleDef bitarray_module = {
    PyModuleDef_HEAD_INIT, "bitarray_ops", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_bitarray_ops(void)
{
    PyObject *m;
    if (PyType_Ready(&Bitarray_Type) < 0)
        return NULL;
    m = PyModule_Create(&bitarray_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Bitarray_Type);
    if (PyModule_AddObject(m, "bitarray", (PyObject *)&Bitarray_Type) < 0) {
        Py_DECREF(&Bitarray_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
