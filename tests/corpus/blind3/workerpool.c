/* workerpool.c -- a task queue (Pool) whose tasks run either synchronously
 * (drain) or on short-lived native threads that call back into Python.
 * Tests: PML010 (PyObject_Free between Py_BEGIN/END_ALLOW_THREADS;
 * PyMem_Malloc after PyGILState_Release and before PyGILState_Ensure),
 * PML004 (t->next read after PyObject_Free(t)), PML002 (PyObject_Malloc
 * task released with PyMem_Free on a TypeError path).
 * Negatives: task list detached without the GIL and released after
 * Py_END_ALLOW_THREADS, the worker's message released after re-taking the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <string.h>

#define LOGCAP 4096

typedef struct task {
    struct task *next;
    PyObject *func, *arg;
    long id;
} task_t;

typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock;
    task_t *head, *tail;
    char *log;              /* PyObject_Malloc(LOGCAP) */
    size_t loglen;
    long next_id;
} PoolObject;

static int
Pool_init(PoolObject *self, PyObject *args, PyObject *kwds)
{
    if (self->lock != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Pool already initialized");
        return -1;
    }
    self->lock = PyThread_allocate_lock();
    if (self->lock == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "cannot allocate lock");
        return -1;
    }
    self->log = PyObject_Malloc(LOGCAP);
    if (self->log == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void
append_log(PoolObject *self, const char *msg)    /* caller holds self->lock */
{
    size_t n = strlen(msg);
    if (self->log != NULL && self->loglen + n + 1 < LOGCAP) {
        memcpy(self->log + self->loglen, msg, n);
        self->loglen += n + 1;
        self->log[self->loglen - 1] = '\n';
    }
}

static task_t *
pop_task(PoolObject *self)      /* no GIL needed */
{
    task_t *t;
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    if ((t = self->head) != NULL && (self->head = t->next) == NULL)
        self->tail = NULL;
    PyThread_release_lock(self->lock);
    return t;
}

static PyObject *
Pool_submit(PoolObject *self, PyObject *args)
{
    PyObject *func, *arg;
    task_t *t;
    long id;
    if (!PyArg_ParseTuple(args, "OO:submit", &func, &arg))
        return NULL;
    if (self->lock == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Pool not initialized");
        return NULL;
    }
    t = PyObject_Malloc(sizeof(task_t));
    if (t == NULL)
        return PyErr_NoMemory();
    if (!PyCallable_Check(func)) {
        PyErr_SetString(PyExc_TypeError, "func must be callable");
        PyMem_Free(t); // expected-warning {{[PML002]}}
        return NULL;
    }
    t->func = Py_NewRef(func), t->arg = Py_NewRef(arg);
    t->next = NULL;
    t->id = id = ++self->next_id;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    if (self->tail != NULL)
        self->tail->next = t;
    else
        self->head = t;
    self->tail = t;
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(id);
}

static PyObject *
Pool_drain(PoolObject *self, PyObject *Py_UNUSED(ignored))
{
    task_t *t = NULL;
    Py_ssize_t done = 0;
    if (self->lock == NULL)
        return PyLong_FromSsize_t(0);
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    t = self->head;
    self->head = self->tail = NULL;
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    while (t != NULL) {
        PyObject *r = PyObject_CallOneArg(t->func, t->arg);
        if (r == NULL)
            PyErr_WriteUnraisable(t->func);
        Py_XDECREF(r);
        Py_DECREF(t->func);
        Py_DECREF(t->arg);
        PyObject_Free(t); // no-warning: the GIL is held again here
        done++;
        t = t->next; // expected-warning {{[PML004]}}
    }
    return PyLong_FromSsize_t(done);
}

static void
pool_worker(void *arg)
{
    PoolObject *self = arg;
    task_t *t = pop_task(self);
    PyGILState_STATE g;
    char *msg = NULL;
    long id = t ? t->id : 0;
    g = PyGILState_Ensure();
    if (t != NULL) {
        PyObject *r = PyObject_CallOneArg(t->func, t->arg);
        if (r == NULL)
            PyErr_WriteUnraisable(t->func);
        Py_XDECREF(r);
        Py_DECREF(t->func);
        Py_DECREF(t->arg);
        PyObject_Free(t);
    }
    PyGILState_Release(g);
    msg = PyMem_Malloc(64); // expected-warning {{[PML010]}}
    if (msg != NULL) {
        snprintf(msg, 64, "task %ld finished", id);
        PyThread_acquire_lock(self->lock, WAIT_LOCK);
        append_log(self, msg);
        PyThread_release_lock(self->lock);
    }
    g = PyGILState_Ensure();
    PyMem_Free(msg); // no-warning: the GIL was re-acquired above
    Py_DECREF(self);
    PyGILState_Release(g);
}

static PyObject *
Pool_run_one_async(PoolObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->lock == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Pool not initialized");
        return NULL;
    }
    Py_INCREF(self);
    if (PyThread_start_new_thread(pool_worker, self) == PYTHREAD_INVALID_THREAD_ID) {
        Py_DECREF(self);
        PyErr_SetString(PyExc_RuntimeError, "cannot start thread");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
Pool_clear_log(PoolObject *self, PyObject *Py_UNUSED(ignored))
{
    char *old = NULL;
    if (self->lock == NULL)
        Py_RETURN_NONE;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    old = self->log;
    self->log = NULL, self->loglen = 0;
    PyThread_release_lock(self->lock);
    PyObject_Free(old); // expected-warning {{[PML010]}}
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static void
Pool_dealloc(PoolObject *self)
{
    task_t *t = self->head;
    while (t != NULL) {
        task_t *next = t->next;
        Py_DECREF(t->func);
        Py_DECREF(t->arg);
        PyObject_Free(t);
        t = next;
    }
    if (self->lock != NULL)
        PyThread_free_lock(self->lock);
    PyObject_Free(self->log);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Pool_methods[] = {
    {"submit", (PyCFunction)Pool_submit, METH_VARARGS, NULL},
    {"drain", (PyCFunction)Pool_drain, METH_NOARGS, NULL},
    {"run_one_async", (PyCFunction)Pool_run_one_async, METH_NOARGS, NULL},
    {"clear_log", (PyCFunction)Pool_clear_log, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject PoolType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "workerpool.Pool",
    .tp_basicsize = sizeof(PoolObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Pool_init,
    .tp_dealloc = (destructor)Pool_dealloc,
    .tp_methods = Pool_methods,
};

static struct PyModuleDef pool_module = {PyModuleDef_HEAD_INIT, "workerpool", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit_workerpool(void)
{
    PyObject *m;
    if (PyType_Ready(&PoolType) < 0)
        return NULL;
    m = PyModule_Create(&pool_module);
    if (m != NULL && PyModule_AddObjectRef(m, "Pool", (PyObject *)&PoolType) < 0)
        Py_CLEAR(m);
    return m;
}
