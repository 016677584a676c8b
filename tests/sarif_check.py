#!/usr/bin/env python3
"""
tests/sarif_check.py - check SARIF files that pymem-lint wrote:

  1. valid against the official SARIF 2.1.0 schema (tests/data, sha256
     checked; validated with python3-jsonschema);
  2. carrying what GitHub code scanning requires (rules with
     shortDescription, fullDescription and help.text; results with a
     message, one location with a full region, partialFingerprints);
  3. primaryLocationLineHash equal to what github/codeql-action computes
     (an independent port of its src/fingerprints.ts, below), for every
     result whose file can be read under --srcroot.

Usage: sarif_check.py [--srcroot DIR] FILE.sarif...
Prints one line per problem and a summary; exit 1 when any is found.
"""

import argparse
import hashlib
import json
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, 'data', 'sarif-2.1.0-rtm.5.json')
SCHEMA_SHA256 = ('2d99159ae54a3eea97f81781cff48780548657c35949f4b7'
                 'f25e99a2ba4de4f8')

# ---- github/codeql-action src/fingerprints.ts, hash() ----

BLOCK_SIZE = 100
MOD = 37
MASK = (1 << 64) - 1


def line_hashes(data):
    """{line number: "hex:occurrence"} of a file's text (a str)."""
    window = [0] * BLOCK_SIZE
    line_numbers = [-1] * BLOCK_SIZE
    first_mod = pow(MOD, BLOCK_SIZE, 1 << 64)
    state = {'hash': 0, 'index': 0, 'line': 0, 'start': True,
             'prev_cr': False}
    counts = {}
    out = {}

    def output_hash():
        value = '%x' % state['hash']
        counts[value] = counts.get(value, 0) + 1
        out[line_numbers[state['index']]] = '%s:%d' % (value, counts[value])
        line_numbers[state['index']] = -1

    def update(current):
        begin = window[state['index']]
        window[state['index']] = current
        state['hash'] = (MOD * state['hash'] + current
                         - first_mod * begin) & MASK
        state['index'] = (state['index'] + 1) % BLOCK_SIZE

    def process(current):
        if current in (0x20, 0x09) or (state['prev_cr'] and current == 0x0A):
            state['prev_cr'] = False
            return
        if current == 0x0D:
            current = 0x0A
            state['prev_cr'] = True
        else:
            state['prev_cr'] = False
        if line_numbers[state['index']] != -1:
            output_hash()
        if state['start']:
            state['start'] = False
            state['line'] += 1
            line_numbers[state['index']] = state['line']
        if current == 0x0A:
            state['start'] = True
        update(current)

    units = data.encode('utf-16-le', 'surrogatepass')
    for i in range(0, len(units), 2):
        process(units[i] | units[i + 1] << 8)
    process(65535)
    for _ in range(BLOCK_SIZE):
        if line_numbers[state['index']] != -1:
            output_hash()
        update(0)
    return out


# ---- checks ----

def github_problems(log):
    """What GitHub's ingestion needs and this file lacks."""
    problems = []
    for r, run in enumerate(log.get('runs', [])):
        rules = run.get('tool', {}).get('driver', {}).get('rules', [])
        for i, rule in enumerate(rules):
            for key in ('shortDescription', 'fullDescription'):
                text = rule.get(key, {}).get('text', '')
                if not text or len(text) > 1024:
                    problems.append('runs[%d].rules[%d] (%s): %s.text missing '
                                    'or over 1024 characters'
                                    % (r, i, rule.get('id'), key))
            if not rule.get('help', {}).get('text'):
                problems.append('runs[%d].rules[%d]: help.text missing' % (r, i))
        for i, res in enumerate(run.get('results', [])):
            where = 'runs[%d].results[%d]' % (r, i)
            if not res.get('message', {}).get('text'):
                problems.append(where + ': message.text missing')
            if not isinstance(res.get('ruleIndex'), int) or \
                    res['ruleIndex'] >= len(rules) or \
                    rules[res['ruleIndex']].get('id') != res.get('ruleId'):
                problems.append(where + ': ruleIndex does not name ruleId')
            locs = res.get('locations', [])
            if len(locs) != 1:
                problems.append(where + ': expected one location')
                continue
            region = locs[0].get('physicalLocation', {}).get('region', {})
            for key in ('startLine', 'startColumn', 'endLine', 'endColumn'):
                if not isinstance(region.get(key), int):
                    problems.append('%s: region.%s missing' % (where, key))
            if not res.get('partialFingerprints', {}).get(
                    'primaryLocationLineHash'):
                problems.append(where + ': no primaryLocationLineHash')
    return problems


def hash_problems(log, srcroot):
    problems = []
    cache = {}
    for run in log.get('runs', []):
        for i, res in enumerate(run.get('results', [])):
            loc = res['locations'][0]['physicalLocation']
            uri = urllib.parse.unquote(loc['artifactLocation']['uri'])
            if uri.startswith('file://'):
                path = uri[len('file://'):]
            else:
                path = os.path.join(srcroot, uri)
            if path not in cache:
                try:
                    with open(path, 'rb') as f:
                        cache[path] = line_hashes(
                            f.read().decode('utf-8', 'replace'))
                except OSError:
                    cache[path] = None
            hashes = cache[path]
            if hashes is None:
                continue
            want = hashes.get(loc['region']['startLine'])
            got = res.get('partialFingerprints', {}).get(
                'primaryLocationLineHash')
            if got != want:
                problems.append('results[%d] (%s line %d): '
                                'primaryLocationLineHash %s, GitHub computes %s'
                                % (i, uri, loc['region']['startLine'], got,
                                   want))
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    ap.add_argument('--srcroot', default='.')
    ap.add_argument('files', nargs='+')
    args = ap.parse_args(argv)
    try:
        import jsonschema
    except ImportError:
        print('sarif_check.py: python3-jsonschema is not installed for %s'
              % sys.executable, file=sys.stderr)
        return 2
    with open(SCHEMA, 'rb') as f:
        raw = f.read()
    if hashlib.sha256(raw).hexdigest() != SCHEMA_SHA256:
        print('sarif_check.py: %s is not the recorded schema' % SCHEMA,
              file=sys.stderr)
        return 2
    schema = json.loads(raw)
    validator = jsonschema.validators.validator_for(schema)(schema)
    total = 0
    for path in args.files:
        with open(path, encoding='utf-8') as f:
            log = json.load(f)
        problems = ['schema: %s at /%s' % (e.message, '/'.join(
            str(p) for p in e.absolute_path))
            for e in validator.iter_errors(log)]
        problems += github_problems(log)
        problems += hash_problems(log, args.srcroot)
        for p in problems:
            print('%s: %s' % (path, p))
        nresults = sum(len(r.get('results', [])) for r in log.get('runs', []))
        print('%s: %d result(s), %d problem(s)' % (path, nresults,
                                                   len(problems)))
        total += len(problems)
    return 1 if total else 0


if __name__ == '__main__':
    sys.exit(main())
