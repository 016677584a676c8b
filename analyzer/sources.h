/*
 * analyzer/sources.h - turn the command line's PATHs into the list of C
 * files to analyze: files as given, directories walked recursively.
 */
#ifndef PL_SOURCES_H
#define PL_SOURCES_H

#include "flags.h"

/*
 * Append the files under each of 'paths' to 'out' (sorted within each
 * directory, each file once: a file reached again under another name, a
 * symlink or a hard link, is not added again). Hidden directories, build directories and
 * paths matching one of 'excludes' (fnmatch globs, tried on the whole path
 * and on the base name) are skipped.
 * Returns the number of errors reported (unreadable or missing paths).
 */
int pl_sources_collect(char *const *paths, size_t npaths,
                       const struct pl_argv *excludes, struct pl_argv *out);

#endif
