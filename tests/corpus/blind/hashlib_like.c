/* hashlib_like.c: a digest object in the style of CPython's Modules/sha1module.c
 * and _blake2: the hash state lives in a separate PyObject_Malloc block so
 * that copy() can duplicate it; hexdigest builds its string in scratch memory. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define DIGEST_SIZE 20
#define BLOCK_SIZE  64
#define HEX_LEN     (DIGEST_SIZE * 2)
#define UPDATE_CHUNK 8192

typedef struct {
    unsigned int h[5];
    unsigned long long length;
    unsigned char buf[BLOCK_SIZE];
    Py_ssize_t curlen;
} HashState;

typedef struct {
    PyObject_HEAD
    HashState *st;
    char *name;
} HashObject;

static PyTypeObject Hash_Type;

static void
state_init(HashState *st)
{
    st->h[0] = 0x67452301u;
    st->h[1] = 0xEFCDAB89u;
    st->h[2] = 0x98BADCFEu;
    st->h[3] = 0x10325476u;
    st->h[4] = 0xC3D2E1F0u;
    st->length = 0;
    st->curlen = 0;
}

static void
state_compress(HashState *st)
{
    /* toy mixing function; stands in for the real compression rounds */
    int i;
    for (i = 0; i < BLOCK_SIZE; i++) {
        st->h[i % 5] = (st->h[i % 5] << 5 | st->h[i % 5] >> 27) ^ st->buf[i];
        st->h[(i + 1) % 5] += st->h[i % 5];
    }
}

static void
state_update(HashState *st, const unsigned char *data, Py_ssize_t len)
{
    while (len > 0) {
        Py_ssize_t n = BLOCK_SIZE - st->curlen;
        if (n > len)
            n = len;
        memcpy(st->buf + st->curlen, data, (size_t)n);
        st->curlen += n;
        data += n;
        len -= n;
        st->length += (unsigned long long)n;
        if (st->curlen == BLOCK_SIZE) {
            state_compress(st);
            st->curlen = 0;
        }
    }
}

static void
state_final(const HashState *st, unsigned char *out)
{
    HashState tmp;
    int i;
    memcpy(&tmp, st, sizeof(tmp));
    memset(tmp.buf + tmp.curlen, 0, (size_t)(BLOCK_SIZE - tmp.curlen));
    tmp.buf[tmp.curlen] = 0x80;
    state_compress(&tmp);
    for (i = 0; i < DIGEST_SIZE; i++)
        out[i] = (unsigned char)(tmp.h[i / 4] >> (24 - 8 * (i % 4)));
}

static HashObject *
newHashObject(PyTypeObject *type)
{
    HashObject *self = PyObject_New(HashObject, type);
    if (self == NULL)
        return NULL;
    self->st = NULL;
    self->name = NULL;
    return self;
}

static void
Hash_dealloc(HashObject *self)
{
    PyObject_Free(self->st);
    PyMem_Free(self->name);
    PyObject_Del(self);
}

static PyObject *
hash_new(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "name", "usedforsecurity", NULL};
    Py_buffer data = {NULL, NULL};
    const char *name = "sha1";
    int usedforsecurity = 1;
    HashObject *obj;
    HashState *st;
    char *name_copy;
    size_t nlen;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|y*s$p:new", kwlist,
                                     &data, &name, &usedforsecurity))
        return NULL;

    st = PyObject_Malloc(sizeof(HashState)); // no-warning: owned by obj or freed
    if (st == NULL) {
        if (data.obj)
            PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    state_init(st);
    nlen = strlen(name);
    name_copy = PyMem_Malloc(nlen + 1); // no-warning
    if (name_copy == NULL) {
        PyObject_Free(st);
        if (data.obj)
            PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    memcpy(name_copy, name, nlen + 1);

    obj = newHashObject(&Hash_Type);
    if (obj == NULL) {
        PyMem_Free(name_copy);
        PyObject_Free(st);
        if (data.obj)
            PyBuffer_Release(&data);
        return NULL;
    }
    obj->st = st;
    obj->name = name_copy;
    if (data.obj) {
        state_update(obj->st, data.buf, data.len);
        PyBuffer_Release(&data);
    }
    return (PyObject *)obj;
}

static PyObject *
Hash_copy(HashObject *self, PyObject *Py_UNUSED(ignored))
{
    HashObject *newobj;
    HashState *st;
    char *name = NULL;

    st = PyObject_Malloc(sizeof(HashState));
    if (st == NULL)
        return PyErr_NoMemory();
    memcpy(st, self->st, sizeof(HashState));
    if (self->name != NULL) {
        size_t n = strlen(self->name);
        name = PyMem_Malloc(n + 1); // no-warning
        if (name == NULL) {
            PyObject_Free(st);
            return PyErr_NoMemory();
        }
        memcpy(name, self->name, n + 1);
    }
    newobj = newHashObject(Py_TYPE(self));
    if (newobj == NULL) {
        PyMem_Free(name);
        PyMem_Free(st); // expected-warning {{[PML002]}}
        return NULL;
    }
    newobj->st = st;
    newobj->name = name;
    return (PyObject *)newobj;
}

static PyObject *
Hash_update(HashObject *self, PyObject *args)
{
    Py_buffer data;

    if (!PyArg_ParseTuple(args, "y*:update", &data))
        return NULL;
    if (data.len >= UPDATE_CHUNK) {
        /* large inputs are hashed without the GIL; no allocation in there */
        Py_BEGIN_ALLOW_THREADS
        state_update(self->st, data.buf, data.len);
        Py_END_ALLOW_THREADS
    }
    else {
        state_update(self->st, data.buf, data.len);
    }
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static PyObject *
Hash_update_from(HashObject *self, PyObject *args)
{
    PyObject *file, *chunk_obj;
    unsigned char *chunk;
    Py_ssize_t total = 0;

    if (!PyArg_ParseTuple(args, "O:update_from", &file))
        return NULL;
    for (;;) {
        char *src;
        Py_ssize_t n;
        chunk_obj = PyObject_CallMethod(file, "read", "n", (Py_ssize_t)UPDATE_CHUNK);
        if (chunk_obj == NULL)
            return NULL;
        if (PyBytes_AsStringAndSize(chunk_obj, &src, &n) < 0) {
            Py_DECREF(chunk_obj);
            return NULL;
        }
        if (n == 0) {
            Py_DECREF(chunk_obj);
            break;
        }
        /* copy out so the file object may reuse its buffer */
        chunk = PyMem_Malloc(UPDATE_CHUNK);
        memcpy(chunk, src, (size_t)n); // expected-warning {{[PML001]}}
        Py_DECREF(chunk_obj);
        state_update(self->st, chunk, n);
        PyMem_Free(chunk);
        total += n;
    }
    return PyLong_FromSsize_t(total);
}

static PyObject *
Hash_digest(HashObject *self, PyObject *Py_UNUSED(ignored))
{
    unsigned char *out;
    PyObject *res;

    out = PyMem_Malloc(DIGEST_SIZE); // no-warning
    if (out == NULL)
        return PyErr_NoMemory();
    state_final(self->st, out);
    res = PyBytes_FromStringAndSize((const char *)out, DIGEST_SIZE);
    PyMem_Free(out);
    return res;
}

static PyObject *
Hash_hexdigest(HashObject *self, PyObject *Py_UNUSED(ignored))
{
    static const char hexdigits[] = "0123456789abcdef";
    unsigned char digest[DIGEST_SIZE];
    char *hex;
    int i;

    state_final(self->st, digest);
    hex = PyMem_Malloc(HEX_LEN + 1); // expected-warning {{[PML006]}}
    if (hex == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < DIGEST_SIZE; i++) {
        hex[2 * i] = hexdigits[digest[i] >> 4];
        hex[2 * i + 1] = hexdigits[digest[i] & 0xf];
    }
    hex[HEX_LEN] = '\0';
    return PyUnicode_FromStringAndSize(hex, HEX_LEN);
}

static PyObject *
Hash_get_name(HashObject *self, void *closure)
{
    return PyUnicode_FromString(self->name ? self->name : "sha1");
}

static PyObject *
compare_digest(PyObject *module, PyObject *args)
{
    Py_buffer a, b;
    unsigned char *x, *y;
    Py_ssize_t i;
    unsigned char diff = 0;

    if (!PyArg_ParseTuple(args, "y*y*:compare_digest", &a, &b))
        return NULL;
    if (a.len != b.len) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        Py_RETURN_FALSE;
    }
    /* private copies so the comparison is not racing a mutable exporter */
    x = PyMem_Malloc(a.len + 1); // no-warning
    if (x == NULL)
        goto nomem;
    y = PyMem_Malloc(b.len + 1); // no-warning
    if (y == NULL) {
        PyMem_Free(x);
        goto nomem;
    }
    memcpy(x, a.buf, (size_t)a.len);
    memcpy(y, b.buf, (size_t)b.len);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    for (i = 0; i < a.len; i++)
        diff |= x[i] ^ y[i];
    PyMem_Free(x);
    PyMem_Free(y);
    return PyBool_FromLong(diff == 0);

nomem:
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return PyErr_NoMemory();
}

static PyObject *
Hash_hexdigest_upper(HashObject *self, PyObject *Py_UNUSED(ignored))
{
    static const char hexdigits[] = "0123456789ABCDEF";
    unsigned char *digest;
    char *hex;
    PyObject *res;
    int i;

    digest = PyObject_Malloc(DIGEST_SIZE); // no-warning
    if (digest == NULL)
        return PyErr_NoMemory();
    hex = PyObject_Malloc(HEX_LEN + 1); // no-warning
    if (hex == NULL) {
        PyObject_Free(digest);
        return PyErr_NoMemory();
    }
    state_final(self->st, digest);
    for (i = 0; i < DIGEST_SIZE; i++) {
        hex[i + i] = hexdigits[digest[i] >> 4];
        hex[i + i + 1] = hexdigits[digest[i] & 0xf];
    }
    PyObject_Free(digest);
    res = PyUnicode_FromStringAndSize(hex, HEX_LEN);
    PyObject_Free(hex);
    return res;
}

static PyMethodDef Hash_methods[] = {
    {"copy", (PyCFunction)Hash_copy, METH_NOARGS, NULL},
    {"update", (PyCFunction)Hash_update, METH_VARARGS, NULL},
    {"update_from", (PyCFunction)Hash_update_from, METH_VARARGS, NULL},
    {"digest", (PyCFunction)Hash_digest, METH_NOARGS, NULL},
    {"hexdigest", (PyCFunction)Hash_hexdigest, METH_NOARGS, NULL},
    {"hexdigest_upper", (PyCFunction)Hash_hexdigest_upper, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Hash_getset[] = {
    {"name", (getter)Hash_get_name, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject Hash_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "hashlib_like.sha1",
    .tp_basicsize = sizeof(HashObject),
    .tp_dealloc = (destructor)Hash_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Hash_methods,
    .tp_getset = Hash_getset,
};

static PyMethodDef hashlib_like_methods[] = {
    {"new", (PyCFunction)(void (*)(void))hash_new, METH_VARARGS | METH_KEYWORDS, NULL},
    {"compare_digest", compare_digest, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef hashlib_like_module = {
    PyModuleDef_HEAD_INIT, "hashlib_like", NULL, -1, hashlib_like_methods,
};

PyMODINIT_FUNC
PyInit_hashlib_like(void)
{
    PyObject *m;
    if (PyType_Ready(&Hash_Type) < 0)
        return NULL;
    m = PyModule_Create(&hashlib_like_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Hash_Type);
    if (PyModule_AddObject(m, "sha1", (PyObject *)&Hash_Type) < 0) {
        Py_DECREF(&Hash_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
