/*
 * posix_spawn_helper.c - argv/envp marshalling for a fork/exec helper, in the
 * style of CPython's Modules/_posixsubprocess.c.
 *
 * What this file tests:
 *   PML009  unguarded (n + 1) * sizeof(char *) for the envp array
 *   PML010  PyMem_Malloc while the GIL is released, and a same-file helper
 *           that calls PyMem_Free invoked inside Py_BEGIN_ALLOW_THREADS
 *   PML011  freeing a line buffer after advancing it past "#!"
 *   PML001  memcpy into an unchecked PyMem_Malloc result
 *   PML012  PyMem_Free of a PyBytes_AsStringAndSize out-argument
 * Negatives: PyMem_New argv, partial-array cleanup, raw allocator sans GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERRPIPE_BUFSIZE 256

static void
free_charp_array(char **array)
{
    Py_ssize_t i;
    if (array == NULL)
        return;
    for (i = 0; array[i] != NULL; i++)
        PyMem_Free(array[i]);
    PyMem_Free(array);
}

/* Convert a sequence of bytes objects to a NULL-terminated char* array. */
static char **
seq_to_charp_array(PyObject *seq, int exact_size)
{
    char **array;
    Py_ssize_t i, argc;
    PyObject *item = NULL;
    argc = PySequence_Size(seq);
    if (argc < 0)
        return NULL;
    if (exact_size)
        array = PyMem_New(char *, argc + 1);
    else
        array = PyMem_Malloc((argc + 1) * sizeof(char *)); // expected-warning {{[PML009]}}
    if (array == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < argc; i++) {
        char *data;
        Py_ssize_t size;
        item = PySequence_GetItem(seq, i);
        if (item == NULL)
            goto fail;
        if (PyBytes_AsStringAndSize(item, &data, NULL) < 0)
            goto fail;
        size = PyBytes_GET_SIZE(item) + 1;
        array[i] = PyMem_Malloc(size);
        if (array[i] == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        memcpy(array[i], data, size);
        Py_CLEAR(item);
    }
    array[argc] = NULL;
    return array;

fail:
    Py_XDECREF(item);
    while (--i >= 0)
        PyMem_Free(array[i]);
    PyMem_Free(array);
    return NULL;
}

static PyObject *
subprocess_spawn_wait(PyObject *module, PyObject *args)
{
    PyObject *process_args, *env_list = Py_None;
    char **argv, **envp = NULL;
    pid_t pid;
    int status = 0, saved_errno = 0;

    if (!PyArg_ParseTuple(args, "O|O:spawn_wait", &process_args, &env_list))
        return NULL;
    argv = seq_to_charp_array(process_args, 1);
    if (argv == NULL)
        return NULL;
    if (env_list != Py_None) {
        envp = seq_to_charp_array(env_list, 0);
        if (envp == NULL) {
            free_charp_array(argv);
            return NULL;
        }
    }

    Py_BEGIN_ALLOW_THREADS
    pid = fork();
    if (pid == 0) {
        if (envp != NULL)
            execve(argv[0], argv, envp);
        else
            execv(argv[0], argv);
        _exit(127);
    }
    saved_errno = errno;
    free_charp_array(argv); // expected-warning {{[PML010]}}
    if (pid > 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    Py_END_ALLOW_THREADS

    free_charp_array(envp);
    if (pid < 0) {
        errno = saved_errno;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return PyLong_FromLong(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static PyObject *
subprocess_read_errpipe(PyObject *module, PyObject *args)
{
    int fd, saved_errno = 0;
    char *buf;
    ssize_t n = 0;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "i:read_errpipe", &fd))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    buf = PyMem_Malloc(ERRPIPE_BUFSIZE); // expected-warning {{[PML010]}}
    if (buf != NULL) {
        do {
            n = read(fd, buf, ERRPIPE_BUFSIZE);
        } while (n < 0 && errno == EINTR);
        saved_errno = errno;
    }
    Py_END_ALLOW_THREADS
    if (buf == NULL)
        return PyErr_NoMemory();
    if (n < 0) {
        PyMem_Free(buf);
        errno = saved_errno;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    result = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return result;
}

/* Correct twin: the raw allocator does not need the GIL. */
static PyObject *
subprocess_read_errpipe_raw(PyObject *module, PyObject *args)
{
    int fd, saved_errno = 0;
    char *buf;
    ssize_t n = 0;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "i:read_errpipe_raw", &fd))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    buf = PyMem_RawMalloc(ERRPIPE_BUFSIZE); // no-warning: raw allocator
    if (buf != NULL) {
        do {
            n = read(fd, buf, ERRPIPE_BUFSIZE);
        } while (n < 0 && errno == EINTR);
        saved_errno = errno;
        if (n < 0) {
            PyMem_RawFree(buf); // no-warning: raw allocator
            buf = NULL;
        }
    }
    Py_END_ALLOW_THREADS
    if (buf == NULL) {
        if (n < 0) {
            errno = saved_errno;
            return PyErr_SetFromErrno(PyExc_OSError);
        }
        return PyErr_NoMemory();
    }
    result = PyBytes_FromStringAndSize(buf, n);
    PyMem_RawFree(buf);
    return result;
}

static PyObject *
subprocess_shebang(PyObject *module, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *line, *end;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y#:shebang", &data, &len))
        return NULL;
    if (len < 2 || data[0] != '#' || data[1] != '!')
        Py_RETURN_NONE;
    line = PyMem_Malloc(len + 1);
    if (line == NULL)
        return PyErr_NoMemory();
    memcpy(line, data, len);
    line[len] = '\0';
    end = strchr(line, '\n');
    if (end != NULL)
        *end = '\0';
    line++;                     /* skip '#' */
    line++;                     /* skip '!' */
    res = PyBytes_FromString(line);
    PyMem_Free(line); // expected-warning {{[PML011]}}
    return res;
}

static PyObject *
subprocess_chdir_check(PyObject *module, PyObject *arg)
{
    char *path, *copy;
    Py_ssize_t len;
    int ok;

    if (PyBytes_AsStringAndSize(arg, &path, &len) < 0)
        return NULL;
    copy = PyMem_Malloc(len + 2);
    memcpy(copy, path, len); // expected-warning {{[PML001]}}
    copy[len] = '/';
    copy[len + 1] = '\0';
    Py_BEGIN_ALLOW_THREADS
    ok = access(copy, X_OK) == 0 && access(path, R_OK) == 0;
    Py_END_ALLOW_THREADS
    PyMem_Free(copy);
    PyMem_Free(path); // expected-warning {{[PML012]}}
    return PyBool_FromLong(ok);
}

static PyMethodDef subprocess_methods[] = {
    {"spawn_wait", subprocess_spawn_wait, METH_VARARGS, NULL},
    {"read_errpipe", subprocess_read_errpipe, METH_VARARGS, NULL},
    {"read_errpipe_raw", subprocess_read_errpipe_raw, METH_VARARGS, NULL},
    {"shebang", subprocess_shebang, METH_VARARGS, NULL},
    {"chdir_check", subprocess_chdir_check, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef spawn_module = {
    PyModuleDef_HEAD_INIT, "posix_spawn_helper", NULL, 0, subprocess_methods,
};

PyMODINIT_FUNC
PyInit_posix_spawn_helper(void)
{
    return PyModule_Create(&spawn_module);
}
