#!/usr/bin/env python3
"""
tests/verify.py - check pymem-lint's findings on a C file against the
expected-diagnostic comments in that file (the clang -verify dialect).

Usage:
  verify.py [--pymem-lint EXE] FILE...     verify each FILE, exit 1 on any mismatch
  verify.py --summary [--by-rule] [--pymem-lint EXE] DIR...
                                           verify every *.c under DIRs and print
                                           per-directory counts, precision and recall
                                           (--by-rule: also per rule)
  verify.py --self-test                    run the verifier's own tests

Comments understood in FILE (see STYLE.md, "Corpus tests"):
  // expected-warning {{text}}        a warning on this line whose message contains text
  // expected-warning@+N {{text}}     ... on the line N below (@-N: above, @N: line N)
  // expected-warning N {{text}}      exactly N such warnings ("N+": at least N)
  // expected-error ...               the same for diagnostics of severity "error"
  // expected-no-diagnostics          the file must produce no warning at all
  // known-to-fail: reason            a recorded bug: the file passes when the
                                      comparison fails and fails when it passes
  // RUN-ARGS: args...                extra arguments for pymem-lint (shell quoting;
                                      %s = FILE, %S = its directory, %% = %)

pymem-lint runs as `pymem-lint --no-color [RUN-ARGS] FILE`.  A crash, exit
status 2 (or anything but 0/1), a sanitizer report on stderr, or an exit status
that disagrees with the findings (1 with none, 0 with some) always fails, even
for a known-to-fail file: those are tool failures, not missed findings.

Only python3's standard library is used.
"""

import argparse
import concurrent.futures
import contextlib
import io
import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import tempfile
import unittest

DIAG_RE = re.compile(r'^(.+?):(\d+):(\d+): (warning|error): (.*)$')
ANSI_RE = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
SANITIZER_RE = re.compile(
    r'ERROR: (?:Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer'
    r'|^\S+:\d+:\d+: runtime error: '
    r'|Sanitizer:DEADLYSIGNAL', re.M)
# A directive word: expected-warning, expected-error, ... (typos included).
WORD_RE = re.compile(r'\bexpected-([A-Za-z-]+)')
# What follows "expected-warning": optional @line, optional count, {{text}}.
TAIL_RE = re.compile(r'(?:@([+-]?)(\d+))?(?:[ \t]+(\d+)(\+?))?[ \t]*\{\{(.*?)\}\}')
KNOWN_RE = re.compile(r'\bknown-to-fail:(.*)$')
RUNARGS_RE = re.compile(r'\bRUN-ARGS:(.*)$')

DEFAULT_TIMEOUT = 300


class DirectiveError(Exception):
    """A malformed expected-diagnostic comment (the test file is wrong)."""


# ---- reading the test file ----

def comment_lines(source):
    """Yield (line number, comment text) for each line holding comment text.

    A small C lexer: text inside string and character literals is not a
    comment, a block comment yields one entry per line it spans.
    """
    lineno, i, n = 1, 0, len(source)
    state = 'code'
    buf = []

    def flush():
        if buf:
            text = ''.join(buf)
            buf.clear()
            return text
        return None

    out = []
    while i < n:
        c = source[i]
        if c == '\n':
            text = flush()
            if text is not None:
                out.append((lineno, text))
            lineno += 1
            if state == 'line':
                state = 'code'
            elif state in ('str', 'chr'):
                state = 'code'          # unterminated literal: recover
            i += 1
            continue
        if state == 'code':
            if source.startswith('//', i):
                state = 'line'
                i += 2
                continue
            if source.startswith('/*', i):
                state = 'block'
                i += 2
                continue
            if c == '"':
                state = 'str'
            elif c == "'":
                state = 'chr'
            i += 1
        elif state in ('line', 'block'):
            if state == 'block' and source.startswith('*/', i):
                state = 'code'
                buf.append(' ')
                i += 2
                continue
            buf.append(c)
            i += 1
        else:                           # inside a string or char literal
            quote = '"' if state == 'str' else "'"
            if c == '\\':
                i += 2
                continue
            if c == quote:
                state = 'code'
            i += 1
    text = flush()
    if text is not None:
        out.append((lineno, text))
    return out


class Expectation:
    """One expected-warning/-error directive."""

    def __init__(self, line, kind, text, count=1, at_least=False,
                 directive_line=None):
        self.line = line
        self.kind = kind                # 'warning' or 'error'
        self.text = text
        self.count = count
        self.at_least = at_least
        self.directive_line = directive_line or line

    def __repr__(self):
        return 'Expectation(%d, %r, %r, %d%s)' % (
            self.line, self.kind, self.text, self.count,
            '+' if self.at_least else '')


class Spec:
    """Everything the comments of one test file ask for."""

    def __init__(self):
        self.expectations = []
        self.no_diagnostics = False
        self.known_to_fail = None       # the reason, or None
        self.run_args = []


def parse_directive(spec, lineno, kind, rest, nlines):
    m = TAIL_RE.match(rest)
    if not m:
        raise DirectiveError(
            'line %d: malformed expected-%s: expected '
            "'expected-%s[@[+-]N] [COUNT] {{text}}'" % (lineno, kind, kind))
    sign, num, count, plus, text = m.groups()
    line = lineno
    if num is not None:
        line = lineno + int(num) if sign == '+' else \
            lineno - int(num) if sign == '-' else int(num)
        if line < 1 or line > nlines:
            raise DirectiveError('line %d: expected-%s refers to line %d, '
                                 'outside the file' % (lineno, kind, line))
    cnt = 1 if count is None else int(count)
    if cnt == 0 and not plus:
        raise DirectiveError('line %d: expected-%s with a count of 0 '
                             '(use no directive, or "0+")' % (lineno, kind))
    if text.strip() == '':
        raise DirectiveError('line %d: expected-%s with empty {{}}'
                             % (lineno, kind))
    spec.expectations.append(Expectation(line, kind, text, cnt, bool(plus),
                                         lineno))
    return m.end()


def parse_spec(source, path='%s', dirpath='%S'):
    """Parse the expected-diagnostic comments of 'source' into a Spec.

    Raises DirectiveError on a malformed or contradictory comment.
    """
    spec = Spec()
    nlines = source.count('\n') + (0 if source.endswith('\n') else 1)
    seen_any = False
    for lineno, text in comment_lines(source):
        m = KNOWN_RE.search(text)
        if m:
            reason = m.group(1).strip()
            if not reason:
                raise DirectiveError('line %d: known-to-fail needs a reason: '
                                     "'// known-to-fail: reason'" % lineno)
            spec.known_to_fail = reason
        m = RUNARGS_RE.search(text)
        if m:
            spec.run_args += substitute(shlex.split(m.group(1)), path,
                                        dirpath)
            continue                    # arguments are not directives
        pos = 0
        while True:
            m = WORD_RE.search(text, pos)
            if not m:
                break
            word = m.group(1)
            pos = m.end()
            if word in ('warning', 'error'):
                pos += parse_directive(spec, lineno, word, text[pos:], nlines)
                seen_any = True
            elif word == 'no-diagnostics':
                spec.no_diagnostics = True
                seen_any = True
            elif word == 'note' or word.startswith('note'):
                raise DirectiveError('line %d: expected-note is not supported:'
                                     ' notes are not checked' % lineno)
            elif word.startswith(('warn', 'err', 'no-diag')):
                raise DirectiveError("line %d: unknown directive 'expected-%s'"
                                     % (lineno, word))
    if spec.no_diagnostics and spec.expectations:
        raise DirectiveError("'expected-no-diagnostics' together with "
                             'expected-warning/-error directives')
    if not seen_any:
        raise DirectiveError('no expected directives found: add '
                             "'// expected-warning {{...}}' or "
                             "'// expected-no-diagnostics'")
    return spec


def substitute(args, path, dirpath):
    out = []
    for a in args:
        a = re.sub(r'%(.)', lambda m: {'s': path, 'S': dirpath, '%': '%'}
                   .get(m.group(1), m.group(0)), a)
        out.append(a)
    return out


# ---- reading pymem-lint's output ----

class Diag:
    def __init__(self, path, line, col, kind, message):
        self.path, self.line, self.col = path, line, col
        self.kind, self.message = kind, message

    def __repr__(self):
        return 'Diag(%r, %d, %d, %r, %r)' % (self.path, self.line, self.col,
                                              self.kind, self.message)


def parse_output(stdout):
    """Return the warnings and errors in pymem-lint's text output (no notes)."""
    diags = []
    for raw in stdout.splitlines():
        line = ANSI_RE.sub('', raw)
        m = DIAG_RE.match(line)
        if m:
            diags.append(Diag(m.group(1), int(m.group(2)), int(m.group(3)),
                              m.group(4), m.group(5)))
    return diags


def same_file(reported, wanted, cwd):
    """True if path 'reported' (as pymem-lint printed it) names 'wanted'."""
    p = reported if os.path.isabs(reported) else os.path.join(cwd, reported)
    try:
        return os.path.samefile(p, wanted)
    except OSError:
        return os.path.normpath(os.path.realpath(p)) == \
            os.path.normpath(os.path.realpath(wanted))


# ---- comparing ----

class Comparison:
    def __init__(self):
        self.missing = []               # Expectation per unmatched slot
        self.unexpected = []            # Diag
        self.matched = 0
        self.expected = 0               # slots (extra "N+" matches included)
        self.found = 0

    @property
    def ok(self):
        return not self.missing and not self.unexpected


def compare(expectations, diags):
    """Match 'diags' (already restricted to the test file) to 'expectations'.

    Each expectation is 'count' slots; a slot takes one diagnostic on its
    line, of its severity, whose message contains its text.  The matching is a
    maximum bipartite matching per line, so overlapping texts ({{[PML005]}}
    and {{leak}}) cannot steal each other's diagnostic.
    """
    res = Comparison()
    res.found = len(diags)
    lines = sorted({e.line for e in expectations} | {d.line for d in diags})
    for line in lines:
        exps = [e for e in expectations if e.line == line]
        ds = [d for d in diags if d.line == line]
        slots = [e for e in exps for _ in range(e.count)]
        fits = [[j for j, d in enumerate(ds)
                 if d.kind == e.kind and e.text in d.message] for e in slots]
        owner = {}                      # diag index -> slot index

        def augment(i, seen):
            for j in fits[i]:
                if j in seen:
                    continue
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
            return False

        for i in range(len(slots)):
            if not augment(i, set()):
                res.missing.append(slots[i])
        res.matched += len(owner)
        res.expected += len(slots)
        for j, d in enumerate(ds):
            if j in owner:
                continue
            if any(e.at_least and d.kind == e.kind and e.text in d.message
                   for e in exps):
                res.matched += 1
                res.expected += 1
            else:
                res.unexpected.append(d)
    return res


# ---- running pymem-lint on one file ----

class Outcome:
    """The verdict on one test file."""

    def __init__(self, path):
        self.path = path
        self.passed = False
        self.status = ''                # PASS, FAIL, XFAIL, XPASS, ERROR
        self.comparison = None
        self.known_to_fail = None
        self.expectations = []


def signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return 'signal %d' % num


def run_tool(exe, args, timeout):
    """Run pymem-lint; return (returncode or None on timeout, stdout, stderr)."""
    env = dict(os.environ, NO_COLOR='1')
    try:
        p = subprocess.run([exe] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        def text(b):
            return (b or b'').decode('utf-8', 'replace')
        return None, text(e.stdout), text(e.stderr)
    return (p.returncode, p.stdout.decode('utf-8', 'replace'),
            p.stderr.decode('utf-8', 'replace'))


def tool_failure(rc, nfindings, stderr, timeout):
    """Return why this run of pymem-lint is a tool failure, or None."""
    if rc is None:
        return 'pymem-lint timed out after %d s' % timeout
    if rc < 0:
        return 'pymem-lint crashed (%s)' % signal_name(-rc)
    if SANITIZER_RE.search(stderr):
        return 'pymem-lint: sanitizer report on stderr (exit status %d)' % rc
    if rc == 2:
        return 'pymem-lint failed with exit status 2 (usage or tool error)'
    error = re.search(r'^pymem-lint: error: .*$', stderr, re.M)
    if error:  # a file not analyzed: 1 when others were (README)
        return 'pymem-lint reported an error: %s' % error.group(0)
    if rc not in (0, 1):
        return 'pymem-lint exited with unexpected status %d' % rc
    if rc == 1 and nfindings == 0:
        return 'pymem-lint exited with status 1 but reported no finding'
    if rc == 0 and nfindings > 0:
        return ('pymem-lint exited with status 0 but reported %d finding(s)'
                % nfindings)
    return None


def verify_file(path, exe, out=sys.stdout, timeout=DEFAULT_TIMEOUT,
                quiet=False):
    """Verify one test file; print mismatches to 'out'; return an Outcome."""
    outcome = Outcome(path)

    def say(msg):
        print(msg, file=out)

    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            source = f.read()
        spec = parse_spec(source, path, os.path.dirname(path) or '.')
    except (OSError, DirectiveError) as e:
        say('%s: error: %s' % (path, e))
        outcome.status = 'ERROR'
        return outcome
    outcome.known_to_fail = spec.known_to_fail
    outcome.expectations = spec.expectations
    args = ['--no-color'] + spec.run_args + [path]
    command = ' '.join(shlex.quote(a) for a in [exe] + args)
    try:
        rc, stdout, stderr = run_tool(exe, args, timeout)
    except OSError as e:
        say('%s: error: cannot run %s: %s' % (path, exe, e.strerror))
        outcome.status = 'ERROR'
        return outcome
    diags = parse_output(stdout)
    why = tool_failure(rc, len(diags), stderr, timeout)
    if why:
        say('%s: error: %s' % (path, why))
        say('command: %s' % command)
        if stderr.strip():
            say('--- stderr ---\n%s' % stderr.rstrip('\n'))
        if stdout.strip():
            say('--- stdout ---\n%s' % stdout.rstrip('\n'))
        outcome.status = 'ERROR'
        return outcome
    cwd = os.getcwd()
    mine = [d for d in diags if same_file(d.path, path, cwd)]
    res = compare(spec.expectations, mine)
    outcome.comparison = res
    for e in res.missing:
        say('%s:%d: missing %s {{%s}}' % (path, e.line, e.kind, e.text))
    for d in res.unexpected:
        say('%s:%d: unexpected %s: %s' % (path, d.line, d.kind, d.message))
    if spec.known_to_fail is None:
        outcome.passed = res.ok
        outcome.status = 'PASS' if res.ok else 'FAIL'
        if not res.ok:
            say('command: %s' % command)
            say('%s: FAIL: %d missing, %d unexpected' %
                (path, len(res.missing), len(res.unexpected)))
        elif not quiet:
            say('%s: ok (%d expected diagnostic(s) found)'
                % (path, res.matched))
    elif res.ok:
        outcome.status = 'XPASS'
        say('%s: XPASS: marked known-to-fail (%s) but every expectation '
            'was met: remove the known-to-fail line' % (path, spec.known_to_fail))
    else:
        outcome.passed = True
        outcome.status = 'XFAIL'
        say('%s: XFAIL: known to fail (%s): the %d mismatch(es) above are '
            'expected' % (path, spec.known_to_fail,
                          len(res.missing) + len(res.unexpected)))
    return outcome


# ---- --one-run ----

def outcomes_in_one_run(paths, exe, timeout=DEFAULT_TIMEOUT, jobs=None):
    """Verify 'paths' with one pymem-lint run per set of RUN-ARGS (for a
    slow pymem-lint, as under Valgrind). Returns ([(Outcome, text)] in the
    order of 'paths', the number of runs); 'text' says what went wrong."""
    results = {}
    groups = {}
    for path in paths:
        outcome = Outcome(path)
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                spec = parse_spec(f.read(), path, os.path.dirname(path) or '.')
        except (OSError, DirectiveError) as e:
            outcome.status = 'ERROR'
            results[path] = (outcome, '%s: error: %s\n' % (path, e))
            continue
        outcome.known_to_fail = spec.known_to_fail
        outcome.expectations = spec.expectations
        groups.setdefault(tuple(spec.run_args), []).append((outcome, spec))
    cwd = os.getcwd()
    for run_args, members in sorted(groups.items()):
        args = (['--no-color', '-j', str(jobs or os.cpu_count() or 1)] +
                list(run_args) + [o.path for o, _ in members])
        command = ' '.join(shlex.quote(a) for a in [exe] + args)
        try:
            rc, stdout, stderr = run_tool(exe, args, timeout)
        except OSError as e:
            rc, stdout, stderr = None, '', ''
            why = 'cannot run %s: %s' % (exe, e.strerror)
        else:
            diags = parse_output(stdout)
            why = tool_failure(rc, len(diags), stderr, timeout)
        if why:
            text = ('error: %s\ncommand: %s\n--- stderr ---\n%s\n'
                    % (why, command, stderr.rstrip('\n')))
            for k, (outcome, _) in enumerate(members):
                outcome.status = 'ERROR'
                # the run's output once, then only which run it was
                results[outcome.path] = (outcome, text if k == 0 else
                                         '%s: error: in the run above\n'
                                         % outcome.path)
            continue
        for outcome, spec in members:
            path = outcome.path
            res = compare(spec.expectations,
                          [d for d in diags if same_file(d.path, path, cwd)])
            outcome.comparison = res
            lines = []
            if spec.known_to_fail is None:
                outcome.passed = res.ok
                outcome.status = 'PASS' if res.ok else 'FAIL'
            elif res.ok:
                outcome.status = 'XPASS'
                lines.append('%s: XPASS: marked known-to-fail but every '
                             'expectation was met' % path)
            else:
                outcome.passed = True
                outcome.status = 'XFAIL'
            if outcome.status == 'FAIL':
                lines += ['%s:%d: missing %s {{%s}}' % (path, e.line, e.kind,
                                                         e.text)
                          for e in res.missing]
                lines += ['%s:%d: unexpected %s: %s' % (path, d.line, d.kind,
                                                         d.message)
                          for d in res.unexpected]
                lines.append('command: %s' % command)
            results[path] = (outcome, ''.join(l + '\n' for l in lines))
    return [results[p] for p in paths], len(groups)


def verify_in_one_run(paths, exe, out=sys.stdout, timeout=DEFAULT_TIMEOUT,
                      jobs=None):
    """Verify many files with one pymem-lint run per set of RUN-ARGS;
    print what went wrong; return the exit status."""
    results, runs = outcomes_in_one_run(paths, exe, timeout, jobs)
    status = 0
    for outcome, text in results:
        out.write(text)
        if outcome.status not in ('PASS', 'XFAIL'):
            status = 1
    checked = sum(o.comparison is not None for o, _ in results)
    print('verify.py: %d files in %d run(s): %s' % (
        checked, runs, 'ok' if status == 0 else 'FAILED'), file=out)
    return status


# ---- --summary ----

def find_c_files(root):
    if os.path.isfile(root):
        return [root]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith('.')
                             and d not in ('build', '_build', '__pycache__'))
        found += [os.path.join(dirpath, f) for f in sorted(filenames)
                  if f.endswith('.c')]
    return found


def ratio(num, den):
    return '%.3f' % (num / den) if den else '-'


RULE_RE = re.compile(r'\[([A-Za-z][A-Za-z0-9-]*)\]')


def rule_of(text):
    """The rule id in brackets in an expectation or a message, or '?'."""
    found = RULE_RE.findall(text)
    return found[-1] if found else '?'


def rule_table(results, out):
    """Print expected/found/matched per rule over 'results'."""
    rules = {}

    def row(rule):
        return rules.setdefault(rule, {'expected': 0, 'found': 0,
                                       'matched': 0})
    for outcome, _ in results:
        c = outcome.comparison
        for e in outcome.expectations:
            row(rule_of(e.text))['expected'] += e.count
        if c is None:
            continue
        missing = {}
        for e in c.missing:
            missing[rule_of(e.text)] = missing.get(rule_of(e.text), 0) + 1
        per_file = {}
        for e in outcome.expectations:
            per_file[rule_of(e.text)] = per_file.get(rule_of(e.text), 0) + e.count
        for rule, n in per_file.items():
            row(rule)['matched'] += n - missing.get(rule, 0)
            row(rule)['found'] += n - missing.get(rule, 0)
        for d in c.unexpected:
            row(rule_of(d.message))['found'] += 1
    print('%-20s %8s %6s %7s %9s %9s' % ('rule', 'expected', 'found',
                                          'matched', 'precision', 'recall'),
          file=out)
    for rule in sorted(rules):
        r = rules[rule]
        print('%-20s %8d %6d %7d %9s %9s' % (
            rule, r['expected'], r['found'], r['matched'],
            ratio(r['matched'], r['found']),
            ratio(r['matched'], r['expected'])), file=out)


def summary(dirs, exe, out=sys.stdout, jobs=None, timeout=DEFAULT_TIMEOUT,
            by_rule=False, one_run=False):
    """Verify every *.c under 'dirs' (with 'one_run', in one pymem-lint run
    per set of RUN-ARGS); print a table; return the exit status."""
    files = [f for d in dirs for f in find_c_files(d)]
    if not files:
        print('verify.py: no *.c files under %s' % ' '.join(dirs), file=out)
        return 1

    def one(path):
        buf = io.StringIO()
        return verify_file(path, exe, out=buf, timeout=timeout,
                           quiet=True), buf.getvalue()

    if one_run:
        results, _ = outcomes_in_one_run(files, exe, timeout, jobs)
    else:
        with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count()) as ex:
            results = list(ex.map(one, files))
    groups = {}
    cols = ('files', 'fail', 'xfail', 'error', 'expected', 'found', 'matched',
            'missing', 'unexpected')
    for outcome, text in results:
        if text and outcome.status not in ('PASS', 'XFAIL'):
            out.write(text)
        name = os.path.basename(os.path.dirname(os.path.abspath(
            outcome.path)))
        g = groups.setdefault(name, dict.fromkeys(cols, 0))
        g['files'] += 1
        g['fail'] += outcome.status in ('FAIL', 'XPASS')
        g['xfail'] += outcome.status == 'XFAIL'
        g['error'] += outcome.status == 'ERROR'
        c = outcome.comparison
        if c is None:
            continue
        g['expected'] += c.expected
        g['found'] += c.found
        g['matched'] += c.matched
        g['missing'] += len(c.missing)
        g['unexpected'] += len(c.unexpected)
    total = dict.fromkeys(cols, 0)
    for g in groups.values():
        for k in cols:
            total[k] += g[k]
    width = max([len(k) for k in groups] + [len('directory'), len('total')])
    head = '%-*s ' % (width, 'directory') + ' '.join(
        '%*s' % (len(c), c) for c in cols) + ' precision    recall'
    print(head, file=out)
    print('-' * len(head), file=out)
    for name in sorted(groups) + ['total']:
        g = total if name == 'total' else groups[name]
        if name == 'total':
            print('-' * len(head), file=out)
        print('%-*s ' % (width, name)
              + ' '.join('%*d' % (len(c), g[c]) for c in cols)
              + ' %9s %9s' % (ratio(g['matched'], g['found']),
                              ratio(g['matched'], g['expected'])),
              file=out)
    print('precision = matched / found, recall = matched / expected '
          '(files with a tool error count as finding nothing: %d)'
          % total['error'], file=out)
    if by_rule:
        print(file=out)
        rule_table(results, out)
    return 0 if total['fail'] == 0 and total['error'] == 0 else 1


# ---- --self-test ----

FAKE_TOOL = r'''
import json, os, signal, sys
spec = json.loads(os.environ['FAKE_SPEC'])
with open(os.environ['FAKE_ARGV'], 'w') as f:
    json.dump(sys.argv[1:], f)
path = sys.argv[-1]
sys.stdout.write(spec.get('stdout', '').replace('{file}', path))
sys.stderr.write(spec.get('stderr', ''))
sys.stdout.flush()
if spec.get('signal'):
    os.kill(os.getpid(), spec['signal'])
sys.exit(spec.get('rc', 0))
'''


class ParseTests(unittest.TestCase):
    def exp(self, source):
        return [(e.line, e.kind, e.text, e.count, e.at_least)
                for e in parse_spec(source).expectations]

    def test_same_line(self):
        self.assertEqual(self.exp('x;\np = f(); // expected-warning {{[PML001]}}\n'),
                         [(2, 'warning', '[PML001]', 1, False)])

    def test_relative_and_absolute_lines(self):
        src = ('// expected-warning@+2 {{a}}\n\nx;\n'
               'y; // expected-warning@-1 {{b}}\n'
               '// expected-error@1 {{c}}\n')
        self.assertEqual(self.exp(src), [(3, 'warning', 'a', 1, False),
                                         (3, 'warning', 'b', 1, False),
                                         (1, 'error', 'c', 1, False)])

    def test_counts(self):
        self.assertEqual(self.exp('a; // expected-warning 2 {{x}}\n'
                                  'b; // expected-warning@-1 0+ {{y}}\n'),
                         [(1, 'warning', 'x', 2, False),
                          (1, 'warning', 'y', 0, True)])

    def test_several_on_one_line_and_block_comment(self):
        src = ('a; /* expected-warning {{x}} */ // expected-warning {{y}}\n'
               '/*\n * expected-warning@+1 {{z}}\n */\nb;\n')
        self.assertEqual([e[:3] for e in self.exp(src)],
                         [(1, 'warning', 'x'), (1, 'warning', 'y'),
                          (4, 'warning', 'z')])

    def test_string_literal_is_not_a_comment(self):
        src = ('const char *s = "// expected-warning {{no}}";\n'
               "char c = '\"'; // expected-warning {{yes}}\n")
        self.assertEqual([e[2] for e in self.exp(src)], ['yes'])

    def test_no_diagnostics_known_to_fail_and_run_args(self):
        spec = parse_spec('// known-to-fail: wrappers not learned yet\n'
                          "// RUN-ARGS: --extra-arg=-DX -p '%S/a b' %%\n"
                          '// expected-no-diagnostics\n', 'd/t.c', 'd')
        self.assertTrue(spec.no_diagnostics)
        self.assertEqual(spec.known_to_fail, 'wrappers not learned yet')
        self.assertEqual(spec.run_args, ['--extra-arg=-DX', '-p', 'd/a b', '%'])

    def test_bad_directives(self):
        for bad in ('x; // expected-warning\n',
                    'x; // expected-warning [PML001]\n',
                    'x; // expected-warnings {{a}}\n',
                    'x; // expected-warning 0 {{a}}\n',
                    'x; // expected-warning {{}}\n',
                    'x; // expected-warning@+5 {{a}}\n',
                    'x; // expected-note {{a}}\n',
                    '// known-to-fail:\n// expected-no-diagnostics\n',
                    '// expected-no-diagnostics\nx; // expected-warning {{a}}\n',
                    'int x; // no-warning: fine\n'):
            with self.subTest(bad=bad):
                self.assertRaises(DirectiveError, parse_spec, bad)

    def test_output_parsing(self):
        out = ('\x1b[1ma.c:3:5: \x1b[35mwarning: \x1b[0mleak [PML006]\n'
               '    char *p = PyMem_Malloc(4);\n'
               '              ^\n'
               'a.c:2:1: note: allocated here by PyMem_Malloc\n'
               'b/c.h:7:9: error: double free [PML003]\n'
               'pymem-lint: 2 findings\n')
        self.assertEqual([(d.path, d.line, d.col, d.kind, d.message)
                          for d in parse_output(out)],
                         [('a.c', 3, 5, 'warning', 'leak [PML006]'),
                          ('b/c.h', 7, 9, 'error', 'double free [PML003]')])


class CompareTests(unittest.TestCase):
    @staticmethod
    def d(line, msg, kind='warning'):
        return Diag('f.c', line, 1, kind, msg)

    def test_match(self):
        r = compare([Expectation(3, 'warning', '[PML005]')],
                    [self.d(3, 'block leaks on error path [PML005]')])
        self.assertTrue(r.ok)
        self.assertEqual((r.expected, r.found, r.matched), (1, 1, 1))

    def test_missing_wrong_line_wrong_text_wrong_kind(self):
        for diags in ([], [self.d(4, 'x [PML005]')], [self.d(3, 'x [PML006]')],
                      [self.d(3, 'x [PML005]', 'error')]):
            with self.subTest(diags=diags):
                r = compare([Expectation(3, 'warning', '[PML005]')], diags)
                self.assertFalse(r.ok)
                self.assertEqual(len(r.missing), 1)
                self.assertEqual(len(r.unexpected), len(diags))

    def test_unexpected(self):
        r = compare([], [self.d(1, 'leak [PML006]')])
        self.assertFalse(r.ok)
        self.assertEqual([d.line for d in r.unexpected], [1])

    def test_counts(self):
        e = Expectation(2, 'warning', 'x', count=2)
        self.assertTrue(compare([e], [self.d(2, 'x'), self.d(2, 'x')]).ok)
        self.assertEqual(len(compare([e], [self.d(2, 'x')]).missing), 1)
        three = compare([e], [self.d(2, 'x')] * 3)
        self.assertEqual((len(three.missing), len(three.unexpected)), (0, 1))
        more = Expectation(2, 'warning', 'x', count=1, at_least=True)
        self.assertTrue(compare([more], [self.d(2, 'x')] * 3).ok)
        self.assertFalse(compare([more], []).ok)
        optional = Expectation(2, 'warning', 'x', count=0, at_least=True)
        self.assertTrue(compare([optional], []).ok)

    def test_overlapping_texts_use_a_full_matching(self):
        # Greedy in order would give 'leak' the [PML005] line and fail.
        exps = [Expectation(5, 'warning', 'leak'),
                Expectation(5, 'warning', '[PML005]')]
        diags = [self.d(5, 'leak on error path [PML005]'),
                 self.d(5, 'leak [PML006]')]
        self.assertTrue(compare(exps, diags).ok)


class RunTests(unittest.TestCase):
    """verify_file() against a fake pymem-lint whose output is scripted."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = self.tmp.name
        self.exe = os.path.join(d, 'fake-pymem-lint')
        with open(self.exe, 'w') as f:
            f.write('#!%s\n%s' % (sys.executable, FAKE_TOOL))
        os.chmod(self.exe, os.stat(self.exe).st_mode | stat.S_IXUSR)
        self.argv_file = os.path.join(d, 'argv.json')
        self.file = os.path.join(d, 'case.c')

    def tearDown(self):
        self.tmp.cleanup()

    def run_case(self, source, stdout='', rc=0, stderr='', sig=0):
        with open(self.file, 'w') as f:
            f.write(source)
        env = {'FAKE_SPEC': json.dumps({'stdout': stdout, 'rc': rc,
                                        'stderr': stderr, 'signal': sig}),
               'FAKE_ARGV': self.argv_file}
        buf = io.StringIO()
        with patched_env(env):
            outcome = verify_file(self.file, self.exe, out=buf, timeout=60)
        return outcome, buf.getvalue()

    BUG = 'int f(void)\n{\n    return *p; // expected-warning {{[PML001]}}\n}\n'
    HIT = '{file}:3:12: warning: unchecked [PML001]\n    return *p;\n           ^\n'

    def test_pass(self):
        o, text = self.run_case(self.BUG, self.HIT, rc=1)
        self.assertEqual(o.status, 'PASS', text)
        self.assertTrue(o.passed)

    def test_missing_and_unexpected_are_printed(self):
        o, text = self.run_case(self.BUG, '{file}:2:1: warning: leak [PML006]\n',
                                rc=1)
        self.assertFalse(o.passed)
        self.assertIn('%s:3: missing warning {{[PML001]}}' % self.file, text)
        self.assertIn('%s:2: unexpected warning: leak [PML006]' % self.file,
                      text)

    def test_other_files_are_ignored(self):
        o, _ = self.run_case(self.BUG, self.HIT + 'other.h:1:1: warning: x\n',
                             rc=1)
        self.assertTrue(o.passed)

    def test_relative_path_in_output(self):
        rel = os.path.relpath(self.file)
        o, text = self.run_case(self.BUG, self.HIT.replace('{file}', rel), rc=1)
        self.assertTrue(o.passed, text)

    def test_exit_status_must_agree_with_findings(self):
        o, text = self.run_case(self.BUG, self.HIT, rc=0)
        self.assertEqual(o.status, 'ERROR')
        self.assertIn('status 0 but reported 1', text)
        o, text = self.run_case('// expected-no-diagnostics\n', '', rc=1)
        self.assertEqual(o.status, 'ERROR')
        self.assertTrue(self.run_case('// expected-no-diagnostics\n')[0].passed)

    def test_tool_errors_fail_and_show_stderr(self):
        o, text = self.run_case(self.BUG, '', rc=2,
                                stderr="pymem-lint: error: cannot parse\n")
        self.assertEqual(o.status, 'ERROR')
        self.assertIn('cannot parse', text)
        o, text = self.run_case(self.BUG, self.HIT, rc=1,
                                stderr='==1==ERROR: LeakSanitizer: leaks\n')
        self.assertEqual(o.status, 'ERROR')
        self.assertIn('sanitizer', text)
        o, text = self.run_case(self.BUG, self.HIT, sig=signal.SIGSEGV)
        self.assertEqual(o.status, 'ERROR')
        self.assertIn('crashed (SIGSEGV)', text)

    def test_known_to_fail(self):
        src = '// known-to-fail: not modelled yet\n' + self.BUG
        hit = self.HIT.replace(':3:', ':4:')
        o, text = self.run_case(src, '', rc=0)
        self.assertEqual(o.status, 'XFAIL', text)
        self.assertTrue(o.passed)
        self.assertIn('not modelled yet', text)
        o, text = self.run_case(src, hit, rc=1)
        self.assertEqual(o.status, 'XPASS')
        self.assertFalse(o.passed)
        self.assertIn('remove the known-to-fail', text)
        o, _ = self.run_case(src, '', sig=signal.SIGABRT)
        self.assertFalse(o.passed)      # a crash is never an expected failure

    def test_run_args(self):
        self.run_case("// RUN-ARGS: --disable PML006 -p '%S'\n" + self.BUG,
                      self.HIT.replace(':3:', ':4:'), rc=1)
        with open(self.argv_file) as f:
            argv = json.load(f)
        self.assertEqual(argv, ['--no-color', '--disable', 'PML006', '-p',
                                os.path.dirname(self.file), self.file])

    def test_summary(self):
        with open(self.file, 'w') as f:
            f.write(self.BUG)
        env = {'FAKE_SPEC': json.dumps({'stdout': self.HIT, 'rc': 1}),
               'FAKE_ARGV': self.argv_file}
        buf = io.StringIO()
        with patched_env(env):
            rc = summary([self.tmp.name], self.exe, out=buf, jobs=1)
        text = buf.getvalue()
        self.assertEqual(rc, 0, text)
        row = [ln for ln in text.splitlines() if ln.startswith('total')][0]
        self.assertEqual(row.split(), ['total', '1', '0', '0', '0', '1', '1',
                                       '1', '0', '0', '1.000', '1.000'])

    def test_summary_in_one_run(self):
        # two files, one run: the fake reports only the last file's bug
        other = os.path.join(self.tmp.name, 'a.c')
        for path in (other, self.file):
            with open(path, 'w') as f:
                f.write(self.BUG)
        env = {'FAKE_SPEC': json.dumps({'stdout': self.HIT, 'rc': 1}),
               'FAKE_ARGV': self.argv_file}
        buf = io.StringIO()
        with patched_env(env):
            rc = summary([self.tmp.name], self.exe, out=buf, jobs=1,
                         one_run=True)
        text = buf.getvalue()
        self.assertEqual(rc, 1, text)
        with open(self.argv_file) as f:
            self.assertEqual(json.load(f), ['--no-color', '-j', '1', other,
                                            self.file])
        self.assertIn('%s:3: missing warning {{[PML001]}}' % other, text)
        row = [ln for ln in text.splitlines() if ln.startswith('total')][0]
        self.assertEqual(row.split(), ['total', '2', '1', '0', '0', '2', '1',
                                       '1', '1', '0', '1.000', '0.500'])
        # a failed run is an error for each of its files
        env['FAKE_SPEC'] = json.dumps({'stdout': '', 'rc': 2})
        buf = io.StringIO()
        with patched_env(env):
            rc = summary([self.tmp.name], self.exe, out=buf, jobs=1,
                         one_run=True)
        row = [ln for ln in buf.getvalue().splitlines()
               if ln.startswith('total')][0]
        self.assertEqual(row.split()[:5], ['total', '2', '0', '0', '2'])


@contextlib.contextmanager
def patched_env(values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def self_test():
    suite = unittest.TestSuite()
    loader = unittest.defaultTestLoader
    for case in (ParseTests, CompareTests, RunTests):
        suite.addTests(loader.loadTestsFromTestCase(case))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


# ---- command line ----

def default_exe():
    if os.environ.get('PYMEM_LINT'):
        return os.environ['PYMEM_LINT']
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(root, 'build', 'pymem-lint')


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog='verify.py', usage=argparse.SUPPRESS, description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--pymem-lint', metavar='EXE', default=default_exe(),
                    help='the pymem-lint binary (default: $PYMEM_LINT or '
                         'build/pymem-lint)')
    ap.add_argument('--self-test', action='store_true',
                    help="run the verifier's own tests")
    ap.add_argument('--summary', action='store_true',
                    help='treat the arguments as directories and print counts')
    ap.add_argument('--one-run', action='store_true',
                    help='verify the files with one pymem-lint run per set '
                         'of RUN-ARGS (for a slow pymem-lint; with '
                         '--summary too)')
    ap.add_argument('--by-rule', action='store_true',
                    help='with --summary, also print counts per rule')
    ap.add_argument('-j', '--jobs', type=int, default=None,
                    help='parallel files in --summary mode')
    ap.add_argument('--timeout', type=int, default=DEFAULT_TIMEOUT,
                    help='seconds per pymem-lint run (default %(default)s)')
    ap.add_argument('paths', nargs='*', metavar='FILE|DIR')
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.paths:
        ap.error('no FILE given')
    if args.summary:
        return summary(args.paths, args.pymem_lint, jobs=args.jobs,
                       timeout=args.timeout, by_rule=args.by_rule,
                       one_run=args.one_run)
    if args.one_run:
        return verify_in_one_run(args.paths, args.pymem_lint, jobs=args.jobs,
                                 timeout=args.timeout)
    status = 0
    for path in args.paths:
        if not verify_file(path, args.pymem_lint, timeout=args.timeout).passed:
            status = 1
    return status


if __name__ == '__main__':
    sys.exit(main())
