/*
 * sqlite_vfs.c - connection and blob helpers for an SQLite wrapper, in the
 * style of apsw (src/connection.c, src/blob.c, src/util.c).
 *
 * What this file tests:
 *   PML008  Connection tp_init returns -1 when PyMem_Malloc fails
 *   PML010  blob_read() calls PyObject_Malloc while the GIL is released
 *   PML012  Connection.release_handle() frees a PyCapsule_GetPointer result
 *   PML001  apsw_strndup() copies into the allocation before checking it
 *   PML011  read_rowids() frees &one_value when a single rowid is read
 * Negatives: the capsule destructor freeing its own pointer, malloc/free
 * inside the no-GIL region of blob_read_libc(), PyMem_Free only after the
 * GIL is back.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#define HANDLE_CAPSULE_NAME "apsw.handle"

typedef struct {
    PyObject_HEAD
    sqlite3 *db;
    char *filename;
} Connection;

typedef struct {
    sqlite3 *db;
    int refs;
} HandleInfo;

/* Internal: callers raise MemoryError when this returns NULL. */
static char *
apsw_strndup(const char *s, size_t len)
{
    char *res = PyMem_Malloc(len + 1);

    memcpy(res, s, len); // expected-warning {{[PML001]}}
    res[len] = '\0';
    return res;
}

static int
Connection_init(Connection *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"filename", "flags", "vfs", NULL};
    const char *filename, *vfs = NULL;
    Py_ssize_t len;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, res;
    sqlite3 *db = NULL;
    char *copy;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#|iz:Connection", kwlist,
                                     &filename, &len, &flags, &vfs))
        return -1;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return -1; // expected-warning {{[PML008]}}
    memcpy(copy, filename, len + 1);
    Py_BEGIN_ALLOW_THREADS
    res = sqlite3_open_v2(copy, &db, flags, vfs);
    Py_END_ALLOW_THREADS
    if (res != SQLITE_OK) {
        PyErr_Format(PyExc_OSError, "unable to open %s: %s", copy,
                     db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        PyMem_Free(copy);
        return -1;
    }
    PyMem_Free(self->filename);
    self->filename = copy;
    self->db = db;
    return 0;
}

static void
handle_capsule_destructor(PyObject *capsule)
{
    HandleInfo *info = PyCapsule_GetPointer(capsule, HANDLE_CAPSULE_NAME);

    PyMem_Free(info); // no-warning: the capsule's own destructor
}

static PyObject *
Connection_get_handle(Connection *self, PyObject *Py_UNUSED(ignored))
{
    HandleInfo *info = PyMem_Malloc(sizeof(HandleInfo));
    PyObject *capsule;

    if (info == NULL)
        return PyErr_NoMemory();
    info->db = self->db;
    info->refs = 1;
    capsule = PyCapsule_New(info, HANDLE_CAPSULE_NAME, handle_capsule_destructor);
    if (capsule == NULL)
        PyMem_Free(info);
    return capsule;
}

static PyObject *
Connection_release_handle(Connection *self, PyObject *capsule)
{
    HandleInfo *info = PyCapsule_GetPointer(capsule, HANDLE_CAPSULE_NAME);

    if (info == NULL)
        return NULL;
    info->refs--;
    if (info->refs == 0)
        PyMem_Free(info); // expected-warning {{[PML012]}}
    Py_RETURN_NONE;
}

static PyObject *
blob_read(Connection *self, PyObject *args)
{
    const char *table, *column;
    sqlite3_int64 rowid;
    int length, res = SQLITE_NOMEM;
    sqlite3_blob *blob = NULL;
    void *buf = NULL;
    PyObject *rv;

    if (!PyArg_ParseTuple(args, "ssLi:blob_read", &table, &column, &rowid, &length))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    buf = PyObject_Malloc(length > 0 ? length : 1); // expected-warning {{[PML010]}}
    if (buf != NULL) {
        res = sqlite3_blob_open(self->db, "main", table, column, rowid, 0, &blob);
        if (res == SQLITE_OK)
            res = sqlite3_blob_read(blob, buf, length, 0);
        sqlite3_blob_close(blob);
    }
    Py_END_ALLOW_THREADS
    if (res != SQLITE_OK) {
        PyObject_Free(buf);
        PyErr_SetString(PyExc_OSError, sqlite3_errstr(res));
        return NULL;
    }
    rv = PyBytes_FromStringAndSize(buf, length);
    PyObject_Free(buf);
    return rv;
}

static PyObject *
blob_read_libc(Connection *self, PyObject *args)
{
    const char *table, *column;
    sqlite3_int64 rowid;
    int length, res = SQLITE_NOMEM;
    sqlite3_blob *blob = NULL;
    void *buf;
    PyObject *rv;

    if (!PyArg_ParseTuple(args, "ssLi:blob_read_libc", &table, &column, &rowid, &length))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    buf = malloc(length > 0 ? length : 1); // no-warning: libc malloc needs no GIL
    if (buf != NULL) {
        res = sqlite3_blob_open(self->db, "main", table, column, rowid, 0, &blob);
        if (res == SQLITE_OK)
            res = sqlite3_blob_read(blob, buf, length, 0);
        sqlite3_blob_close(blob);
        if (res != SQLITE_OK) {
            free(buf); // no-warning: libc free needs no GIL
            buf = NULL;
        }
    }
    Py_END_ALLOW_THREADS
    if (buf == NULL) {
        PyErr_SetString(PyExc_OSError, sqlite3_errstr(res));
        return NULL;
    }
    rv = PyBytes_FromStringAndSize(buf, length);
    free(buf);
    return rv;
}

static PyObject *
read_rowids(Connection *self, PyObject *arg)
{
    Py_ssize_t i, n = PyLong_AsSsize_t(arg);
    sqlite3_int64 one_value = 0;
    sqlite3_int64 *values = &one_value;
    PyObject *list;

    if (n < 0)
        return PyErr_Occurred() ? NULL : PyList_New(0);
    if (n > 1) {
        values = PyMem_New(sqlite3_int64, n);
        if (values == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++)
        values[i] = sqlite3_last_insert_rowid(self->db) - i;
    list = PyList_New(n);
    for (i = 0; list != NULL && i < n; i++) {
        PyObject *v = PyLong_FromLongLong(values[i]);
        if (v == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(values); // expected-warning {{[PML011]}}
    return list;
}

static PyMethodDef Connection_methods[] = {
    {"get_handle", (PyCFunction)Connection_get_handle, METH_NOARGS, NULL},
    {"release_handle", (PyCFunction)Connection_release_handle, METH_O, NULL},
    {"blob_read", (PyCFunction)blob_read, METH_VARARGS, NULL},
    {"blob_read_libc", (PyCFunction)blob_read_libc, METH_VARARGS, NULL},
    {"read_rowids", (PyCFunction)read_rowids, METH_O, NULL},
    {NULL}
};

static PyType_Slot Connection_slots[] = {
    {Py_tp_init, Connection_init},
    {Py_tp_methods, Connection_methods},
    {0, NULL}
};
