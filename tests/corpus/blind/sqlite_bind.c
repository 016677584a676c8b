/* sqlite_bind.c: parameter binding and a statement cache in the style of
 * apsw's cursor.c / statementcache.c and CPython's Modules/_sqlite.
 * Statements are PyMem_Malloc'd structs owned by the cursor's cache. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_BINDS 32
#define CACHE_INITIAL 8

typedef struct {
    char *sql;
    Py_ssize_t sql_len;
    char *binds[MAX_BINDS];
    Py_ssize_t bind_len[MAX_BINDS];
    int nbinds;
    int inuse;
} Statement;

typedef struct {
    PyObject_HEAD
    Statement **cache;
    Py_ssize_t ncache;
    Py_ssize_t cache_cap;
    Statement *current;
    PyObject *description;
} CursorObject;

static PyObject *ProgrammingError;

static char *
apsw_strdup(const char *s, Py_ssize_t n)
{
    char *res = PyMem_Malloc(n + 1); // no-warning: returned
    if (res == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(res, s, (size_t)n);
    res[n] = '\0';
    return res;
}

static Statement *
statement_new(char *sql, Py_ssize_t len)
{
    Statement *st = PyMem_Calloc(1, sizeof(Statement)); // no-warning: returned
    if (st == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    st->sql = sql;          /* takes ownership of sql */
    st->sql_len = len;
    return st;
}

static void
statement_clear_bindings(Statement *st)
{
    int i;
    for (i = 0; i < st->nbinds; i++) {
        PyMem_Free(st->binds[i]);
        st->binds[i] = NULL;
    }
    st->nbinds = 0;
}

static void
statement_free(Statement *st)
{
    if (st == NULL)
        return;
    statement_clear_bindings(st);
    PyMem_Free(st->sql);
    PyMem_Free(st);
}

/* SQLITE_TRANSIENT semantics: the statement keeps its own copy. */
static int
stmt_bind_text(Statement *st, int idx, const char *text, Py_ssize_t n)
{
    char *copy;

    if (idx < 0 || idx >= MAX_BINDS) {
        PyErr_Format(ProgrammingError, "bind index %d out of range", idx);
        return -1;
    }
    copy = PyMem_Malloc(n + 1); // no-warning: owned by the statement
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, text, (size_t)n);
    copy[n] = '\0';
    PyMem_Free(st->binds[idx]);
    st->binds[idx] = copy;
    st->bind_len[idx] = n;
    if (idx >= st->nbinds)
        st->nbinds = idx + 1;
    return 0;
}

static Statement *
cache_lookup(CursorObject *self, const char *sql, Py_ssize_t len)
{
    Py_ssize_t i;
    for (i = 0; i < self->ncache; i++) {
        Statement *st = self->cache[i];
        if (!st->inuse && st->sql_len == len && memcmp(st->sql, sql, (size_t)len) == 0)
            return st;
    }
    return NULL;
}

static int
cache_insert(CursorObject *self, Statement *st)
{
    if (self->ncache == self->cache_cap) {
        Py_ssize_t newcap = self->cache_cap + self->cache_cap + 1;
        Statement **tmp = PyMem_New(Statement *, newcap); // no-warning
        if (tmp == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        if (self->ncache > 0)
            memcpy(tmp, self->cache, (size_t)self->ncache * sizeof(Statement *));
        PyMem_Free(self->cache);
        self->cache = tmp;
        self->cache_cap = newcap;
    }
    self->cache[self->ncache++] = st;
    return 0;
}

static int
bind_parameters(Statement *st, PyObject *params)
{
    PyObject *fast;
    Py_ssize_t i, n;

    fast = PySequence_Fast(params, "parameters must be a sequence");
    if (fast == NULL)
        return -1;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        PyObject *obj = PySequence_Fast_GET_ITEM(fast, i);
        const char *s;
        Py_ssize_t len, k, o = 0;
        char *txt;

        if (obj == Py_None)
            continue;
        s = PyUnicode_AsUTF8AndSize(obj, &len);
        if (s == NULL) {
            Py_DECREF(fast);
            return -1;
        }
        /* SQLite text must not contain NULs: bind a copy with them dropped */
        txt = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
        if (txt == NULL) {
            Py_DECREF(fast);
            PyErr_NoMemory();
            return -1;
        }
        for (k = 0; k < len; k++)
            if (s[k] != '\0')
                txt[o++] = s[k];
        txt[o] = '\0';
        if (stmt_bind_text(st, (int)i, txt, o) < 0) {
            PyMem_Free(txt);
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

static PyObject *
Cursor_execute(CursorObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"statements", "bindings", NULL};
    const char *sql;
    Py_ssize_t len;
    PyObject *bindings = NULL, *result = NULL;
    char *sql_copy = NULL;
    Statement *st;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#|O:execute", kwlist,
                                     &sql, &len, &bindings))
        return NULL;
    st = cache_lookup(self, sql, len);
    if (st == NULL) {
        sql_copy = apsw_strdup(sql, len);
        if (sql_copy == NULL)
            return NULL;
        if (len == 0 || sql_copy[0] == ';') {
            PyErr_SetString(ProgrammingError, "empty statement");
            PyMem_Free(sql_copy);
            goto finally;
        }
        st = statement_new(sql_copy, len);
        if (st == NULL)
            goto finally;
        sql_copy = NULL;        /* owned by st now */
        if (cache_insert(self, st) < 0) {
            statement_free(st);
            goto finally;
        }
    }
    statement_clear_bindings(st);
    if (bindings != NULL && bindings != Py_None && bind_parameters(st, bindings) < 0)
        goto finally;
    st->inuse = 1;
    self->current = st;
    Py_INCREF(self);
    result = (PyObject *)self;

finally:
    PyMem_Free(sql_copy); // expected-warning {{[PML003]}}
    return result;
}

static PyObject *
Cursor_fetch_text(CursorObject *self, PyObject *args)
{
    int idx;
    Py_ssize_t n;
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "i:fetch_text", &idx))
        return NULL;
    if (self->current == NULL || idx < 0 || idx >= self->current->nbinds
        || self->current->binds[idx] == NULL) {
        PyErr_SetString(ProgrammingError, "no such column");
        return NULL;
    }
    n = self->current->bind_len[idx];
    buf = PyMem_Malloc(n + 1);
    memset(buf, 0, (size_t)n + 1); // expected-warning {{[PML001]}}
    memcpy(buf, self->current->binds[idx], (size_t)n);
    res = PyUnicode_DecodeUTF8(buf, n, "replace");
    PyMem_Free(buf);
    return res;
}

static PyObject *
Cursor_reset(CursorObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->current != NULL) {
        statement_clear_bindings(self->current);
        self->current->inuse = 0;
        self->current = NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
Cursor_expanded_sql(CursorObject *self, PyObject *Py_UNUSED(ignored))
{
    Statement *st = self->current;
    Py_ssize_t i, total, o = 0;
    int b = 0;
    char *out;
    PyObject *res;

    if (st == NULL)
        Py_RETURN_NONE;
    total = st->sql_len + 1;
    for (i = 0; i < st->nbinds; i++)
        total += st->bind_len[i] + 2;
    out = PyMem_Malloc(total); // no-warning
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < st->sql_len; i++) {
        if (st->sql[i] == '?' && b < st->nbinds && st->binds[b] != NULL) {
            out[o++] = '\'';
            memcpy(out + o, st->binds[b], (size_t)st->bind_len[b]);
            o += st->bind_len[b];
            out[o++] = '\'';
            b++;
        }
        else {
            out[o++] = st->sql[i];
        }
    }
    res = PyUnicode_DecodeUTF8(out, o, "replace");
    PyMem_Free(out);
    return res;
}

static int
Cursor_init(CursorObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"cache_size", NULL};
    Py_ssize_t cap = CACHE_INITIAL;
    Statement **cache;
    Py_ssize_t i;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:Cursor", kwlist, &cap))
        return -1;
    if (cap < 1)
        cap = 1;
    cache = PyMem_New(Statement *, cap); // no-warning: owned by self
    if (cache == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < self->ncache; i++)
        statement_free(self->cache[i]);
    PyMem_Free(self->cache);
    self->cache = cache;
    self->ncache = 0;
    self->cache_cap = cap;
    self->current = NULL;
    return 0;
}

static void
Cursor_dealloc(CursorObject *self)
{
    Py_ssize_t i;
    for (i = 0; i < self->ncache; i++)
        statement_free(self->cache[i]);
    PyMem_Free(self->cache);
    Py_XDECREF(self->description);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Cursor_bound_values(CursorObject *self, PyObject *Py_UNUSED(ignored))
{
    Statement *st = self->current;
    PyObject *res;
    char *tmp;
    int i;

    if (st == NULL)
        return PyTuple_New(0);
    res = PyTuple_New(st->nbinds);
    if (res == NULL)
        return NULL;
    for (i = 0; i < st->nbinds; i++) {
        PyObject *v;
        if (st->binds[i] == NULL) {
            v = Py_NewRef(Py_None);
        }
        else {
            tmp = apsw_strdup(st->binds[i], st->bind_len[i]); // no-warning: freed right after
            if (tmp == NULL) {
                Py_DECREF(res);
                return NULL;
            }
            v = PyUnicode_DecodeUTF8(tmp, st->bind_len[i], "replace");
            PyMem_Free(tmp);
            if (v == NULL) {
                Py_DECREF(res);
                return NULL;
            }
        }
        PyTuple_SET_ITEM(res, i, v);
    }
    return res;
}

static PyMethodDef Cursor_methods[] = {
    {"execute", (PyCFunction)(void (*)(void))Cursor_execute, METH_VARARGS | METH_KEYWORDS, NULL},
    {"fetch_text", (PyCFunction)Cursor_fetch_text, METH_VARARGS, NULL},
    {"reset", (PyCFunction)Cursor_reset, METH_NOARGS, NULL},
    {"expanded_sql", (PyCFunction)Cursor_expanded_sql, METH_NOARGS, NULL},
    {"bound_values", (PyCFunction)Cursor_bound_values, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Cursor_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sqlite_bind.Cursor",
    .tp_basicsize = sizeof(CursorObject),
    .tp_dealloc = (destructor)Cursor_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Cursor_methods,
    .tp_init = (initproc)Cursor_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef sqlite_bind_module = {
    PyModuleDef_HEAD_INIT, "sqlite_bind", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_sqlite_bind(void)
{
    PyObject *m;
    if (PyType_Ready(&Cursor_Type) < 0)
        return NULL;
    m = PyModule_Create(&sqlite_bind_module);
    if (m == NULL)
        return NULL;
    ProgrammingError = PyErr_NewException("sqlite_bind.ProgrammingError", NULL, NULL);
    if (ProgrammingError == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&Cursor_Type);
    if (PyModule_AddObject(m, "Cursor", (PyObject *)&Cursor_Type) < 0) {
        Py_DECREF(&Cursor_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
