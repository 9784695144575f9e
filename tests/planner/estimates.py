#!/usr/bin/env python3
"""estimates.py -- estimated vs actual rows of every join in EXPLAIN ANALYZE.

Reads EXPLAIN ANALYZE texts (one file per query, named qNN.txt, in the
folder given) as kestreld prints them:

    Hash Join (Inner) broadcast [#3]  rows=304495  actual rows=303959 time=...

and prints one line per join (hash join or nested loop): the query, the
operator, its estimate, the actual rows (summed over the workers), and the
ratio max(est/act, act/est) with both counts floored at 1. The summary names
the joins outside the allowed ratio. Exit status 0 when every query had a
plan with its actual rows, 2 when one did not, 1 with --check when a join
outside the ratio is not in --allow.
"""
import argparse
import os
import re
import sys

LINE = re.compile(r'^\s*(Hash Join|Nested Loop)\s*(\(([^)]*)\))?.*\[#(\d+)\]\s+rows=(\d+)\s+'
                  r'actual rows=(\d+)')


def joins(text):
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            out.append((m.group(1), m.group(3) or '', int(m.group(4)), float(m.group(5)),
                        float(m.group(6))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir')
    ap.add_argument('--max-ratio', type=float, default=10.0)
    ap.add_argument('--allow', default='', help='joins allowed outside: Q17#12,Q18 (a whole query)')
    ap.add_argument('--check', action='store_true')
    ap.add_argument('--queries', default=','.join(str(i) for i in range(1, 23)))
    a = ap.parse_args()
    allow = set(x.strip().upper() for x in a.allow.split(',') if x.strip())
    missing, outside, worst = [], [], (0.0, '')
    njoins = 0
    print('%-4s %-28s %12s %12s %9s' % ('q', 'join', 'estimated', 'actual', 'ratio'))
    for q in [int(x) for x in a.queries.split(',') if x]:
        path = os.path.join(a.dir, 'q%02d.txt' % q)
        try:
            text = open(path).read()
        except OSError:
            missing.append(q)
            continue
        if 'actual rows=' not in text:
            missing.append(q)
            continue
        for kind, jt, op, est, act in joins(text):
            njoins += 1
            e, r = max(est, 1.0), max(act, 1.0)
            ratio = e / r if e >= r else r / e
            tag = 'Q%d#%d' % (q, op)
            over = ratio > a.max_ratio
            mark = ''
            if over:
                mark = '  allowed' if (tag in allow or 'Q%d' % q in allow) else '  OUTSIDE'
                outside.append((tag, ratio, est, act, mark.strip()))
            if ratio > worst[0]:
                worst = (ratio, tag)
            print('%-4s %-28s %12.0f %12.0f %8.1fx%s' % ('Q%d' % q, '%s (%s) #%d' % (kind, jt, op),
                                                        est, act, ratio, mark))
    print()
    print('%d joins in %d queries; worst %.1fx (%s)' % (njoins, len(a.queries.split(',')) - len(missing),
                                                      worst[0], worst[1]))
    if outside:
        print('outside %.0fx: %s' % (a.max_ratio, ', '.join('%s %.1fx (est %.0f, actual %.0f)%s' % (
            t, r, e, c, '' if m == 'OUTSIDE' else ' [allowed]') for t, r, e, c, m in outside)))
    else:
        print('every join within %.0fx' % a.max_ratio)
    if missing:
        print('no EXPLAIN ANALYZE output for: %s' % ', '.join('Q%d' % q for q in missing))
        return 2
    if a.check and any(m == 'OUTSIDE' for _, _, _, _, m in outside):
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
