"""Exports in hyperfine's conventions, from saved reports and from a run:
--export-csv (durations in seconds, hyperfine's column names), --export-markdown
(one unit per table, Relative = times slower than the fastest), --timeline-csv
(one row per interval; they add up to the run)."""
import csv
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import fixtures  # noqa: E402
from checks import check, run  # noqa: E402

BIN = os.environ['BENCH_EBPF']


def close(a, b, rel=1e-6):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)


def test_tables(tmp):
    runs = [fixtures.run('aiohttp', 20000, 4e6, seed=2, intervals=5), fixtures.run('nginx', 60000, 1e6, seed=1),
            fixtures.run('flask', 2400, 30e6, seed=3, intervals=3)]
    src = fixtures.write(os.path.join(tmp, 'multi.json'), fixtures.multi(runs))
    out = {k: os.path.join(tmp, 'out.' + k) for k in ('csv', 'md', 'tl')}
    p = subprocess.run([BIN, 'report', src, '--export-csv', out['csv'], '--export-markdown', out['md'],
                        '--timeline-csv', out['tl']], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and p.stdout == '', 'exports only: exit 0, no page on stdout (%d)' % p.returncode)
    with open(out['csv']) as f:
        rows = list(csv.DictReader(f))
    check([r['command'] for r in rows] == ['aiohttp', 'nginx', 'flask'], 'one CSV row per run, in report order')
    for r, run in zip(rows, runs):
        lat = run['client']['latency_ns']
        check(close(float(r['mean']), lat['mean'] / 1e9) and close(float(r['median']), lat['p50'] / 1e9)
              and close(float(r['max']), lat['max'] / 1e9), '%s: CSV latency in seconds' % r['command'])
        check(close(float(r['rps']), run['client']['rps']), '%s: CSV req/s' % r['command'])
        check(close(float(r['relative']), 60000 / run['client']['rps']), '%s: relative to the fastest' % r['command'])
    with open(out['md']) as f:
        md = f.read().splitlines()
    check(md[0].startswith('| Server | Req/s | Mean [ms] |') and md[1].startswith('|:---|---:|'),
          'Markdown header with one unit: %r' % md[:2])
    check(len(md) == 5 and md[3].startswith('| `nginx` | 60000.0 |') and md[3].endswith('| 1.00 |'),
          'Markdown: the fastest is 1.00: %r' % md[3:4])
    check(md[4].endswith('| 25.00 |'), 'Markdown: flask 25 times slower: %r' % md[4:5])
    with open(out['tl']) as f:
        tl = list(csv.DictReader(f))
    check(len(tl) == 5 + 3, 'a timeline row per interval of the runs that have one (%d)' % len(tl))
    for name, run in (('aiohttp', runs[0]), ('flask', runs[2])):
        mine = [r for r in tl if r['command'] == name]
        check(sum(int(r['requests']) for r in mine) == run['client']['requests_completed'],
              '%s: the intervals add up to the run' % name)


def test_run_exports(tmp):
    """A real run (probes off: no root needed) writes every export."""
    if not shutil.which('nginx', path='/usr/sbin:/usr/bin'):
        print('real run: no nginx, left out')
        return
    out = {k: os.path.join(tmp, 'run.' + k) for k in ('json', 'csv', 'md', 'html', 'tl')}
    p = subprocess.run([BIN, '--server', 'nginx', '--no-ebpf', '-d', '1s', '--interval', '200ms', '-c', '10', '-q',
                        '-o', out['json'], '--export-csv', out['csv'], '--export-markdown', out['md'],
                        '--html', out['html'], '--timeline-csv', out['tl']],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, 'run with exports: exit %d: %s' % (p.returncode, p.stderr.strip()))
    if p.returncode:
        return
    with open(out['json']) as f:
        rep = json.load(f)
    with open(out['csv']) as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == 1 and close(float(rows[0]['rps']), rep['client']['rps'], 1e-6),
          'the CSV row is the run: %r' % rows)
    check(os.path.getsize(out['html']) > 10000 and os.path.getsize(out['md']) > 100, 'page and table written')
    with open(out['tl']) as f:
        tl = list(csv.DictReader(f))
    check(len(tl) == len(rep['timeline']['intervals']) == 5, '--interval 200ms over 1 s: 5 timeline rows (%d)' % len(tl))
    check(sum(int(r['requests']) for r in tl) == rep['client']['requests_completed'], 'the rows add up to the run')
    bad = os.path.join(tmp, 'no-such-dir', 'x.csv')
    js = os.path.join(tmp, 'never.json')
    p = subprocess.run([BIN, '--server', 'nginx', '--no-ebpf', '-n', '100', '-q', '-o', js, '--export-csv', bad],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 1 and bad in p.stderr and len(p.stderr.strip().splitlines()) == 1,
          'an unwritable export fails before the run, one line naming it: %d %r' % (p.returncode, p.stderr))
    check(not os.path.exists(js), 'and leaves no -o file behind')


def main():
    return run([test_tables, test_run_exports])


if __name__ == '__main__':
    sys.exit(main())
