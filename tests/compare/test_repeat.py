"""--repeat on real servers (root, real eBPF): runs interleaved a b a b, each
against a fresh server process (with --same-process one process for all of
a server's runs), with their checks; the summary gives each
server's median and says when no interval can be given; compare reads the
result back. Exit 77 when not root."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'browser'))
from checks import check, run  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from harness import validate  # noqa: E402

BIN = os.environ['BENCH_EBPF']


def test_interleaved(tmp):
    out = os.path.join(tmp, 'rep.json')
    p = subprocess.run([BIN, '--repeat', '2', '--server', 'nginx,aiohttp', '-n', '1500', '-c', '20', '-o', out],
                       capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, 'exit 0: %d %s' % (p.returncode, p.stderr[-500:]))
    with open(out) as f:
        rep = json.load(f)
    validate(rep)  # runs with repeat and checks, the summary
    order = [(r['server']['name'], r['repeat']) for r in rep['runs']]
    check(order == [('nginx', 1), ('aiohttp', 1), ('nginx', 2), ('aiohttp', 2)], 'interleaved a b a b: %s' % order)
    pids = [r['server']['pid'] for r in rep['runs']]
    check(len(set(pids)) == 4, 'a fresh server process for every run: %s' % pids)
    check(all(r['checks']['client_saturated']['status'] in ('pass', 'warn') for r in rep['runs']), 'checks on every run')
    summary = {s['server']: s for s in rep['summary']}
    check(set(summary) == {'nginx', 'aiohttp'} and all(s['runs'] == 2 for s in summary.values()),
          'one summary per server, 2 runs each')
    check(all(s['rps']['ci_low'] is None and 'no interval' in s['rps']['note'] for s in summary.values()),
          'with 2 runs no interval, and it says so')
    check('Ranking (by median requests per second over the repeats' in p.stderr, 'the per-server ranking is printed')
    check('Ranking (by requests per second)' not in p.stderr, 'one ranking: not one line per run as well')
    single = os.path.join(tmp, 'nginx-only.json')
    p = subprocess.run([BIN, '--repeat', '3', '--server', 'nginx', '-n', '1000', '-c', '20', '-q', '-o', single],
                       capture_output=True, text=True, timeout=300)
    with open(single) as f:
        rep3 = json.load(f)
    validate(rep3)
    s = rep3['summary'][0]
    check(p.returncode == 0 and s['runs'] == 3 and s['rps']['ci_low'] <= s['rps']['median'] <= s['rps']['ci_high']
          and abs(s['rps']['confidence'] - 0.75) < 1e-9, '3 runs: [min, max] at 75 %%: %s' % s['rps'])
    p = subprocess.run([BIN, 'compare', single, single], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and 'cannot tell from 3 and 3 runs' in p.stdout, 'compare reads repeats back: %s' % p.stdout)
    check(all(r['server']['same_process'] is False for r in rep['runs'] + rep3['runs']),
          'the report says each run had a fresh process')


def test_same_process(tmp):
    """--same-process: one process per server for all its runs, interleaved
    still; every run measured, with its probes (attached to it running)."""
    out = os.path.join(tmp, 'same.json')
    p = subprocess.run([BIN, '--repeat', '3', '--same-process', '--server', 'nginx,aiohttp', '-n', '1500',
                        '-c', '20', '-q', '-o', out], capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, 'exit 0: %d %s' % (p.returncode, p.stderr[-500:]))
    with open(out) as f:
        rep = json.load(f)
    validate(rep)
    pids = {}
    for r in rep['runs']:
        pids.setdefault(r['server']['name'], set()).add(r['server']['pid'])
    check(len(rep['runs']) == 6 and all(len(v) == 1 for v in pids.values()) and len(pids) == 2,
          'one process per server for all 3 runs: %s' % pids)
    check(all(r['server']['same_process'] is True for r in rep['runs']), 'the report says so')
    check(all(r['error'] is None and r['client']['requests_completed'] == 1500 for r in rep['runs']),
          'every run measured: %s' % [r['error'] for r in rep['runs']])
    check(all(r['kernel']['sched']['oncpu_ns'] > 0 and r['breakdown']['matched'] > 0 for r in rep['runs']),
          'the probes saw every run of the kept process')
    gone = [pid for v in pids.values() for pid in v if os.path.exists('/proc/%d' % pid)]
    check(not gone, 'the kept servers are stopped at the end: %s' % gone)


def main():
    if os.geteuid() != 0:
        print('needs root (real eBPF): skipped')
        return 77
    return run([test_interleaved, test_same_process])


if __name__ == '__main__':
    sys.exit(main())
