#!/usr/bin/env python3
"""check_plans.py PLANS_DIR — assertions over EXPLAIN ANALYZE texts.

Reads the plans rf_pruning_check.sh saved (ssb_qK.txt, tpch_qK.txt) and
checks, by parsing the scan lines that exec/explain.c prints:

  Scan lineorder (hash, partitions 7 of 7) [#0]  rows=5895  actual rows=1177 ...
      row groups: 14 total, 2 read, 0 skipped by zone maps, 12 skipped by runtime filters
      partitions: 1 of 7 read per instance (2 of 14 over 2 instances), 12 pruned by runtime filters
      Runtime filter rf0 (from Hash Join #2) on #0: 0 of 1,177 rows removed, 12 of 14 row
          groups skipped (50,899 rows), 12 partitions pruned          (one line)
      never started (...)

  * every SSB query: the lineorder scan either never started (an empty
    dimension side ended the pipeline: the whole fact table skipped) or has
    runtime filters that removed rows or skipped row groups; the partitions
    it read per instance are all 7 or exactly the years the date
    dimension's predicate selects;
  * SSB Q1.1-Q1.3: the scan was planned over 7 of 7 partitions and read 1
    per instance, the others pruned by the runtime filter (dynamic pruning);
  * TPC-H Q5, Q7, Q8, Q9: the lineitem scan has runtime filters that
    removed rows;
  * TPC-H Q6, Q14: lineitem planned as 1 of 7 partitions and that one read
    (static pruning).
  * SSB Q1.1 in EXPLAIN (ANALYZE, FORMAT JSON) carries the same counters.
Exit status 1 with a message per failed check.
"""
import json
import os
import re
import sys

OP = re.compile(r'^\s*(\S.*?) \[#(\d+)\]\s+rows=\S+\s+actual rows=(\d+)')
SCAN = re.compile(r'^Scan (\S+) \((.*)\)$')
LABEL_PARTS = re.compile(r'partitions (\d+) of (\d+)')
RG = re.compile(r'^\s*row groups: ([\d,]+) total, ([\d,]+) read, ([\d,]+) skipped by zone maps, '
                r'([\d,]+) skipped by runtime filters$')
PARTS = re.compile(r'^\s*partitions: (\d+) of (\d+) read per instance \((\d+) of (\d+) over (\d+) '
                   r'instances?\)(?:, (\d+) pruned by predicates)?'
                   r'(?:, (\d+) pruned by runtime filters)?$')
RF = re.compile(r'^\s*Runtime filter rf(\d+)(?: \(from Hash Join #(\d+)\))? on #(\d+): '
                r'(?:not applied.*|([\d,]+) of ([\d,]+) rows removed, '
                r'([\d,]+) of ([\d,]+) row groups skipped \(([\d,]+) rows\), '
                r'([\d,]+) partitions pruned)$')


def num(s):
    return int(s.replace(',', '')) if s is not None else 0


def parse(path):
    """The scans of one plan: dicts with table, label parts, counters, filters."""
    scans = []
    cur = None
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            m = OP.match(line)
            if m:
                cur = None
                s = SCAN.match(m.group(1))
                if s:
                    cur = {'table': s.group(1), 'label': s.group(2), 'actual': int(m.group(3)),
                           'rg': None, 'parts': None, 'rfs': [], 'started': True,
                           'line': line.strip()}
                    lp = LABEL_PARTS.search(s.group(2))
                    cur['planned'] = (int(lp.group(1)), int(lp.group(2))) if lp else None
                    scans.append(cur)
                continue
            if cur is None:
                continue
            if 'never started' in line:
                cur['started'] = False
            elif (m := RG.match(line)):
                cur['rg'] = [num(g) for g in m.groups()]
            elif (m := PARTS.match(line)):
                g = m.groups()
                cur['parts'] = {'read': int(g[0]), 'per': int(g[1]), 'read_all': int(g[2]),
                                'total': int(g[3]), 'inst': int(g[4]), 'pred': num(g[5]),
                                'rf': num(g[6])}
            elif line.strip().startswith('Runtime filter'):
                m = RF.match(line)
                if not m:
                    raise ValueError('%s: cannot parse %r' % (path, line))
                g = m.groups()
                cur['rfs'].append({'id': int(g[0]), 'applied': g[3] is not None,
                                   'removed': num(g[3]), 'rows_in': num(g[4]),
                                   'rg_skipped': num(g[5]), 'rg_total': num(g[6]),
                                   'rows_skipped': num(g[7]), 'parts': num(g[8])})
    return scans


fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
    return cond


def fact_scan(plans, name, table):
    scans = [s for s in parse(os.path.join(plans, name + '.txt')) if s['table'] == table]
    check(len(scans) == 1, '%s: expected one scan of %s, found %d' % (name, table, len(scans)))
    return scans[0] if scans else None


def skipped_data(s):
    return sum(r['removed'] + r['rg_skipped'] for r in s['rfs'] if r['applied']) > 0


def check_json(path):
    """SSB Q1.1 in EXPLAIN (ANALYZE, FORMAT JSON): the same counters."""
    with open(path) as f:
        doc = json.loads(f.read())
    scans = []

    def walk(node):
        if node.get('Node Type') == 'Scan' and node.get('Label', '').startswith('lineorder'):
            scans.append(node)
        for ch in node.get('Plans', []):
            walk(ch)
    for frag in doc['Fragments']:
        walk(frag['Plan'])
    if not check(len(scans) == 1, 'json: expected one lineorder scan, found %d' % len(scans)):
        return
    s = scans[0]
    inst = s['Instances']
    check(inst >= 1 and s['Partitions'] == 7 * inst and s['Partitions Read per Instance'] == 1
          and s['Partitions Pruned by Runtime Filters'] == 6 * inst,
          'json: want 1 of 7 lineorder partitions read per instance: %s' % s)
    check(s['Row Groups Skipped by Runtime Filters'] > 0
          and s['Rows Skipped by Runtime Filters'] > 0,
          'json: no row groups skipped by the runtime filter: %s' % s)
    rfs = s.get('Runtime Filters', [])
    check(len(rfs) == 1 and rfs[0]['Partitions Pruned'] == 6 * inst and rfs[0]['Applied'] == inst,
          'json: runtime filter counters: %s' % rfs)
    print('ssb_q1 (json): lineorder %d of %d partitions read over %d instances'
          % (s['Partitions'] - s['Partitions Pruned by Runtime Filters'], s['Partitions'], inst))


# years of lo_orderdate each SSB query's date predicate selects
SSB_YEARS = {1: 1, 2: 1, 3: 1, 4: 7, 5: 7, 6: 7, 7: 6, 8: 6, 9: 6, 10: 1, 11: 7, 12: 2, 13: 2}


def main():
    plans = sys.argv[1]
    filtered = 0
    for q in range(1, 14):
        name = 'ssb_q%d' % q
        s = fact_scan(plans, name, 'lineorder')
        if not s:
            continue
        if not check(s['planned'] == (7, 7), '%s: lineorder planned as %s, want 7 of 7: %s'
                     % (name, s['planned'], s['line'])):
            continue
        if not s['started']:
            check(q not in (1, 2, 3), '%s: the lineorder scan never started' % name)
            print('%s: lineorder scan never started (an empty dimension side)' % name)
            continue
        ok = check(s['rg'] is not None and s['parts'] is not None,
                   '%s: no row-group/partition counters on the lineorder scan' % name)
        ok = ok and check(s['rfs'] and skipped_data(s),
                          '%s: no runtime filter removed rows or skipped row groups on '
                          'lineorder: %s' % (name, s['rfs']))
        if not ok:
            continue
        filtered += 1
        p = s['parts']
        check(p['per'] == 7, '%s: %d partitions per instance, want 7' % (name, p['per']))
        check(p['read'] in (7, SSB_YEARS[q]), '%s: %d partitions read per instance, want 7 or %d'
              % (name, p['read'], SSB_YEARS[q]))
        check(p['read_all'] == p['total'] - p['pred'] - p['rf'],
              '%s: partition counters do not add up: %s' % (name, p))
        if q in (1, 2, 3):
            check(p['read'] == 1 and p['rf'] == 6 * p['inst'],
                  '%s: want 1 of 7 partitions read per instance, 6 pruned by the runtime filter: %s'
                  % (name, p))
            check(any(r['parts'] > 0 for r in s['rfs']),
                  '%s: no runtime filter pruned partitions: %s' % (name, s['rfs']))
            rg = s['rg']
            check(rg[3] > 0 and rg[1] < rg[0], '%s: row groups %s: want some skipped by the filter'
                  % (name, rg))
        print('%s: lineorder %d of %d partitions read per instance; row groups %s; filters %s'
              % (name, p['read'], p['per'], s['rg'],
                 ', '.join('rf%d %d rows removed %d rg skipped %d parts pruned'
                           % (r['id'], r['removed'], r['rg_skipped'], r['parts'])
                           for r in s['rfs'])))
    check(filtered >= 8, 'only %d SSB lineorder scans ran with runtime filters, want at least 8'
          % filtered)
    for q in (5, 7, 8, 9):
        name = 'tpch_q%d' % q
        s = fact_scan(plans, name, 'lineitem')
        if not s:
            continue
        if check(s['started'] and s['rfs'], '%s: no runtime filter on the lineitem scan' % name):
            check(any(r['applied'] and r['removed'] > 0 for r in s['rfs']),
                  '%s: the runtime filters on lineitem removed no rows: %s' % (name, s['rfs']))
            print('%s: lineitem filters %s' % (name, ', '.join(
                'rf%d %d of %d rows removed' % (r['id'], r['removed'], r['rows_in'])
                for r in s['rfs'])))
    for q in (6, 14):
        name = 'tpch_q%d' % q
        s = fact_scan(plans, name, 'lineitem')
        if not s:
            continue
        check(s['planned'] == (1, 7), '%s: lineitem planned as %s, want 1 of 7: %s'
              % (name, s['planned'], s['line']))
        p = s['parts']
        if check(p is not None and s['rg'] is not None, '%s: no counters on lineitem' % name):
            check(p['per'] == 1 and p['read'] == 1, '%s: want the 1 planned partition read: %s'
                  % (name, p))
            check(s['rg'][1] > 0, '%s: no row group read: %s' % (name, s['rg']))
            print('%s: lineitem 1 of 7 partitions (static), row groups %s' % (name, s['rg']))
    check_json(os.path.join(plans, 'ssb_q1.json'))
    for f in fails:
        print('FAIL: ' + f)
    print('%d checks failed' % len(fails) if fails else 'all plan checks passed')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
