/*
 * rules/api-buffer-leak.c - PML013: a buffer that a CPython API call
 * handed to the caller leaks, or is released by the wrong family.
 *
 *     wchar_t *w = PyUnicode_AsWideCharString(obj, NULL);
 *     ...
 *     return result;            // w leaks: PyMem_Free(w) is missing
 *
 * C-API docs: PyUnicode_AsWideCharString, PyUnicode_AsUCS4Copy,
 * Py_EncodeLocale and PyOS_double_to_string return memory to release with
 * PyMem_Free; Py_DecodeLocale with PyMem_RawFree; the "es"/"et" formats
 * of PyArg_ParseTuple store a buffer to release with PyMem_Free.
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (!ev->api_buffer)
        return;
    if (ev->kind == PL_EV_LEAK && !ev->lost_by_realloc) {
        pl_report(r, "PML013", ev, ev->line, ev->col,
                  "the buffer %s hands over is never released%s: %s at "
                  "line %u; release it with %s",
                  ev->alloc_name,
                  ev->error_path ? " on an error path" : "",
                  ev->lost_how ? ev->lost_how : "the last pointer is lost",
                  ev->lost_line, pl_family_release_name(ev->family));
    } else if (ev->kind == PL_EV_RELEASE_MISMATCH) {
        pl_report(r, "PML013", ev, ev->line, ev->col,
                  "'%s' comes from %s and must be released with %s, not %s",
                  ev->subject, ev->alloc_name,
                  pl_family_release_name(ev->family), ev->release_name);
    }
}

const struct pl_rule pl_rule_api_buffer_leak = {
    .id = "PML013",
    .name = "api-buffer-leak",
    .severity = PL_SEV_WARNING,
    .summary = "buffer handed over by a CPython API leaked or misreleased",
    .explanation =
        "PML013 api-buffer-leak\n"
        "\n"
        "Some CPython functions return memory that the caller must release:\n"
        "PyUnicode_AsWideCharString, PyUnicode_AsUCS4Copy, Py_EncodeLocale,\n"
        "PyOS_double_to_string and _PyMem_Strdup with PyMem_Free;\n"
        "Py_DecodeLocale and _PyMem_RawStrdup with PyMem_RawFree. The\n"
        "\"es\", \"et\", \"es#\" and \"et#\" formats of PyArg_ParseTuple,\n"
        "PyArg_ParseTupleAndKeywords and PyArg_Parse store such a buffer\n"
        "(PyMem_Free) in their char ** argument. A leak of such a buffer,\n"
        "on any path, or its release by another family is reported here,\n"
        "once, and not as PML002/PML005/PML006.\n"
        "\n"
        "A leak is reported on the call that produced the buffer; a wrong\n"
        "release on the release call.\n"
        "\n"
        "Bad:\n"
        "    char *path = NULL;\n"
        "    if (!PyArg_ParseTuple(args, \"es:open\", \"utf-8\", &path))\n"
        "        return NULL;\n"
        "    fd = open(path, O_RDONLY);\n"
        "    return PyLong_FromLong(fd);\n"
        "\n"
        "Fixed:\n"
        "    fd = open(path, O_RDONLY);\n"
        "    PyMem_Free(path);\n"
        "    return PyLong_FromLong(fd);\n",
    .check = check,
};
