/*
 * tests/unit/test-argparse.c - reading PyArg_ParseTuple format strings:
 * which variadic argument receives a new buffer (es, et), a lent one
 * (s, z, y), a Py_buffer, or something else; and the API table's
 * knowledge of buffers, exceptions and the GIL.
 */
#include "../../analyzer/api.h"
#include "../../analyzer/argparse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_es_outputs(void **state)
{
    (void)state;
    enum pl_fmt_out out[8];
    /* encoding, buffer */
    assert_int_equal(pl_argparse_outputs("\"es:open\"", out, 8), 2);
    assert_int_equal(out[0], PL_OUT_OTHER);
    assert_int_equal(out[1], PL_OUT_BUFFER);
    /* object, encoding, buffer, length, int */
    assert_int_equal(pl_argparse_outputs("\"Oet#|i:f\"", out, 8), 5);
    assert_int_equal(out[0], PL_OUT_OTHER);
    assert_int_equal(out[2], PL_OUT_BUFFER);
    assert_int_equal(out[3], PL_OUT_OTHER);
    assert_int_equal(out[4], PL_OUT_OTHER);
}

static void test_lent_outputs(void **state)
{
    (void)state;
    enum pl_fmt_out out[8];
    assert_int_equal(pl_argparse_outputs("\"s#z|y*O!\"", out, 8), 6);
    assert_int_equal(out[0], PL_OUT_BORROWED);
    assert_int_equal(out[1], PL_OUT_OTHER); /* the length */
    assert_int_equal(out[2], PL_OUT_BORROWED);
    assert_int_equal(out[3], PL_OUT_VIEW);
    assert_int_equal(out[4], PL_OUT_OTHER); /* the type of O! */
    assert_int_equal(out[5], PL_OUT_OTHER);
}

static void test_joined_literals_and_ends(void **state)
{
    (void)state;
    enum pl_fmt_out out[8];
    /* adjacent literals are one format; ':' and ';' end the units */
    assert_int_equal(pl_argparse_outputs("\"(ii)\" \"|es\" \":name es\"", out, 8),
                     4);
    assert_int_equal(out[3], PL_OUT_BUFFER);
    assert_int_equal(pl_argparse_outputs("\"O&$p;message s\"", out, 8), 3);
}

static void test_unknown_units_refused(void **state)
{
    (void)state;
    enum pl_fmt_out out[8];
    assert_int_equal(pl_argparse_outputs("\"ex\"", out, 8), -1);
    assert_int_equal(pl_argparse_outputs("\"q\"", out, 8), -1);
    assert_int_equal(pl_argparse_outputs(NULL, out, 8), -1);
}

static void test_api_table_knowledge(void **state)
{
    (void)state;
    assert_true(pl_api_table_is_sorted());
    const struct pl_api *w = pl_api_lookup("PyUnicode_AsWideCharString");
    assert_non_null(w);
    assert_int_equal(w->role, PL_API_ALLOC);
    assert_int_equal(w->family, PL_FAM_MEM);
    assert_true(w->flags & PL_AF_API_BUFFER);
    const struct pl_api *d = pl_api_lookup("Py_DecodeLocale");
    assert_int_equal(d->family, PL_FAM_RAW);
    assert_int_equal(pl_api_lookup("PyUnicode_AsUTF8")->role, PL_API_BORROWS);
    assert_true(pl_api_lookup("PyErr_SetString")->flags & PL_AF_SETS_EXC);
    assert_false(pl_api_lookup("PyMem_Malloc")->flags & PL_AF_SETS_EXC);
    assert_true(pl_api_lookup("PyEval_SaveThread")->flags & PL_AF_GIL_RELEASE);
    assert_true(pl_api_lookup("PyGILState_Ensure")->flags & PL_AF_GIL_ACQUIRE);
    assert_true(pl_api_keeps_pointer("PyCapsule_New"));
    assert_true(pl_api_is_noreturn("Py_FatalError"));
    assert_int_equal(pl_api_lookup("_PyArg_ParseTupleAndKeywords_SizeT")->arg, 2);
    /* every entry names where it comes from */
    unsigned n;
    const struct pl_api *table = pl_api_table(&n);
    for (unsigned i = 0; i < n; i++) {
        const char *doc = pl_api_doc(&table[i]);
        assert_non_null(doc);
        assert_true(strlen(doc) > 10);
    }
    assert_string_equal(pl_api_doc(pl_api_lookup("PyMem_Calloc")),
                        "https://docs.python.org/3/c-api/memory.html");
}

static void test_project_families(void **state)
{
    (void)state;
    enum pl_family a = pl_family_register("arena", "arena_free");
    assert_true(a >= PL_FAM_PROJECT);
    assert_int_equal(pl_family_register("arena", "other"), a);
    assert_string_equal(pl_family_name(a), "arena");
    assert_string_equal(pl_family_release_name(a), "arena_free");
    struct pl_api own[] = {
        {.name = "arena_alloc", .role = PL_API_ALLOC, .family = a, .arg = -1},
        {.name = "die", .role = PL_API_READS, .flags = PL_AF_NORETURN,
         .arg = -1},
    };
    struct pl_project project = {own, 2};
    assert_ptr_equal(pl_api_find(&project, "arena_alloc"), &own[0]);
    assert_ptr_equal(pl_api_find(&project, "PyMem_Free"),
                     pl_api_lookup("PyMem_Free"));
    assert_true(pl_project_is_noreturn(&project, "die"));
    assert_false(pl_project_is_noreturn(NULL, "die"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_es_outputs),
        cmocka_unit_test(test_lent_outputs),
        cmocka_unit_test(test_joined_literals_and_ends),
        cmocka_unit_test(test_unknown_units_refused),
        cmocka_unit_test(test_api_table_knowledge),
        cmocka_unit_test(test_project_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
