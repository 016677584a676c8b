/* blindmod -- small text and byte utilities (RingBuffer lives in ringbuf.c). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

extern PyTypeObject blindmod_RingBufferType;

#define RLE_MAX_RUN 255

/* ------------------------------------------------------------------ */
/* run-length codec: output is a sequence of (count, byte) pairs        */

static PyObject *
blindmod_rle_encode(PyObject *module, PyObject *args)
{
    Py_buffer view;
    unsigned char small[512];
    unsigned char *out;
    const unsigned char *p;
    Py_ssize_t need, i, o = 0;
    PyObject *res = NULL;

    (void)module;
    if (!PyArg_ParseTuple(args, "y*:rle_encode", &view))
        return NULL;
    if (view.len > PY_SSIZE_T_MAX / 2) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    need = view.len * 2;
    if (need <= (Py_ssize_t)sizeof(small)) {
        out = small;
    }
    else {
        out = PyMem_Malloc(need);
        if (out == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }

    p = view.buf;
    i = 0;
    while (i < view.len) {
        unsigned char value = p[i];
        Py_ssize_t run = 1;
        while (i + run < view.len && p[i + run] == value && run < RLE_MAX_RUN)
            run++;
        out[o++] = (unsigned char)run;
        out[o++] = value;
        i += run;
    }
    res = PyBytes_FromStringAndSize((const char *)out, o);
    if (out != small)
        PyMem_Free(out);
done:
    PyBuffer_Release(&view);
    return res;
}

static PyObject *
blindmod_rle_decode(PyObject *module, PyObject *args)
{
    Py_buffer view;
    const unsigned char *p;
    unsigned char *out, *tmp;
    Py_ssize_t cap, o = 0, i;
    PyObject *res;

    (void)module;
    if (!PyArg_ParseTuple(args, "y*:rle_decode", &view))
        return NULL;
    if (view.len % 2) {
        PyErr_SetString(PyExc_ValueError, "truncated run-length data");
        PyBuffer_Release(&view);
        return NULL;
    }
    cap = view.len < 64 ? 64 : view.len;
    out = PyMem_Malloc(cap);  // BUG PML005 reached
    if (out == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }

    p = view.buf;
    for (i = 0; i < view.len; i += 2) {
        Py_ssize_t count = p[i];
        unsigned char value = p[i + 1];

        if (count == 0) {
            PyErr_Format(PyExc_ValueError,
                         "zero run length at offset %zd", i);
            PyBuffer_Release(&view);
            return NULL;
        }
        if (o + count > cap) {
            Py_ssize_t newcap;
            if (cap > PY_SSIZE_T_MAX / 2) {
                PyMem_Free(out);
                PyBuffer_Release(&view);
                return PyErr_NoMemory();
            }
            newcap = cap + cap / 2 + count;
            tmp = PyMem_Realloc(out, newcap);
            if (tmp == NULL) {
                PyMem_Free(out);
                PyBuffer_Release(&view);
                return PyErr_NoMemory();
            }
            out = tmp;
            cap = newcap;
        }
        memset(out + o, value, (size_t)count);
        o += count;
    }
    PyBuffer_Release(&view);

    res = PyBytes_FromStringAndSize((const char *)out, o);
    PyMem_Free(out);
    return res;
}

/* ------------------------------------------------------------------ */
/* tokenizer                                                            */

static int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
           c == '\f' || c == '\v';
}

static PyObject *
blindmod_tokenize(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"text", "maxlen", "lower", NULL};
    PyObject *text, *list, *item;
    Py_ssize_t maxlen = 64, n, i, start, len, k;
    int lower = 0;
    const char *s;
    char *tok = NULL;

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "U|np:tokenize", kwlist,
                                     &text, &maxlen, &lower))
        return NULL;
    if (maxlen <= 0 || maxlen > (1 << 20)) {
        PyErr_SetString(PyExc_ValueError, "maxlen must be in 1..1048576");
        return NULL;
    }
    s = PyUnicode_AsUTF8AndSize(text, &n);
    if (s == NULL)
        return NULL;
    list = PyList_New(0);
    if (list == NULL)
        return NULL;
    tok = PyMem_Malloc(maxlen + 1);
    if (tok == NULL) {
        PyErr_NoMemory();
        goto error;
    }

    i = 0;
    for (;;) {
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        start = i;
        while (i < n && !is_space((unsigned char)s[i]))
            i++;
        len = i - start;
        if (len == 0)
            break;
        if (len > maxlen) {
            PyErr_Format(PyExc_ValueError,
                         "token of %zd bytes at offset %zd exceeds maxlen %zd",
                         len, start, maxlen);
            PyMem_Free(tok);
            goto error;
        }
        for (k = 0; k < len; k++) {
            char c = s[start + k];
            if (lower && c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            tok[k] = c;
        }
        tok[len] = '\0';
        item = PyUnicode_DecodeUTF8(tok, len, "strict");
        if (item == NULL)
            goto error;
        if (PyList_Append(list, item) < 0) {
            Py_DECREF(item);
            goto error;
        }
        Py_DECREF(item);
    }
    PyMem_Free(tok);
    return list;

error:
    PyMem_Free(tok);  // BUG PML003 reached
    Py_DECREF(list);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* lookup keys                                                          */

static unsigned long
fnv1a(const char *s, Py_ssize_t n)
{
    uint32_t h = 2166136261u;
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return (unsigned long)h;
}

static PyObject *
blindmod_make_key(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "ignore_case", NULL};
    PyObject *name, *res;
    int ignore_case = 0;
    const char *utf8, *key;
    char *folded = NULL;
    Py_ssize_t n, i;

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "U|p:make_key", kwlist,
                                     &name, &ignore_case))
        return NULL;
    utf8 = PyUnicode_AsUTF8AndSize(name, &n);
    if (utf8 == NULL)
        return NULL;
    key = utf8;
    if (ignore_case) {
        folded = PyMem_Malloc(n + 1);
        if (folded == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < n; i++) {
            char c = utf8[i];
            folded[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        folded[n] = '\0';
        key = folded;
    }
    res = Py_BuildValue("(s#k)", key, n, fnv1a(key, n));
    PyMem_Free((void *)key);  // BUG PML012 reached
    return res;
}

/* ------------------------------------------------------------------ */
/* wide-character helpers                                               */

static int
char_width(Py_UCS4 c)
{
    if (c == 0x200B || (c >= 0x0300 && c <= 0x036F))
        return 0;                       /* zero width space, combining marks */
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFF00 && c <= 0xFF60) || (c >= 0x1F300 && c <= 0x1FAFF))
        return 2;
    return 1;
}

static PyObject *
blindmod_display_width(PyObject *module, PyObject *arg)
{
    wchar_t *w;
    Py_ssize_t n, i, width = 0;

    (void)module;
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "display_width() expects a str");
        return NULL;
    }
    w = PyUnicode_AsWideCharString(arg, &n);  // BUG PML013 reached
    if (w == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        Py_UCS4 c = (Py_UCS4)w[i];
        if (c < 0x20 || c == 0x7F)
            return PyLong_FromLong(-1);   /* control characters: no width */
        width += char_width(c);
    }
    PyMem_Free(w);
    return PyLong_FromSsize_t(width);
}

static PyObject *
blindmod_wide_reverse(PyObject *module, PyObject *arg)
{
    wchar_t *w, t;
    Py_ssize_t n, i;
    PyObject *res;

    (void)module;
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "wide_reverse() expects a str");
        return NULL;
    }
    w = PyUnicode_AsWideCharString(arg, &n);
    if (w == NULL)
        return NULL;
    for (i = 0; i < n / 2; i++) {
        t = w[i];
        w[i] = w[n - 1 - i];
        w[n - 1 - i] = t;
    }
    res = PyUnicode_FromWideChar(w, n);
    PyMem_Free(w);
    return res;
}

/* ------------------------------------------------------------------ */
/* whitespace squeezing                                                 */

static PyObject *
blindmod_squeeze(PyObject *module, PyObject *arg)
{
    char small[256];
    char *buf;
    const char *s;
    Py_ssize_t n, i, o = 0;
    int pending = 0;
    PyObject *res;

    (void)module;
    s = PyUnicode_AsUTF8AndSize(arg, &n);
    if (s == NULL)
        return NULL;
    buf = (size_t)n < sizeof(small) ? small : PyMem_Malloc(n + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        if (is_space((unsigned char)s[i])) {
            pending = (o > 0);
            continue;
        }
        if (pending) {
            buf[o++] = ' ';
            pending = 0;
        }
        buf[o++] = s[i];
    }
    res = PyUnicode_DecodeUTF8(buf, o, "strict");
    PyMem_Free(buf);  // BUG PML011 reached
    return res;
}

/* ------------------------------------------------------------------ */
/* work done with the GIL released                                      */

static PyObject *
blindmod_checksum(PyObject *module, PyObject *args)
{
    Py_buffer view;
    uint32_t *table;
    uint32_t crc = 0xFFFFFFFFu, c;
    int nomem = 0;

    (void)module;
    if (!PyArg_ParseTuple(args, "y*:checksum", &view))
        return NULL;

    Py_BEGIN_ALLOW_THREADS
    table = PyMem_Malloc(256 * sizeof(uint32_t));  // BUG PML010 reached
    if (table == NULL) {
        nomem = 1;
    }
    else {
        const unsigned char *p = view.buf;
        Py_ssize_t i;
        int k;
        for (i = 0; i < 256; i++) {
            c = (uint32_t)i;
            for (k = 0; k < 8; k++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        for (i = 0; i < view.len; i++)
            crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    }
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&view);
    if (nomem)
        return PyErr_NoMemory();
    PyMem_Free(table);
    return PyLong_FromUnsignedLong((unsigned long)(crc ^ 0xFFFFFFFFu));
}

static PyObject *
blindmod_byte_histogram(PyObject *module, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t *counts;
    PyObject *list = NULL, *v;
    int i;

    (void)module;
    if (!PyArg_ParseTuple(args, "y*:byte_histogram", &view))
        return NULL;

    Py_BEGIN_ALLOW_THREADS
    counts = PyMem_RawCalloc(256, sizeof(Py_ssize_t));
    if (counts != NULL) {
        const unsigned char *p = view.buf;
        Py_ssize_t j;
        for (j = 0; j < view.len; j++)
            counts[p[j]]++;
    }
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&view);
    if (counts == NULL)
        return PyErr_NoMemory();
    list = PyList_New(256);
    if (list == NULL)
        goto done;
    for (i = 0; i < 256; i++) {
        v = PyLong_FromSsize_t(counts[i]);
        if (v == NULL) {
            Py_CLEAR(list);
            goto done;
        }
        PyList_SET_ITEM(list, i, v);
    }
done:
    PyMem_RawFree(counts);
    return list;
}

/* ------------------------------------------------------------------ */
/* formatting                                                           */

static PyObject *
blindmod_hexdump(PyObject *module, PyObject *args)
{
    static const char digits[] = "0123456789abcdef";
    Py_buffer view;
    const unsigned char *p;
    char *out;
    Py_ssize_t size, i, o = 0;
    PyObject *res = NULL;

    (void)module;
    if (!PyArg_ParseTuple(args, "y*:hexdump", &view))
        return NULL;
    if (view.len > (PY_SSIZE_T_MAX - 1) / 3) {
        PyErr_NoMemory();
        goto done;
    }
    size = view.len * 3 + 1;
    out = PyObject_Malloc(size);
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    p = view.buf;
    for (i = 0; i < view.len; i++) {
        if (i > 0)
            out[o++] = ' ';
        out[o++] = digits[p[i] >> 4];
        out[o++] = digits[p[i] & 0xF];
    }
    res = PyUnicode_DecodeASCII(out, o, NULL);
    PyObject_Free(out);
done:
    PyBuffer_Release(&view);
    return res;
}

static PyObject *
blindmod_normalize_path(PyObject *module, PyObject *args)
{
    char *path = NULL;
    char *r, *w;

    (void)module;
    if (!PyArg_ParseTuple(args, "es:normalize_path", "utf-8", &path))  // BUG PML013 unreached
        return NULL;
    for (r = w = path; *r; r++) {
        if (*r == '/' && w > path && w[-1] == '/')
            continue;
        *w++ = *r;
    }
    if (w > path + 1 && w[-1] == '/')
        w--;
    *w = '\0';
    return PyUnicode_DecodeUTF8(path, w - path, "surrogateescape");
}

/* ------------------------------------------------------------------ */

static PyMethodDef blindmod_methods[] = {
    {"rle_encode", blindmod_rle_encode, METH_VARARGS,
     "rle_encode(data) -> bytes of (count, byte) pairs"},
    {"rle_decode", blindmod_rle_decode, METH_VARARGS,
     "rle_decode(data) -> bytes"},
    {"tokenize", (PyCFunction)(void (*)(void))blindmod_tokenize,
     METH_VARARGS | METH_KEYWORDS,
     "tokenize(text, maxlen=64, lower=False) -> list of str"},
    {"make_key", (PyCFunction)(void (*)(void))blindmod_make_key,
     METH_VARARGS | METH_KEYWORDS,
     "make_key(name, ignore_case=False) -> (key, hash)"},
    {"display_width", blindmod_display_width, METH_O,
     "display_width(s) -> columns, or -1 if s has control characters"},
    {"wide_reverse", blindmod_wide_reverse, METH_O,
     "wide_reverse(s) -> s reversed"},
    {"squeeze", blindmod_squeeze, METH_O,
     "squeeze(s) -> s with whitespace runs collapsed and trimmed"},
    {"checksum", blindmod_checksum, METH_VARARGS,
     "checksum(data) -> CRC-32 of data"},
    {"byte_histogram", blindmod_byte_histogram, METH_VARARGS,
     "byte_histogram(data) -> list of 256 counts"},
    {"hexdump", blindmod_hexdump, METH_VARARGS,
     "hexdump(data) -> str"},
    {"normalize_path", blindmod_normalize_path, METH_VARARGS,
     "normalize_path(path) -> path with repeated slashes collapsed"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef blindmod_module = {
    PyModuleDef_HEAD_INIT,
    "blindmod",
    "Small text and byte utilities.",
    -1,
    blindmod_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit_blindmod(void)
{
    PyObject *m;

    if (PyType_Ready(&blindmod_RingBufferType) < 0)
        return NULL;
    m = PyModule_Create(&blindmod_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&blindmod_RingBufferType);
    if (PyModule_AddObject(m, "RingBuffer",
                           (PyObject *)&blindmod_RingBufferType) < 0) {
        Py_DECREF(&blindmod_RingBufferType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
