/*
 * ssl_context.c - SSL context password callback and protocol setup (_ssl.c).
 * What this file tests:
 *   PML010  the password callback frees the cached password after
 *           PyGILState_Release()
 *   PML013  set_ciphers() never releases its "es" buffer
 *   PML012  set_npn_protocols() hands Py_buffer.buf to PyMem_Free
 *   PML008  a PyGetSetDef getter returns NULL after PyMem_Malloc fails
 * Negatives: _pwinfo_set() allocating under the GIL, load_cert_chain() freeing
 * once the GIL is back, set_groups() freeing its "et" buffer at the label.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <openssl/ssl.h>

typedef struct {
    PyObject_HEAD
    SSL_CTX *ctx;
    unsigned char *alpn_protocols;
    unsigned int alpn_protocols_len;
    unsigned char *npn_protocols;
    int npn_protocols_len;
} PySSLContext;

typedef struct {
    PyObject *callable;
    char *password;
    int size;
    int error;
} _PySSLPasswordInfo;

static int
_pwinfo_set(_PySSLPasswordInfo *pw_info, PyObject *password)
{
    PyObject *password_bytes = NULL;
    const char *data;
    Py_ssize_t size;

    if (PyUnicode_Check(password)) {
        password_bytes = PyUnicode_AsUTF8String(password);
        if (!password_bytes)
            goto error;
        data = PyBytes_AS_STRING(password_bytes);
        size = PyBytes_GET_SIZE(password_bytes);
    }
    else if (PyBytes_Check(password)) {
        data = PyBytes_AS_STRING(password);
        size = PyBytes_GET_SIZE(password);
    }
    else {
        PyErr_SetString(PyExc_TypeError, "password should be a string or bytes");
        goto error;
    }
    if (size > (Py_ssize_t)INT_MAX) {
        PyErr_Format(PyExc_ValueError, "password cannot be longer than %d bytes", INT_MAX);
        goto error;
    }
    PyMem_Free(pw_info->password);
    pw_info->password = PyMem_Malloc(size + 1); // no-warning: GIL held here
    if (!pw_info->password) {
        PyErr_SetString(PyExc_MemoryError, "unable to allocate password buffer");
        goto error;
    }
    memcpy(pw_info->password, data, size);
    pw_info->size = (int)size;
    Py_XDECREF(password_bytes);
    return 1;

error:
    Py_XDECREF(password_bytes);
    return 0;
}

static int
_password_callback(char *buf, int size, int rwflag, void *userdata)
{
    _PySSLPasswordInfo *pw_info = (_PySSLPasswordInfo *)userdata;
    PyObject *fn_ret = NULL;
    PyGILState_STATE gstate = PyGILState_Ensure();
    if (pw_info->error)
        goto error;
    if (pw_info->callable) {
        fn_ret = PyObject_CallNoArgs(pw_info->callable);
        if (!fn_ret || !_pwinfo_set(pw_info, fn_ret))
            goto error;
        Py_CLEAR(fn_ret);
    }
    if (pw_info->size > size) {
        PyErr_Format(PyExc_ValueError, "password cannot be longer than %d bytes", size);
        goto error;
    }
    PyGILState_Release(gstate);
    memcpy(buf, pw_info->password, pw_info->size);
    PyMem_Free(pw_info->password); // expected-warning {{[PML010]}}
    pw_info->password = NULL;
    return pw_info->size;

error:
    Py_XDECREF(fn_ret);
    PyGILState_Release(gstate);
    pw_info->error = 1;
    return -1;
}

static PyObject *
load_cert_chain(PySSLContext *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"certfile", "keyfile", "password", NULL};
    const char *certfile, *keyfile = NULL;
    PyObject *password = Py_None;
    _PySSLPasswordInfo pw_info = {NULL, NULL, 0, 0};
    int r;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|zO:load_cert_chain", kwlist,
                                     &certfile, &keyfile, &password))
        return NULL;
    if (password != Py_None) {
        if (PyCallable_Check(password))
            pw_info.callable = password;
        else if (!_pwinfo_set(&pw_info, password))
            goto error;
        SSL_CTX_set_default_passwd_cb(self->ctx, _password_callback);
        SSL_CTX_set_default_passwd_cb_userdata(self->ctx, &pw_info);
    }
    Py_BEGIN_ALLOW_THREADS
    r = SSL_CTX_use_certificate_chain_file(self->ctx, certfile) == 1 &&
        SSL_CTX_use_PrivateKey_file(self->ctx, keyfile ? keyfile : certfile,
                                    SSL_FILETYPE_PEM) == 1;
    Py_END_ALLOW_THREADS
    SSL_CTX_set_default_passwd_cb(self->ctx, NULL);
    SSL_CTX_set_default_passwd_cb_userdata(self->ctx, NULL);
    if (!r) {
        if (!pw_info.error)
            PyErr_SetString(PyExc_OSError, "cannot load certificate chain");
        goto error;
    }
    PyMem_Free(pw_info.password); // no-warning: GIL re-acquired
    Py_RETURN_NONE;

error:
    PyMem_Free(pw_info.password);
    return NULL;
}

static PyObject *
set_ciphers(PySSLContext *self, PyObject *args)
{
    char *cipherlist = NULL;

    if (!PyArg_ParseTuple(args, "es:set_ciphers", "ascii", &cipherlist)) // expected-warning {{[PML013]}}
        return NULL;
    if (!SSL_CTX_set_cipher_list(self->ctx, cipherlist)) {
        PyErr_SetString(PyExc_ValueError, "No cipher can be selected.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
set_groups(PySSLContext *self, PyObject *args)
{
    char *groups = NULL;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "et:set_groups", "ascii", &groups))
        return NULL;
    if (!SSL_CTX_set1_groups_list(self->ctx, groups)) {
        PyErr_Format(PyExc_ValueError, "unknown group list '%s'", groups);
        goto cleanup;
    }
    result = Py_NewRef(Py_None);
cleanup:
    PyMem_Free(groups); // no-warning: et buffer released with PyMem_Free
    return result;
}

static PyObject *
set_alpn_protocols(PySSLContext *self, PyObject *arg)
{
    Py_buffer protos;

    if (PyObject_GetBuffer(arg, &protos, PyBUF_SIMPLE) < 0)
        return NULL;
    if ((size_t)protos.len > UINT_MAX) {
        PyBuffer_Release(&protos);
        PyErr_Format(PyExc_OverflowError, "protocols longer than %u bytes", UINT_MAX);
        return NULL;
    }
    PyMem_Free(self->alpn_protocols);
    self->alpn_protocols = PyMem_Malloc(protos.len + 1);
    if (!self->alpn_protocols) {
        PyBuffer_Release(&protos);
        return PyErr_NoMemory();
    }
    memcpy(self->alpn_protocols, protos.buf, protos.len);
    self->alpn_protocols_len = (unsigned int)protos.len;
    PyBuffer_Release(&protos);
    if (SSL_CTX_set_alpn_protos(self->ctx, self->alpn_protocols, self->alpn_protocols_len)) {
        PyErr_SetString(PyExc_ValueError, "invalid ALPN protocol list");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
set_npn_protocols(PySSLContext *self, PyObject *arg)
{
    Py_buffer protos;
    unsigned char *copy;

    if (PyObject_GetBuffer(arg, &protos, PyBUF_SIMPLE) < 0)
        return NULL;
    if (protos.len > INT_MAX) {
        PyBuffer_Release(&protos);
        return PyErr_Format(PyExc_OverflowError, "protocols longer than %d bytes", INT_MAX);
    }
    copy = PyMem_Malloc(protos.len + 1);
    if (copy == NULL) {
        PyBuffer_Release(&protos);
        return PyErr_NoMemory();
    }
    memcpy(copy, protos.buf, protos.len);
    PyMem_Free(self->npn_protocols);
    self->npn_protocols = copy;
    self->npn_protocols_len = (int)protos.len;
    PyMem_Free(protos.buf); // expected-warning {{[PML012]}}
    Py_RETURN_NONE;
}

static PyObject *
get_alpn_protocols(PySSLContext *self, void *closure)
{
    char *tmp;
    PyObject *res;

    tmp = PyMem_Malloc(self->alpn_protocols_len + 1);
    if (tmp == NULL)
        return NULL; // expected-warning {{[PML008]}}
    if (self->alpn_protocols_len)
        memcpy(tmp, self->alpn_protocols, self->alpn_protocols_len);
    res = PyBytes_FromStringAndSize(tmp, self->alpn_protocols_len);
    PyMem_Free(tmp);
    return res;
}

static PyMethodDef context_methods[] = {
    {"load_cert_chain", (PyCFunction)(void (*)(void))load_cert_chain,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {"set_ciphers", (PyCFunction)set_ciphers, METH_VARARGS, NULL},
    {"set_groups", (PyCFunction)set_groups, METH_VARARGS, NULL},
    {"set_alpn_protocols", (PyCFunction)set_alpn_protocols, METH_O, NULL},
    {"set_npn_protocols", (PyCFunction)set_npn_protocols, METH_O, NULL},
    {NULL}
};

static PyGetSetDef context_getsetlist[] = {
    {"alpn_protocols", (getter)get_alpn_protocols, NULL, NULL, NULL},
    {NULL}
};
