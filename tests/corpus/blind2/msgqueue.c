/* msgqueue.c - bounded FIFO of byte messages (heap type Queue). */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>

typedef struct qnode {
    struct qnode *next;
    Py_ssize_t len;
    char data[1];
} qnode;

typedef enum {
    POLICY_GROW,
    POLICY_DROP_OLD,
    POLICY_DROP_NEW,
    POLICY_REJECT
} overflow_policy;

typedef struct {
    PyObject_HEAD
    qnode *head;
    qnode *tail;
    Py_ssize_t count;
    Py_ssize_t maxsize;
    overflow_policy policy;
} QueueObject;

static qnode *
qnode_new(const void *data, Py_ssize_t len)
{
    qnode *node;
    if (len > PY_SSIZE_T_MAX - (Py_ssize_t)sizeof(qnode)) {
        PyErr_NoMemory();
        return NULL;
    }
    node = PyMem_Malloc(sizeof(qnode) + len);
    if (node == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    node->next = NULL;
    node->len = len;
    memcpy(node->data, data, len);
    return node;
}

static void
free_chain(qnode *node)
{
    while (node != NULL) {
        qnode *next = node->next;
        PyMem_Free(node);
        node = next; // no-warning: next was read before the release
    }
}

static void
queue_append(QueueObject *self, qnode *node)
{
    if (self->tail != NULL) {
        self->tail->next = node;
    }
    else {
        self->head = node;
    }
    self->tail = node;
    self->count++;
}

static PyObject *
Queue_put_impl(QueueObject *self, Py_buffer *msg)
{
    qnode *node = qnode_new(msg->buf, msg->len);
    qnode *old;

    if (node == NULL) {
        return NULL;
    }
    if (self->count < self->maxsize) {
        queue_append(self, node); // no-warning: the queue takes the node
        Py_RETURN_TRUE;
    }
    switch (self->policy) {
    case POLICY_GROW:
        queue_append(self, node);
        Py_RETURN_TRUE;
    case POLICY_DROP_OLD:
        old = self->head;
        self->head = old->next;
        if (self->head == NULL) {
            self->tail = NULL;
        }
        self->count--;
        PyMem_Free(old);
        queue_append(self, node);
        Py_RETURN_TRUE;
    case POLICY_REJECT:
        PyErr_SetString(PyExc_OverflowError, "queue is full");
        PyMem_Free(node);
        /* report the rejection like a dropped message */
    case POLICY_DROP_NEW:
        PyMem_Free(node); // expected-warning {{[PML003]}}
        if (PyErr_Occurred()) {
            return NULL;
        }
        Py_RETURN_FALSE;
    }
    PyMem_Free(node);
    PyErr_SetString(PyExc_SystemError, "bad overflow policy");
    return NULL;
}

static PyObject *
Queue_put_front_impl(QueueObject *self, Py_buffer *msg)
{
    qnode *node = PyMem_Malloc(sizeof(qnode) + msg->len);

    node->len = msg->len; // expected-warning {{[PML001]}}
    if (node == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(node->data, msg->buf, msg->len);
    node->next = self->head;
    self->head = node;
    if (self->tail == NULL) {
        self->tail = node;
    }
    self->count++;
    Py_RETURN_NONE;
}

static PyObject *
Queue_put_many_impl(QueueObject *self, PyObject *seq)
{
    qnode *first = NULL, *last = NULL, *node = NULL;
    Py_ssize_t i, n;

    seq = PySequence_Fast(seq, "put_many() needs a sequence");
    if (seq == NULL) {
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    for (i = 0; i < n; i++) {
        Py_buffer view;
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(seq, i), &view, PyBUF_SIMPLE) < 0) {
            goto error;
        }
        node = qnode_new(view.buf, view.len);
        PyBuffer_Release(&view);
        if (node == NULL) {
            goto error;
        }
        if (last == NULL) {
            first = node;
        }
        else {
            last->next = node;
        }
        last = node;
    }
    Py_DECREF(seq);
    for (node = first; node != NULL; node = first) {
        first = node->next;
        node->next = NULL;
        queue_append(self, node);
    }
    return PyLong_FromSsize_t(n);

error:
    Py_DECREF(seq);
    free_chain(first);
    PyMem_Free(node); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
Queue_discard_impl(QueueObject *self, Py_buffer *prefix)
{
    qnode **link = &self->head, *node = self->head, *prev = NULL;
    Py_ssize_t dropped = 0;

    while (node != NULL) {
        if (node->len >= prefix->len &&
            memcmp(node->data, prefix->buf, prefix->len) == 0) {
            *link = node->next;
            PyMem_Free(node);
            self->count--;
            dropped++;
        }
        else {
            link = &node->next;
            prev = node;
        }
        node = node->next; // expected-warning {{[PML004]}}
    }
    self->tail = prev;
    return PyLong_FromSsize_t(dropped);
}

#define BUFFER_METHOD(name)                                             \
    static PyObject *                                                   \
    Queue_##name(PyObject *self, PyObject *arg)                         \
    {                                                                   \
        Py_buffer view = {NULL, NULL};                                  \
        PyObject *res;                                                  \
        if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)           \
            return NULL;                                                \
        res = Queue_##name##_impl((QueueObject *)self, &view);          \
        PyBuffer_Release(&view);                                        \
        return res;                                                     \
    }

BUFFER_METHOD(put)
BUFFER_METHOD(put_front)
BUFFER_METHOD(discard)

static PyObject *
Queue_put_many(PyObject *self, PyObject *arg)
{
    return Queue_put_many_impl((QueueObject *)self, arg);
}

static PyObject *
Queue_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    QueueObject *self;
    Py_ssize_t maxsize = PY_SSIZE_T_MAX;
    int policy = POLICY_GROW;

    if (!PyArg_ParseTuple(args, "|ni:Queue", &maxsize, &policy)) {
        return NULL;
    }
    if (maxsize < 1) {
        PyErr_SetString(PyExc_ValueError, "maxsize must be positive");
        return NULL;
    }
    self = (QueueObject *)type->tp_alloc(type, 0);
    if (self != NULL) {
        self->maxsize = maxsize;
        self->policy = (overflow_policy)policy;
    }
    return (PyObject *)self;
}

static void
Queue_dealloc(QueueObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    free_chain(self->head);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef Queue_methods[] = {
    {"put", Queue_put, METH_O, NULL},
    {"put_front", Queue_put_front, METH_O, NULL},
    {"put_many", Queue_put_many, METH_O, NULL},
    {"discard", Queue_discard, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyType_Slot Queue_slots[] = {
    {Py_tp_new, Queue_new},
    {Py_tp_dealloc, Queue_dealloc},
    {Py_tp_methods, Queue_methods},
    {0, NULL}
};

static PyType_Spec Queue_spec = {
    "msgqueue.Queue", sizeof(QueueObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, Queue_slots
};

static int
msgqueue_exec(PyObject *module)
{
    PyObject *tp = PyType_FromModuleAndSpec(module, &Queue_spec, NULL);
    int rc;
    if (tp == NULL) {
        return -1;
    }
    rc = PyModule_AddObjectRef(module, "Queue", tp);
    Py_DECREF(tp);
    return rc;
}

static PyModuleDef_Slot msgqueue_slots[] = {
    {Py_mod_exec, msgqueue_exec},
    {0, NULL}
};

static struct PyModuleDef msgqueue_module = {
    PyModuleDef_HEAD_INIT, .m_name = "msgqueue", .m_slots = msgqueue_slots,
};

PyMODINIT_FUNC
PyInit_msgqueue(void)
{
    return PyModuleDef_Init(&msgqueue_module);
}
