/*
 * analyzer/api.c - the table of library functions the analyzer knows by
 * name (see api.h). One place: add a function here, nowhere else.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#define A(n, f) {#n, PL_API_ALLOC, PL_FAM_##f, 0}
#define R(n, f) {#n, PL_API_REALLOC, PL_FAM_##f, 0}
#define F(n, f) {#n, PL_API_FREE, PL_FAM_##f, 0}
#define READS(n, mask) {#n, PL_API_READS, PL_FAM_NONE, mask}
#define NULLRET(n) {#n, PL_API_RETURNS_NULL, PL_FAM_NONE, 0}

/* Sorted by name (checked on first use) for bsearch. */
static const struct pl_api api_table[] = {
    READS(PyBool_FromLong, 0),
    READS(PyByteArray_FromObject, 0),
    READS(PyByteArray_FromStringAndSize, 0),
    READS(PyBytes_AS_STRING, 0),
    READS(PyBytes_FromFormat, 0),
    READS(PyBytes_FromString, 1),
    READS(PyBytes_FromStringAndSize, 0),
    READS(PyBytes_GET_SIZE, 0),
    READS(PyBytes_Size, 0),
    READS(PyDict_GetItemString, 0),
    READS(PyDict_SetItemString, 0),
    READS(PyDict_Size, 0),
    READS(PyErr_Clear, 0),
    READS(PyErr_ExceptionMatches, 0),
    NULLRET(PyErr_Format),
    NULLRET(PyErr_FormatV),
    NULLRET(PyErr_NoMemory),
    READS(PyErr_Occurred, 0),
    NULLRET(PyErr_SetFromErrno),
    NULLRET(PyErr_SetFromErrnoWithFilename),
    READS(PyErr_SetFromErrnoWithFilename, 0),
    NULLRET(PyErr_SetFromErrnoWithFilenameObject),
    NULLRET(PyErr_SetFromErrnoWithFilenameObjects),
    READS(PyErr_SetString, 0),
    READS(PyErr_WarnEx, 0),
    READS(PyErr_WarnFormat, 0),
    READS(PyFloat_AsDouble, 0),
    READS(PyFloat_FromDouble, 0),
    READS(PyFloat_FromString, 0),
    READS(PyImport_ImportModule, 0),
    READS(PyList_GET_SIZE, 0),
    READS(PyList_Size, 0),
    READS(PyLong_AsLong, 0),
    READS(PyLong_AsLongLong, 0),
    READS(PyLong_AsSsize_t, 0),
    READS(PyLong_AsUnsignedLong, 0),
    READS(PyLong_FromLong, 0),
    READS(PyLong_FromNativeBytes, 0),
    READS(PyLong_FromSize_t, 0),
    READS(PyLong_FromSsize_t, 0),
    READS(PyLong_FromString, 1),
    READS(PyLong_FromUnicodeObject, 0),
    READS(PyLong_FromUnsignedNativeBytes, 0),
    A(PyMem_Calloc, MEM),
    F(PyMem_Free, MEM),
    A(PyMem_Malloc, MEM),
    A(PyMem_RawCalloc, RAW),
    F(PyMem_RawFree, RAW),
    A(PyMem_RawMalloc, RAW),
    R(PyMem_RawRealloc, RAW),
    R(PyMem_Realloc, MEM),
    READS(PyModule_AddStringConstant, 0),
    READS(PyOS_snprintf, 1),
    READS(PyOS_strtol, 1),
    READS(PyOS_strtoul, 1),
    READS(PyObject_CallFunction, 0),
    READS(PyObject_CallMethod, 0),
    A(PyObject_Calloc, OBJ),
    F(PyObject_Free, OBJ),
    READS(PyObject_GetAttrString, 0),
    READS(PyObject_HasAttrString, 0),
    READS(PyObject_IsTrue, 0),
    READS(PyObject_Length, 0),
    A(PyObject_Malloc, OBJ),
    R(PyObject_Realloc, OBJ),
    READS(PyObject_SetAttrString, 0),
    READS(PyObject_Size, 0),
    READS(PySequence_Size, 0),
    READS(PySys_FormatStderr, 0),
    READS(PySys_FormatStdout, 0),
    READS(PySys_WriteStderr, 0),
    READS(PySys_WriteStdout, 0),
    READS(PyTuple_GET_SIZE, 0),
    READS(PyTuple_Size, 0),
    READS(PyUnicode_AsUCS4, 0),
    READS(PyUnicode_AsWideChar, 0),
    READS(PyUnicode_Decode, 1),
    READS(PyUnicode_DecodeASCII, 1),
    READS(PyUnicode_DecodeCharmap, 0),
    READS(PyUnicode_DecodeFSDefault, 1),
    READS(PyUnicode_DecodeFSDefaultAndSize, 1),
    READS(PyUnicode_DecodeLatin1, 1),
    READS(PyUnicode_DecodeLocale, 1),
    READS(PyUnicode_DecodeRawUnicodeEscape, 0),
    READS(PyUnicode_DecodeUTF16, 0),
    READS(PyUnicode_DecodeUTF32, 0),
    READS(PyUnicode_DecodeUTF8, 1),
    READS(PyUnicode_DecodeUTF8Stateful, 0),
    READS(PyUnicode_DecodeUnicodeEscape, 0),
    READS(PyUnicode_FromFormat, 1),
    READS(PyUnicode_FromFormatV, 0),
    READS(PyUnicode_FromKindAndData, 0),
    READS(PyUnicode_FromString, 1),
    READS(PyUnicode_FromStringAndSize, 0),
    READS(PyUnicode_FromWideChar, 0),
    READS(PyUnicode_GET_LENGTH, 0),
    READS(PyUnicode_GetLength, 0),
    READS(PyUnicode_InternFromString, 1),
    READS(Py_BuildValue, 0),
    READS(Py_DECREF, 0),
    READS(Py_INCREF, 0),
    READS(Py_IS_TYPE, 0),
    READS(Py_NewRef, 0),
    READS(Py_REFCNT, 0),
    READS(Py_SET_REFCNT, 0),
    READS(Py_SET_SIZE, 0),
    READS(Py_SET_TYPE, 0),
    READS(Py_SIZE, 0),
    READS(Py_TYPE, 0),
    READS(Py_VaBuildValue, 0),
    READS(Py_XDECREF, 0),
    READS(Py_XINCREF, 0),
    READS(Py_XNewRef, 0),
    READS(_PyLong_AsByteArray, 0),
    READS(_PyLong_FromByteArray, 0),
    A(_PyMem_RawStrdup, RAW),
    A(_PyMem_Strdup, MEM),
    READS(_PyObject_CallFunction_SizeT, 0),
    READS(_PyObject_CallMethod_SizeT, 0),
    READS(_PyUnicode_FromASCII, 1),
    READS(_Py_BuildValue_SizeT, 0),
    READS(_Py_DECREF, 0),
    READS(_Py_Dealloc, 0),
    READS(_Py_INCREF, 0),
    READS(_Py_IS_TYPE, 0),
    READS(_Py_NewRef, 0),
    READS(_Py_REFCNT, 0),
    READS(_Py_SET_REFCNT, 0),
    READS(_Py_SET_SIZE, 0),
    READS(_Py_SET_TYPE, 0),
    READS(_Py_SIZE, 0),
    READS(_Py_TYPE, 0),
    READS(_Py_VaBuildValue_SizeT, 0),
    READS(_Py_XDECREF, 0),
    READS(_Py_XINCREF, 0),
    READS(_Py_XNewRef, 0),
    READS(atof, 1),
    READS(atoi, 1),
    READS(atol, 1),
    READS(bsearch, 0),
    A(calloc, LIBC),
    READS(fprintf, 0),
    READS(fputc, 0),
    READS(fputs, 1),
    READS(fread, 1),
    F(free, LIBC),
    READS(fwrite, 1),
    A(malloc, LIBC),
    READS(mbstowcs, 0),
    READS(memchr, 1),
    READS(memcmp, 3),
    READS(memcpy, 3),
    READS(memmove, 3),
    READS(memrchr, 1),
    READS(memset, 1),
    READS(perror, 0),
    READS(printf, 0),
    READS(puts, 1),
    READS(qsort, 0),
    R(realloc, LIBC),
    READS(snprintf, 0),
    READS(sprintf, 1),
    READS(sscanf, 1),
    READS(strcasecmp, 1),
    READS(strcat, 3),
    READS(strchr, 1),
    READS(strcmp, 3),
    READS(strcpy, 3),
    READS(strcspn, 1),
    A(strdup, LIBC),
    READS(strlen, 1),
    READS(strncasecmp, 1),
    READS(strncat, 3),
    READS(strncmp, 3),
    READS(strncpy, 3),
    A(strndup, LIBC),
    READS(strnlen, 0),
    READS(strpbrk, 1),
    READS(strrchr, 1),
    READS(strspn, 1),
    READS(strstr, 3),
    READS(strtod, 1),
    READS(strtok, 1),
    READS(strtol, 1),
    READS(strtoll, 1),
    READS(strtoul, 1),
    READS(strtoull, 1),
    READS(vsnprintf, 0),
    READS(vsprintf, 1),
    READS(wcscmp, 1),
    READS(wcscpy, 3),
    READS(wcslen, 1),
    READS(wcsncpy, 1),
    READS(wcstombs, 1),
    READS(wmemcpy, 3),
    READS(wmemset, 1),
};

static int compare_entry(const void *key, const void *entry)
{
    return strcmp(key, ((const struct pl_api *)entry)->name);
}

const struct pl_api *pl_api_lookup(const char *name)
{
    if (!name)
        return NULL;
    return bsearch(name, api_table, sizeof api_table / sizeof api_table[0],
                   sizeof api_table[0], compare_entry);
}

bool pl_api_is_noreturn(const char *name)
{
    static const char *const names[] = {
        "Py_Exit", "Py_FatalError", "_Exit", "_Py_FatalErrorFormat",
        "_Py_FatalErrorFunc", "_Py_FatalRefcountErrorFunc", "__assert_fail",
        "__assert_perror_fail", "__builtin_trap", "__builtin_unreachable",
        "_exit", "abort", "err", "errx", "exit", "longjmp", "pthread_exit",
        "quick_exit", "siglongjmp",
    };
    if (!name)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

const char *pl_family_release_name(enum pl_family family)
{
    switch (family) {
    case PL_FAM_MEM:
        return "PyMem_Free";
    case PL_FAM_RAW:
        return "PyMem_RawFree";
    case PL_FAM_OBJ:
        return "PyObject_Free";
    case PL_FAM_LIBC:
        return "free";
    default:
        return "?";
    }
}

const char *pl_family_name(enum pl_family family)
{
    switch (family) {
    case PL_FAM_MEM:
        return "PyMem";
    case PL_FAM_RAW:
        return "PyMem_Raw";
    case PL_FAM_OBJ:
        return "PyObject";
    case PL_FAM_LIBC:
        return "libc";
    default:
        return "unknown";
    }
}
