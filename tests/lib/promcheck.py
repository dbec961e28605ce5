#!/usr/bin/env python3
"""promcheck.py — a strict check of a Prometheus text exposition (0.0.4).

usage: promcheck.py FILE  ->  prints {"family": [[{labels}, "value"], ...], ...} as JSON

Fails (exit 1, the reason on stderr) unless: every line is a # HELP, a # TYPE
or a sample; every family has exactly one HELP and one TYPE, both before its
samples; a family's samples are contiguous; label values use only the
escapes \\\\ \\" \\n; the text is UTF-8; no label set repeats; a value is a
number. The same text is then parsed by prometheus_client (Debian
python3-prometheus-client), and both readings must agree sample for sample.
"""
import json
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LNAME = r'[a-zA-Z_][a-zA-Z0-9_]*'
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}
SUFFIXES = ('_bucket', '_sum', '_count')


def die(msg):
    sys.stderr.write('promcheck: %s\n' % msg)
    sys.exit(1)


def parse_labels(s, lineno):
    """s starts after '{'; returns (labels, rest after '}')."""
    labels = {}
    i = 0
    while True:
        if s[i:i + 1] == '}':
            return labels, s[i + 1:]
        m = re.match(LNAME, s[i:])
        if not m:
            die('line %d: bad label name at %r' % (lineno, s[i:i + 20]))
        name = m.group(0)
        i += len(name)
        if s[i:i + 2] != '="':
            die('line %d: expected =" after %s' % (lineno, name))
        i += 2
        val = []
        while True:
            if i >= len(s):
                die('line %d: unterminated label value' % lineno)
            c = s[i]
            if c == '\\':
                e = s[i + 1:i + 2]
                if e not in ('\\', '"', 'n'):
                    die('line %d: bad escape \\%s' % (lineno, e))
                val.append({'\\': '\\', '"': '"', 'n': '\n'}[e])
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                val.append(c)
                i += 1
        if name in labels:
            die('line %d: label %s twice' % (lineno, name))
        labels[name] = ''.join(val)
        if s[i:i + 1] == ',':
            i += 1
        elif s[i:i + 1] != '}':
            die('line %d: expected , or } after a label' % lineno)


def family_of(name, types):
    if name in types:
        return name
    for suf in SUFFIXES:
        if name.endswith(suf) and types.get(name[:-len(suf)]) == 'histogram':
            return name[:-len(suf)]
    return None


def main():
    raw = open(sys.argv[1], 'rb').read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        die('not UTF-8: %s' % e)
    if text and not text.endswith('\n'):
        die('the last line has no newline')
    helps, types, out, seen, done = {}, {}, {}, set(), set()
    current = None
    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('# HELP '):
            m = re.match(r'# HELP (%s) (.*)$' % NAME, line)
            if not m or m.group(1) in helps:
                die('line %d: bad or repeated HELP' % n)
            if re.search(r'\\[^\\n]', m.group(2)):
                die('line %d: bad escape in HELP' % n)
            helps[m.group(1)] = m.group(2)
            continue
        if line.startswith('# TYPE '):
            m = re.match(r'# TYPE (%s) (\w+)$' % NAME, line)
            if not m or m.group(1) in types or m.group(2) not in TYPES:
                die('line %d: bad or repeated TYPE' % n)
            if m.group(1) not in helps:
                die('line %d: TYPE before HELP for %s' % (n, m.group(1)))
            types[m.group(1)] = m.group(2)
            out[m.group(1)] = []
            continue
        if line.startswith('#') or line == '':
            die('line %d: unexpected line %r' % (n, line))
        m = re.match(NAME, line)
        name = m.group(0) if m else die('line %d: no metric name' % n)
        rest = line[len(name):]
        labels = {}
        if rest.startswith('{'):
            labels, rest = parse_labels(rest[1:], n)
        if not rest.startswith(' '):
            die('line %d: no space before the value' % n)
        value = rest[1:]
        try:
            float(value)
        except ValueError:
            die('line %d: value %r is not a number' % (n, value))
        fam = family_of(name, types)
        if fam is None or fam not in helps:
            die('line %d: sample of %s before its HELP and TYPE' % (n, name))
        if fam != current:
            if fam in done:
                die('line %d: samples of %s are not contiguous' % (n, fam))
            if current is not None:
                done.add(current)
            current = fam
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            die('line %d: repeated series %s%s' % (n, name, labels))
        seen.add(key)
        out[fam].append([name, labels, value])
    if set(helps) != set(types):
        die('HELP without TYPE: %s' % (set(helps) ^ set(types)))

    from prometheus_client.parser import text_string_to_metric_families
    theirs = []
    for f in text_string_to_metric_families(text):
        for s in f.samples:
            theirs.append((s.name, tuple(sorted(s.labels.items())), float(s.value)))
    mine = [(s[0], tuple(sorted(s[1].items())), float(s[2])) for f in out.values() for s in f]
    if sorted(theirs) != sorted(mine):
        die('prometheus_client reads it otherwise:\n%s\n%s' % (sorted(theirs), sorted(mine)))
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write('\n')


main()
