/* apsw_blob.c: incremental blob I/O and a VFS shim in the style of apsw's
 * blob.c and vfs.c.  Anything SQLite may touch from another thread uses
 * PyMem_Raw*; Python-facing scratch buffers use PyMem_*. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define SQLITE_OK      0
#define SQLITE_IOERR   10
#define SQLITE_NOMEM   7
#define MAX_PATHNAME   512

typedef struct {
    unsigned char *data;
    Py_ssize_t size;
} FakeBlobHandle;

typedef struct {
    PyObject_HEAD
    FakeBlobHandle *pBlob;
    Py_ssize_t curoffset;
    char *table;
    char *column;
} APSWBlob;

typedef struct {
    int iVersion;
    int mxPathname;
    char *zName;
    void *pAppData;
} FakeVFS;

typedef struct {
    PyObject_HEAD
    FakeVFS *containingvfs;
    char *basename;
} APSWVFS;

static int
blob_read_raw(FakeBlobHandle *h, void *buf, Py_ssize_t n, Py_ssize_t off)
{
    if (h == NULL || off < 0 || off + n > h->size)
        return SQLITE_IOERR;
    memcpy(buf, h->data + off, (size_t)n);
    return SQLITE_OK;
}

static int
blob_write_raw(FakeBlobHandle *h, const void *buf, Py_ssize_t n, Py_ssize_t off)
{
    if (h == NULL || off < 0 || off + n > h->size)
        return SQLITE_IOERR;
    memcpy(h->data + off, buf, (size_t)n);
    return SQLITE_OK;
}

static char *
apsw_strdup(const char *s)
{
    size_t n = strlen(s);
    char *res = PyMem_Malloc(n + 1); // no-warning: returned to the caller
    if (res == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(res, s, n + 1);
    return res;
}

/* Read n bytes at off into a fresh NUL-terminated buffer. */
static char *
blob_fetch(APSWBlob *self, Py_ssize_t off, Py_ssize_t n)
{
    char *buf = PyMem_Malloc(n + 1);
    if (buf == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (blob_read_raw(self->pBlob, buf, n, off) != SQLITE_OK) {
        PyMem_Free(buf);
        PyErr_SetString(PyExc_IOError, "blob read failed");
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static PyObject *
APSWBlob_read(APSWBlob *self, PyObject *args)
{
    Py_ssize_t length = -1, avail;
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|n:read", &length))
        return NULL;
    if (self->pBlob == NULL) {
        PyErr_SetString(PyExc_ValueError, "blob is closed");
        return NULL;
    }
    avail = self->pBlob->size - self->curoffset;
    if (length < 0 || length > avail)
        length = avail;
    if (length == 0)
        return PyBytes_FromStringAndSize(NULL, 0);

    buf = PyMem_Malloc(length); // no-warning
    if (buf == NULL)
        return PyErr_NoMemory();
    if (blob_read_raw(self->pBlob, buf, length, self->curoffset) != SQLITE_OK) {
        PyMem_Free(buf);
        PyErr_SetString(PyExc_IOError, "blob read failed");
        return NULL;
    }
    res = PyBytes_FromStringAndSize(buf, length);
    PyMem_Free(buf);
    if (res != NULL)
        self->curoffset += length;
    return res;
}

static PyObject *
APSWBlob_readtext(APSWBlob *self, PyObject *args)
{
    Py_ssize_t length;
    char *text;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "n:readtext", &length))
        return NULL;
    if (length < 0) {
        PyErr_SetString(PyExc_ValueError, "length must be >= 0");
        return NULL;
    }
    text = blob_fetch(self, self->curoffset, length);
    if (text == NULL)
        return NULL;
    res = PyUnicode_DecodeUTF8(text, length, "strict");
    PyMem_Free(text);
    if (res == NULL && length >= 3
        && memcmp(text, "\xef\xbb\xbf", 3) == 0) { // expected-warning {{[PML004]}}
        /* a stray BOM: apsw retries without it */
        PyErr_Clear();
        res = PyUnicode_DecodeUTF8(text + 3, length - 3, "strict");
    }
    return res;
}

static PyObject *
APSWBlob_write(APSWBlob *self, PyObject *args)
{
    Py_buffer data;
    unsigned char *copy;
    int rc;

    if (!PyArg_ParseTuple(args, "y*:write", &data))
        return NULL;
    /* take a private copy: the exporter may be mutated by another thread */
    copy = PyMem_Malloc(data.len + 1); // expected-warning {{[PML006]}}
    if (copy == NULL) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    memcpy(copy, data.buf, (size_t)data.len);
    if (data.len == 0) {
        PyBuffer_Release(&data);
        Py_RETURN_NONE;
    }
    rc = blob_write_raw(self->pBlob, copy, data.len, self->curoffset);
    if (rc != SQLITE_OK) {
        PyMem_Free(copy);
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_IOError, "blob write failed");
        return NULL;
    }
    self->curoffset += data.len;
    PyMem_Free(copy);
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static int
APSWBlob_init(APSWBlob *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"table", "column", "size", NULL};
    const char *table, *column;
    Py_ssize_t size = 0;
    char *t = NULL, *c = NULL;
    FakeBlobHandle *h = NULL;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "ss|n:Blob", kwlist,
                                     &table, &column, &size))
        return -1;
    t = apsw_strdup(table);
    if (t == NULL)
        goto error;
    c = apsw_strdup(column);
    if (c == NULL)
        goto error;
    h = PyMem_RawCalloc(1, sizeof(FakeBlobHandle)); // no-warning
    if (h == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    h->data = PyMem_RawCalloc((size_t)size + 1, 1); // no-warning: owned by h
    if (h->data == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    h->size = size;

    PyMem_Free(self->table);
    PyMem_Free(self->column);
    if (self->pBlob) {
        PyMem_RawFree(self->pBlob->data);
        PyMem_RawFree(self->pBlob);
    }
    self->table = t;
    self->column = c;
    self->pBlob = h;
    self->curoffset = 0;
    return 0;

error:
    if (h)
        PyMem_RawFree(h->data);
    PyMem_RawFree(h);
    PyMem_Free(c);
    PyMem_Free(t);
    return -1;
}

static void
APSWBlob_dealloc(APSWBlob *self)
{
    if (self->pBlob) {
        PyMem_RawFree(self->pBlob->data);
        PyMem_RawFree(self->pBlob);
        self->pBlob = NULL;
    }
    PyMem_Free(self->table);
    PyMem_Free(self->column);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* ---- VFS ---- */

static int
vfs_xFullPathname(FakeVFS *vfs, const char *zName, int nOut, char *zOut)
{
    size_t n = strlen(zName);
    if ((int)n + 1 > nOut)
        return SQLITE_IOERR;
    memcpy(zOut, zName, n + 1);
    return SQLITE_OK;
}

static PyObject *
apswvfs_xFullPathname(APSWVFS *self, PyObject *args)
{
    const char *name;
    char *resbuf;
    int rc;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s:xFullPathname", &name))
        return NULL;
    resbuf = PyMem_RawMalloc(MAX_PATHNAME + 1);
    if (resbuf == NULL)
        return PyErr_NoMemory();
    memset(resbuf, 0, MAX_PATHNAME + 1);
    rc = vfs_xFullPathname(self->containingvfs, name, MAX_PATHNAME + 1, resbuf);
    if (rc != SQLITE_OK) {
        PyMem_RawFree(resbuf);
        PyErr_Format(PyExc_OSError, "xFullPathname failed (%d)", rc);
        return NULL;
    }
    res = PyUnicode_FromString(resbuf);
    PyMem_Free(resbuf); // expected-warning {{[PML002]}}
    return res;
}

static int
apswvfs_init(APSWVFS *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "base", NULL};
    const char *name, *base = "";
    FakeVFS *vfs;
    char *zname, *basename;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|s:VFS", kwlist, &name, &base))
        return -1;
    vfs = PyMem_RawCalloc(1, sizeof(FakeVFS)); // no-warning: owned by self
    if (vfs == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    zname = PyMem_RawMalloc(strlen(name) + 1); // no-warning: owned by vfs
    if (zname == NULL) {
        PyMem_RawFree(vfs);
        PyErr_NoMemory();
        return -1;
    }
    strcpy(zname, name);
    basename = apsw_strdup(base);
    if (basename == NULL) {
        PyMem_RawFree(zname);
        PyMem_RawFree(vfs);
        return -1;
    }
    vfs->iVersion = 1;
    vfs->mxPathname = MAX_PATHNAME;
    vfs->zName = zname;
    vfs->pAppData = self;
    if (self->containingvfs) {
        PyMem_RawFree(self->containingvfs->zName);
        PyMem_RawFree(self->containingvfs);
    }
    PyMem_Free(self->basename);
    self->containingvfs = vfs;
    self->basename = basename;
    return 0;
}

static void
apswvfs_dealloc(APSWVFS *self)
{
    if (self->containingvfs) {
        PyMem_RawFree(self->containingvfs->zName);
        PyMem_RawFree(self->containingvfs);
    }
    PyMem_Free(self->basename);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
apswvfs_xRandomness(APSWVFS *self, PyObject *args)
{
    int nbyte, i;
    unsigned char *buf;
    PyObject *res;
    unsigned int seed = 12345;

    if (!PyArg_ParseTuple(args, "i:xRandomness", &nbyte))
        return NULL;
    if (nbyte < 0) {
        PyErr_SetString(PyExc_ValueError, "You can't have negative amounts of randomness!");
        return NULL;
    }
    buf = PyMem_Calloc((size_t)nbyte + 1, 1); // no-warning
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < nbyte; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(seed >> 16);
    }
    res = PyBytes_FromStringAndSize((const char *)buf, nbyte);
    PyMem_Free(buf);
    return res;
}

static PyObject *
APSWBlob_readinto_many(APSWBlob *self, PyObject *args)
{
    PyObject *lengths, *fast, *res = NULL;
    Py_ssize_t i, n, maxlen = 0;
    char *buf = NULL;

    if (!PyArg_ParseTuple(args, "O:read_many", &lengths))
        return NULL;
    fast = PySequence_Fast(lengths, "expected a sequence of lengths");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t l = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, i));
        if (l == -1 && PyErr_Occurred())
            goto finally;
        if (l > maxlen)
            maxlen = l;
    }
    buf = PyMem_Malloc(maxlen + 1); // no-warning: freed at finally
    if (buf == NULL) {
        PyErr_NoMemory();
        goto finally;
    }
    res = PyList_New(n);
    if (res == NULL)
        goto finally;
    for (i = 0; i < n; i++) {
        Py_ssize_t l = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, i));
        PyObject *b;
        if (l < 0)
            l = 0;
        if (blob_read_raw(self->pBlob, buf, l, self->curoffset) != SQLITE_OK) {
            PyErr_SetString(PyExc_IOError, "blob read failed");
            Py_CLEAR(res);
            goto finally;
        }
        self->curoffset += l;
        b = PyBytes_FromStringAndSize(buf, l);
        if (b == NULL) {
            Py_CLEAR(res);
            goto finally;
        }
        PyList_SET_ITEM(res, i, b);
    }

finally:
    if (buf != NULL)
        PyMem_Free(buf);
    Py_DECREF(fast);
    return res;
}

static PyMethodDef APSWBlob_methods[] = {
    {"read", (PyCFunction)APSWBlob_read, METH_VARARGS, NULL},
    {"readtext", (PyCFunction)APSWBlob_readtext, METH_VARARGS, NULL},
    {"write", (PyCFunction)APSWBlob_write, METH_VARARGS, NULL},
    {"read_many", (PyCFunction)APSWBlob_readinto_many, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyMethodDef APSWVFS_methods[] = {
    {"xFullPathname", (PyCFunction)apswvfs_xFullPathname, METH_VARARGS, NULL},
    {"xRandomness", (PyCFunction)apswvfs_xRandomness, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject APSWBlobType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "apsw_blob.Blob",
    .tp_basicsize = sizeof(APSWBlob),
    .tp_dealloc = (destructor)APSWBlob_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = APSWBlob_methods,
    .tp_init = (initproc)APSWBlob_init,
    .tp_new = PyType_GenericNew,
};

static PyTypeObject APSWVFSType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "apsw_blob.VFS",
    .tp_basicsize = sizeof(APSWVFS),
    .tp_dealloc = (destructor)apswvfs_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = APSWVFS_methods,
    .tp_init = (initproc)apswvfs_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef apsw_module = {
    PyModuleDef_HEAD_INIT, "apsw_blob", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_apsw_blob(void)
{
    PyObject *m;
    if (PyType_Ready(&APSWBlobType) < 0 || PyType_Ready(&APSWVFSType) < 0)
        return NULL;
    m = PyModule_Create(&apsw_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&APSWBlobType);
    PyModule_AddObject(m, "Blob", (PyObject *)&APSWBlobType);
    Py_INCREF(&APSWVFSType);
    PyModule_AddObject(m, "VFS", (PyObject *)&APSWVFSType);
    return m;
}
