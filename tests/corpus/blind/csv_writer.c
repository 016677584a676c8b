/* csv_writer.c: a record writer in the style of CPython's Modules/_csv.c:
 * the writer keeps a growable record buffer (rec, rec_size, rec_len) that is
 * reused across rows and released in tp_dealloc. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MEM_INCR 32768
#define QUOTE_MINIMAL 0
#define QUOTE_ALL     1
#define QUOTE_NONE    3

typedef struct {
    PyObject_HEAD
    PyObject *write;
    char *rec;
    Py_ssize_t rec_size;
    Py_ssize_t rec_len;
    int num_fields;
    char delimiter;
    char quotechar;
    int quoting;
    char *lineterminator;
} WriterObj;

static PyObject *csv_error;

static int
join_check_rec_size(WriterObj *self, Py_ssize_t rec_len)
{
    if (rec_len > self->rec_size) {
        Py_ssize_t new_size;
        if (rec_len > PY_SSIZE_T_MAX - MEM_INCR) {
            PyErr_NoMemory();
            return 0;
        }
        new_size = rec_len + MEM_INCR - (rec_len % MEM_INCR);
        char *rec = PyMem_Realloc(self->rec, new_size); // no-warning: self->rec kept on failure
        if (rec == NULL) {
            PyErr_NoMemory();
            return 0;
        }
        self->rec = rec;
        self->rec_size = new_size;
    }
    return 1;
}

static int
needs_quoting(WriterObj *self, const char *field, Py_ssize_t len)
{
    Py_ssize_t i;
    if (self->quoting == QUOTE_ALL)
        return 1;
    if (self->quoting == QUOTE_NONE)
        return 0;
    for (i = 0; i < len; i++) {
        char c = field[i];
        if (c == self->delimiter || c == self->quotechar || c == '\n' || c == '\r')
            return 1;
    }
    return 0;
}

static int
join_append(WriterObj *self, const char *field, Py_ssize_t len)
{
    Py_ssize_t i, need;
    int quoted = needs_quoting(self, field, len);

    need = self->rec_len + len + len + 3;
    if (!join_check_rec_size(self, need))
        return -1;
    if (self->num_fields > 0)
        self->rec[self->rec_len++] = self->delimiter;
    if (quoted)
        self->rec[self->rec_len++] = self->quotechar;
    for (i = 0; i < len; i++) {
        if (quoted && field[i] == self->quotechar)
            self->rec[self->rec_len++] = self->quotechar;
        self->rec[self->rec_len++] = field[i];
    }
    if (quoted)
        self->rec[self->rec_len++] = self->quotechar;
    self->num_fields++;
    return 0;
}

static int
join_append_lineterminator(WriterObj *self)
{
    Py_ssize_t terminator_len = (Py_ssize_t)strlen(self->lineterminator);
    char *tmp;

    if (self->rec_len + terminator_len > self->rec_size) {
        tmp = PyMem_Realloc(self->rec, self->rec_len + terminator_len + MEM_INCR);
        tmp[self->rec_len] = self->lineterminator[0]; // expected-warning {{[PML001]}}
        self->rec = tmp;
        self->rec_size = self->rec_len + terminator_len + MEM_INCR;
    }
    memcpy(self->rec + self->rec_len, self->lineterminator, (size_t)terminator_len);
    self->rec_len += terminator_len;
    return 0;
}

static int
field_to_utf8(PyObject *field, char **out, Py_ssize_t *outlen)
{
    PyObject *str;
    const char *s;
    Py_ssize_t n;
    char *copy;

    if (field == Py_None) {
        copy = PyMem_Malloc(1); // no-warning: handed out
        if (copy == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        copy[0] = '\0';
        *out = copy;
        *outlen = 0;
        return 0;
    }
    str = PyObject_Str(field);
    if (str == NULL)
        return -1;
    s = PyUnicode_AsUTF8AndSize(str, &n);
    if (s == NULL) {
        Py_DECREF(str);
        return -1;
    }
    copy = PyMem_Malloc(n + 1); // no-warning: handed out
    if (copy == NULL) {
        Py_DECREF(str);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, s, (size_t)n + 1);
    Py_DECREF(str);
    *out = copy;
    *outlen = n;
    return 0;
}

static PyObject *
csv_writerow(WriterObj *self, PyObject *seq)
{
    PyObject *iter, *field, *line, *result;

    iter = PyObject_GetIter(seq);
    if (iter == NULL)
        return NULL;
    self->rec_len = 0;
    self->num_fields = 0;
    while ((field = PyIter_Next(iter)) != NULL) {
        char *text;
        Py_ssize_t len;
        int rc = field_to_utf8(field, &text, &len);
        Py_DECREF(field);
        if (rc < 0) {
            Py_DECREF(iter);
            return NULL;
        }
        rc = join_append(self, text, len);
        PyMem_Free(text);
        if (rc < 0) {
            Py_DECREF(iter);
            return NULL;
        }
    }
    Py_DECREF(iter);
    if (PyErr_Occurred())
        return NULL;
    if (join_append_lineterminator(self) < 0)
        return NULL;
    line = PyUnicode_DecodeUTF8(self->rec, self->rec_len, "strict");
    if (line == NULL)
        return NULL;
    result = PyObject_CallOneArg(self->write, line);
    Py_DECREF(line);
    return result;
}

static PyObject *
csv_format_field(WriterObj *self, PyObject *args)
{
    PyObject *field, *str, *res;
    const char *s;
    Py_ssize_t n, i, o = 0;
    char *buf;

    if (!PyArg_ParseTuple(args, "O:format_field", &field))
        return NULL;
    buf = PyMem_Malloc(MEM_INCR); // expected-warning {{[PML005]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    str = PyObject_Str(field);
    if (str == NULL)
        return NULL;
    s = PyUnicode_AsUTF8AndSize(str, &n);
    if (s == NULL) {
        Py_DECREF(str);
        PyMem_Free(buf);
        return NULL;
    }
    if (n > (MEM_INCR - 3) / 2) {
        Py_DECREF(str);
        PyMem_Free(buf);
        PyErr_SetString(csv_error, "field larger than field limit");
        return NULL;
    }
    buf[o++] = self->quotechar;
    for (i = 0; i < n; i++) {
        if (s[i] == self->quotechar)
            buf[o++] = self->quotechar;
        buf[o++] = s[i];
    }
    buf[o++] = self->quotechar;
    Py_DECREF(str);
    res = PyUnicode_DecodeUTF8(buf, o, "strict");
    PyMem_Free(buf);
    return res;
}

static PyObject *
csv_join_fields(WriterObj *self, PyObject *args)
{
    PyObject *seq, *fast, *res;
    Py_ssize_t i, n, total = 0, o = 0;
    Py_UCS4 *out, *start;

    if (!PyArg_ParseTuple(args, "O:join_fields", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of str");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyUnicode_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "fields must be str");
            Py_DECREF(fast);
            return NULL;
        }
        total += PyUnicode_GET_LENGTH(item) + 1;
    }
    out = PyMem_New(Py_UCS4, total + 1);
    if (out == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    start = out;
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        Py_ssize_t k, len = PyUnicode_GET_LENGTH(item);
        if (i > 0)
            out[o++] = (Py_UCS4)(unsigned char)self->delimiter;
        for (k = 0; k < len; k++)
            out[o++] = PyUnicode_READ_CHAR(item, k);
    }
    Py_DECREF(fast);
    PyMem_Free(out);
    res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, start, o); // expected-warning {{[PML004]}}
    return res;
}

static int
Writer_init(WriterObj *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"fileobj", "delimiter", "quotechar", "quoting",
                             "lineterminator", NULL};
    PyObject *fileobj;
    char delimiter = ',', quotechar = '"';
    int quoting = QUOTE_MINIMAL;
    const char *lineterminator = "\r\n";
    PyObject *write;
    char *term;
    size_t tlen;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|cci$s:writer", kwlist,
                                     &fileobj, &delimiter, &quotechar, &quoting,
                                     &lineterminator))
        return -1;
    write = PyObject_GetAttrString(fileobj, "write");
    if (write == NULL)
        return -1;
    if (!PyCallable_Check(write)) {
        Py_DECREF(write);
        PyErr_SetString(PyExc_TypeError, "argument 1 must have a \"write\" method");
        return -1;
    }
    tlen = strlen(lineterminator);
    term = PyMem_Malloc(tlen + 1); // no-warning: owned by self
    if (term == NULL) {
        Py_DECREF(write);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(term, lineterminator, tlen + 1);
    Py_XSETREF(self->write, write);
    PyMem_Free(self->lineterminator);
    self->lineterminator = term;
    self->delimiter = delimiter;
    self->quotechar = quotechar;
    self->quoting = quoting;
    return 0;
}

static void
Writer_dealloc(WriterObj *self)
{
    Py_CLEAR(self->write);
    if (self->rec != NULL)
        PyMem_Free(self->rec);
    PyMem_Free(self->lineterminator);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
Writer_set_lineterminator(WriterObj *self, PyObject *value, void *closure)
{
    const char *s;
    Py_ssize_t n;
    char *copy, *old;

    if (value == NULL || !PyUnicode_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "lineterminator must be a string");
        return -1;
    }
    s = PyUnicode_AsUTF8AndSize(value, &n);
    if (s == NULL)
        return -1;
    copy = PyMem_Malloc(n + 1); // no-warning: swapped into self
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, s, (size_t)n + 1);
    old = self->lineterminator;
    self->lineterminator = copy;
    PyMem_Free(old);
    return 0;
}

static PyObject *
Writer_get_lineterminator(WriterObj *self, void *closure)
{
    return PyUnicode_FromString(self->lineterminator ? self->lineterminator : "\r\n");
}

static PyObject *
csv_writerows(WriterObj *self, PyObject *rows)
{
    PyObject *iter, *row, *res;
    char **saved = NULL;
    Py_ssize_t nsaved = 0, cap = 0, i;

    iter = PyObject_GetIter(rows);
    if (iter == NULL)
        return NULL;
    while ((row = PyIter_Next(iter)) != NULL) {
        res = csv_writerow(self, row);
        Py_DECREF(row);
        if (res == NULL)
            goto error;
        Py_DECREF(res);
        if (nsaved == cap) {
            char **tmp = saved;
            cap = cap + cap + 4;
            PyMem_Resize(tmp, char *, cap); // no-warning: saved still holds the old block
            if (tmp == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            saved = tmp;
        }
        saved[nsaved] = PyMem_Malloc(self->rec_len + 1); // no-warning: stored in saved
        if (saved[nsaved] == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(saved[nsaved], self->rec, (size_t)self->rec_len);
        saved[nsaved][self->rec_len] = '\0';
        nsaved++;
    }
    Py_DECREF(iter);
    if (PyErr_Occurred()) {
        iter = NULL;
        goto error;
    }
    /* hand back the rendered lines as bytes */
    res = PyList_New(nsaved);
    for (i = 0; i < nsaved; i++) {
        if (res != NULL) {
            PyObject *b = PyBytes_FromString(saved[i]);
            if (b == NULL)
                Py_CLEAR(res);
            else
                PyList_SET_ITEM(res, i, b);
        }
        PyMem_Free(saved[i]);
    }
    PyMem_Free(saved);
    return res;

error:
    Py_XDECREF(iter);
    for (i = 0; i < nsaved; i++)
        PyMem_Free(saved[i]);
    PyMem_Free(saved);
    return NULL;
}

static PyMethodDef Writer_methods[] = {
    {"writerow", (PyCFunction)csv_writerow, METH_O, NULL},
    {"format_field", (PyCFunction)csv_format_field, METH_VARARGS, NULL},
    {"join_fields", (PyCFunction)csv_join_fields, METH_VARARGS, NULL},
    {"writerows", (PyCFunction)csv_writerows, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Writer_getset[] = {
    {"lineterminator", (getter)Writer_get_lineterminator, (setter)Writer_set_lineterminator, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject Writer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "csv_writer.writer",
    .tp_basicsize = sizeof(WriterObj),
    .tp_dealloc = (destructor)Writer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Writer_methods,
    .tp_getset = Writer_getset,
    .tp_init = (initproc)Writer_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef csv_writer_module = {
    PyModuleDef_HEAD_INIT, "csv_writer", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_csv_writer(void)
{
    PyObject *m;
    if (PyType_Ready(&Writer_Type) < 0)
        return NULL;
    m = PyModule_Create(&csv_writer_module);
    if (m == NULL)
        return NULL;
    csv_error = PyErr_NewException("csv_writer.Error", NULL, NULL);
    if (csv_error == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&Writer_Type);
    if (PyModule_AddObject(m, "writer", (PyObject *)&Writer_Type) < 0) {
        Py_DECREF(&Writer_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
