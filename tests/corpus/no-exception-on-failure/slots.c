/*
 * no-exception-on-failure/slots.c - PML008 in type and module slots:
 * tp_new, tp_init (static type), tp_repr, a PyGetSetDef getter and setter,
 * bf_getbuffer (heap type through PyType_Slot), Py_mod_exec, and an int
 * helper whose result tp_init returns directly (reported in the helper).
 * Each returns NULL or -1 after a failed allocation with no exception set.
 * The other error returns of these functions follow a failed API call or
 * an explicit PyErr_* and must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define NBUCKETS 64

typedef struct {
    PyTypeObject *textbuf_type;
    Py_ssize_t *bucket_sizes;      /* NBUCKETS entries, PyMem */
} textbuf_state;

typedef struct {
    PyObject_HEAD
    char *data;                    /* PyMem, size + 1 bytes */
    Py_ssize_t size;
    Py_ssize_t *lines;             /* PyMem, nlines offsets of line starts */
    Py_ssize_t nlines;
    char *name;                    /* PyMem, NUL-terminated, or NULL */
    Py_ssize_t exports;
} TextBuf;

typedef struct {
    PyObject_HEAD
    double *items;                 /* PyMem, cap entries */
    Py_ssize_t len, cap;
} Stack;

/* ---- TextBuf: tp_new ---- */

static PyObject *
TextBuf_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    TextBuf *self;
    char *data = PyMem_Malloc(1);

    if (data == NULL)
        return NULL; // expected-warning {{[PML008]}}
    data[0] = '\0';
    self = (TextBuf *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyMem_Free(data);
        return NULL; // no-warning: tp_alloc raised
    }
    self->data = data;
    self->size = 0;
    self->lines = NULL;
    self->nlines = 0;
    self->name = NULL;
    self->exports = 0;
    return (PyObject *)self;
}

/* ---- TextBuf: tp_init returns the helper's result directly ---- */

static int
textbuf_load(TextBuf *self, const char *text, Py_ssize_t len)
{
    char *data;
    Py_ssize_t *lines, nlines = 1, i, k = 0;

    if (self->exports > 0) {
        PyErr_SetString(PyExc_BufferError, "cannot reload an exported TextBuf");
        return -1; // no-warning: BufferError set
    }
    data = PyMem_Malloc(len + 1);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1; // no-warning: MemoryError set
    }
    for (i = 0; i < len; i++)
        nlines += text[i] == '\n';
    lines = PyMem_New(Py_ssize_t, nlines);
    if (lines == NULL) {
        PyMem_Free(data);
        return -1; // expected-warning {{[PML008]}}
    }
    memcpy(data, text, len);
    data[len] = '\0';
    lines[k++] = 0;
    for (i = 0; i < len; i++) {
        if (text[i] == '\n')
            lines[k++] = i + 1;
    }
    PyMem_Free(self->data);
    PyMem_Free(self->lines);
    self->data = data;
    self->size = len;
    self->lines = lines;
    self->nlines = nlines;
    return 0;
}

static int
TextBuf_init(TextBuf *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"text", NULL};
    const char *text;
    Py_ssize_t len;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#:TextBuf", kwlist, &text, &len))
        return -1;
    return textbuf_load(self, text, len); // no-warning: reported in textbuf_load
}

static void
TextBuf_dealloc(TextBuf *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyMem_Free(self->data);
    PyMem_Free(self->lines);
    PyMem_Free(self->name);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

/* ---- TextBuf: tp_repr ---- */

static PyObject *
TextBuf_repr(TextBuf *self)
{
    Py_ssize_t n = self->size < 20 ? self->size : 20, i;
    char *preview;
    PyObject *result;

    preview = PyMem_Malloc(n + 1);
    if (preview == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (i = 0; i < n; i++)
        preview[i] = self->data[i] == '\n' ? ' ' : self->data[i];
    preview[n] = '\0';
    result = PyUnicode_FromFormat("<TextBuf %s: %zd lines, \"%s\">",
                                  self->name ? self->name : "?",
                                  self->nlines, preview);
    PyMem_Free(preview);
    return result;
}

/* ---- TextBuf: getters and setter ---- */

static PyObject *
TextBuf_get_line_lengths(TextBuf *self, void *closure)
{
    Py_ssize_t *lens, i;
    PyObject *result;

    lens = PyMem_New(Py_ssize_t, self->nlines ? self->nlines : 1);
    if (lens == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (i = 0; i < self->nlines; i++) {
        Py_ssize_t end = i + 1 < self->nlines ? self->lines[i + 1] - 1 : self->size;
        lens[i] = end - self->lines[i];
    }
    result = PyTuple_New(self->nlines);
    if (result == NULL) {
        PyMem_Free(lens);
        return NULL; // no-warning: PyTuple_New raised
    }
    for (i = 0; i < self->nlines; i++) {
        PyObject *v = PyLong_FromSsize_t(lens[i]);
        if (v == NULL) {
            Py_DECREF(result);
            PyMem_Free(lens);
            return NULL; // no-warning: PyLong_FromSsize_t raised
        }
        PyTuple_SET_ITEM(result, i, v);
    }
    PyMem_Free(lens);
    return result;
}

static PyObject *
TextBuf_get_name(TextBuf *self, void *closure)
{
    if (self->name == NULL)
        Py_RETURN_NONE;
    return PyUnicode_FromString(self->name);
}

static int
TextBuf_set_name(TextBuf *self, PyObject *value, void *closure)
{
    const char *utf8;
    Py_ssize_t len;
    char *copy;

    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete name");
        return -1;
    }
    utf8 = PyUnicode_AsUTF8AndSize(value, &len);
    if (utf8 == NULL)
        return -1; // no-warning: PyUnicode_AsUTF8AndSize raised
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return -1; // expected-warning {{[PML008]}}
    memcpy(copy, utf8, len + 1);
    PyMem_Free(self->name);
    self->name = copy;
    return 0;
}

/* ---- TextBuf: buffer protocol, the shape array lives in view->internal ---- */

static int
TextBuf_getbuffer(TextBuf *self, Py_buffer *view, int flags)
{
    Py_ssize_t *shape;

    if ((flags & PyBUF_WRITABLE) == PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError, "TextBuf is read-only");
        view->obj = NULL;
        return -1; // no-warning: BufferError set
    }
    shape = PyMem_New(Py_ssize_t, 1);
    if (shape == NULL) {
        view->obj = NULL;
        return -1; // expected-warning {{[PML008]}}
    }
    shape[0] = self->size;
    view->buf = self->data;
    view->obj = Py_NewRef(self);
    view->len = self->size;
    view->readonly = 1;
    view->itemsize = 1;
    view->format = (flags & PyBUF_FORMAT) == PyBUF_FORMAT ? "B" : NULL;
    view->ndim = 1;
    view->shape = (flags & PyBUF_ND) == PyBUF_ND ? shape : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? &view->itemsize : NULL;
    view->suboffsets = NULL;
    view->internal = shape;
    self->exports++;
    return 0;
}

static void
TextBuf_releasebuffer(TextBuf *self, Py_buffer *view)
{
    PyMem_Free(view->internal);
    view->internal = NULL;
    self->exports--;
}

static PyGetSetDef TextBuf_getset[] = {
    {"line_lengths", (getter)TextBuf_get_line_lengths, NULL, NULL, NULL},
    {"name", (getter)TextBuf_get_name, (setter)TextBuf_set_name, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyType_Slot TextBuf_slots[] = {
    {Py_tp_new, TextBuf_new},
    {Py_tp_init, TextBuf_init},
    {Py_tp_dealloc, TextBuf_dealloc},
    {Py_tp_repr, TextBuf_repr},
    {Py_tp_getset, TextBuf_getset},
    {Py_bf_getbuffer, TextBuf_getbuffer},
    {Py_bf_releasebuffer, TextBuf_releasebuffer},
    {0, NULL}
};

static PyType_Spec TextBuf_spec = {
    "pml008_slots.TextBuf", sizeof(TextBuf), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, TextBuf_slots
};

/* ---- Stack: a static type, tp_init allocates directly ---- */

static int
Stack_init(Stack *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capacity", NULL};
    Py_ssize_t cap = 16;
    double *items;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:Stack", kwlist, &cap))
        return -1;
    if (cap < 1) {
        PyErr_SetString(PyExc_ValueError, "capacity must be positive");
        return -1; // no-warning: ValueError set
    }
    items = PyMem_New(double, cap);
    if (items == NULL)
        return -1; // expected-warning {{[PML008]}}
    PyMem_Free(self->items);
    self->items = items;
    self->len = 0;
    self->cap = cap;
    return 0;
}

static PyObject *
Stack_push(Stack *self, PyObject *arg)
{
    double v = PyFloat_AsDouble(arg);

    if (v == -1.0 && PyErr_Occurred())
        return NULL; // no-warning: PyFloat_AsDouble raised
    if (self->len == self->cap) {
        double *items = self->items;
        Py_ssize_t cap = self->cap + self->cap / 2 + 16;

        PyMem_Resize(items, double, cap);
        if (items == NULL)
            return PyErr_NoMemory(); // no-warning: MemoryError set
        self->items = items;
        self->cap = cap;
    }
    self->items[self->len++] = v;
    Py_RETURN_NONE;
}

static PyObject *
Stack_pop(Stack *self, PyObject *Py_UNUSED(ignored))
{
    if (self->len == 0) {
        PyErr_SetString(PyExc_IndexError, "pop from an empty Stack");
        return NULL;
    }
    return PyFloat_FromDouble(self->items[--self->len]);
}

static void
Stack_dealloc(Stack *self)
{
    PyMem_Free(self->items);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Stack_methods[] = {
    {"push", (PyCFunction)Stack_push, METH_O, NULL},
    {"pop", (PyCFunction)Stack_pop, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Stack_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pml008_slots.Stack",
    .tp_basicsize = sizeof(Stack),
    .tp_dealloc = (destructor)Stack_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Stack_methods,
    .tp_init = (initproc)Stack_init,
    .tp_new = PyType_GenericNew,
};

/* ---- module: Py_mod_exec ---- */

static int
textbuf_exec(PyObject *module)
{
    textbuf_state *st = PyModule_GetState(module);
    Py_ssize_t i;

    st->bucket_sizes = PyMem_New(Py_ssize_t, NBUCKETS);
    if (st->bucket_sizes == NULL)
        return -1; // expected-warning {{[PML008]}}
    for (i = 0; i < NBUCKETS; i++)
        st->bucket_sizes[i] = (Py_ssize_t)1 << (i % 20);
    st->textbuf_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &TextBuf_spec, NULL);
    if (st->textbuf_type == NULL)
        return -1; // no-warning: PyType_FromModuleAndSpec raised
    if (PyModule_AddType(module, st->textbuf_type) < 0)
        return -1; // no-warning: PyModule_AddType raised
    return PyModule_AddType(module, &Stack_Type);
}

static int
textbuf_traverse(PyObject *module, visitproc visit, void *arg)
{
    textbuf_state *st = PyModule_GetState(module);

    if (st != NULL)
        Py_VISIT(st->textbuf_type);
    return 0;
}

static int
textbuf_clear(PyObject *module)
{
    textbuf_state *st = PyModule_GetState(module);

    if (st != NULL)
        Py_CLEAR(st->textbuf_type);
    return 0;
}

static void
textbuf_free(void *module)
{
    textbuf_state *st = PyModule_GetState((PyObject *)module);

    if (st == NULL)
        return;
    Py_CLEAR(st->textbuf_type);
    PyMem_Free(st->bucket_sizes);
    st->bucket_sizes = NULL;
}

static PyModuleDef_Slot textbuf_slots[] = {
    {Py_mod_exec, textbuf_exec},
    {0, NULL}
};

static struct PyModuleDef textbuf_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml008_slots",
    .m_size = sizeof(textbuf_state),
    .m_slots = textbuf_slots,
    .m_traverse = textbuf_traverse,
    .m_clear = textbuf_clear,
    .m_free = textbuf_free,
};

PyMODINIT_FUNC
PyInit_pml008_slots(void)
{
    return PyModuleDef_Init(&textbuf_module);
}
