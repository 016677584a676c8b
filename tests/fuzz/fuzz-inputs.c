/*
 * tests/fuzz/fuzz-inputs.c - a libFuzzer target over the readers of the
 * files pymem-lint is handed besides C sources, all of them untrusted: the
 * first byte of the input picks the reader, the rest is the file's text.
 *   0  compile_commands.json: the check with jansson, libclang's loader, and
 *      the flags of a listed file and of an unlisted one
 *   1  .pymem-lint.json, the configuration, and its excludes
 *   2  a baseline, filtering two findings
 *   3  a SARIF file given to 'pymem-lint merge', with a good one
 * Built with -DPL_FUZZ=ON (see README, "Fuzzing"). Errors are reported on
 * stderr as in a run (libFuzzer's -close_fd_mask=2 hides them).
 */
#include "../../analyzer/baseline.h"
#include "../../analyzer/config.h"
#include "../../analyzer/findings.h"
#include "../../analyzer/flags.h"
#include "../../analyzer/merge.h"
#include "../../analyzer/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/pl-fuzz-inputs.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        exit(1);
    }
    return 0;
}

/* Write the input's text to DIR/NAME; returns the path (static). */
static const char *put(const char *name, const uint8_t *data, size_t size)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    return path;
}

static void fuzz_compile_db(const uint8_t *data, size_t size)
{
    put("compile_commands.json", data, size);
    put("a.c", (const uint8_t *)"int a;\n", 7);
    struct pl_argv extra;
    pl_argv_init(&extra);
    /* "false" as the Python: an unlisted file fails fast, without one */
    struct pl_flags *flags = pl_flags_new(dir, "false", &extra);
    if (flags) {
        char path[4200];
        const char *names[] = {"a.c", "unlisted.c"};
        for (size_t i = 0; i < 2; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            struct pl_argv args;
            pl_argv_init(&args);
            pl_flags_for(flags, path, &args);
            pl_argv_release(&args);
        }
        pl_flags_free(flags);
    }
    pl_argv_release(&extra);
}

static void fuzz_config(const uint8_t *data, size_t size)
{
    const char *path = put(".pymem-lint.json", data, size);
    struct pl_configs *configs = pl_configs_new(path, false);
    const struct pl_config *cfg = NULL;
    char file[4200];
    snprintf(file, sizeof file, "%s/src/mod.c", dir);
    if (pl_config_for(configs, file, &cfg) == 0 && cfg)
        pl_config_excludes(cfg, file);
    pl_configs_free(configs);
}

static void fuzz_baseline(const uint8_t *data, size_t size)
{
    const char *path = put("baseline.json", data, size);
    struct pl_findings f;
    pl_findings_init(&f);
    pl_findings_add(&f, "PML002", "src/a.c", 6, 5, "released by the wrong "
                    "family", "    PyObject_Free(p);", NULL, 0);
    pl_findings_add(&f, "PML006", "src/b.c", 10, 15, "never released",
                    "    char *q = PyMem_Malloc(8);", NULL, 0);
    size_t known, gone;
    pl_baseline_filter(path, &f, &known, &gone);
    pl_findings_release(&f);
}

static void fuzz_merge(const uint8_t *data, size_t size)
{
    static const char good[] =
        "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":"
        "\"pymem-lint\",\"rules\":[]}},\"results\":[]}]}";
    char first[4200];
    snprintf(first, sizeof first, "%s", put("good.sarif",
                                            (const uint8_t *)good,
                                            sizeof good - 1));
    const char *inputs[] = {first, put("input.sarif", data, size)};
    char out[4200];
    snprintf(out, sizeof out, "%s/merged.sarif", dir);
    pl_merge_sarif(inputs, 2, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    switch (data[0] % 4) {
    case 0: fuzz_compile_db(data + 1, size - 1); break;
    case 1: fuzz_config(data + 1, size - 1); break;
    case 2: fuzz_baseline(data + 1, size - 1); break;
    default: fuzz_merge(data + 1, size - 1); break;
    }
    return 0;
}
