/*
 * mismatched-free/families.c - PML002: a block released by the
 * deallocator of another family (MEM, RAW, OBJ, libc). Each positive has a
 * twin that releases with the matching function and stays silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- PyMem_Malloc ---- */

static PyObject *
hex_encode(PyObject *self, PyObject *args)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *data;
    Py_ssize_t len, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hex_encode", &data, &len))
        return NULL;
    if (len > PY_SSIZE_T_MAX / 2 - 1)
        return PyErr_NoMemory();
    out = PyMem_Malloc(len + len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        out[i + i] = digits[data[i] >> 4];
        out[i + i + 1] = digits[data[i] & 15];
    }
    result = PyUnicode_FromStringAndSize(out, len + len);
    PyObject_Free(out); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
hex_encode_ok(PyObject *self, PyObject *args)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *data;
    Py_ssize_t len, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hex_encode_ok", &data, &len))
        return NULL;
    if (len > PY_SSIZE_T_MAX / 2 - 1)
        return PyErr_NoMemory();
    out = PyMem_Malloc(len + len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        out[i + i] = digits[data[i] >> 4];
        out[i + i + 1] = digits[data[i] & 15];
    }
    result = PyUnicode_FromStringAndSize(out, len + len);
    PyMem_Free(out); // no-warning: same family
    return result;
}

static PyObject *
strip_spaces(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:strip_spaces", &text, &len))
        return NULL;
    out = PyMem_Malloc(len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (text[i] != ' ')
            out[n++] = text[i];
    }
    result = PyUnicode_FromStringAndSize(out, n);
    free(out); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
strip_tabs(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:strip_tabs", &text, &len))
        return NULL;
    out = PyMem_Malloc(len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (text[i] != '\t')
            out[n++] = text[i];
    }
    result = PyUnicode_FromStringAndSize(out, n);
    PyMem_Free(out); // no-warning: same family
    return result;
}

static PyObject *
xor_bytes(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    int key;
    unsigned char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#i:xor_bytes", &data, &len, &key))
        return NULL;
    out = PyMem_Malloc(len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        out[i] = data[i] ^ (unsigned char)key;
    result = PyBytes_FromStringAndSize((char *)out, len);
    PyMem_RawFree(out); // expected-warning {{[PML002]}}
    return result;
}

/* ---- libc malloc / strdup / calloc / realloc ---- */

static PyObject *
env_style(PyObject *self, PyObject *args)
{
    const char *key, *value;
    size_t klen, vlen;
    char *entry;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ss:env_style", &key, &value))
        return NULL;
    klen = strlen(key);
    vlen = strlen(value);
    entry = malloc(klen + vlen + 2);
    if (entry == NULL)
        return PyErr_NoMemory();
    memcpy(entry, key, klen);
    entry[klen] = '=';
    memcpy(entry + klen + 1, value, vlen + 1);
    result = PyUnicode_FromString(entry);
    PyMem_Free(entry); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
env_style_ok(PyObject *self, PyObject *args)
{
    const char *key, *value;
    size_t klen, vlen;
    char *entry;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ss:env_style_ok", &key, &value))
        return NULL;
    klen = strlen(key);
    vlen = strlen(value);
    entry = malloc(klen + vlen + 2);
    if (entry == NULL)
        return PyErr_NoMemory();
    memcpy(entry, key, klen);
    entry[klen] = '=';
    memcpy(entry + klen + 1, value, vlen + 1);
    result = PyUnicode_FromString(entry);
    free(entry); // no-warning: malloc/free
    return result;
}

static PyObject *
basename_of(PyObject *self, PyObject *args)
{
    const char *path;
    char *copy;
    Py_ssize_t i, slash = -1;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:basename_of", &path))
        return NULL;
    copy = strdup(path);
    if (copy == NULL)
        return PyErr_NoMemory();
    for (i = 0; copy[i] != '\0'; i++) {
        if (copy[i] == '/')
            slash = i;
    }
    result = PyUnicode_FromString(copy + slash + 1);
    PyMem_Free(copy); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
dirname_of(PyObject *self, PyObject *args)
{
    const char *path;
    char *copy;
    Py_ssize_t i, slash = -1;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:dirname_of", &path))
        return NULL;
    copy = strdup(path);
    if (copy == NULL)
        return PyErr_NoMemory();
    for (i = 0; copy[i] != '\0'; i++) {
        if (copy[i] == '/')
            slash = i;
    }
    if (slash >= 0)
        copy[slash] = '\0';
    result = PyUnicode_FromString(slash >= 0 ? copy : ".");
    free(copy); // no-warning: strdup/free
    return result;
}

static PyObject *
zero_block(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    char *blk;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:zero_block", &n))
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative size");
        return NULL;
    }
    blk = calloc(n + 1, 1);
    if (blk == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(blk, n);
    PyMem_RawFree(blk); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
zero_block_ok(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    char *blk;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:zero_block_ok", &n))
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative size");
        return NULL;
    }
    blk = calloc(n + 1, 1);
    if (blk == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(blk, n);
    free(blk); // no-warning: calloc/free
    return result;
}

static PyObject *
grow_and_fill(PyObject *self, PyObject *args)
{
    Py_ssize_t first, extra;
    char *buf, *tmp;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "nn:grow_and_fill", &first, &extra))
        return NULL;
    if (first < 0 || extra < 0 || first > 65536 || extra > 65536) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    buf = malloc(first + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memset(buf, 'a', first);
    tmp = realloc(buf, first + extra + 1);
    if (tmp == NULL) {
        free(buf);
        return PyErr_NoMemory();
    }
    buf = tmp;
    memset(buf + first, 'b', extra);
    result = PyBytes_FromStringAndSize(buf, first + extra);
    PyMem_Free(buf); // expected-warning {{[PML002]}}
    return result;
}

/* ---- PyObject_Malloc / PyObject_Calloc ---- */

struct point {
    double x, y;
};

static PyObject *
midpoint(PyObject *self, PyObject *args)
{
    struct point *a, *b;
    double ax, ay, bx, by;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "(dd)(dd):midpoint", &ax, &ay, &bx, &by))
        return NULL;
    a = PyObject_Malloc(sizeof(struct point));
    if (a == NULL)
        return PyErr_NoMemory();
    b = PyObject_Malloc(sizeof(struct point));
    if (b == NULL) {
        PyObject_Free(a); // no-warning: OBJ/OBJ
        return PyErr_NoMemory();
    }
    a->x = ax;
    a->y = ay;
    b->x = bx;
    b->y = by;
    result = Py_BuildValue("(dd)", (a->x + b->x) / 2, (a->y + b->y) / 2);
    PyObject_Free(a); // no-warning: OBJ/OBJ
    PyMem_Free(b); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
zero_points(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    struct point *pts;
    PyObject *result;

    pts = PyObject_Calloc(4, sizeof(struct point));
    if (pts == NULL)
        return PyErr_NoMemory();
    result = Py_BuildValue("(dd)", pts[3].x, pts[3].y);
    free(pts); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
zero_points_ok(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    struct point *pts;
    PyObject *result;

    pts = PyObject_Calloc(4, sizeof(struct point));
    if (pts == NULL)
        return PyErr_NoMemory();
    result = Py_BuildValue("(dd)", pts[3].x, pts[3].y);
    PyObject_Free(pts); // no-warning: OBJ/OBJ
    return result;
}

/* ---- PyMem_RawMalloc / PyMem_RawCalloc ---- */

static PyObject *
digest(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    unsigned long *state;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:digest", &data, &len))
        return NULL;
    state = PyMem_RawMalloc(sizeof(unsigned long[2]));
    if (state == NULL)
        return PyErr_NoMemory();
    state[0] = 1;
    state[1] = 0;
    for (i = 0; i < len; i++) {
        state[0] = (state[0] + data[i]) % 65521;
        state[1] = (state[1] + state[0]) % 65521;
    }
    result = PyLong_FromUnsignedLong((state[1] << 16) | state[0]);
    PyMem_Free(state); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
digest_ok(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    unsigned long *state;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:digest_ok", &data, &len))
        return NULL;
    state = PyMem_RawMalloc(sizeof(unsigned long[2]));
    if (state == NULL)
        return PyErr_NoMemory();
    state[0] = 1;
    state[1] = 0;
    for (i = 0; i < len; i++) {
        state[0] = (state[0] + data[i]) % 65521;
        state[1] = (state[1] + state[0]) % 65521;
    }
    result = PyLong_FromUnsignedLong((state[1] << 16) | state[0]);
    PyMem_RawFree(state); // no-warning: RAW/RAW
    return result;
}

static PyObject *
raw_flags(PyObject *self, PyObject *args)
{
    int n;
    char *flags;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "i:raw_flags", &n))
        return NULL;
    if (n < 0 || n > 64) {
        PyErr_SetString(PyExc_ValueError, "bad flag count");
        return NULL;
    }
    flags = PyMem_RawCalloc(n + 1, 1);
    if (flags == NULL)
        return PyErr_NoMemory();
    memset(flags, '0', n);
    result = PyUnicode_FromString(flags);
    PyObject_Free(flags); // expected-warning {{[PML002]}}
    return result;
}

static PyMethodDef families_methods[] = {
    {"hex_encode", hex_encode, METH_VARARGS, NULL},
    {"hex_encode_ok", hex_encode_ok, METH_VARARGS, NULL},
    {"strip_spaces", strip_spaces, METH_VARARGS, NULL},
    {"strip_tabs", strip_tabs, METH_VARARGS, NULL},
    {"xor_bytes", xor_bytes, METH_VARARGS, NULL},
    {"env_style", env_style, METH_VARARGS, NULL},
    {"env_style_ok", env_style_ok, METH_VARARGS, NULL},
    {"basename_of", basename_of, METH_VARARGS, NULL},
    {"dirname_of", dirname_of, METH_VARARGS, NULL},
    {"zero_block", zero_block, METH_VARARGS, NULL},
    {"zero_block_ok", zero_block_ok, METH_VARARGS, NULL},
    {"grow_and_fill", grow_and_fill, METH_VARARGS, NULL},
    {"midpoint", midpoint, METH_VARARGS, NULL},
    {"zero_points", zero_points, METH_NOARGS, NULL},
    {"zero_points_ok", zero_points_ok, METH_NOARGS, NULL},
    {"digest", digest, METH_VARARGS, NULL},
    {"digest_ok", digest_ok, METH_VARARGS, NULL},
    {"raw_flags", raw_flags, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef families_module = {
    PyModuleDef_HEAD_INIT, "families", NULL, -1, families_methods,
};

PyMODINIT_FUNC
PyInit_families(void)
{
    return PyModule_Create(&families_module);
}
