/*
 * analyzer/api.c - the table of library functions the analyzer knows by
 * name (see api.h). One place: add a function here, nowhere else.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#define ENTRY(n, r, f, mask, dest)                                           \
    {.name = #n, .role = r, .family = PL_FAM_##f, .nonnull_args = mask,        \
     .returns_arg0 = dest}
#define A(n, f) ENTRY(n, PL_API_ALLOC, f, 0, false)
#define R(n, f) ENTRY(n, PL_API_REALLOC, f, 0, false)
#define F(n, f) ENTRY(n, PL_API_FREE, f, 0, false)
#define READS(n, mask) ENTRY(n, PL_API_READS, NONE, mask, false)
#define NULLRET(n) ENTRY(n, PL_API_RETURNS_NULL, NONE, 0, false)
#define DEST(n, mask) ENTRY(n, PL_API_READS, NONE, mask, true)

/* Sorted by name for bsearch (tests/unit/test-dataflow.c checks it). */
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
    READS(access, 1),
    READS(atof, 1),
    READS(atoi, 1),
    READS(atol, 1),
    READS(bsearch, 0),
    A(calloc, LIBC),
    DEST(fgets, 1),
    READS(fopen, 3),
    READS(fprintf, 0),
    READS(fputc, 0),
    READS(fputs, 1),
    READS(fputws, 1),
    READS(fread, 1),
    F(free, LIBC),
    READS(fstat, 2),
    READS(fwrite, 1),
    DEST(getcwd, 0),
    READS(gethostname, 1),
    READS(lstat, 3),
    A(malloc, LIBC),
    READS(mbrtowc, 0),
    READS(mbstowcs, 0),
    READS(memccpy, 3),
    READS(memchr, 1),
    READS(memcmp, 3),
    DEST(memcpy, 3),
    READS(memmem, 5),
    DEST(memmove, 3),
    READS(memrchr, 1),
    DEST(memset, 1),
    READS(open, 1),
    READS(perror, 0),
    READS(pread, 2),
    READS(printf, 0),
    READS(puts, 1),
    READS(pwrite, 2),
    READS(qsort, 0),
    READS(read, 2),
    READS(readlink, 3),
    R(realloc, LIBC),
    READS(recv, 2),
    READS(recvfrom, 2),
    READS(send, 2),
    READS(sendto, 2),
    READS(snprintf, 0),
    READS(sprintf, 1),
    READS(sscanf, 1),
    READS(stat, 3),
    READS(stpcpy, 3),
    READS(strcasecmp, 1),
    DEST(strcat, 3),
    READS(strchr, 1),
    READS(strcmp, 3),
    READS(strcoll, 3),
    DEST(strcpy, 3),
    READS(strcspn, 1),
    A(strdup, LIBC),
    READS(strerror_r, 0),
    READS(strftime, 1),
    READS(strlen, 1),
    READS(strncasecmp, 1),
    DEST(strncat, 3),
    READS(strncmp, 3),
    DEST(strncpy, 3),
    A(strndup, LIBC),
    READS(strnlen, 0),
    READS(strpbrk, 1),
    READS(strrchr, 1),
    READS(strspn, 1),
    READS(strstr, 3),
    READS(strtod, 1),
    READS(strtok, 1),
    READS(strtok_r, 0),
    READS(strtol, 1),
    READS(strtoll, 1),
    READS(strtoul, 1),
    READS(strtoull, 1),
    READS(strxfrm, 2),
    READS(unlink, 1),
    READS(vfprintf, 0),
    READS(vsnprintf, 0),
    READS(vsprintf, 1),
    READS(wcrtomb, 0),
    READS(wcschr, 1),
    READS(wcscmp, 1),
    READS(wcscoll, 3),
    DEST(wcscpy, 3),
    READS(wcslen, 1),
    READS(wcsncmp, 3),
    DEST(wcsncpy, 1),
    READS(wcsrchr, 1),
    READS(wcstol, 1),
    READS(wcstombs, 1),
    DEST(wmemcpy, 3),
    DEST(wmemset, 1),
    READS(write, 2),
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

bool pl_api_keeps_pointer(const char *name)
{
    static const char *const names[] = {
        "PyBuffer_FillInfo", "PyCapsule_New", "_PyObject_Init",
        "_PyObject_InitVar", "PyObject_GC_Track", "_PyObject_GC_TRACK",
        "_Py_hashtable_set", "_Py_hashtable_new_full",
        "PyTuple_SET_ITEM", "PyList_SET_ITEM", "PyTuple_SetItem",
        "PyList_SetItem", "PyModule_AddObject", "_PyObject_SetManagedDict", "PyCapsule_SetContext",
        "PyCapsule_SetPointer", "PyLong_FromVoidPtr", "PyMemoryView_FromMemory",
        "PyModule_Create2", "PyModule_FromDefAndSpec2", "PyObject_Init",
        "PyObject_InitVar", "PyStructSequence_InitType",
        "PyStructSequence_InitType2", "PyStructSequence_NewType",
        "PyThread_set_key_value", "PyThread_start_new_thread",
        "PyThread_tss_set", "PyType_FromModuleAndSpec", "PyType_FromSpec",
        "PyType_FromSpecWithBases", "PyType_Ready", "Py_AtExit",
        "Py_SetProgramName", "Py_SetPythonHome", "Py_SetPath",
        "PySys_SetArgv", "PySys_SetArgvEx", "_PyObject_GC_Link",
        "_Py_NewReference", "atexit", "on_exit", "pthread_create",
        "pthread_setspecific", "putenv", "setbuf", "setbuffer", "setvbuf",
        "sigaltstack", "tsearch", "hsearch", "makecontext", "aio_read",
        "aio_write", "lio_listio", "iconv", "twalk",
    };
    if (!name)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

bool pl_api_table_is_sorted(void)
{
    size_t n = sizeof api_table / sizeof api_table[0];
    for (size_t i = 1; i < n; i++)
        if (strcmp(api_table[i - 1].name, api_table[i].name) >= 0)
            return false;
    return true;
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
