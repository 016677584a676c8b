/*
 * analyzer/config.h - the project configuration file, .pymem-lint.json,
 * found upward from each analyzed file like .clang-tidy: rules to enable
 * or disable, paths to exclude, extra compiler arguments, and the
 * project's own allocators, ownership-taking and noreturn functions.
 */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#include "api.h"
#include "flags.h"
#include "util.h"

#include <stdbool.h>

#define PL_CONFIG_NAME ".pymem-lint.json"

struct pl_config {
    char *path;                 /* the file */
    char *dir;                  /* its directory (absolute) */
    char *enable, *disable;     /* comma-separated rule lists, or NULL */
    struct pl_argv excludes;    /* fnmatch() patterns, relative to dir */
    struct pl_argv extra_args;  /* compiler arguments */
    struct pl_project project;  /* allocators and other functions */
};

/* Every configuration file met in a run, loaded once each. */
struct pl_configs;

/* An empty set; 'explicit_path' (or NULL) is used for every file instead
 * of searching (--config); 'disabled' turns the search off. */
struct pl_configs *pl_configs_new(const char *explicit_path, bool disabled);
void pl_configs_free(struct pl_configs *configs);

/*
 * The configuration that applies to 'file' (NULL when none), loading it
 * when first met. Returns -1 after reporting (file name and reason) when
 * the file that applies is unreadable or invalid; every file it applies
 * to is then skipped.
 */
int pl_config_for(struct pl_configs *configs, const char *file,
                  const struct pl_config **config);

/* Does 'file' match one of the configuration's exclude patterns? */
bool pl_config_excludes(const struct pl_config *config, const char *file);

#endif
