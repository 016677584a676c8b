/*
 * analyzer/main.c - the pymem-lint command: parse options, collect files
 * and their compile flags, run the analysis, print findings, and turn the
 * outcome into an exit status (the only file that exits).
 */
#include "baseline.h"
#include "config.h"
#include "driver.h"
#include "flags.h"
#include "interrupt.h"
#include "merge.h"
#include "output.h"
#include "sources.h"
#include "store.h"
#include "util.h"
#include "validate.h"
#include "watchdog.h"
#include "../rules/rule.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PL_VERSION
#define PL_VERSION "0.0.0"
#endif

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_TROUBLE = 2 };

struct options {
    const char *db_dir;
    const char *python;
    struct pl_argv extra;
    struct pl_argv excludes;
    const char *enable;
    const char *disable;
    const char *config;       /* --config FILE */
    bool no_config;
    bool report_unused;       /* --report-unused-suppressions */
    enum pl_format format;    /* --format */
    const char *output;       /* -o FILE, or NULL for stdout */
    unsigned shard, shards;   /* --shard K/N: 1-based K; N 0 = all */
    const char *db;           /* --db PATH */
    bool no_cache;            /* --no-cache */
    const char *baseline;     /* --baseline FILE */
    const char *baseline_write; /* --baseline-write FILE */
    unsigned jobs;
    bool color;
    bool stats;
    bool no_pch;              /* --no-pch */
    const char *pch_dir;      /* --pch-dir DIR, or PYMEM_LINT_PCH_DIR */
    /* 'pymem-lint validate' only: the runs, else NULL */
    struct pl_testrun_options *validate;
    const char *runtime;      /* --runtime DIR */
    const char *keep_runs;    /* --keep-runs DIR */
};

static void usage(FILE *out)
{
    fputs(
        "usage: pymem-lint [options] PATH...\n"
        "       pymem-lint stats [--db PATH]   the history of runs\n"
        "       pymem-lint merge [-o OUT] FILE.sarif...   combine shards\n"
        "       pymem-lint validate [options] [PATH...] -- COMMAND [ARGS...]\n"
        "                          confirm findings by running COMMAND (the\n"
        "                          tests) under the runtime hook\n"
        "\n"
        "Find misuse of CPython's memory API (PyMem_Malloc, PyMem_Free and\n"
        "their relatives) in C extension sources. A PATH is a C file or a\n"
        "directory searched recursively for .c files.\n"
        "\n"
        "options:\n"
        "  -p DIR             directory of compile_commands.json, or the file\n"
        "                     (default: found next to the sources, in their\n"
        "                     build/, or upward)\n"
        "  --python EXE       take Python.h from this interpreter when no compile\n"
        "                     database applies (default: python3)\n"
        "  --extra-arg=ARG    add a compiler argument (repeatable)\n"
        "  --exclude GLOB     skip paths matching GLOB (repeatable)\n"
        "  --enable LIST      run only these rules (ids or names, comma-separated)\n"
        "  --disable LIST     do not run these rules\n"
        "  --config FILE      use this configuration for every file (default: the\n"
        "                     nearest " PL_CONFIG_NAME " above each file)\n"
        "  --no-config        ignore configuration files\n"
        "  --report-unused-suppressions\n"
        "                     report suppression comments that match no finding\n"
        "  --list-rules       list the rules and exit\n"
        "  --explain RULE     explain a rule and exit\n"
        "  --format FMT       text (default), json, or sarif (SARIF 2.1.0)\n"
        "  -o FILE            write the findings to FILE (replaced atomically)\n"
        "  --shard K/N        analyze only the K-th of N stable parts of the files\n"
        "                     (combine the SARIF files with 'pymem-lint merge')\n"
        "  --db PATH          the store: results cache and run history (default:\n"
        "                     .pymem-lint/cache.db at the project root)\n"
        "  --no-pch           parse without a precompiled Python.h (also:\n"
        "                     PYMEM_LINT_NO_PCH=1)\n"
        "  --pch-dir DIR      keep precompiled Python.h files in DIR, with or\n"
        "                     without a store, built when the first file needs\n"
        "                     one (for many short runs; also: PYMEM_LINT_PCH_DIR;\n"
        "                     default: pch/ next to the store)\n"
        "  --no-cache         analyze every file, use and change no store (also:\n"
        "                     PYMEM_LINT_NO_CACHE=1 in the environment)\n"
        "  --file-timeout SECONDS\n"
        "                     give up a file after this long, report it and go\n"
        "                     on (default 50; 0: no limit; also:\n"
        "                     PYMEM_LINT_FILE_TIMEOUT)\n"
        "  --baseline FILE    report only findings that FILE does not list\n"
        "  --baseline-write FILE\n"
        "                     write the findings to FILE as the accepted baseline\n"
        "                     (and exit 0 unless the run failed)\n"
        "  -j N               analyze N files in parallel (default: CPU count)\n"
        "  --no-color         no colour in the output\n"
        "  --stats            print analysis statistics on stderr\n"
        "  --version          print the version and exit\n"
        "  -h, --help         print this help and exit\n"
        "\n"
        "\n"
        "validate options:\n"
        "  --timeout SEC      time limit of each run (default 600; 0: none)\n"
        "  --runtime DIR      where libpymemrt-hook.so and sitecustomize.py are\n"
        "                     (default: next to pymem-lint)\n"
        "  --no-preload       no LD_PRELOAD of the hook (no free() check)\n"
        "  --keep-runs DIR    keep each run's output and records in DIR\n"
        "  -j N               runs at once (default: CPU count)\n"
        "\n"
        "exit status: 0 no findings, 1 findings or files not analyzed, 2 nothing\n"
        "useful done (usage, database, output or baseline error)\n"
        "(validate: 1 when a finding is confirmed)\n",
        out);
}

static int list_rules(void)
{
    size_t n;
    const struct pl_rule *const *rules = pl_rules(&n);
    for (size_t i = 0; i < n; i++)
        printf("%s  %-20s %-8s %s\n", rules[i]->id, rules[i]->name,
               pl_severity_name(rules[i]->severity), rules[i]->summary);
    return EXIT_CLEAN;
}

static int explain(const char *what)
{
    const struct pl_rule *rule = pl_rule_find(what);
    if (!rule) {
        pl_error("unknown rule '%s' (see --list-rules)", what);
        return EXIT_TROUBLE;
    }
    fputs(rule->explanation, stdout);
    return EXIT_CLEAN;
}

/* Mark the rules named in comma-separated 'list' in 'on' with 'value'. */
static int mark_rules(const char *list, bool *on, bool value)
{
    size_t n;
    const struct pl_rule *const *rules = pl_rules(&n);
    char *copy = pl_xstrdup(list);
    int rc = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        const struct pl_rule *rule = pl_rule_find(tok);
        if (!rule) {
            rc = pl_error("unknown rule '%s' (see --list-rules)", tok);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (rules[i] == rule)
                on[i] = value;
    }
    free(copy);
    return rc;
}

/* Fill 'chosen' with the rules 'enable' and 'disable' (comma-separated
 * lists or NULL) leave on; returns -1 on an unknown name. */
static int choose_rules(const char *enable, const char *disable,
                        const struct pl_rule **chosen, size_t *nchosen)
{
    size_t n;
    const struct pl_rule *const *rules = pl_rules(&n);
    bool on[64];
    for (size_t i = 0; i < n; i++)
        on[i] = enable == NULL;
    if (enable && mark_rules(enable, on, true) < 0)
        return -1;
    if (disable && mark_rules(disable, on, false) < 0)
        return -1;
    *nchosen = 0;
    for (size_t i = 0; i < n; i++)
        if (on[i])
            chosen[(*nchosen)++] = rules[i];
    return 0;
}

static int parse_jobs(const char *text, unsigned *jobs)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < 1 || v > 256)
        return pl_error("invalid -j value '%s': expected 1 to 256", text);
    *jobs = (unsigned)v;
    return 0;
}

enum {
    OPT_PYTHON = 256, OPT_EXTRA, OPT_EXCLUDE, OPT_ENABLE, OPT_DISABLE,
    OPT_LIST, OPT_EXPLAIN, OPT_NOCOLOR, OPT_STATS, OPT_VERSION, OPT_CONFIG,
    OPT_NO_CONFIG, OPT_UNUSED, OPT_FORMAT, OPT_BASELINE, OPT_BASELINE_WRITE,
    OPT_DB, OPT_NO_CACHE, OPT_SHARD, OPT_TIMEOUT, OPT_RUNTIME, OPT_NO_PRELOAD,
    OPT_KEEP_RUNS, OPT_NO_PCH, OPT_FILE_TIMEOUT, OPT_PCH_DIR,
};

/* The value of a --OPTION in seconds, 0 (no limit) to a day; false after
   reporting. */
static bool parse_seconds(const char *option, const char *text, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < 0 || v > 86400) {
        pl_error("invalid --%s '%s': expected 0 (no limit) to 86400 seconds",
                 option, text);
        return false;
    }
    *out = v;
    return true;
}

/* Returns -1 to continue, or an exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"python", required_argument, NULL, OPT_PYTHON},
        {"extra-arg", required_argument, NULL, OPT_EXTRA},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"enable", required_argument, NULL, OPT_ENABLE},
        {"disable", required_argument, NULL, OPT_DISABLE},
        {"list-rules", no_argument, NULL, OPT_LIST},
        {"explain", required_argument, NULL, OPT_EXPLAIN},
        {"no-color", no_argument, NULL, OPT_NOCOLOR},
        {"stats", no_argument, NULL, OPT_STATS},
        {"version", no_argument, NULL, OPT_VERSION},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"no-config", no_argument, NULL, OPT_NO_CONFIG},
        {"report-unused-suppressions", no_argument, NULL, OPT_UNUSED},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"db", required_argument, NULL, OPT_DB},
        {"no-cache", no_argument, NULL, OPT_NO_CACHE},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"baseline-write", required_argument, NULL, OPT_BASELINE_WRITE},
        {"output", required_argument, NULL, 'o'},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"runtime", required_argument, NULL, OPT_RUNTIME},
        {"no-preload", no_argument, NULL, OPT_NO_PRELOAD},
        {"no-pch", no_argument, NULL, OPT_NO_PCH},
        {"pch-dir", required_argument, NULL, OPT_PCH_DIR},
        {"keep-runs", required_argument, NULL, OPT_KEEP_RUNS},
        {"file-timeout", required_argument, NULL, OPT_FILE_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "p:j:ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': o->db_dir = optarg; break;
        case 'o': o->output = optarg; break;
        case OPT_BASELINE: o->baseline = optarg; break;
        case OPT_DB: o->db = optarg; break;
        case OPT_NO_CACHE: o->no_cache = true; break;
        case OPT_SHARD: {
            char tail;
            if (sscanf(optarg, "%u/%u%c", &o->shard, &o->shards, &tail) != 2 ||
                o->shards < 1 || o->shard < 1 || o->shard > o->shards) {
                pl_error("invalid --shard '%s': expected K/N with 1 <= K <= N",
                         optarg);
                return EXIT_TROUBLE;
            }
            break;
        }
        case OPT_BASELINE_WRITE: o->baseline_write = optarg; break;
        case OPT_FORMAT:
            if (pl_format_parse(optarg, &o->format) < 0) {
                pl_error("unknown --format '%s': expected text, json or sarif",
                         optarg);
                return EXIT_TROUBLE;
            }
            break;
        case 'j':
            if (parse_jobs(optarg, &o->jobs) < 0)
                return EXIT_TROUBLE;
            break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        case OPT_PYTHON: o->python = optarg; break;
        case OPT_EXTRA: pl_argv_push(&o->extra, optarg); break;
        case OPT_EXCLUDE: pl_argv_push(&o->excludes, optarg); break;
        case OPT_ENABLE: o->enable = optarg; break;
        case OPT_DISABLE: o->disable = optarg; break;
        case OPT_LIST: return list_rules();
        case OPT_EXPLAIN: return explain(optarg);
        case OPT_NOCOLOR: o->color = false; break;
        case OPT_STATS: o->stats = true; break;
        case OPT_VERSION: printf("pymem-lint %s\n", PL_VERSION); return 0;
        case OPT_CONFIG: o->config = optarg; break;
        case OPT_NO_CONFIG: o->no_config = true; break;
        case OPT_UNUSED: o->report_unused = true; break;
        case OPT_NO_PCH: o->no_pch = true; break;
        case OPT_PCH_DIR:
            if (!*optarg) {
                pl_error("invalid --pch-dir '': expected a directory");
                return EXIT_TROUBLE;
            }
            o->pch_dir = optarg;
            break;
        case OPT_FILE_TIMEOUT: {
            long v;
            if (!parse_seconds("file-timeout", optarg, &v))
                return EXIT_TROUBLE;
            pl_driver_set_file_timeout((double)v);
            break;
        }
        case OPT_TIMEOUT:
        case OPT_RUNTIME:
        case OPT_NO_PRELOAD:
        case OPT_KEEP_RUNS:
            if (!o->validate) {
                pl_error("'--%s' goes with 'pymem-lint validate'",
                         c == OPT_TIMEOUT   ? "timeout"
                         : c == OPT_RUNTIME ? "runtime"
                         : c == OPT_NO_PRELOAD ? "no-preload"
                                               : "keep-runs");
                return EXIT_TROUBLE;
            }
            if (c == OPT_TIMEOUT) {
                long v;
                if (!parse_seconds("timeout", optarg, &v))
                    return EXIT_TROUBLE;
                o->validate->timeout = (unsigned)v;
            } else if (c == OPT_RUNTIME) {
                o->runtime = optarg;
            } else if (c == OPT_NO_PRELOAD) {
                o->validate->preload = false;
            } else {
                o->keep_runs = optarg;
            }
            break;
        default:
            if (optopt && optopt < 256)
                pl_error("invalid option '-%c' (try --help)", optopt);
            else
                pl_error("invalid option '%s' (try --help)",
                         argv[optind - 1]);
            return EXIT_TROUBLE;
        }
    }
    return -1;
}

static void print_stats(const struct pl_job *jobs, size_t njobs,
                        size_t findings)
{
    struct pl_dataflow_stats sum = {0};
    struct pl_phase_times times = {0};
    for (size_t i = 0; i < njobs; i++) {
        times.pch += jobs[i].times.pch;
        times.parse += jobs[i].times.parse;
        times.lower += jobs[i].times.lower;
        times.analysis += jobs[i].times.analysis;
        sum.functions += jobs[i].stats.functions;
        sum.states += jobs[i].stats.states;
        sum.states_cut += jobs[i].stats.states_cut;
        sum.functions_capped += jobs[i].stats.functions_capped;
        sum.functions_cut += jobs[i].stats.functions_cut;
        sum.allocations += jobs[i].stats.allocations;
    }
    fprintf(stderr,
            "pymem-lint: stats: %zu files, %zu functions, %zu allocation "
            "events, %zu states, %zu states cut in %zu functions, %zu "
            "functions cut at the step budget, %zu findings\n",
            njobs, sum.functions, sum.allocations, sum.states,
            sum.states_cut, sum.functions_capped, sum.functions_cut, findings);
    fprintf(stderr,
            "pymem-lint: stats: seconds summed over the workers: building "
            "the precompiled Python.h %.2f, parsing %.2f, lowering %.2f, "
            "analysis %.2f\n",
            times.pch, times.parse, times.lower, times.analysis);
}

/* Report per-file problems in file order; returns how many failed. */
static int report_file_problems(const struct pl_job *jobs, size_t njobs)
{
    int failed = 0;
    for (size_t i = 0; i < njobs; i++) {
        if (jobs[i].too_deep)
            pl_warning("'%s': %zu function%s nested too deep to analyze "
                       "(%s'%s)", jobs[i].path, jobs[i].too_deep,
                       jobs[i].too_deep == 1 ? " is" : "s are",
                       jobs[i].too_deep == 1 ? "" : "the first: ",
                       jobs[i].first_too_deep ? jobs[i].first_too_deep
                                              : "?' at line ?");
        if (jobs[i].status < 0)
            failed++;
        else if (jobs[i].nerrors)
            pl_warning("'%s' has %u compile error%s; %zu function%s not "
                       "analyzed (first error: %s)",
                       jobs[i].path, jobs[i].nerrors,
                       jobs[i].nerrors == 1 ? "" : "s", jobs[i].skipped,
                       jobs[i].skipped == 1 ? "" : "s",
                       jobs[i].first_error ? jobs[i].first_error : "?");
    }
    return failed;
}

/* The rules of each configuration met (the command line's enable and
 * disable lists win over a configuration's). */
struct rule_set {
    const struct pl_config *config;
    const struct pl_rule *rules[64];
    size_t nrules;
    bool valid;
};

/* Ownership: each set is heap-allocated (jobs point into it) and freed
 * by the caller, with the array. */
static const struct rule_set *rules_for(const struct options *o,
                                        const struct pl_config *cfg,
                                        struct rule_set ***sets,
                                        size_t *nsets, size_t *cap)
{
    for (size_t i = 0; i < *nsets; i++)
        if ((*sets)[i]->config == cfg)
            return (*sets)[i];
    struct rule_set *set = pl_xcalloc(1, sizeof *set);
    set->config = cfg;
    /* either list on the command line replaces both of the file's */
    bool own = cfg && !o->enable && !o->disable;
    const char *enable = own ? cfg->enable : o->enable;
    const char *disable = own ? cfg->disable : o->disable;
    set->valid = choose_rules(enable, disable, set->rules, &set->nrules) == 0;
    if (!set->valid && cfg && (enable != o->enable || disable != o->disable))
        pl_error("in configuration '%s': unknown rule (see above)",
                 cfg->path);
    PL_PUSH(*sets, *nsets, *cap, set);
    return set;
}

/* Write the findings where and as the options say; -1 after reporting. */
static int write_findings(const struct options *o,
                          const struct pl_findings *all, bool successful)
{
    size_t n;
    const struct pl_rule *const *rules = pl_rules(&n);
    struct pl_rule_info *infos = pl_xcalloc(n, sizeof *infos);
    for (size_t i = 0; i < n; i++)
        infos[i] = (struct pl_rule_info){
            rules[i]->id, rules[i]->name,
            pl_severity_name(rules[i]->severity), rules[i]->summary,
            rules[i]->explanation};
    struct pl_run_info run = {PL_VERSION, infos, n, successful};
    FILE *out = stdout;
    struct pl_atomic *file = NULL;
    if (o->output && !(file = pl_atomic_open(o->output, &out))) {
        free(infos);
        return -1;
    }
    int rc = 0;
    if (o->format == PL_FORMAT_TEXT)
        pl_findings_print(all, out, o->color && !file);
    else
        rc = pl_output_write(out, o->format, all, &run);
    if (file)
        rc = pl_atomic_commit(file, rc == 0) < 0 ? -1 : rc;
    else if (fflush(stdout) != 0)
        rc = pl_error("cannot write the findings: %s", strerror(errno));
    free(infos);
    return rc;
}

/* Suppression comments of the analyzed files that no finding used. */
static void report_unused(const struct pl_job *jobs, size_t njobs,
                          struct pl_findings *all)
{
    struct pl_lines used = {0};
    for (size_t i = 0; i < njobs; i++)
        for (size_t k = 0; k < jobs[i].used_suppressions.len; k++)
            pl_lines_add(&used, jobs[i].used_suppressions.items[k].file,
                         jobs[i].used_suppressions.items[k].line, NULL);
    for (size_t i = 0; i < njobs; i++)
        for (size_t k = 0; k < jobs[i].suppressions.len; k++) {
            const struct pl_line_ref *s = &jobs[i].suppressions.items[k];
            if (pl_lines_has(&used, s->file, s->line))
                continue;
            const char *mark = s->text ? strstr(s->text, "pymem-lint:") : NULL;
            unsigned col = mark ? (unsigned)(mark - s->text) + 1 : 1;
            pl_findings_add(all, "unused-suppression", s->file, s->line, col,
                            "this suppression comment matches no finding",
                            s->text, NULL, 0);
        }
    pl_lines_release(&used);
}

/* Run the tests for the findings of 'all', set and store their verdicts,
 * print a summary. -1 after reporting. */
static int validate_findings(struct options *o, struct pl_store *store,
                             struct pl_findings *all, bool *confirmed)
{
    struct pl_testrun_options *t = o->validate;
    char *runtime = pl_runtime_dir(o->runtime);
    if (!runtime)
        return -1;
    t->runtime_dir = runtime;
    t->jobs = o->jobs;
    char *work = NULL;
    if (o->keep_runs) {
        if (mkdir(o->keep_runs, 0755) != 0 && errno != EEXIST) {
            free(runtime);
            return pl_error("cannot create '%s': %s", o->keep_runs,
                            strerror(errno));
        }
        work = realpath(o->keep_runs, NULL);
    } else {
        work = pl_interrupt_temp_dir("validate");
    }
    if (!work) {
        free(runtime);
        return pl_error("cannot make a directory for the runs: %s",
                        strerror(errno));
    }
    t->work_dir = work;
    struct pl_strbuf cmd;
    pl_strbuf_init(&cmd);
    for (size_t i = 0; t->command[i]; i++)
        pl_strbuf_addf(&cmd, "%s%s", i ? " " : "", t->command[i]);
    struct pl_validate_summary s;
    int rc = pl_validate(all, t, store, pl_strbuf_str(&cmd), &s);
    if (rc == 0) {
        if (store)
            pl_store_put_verdicts(store, all, pl_strbuf_str(&cmd));
        else
            pl_warning("no store: the verdicts are shown but not kept "
                       "(give --db PATH)");
        fprintf(stderr,
                "pymem-lint: validate: %zu finding%s: %zu confirmed, %zu "
                "not reproduced, %zu not reached, %zu not exercisable "
                "(%zu run%s of '%s', %.1f s)\n",
                all->len, all->len == 1 ? "" : "s", s.confirmed,
                s.not_reproduced, s.not_reached, s.not_exercisable, s.runs,
                s.runs == 1 ? "" : "s", pl_strbuf_str(&cmd), s.seconds);
        *confirmed = s.confirmed > 0;
    }
    pl_strbuf_release(&cmd);
    if (!o->keep_runs) {
        pl_interrupt_forget(work);
        pl_remove_tree(work);
    }
    else
        fprintf(stderr, "pymem-lint: validate: the runs' output and records "
                "are in %s\n", work);
    free(work);
    free(runtime);
    return rc;
}

static int run(struct options *o, char **paths, size_t npaths)
{
    const struct pl_rule *chosen[64];
    size_t nchosen;
    if (choose_rules(o->enable, o->disable, chosen, &nchosen) < 0)
        return EXIT_TROUBLE;
    struct pl_argv files;
    pl_argv_init(&files);
    int errors = pl_sources_collect(paths, npaths, &o->excludes, &files);
    struct pl_flags *flags = pl_flags_new(o->db_dir, o->python, &o->extra);
    if (!flags) {
        pl_argv_release(&files);
        return EXIT_TROUBLE;
    }
    struct pl_configs *configs = pl_configs_new(o->config, o->no_config);
    struct rule_set **sets = NULL;
    size_t nsets = 0, sets_cap = 0;
    struct pl_job *jobs = pl_xcalloc(files.argc ? files.argc : 1,
                                     sizeof *jobs);
    const char **config_paths =
        pl_xcalloc(files.argc ? files.argc : 1, sizeof *config_paths);
    size_t njobs = 0;
    for (size_t i = 0; i < files.argc; i++) {
        struct pl_job *job = &jobs[njobs];
        job->path = files.argv[i];
        if (o->shards > 1 &&
            pl_hash_bytes(PL_HASH_SEED, job->path, strlen(job->path)) %
                    o->shards != o->shard - 1)
            continue; /* another shard's file */
        const struct pl_config *cfg = NULL;
        if (pl_config_for(configs, job->path, &cfg) < 0) {
            errors++; /* reported; its files are not analyzed */
            continue;
        }
        if (pl_config_excludes(cfg, job->path))
            continue;
        pl_argv_init(&job->args);
        pl_findings_init(&job->findings);
        if (pl_flags_for(flags, job->path, &job->args) < 0) {
            pl_argv_release(&job->args);
            errors++;
            continue;
        }
        if (cfg && cfg->extra_args.argc) {
            /* the configuration's arguments, then the command line's
               again so that they win */
            for (size_t k = 0; k < cfg->extra_args.argc; k++)
                pl_argv_push(&job->args, cfg->extra_args.argv[k]);
            for (size_t k = 0; k < o->extra.argc; k++)
                pl_argv_push(&job->args, o->extra.argv[k]);
        }
        const struct rule_set *set =
            rules_for(o, cfg, &sets, &nsets, &sets_cap);
        if (!set->valid) {
            pl_argv_release(&job->args);
            errors++;
            continue;
        }
        job->rules = set->rules;
        job->nrules = set->nrules;
        job->project = cfg ? &cfg->project : NULL;
        job->parse_path = realpath(job->path, NULL);
        config_paths[njobs] = cfg ? cfg->path : NULL;
        njobs++;
    }
    pl_flags_free(flags);
    /* the store: files whose results are current are not analyzed */
    struct pl_store *store = NULL;
    /* PYMEM_LINT_NO_CACHE turns the default store off (the tests set
       it); a --db named on the command line is still used */
    if (!o->no_cache && (o->db || !getenv("PYMEM_LINT_NO_CACHE"))) {
        char *path = o->db ? pl_xstrdup(o->db) : pl_store_default_path();
        store = pl_store_open(path);
        free(path);
    }
    /* a precompiled Python.h: in --pch-dir, next to the store, or for
       this run only */
    struct pl_pch_cache *pch = NULL;
    const char *pch_dir = o->pch_dir ? o->pch_dir
                                     : getenv("PYMEM_LINT_PCH_DIR");
    if (pch_dir && !*pch_dir) /* set but empty: as if unset */
        pch_dir = NULL;
    /* without a store a PCH lives for this run only: building one (about
       three plain parses) pays only when several files share it */
    bool pch_pays = pch_dir || store || njobs >= 4;
    if (!o->no_pch && !getenv("PYMEM_LINT_NO_PCH") && pch_pays) {
        char *dir = NULL;
        if (pch_dir) {
            dir = pl_xstrdup(pch_dir);
        } else if (store) {
            char *db = o->db ? pl_xstrdup(o->db) : pl_store_default_path();
            char *slash = strrchr(db, '/');
            dir = pl_xmalloc(strlen(db) + 8);
            if (slash)
                sprintf(dir, "%.*s/pch", (int)(slash - db), db);
            else
                strcpy(dir, "pch");
            free(db);
        }
        pch = pl_pch_cache_new(dir, pch_dir != NULL);
        free(dir);
    }
    for (size_t i = 0; i < njobs; i++)
        jobs[i].pch = pch;
    uint64_t *keys = pl_xcalloc(njobs ? njobs : 1, sizeof *keys);
    size_t cached = 0;
    for (size_t i = 0; store && i < njobs; i++) {
        keys[i] = pl_store_job_key(&jobs[i], PL_VERSION, config_paths[i]);
        jobs[i].cached = pl_store_lookup(store, &jobs[i], keys[i]);
        cached += jobs[i].cached;
    }
    /* a progress line only for a person at a terminal */
    bool progress = isatty(STDERR_FILENO) && !getenv("CI");
    /* files the second pass may analyze again stay lowered, up to 64 MiB:
       a second parse of them cost about a sixth of a cold run on CPython's
       Modules */
    pl_driver_run(jobs, njobs, chosen, nchosen, o->jobs, progress,
                  (size_t)64 << 20);
    struct pl_exports globals;
    pl_exports_init(&globals);
    size_t not_parsed = 0;
    size_t again = pl_driver_second_pass(jobs, njobs, chosen, nchosen,
                                         o->jobs, &globals, &not_parsed);
    cached = 0;
    for (size_t i = 0; i < njobs; i++)
        cached += jobs[i].cached;
    size_t pch_used, pch_built;
    pl_pch_counts(pch, &pch_used, &pch_built);
    if (pl_driver_abandoned())
        pl_pch_cache_leave(pch);
    else
        pl_pch_cache_free(pch);
    pl_store_save(store, jobs, njobs, keys);
    free(keys);
    free(config_paths);
    errors += report_file_problems(jobs, njobs);
    /* the files the run could say something about */
    size_t useful = 0;
    for (size_t i = 0; i < njobs; i++)
        useful += jobs[i].status == 0;
    /* from here on an error spoils the run's answer as a whole */
    int file_errors = errors;
    errors = 0;
    struct pl_findings all;
    pl_findings_init(&all);
    for (size_t i = 0; i < njobs; i++)
        pl_findings_take(&all, &jobs[i].findings);
    if (o->report_unused)
        report_unused(jobs, njobs, &all);
    pl_findings_sort(&all);
    pl_findings_unique(&all);
    pl_store_attach_verdicts(store, &all);
    bool confirmed = false;
    if (o->validate) {
        if (validate_findings(o, store, &all, &confirmed) < 0)
            errors++;
    }
    pl_store_record_run(store, &all, njobs, njobs - cached);
    pl_store_close(store);
    if (o->baseline_write) {
        /* accepting the findings: the baseline is the output */
        if (pl_baseline_write(o->baseline_write, &all, PL_VERSION) < 0)
            errors++;
        else
            fprintf(stderr, "pymem-lint: wrote %zu finding%s to baseline '%s'\n",
                    all.len, all.len == 1 ? "" : "s", o->baseline_write);
        pl_findings_release(&all);
    } else if (o->baseline) {
        size_t known = 0, gone = 0;
        if (pl_baseline_filter(o->baseline, &all, &known, &gone) < 0)
            errors++;
        else if (known || gone)
            fprintf(stderr,
                    "pymem-lint: baseline '%s': %zu known finding%s not "
                    "shown; %zu entr%s no longer found\n",
                    o->baseline, known, known == 1 ? "" : "s", gone,
                    gone == 1 ? "y is" : "ies are");
    }
    if (write_findings(o, &all, errors + file_errors == 0) < 0)
        errors++;
    if (o->stats) {
        print_stats(jobs, njobs, all.len);
        fprintf(stderr, "pymem-lint: stats: %zu of %zu files from the cache\n",
                cached, njobs);
        fprintf(stderr, "pymem-lint: stats: %zu parses with a precompiled "
                "Python.h, %zu built\n", pch_used, pch_built);
        fprintf(stderr, "pymem-lint: stats: %zu functions exported to other "
                "files; %zu files analyzed again with them, %zu of them "
                "not parsed again\n",
                globals.len, again, not_parsed);
    }
    /* 2 only when nothing useful could be done: the run's output or its
       baseline failed, or no file at all could be analyzed. Files that
       could not be (each named on stderr) make it 1, as findings do: the
       run is not clean */
    int status = errors || (file_errors && !useful) ? EXIT_TROUBLE
                 : all.len || file_errors          ? EXIT_FINDINGS
                                                   : EXIT_CLEAN;
    if (o->validate && !errors && !file_errors)
        status = confirmed ? EXIT_FINDINGS : EXIT_CLEAN;
    if (pl_driver_abandoned()) {
        /* a thread given up may still be inside libclang, with the jobs'
           arguments: nothing is freed, and no destructor of libclang's
           runs under it */
        fflush(stdout);
        fflush(stderr);
        _exit(status);
    }
    pl_findings_release(&all);
    for (size_t i = 0; i < njobs; i++)
        pl_job_release(&jobs[i]);
    pl_exports_release(&globals);
    free(jobs);
    for (size_t i = 0; i < nsets; i++)
        free(sets[i]);
    free(sets);
    pl_configs_free(configs);
    pl_argv_release(&files);
    return status;
}

/* 'pymem-lint stats [--db PATH]': the history of runs. */
static int stats_command(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strncmp(argv[i], "--db=", 5) == 0)
            db = argv[i] + 5;
        else {
            pl_error("usage: pymem-lint stats [--db PATH]");
            return EXIT_TROUBLE;
        }
    }
    char *path = db ? pl_xstrdup(db) : pl_store_default_path();
    if (access(path, F_OK) != 0) {
        pl_error("no store at '%s' (run pymem-lint first)", path);
        free(path);
        return EXIT_TROUBLE;
    }
    struct pl_store *store = pl_store_open(path);
    free(path);
    if (!store)
        return EXIT_TROUBLE;
    int rc = pl_store_print_history(store, stdout);
    pl_store_close(store);
    return rc < 0 ? EXIT_TROUBLE : EXIT_CLEAN;
}

/* 'pymem-lint merge [-o OUT] FILE.sarif...': combine shards. */
static int merge_command(int argc, char **argv)
{
    const char *output = NULL;
    const char **inputs = pl_xcalloc((size_t)argc, sizeof *inputs);
    size_t n = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            output = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) {
            pl_error("usage: pymem-lint merge [-o OUT.sarif] FILE.sarif...");
            free(inputs);
            return EXIT_TROUBLE;
        } else
            inputs[n++] = argv[i];
    }
    int rc = pl_merge_sarif(inputs, n, output);
    free(inputs);
    return rc < 0 ? EXIT_TROUBLE : EXIT_CLEAN;
}

/* 'pymem-lint validate [options] [PATH...] -- COMMAND [ARGS...]' */
static int validate_command(int argc, char **argv)
{
    int dashes = 0;
    for (int i = 2; i < argc && !dashes; i++)
        if (strcmp(argv[i], "--") == 0)
            dashes = i;
    if (!dashes || dashes == argc - 1) {
        pl_error("usage: pymem-lint validate [options] [PATH...] -- COMMAND "
                 "[ARGS...]");
        return EXIT_TROUBLE;
    }
    struct pl_testrun_options runs = {.command = argv + dashes + 1,
                                      .timeout = 600, .preload = true};
    struct options o = {.jobs = 0, .color = true, .validate = &runs};
    pl_argv_init(&o.extra);
    pl_argv_init(&o.excludes);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = ncpu > 0 ? (unsigned)ncpu : 1;
    /* argv[1] ("validate") stands for the program name */
    int left = dashes - 1;
    int status = parse_options(left, argv + 1, &o);
    if (status < 0) {
        char *here[] = {"."};
        char **paths = optind + 1 < dashes ? argv + 1 + optind : here;
        size_t npaths = optind + 1 < dashes ? (size_t)(left - optind) : 1;
        o.color = o.color && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        status = run(&o, paths, npaths);
    }
    pl_argv_release(&o.extra);
    pl_argv_release(&o.excludes);
    return status;
}

int main(int argc, char **argv)
{
    /* libclang parses on the calling thread, a worker with a large stack
       (driver.c), not on a thread of its own with 8 MiB */
    setenv("LIBCLANG_NOTHREADS", "1", 1);
    pl_interrupt_install();
    pl_watchdog_install();
    const char *limit = getenv("PYMEM_LINT_FILE_TIMEOUT");
    if (limit && *limit)
        pl_driver_set_file_timeout(atof(limit));
    if (argc > 1 && strcmp(argv[1], "validate") == 0)
        return validate_command(argc, argv);
    if (argc > 1 && strcmp(argv[1], "stats") == 0)
        return stats_command(argc, argv);
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return merge_command(argc, argv);
    struct options o = {.jobs = 0, .color = true};
    pl_argv_init(&o.extra);
    pl_argv_init(&o.excludes);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = ncpu > 0 ? (unsigned)ncpu : 1;
    int status = parse_options(argc, argv, &o);
    if (status < 0) {
        if (optind >= argc) {
            pl_error("no PATH given (try --help)");
            status = EXIT_TROUBLE;
        } else {
            o.color = o.color && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
            status = run(&o, argv + optind, (size_t)(argc - optind));
        }
    }
    pl_argv_release(&o.extra);
    pl_argv_release(&o.excludes);
    return status;
}
