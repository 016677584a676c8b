/*
 * analyzer/frontend.c - parse one file with libclang, choose the functions
 * to analyze (those of the main file and of .c files it includes), keep
 * their source lines, and note where the compiler found errors.
 */
#include "facing.h"
#include "frontend.h"
#include "flags.h"
#include "watchdog.h"
#include "pch.h"
#include "lower.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void split_lines(struct pl_unit *unit, struct pl_source *src,
                        const char *text, size_t size);

/* Path of 'file' for users: relative to the working directory when it is
 * below it. */
static const char *shown_path(struct lowering *lw, CXFile file)
{
    /* the real path: an included file's name is relative to the
       compile command's directory, not to ours */
    CXString name = clang_File_tryGetRealPathName(file);
    const char *full = clang_getCString(name);
    if (!full || !*full) {
        clang_disposeString(name);
        name = clang_getFileName(file);
        full = clang_getCString(name);
    }
    char cwd[4096];
    const char *shown = full ? full : "?";
    if (full && getcwd(cwd, sizeof cwd)) {
        size_t n = strlen(cwd);
        if (strncmp(full, cwd, n) == 0 && full[n] == '/')
            shown = full + n + 1;
    }
    const char *copy = pl_arena_strdup(&lw->unit->arena, shown);
    clang_disposeString(name);
    return copy;
}

/* Index of 'file' among the unit's sources, adding it; -1 if it is not a
 * file whose functions we analyze (a header). */
static int source_index(struct lowering *lw, CXFile file, CXCursor c)
{
    struct pl_unit *unit = lw->unit;
    for (size_t i = 0; i < unit->nsources; i++)
        if (clang_File_isEqual(lw->files[i], file))
            return (int)i;
    for (size_t i = 0; i < lw->nignored; i++)
        if (clang_File_isEqual(lw->ignored[i], file))
            return -1;
    if (clang_Location_isInSystemHeader(clang_getCursorLocation(c)))
        return -1;
    CXString name = clang_getFileName(file);
    const char *t = clang_getCString(name);
    size_t n = t ? strlen(t) : 0;
    bool c_file = n > 2 && strcmp(t + n - 2, ".c") == 0;
    clang_disposeString(name);
    if (!c_file)
        return -1;
    /* an included .c file (a unity build) is analyzed when it mentions
       the Python API at all: a bundled C library (python-zstandard's
       zstd.c, 1,300 functions) cannot misuse it */
    size_t size = 0;
    const char *text = clang_getFileContents(lw->tu, file, &size);
    if (!text || !memmem(text, size, "Py", 2)) {
        PL_PUSH(lw->ignored, lw->nignored, lw->ignored_cap, file);
        return -1;
    }
    pl_grow((void **)&unit->sources, &lw->sources_cap, unit->nsources + 1,
            sizeof *unit->sources);
    pl_grow((void **)&lw->files, &lw->files_cap, unit->nsources + 1,
            sizeof *lw->files);
    struct pl_source *src = &unit->sources[unit->nsources];
    memset(src, 0, sizeof *src);
    src->path = shown_path(lw, file);
    if (text)
        split_lines(unit, src, text, size);
    lw->files[unit->nsources] = file;
    return (int)unit->nsources++;
}

/* Collect the functions an initializer names. */
static enum CXChildVisitResult visit_table_init(CXCursor c, CXCursor parent,
                                                CXClientData data)
{
    (void)parent;
    struct lowering *lw = data;
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
        CXCursor ref = clang_getCursorReferenced(c);
        if (clang_getCursorKind(ref) == CXCursor_FunctionDecl) {
            struct pl_unit *unit = lw->unit;
            const char *name =
                pl_take_string(lw, clang_getCursorSpelling(ref));
            PL_PUSH(unit->table_funcs, unit->ntable_funcs,
                    unit->table_funcs_cap, name);
        }
    }
    return CXChildVisit_Recurse;
}

/* A variable of a Python table type (PyMethodDef[], PyTypeObject,
 * PyType_Slot[], PyGetSetDef[], struct PyModuleDef, ...): the functions
 * its initializer names are called by Python. */
static void visit_table_var(struct lowering *lw, CXCursor c)
{
    CXString type = clang_getTypeSpelling(clang_getCursorType(c));
    const char *t = clang_getCString(type);
    while (t && (strncmp(t, "const ", 6) == 0 || strncmp(t, "struct ", 7) == 0 ||
                 strncmp(t, "static ", 7) == 0))
        t = strchr(t, ' ') + 1;
    bool table = t && strncmp(t, "Py", 2) == 0 && strncmp(t, "PyObject", 8) != 0;
    clang_disposeString(type);
    if (table)
        clang_visitChildren(c, visit_table_init, lw);
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent,
                                         CXClientData data)
{
    (void)parent;
    struct lowering *lw = data;
    if (clang_getCursorKind(c) == CXCursor_VarDecl) {
        visit_table_var(lw, c);
        return CXChildVisit_Continue;
    }
    if (clang_getCursorKind(c) != CXCursor_FunctionDecl ||
        !clang_isCursorDefinition(c))
        return CXChildVisit_Continue;
    CXFile file = NULL;
    clang_getExpansionLocation(clang_getCursorLocation(c), &file, NULL, NULL,
                               NULL);
    int source = file ? source_index(lw, file, c) : -1;
    if (source < 0)
        return CXChildVisit_Continue;
    lw->current_source = (unsigned)source;
    struct cursor_list kids;
    pl_children_of(c, &kids);
    for (size_t i = 0; i < kids.len; i++)
        if (clang_getCursorKind(kids.items[i]) == CXCursor_CompoundStmt) {
            pl_lower_function(lw, c, kids.items[i]);
            break;
        }
    free(kids.items);
    return CXChildVisit_Continue;
}

/* ---- translation units ---- */

char *pl_file_path(CXFile file)
{
    CXString name = clang_File_tryGetRealPathName(file);
    const char *path = clang_getCString(name);
    if (!path || !*path) {
        clang_disposeString(name);
        name = clang_getFileName(file);
        path = clang_getCString(name);
    }
    char *copy = path && *path ? pl_xstrdup(path) : NULL;
    clang_disposeString(name);
    return copy;
}

/* Every file of the translation unit, by real path (for the cache). */
static void collect_dep(CXFile file, CXSourceLocation *stack, unsigned depth,
                        CXClientData data)
{
    (void)stack;
    (void)depth;
    struct pl_unit *unit = data;
    char *path = pl_file_path(file);
    if (path)
        PL_PUSH(unit->deps, unit->ndeps, unit->deps_cap, path);
}

static void count_errors(struct lowering *lw)
{
    struct pl_unit *unit = lw->unit;
    unsigned n = clang_getNumDiagnostics(lw->tu);
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic d = clang_getDiagnostic(lw->tu, i);
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
            CXFile file = NULL;
            unsigned line = 0;
            clang_getExpansionLocation(clang_getDiagnosticLocation(d), &file,
                                       &line, NULL, NULL);
            size_t k = 0;
            while (k < unit->nsources &&
                   !(file && clang_File_isEqual(lw->files[k], file)))
                k++;
            if (k < unit->nsources) {
                struct pl_source *src = &unit->sources[k];
                PL_PUSH(src->error_lines, src->nerror_lines,
                        src->error_lines_cap, line);
            } else {
                unit->errors_elsewhere = true;
            }
            if (!unit->first_error)
                unit->first_error = pl_take_heap_string(clang_formatDiagnostic(
                    d, CXDiagnostic_DisplaySourceLocation |
                           CXDiagnostic_DisplayColumn));
            unit->nerrors++;
        }
        clang_disposeDiagnostic(d);
    }
}

static void split_lines(struct pl_unit *unit, struct pl_source *src,
                        const char *text, size_t size)
{
    size_t cap = 0;
    PL_PUSH(src->lines, src->nlines, cap, (char *)""); /* line 0 */
    size_t start = 0;
    /* lines end as clang counts them: "\n", "\r\n", or a "\r" alone */
    for (size_t i = 0; i <= size; i++) {
        bool lone_cr = i < size && text[i] == '\r' &&
                       (i + 1 == size || text[i + 1] != '\n');
        if (i == size || text[i] == '\n' || lone_cr) {
            if (i == size && start == size)
                break;
            size_t len = i - start;
            if (len && text[start + len - 1] == '\r')
                len--;
            char *line = pl_arena_strndup(&unit->arena, text + start, len);
            PL_PUSH(src->lines, src->nlines, cap, line);
            start = i + 1;
        }
    }
}

static const char *error_name(enum CXErrorCode code)
{
    switch (code) {
    case CXError_Crashed:
        return "libclang crashed while parsing";
    case CXError_InvalidArguments:
        return "invalid arguments to libclang";
    case CXError_ASTReadError:
        return "cannot read the AST";
    default:
        return "libclang failed to parse it";
    }
}

/* Whether libclang refused the PCH the parse was given (a header changed
 * since it was built, other flags): then the file is parsed without it. */
static bool pch_refused(CXTranslationUnit tu)
{
    bool refused = false;
    for (unsigned i = 0, n = clang_getNumDiagnostics(tu); i < n && !refused; i++) {
        CXDiagnostic d = clang_getDiagnostic(tu, i);
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
            CXString s = clang_getDiagnosticSpelling(d);
            const char *text = clang_getCString(s);
            refused = text && (strstr(text, "precompiled header") ||
                               strstr(text, "PCH file") ||
                               strstr(text, "AST file"));
            clang_disposeString(s);
        }
        clang_disposeDiagnostic(d);
    }
    return refused;
}

static int parse_common(struct pl_unit *unit, CXIndex index, const char *path,
                        const char *display_path, const char *const *args,
                        int nargs, struct CXUnsavedFile *unsaved,
                        bool with_pch)
{
    memset(unit, 0, sizeof *unit);
    pl_arena_init(&unit->arena);
    CXTranslationUnit tu = NULL;
    unsigned options = CXTranslationUnit_KeepGoing |
                       CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles;
    double started = pl_monotonic_seconds();
    pl_watchdog_libclang_enter();
    enum CXErrorCode code = clang_parseTranslationUnit2(
        index, path, args, nargs, unsaved, unsaved ? 1 : 0, options, &tu);
    pl_watchdog_libclang_leave();
    double parsed = pl_monotonic_seconds();
    unit->parse_seconds = parsed - started;
    if (with_pch && (code != CXError_Success || !tu || pch_refused(tu))) {
        if (tu)
            clang_disposeTranslationUnit(tu);
        pl_arena_release(&unit->arena);
        return -2; /* quietly: the caller parses without the PCH */
    }
    if (code != CXError_Success || !tu) {
        /* libclang does not say why: a file it cannot read is the usual */
        int fd = unsaved ? -1 : open(path, O_RDONLY | O_CLOEXEC);
        if (!unsaved && fd < 0)
            return pl_error("cannot analyze '%s': %s", display_path,
                            strerror(errno));
        if (fd >= 0)
            close(fd);
        if (code == CXError_ASTReadError || code == CXError_InvalidArguments) {
            /* no diagnostics come with it: show the arguments to look at */
            struct pl_strbuf shown;
            pl_strbuf_init(&shown);
            for (int i = 0; i < nargs && shown.len < 300; i++)
                if (strcmp(args[i], "-include-pch") != 0 &&
                    (i == 0 || strcmp(args[i - 1], "-include-pch") != 0))
                    pl_strbuf_addf(&shown, " %s", args[i]);
            pl_error("cannot analyze '%s': libclang refused its compile "
                     "arguments (a language other than C, a flag it does not "
                     "know?):%s%s", display_path, pl_strbuf_str(&shown),
                     shown.len >= 300 ? " ..." : "");
            pl_strbuf_release(&shown);
            return -1;
        }
        return pl_error("cannot analyze '%s': %s", display_path,
                        error_name(code));
    }
    struct lowering lw = {.unit = unit, .tu = tu};
    CXFile main_file = clang_getFile(tu, path);
    pl_grow((void **)&unit->sources, &lw.sources_cap, 1,
            sizeof *unit->sources);
    pl_grow((void **)&lw.files, &lw.files_cap, 1, sizeof *lw.files);
    memset(&unit->sources[0], 0, sizeof unit->sources[0]);
    unit->sources[0].path = pl_arena_strdup(&unit->arena, display_path);
    lw.files[0] = main_file;
    unit->nsources = 1;
    size_t size = 0;
    const char *text = main_file ? clang_getFileContents(tu, main_file, &size)
                                 : NULL;
    if (text)
        split_lines(unit, &unit->sources[0], text, size);
    clang_visitChildren(clang_getTranslationUnitCursor(tu), visit_top, &lw);
    clang_getInclusions(tu, collect_dep, unit);
    pl_unit_mark_python_facing(unit);
    count_errors(&lw);
    free(lw.files);
    free(lw.ignored);
    clang_disposeTranslationUnit(tu);
    unit->lower_seconds = pl_monotonic_seconds() - parsed;
    return 0;
}

int pl_unit_parse(struct pl_unit *unit, CXIndex index, const char *path,
                  const char *display_path, const char *const *args,
                  int nargs)
{
    return parse_common(unit, index, path, display_path, args, nargs, NULL,
                        false);
}

int pl_unit_parse_text(struct pl_unit *unit, CXIndex index, const char *name,
                       const char *text, const char *const *args, int nargs)
{
    struct CXUnsavedFile file = {name, text, (unsigned long)strlen(text)};
    return parse_common(unit, index, name, name, args, nargs, &file, false);
}

/* Headers the check follows, and how deep: enough for a project's own
   headers, bounded whatever they do. */
#define MAX_CHECKED_HEADERS 256
#define MAX_CHECKED_DEPTH 16

/* Scan the #include lines of 'path' (the main file, or a header it
   includes by "name" next to itself, 'depth' levels down). */
static int scan_includes(const char *path, const char *display_path,
                         int depth, struct pl_argv *seen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0; /* the parse will say why */
    char line[4096];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        const char *c = line;
        while (*c == ' ' || *c == '\t')
            c++;
        if (*c++ != '#')
            continue;
        while (*c == ' ' || *c == '\t')
            c++;
        if (strncmp(c, "include", 7) != 0)
            continue;
        c += 7;
        while (*c == ' ' || *c == '\t')
            c++;
        char close = *c == '"' ? '"' : *c == '<' ? '>' : 0;
        const char *end = close ? strchr(c + 1, close) : NULL;
        if (!end)
            continue;
        char name[4096], target[8300];
        snprintf(name, sizeof name, "%.*s", (int)(end - c - 1), c + 1);
        if (name[0] == '/') {
            snprintf(target, sizeof target, "%s", name);
        } else if (close == '"') {
            const char *slash = strrchr(path, '/');
            snprintf(target, sizeof target, "%.*s%s",
                     slash ? (int)(slash - path + 1) : 0, path, name);
        } else {
            continue;
        }
        struct stat st;
        if (stat(target, &st) != 0)
            continue;
        if (!S_ISREG(st.st_mode)) {
            if (depth == 0)
                rc = pl_error("cannot analyze '%s': it includes '%s', which "
                              "is not a regular file", display_path, name);
            else
                rc = pl_error("cannot analyze '%s': its header '%s' includes "
                              "'%s', which is not a regular file",
                              display_path, path, name);
            break;
        }
        /* a header of the project: what it includes is read too */
        bool known = false;
        for (size_t i = 0; i < seen->argc && !known; i++)
            known = strcmp(seen->argv[i], target) == 0;
        if (!known && depth < MAX_CHECKED_DEPTH &&
            seen->argc < MAX_CHECKED_HEADERS) {
            pl_argv_push(seen, target);
            rc = scan_includes(target, display_path, depth + 1, seen);
        }
    }
    fclose(f);
    return rc;
}

int pl_unit_check_includes(const char *path, const char *display_path)
{
    struct pl_argv seen;
    pl_argv_init(&seen);
    int rc = scan_includes(path, display_path, 0, &seen);
    pl_argv_release(&seen);
    return rc;
}

int pl_unit_parse_pch(struct pl_unit *unit, CXIndex index, const char *path,
                      const char *display_path, const char *const *args,
                      int nargs, const char *pch)
{
    /* the text with its prefix blanked: the PCH holds those directives,
       and a header without include guards must not be read twice */
    FILE *f = fopen(path, "rb");
    if (!f)
        return -2;
    struct pl_strbuf text;
    pl_strbuf_init(&text);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        pl_grow((void **)&text.text, &text.cap, text.len + n + 1, 1);
        memcpy(text.text + text.len, buf, n);
        text.len += n;
        text.text[text.len] = '\0';
    }
    bool read_ok = !ferror(f);
    fclose(f);
    struct pl_strbuf directives;
    pl_strbuf_init(&directives);
    size_t prefix = read_ok && text.len
                        ? pl_pch_prefix(text.text, text.len, &directives,
                                        text.text)
                        : 0;
    pl_strbuf_release(&directives);
    int rc = -2;
    if (prefix) {
        const char **all = pl_xcalloc((size_t)nargs + 2, sizeof *all);
        all[0] = "-include-pch";
        all[1] = pch;
        for (int i = 0; i < nargs; i++)
            all[i + 2] = args[i];
        struct CXUnsavedFile file = {path, text.text, (unsigned long)text.len};
        rc = parse_common(unit, index, path, display_path, all, nargs + 2,
                          &file, true);
        free(all);
    }
    pl_strbuf_release(&text);
    return rc;
}

void pl_unit_release(struct pl_unit *unit)
{
    for (size_t i = 0; i < unit->nsources; i++) {
        free(unit->sources[i].lines);
        free(unit->sources[i].error_lines);
    }
    free(unit->sources);
    pl_arena_release(&unit->arena);
    free(unit->funcs);
    free(unit->table_funcs);
    for (size_t i = 0; i < unit->ndeps; i++)
        free(unit->deps[i]);
    free(unit->deps);
    free(unit->first_error);
    memset(unit, 0, sizeof *unit);
}

static bool has_error_before(const struct pl_source *src, unsigned line)
{
    for (size_t i = 0; i < src->nerror_lines; i++)
        if (src->error_lines[i] <= line)
            return true;
    return false;
}

bool pl_unit_function_has_errors(const struct pl_unit *unit,
                                 const struct pl_function *fn)
{
    if (unit->errors_elsewhere || fn->source >= unit->nsources)
        return true;
    /* an error in the body, or earlier where it can cascade */
    if (has_error_before(&unit->sources[fn->source], fn->end_line))
        return true;
    return fn->source != 0 && unit->sources[0].nerror_lines > 0;
}

const char *pl_unit_line(const struct pl_unit *unit,
                         const struct pl_function *fn, unsigned line)
{
    if (!fn || fn->source >= unit->nsources)
        return NULL;
    const struct pl_source *src = &unit->sources[fn->source];
    return line < src->nlines ? src->lines[line] : NULL;
}

const struct pl_function *pl_unit_find(const struct pl_unit *unit,
                                       const char *name)
{
    for (size_t i = 0; i < unit->nfuncs; i++)
        if (strcmp(unit->funcs[i].name, name) == 0)
            return &unit->funcs[i];
    return NULL;
}
