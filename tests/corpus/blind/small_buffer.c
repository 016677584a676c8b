/* small_buffer.c: the "small stack buffer, heap when large" idiom used all
 * over CPython (e.g. Modules/_pickle.c, Objects/unicodeobject.c's
 * small_buffer, posixmodule.c path buffers).  A flag or a pointer comparison
 * says whether the buffer must be released. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define SMALL 256
#define RAW_THRESHOLD 65536

static void
reverse_into(char *dst, const char *src, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        dst[i] = src[n - 1 - i];
}

static PyObject *
sb_reverse(PyObject *module, PyObject *args)
{
    Py_buffer view;
    char stackbuf[SMALL];
    char *buf = stackbuf;
    int owned = 0;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y*:reverse", &view))
        return NULL;
    if (view.len > SMALL) {
        buf = PyMem_Malloc(view.len); // no-warning: released under 'owned'
        if (buf == NULL) {
            PyBuffer_Release(&view);
            return PyErr_NoMemory();
        }
        owned = 1;
    }
    reverse_into(buf, view.buf, view.len);
    res = PyBytes_FromStringAndSize(buf, view.len);
    if (owned)
        PyMem_Free(buf);
    PyBuffer_Release(&view);
    return res;
}

static PyObject *
sb_upper(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n, i;
    char small[SMALL];
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#:upper", &s, &n))
        return NULL;
    if (n < SMALL) {
        buf = small;
    }
    else {
        buf = PyMem_Malloc(n + 1); // no-warning: released when buf != small
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++)
        buf[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    res = PyUnicode_FromStringAndSize(buf, n);
    if (buf != small)
        PyMem_Free(buf);
    return res;
}

static PyObject *
sb_join_small(PyObject *module, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t na, nb;
    char stack[SMALL];
    char *buf = stack;

    if (!PyArg_ParseTuple(args, "s#s#:join_small", &a, &na, &b, &nb))
        return NULL;
    if (na > PY_SSIZE_T_MAX - nb - 1)
        return PyErr_NoMemory();
    if (na + nb > SMALL) {
        buf = PyMem_Malloc(na + nb);
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    memcpy(buf, a, (size_t)na);
    memcpy(buf + na, b, (size_t)nb);
    if (buf != stack)
        PyMem_Free(buf);
    return PyBytes_FromStringAndSize(buf, na + nb); // expected-warning {{[PML004]}}
}

/* Large scratch areas come from the raw allocator so that a later version can
 * fill them without the GIL; small ones from PyMem. */
static PyObject *
sb_xor_bytes(PyObject *module, PyObject *args)
{
    Py_buffer a, b;
    unsigned char *out;
    Py_ssize_t i;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y*y*:xor_bytes", &a, &b))
        return NULL;
    if (a.len != b.len) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        PyErr_SetString(PyExc_ValueError, "length mismatch");
        return NULL;
    }
    if (a.len >= RAW_THRESHOLD)
        out = PyMem_RawMalloc((size_t)a.len);
    else
        out = PyMem_Malloc(a.len + 1);
    if (out == NULL) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        return PyErr_NoMemory();
    }
    for (i = 0; i < a.len; i++)
        out[i] = ((unsigned char *)a.buf)[i] ^ ((unsigned char *)b.buf)[i];
    res = PyBytes_FromStringAndSize((const char *)out, a.len);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyMem_Free(out); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
sb_xor_bytes_fixed(PyObject *module, PyObject *args)
{
    Py_buffer a, b;
    unsigned char *out;
    Py_ssize_t i;
    int raw;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y*y*:xor_bytes_fixed", &a, &b))
        return NULL;
    if (a.len != b.len) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        PyErr_SetString(PyExc_ValueError, "length mismatch");
        return NULL;
    }
    raw = a.len >= RAW_THRESHOLD;
    if (raw)
        out = PyMem_RawMalloc((size_t)a.len); // no-warning: released with PyMem_RawFree under 'raw'
    else
        out = PyMem_Malloc(a.len + 1); // no-warning: released with PyMem_Free otherwise
    if (out == NULL) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        return PyErr_NoMemory();
    }
    for (i = 0; i < a.len; i++)
        out[i] = ((unsigned char *)a.buf)[i] ^ ((unsigned char *)b.buf)[i];
    res = PyBytes_FromStringAndSize((const char *)out, a.len);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    if (raw)
        PyMem_RawFree(out);
    else
        PyMem_Free(out);
    return res;
}

static PyObject *
sb_format_ints(PyObject *module, PyObject *args)
{
    PyObject *seq, *fast, *res;
    Py_ssize_t i, n, o = 0, cap = SMALL;
    char small[SMALL];
    char *buf = small, *heap = NULL;

    if (!PyArg_ParseTuple(args, "O:format_ints", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of ints");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        char tmp[32];
        int k;
        if (v == -1 && PyErr_Occurred())
            goto error;
        k = PyOS_snprintf(tmp, sizeof(tmp), "%s%ld", i ? "," : "", v);
        if (o + k + 1 > cap) {
            Py_ssize_t newcap = cap + cap + k;
            char *grown = PyMem_Malloc(newcap); // no-warning: replaces heap, old one freed
            if (grown == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            memcpy(grown, buf, (size_t)o);
            PyMem_Free(heap);
            heap = buf = grown;
            cap = newcap;
        }
        memcpy(buf + o, tmp, (size_t)k);
        o += k;
    }
    Py_DECREF(fast);
    res = PyUnicode_FromStringAndSize(buf, o);
    PyMem_Free(heap);
    return res;

error:
    Py_DECREF(fast);
    PyMem_Free(heap);
    return NULL;
}

static PyObject *
sb_repeat(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n, count, i, total;
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#n:repeat", &s, &n, &count))
        return NULL;
    if (count < 0 || n == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    if (count > (PY_SSIZE_T_MAX - 1) / n)
        return PyErr_NoMemory();
    buf = PyMem_Calloc((size_t)count + 1, (size_t)n); // no-warning: calloc checks the product
    if (buf == NULL)
        return PyErr_NoMemory();
    total = 0;
    for (i = 0; i < count; i++) {
        memcpy(buf + total, s, (size_t)n);
        total += n;
    }
    res = PyBytes_FromStringAndSize(buf, total);
    PyMem_Free(buf);
    return res;
}

static PyObject *
sb_hexlify(PyObject *module, PyObject *args)
{
    static const char digits[] = "0123456789abcdef";
    Py_buffer view;
    char stackbuf[SMALL];
    char *out;
    Py_ssize_t i;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y*:hexlify", &view))
        return NULL;
    if (view.len > (PY_SSIZE_T_MAX - 1) / 2) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    if (view.len + view.len <= SMALL) {
        out = stackbuf;
    }
    else {
        out = PyMem_Calloc((size_t)view.len + 1, 2); // no-warning: freed when out != stackbuf
        if (out == NULL) {
            PyBuffer_Release(&view);
            return PyErr_NoMemory();
        }
    }
    for (i = 0; i < view.len; i++) {
        unsigned char c = ((unsigned char *)view.buf)[i];
        out[i + i] = digits[c >> 4];
        out[i + i + 1] = digits[c & 0xf];
    }
    res = PyUnicode_FromStringAndSize(out, view.len + view.len);
    PyBuffer_Release(&view);
    if (out != stackbuf)
        PyMem_Free(out);
    return res;
}

static PyMethodDef small_buffer_methods[] = {
    {"reverse", sb_reverse, METH_VARARGS, NULL},
    {"upper", sb_upper, METH_VARARGS, NULL},
    {"join_small", sb_join_small, METH_VARARGS, NULL},
    {"xor_bytes", sb_xor_bytes, METH_VARARGS, NULL},
    {"xor_bytes_fixed", sb_xor_bytes_fixed, METH_VARARGS, NULL},
    {"format_ints", sb_format_ints, METH_VARARGS, NULL},
    {"repeat", sb_repeat, METH_VARARGS, NULL},
    {"hexlify", sb_hexlify, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef small_buffer_module = {
    PyModuleDef_HEAD_INIT, "small_buffer", NULL, -1, small_buffer_methods,
};

PyMODINIT_FUNC
PyInit_small_buffer(void)
{
    return PyModule_Create(&small_buffer_module);
}
