/*
 * analyzer/argparse.h - what the variadic arguments of PyArg_ParseTuple
 * and its relatives receive, read from the literal format string: a
 * buffer the caller must release (es, et, es#, et#), a buffer an object
 * lends (s, z, y and their # forms), a Py_buffer (s*, y*, z*, w*), or
 * something else.
 */
#ifndef PL_ARGPARSE_H
#define PL_ARGPARSE_H

enum pl_fmt_out {
    PL_OUT_OTHER,    /* not a buffer: an int, an object, a length, ... */
    PL_OUT_BUFFER,   /* char **: a new PyMem buffer (es, et) */
    PL_OUT_BORROWED, /* const char **: a lent buffer (s, z, y) */
    PL_OUT_VIEW,     /* Py_buffer *: filled, to be PyBuffer_Release()d */
};

/*
 * Read format 'spelling' (a string literal as written, quotes included;
 * adjacent literals are joined) and write the role of each variadic
 * argument into out[0..max-1]. Returns the number of variadic arguments
 * the format takes, or -1 when it is not a format this reads (unknown
 * unit), in which case nothing should be assumed.
 */
int pl_argparse_outputs(const char *spelling, enum pl_fmt_out *out, int max);

#endif
