/*
 * leak-on-error-path/labels.c - PML005 through cleanup labels: the error
 * label forgets one block, a jump lands on a label below the release it
 * needed, or an int function's fail label returns -1 with a block live.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- error label releases only one of two blocks ---- */

static PyObject *
diff_bytes(PyObject *self, PyObject *args)
{
    PyObject *a_obj, *b_obj, *result = NULL;
    char *a = NULL, *b = NULL;
    Py_ssize_t alen, blen, i, n = 0;

    if (!PyArg_ParseTuple(args, "OO:diff_bytes", &a_obj, &b_obj))
        return NULL;
    alen = PyObject_Length(a_obj);
    blen = PyObject_Length(b_obj);
    if (alen < 0 || blen < 0)
        return NULL;
    a = PyMem_Malloc(alen + 1);
    if (a == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    b = PyMem_Malloc(blen + 1); // expected-warning {{[PML005]}}
    if (b == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (PyBytes_Check(a_obj) && PyBytes_Check(b_obj)) {
        memcpy(a, PyBytes_AS_STRING(a_obj), alen);
        memcpy(b, PyBytes_AS_STRING(b_obj), blen);
    }
    else {
        PyErr_SetString(PyExc_TypeError, "expected two bytes objects");
        goto error;
    }
    for (i = 0; i < alen && i < blen; i++)
        n += a[i] != b[i];
    result = PyLong_FromSsize_t(n + (alen > blen ? alen - blen : blen - alen));
    PyMem_Free(b);
    PyMem_Free(a);
    return result;

error:
    PyMem_Free(a);
    return NULL;
}

static PyObject *
diff_bytes_ok(PyObject *self, PyObject *args)
{
    PyObject *a_obj, *b_obj, *result = NULL;
    char *a = NULL, *b = NULL;
    Py_ssize_t alen, blen, i, n = 0;

    if (!PyArg_ParseTuple(args, "OO:diff_bytes_ok", &a_obj, &b_obj))
        return NULL;
    alen = PyObject_Length(a_obj);
    blen = PyObject_Length(b_obj);
    if (alen < 0 || blen < 0)
        return NULL;
    a = PyMem_Malloc(alen + 1); // no-warning: the label releases both
    if (a == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    b = PyMem_Malloc(blen + 1); // no-warning: the label releases both
    if (b == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (PyBytes_Check(a_obj) && PyBytes_Check(b_obj)) {
        memcpy(a, PyBytes_AS_STRING(a_obj), alen);
        memcpy(b, PyBytes_AS_STRING(b_obj), blen);
    }
    else {
        PyErr_SetString(PyExc_TypeError, "expected two bytes objects");
        goto error;
    }
    for (i = 0; i < alen && i < blen; i++)
        n += a[i] != b[i];
    result = PyLong_FromSsize_t(n + (alen > blen ? alen - blen : blen - alen));

error:
    PyMem_Free(b);
    PyMem_Free(a);
    return result;
}

/* ---- jump to the wrong label of a chain ---- */

static PyObject *
merge_sorted(PyObject *self, PyObject *args)
{
    PyObject *xs, *ys, *result;
    Py_ssize_t nx, ny, i, j, k;
    long *x, *y, *out;

    if (!PyArg_ParseTuple(args, "OO:merge_sorted", &xs, &ys))
        return NULL;
    nx = PyObject_Length(xs);
    ny = PyObject_Length(ys);
    if (nx < 0 || ny < 0)
        return NULL;
    x = PyMem_New(long, nx + 1);
    if (x == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    y = PyMem_New(long, ny + 1); // expected-warning {{[PML005]}}
    if (y == NULL) {
        PyErr_NoMemory();
        goto fail_x;
    }
    for (i = 0; i < nx; i++) {
        PyObject *it = PySequence_GetItem(xs, i);
        if (it == NULL)
            goto fail_x;
        x[i] = PyLong_AsLong(it);
        Py_DECREF(it);
    }
    for (j = 0; j < ny; j++) {
        PyObject *it = PySequence_GetItem(ys, j);
        if (it == NULL)
            goto fail_y;
        y[j] = PyLong_AsLong(it);
        Py_DECREF(it);
    }
    if (PyErr_Occurred())
        goto fail_y;
    out = PyMem_New(long, nx + ny + 1);
    if (out == NULL) {
        PyErr_NoMemory();
        goto fail_y;
    }
    for (i = j = k = 0; i < nx || j < ny; k++)
        out[k] = (j >= ny || (i < nx && x[i] <= y[j])) ? x[i++] : y[j++];
    result = PyList_New(k);
    for (i = 0; result != NULL && i < k; i++) {
        PyObject *v = PyLong_FromLong(out[i]);
        if (v == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, i, v);
    }
    PyMem_Free(out);
    PyMem_Free(y);
    PyMem_Free(x);
    return result;

fail_y:
    PyMem_Free(y);
fail_x:
    PyMem_Free(x);
    return NULL;
}

static PyObject *
merge_sorted_ok(PyObject *self, PyObject *args)
{
    PyObject *xs, *ys, *result;
    Py_ssize_t nx, ny, i, j, k;
    long *x, *y, *out;

    if (!PyArg_ParseTuple(args, "OO:merge_sorted_ok", &xs, &ys))
        return NULL;
    nx = PyObject_Length(xs);
    ny = PyObject_Length(ys);
    if (nx < 0 || ny < 0)
        return NULL;
    x = PyMem_New(long, nx + 1); // no-warning: every jump reaches its release
    if (x == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    y = PyMem_New(long, ny + 1); // no-warning: every jump reaches its release
    if (y == NULL) {
        PyErr_NoMemory();
        goto fail_x;
    }
    for (i = 0; i < nx; i++) {
        PyObject *it = PySequence_GetItem(xs, i);
        if (it == NULL)
            goto fail_y;
        x[i] = PyLong_AsLong(it);
        Py_DECREF(it);
    }
    for (j = 0; j < ny; j++) {
        PyObject *it = PySequence_GetItem(ys, j);
        if (it == NULL)
            goto fail_y;
        y[j] = PyLong_AsLong(it);
        Py_DECREF(it);
    }
    if (PyErr_Occurred())
        goto fail_y;
    out = PyMem_New(long, nx + ny + 1); // no-warning: released on every path
    if (out == NULL) {
        PyErr_NoMemory();
        goto fail_y;
    }
    for (i = j = k = 0; i < nx || j < ny; k++)
        out[k] = (j >= ny || (i < nx && x[i] <= y[j])) ? x[i++] : y[j++];
    result = PyList_New(k);
    for (i = 0; result != NULL && i < k; i++) {
        PyObject *v = PyLong_FromLong(out[i]);
        if (v == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, i, v);
    }
    PyMem_Free(out);
    PyMem_Free(y);
    PyMem_Free(x);
    return result;

fail_y:
    PyMem_Free(y);
fail_x:
    PyMem_Free(x);
    return NULL;
}

/* ---- int function, fail label ---- */

struct table {
    char **names;
    Py_ssize_t count;
};

static int
table_load(struct table *t, PyObject *seq)
{
    Py_ssize_t n, i;
    char *scratch;

    n = PySequence_Length(seq);
    if (n < 0)
        return -1;
    scratch = PyMem_Malloc(256); // expected-warning {{[PML005]}}
    if (scratch == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        const char *s;

        if (item == NULL)
            goto fail;
        s = PyUnicode_AsUTF8(item);
        if (s == NULL) {
            Py_DECREF(item);
            goto fail;
        }
        strncpy(scratch, s, 255);
        scratch[255] = '\0';
        Py_DECREF(item);
    }
    t->count = n;
    PyMem_Free(scratch);
    return 0;

fail:
    t->count = 0;
    return -1;
}

static int
table_load_ok(struct table *t, PyObject *seq)
{
    Py_ssize_t n, i;
    char *scratch;

    n = PySequence_Length(seq);
    if (n < 0)
        return -1;
    scratch = PyMem_Malloc(256); // no-warning: the fail label releases it
    if (scratch == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        const char *s;

        if (item == NULL)
            goto fail;
        s = PyUnicode_AsUTF8(item);
        if (s == NULL) {
            Py_DECREF(item);
            goto fail;
        }
        strncpy(scratch, s, 255);
        scratch[255] = '\0';
        Py_DECREF(item);
    }
    t->count = n;
    PyMem_Free(scratch);
    return 0;

fail:
    PyMem_Free(scratch);
    t->count = 0;
    return -1;
}

static PyObject *
count_names(PyObject *self, PyObject *seq)
{
    struct table t = {NULL, 0};

    if (table_load(&t, seq) < 0)
        return NULL;
    if (table_load_ok(&t, seq) < 0)
        return NULL;
    return PyLong_FromSsize_t(t.count);
}

/* ---- PyObject_Malloc block, fail label returns NULL ---- */

static PyObject *
histogram(PyObject *self, PyObject *seq)
{
    PyObject *it, *item, *result;
    Py_ssize_t *bins;
    int b;

    it = PyObject_GetIter(seq);
    if (it == NULL)
        return NULL;
    bins = PyObject_Calloc(16, sizeof(Py_ssize_t)); // expected-warning {{[PML005]}}
    if (bins == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    while ((item = PyIter_Next(it)) != NULL) {
        long v = PyLong_AsLong(item);
        Py_DECREF(item);
        if (v == -1 && PyErr_Occurred())
            goto fail;
        bins[v & 15]++;
    }
    if (PyErr_Occurred())
        goto fail;
    Py_DECREF(it);
    result = PyTuple_New(16);
    for (b = 0; result != NULL && b < 16; b++) {
        PyObject *c = PyLong_FromSsize_t(bins[b]);
        if (c == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyTuple_SET_ITEM(result, b, c);
    }
    PyObject_Free(bins);
    return result;

fail:
    Py_DECREF(it);
    return NULL;
}

static PyObject *
histogram_ok(PyObject *self, PyObject *seq)
{
    PyObject *it, *item, *result;
    Py_ssize_t *bins;
    int b;

    it = PyObject_GetIter(seq);
    if (it == NULL)
        return NULL;
    bins = PyObject_Calloc(16, sizeof(Py_ssize_t)); // no-warning: released under the label
    if (bins == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    while ((item = PyIter_Next(it)) != NULL) {
        long v = PyLong_AsLong(item);
        Py_DECREF(item);
        if (v == -1 && PyErr_Occurred())
            goto fail;
        bins[v & 15]++;
    }
    if (PyErr_Occurred())
        goto fail;
    Py_DECREF(it);
    result = PyTuple_New(16);
    for (b = 0; result != NULL && b < 16; b++) {
        PyObject *c = PyLong_FromSsize_t(bins[b]);
        if (c == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyTuple_SET_ITEM(result, b, c);
    }
    PyObject_Free(bins);
    return result;

fail:
    PyObject_Free(bins);
    Py_DECREF(it);
    return NULL;
}

static PyMethodDef labels_methods[] = {
    {"diff_bytes", diff_bytes, METH_VARARGS, NULL},
    {"diff_bytes_ok", diff_bytes_ok, METH_VARARGS, NULL},
    {"merge_sorted", merge_sorted, METH_VARARGS, NULL},
    {"merge_sorted_ok", merge_sorted_ok, METH_VARARGS, NULL},
    {"count_names", count_names, METH_O, NULL},
    {"histogram", histogram, METH_O, NULL},
    {"histogram_ok", histogram_ok, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef labels_module = {
    PyModuleDef_HEAD_INIT, "labels", NULL, -1, labels_methods,
};

PyMODINIT_FUNC
PyInit_labels(void)
{
    return PyModule_Create(&labels_module);
}
