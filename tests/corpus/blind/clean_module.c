/* clean_module.c: assorted buffer-handling helpers that are all correct,
 * collecting the idioms that trip up simple checkers: correlated flags,
 * free-then-NULL, cleanup labels with NULL-initialised pointers, ownership
 * handed to globals, out-parameters, capsules, and realloc through a
 * temporary. */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define CLEAR_MEM(p) do { PyMem_Free(p); (p) = NULL; } while (0)
#define BLOCK_CAPSULE "clean_module.block"

typedef struct Interned {
    struct Interned *next;
    Py_ssize_t len;
    char *text;
} Interned;

typedef struct {
    char *data;
    Py_ssize_t len;
} Slice;

static Interned *interned_head = NULL;
static char *last_separator = NULL;
static const char default_sep[] = ", ";

/* Takes ownership of 'text' (it must come from PyMem_Malloc). */
static int
intern_take(char *text, Py_ssize_t len)
{
    Interned *node = PyMem_Malloc(sizeof(Interned)); // no-warning: linked into a global list
    if (node == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    node->text = text;
    node->len = len;
    node->next = interned_head;
    interned_head = node;
    return 0;
}

static PyObject *
cm_intern(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n;
    char *copy;
    Interned *it;

    if (!PyArg_ParseTuple(args, "s#:intern", &s, &n))
        return NULL;
    for (it = interned_head; it != NULL; it = it->next) {
        if (it->len == n && memcmp(it->text, s, (size_t)n) == 0)
            return PyLong_FromVoidPtr(it->text);
    }
    copy = PyMem_Malloc(n + 1); // no-warning: ownership passes to intern_take
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, (size_t)n);
    copy[n] = '\0';
    if (intern_take(copy, n) < 0) {
        PyMem_Free(copy);
        return NULL;
    }
    return PyLong_FromVoidPtr(copy);
}

static PyObject *
cm_clear_interned(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    Interned *it = interned_head, *next;
    while (it != NULL) {
        next = it->next;
        PyMem_Free(it->text);
        PyMem_Free(it);
        it = next;
    }
    interned_head = NULL;
    Py_RETURN_NONE;
}

static PyObject *
cm_set_separator(PyObject *module, PyObject *args)
{
    const char *s = NULL;
    Py_ssize_t n = 0;
    char *copy = NULL;

    if (!PyArg_ParseTuple(args, "|z#:set_separator", &s, &n))
        return NULL;
    if (s != NULL) {
        copy = PyMem_Malloc(n + 1); // no-warning: stored in a global
        if (copy == NULL)
            return PyErr_NoMemory();
        memcpy(copy, s, (size_t)n);
        copy[n] = '\0';
    }
    CLEAR_MEM(last_separator);
    last_separator = copy;
    Py_RETURN_NONE;
}

static PyObject *
cm_join(PyObject *module, PyObject *args)
{
    PyObject *seq, *fast, *res = NULL;
    const char *sep = last_separator ? last_separator : default_sep;
    size_t seplen = strlen(sep);
    Py_ssize_t i, n, total = 0, o = 0;
    char *buf = NULL;

    if (!PyArg_ParseTuple(args, "O:join", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of str");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        if (PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len) == NULL)
            goto cleanup;
        total += len + (Py_ssize_t)seplen;
    }
    buf = PyMem_Malloc(total + 1); // no-warning: freed at cleanup
    if (buf == NULL) {
        PyErr_NoMemory();
        goto cleanup;
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);
        if (s == NULL)
            goto cleanup;
        if (i > 0) {
            memcpy(buf + o, sep, seplen);
            o += (Py_ssize_t)seplen;
        }
        memcpy(buf + o, s, (size_t)len);
        o += len;
    }
    res = PyUnicode_DecodeUTF8(buf, o, "strict");

cleanup:
    if (buf)
        PyMem_Free(buf);
    Py_DECREF(fast);
    return res;
}

/* Out-parameters: both or neither are set. */
static int
split_once(const char *s, Py_ssize_t n, char sep, char **head, char **tail)
{
    const char *p = memchr(s, sep, (size_t)n);
    Py_ssize_t hn = p ? p - s : n;
    Py_ssize_t tn = p ? n - hn - 1 : 0;
    char *h, *t;

    h = PyMem_Malloc(hn + 1); // no-warning: handed out through *head
    if (h == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    t = PyMem_Malloc(tn + 1); // no-warning: handed out through *tail
    if (t == NULL) {
        PyMem_Free(h);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(h, s, (size_t)hn);
    h[hn] = '\0';
    if (p)
        memcpy(t, p + 1, (size_t)tn);
    t[tn] = '\0';
    *head = h;
    *tail = t;
    return 0;
}

static PyObject *
cm_partition(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n;
    char sep = '=';
    char *head, *tail;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#|c:partition", &s, &n, &sep))
        return NULL;
    if (split_once(s, n, sep, &head, &tail) < 0)
        return NULL;
    res = Py_BuildValue("(ss)", head, tail);
    PyMem_Free(head);
    PyMem_Free(tail);
    return res;
}

/* A Slice is returned by value; the caller owns .data. */
static Slice
slice_copy(const char *s, Py_ssize_t n)
{
    Slice r;
    r.data = PyMem_Malloc(n + 1); // no-warning: returned inside the struct
    r.len = r.data ? n : 0;
    if (r.data == NULL) {
        PyErr_NoMemory();
        return r;
    }
    memcpy(r.data, s, (size_t)n);
    r.data[n] = '\0';
    return r;
}

static PyObject *
cm_strip(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n, a = 0, b;
    Slice sl;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#:strip", &s, &n))
        return NULL;
    b = n;
    while (a < b && s[a] == ' ')
        a++;
    while (b > a && s[b - 1] == ' ')
        b--;
    sl = slice_copy(s + a, b - a);
    if (sl.data == NULL)
        return NULL;
    res = PyUnicode_FromStringAndSize(sl.data, sl.len);
    PyMem_Free(sl.data);
    return res;
}

static PyObject *
cm_maybe_copy(PyObject *module, PyObject *args)
{
    Py_buffer view;
    int want_copy = 0;
    char *copy;
    const char *src;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y*|p:maybe_copy", &view, &want_copy))
        return NULL;
    copy = want_copy ? PyMem_Malloc(view.len + 1) : NULL; // no-warning
    if (want_copy && copy == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    if (copy != NULL) {
        memcpy(copy, view.buf, (size_t)view.len);
        src = copy;
    }
    else {
        src = view.buf;
    }
    res = PyBytes_FromStringAndSize(src, view.len);
    PyBuffer_Release(&view);
    if (copy)
        PyMem_Free(copy);
    return res;
}

static PyObject *
cm_label(PyObject *module, PyObject *args)
{
    int n;
    char *text = (char *)"unnamed";
    int must_free = 0;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "i:label", &n))
        return NULL;
    if (n > 0) {
        text = PyMem_Malloc(32); // no-warning: freed under must_free
        if (text == NULL)
            return PyErr_NoMemory();
        PyOS_snprintf(text, 32, "item-%d", n);
        must_free = 1;
    }
    res = PyUnicode_FromString(text);
    if (must_free)
        PyMem_Free(text);
    return res;
}

static PyObject *
cm_collect_ids(PyObject *module, PyObject *args)
{
    PyObject *seq, *fast, *res;
    Py_ssize_t i, n, count = 0, cap = 4;
    long *ids, *tmp;

    if (!PyArg_ParseTuple(args, "O:collect_ids", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    ids = PyMem_New(long, cap); // no-warning: grown through tmp
    if (ids == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            continue;
        }
        if (count == cap) {
            cap += cap;
            tmp = ids;
            PyMem_Resize(tmp, long, cap); // no-warning: ids still holds the old block
            if (tmp == NULL) {
                PyMem_Free(ids);
                Py_DECREF(fast);
                return PyErr_NoMemory();
            }
            ids = tmp;
        }
        ids[count++] = v;
    }
    Py_DECREF(fast);
    res = PyTuple_New(count);
    if (res == NULL) {
        PyMem_Free(ids);
        return NULL;
    }
    for (i = 0; i < count; i++) {
        PyObject *o = PyLong_FromLong(ids[i]);
        if (o == NULL) {
            Py_DECREF(res);
            CLEAR_MEM(ids);
            break;
        }
        PyTuple_SET_ITEM(res, i, o);
    }
    if (ids == NULL)
        return NULL;
    PyMem_Free(ids);
    return res;
}

static void
block_destructor(PyObject *capsule)
{
    void *p = PyCapsule_GetPointer(capsule, BLOCK_CAPSULE);
    if (p != NULL)
        PyObject_Free(p);
}

static PyObject *
cm_make_block(PyObject *module, PyObject *args)
{
    Py_ssize_t n;
    unsigned char *block;
    PyObject *cap;

    if (!PyArg_ParseTuple(args, "n:make_block", &n))
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative size");
        return NULL;
    }
    block = PyObject_Calloc((size_t)n + 1, 1); // no-warning: owned by the capsule
    if (block == NULL)
        return PyErr_NoMemory();
    cap = PyCapsule_New(block, BLOCK_CAPSULE, block_destructor);
    if (cap == NULL)
        PyObject_Free(block);
    return cap;
}

static PyObject *
cm_checksum_nogil(PyObject *module, PyObject *args)
{
    Py_buffer view;
    unsigned char *copy;
    unsigned long sum = 0;
    Py_ssize_t i;
    int nomem = 0;

    if (!PyArg_ParseTuple(args, "y*:checksum_nogil", &view))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    copy = PyMem_RawMalloc((size_t)view.len + 1); // no-warning: freed in the same region
    if (copy == NULL) {
        nomem = 1;
    }
    else {
        memcpy(copy, view.buf, (size_t)view.len);
        for (i = 0; i < view.len; i++)
            sum += copy[i];
        PyMem_RawFree(copy);
        copy = NULL;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (nomem)
        return PyErr_NoMemory();
    return PyLong_FromUnsignedLong(sum);
}

static PyObject *
cm_tokens(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n, i, start = 0;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "s#:tokens", &s, &n))
        return NULL;
    list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (i = 0; i <= n; i++) {
        char *tok;
        PyObject *item;
        if (i < n && s[i] != ' ')
            continue;
        tok = malloc((size_t)(i - start) + 1); // no-warning: freed on every path
        if (tok == NULL) {
            Py_DECREF(list);
            return PyErr_NoMemory();
        }
        memcpy(tok, s + start, (size_t)(i - start));
        tok[i - start] = '\0';
        start = i + 1;
        if (tok[0] == '\0') {
            free(tok);
            continue;
        }
        item = PyUnicode_FromString(tok);
        free(tok);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        if (PyList_Append(list, item) < 0) {
            Py_DECREF(item);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(item);
    }
    return list;
}

static PyObject *
cm_convert(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n, i;
    int mode;
    char *out = NULL;
    PyObject *res = NULL;

    if (!PyArg_ParseTuple(args, "is#:convert", &mode, &s, &n))
        return NULL;
    switch (mode) {
    case 0:
        return PyBytes_FromStringAndSize(s, n);
    case 1:
        out = PyMem_Malloc(n + 1); // no-warning
        if (out == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < n; i++)
            out[i] = (char)(s[i] ^ 0x20);
        break;
    case 2:
        out = PyObject_Malloc(n + 1); // no-warning: released with PyObject_Free below
        if (out == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < n; i++)
            out[n - 1 - i] = s[i];
        res = PyBytes_FromStringAndSize(out, n);
        PyObject_Free(out);
        return res;
    default:
        PyErr_Format(PyExc_ValueError, "unknown mode %d", mode);
        return NULL;
    }
    res = PyBytes_FromStringAndSize(out, n);
    PyMem_Free(out);
    return res;
}

static PyMethodDef clean_methods[] = {
    {"intern", cm_intern, METH_VARARGS, NULL},
    {"clear_interned", cm_clear_interned, METH_NOARGS, NULL},
    {"set_separator", cm_set_separator, METH_VARARGS, NULL},
    {"join", cm_join, METH_VARARGS, NULL},
    {"partition", cm_partition, METH_VARARGS, NULL},
    {"strip", cm_strip, METH_VARARGS, NULL},
    {"maybe_copy", cm_maybe_copy, METH_VARARGS, NULL},
    {"label", cm_label, METH_VARARGS, NULL},
    {"collect_ids", cm_collect_ids, METH_VARARGS, NULL},
    {"make_block", cm_make_block, METH_VARARGS, NULL},
    {"checksum_nogil", cm_checksum_nogil, METH_VARARGS, NULL},
    {"tokens", cm_tokens, METH_VARARGS, NULL},
    {"convert", cm_convert, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static void
clean_free(void *module)
{
    CLEAR_MEM(last_separator);
}

static struct PyModuleDef clean_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "clean_module",
    .m_size = -1,
    .m_methods = clean_methods,
    .m_free = clean_free,
};

PyMODINIT_FUNC
PyInit_clean_module(void)
{
    return PyModule_Create(&clean_module);
}
