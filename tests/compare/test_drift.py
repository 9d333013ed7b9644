"""The self-checks on real runs (probes off, no root needed): a server whose
answers wait 50 % longer each second is flagged not stationary, the same
server without the drift passes; the timeline adds up to the run. The
server sleeps (100 ms an answer, jittered, 16 connections: 160 req/s at
most, a few percent of a CPU), so the verdicts hold on a slow or busy
machine: only they are asserted, no timings."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'browser'))
from checks import check, run  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from harness import validate  # noqa: E402

BIN = os.environ['BENCH_EBPF']
SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'drift_server.py')


def measure(tmp, growth):
    out = os.path.join(tmp, 'drift%s.json' % growth)
    cmd = '/usr/bin/python3 %s {port} %s 100' % (SERVER, growth)
    p = subprocess.run([BIN, '--server-cmd', cmd, '-d', '8s', '--warmup', '1s', '-c', '16', '--no-ebpf', '-q', '-o', out],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, 'growth %s: exit %d: %s' % (growth, p.returncode, p.stderr.strip()))
    with open(out) as f:
        rep = json.load(f)
    validate(rep)  # timeline and checks as the schema has them
    return rep


def test_drift(tmp):
    for growth, want in (('0.5', 'warn'), ('0', 'pass')):
        rep = measure(tmp, growth)
        iv = rep['timeline']['intervals']
        check(len(iv) >= 6, 'growth %s: %d intervals, the check needs 6' % (growth, len(iv)))
        check(sum(i['requests'] for i in iv) == rep['client']['requests_completed'] and
              sum(i['latency_ns']['count'] for i in iv) == rep['client']['latency_ns']['count'],
              'growth %s: the intervals add up to the run' % growth)
        st = rep['checks']['stationary']
        check(st['status'] == want, 'growth %s/s: stationary %s, want %s (%s; req/s %s)' %
              (growth, st['status'], want, st['message'], [round(i['rps']) for i in iv]))


def main():
    return run([test_drift])


if __name__ == '__main__':
    sys.exit(main())
