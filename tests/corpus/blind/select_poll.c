/* select_poll.c: a poll object in the style of CPython's Modules/selectmodule.c.
 * The pollfd array is kept in sync with a dict of registered fds and is
 * rebuilt lazily (ufd_uptodate).  OS-facing arrays that are filled without
 * the GIL come from malloc/calloc. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

struct my_pollfd {
    int fd;
    short events;
    short revents;
};

struct my_event {
    unsigned int events;
    int fd;
};

typedef struct {
    PyObject_HEAD
    PyObject *dict;
    int ufd_uptodate;
    int ufd_len;
    struct my_pollfd *ufds;
    int poll_running;
} pollObject;

static int
fake_poll(struct my_pollfd *fds, int n, int timeout)
{
    int i, ready = 0;
    (void)timeout;
    for (i = 0; i < n; i++) {
        fds[i].revents = (short)(fds[i].fd % 3 == 0 ? fds[i].events : 0);
        if (fds[i].revents)
            ready++;
    }
    return ready;
}

static int
fake_epoll_ctl(int epfd, int op, const struct my_event *ev)
{
    return ev->fd < 0 || epfd < 0 || op < 0 ? -1 : 0;
}

static int
update_ufd_array(pollObject *self)
{
    Py_ssize_t i, pos;
    PyObject *key, *value;
    struct my_pollfd *ufds = self->ufds;
    int len = (int)PyDict_GET_SIZE(self->dict);

    PyMem_RESIZE(ufds, struct my_pollfd, len + 1); // no-warning: self->ufds keeps the old block
    if (ufds == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->ufds = ufds;
    self->ufd_len = len;
    i = pos = 0;
    while (PyDict_Next(self->dict, &pos, &key, &value)) {
        self->ufds[i].fd = (int)PyLong_AsLong(key);
        self->ufds[i].events = (short)PyLong_AsLong(value);
        i++;
    }
    self->ufd_uptodate = 1;
    return 0;
}

static PyObject *
poll_register(pollObject *self, PyObject *args)
{
    int fd;
    unsigned short events = 0x1 | 0x2 | 0x4;
    PyObject *key, *value;
    int err;

    if (!PyArg_ParseTuple(args, "i|H:register", &fd, &events))
        return NULL;
    key = PyLong_FromLong(fd);
    if (key == NULL)
        return NULL;
    value = PyLong_FromLong(events);
    if (value == NULL) {
        Py_DECREF(key);
        return NULL;
    }
    err = PyDict_SetItem(self->dict, key, value);
    Py_DECREF(key);
    Py_DECREF(value);
    if (err < 0)
        return NULL;
    self->ufd_uptodate = 0;
    Py_RETURN_NONE;
}

static PyObject *
poll_poll(pollObject *self, PyObject *args)
{
    int timeout = -1, poll_result, i, j;
    PyObject *result_list = NULL;
    struct my_pollfd *snapshot;

    if (!PyArg_ParseTuple(args, "|i:poll", &timeout))
        return NULL;
    if (self->poll_running) {
        PyErr_SetString(PyExc_RuntimeError, "concurrent poll() invocation");
        return NULL;
    }
    if (!self->ufd_uptodate && update_ufd_array(self) < 0)
        return NULL;

    /* poll a private copy so register() during the wait cannot move it */
    snapshot = calloc((size_t)self->ufd_len + 1, sizeof(struct my_pollfd)); // no-warning
    if (snapshot == NULL)
        return PyErr_NoMemory();
    memcpy(snapshot, self->ufds, (size_t)self->ufd_len * sizeof(struct my_pollfd));

    self->poll_running = 1;
    Py_BEGIN_ALLOW_THREADS
    poll_result = fake_poll(snapshot, self->ufd_len, timeout);
    Py_END_ALLOW_THREADS
    self->poll_running = 0;

    result_list = PyList_New(poll_result);
    if (result_list == NULL) {
        free(snapshot);
        return NULL;
    }
    for (i = 0, j = 0; j < poll_result && i < self->ufd_len; i++) {
        PyObject *t;
        if (snapshot[i].revents == 0)
            continue;
        t = Py_BuildValue("(ih)", snapshot[i].fd, snapshot[i].revents);
        if (t == NULL) {
            Py_DECREF(result_list);
            free(snapshot);
            return NULL;
        }
        PyList_SET_ITEM(result_list, j, t);
        j++;
    }
    free(snapshot);
    return result_list;
}

static PyObject *
poll_unregister_many(pollObject *self, PyObject *args)
{
    PyObject *seq, *fast;
    Py_ssize_t i, n;
    int *fds;

    if (!PyArg_ParseTuple(args, "O:unregister_many", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of fds");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    fds = PyMem_New(int, n + 1);
    if (fds == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        fds[i] = PyObject_AsFileDescriptor(PySequence_Fast_GET_ITEM(fast, i));
        if (fds[i] < 0) {
            PyMem_Free(fds);
            break;
        }
    }
    Py_DECREF(fast);
    if (i < n) {
        /* a conversion failed and set the exception */
        PyMem_Free(fds); // expected-warning {{[PML003]}}
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *key = PyLong_FromLong(fds[i]);
        if (key == NULL) {
            PyMem_Free(fds);
            return NULL;
        }
        if (PyDict_DelItem(self->dict, key) < 0)
            PyErr_Clear();
        Py_DECREF(key);
    }
    self->ufd_uptodate = 0;
    PyMem_Free(fds);
    Py_RETURN_NONE;
}

static PyObject *
poll_fds_ready(pollObject *self, PyObject *args)
{
    int timeout = 0, i, nready, big = 0;
    struct my_pollfd *work;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|ip:fds_ready", &timeout, &big))
        return NULL;
    if (!self->ufd_uptodate && update_ufd_array(self) < 0)
        return NULL;
    work = PyMem_New(struct my_pollfd, 64); // expected-warning {{[PML006]}}
    if (work == NULL)
        return PyErr_NoMemory();
    if (big || self->ufd_len > 64) {
        work = PyMem_New(struct my_pollfd, self->ufd_len + 1);
        if (work == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < self->ufd_len; i++)
        work[i] = self->ufds[i];
    nready = fake_poll(work, self->ufd_len, timeout);
    res = PyLong_FromLong(nready);
    PyMem_Free(work);
    return res;
}

/* epoll-style bulk registration: the event array is handed to the kernel
 * shim, so it is calloc'd like the rest of the OS-facing memory. */
static PyObject *
pyepoll_register_many(pollObject *self, PyObject *args)
{
    int epfd;
    PyObject *seq, *fast;
    Py_ssize_t i, n;
    struct my_event *evs;

    if (!PyArg_ParseTuple(args, "iO:register_many", &epfd, &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of (fd, events)");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    evs = calloc((size_t)n + 1, sizeof(struct my_event));
    if (evs == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        unsigned int events;
        int fd;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "iI", &fd, &events)) {
            free(evs);
            Py_DECREF(fast);
            return NULL;
        }
        evs[i].fd = fd;
        evs[i].events = events;
    }
    Py_DECREF(fast);
    for (i = 0; i < n; i++) {
        if (fake_epoll_ctl(epfd, 1, &evs[i]) < 0) {
            PyErr_Format(PyExc_OSError, "epoll_ctl failed for fd %d", evs[i].fd);
            free(evs);
            return NULL;
        }
    }
    PyMem_Free(evs); // expected-warning {{[PML002]}}
    Py_RETURN_NONE;
}

static PyObject *
poll_modify_many(pollObject *self, PyObject *args)
{
    PyObject *mapping, *items;
    Py_ssize_t i, n;
    struct my_pollfd *changes;

    if (!PyArg_ParseTuple(args, "O!:modify_many", &PyDict_Type, &mapping))
        return NULL;
    items = PyDict_Items(mapping);
    if (items == NULL)
        return NULL;
    n = PyList_GET_SIZE(items);
    changes = PyMem_New(struct my_pollfd, n + 1); // no-warning: freed on every exit
    if (changes == NULL) {
        Py_DECREF(items);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        int fd;
        unsigned short ev;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(items, i), "iH", &fd, &ev))
            goto error;
        changes[i].fd = fd;
        changes[i].events = (short)ev;
    }
    for (i = 0; i < n; i++) {
        PyObject *key = PyLong_FromLong(changes[i].fd);
        PyObject *value = PyLong_FromLong(changes[i].events);
        int err = (key && value) ? PyDict_SetItem(self->dict, key, value) : -1;
        Py_XDECREF(key);
        Py_XDECREF(value);
        if (err < 0)
            goto error;
    }
    self->ufd_uptodate = 0;
    PyMem_Free(changes);
    Py_DECREF(items);
    Py_RETURN_NONE;

error:
    PyMem_Free(changes);
    Py_DECREF(items);
    return NULL;
}

static PyObject *
newPollObject(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    pollObject *self = (pollObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->ufd_uptodate = 1;
    self->ufds = NULL;
    self->ufd_len = 0;
    self->poll_running = 0;
    self->dict = PyDict_New();
    if (self->dict == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void
poll_dealloc(pollObject *self)
{
    if (self->ufds != NULL)
        PyMem_Free(self->ufds);
    Py_XDECREF(self->dict);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
poll_registered(pollObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t pos = 0, i = 0, n;
    PyObject *key, *value, *res;
    int *fds;

    n = PyDict_GET_SIZE(self->dict);
    fds = PyMem_Calloc((size_t)n + 1, sizeof(int)); // no-warning
    if (fds == NULL)
        return PyErr_NoMemory();
    while (PyDict_Next(self->dict, &pos, &key, &value) && i < n) {
        int fd = (int)PyLong_AsLong(key);
        if (fd == -1 && PyErr_Occurred()) {
            PyMem_Free(fds);
            return NULL;
        }
        fds[i++] = fd;
    }
    res = PyList_New(i);
    if (res != NULL) {
        Py_ssize_t k;
        for (k = 0; k < i; k++) {
            PyObject *v = PyLong_FromLong(fds[k]);
            if (v == NULL) {
                Py_CLEAR(res);
                break;
            }
            PyList_SET_ITEM(res, k, v);
        }
    }
    PyMem_Free(fds);
    return res;
}

static PyObject *
poll_wait_nogil(pollObject *self, PyObject *args)
{
    int timeout = 0, n, ready = 0, nomem = 0;
    struct my_pollfd *copy, *src;

    if (!PyArg_ParseTuple(args, "|i:wait_nogil", &timeout))
        return NULL;
    if (!self->ufd_uptodate && update_ufd_array(self) < 0)
        return NULL;
    n = self->ufd_len;
    src = self->ufds;
    Py_BEGIN_ALLOW_THREADS
    copy = malloc(sizeof(struct my_pollfd)); // no-warning: freed in the region
    if (copy == NULL) {
        nomem = 1;
    }
    else {
        int i;
        for (i = 0; i < n; i++) {
            copy[0] = src[i];
            ready += fake_poll(copy, 1, timeout);
        }
        free(copy);
    }
    Py_END_ALLOW_THREADS
    if (nomem)
        return PyErr_NoMemory();
    return PyLong_FromLong(ready);
}

static PyMethodDef poll_methods[] = {
    {"register", (PyCFunction)poll_register, METH_VARARGS, NULL},
    {"poll", (PyCFunction)poll_poll, METH_VARARGS, NULL},
    {"unregister_many", (PyCFunction)poll_unregister_many, METH_VARARGS, NULL},
    {"fds_ready", (PyCFunction)poll_fds_ready, METH_VARARGS, NULL},
    {"register_many", (PyCFunction)pyepoll_register_many, METH_VARARGS, NULL},
    {"modify_many", (PyCFunction)poll_modify_many, METH_VARARGS, NULL},
    {"registered", (PyCFunction)poll_registered, METH_NOARGS, NULL},
    {"wait_nogil", (PyCFunction)poll_wait_nogil, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject poll_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "select_poll.poll",
    .tp_basicsize = sizeof(pollObject),
    .tp_dealloc = (destructor)poll_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = poll_methods,
    .tp_new = newPollObject,
};

static struct PyModuleDef select_poll_module = {
    PyModuleDef_HEAD_INIT, "select_poll", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_select_poll(void)
{
    PyObject *m;
    if (PyType_Ready(&poll_Type) < 0)
        return NULL;
    m = PyModule_Create(&select_poll_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&poll_Type);
    if (PyModule_AddObject(m, "poll", (PyObject *)&poll_Type) < 0) {
        Py_DECREF(&poll_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
