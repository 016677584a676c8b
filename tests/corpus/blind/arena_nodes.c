/* arena_nodes.c: an ordered map implemented as an unbalanced binary search
 * tree plus an intrusive free list, in the style of the node allocators in
 * CPython's Modules/_asynciomodule.c free lists and _elementtree.c.  Nodes come
 * from PyObject_Malloc through small wrappers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct Node {
    long key;
    PyObject *value;
    struct Node *left;
    struct Node *right;
    struct Node *next_free;
} Node;

typedef struct {
    PyObject_HEAD
    Node *root;
    Node *free_list;
    Py_ssize_t size;
    Py_ssize_t nfree;
} TreeObject;

#define MAX_FREE 64

static Node *
node_alloc(TreeObject *tree)
{
    Node *n;
    if (tree->free_list != NULL) {
        n = tree->free_list;
        tree->free_list = n->next_free;
        tree->nfree--;
    }
    else {
        n = PyObject_Malloc(sizeof(Node)); // no-warning: returned
        if (n == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
    }
    memset(n, 0, sizeof(Node));
    return n;
}

static void
node_release(Node *n)
{
    PyObject_Free(n);
}

static void
node_recycle(TreeObject *tree, Node *n)
{
    Py_CLEAR(n->value);
    if (tree->nfree < MAX_FREE) {
        n->next_free = tree->free_list;
        tree->free_list = n;
        tree->nfree++;
    }
    else {
        node_release(n);
    }
}

static Node **
find_slot(TreeObject *tree, long key)
{
    Node **slot = &tree->root;
    while (*slot != NULL && (*slot)->key != key)
        slot = key < (*slot)->key ? &(*slot)->left : &(*slot)->right;
    return slot;
}

static int
validate_value(PyObject *value)
{
    if (value == Py_None) {
        PyErr_SetString(PyExc_ValueError, "None is not a valid value");
        return -1;
    }
    return 0;
}

static PyObject *
Tree_insert(TreeObject *self, PyObject *args)
{
    long key;
    PyObject *value;
    Node **slot, *n;

    if (!PyArg_ParseTuple(args, "lO:insert", &key, &value))
        return NULL;
    slot = find_slot(self, key);
    if (*slot != NULL) {
        Py_INCREF(value);
        Py_SETREF((*slot)->value, value);
        Py_RETURN_NONE;
    }
    n = node_alloc(self);
    if (n == NULL)
        return NULL;
    n->key = key;
    if (validate_value(value) < 0) {
        node_release(n);
        goto fail;
    }
    Py_INCREF(value);
    n->value = value;
    *slot = n;
    self->size++;
    Py_RETURN_NONE;

fail:
    node_release(n); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
Tree_insert_many(TreeObject *self, PyObject *args)
{
    PyObject *seq, *fast;
    Py_ssize_t i, count;

    if (!PyArg_ParseTuple(args, "O:insert_many", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of (key, value) pairs");
    if (fast == NULL)
        return NULL;
    count = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < count; i++) {
        long key;
        PyObject *value;
        Node **slot, *n;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "lO", &key, &value)) {
            Py_DECREF(fast);
            return NULL;
        }
        slot = find_slot(self, key);
        if (*slot != NULL)
            continue;
        n = node_alloc(self);
        if (n == NULL) {
            Py_DECREF(fast);
            return NULL;
        }
        n->key = key;
        Py_INCREF(value);
        n->value = value;
        *slot = n;  // no-warning: linked into the tree
        self->size++;
    }
    Py_DECREF(fast);
    Py_RETURN_NONE;
}

static void
tree_free_subtree(Node *n)
{
    /* recursion depth is bounded by the tree height */
    if (n == NULL)
        return;
    tree_free_subtree(n->left);
    tree_free_subtree(n->right);
    Py_XDECREF(n->value);
    node_release(n);
}

static PyObject *
Tree_clear(TreeObject *self, PyObject *Py_UNUSED(ignored))
{
    Node *n;

    tree_free_subtree(self->root);
    self->root = NULL;
    self->size = 0;
    for (n = self->free_list; n != NULL; n = n->next_free) // expected-warning {{[PML004]}}
        node_release(n);
    self->free_list = NULL;
    self->nfree = 0;
    Py_RETURN_NONE;
}

static void
Tree_dealloc(TreeObject *self)
{
    Node *n = self->free_list;
    tree_free_subtree(self->root);
    while (n != NULL) {
        Node *next = n->next_free;
        node_release(n);
        n = next;
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Tree_pop(TreeObject *self, PyObject *args)
{
    long key;
    Node **slot, *n, *repl;
    PyObject *value;

    if (!PyArg_ParseTuple(args, "l:pop", &key))
        return NULL;
    slot = find_slot(self, key);
    n = *slot;
    if (n == NULL) {
        PyErr_Format(PyExc_KeyError, "%ld", key);
        return NULL;
    }
    if (n->left == NULL)
        repl = n->right;
    else if (n->right == NULL)
        repl = n->left;
    else {
        Node **succ = &n->right;
        while ((*succ)->left != NULL)
            succ = &(*succ)->left;
        repl = *succ;
        *succ = repl->right;
        repl->left = n->left;
        repl->right = n->right;
    }
    *slot = repl;
    value = n->value;
    n->value = NULL;
    node_recycle(self, n);
    self->size--;
    return value;
}

static Py_ssize_t
collect_keys(Node *n, long *out, Py_ssize_t pos)
{
    if (n == NULL)
        return pos;
    pos = collect_keys(n->left, out, pos);
    out[pos++] = n->key;
    return collect_keys(n->right, out, pos);
}

static PyObject *
Tree_keys(TreeObject *self, PyObject *Py_UNUSED(ignored))
{
    long *keys;
    Py_ssize_t i, n;
    PyObject *list;

    keys = PyMem_New(long, self->size + 1); // expected-warning {{[PML006]}}
    if (keys == NULL)
        return PyErr_NoMemory();
    n = collect_keys(self->root, keys, 0);
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(keys);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *k = PyLong_FromLong(keys[i]);
        if (k == NULL) {
            Py_DECREF(list);
            PyMem_Free(keys);
            return NULL;
        }
        PyList_SET_ITEM(list, i, k);
    }
    return list;
}

static PyObject *
Tree_range_count(TreeObject *self, PyObject *args)
{
    long lo, hi;
    Node **stack;
    Py_ssize_t sp = 0, count = 0;
    Node *n;

    if (!PyArg_ParseTuple(args, "ll:range_count", &lo, &hi))
        return NULL;
    stack = PyMem_New(Node *, self->size + 1); // no-warning
    if (stack == NULL)
        return PyErr_NoMemory();
    n = self->root;
    while (n != NULL || sp > 0) {
        while (n != NULL) {
            stack[sp++] = n;
            n = n->left;
        }
        n = stack[--sp];
        if (n->key >= lo && n->key <= hi)
            count++;
        n = n->right;
    }
    PyMem_Free(stack);
    return PyLong_FromSsize_t(count);
}

static PyObject *
Tree_prealloc(TreeObject *self, PyObject *args)
{
    int want, i;

    if (!PyArg_ParseTuple(args, "i:prealloc", &want))
        return NULL;
    for (i = 0; i < want && self->nfree < MAX_FREE; i++) {
        Node *n = PyObject_Malloc(sizeof(Node)); // no-warning: pushed on the free list
        if (n == NULL)
            return PyErr_NoMemory();
        n->next_free = self->free_list;
        self->free_list = n;
        self->nfree++;
    }
    return PyLong_FromSsize_t(self->nfree);
}

static Node *
node_clone(TreeObject *tree, const Node *src)
{
    Node *n;
    if (src == NULL)
        return NULL;
    n = PyObject_Malloc(sizeof(Node)); // no-warning: returned (or released by the caller's unwinding)
    if (n == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memset(n, 0, sizeof(Node));
    n->key = src->key;
    Py_XINCREF(src->value);
    n->value = src->value;
    if (src->left != NULL) {
        n->left = node_clone(tree, src->left);
        if (n->left == NULL) {
            tree_free_subtree(n);
            return NULL;
        }
    }
    if (src->right != NULL) {
        n->right = node_clone(tree, src->right);
        if (n->right == NULL) {
            tree_free_subtree(n);
            return NULL;
        }
    }
    return n;
}

static PyObject *
Tree_copy(TreeObject *self, PyObject *Py_UNUSED(ignored))
{
    TreeObject *res = (TreeObject *)PyType_GenericNew(Py_TYPE(self), NULL, NULL);
    if (res == NULL)
        return NULL;
    if (self->root != NULL) {
        res->root = node_clone(self, self->root);
        if (res->root == NULL) {
            Py_DECREF(res);
            return NULL;
        }
    }
    res->size = self->size;
    return (PyObject *)res;
}

static PyObject *
Tree_values(TreeObject *self, PyObject *Py_UNUSED(ignored))
{
    Node **stack;
    PyObject **vals;
    Py_ssize_t sp = 0, nv = 0, i;
    Node *n = self->root;
    PyObject *res;

    stack = PyMem_New(Node *, self->size + 1); // no-warning
    if (stack == NULL)
        return PyErr_NoMemory();
    vals = PyMem_New(PyObject *, self->size + 1); // no-warning: borrowed references only
    if (vals == NULL) {
        PyMem_Free(stack);
        return PyErr_NoMemory();
    }
    while (n != NULL || sp > 0) {
        while (n != NULL) {
            stack[sp++] = n;
            n = n->left;
        }
        n = stack[--sp];
        vals[nv++] = n->value;
        n = n->right;
    }
    PyMem_Free(stack);
    res = PyTuple_New(nv);
    if (res != NULL) {
        for (i = 0; i < nv; i++) {
            Py_INCREF(vals[i]);
            PyTuple_SET_ITEM(res, i, vals[i]);
        }
    }
    PyMem_Free(vals);
    return res;
}

static PyMethodDef Tree_methods[] = {
    {"insert", (PyCFunction)Tree_insert, METH_VARARGS, NULL},
    {"insert_many", (PyCFunction)Tree_insert_many, METH_VARARGS, NULL},
    {"clear", (PyCFunction)Tree_clear, METH_NOARGS, NULL},
    {"pop", (PyCFunction)Tree_pop, METH_VARARGS, NULL},
    {"keys", (PyCFunction)Tree_keys, METH_NOARGS, NULL},
    {"range_count", (PyCFunction)Tree_range_count, METH_VARARGS, NULL},
    {"prealloc", (PyCFunction)Tree_prealloc, METH_VARARGS, NULL},
    {"copy", (PyCFunction)Tree_copy, METH_NOARGS, NULL},
    {"values", (PyCFunction)Tree_values, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Tree_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arena_nodes.Tree",
    .tp_basicsize = sizeof(TreeObject),
    .tp_dealloc = (destructor)Tree_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Tree_methods,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef arena_module = {
    PyModuleDef_HEAD_INIT, "arena_nodes", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_arena_nodes(void)
{
    PyObject *m;
    if (PyType_Ready(&Tree_Type) < 0)
        return NULL;
    m = PyModule_Create(&arena_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Tree_Type);
    if (PyModule_AddObject(m, "Tree", (PyObject *)&Tree_Type) < 0) {
        Py_DECREF(&Tree_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
