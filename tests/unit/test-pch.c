/*
 * tests/unit/test-pch.c - which files a precompiled Python.h can stand
 * in for: the text before '#include <Python.h>' must be comments,
 * #defines and #includes; the directives (without comments) are
 * what the PCH is built from and keyed by.
 */
#include "../../analyzer/pch.h"
#include "../../analyzer/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The directives of 'text''s prefix, or NULL when it does not fit. */
static char *prefix_of(const char *text)
{
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    size_t n = pl_pch_prefix(text, strlen(text), &sb, NULL);
    char *out = n ? pl_xstrdup(pl_strbuf_str(&sb)) : NULL;
    pl_strbuf_release(&sb);
    return out;
}

static void expect_prefix(const char *text, const char *want)
{
    char *got = prefix_of(text);
    if (want) {
        assert_non_null(got);
        assert_string_equal(got, want);
    } else {
        assert_null(got);
    }
    free(got);
}

static void test_fits(void **state)
{
    (void)state;
    expect_prefix("#include <Python.h>\nint x;\n", "#include <Python.h>\n");
    expect_prefix("#include \"Python.h\"\n", "#include \"Python.h\"\n");
    /* a project header first: its directory is looked in by the PCH */
    expect_prefix("#include \"local.h\"\n#include <Python.h>\n",
                  "#include \"local.h\"\n#include <Python.h>\n");
    expect_prefix("/* mod.c: a module\n * over lines */\n"
                  "#define PY_SSIZE_T_CLEAN  // sizes are Py_ssize_t\n"
                  "#include <Python.h>\n#include \"local.h\"\n",
                  "#define PY_SSIZE_T_CLEAN  \n#include <Python.h>\n");
    expect_prefix("// one\n\n  #  include <stdio.h>\n#include <Python.h>\n",
                  "#include <stdio.h>\n#include <Python.h>\n");
    /* the same directives, other comments: the same PCH */
    char *a = prefix_of("/* a */\n#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n");
    char *b = prefix_of("// b\n#define PY_SSIZE_T_CLEAN\n\n#include <Python.h>\n");
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* nor does the indentation of a directive */
    a = prefix_of("#  define A 1\n#include <Python.h>\n");
    b = prefix_of("#define A 1\n# include <Python.h>\n");
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_other_headers(void **state)
{
    (void)state;
    /* leading includes without Python.h: a project header may include it */
    expect_prefix("#include <stdio.h>\nint main(void) { return 0; }\n",
                  "#include <stdio.h>\n");
    /* a conditional that is never closed is left out */
    expect_prefix("#include \"mod.h\"\n#ifdef X\n#include <Python.h>\nint x;\n",
                  "#include \"mod.h\"\n");
    expect_prefix("#include \"mod.h\"\n#ifdef X\n#pragma once\n#endif\n",
                  "#include \"mod.h\"\n");
    /* only #defines: nothing worth precompiling */
    expect_prefix("#define A 1\nint a = A;\n", NULL);
}

static void test_conditionals(void **state)
{
    (void)state;
    /* CPython's modules: a balanced conditional before Python.h */
    expect_prefix("#ifndef Py_BUILD_CORE_BUILTIN\n"
                  "#  define Py_BUILD_CORE_MODULE 1\n#endif\n\n"
                  "#include \"Python.h\"\n#include \"local.h\"\n",
                  "#ifndef Py_BUILD_CORE_BUILTIN\n"
                  "#define Py_BUILD_CORE_MODULE 1\n#endif\n"
                  "#include \"Python.h\"\n");
    /* Python.h inside one: the prefix ends at its #endif */
    expect_prefix("#if defined(A)\n#include <Python.h>\n#elif B\n"
                  "#undef C\n#else\n#include <Python.h>\n#endif\n#include <x.h>\n",
                  "#if defined(A)\n#include <Python.h>\n#elif B\n"
                  "#undef C\n#else\n#include <Python.h>\n#endif\n");
    /* nested; code inside one ends the prefix before it */
    expect_prefix("#include <a.h>\n#ifdef X\n#ifdef Y\n#define Z\n#endif\n"
                  "#endif\n#include <b.h>\n#ifdef Q\nint q;\n#endif\n",
                  "#include <a.h>\n#ifdef X\n#ifdef Y\n#define Z\n#endif\n"
                  "#endif\n#include <b.h>\n");
    /* an included .c file is lowered, so never in a PCH */
    expect_prefix("#include <Python.h>\n", "#include <Python.h>\n");
    expect_prefix("#include \"a.h\"\n#include \"impl.c\"\n#include <Python.h>\n",
                  "#include \"a.h\"\n");
    /* a block comment that ends the line is left out */
    expect_prefix("#ifndef X /* why */\n#include <Python.h> /* API */  \n"
                  "#endif /* X */\n",
                  "#ifndef X \n#include <Python.h> \n#endif \n");
    /* words that only start like a directive */
    expect_prefix("#include <a.h>\n#iffy\n", "#include <a.h>\n");
    /* what an unclosed conditional blanked is put back */
    const char *text = "#include <a.h>\n#ifdef X\n#define Y\nint y;\n#endif\n";
    char *blanked = pl_xstrdup(text);
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    size_t n = pl_pch_prefix(text, strlen(text), &sb, blanked);
    assert_int_equal(n, strlen("#include <a.h>\n"));
    assert_string_equal(blanked, "              \n#ifdef X\n#define Y\n"
                                 "int y;\n#endif\n");
    assert_string_equal(pl_strbuf_str(&sb), "#include <a.h>\n");
    pl_strbuf_release(&sb);
    free(blanked);
}

static void test_blanked(void **state)
{
    (void)state;
    const char *text = "/* top */\n#define PY_SSIZE_T_CLEAN // why\n"
                       "#include <Python.h>\nint x;\n";
    char *blanked = pl_xstrdup(text);
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    size_t n = pl_pch_prefix(text, strlen(text), &sb, blanked);
    assert_int_equal(n, strlen("/* top */\n#define PY_SSIZE_T_CLEAN // why\n"
                               "#include <Python.h>\n"));
    /* the directives are spaces; comments, newlines and code stay */
    assert_string_equal(blanked, "/* top */\n                         // why\n"
                                 "                   \nint x;\n");
    pl_strbuf_release(&sb);
    free(blanked);
}

static void test_does_not_fit(void **state)
{
    (void)state;
    expect_prefix("", NULL);
    expect_prefix("int x;\n#include <Python.h>\n", NULL);
    expect_prefix("#endif\n#include <Python.h>\n", NULL);
    expect_prefix("#ifndef X\n#define Y 1\n#endif\nint x;\n", NULL);
    expect_prefix("#define LONG \\\n  1\n#include <Python.h>\n", NULL);
    expect_prefix("/* never closed\n#include <Python.h>\n", NULL);
    expect_prefix("#include <Python.h /* odd */\n", NULL);
    expect_prefix("#define A /* c */ 1\n#include <Python.h>\n", NULL);
    expect_prefix("#define A \"/* c */\"\n#include <Python.h>\n", NULL);
    expect_prefix("#define A 1 /* over\n lines */\n#include <Python.h>\n", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_does_not_fit),
        cmocka_unit_test(test_other_headers),
        cmocka_unit_test(test_conditionals),
        cmocka_unit_test(test_blanked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
