/*
 * analyzer/api.c - the one table of library functions the analyzer knows
 * by name (see api.h): CPython's C API and the C library. One place: add
 * a function here, nowhere else.
 *
 * Where the entries come from: an entry with a page names it; the others
 * come from the page of their name's prefix (pl_api_doc()): PyMem_* from
 * c-api/memory.html, PyUnicode_* from c-api/unicode.html, ..., and C
 * library functions from their man page (section 3) and POSIX. Names
 * that the Python version in use lacks (3.9-3.13 differ: the _SizeT
 * names of PyArg_* and Py_BuildValue, PyUnicode_AS_DATA, ...) simply
 * never match a call.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#define ENTRY(n, r, f, mask, dest, fl, a, d)                                 \
    {.name = #n, .role = r, .family = PL_FAM_##f, .nonnull_args = mask,        \
     .returns_arg0 = dest, .flags = fl, .arg = a, .doc = d}
#define PY_DOC(page) "https://docs.python.org/3/c-api/" page
/* allocates / reallocates / releases a block of family f */
#define A(n, f) ENTRY(n, PL_API_ALLOC, f, 0, false, 0, -1, NULL)
#define R(n, f) ENTRY(n, PL_API_REALLOC, f, 0, false, 0, -1, NULL)
#define F(n, f) ENTRY(n, PL_API_FREE, f, 0, false, 0, -1, NULL)
/* hands the caller a buffer of family f that it must release */
#define ABUF(n, f, fl, page)                                                  \
    ENTRY(n, PL_API_ALLOC, f, 0, false, PL_AF_API_BUFFER | (fl), -1,          \
          PY_DOC(page))
/* only reads or copies its pointer arguments; _X: sets an exception when
   it fails; mask: arguments that must not be NULL */
#define READS(n, mask) ENTRY(n, PL_API_READS, NONE, mask, false, 0, -1, NULL)
#define READS_X(n, mask)                                                      \
    ENTRY(n, PL_API_READS, NONE, mask, false, PL_AF_SETS_EXC, -1, NULL)
/* writes into its first argument and returns it (strcpy) */
#define DEST(n, mask) ENTRY(n, PL_API_READS, NONE, mask, true, 0, -1, NULL)
/* sets an exception and returns NULL */
#define NULLRET(n)                                                            \
    ENTRY(n, PL_API_RETURNS_NULL, NONE, 0, false, PL_AF_SETS_EXC, -1, NULL)
/* sets an exception */
#define SETEXC(n, page)                                                       \
    ENTRY(n, PL_API_READS, NONE, 0, false, PL_AF_SETS_EXC, -1, PY_DOC(page))
/* returns a buffer owned by a Python object (borrowed) */
#define BORROW(n, page)                                                       \
    ENTRY(n, PL_API_BORROWS, NONE, 0, false, PL_AF_SETS_EXC, -1, PY_DOC(page))
/* stores a borrowed buffer through argument i */
#define OUTB(n, i, fl, page)                                                  \
    ENTRY(n, PL_API_READS, NONE, 0, false, PL_AF_SETS_EXC | (fl), i,          \
          PY_DOC(page))
/* PyArg_Parse*: format string in argument i */
#define PARSE(n, i, fl, page)                                                 \
    ENTRY(n, PL_API_ARGPARSE, NONE, 0, false, PL_AF_SETS_EXC | (fl), i,       \
          PY_DOC(page))
/* releases or takes back the GIL */
#define GIL(n, fl, page)                                                      \
    ENTRY(n, PL_API_READS, NONE, 0, false, fl, -1, PY_DOC(page))
/* may keep a pointer passed to it */
#define KEEPS(n) ENTRY(n, PL_API_UNKNOWN, NONE, 0, false, PL_AF_KEEPS, -1, NULL)
/* does not return */
#define NORET(n) ENTRY(n, PL_API_READS, NONE, 0, false, PL_AF_NORETURN, -1, NULL)

/* Sorted by name for bsearch (tests/unit/test-dataflow.c checks it). */
static const struct pl_api api_table[] = {
    PARSE(PyArg_Parse, 1, 0, "arg.html#c.PyArg_Parse"),
    PARSE(PyArg_ParseTuple, 1, 0, "arg.html#c.PyArg_ParseTuple"),
    PARSE(PyArg_ParseTupleAndKeywords, 2, PL_AF_KEYWORDS, "arg.html#c.PyArg_ParseTupleAndKeywords"),
    READS(PyBool_FromLong, 0),
    KEEPS(PyBuffer_FillInfo),
    ENTRY(PyBuffer_Release, PL_API_READS, NONE, 0, false, PL_AF_NO_STORE, -1,
          PY_DOC("buffer.html#c.PyBuffer_Release")),
    BORROW(PyByteArray_AS_STRING, "bytearray.html#c.PyByteArray_AS_STRING"),
    BORROW(PyByteArray_AsString, "bytearray.html#c.PyByteArray_AsString"),
    READS_X(PyByteArray_FromObject, 0),
    READS_X(PyByteArray_FromStringAndSize, 0),
    BORROW(PyBytes_AS_STRING, "bytes.html#c.PyBytes_AS_STRING"),
    BORROW(PyBytes_AsString, "bytes.html#c.PyBytes_AsString"),
    OUTB(PyBytes_AsStringAndSize, 1, PL_AF_OUT_BORROWED, "bytes.html#c.PyBytes_AsStringAndSize"),
    READS_X(PyBytes_FromFormat, 0),
    READS_X(PyBytes_FromString, 1),
    READS_X(PyBytes_FromStringAndSize, 0),
    READS(PyBytes_GET_SIZE, 0),
    READS_X(PyBytes_Size, 0),
    BORROW(PyCapsule_GetContext, "capsule.html#c.PyCapsule_GetContext"),
    BORROW(PyCapsule_GetName, "capsule.html#c.PyCapsule_GetName"),
    BORROW(PyCapsule_GetPointer, "capsule.html#c.PyCapsule_GetPointer"),
    KEEPS(PyCapsule_New),
    KEEPS(PyCapsule_SetContext),
    KEEPS(PyCapsule_SetPointer),
    READS_X(PyDict_GetItemString, 0),
    READS_X(PyDict_SetItemString, 0),
    READS_X(PyDict_Size, 0),
    SETEXC(PyErr_BadArgument, "exceptions.html#c.PyErr_BadArgument"),
    SETEXC(PyErr_BadInternalCall, "exceptions.html#c.PyErr_BadInternalCall"),
    SETEXC(PyErr_CheckSignals, "exceptions.html#c.PyErr_CheckSignals"),
    READS(PyErr_Clear, 0),
    READS(PyErr_ExceptionMatches, 0),
    NULLRET(PyErr_Format),
    NULLRET(PyErr_FormatV),
    NULLRET(PyErr_NoMemory),
    READS(PyErr_Occurred, 0),
    SETEXC(PyErr_Restore, "exceptions.html#c.PyErr_Restore"),
    SETEXC(PyErr_SetExcInfo, "exceptions.html#c.PyErr_SetExcInfo"),
    NULLRET(PyErr_SetFromErrno),
    NULLRET(PyErr_SetFromErrnoWithFilename),
    NULLRET(PyErr_SetFromErrnoWithFilenameObject),
    NULLRET(PyErr_SetFromErrnoWithFilenameObjects),
    SETEXC(PyErr_SetImportError, "exceptions.html#c.PyErr_SetImportError"),
    SETEXC(PyErr_SetInterrupt, "exceptions.html#c.PyErr_SetInterrupt"),
    SETEXC(PyErr_SetNone, "exceptions.html#c.PyErr_SetNone"),
    SETEXC(PyErr_SetObject, "exceptions.html#c.PyErr_SetObject"),
    SETEXC(PyErr_SetRaisedException, "exceptions.html#c.PyErr_SetRaisedException"),
    SETEXC(PyErr_SetString, "exceptions.html#c.PyErr_SetString"),
    READS_X(PyErr_WarnEx, 0),
    READS_X(PyErr_WarnFormat, 0),
    GIL(PyEval_AcquireThread, PL_AF_GIL_ACQUIRE, "init.html#c.PyEval_AcquireThread"),
    BORROW(PyEval_GetFuncName, "reflection.html#c.PyEval_GetFuncName"),
    GIL(PyEval_ReleaseThread, PL_AF_GIL_RELEASE, "init.html#c.PyEval_ReleaseThread"),
    GIL(PyEval_RestoreThread, PL_AF_GIL_ACQUIRE, "init.html#c.PyEval_RestoreThread"),
    GIL(PyEval_SaveThread, PL_AF_GIL_RELEASE, "init.html#c.PyEval_SaveThread"),
    READS_X(PyFloat_AsDouble, 0),
    READS_X(PyFloat_FromDouble, 0),
    READS_X(PyFloat_FromString, 0),
    GIL(PyGILState_Ensure, PL_AF_GIL_ACQUIRE, "init.html#c.PyGILState_Ensure"),
    GIL(PyGILState_Release, PL_AF_GIL_RELEASE, "init.html#c.PyGILState_Release"),
    READS_X(PyImport_ImportModule, 0),
    READS(PyList_GET_SIZE, 0),
    KEEPS(PyList_SET_ITEM),
    KEEPS(PyList_SetItem),
    READS_X(PyList_Size, 0),
    READS_X(PyLong_AsLong, 0),
    READS_X(PyLong_AsLongLong, 0),
    READS_X(PyLong_AsSsize_t, 0),
    READS_X(PyLong_AsUnsignedLong, 0),
    READS_X(PyLong_FromLong, 0),
    READS_X(PyLong_FromNativeBytes, 0),
    READS_X(PyLong_FromSize_t, 0),
    READS_X(PyLong_FromSsize_t, 0),
    READS_X(PyLong_FromString, 1),
    READS_X(PyLong_FromUnicodeObject, 0),
    READS_X(PyLong_FromUnsignedNativeBytes, 0),
    KEEPS(PyLong_FromVoidPtr),
    A(PyMem_Calloc, MEM),
    F(PyMem_Free, MEM),
    A(PyMem_Malloc, MEM),
    A(PyMem_RawCalloc, RAW),
    F(PyMem_RawFree, RAW),
    A(PyMem_RawMalloc, RAW),
    R(PyMem_RawRealloc, RAW),
    R(PyMem_Realloc, MEM),
    KEEPS(PyMemoryView_FromMemory),
    BORROW(PyMemoryView_GET_BUFFER, "memoryview.html#c.PyMemoryView_GET_BUFFER"),
    KEEPS(PyModule_AddObject),
    READS_X(PyModule_AddStringConstant, 0),
    KEEPS(PyModule_Create2),
    KEEPS(PyModule_FromDefAndSpec2),
    BORROW(PyModule_GetName, "module.html#c.PyModule_GetName"),
    BORROW(PyModule_GetState, "module.html#c.PyModule_GetState"),
    ABUF(PyOS_double_to_string, MEM, PL_AF_SETS_EXC, "conversion.html#c.PyOS_double_to_string"),
    READS(PyOS_snprintf, 1),
    READS_X(PyOS_strtol, 1),
    READS_X(PyOS_strtoul, 1),
    READS_X(PyObject_CallFunction, 0),
    READS_X(PyObject_CallMethod, 0),
    A(PyObject_Calloc, OBJ),
    F(PyObject_Free, OBJ),
    KEEPS(PyObject_GC_Track),
    READS_X(PyObject_GetAttrString, 0),
    OUTB(PyObject_GetBuffer, 1, PL_AF_OUT_VIEW, "buffer.html#c.PyObject_GetBuffer"),
    READS_X(PyObject_HasAttrString, 0),
    KEEPS(PyObject_Init),
    KEEPS(PyObject_InitVar),
    READS_X(PyObject_IsTrue, 0),
    READS_X(PyObject_Length, 0),
    A(PyObject_Malloc, OBJ),
    R(PyObject_Realloc, OBJ),
    READS_X(PyObject_SetAttrString, 0),
    READS_X(PyObject_Size, 0),
    READS_X(PySequence_Size, 0),
    KEEPS(PyStructSequence_InitType),
    KEEPS(PyStructSequence_InitType2),
    KEEPS(PyStructSequence_NewType),
    READS_X(PySys_FormatStderr, 0),
    READS_X(PySys_FormatStdout, 0),
    KEEPS(PySys_SetArgv),
    KEEPS(PySys_SetArgvEx),
    READS(PySys_WriteStderr, 0),
    READS(PySys_WriteStdout, 0),
    KEEPS(PyThread_set_key_value),
    KEEPS(PyThread_start_new_thread),
    KEEPS(PyThread_tss_set),
    READS(PyTuple_GET_SIZE, 0),
    KEEPS(PyTuple_SET_ITEM),
    KEEPS(PyTuple_SetItem),
    READS_X(PyTuple_Size, 0),
    KEEPS(PyType_FromModuleAndSpec),
    KEEPS(PyType_FromSpec),
    KEEPS(PyType_FromSpecWithBases),
    BORROW(PyType_GetModuleState, "type.html#c.PyType_GetModuleState"),
    KEEPS(PyType_Ready),
    BORROW(PyUnicode_AS_DATA, "unicode.html (removed in 3.12)"),
    BORROW(PyUnicode_AS_UNICODE, "unicode.html (removed in 3.12)"),
    READS_X(PyUnicode_AsUCS4, 0),
    ABUF(PyUnicode_AsUCS4Copy, MEM, PL_AF_SETS_EXC, "unicode.html#c.PyUnicode_AsUCS4Copy"),
    BORROW(PyUnicode_AsUTF8, "unicode.html#c.PyUnicode_AsUTF8"),
    BORROW(PyUnicode_AsUTF8AndSize, "unicode.html#c.PyUnicode_AsUTF8AndSize"),
    BORROW(PyUnicode_AsUnicode, "unicode.html (removed in 3.12)"),
    READS_X(PyUnicode_AsWideChar, 0),
    ABUF(PyUnicode_AsWideCharString, MEM, PL_AF_SETS_EXC, "unicode.html#c.PyUnicode_AsWideCharString"),
    BORROW(PyUnicode_DATA, "unicode.html#c.PyUnicode_DATA"),
    READS_X(PyUnicode_Decode, 1),
    READS_X(PyUnicode_DecodeASCII, 1),
    READS_X(PyUnicode_DecodeCharmap, 0),
    READS_X(PyUnicode_DecodeFSDefault, 1),
    READS_X(PyUnicode_DecodeFSDefaultAndSize, 1),
    READS_X(PyUnicode_DecodeLatin1, 1),
    READS_X(PyUnicode_DecodeLocale, 1),
    READS_X(PyUnicode_DecodeRawUnicodeEscape, 0),
    READS_X(PyUnicode_DecodeUTF16, 0),
    READS_X(PyUnicode_DecodeUTF32, 0),
    READS_X(PyUnicode_DecodeUTF8, 1),
    READS_X(PyUnicode_DecodeUTF8Stateful, 0),
    READS_X(PyUnicode_DecodeUnicodeEscape, 0),
    READS_X(PyUnicode_FromFormat, 1),
    READS_X(PyUnicode_FromFormatV, 0),
    READS_X(PyUnicode_FromKindAndData, 0),
    READS_X(PyUnicode_FromString, 1),
    READS_X(PyUnicode_FromStringAndSize, 0),
    READS_X(PyUnicode_FromWideChar, 0),
    READS(PyUnicode_GET_LENGTH, 0),
    READS_X(PyUnicode_GetLength, 0),
    READS_X(PyUnicode_InternFromString, 1),
    KEEPS(Py_AtExit),
    READS_X(Py_BuildValue, 0),
    READS(Py_DECREF, 0),
    ABUF(Py_DecodeLocale, RAW, 0, "sys.html#c.Py_DecodeLocale"),
    ABUF(Py_EncodeLocale, MEM, 0, "sys.html#c.Py_EncodeLocale"),
    NORET(Py_Exit),
    NORET(Py_FatalError),
    READS(Py_INCREF, 0),
    READS(Py_IS_TYPE, 0),
    READS(Py_NewRef, 0),
    READS(Py_REFCNT, 0),
    READS(Py_SET_REFCNT, 0),
    READS(Py_SET_SIZE, 0),
    READS(Py_SET_TYPE, 0),
    READS(Py_SIZE, 0),
    KEEPS(Py_SetPath),
    KEEPS(Py_SetProgramName),
    KEEPS(Py_SetPythonHome),
    READS(Py_TYPE, 0),
    READS_X(Py_VaBuildValue, 0),
    READS(Py_XDECREF, 0),
    READS(Py_XINCREF, 0),
    READS(Py_XNewRef, 0),
    NORET(_Exit),
    PARSE(_PyArg_ParseTupleAndKeywords_SizeT, 2, PL_AF_KEYWORDS, "arg.html#c.PyArg_ParseTupleAndKeywords (PY_SSIZE_T_CLEAN name before 3.13)"),
    PARSE(_PyArg_ParseTuple_SizeT, 1, 0, "arg.html#c.PyArg_ParseTuple (PY_SSIZE_T_CLEAN name before 3.13)"),
    PARSE(_PyArg_Parse_SizeT, 1, 0, "arg.html#c.PyArg_Parse (PY_SSIZE_T_CLEAN name before 3.13)"),
    READS_X(_PyLong_AsByteArray, 0),
    READS_X(_PyLong_FromByteArray, 0),
    ABUF(_PyMem_RawStrdup, RAW, 0, "memory.html (CPython internal, Include/cpython/pymem.h)"),
    ABUF(_PyMem_Strdup, MEM, 0, "memory.html (CPython internal, Include/cpython/pymem.h)"),
    READS_X(_PyObject_CallFunction_SizeT, 0),
    READS_X(_PyObject_CallMethod_SizeT, 0),
    KEEPS(_PyObject_GC_Link),
    KEEPS(_PyObject_GC_TRACK),
    KEEPS(_PyObject_Init),
    KEEPS(_PyObject_InitVar),
    KEEPS(_PyObject_SetManagedDict),
    BORROW(_PyUnicode_AsString, "unicode.html#c.PyUnicode_AsUTF8 (old alias)"),
    ABUF(_PyUnicode_AsWideCharString, MEM, PL_AF_SETS_EXC, "unicode.html#c.PyUnicode_AsWideCharString"),
    READS_X(_PyUnicode_FromASCII, 1),
    READS_X(_Py_BuildValue_SizeT, 0),
    READS(_Py_DECREF, 0),
    READS(_Py_Dealloc, 0),
    ABUF(_Py_EncodeLocaleRaw, RAW, 0, "CPython internal, Include/cpython/fileutils.h"),
    NORET(_Py_FatalErrorFormat),
    NORET(_Py_FatalErrorFunc),
    NORET(_Py_FatalRefcountErrorFunc),
    READS(_Py_INCREF, 0),
    READS(_Py_IS_TYPE, 0),
    READS(_Py_NewRef, 0),
    KEEPS(_Py_NewReference),
    READS(_Py_REFCNT, 0),
    READS(_Py_SET_REFCNT, 0),
    READS(_Py_SET_SIZE, 0),
    READS(_Py_SET_TYPE, 0),
    READS(_Py_SIZE, 0),
    READS(_Py_TYPE, 0),
    READS_X(_Py_VaBuildValue_SizeT, 0),
    READS(_Py_XDECREF, 0),
    READS(_Py_XINCREF, 0),
    READS(_Py_XNewRef, 0),
    KEEPS(_Py_hashtable_new_full),
    KEEPS(_Py_hashtable_set),
    NORET(__assert_fail),
    NORET(__assert_perror_fail),
    NORET(__builtin_trap),
    NORET(__builtin_unreachable),
    NORET(_exit),
    NORET(abort),
    READS(access, 1),
    KEEPS(aio_read),
    KEEPS(aio_write),
    KEEPS(atexit),
    READS(atof, 1),
    READS(atoi, 1),
    READS(atol, 1),
    READS(bsearch, 0),
    A(calloc, LIBC),
    NORET(err),
    NORET(errx),
    NORET(exit),
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
    KEEPS(hsearch),
    KEEPS(iconv),
    KEEPS(lio_listio),
    NORET(longjmp),
    READS(lstat, 3),
    KEEPS(makecontext),
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
    KEEPS(on_exit),
    READS(open, 1),
    READS(perror, 0),
    READS(pread, 2),
    READS(printf, 0),
    KEEPS(pthread_create),
    NORET(pthread_exit),
    KEEPS(pthread_setspecific),
    KEEPS(putenv),
    READS(puts, 1),
    READS(pwrite, 2),
    READS(qsort, 0),
    NORET(quick_exit),
    READS(read, 2),
    READS(readlink, 3),
    R(realloc, LIBC),
    READS(recv, 2),
    READS(recvfrom, 2),
    READS(send, 2),
    READS(sendto, 2),
    KEEPS(setbuf),
    KEEPS(setbuffer),
    KEEPS(setvbuf),
    KEEPS(sigaltstack),
    NORET(siglongjmp),
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
    KEEPS(tsearch),
    KEEPS(twalk),
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

static int compare_project(const void *key, const void *entry)
{
    return strcmp(key, ((const struct pl_api *)entry)->name);
}

const struct pl_api *pl_api_find(const struct pl_project *project,
                                 const char *name)
{
    if (!name)
        return NULL;
    if (project && project->len) {
        const struct pl_api *own =
            bsearch(name, project->entries, project->len,
                    sizeof project->entries[0], compare_project);
        if (own)
            return own;
    }
    return pl_api_lookup(name);
}

bool pl_project_is_noreturn(const void *project, const char *name)
{
    const struct pl_api *api = pl_api_find(project, name);
    return api && (api->flags & PL_AF_NORETURN);
}

/* Families from configuration files: registered before any thread
 * starts, read-only afterwards. */
static struct {
    char *name, *release;
} project_families[PL_MAX_PROJECT_FAMILIES];
static unsigned nproject_families;

enum pl_family pl_family_register(const char *name, const char *release_name)
{
    for (unsigned i = 0; i < nproject_families; i++)
        if (strcmp(project_families[i].name, name) == 0)
            return (enum pl_family)(PL_FAM_PROJECT + i);
    if (nproject_families == PL_MAX_PROJECT_FAMILIES)
        return PL_FAM_NONE;
    project_families[nproject_families].name = strdup(name);
    project_families[nproject_families].release =
        strdup(release_name ? release_name : "its release function");
    if (!project_families[nproject_families].name ||
        !project_families[nproject_families].release)
        return PL_FAM_NONE;
    return (enum pl_family)(PL_FAM_PROJECT + nproject_families++);
}

static const char *project_family(enum pl_family family, bool release)
{
    unsigned i = (unsigned)family - PL_FAM_PROJECT;
    if (family < PL_FAM_PROJECT || i >= nproject_families)
        return NULL;
    return release ? project_families[i].release : project_families[i].name;
}

bool pl_api_keeps_pointer(const char *name)
{
    if (!name)
        return true;
    const struct pl_api *api = pl_api_lookup(name);
    return api && (api->flags & PL_AF_KEEPS);
}

const struct pl_api *pl_api_table(unsigned *count)
{
    *count = sizeof api_table / sizeof api_table[0];
    return api_table;
}

const char *pl_api_doc(const struct pl_api *api)
{
    static const struct {
        const char *prefix, *page;
    } pages[] = {
        {"PyMem_", PY_DOC("memory.html")},
        {"_PyMem_", PY_DOC("memory.html")},
        {"PyObject_Malloc", PY_DOC("memory.html")},
        {"PyObject_Calloc", PY_DOC("memory.html")},
        {"PyObject_Realloc", PY_DOC("memory.html")},
        {"PyObject_Free", PY_DOC("memory.html")},
        {"PyObject_Call", PY_DOC("call.html")},
        {"PyObject_GC", PY_DOC("gcsupport.html")},
        {"_PyObject_GC", PY_DOC("gcsupport.html")},
        {"PyObject_Init", PY_DOC("allocation.html")},
        {"_PyObject_Init", PY_DOC("allocation.html")},
        {"PyObject_", PY_DOC("object.html")},
        {"_PyObject_", PY_DOC("call.html")},
        {"PyUnicode_", PY_DOC("unicode.html")},
        {"_PyUnicode_", PY_DOC("unicode.html")},
        {"PyBytes_", PY_DOC("bytes.html")},
        {"PyByteArray_", PY_DOC("bytearray.html")},
        {"PyLong_", PY_DOC("long.html")},
        {"_PyLong_", PY_DOC("long.html")},
        {"PyFloat_", PY_DOC("float.html")},
        {"PyBool_", PY_DOC("bool.html")},
        {"PyErr_", PY_DOC("exceptions.html")},
        {"PyDict_", PY_DOC("dict.html")},
        {"PyList_", PY_DOC("list.html")},
        {"PyTuple_", PY_DOC("tuple.html")},
        {"PySequence_", PY_DOC("sequence.html")},
        {"PyModule_", PY_DOC("module.html")},
        {"PyImport_", PY_DOC("import.html")},
        {"PySys_", PY_DOC("sys.html")},
        {"PyOS_", PY_DOC("conversion.html")},
        {"PyCapsule_", PY_DOC("capsule.html")},
        {"PyType_", PY_DOC("type.html")},
        {"PyStructSequence_", PY_DOC("tuple.html#struct-sequence-objects")},
        {"PyThread_", PY_DOC("init.html#thread-local-storage-support")},
        {"PyBuffer_", PY_DOC("buffer.html")},
        {"PyMemoryView_", PY_DOC("memoryview.html")},
        {"Py_BuildValue", PY_DOC("arg.html#c.Py_BuildValue")},
        {"_Py_BuildValue", PY_DOC("arg.html#c.Py_BuildValue")},
        {"Py_VaBuildValue", PY_DOC("arg.html#c.Py_VaBuildValue")},
        {"_Py_VaBuildValue", PY_DOC("arg.html#c.Py_VaBuildValue")},
        {"_Py_hashtable", "CPython internal, Include/internal/pycore_hashtable.h"},
        {"Py_Set", PY_DOC("init.html")},
        {"Py_AtExit", PY_DOC("sys.html#c.Py_AtExit")},
        {"Py_Exit", PY_DOC("sys.html#c.Py_Exit")},
        {"Py_FatalError", PY_DOC("sys.html#c.Py_FatalError")},
        {"_Py_Fatal", "CPython internal, Include/cpython/pyerrors.h"},
        {"Py_", PY_DOC("refcounting.html")},
        {"_Py_", PY_DOC("refcounting.html")},
    };
    if (api->doc)
        return api->doc;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (strncmp(api->name, pages[i].prefix, strlen(pages[i].prefix)) == 0)
            return pages[i].page;
    return "the C library: man 3 (glibc) and POSIX.1-2017";
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
    const struct pl_api *api = pl_api_lookup(name);
    return api && (api->flags & PL_AF_NORETURN);
}

const char *pl_api_display_name(const char *name)
{
    static const char *const renamed[][2] = {
        {"_PyArg_ParseTuple_SizeT", "PyArg_ParseTuple"},
        {"_PyArg_ParseTupleAndKeywords_SizeT", "PyArg_ParseTupleAndKeywords"},
        {"_PyArg_Parse_SizeT", "PyArg_Parse"},
        {"_Py_BuildValue_SizeT", "Py_BuildValue"},
    };
    for (size_t i = 0; name && i < sizeof renamed / sizeof renamed[0]; i++)
        if (strcmp(name, renamed[i][0]) == 0)
            return renamed[i][1];
    return name;
}

const char *pl_family_release_name(enum pl_family family)
{
    if (project_family(family, true))
        return project_family(family, true);
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
    if (project_family(family, false))
        return project_family(family, false);
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

enum pl_family pl_family_by_name(const char *name)
{
    if (!name)
        return PL_FAM_NONE;
    for (int f = PL_FAM_MEM; f < PL_FAM_PROJECT + PL_MAX_PROJECT_FAMILIES; f++) {
        const char *n = pl_family_name((enum pl_family)f);
        if (strcmp(n, "unknown") != 0 && strcmp(n, name) == 0)
            return (enum pl_family)f;
    }
    return PL_FAM_NONE;
}
