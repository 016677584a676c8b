/*
 * tests/bench/parse-floor.c - the floor for pymem-lint's speed: parse
 * every file with exactly the flags pymem-lint would use and dispose of
 * it, with no analysis. Usage: parse-floor [-p DIR] [--python EXE]
 * [--extra-arg=ARG] PATH...  Prints the number of files and errors.
 */
#include "../../analyzer/flags.h"
#include "../../analyzer/sources.h"
#include "../../analyzer/util.h"

#include <clang-c/Index.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *db_dir = NULL, *python = NULL;
    struct pl_argv extra, paths, excludes, files;
    pl_argv_init(&extra);
    pl_argv_init(&paths);
    pl_argv_init(&excludes);
    pl_argv_init(&files);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
            db_dir = argv[++i];
        else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc)
            python = argv[++i];
        else if (strncmp(argv[i], "--extra-arg=", 12) == 0)
            pl_argv_push(&extra, argv[i] + 12);
        else
            pl_argv_push(&paths, argv[i]);
    }
    int errors = pl_sources_collect(paths.argv, paths.argc, &excludes, &files);
    struct pl_flags *flags = pl_flags_new(db_dir, python, &extra);
    if (!flags)
        return 2;
    CXIndex index = clang_createIndex(0, 0);
    unsigned options = CXTranslationUnit_KeepGoing |
                       CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles;
    for (size_t i = 0; i < files.argc; i++) {
        struct pl_argv args;
        pl_argv_init(&args);
        char *abs = realpath(files.argv[i], NULL);
        if (abs && pl_flags_for(flags, files.argv[i], &args) == 0) {
            CXTranslationUnit tu = NULL;
            if (clang_parseTranslationUnit2(index, abs,
                                            (const char *const *)args.argv,
                                            (int)args.argc, NULL, 0, options,
                                            &tu) != CXError_Success)
                errors++;
            if (tu)
                clang_disposeTranslationUnit(tu);
        } else {
            errors++;
        }
        free(abs);
        pl_argv_release(&args);
    }
    clang_disposeIndex(index);
    pl_flags_free(flags);
    printf("parse-floor: %zu files parsed, %d errors\n", files.argc, errors);
    pl_argv_release(&extra);
    pl_argv_release(&paths);
    pl_argv_release(&excludes);
    pl_argv_release(&files);
    return errors ? 1 : 0;
}
