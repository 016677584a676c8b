/*
 * tests/fuzz/fuzz-analyze.c - a libFuzzer target over the whole analysis
 * of an in-memory source: the input, after a prelude that declares the
 * CPython memory API (no Python.h: a parse must take milliseconds), is
 * parsed by libclang from an unsaved file, lowered, summarized and run
 * through every rule, with the findings formatted as text, JSON and SARIF.
 * Built with -DPL_FUZZ=ON (see README, "Fuzzing"); a crash, a sanitizer
 * report or a leak in our code is a finding of the fuzzer.
 */
#include "../../analyzer/driver.h"
#include "../../analyzer/findings.h"
#include "../../analyzer/frontend.h"
#include "../../analyzer/output.h"
#include "../../analyzer/util.h"
#include "../../rules/rule.h"

#include <clang-c/Index.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char prelude[] =
    "typedef __SIZE_TYPE__ size_t;\n"
    "typedef long Py_ssize_t;\n"
    "typedef struct _object { Py_ssize_t ob_refcnt; } PyObject;\n"
    "void *PyMem_Malloc(size_t); void *PyMem_Calloc(size_t, size_t);\n"
    "void *PyMem_Realloc(void *, size_t); void PyMem_Free(void *);\n"
    "void *PyMem_RawMalloc(size_t); void *PyMem_RawRealloc(void *, size_t);\n"
    "void PyMem_RawFree(void *); void *PyObject_Malloc(size_t);\n"
    "void PyObject_Free(void *); void *malloc(size_t); void free(void *);\n"
    "void *realloc(void *, size_t); PyObject *PyErr_NoMemory(void);\n"
    "void *memset(void *, int, size_t); size_t strlen(const char *);\n"
    "int PyArg_ParseTuple(PyObject *, const char *, ...);\n"
    "#define NULL ((void *)0)\n"
    "#define Py_BEGIN_ALLOW_THREADS { void *_save = PyEval_SaveThread();\n"
    "#define Py_END_ALLOW_THREADS PyEval_RestoreThread(_save); }\n"
    "void *PyEval_SaveThread(void); void PyEval_RestoreThread(void *);\n"
    "#line 1 \"fuzz.c\"\n";

static CXIndex fuzz_index;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("LIBCLANG_NOTHREADS", "1", 1); /* parse on this thread */
    fuzz_index = clang_createIndex(1, 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0; /* big inputs only slow the search */
    char *text = pl_xmalloc(sizeof prelude + size);
    memcpy(text, prelude, sizeof prelude - 1);
    memcpy(text + sizeof prelude - 1, data, size);
    text[sizeof prelude - 1 + size] = '\0';
    static const char *const args[] = {"-xc", "-std=gnu11", "-ferror-limit=0"};
    struct pl_unit unit;
    if (pl_unit_parse_text(&unit, fuzz_index, "fuzz.c", text, args, 3) == 0) {
        /* the driver's own analysis of a lowered file */
        struct pl_job job;
        memset(&job, 0, sizeof job);
        job.path = "fuzz.c";
        size_t nrules;
        const struct pl_rule *const *rules = pl_rules(&nrules);
        pl_driver_analyze_unit(&job, &unit, rules, nrules);
        pl_findings_sort(&job.findings);
        pl_findings_unique(&job.findings);
        FILE *out = fopen("/dev/null", "w");
        if (out) {
            pl_findings_print(&job.findings, out, true);
            struct pl_run_info run = {"fuzz", NULL, 0, true};
            pl_output_write(out, PL_FORMAT_JSON, &job.findings, &run);
            pl_output_write(out, PL_FORMAT_SARIF, &job.findings, &run);
            fclose(out);
        }
        pl_job_release(&job);
    }
    pl_unit_release(&unit);
    free(text);
    return 0;
}
