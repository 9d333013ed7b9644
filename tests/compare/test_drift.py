"""The self-checks on real runs (probes off, no root needed): a server that
answers a little slower each second is flagged not stationary, the same
server without the drift passes; the timeline adds up to the run."""
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


def measure(tmp, drift_ms):
    out = os.path.join(tmp, 'drift%s.json' % drift_ms)
    cmd = '/usr/bin/python3 %s {port} %s 2' % (SERVER, drift_ms)
    p = subprocess.run([BIN, '--server-cmd', cmd, '-d', '7s', '-c', '8', '--no-ebpf', '-q', '-o', out],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, 'drift %s: exit %d: %s' % (drift_ms, p.returncode, p.stderr.strip()))
    with open(out) as f:
        rep = json.load(f)
    validate(rep)  # timeline and checks as the schema has them
    return rep


def test_drift(tmp):
    for drift, want in (('5', 'warn'), ('0', 'pass')):
        rep = measure(tmp, drift)
        iv = rep['timeline']['intervals']
        check(len(iv) == 7, 'drift %s: one interval per second (%d)' % (drift, len(iv)))
        check(sum(i['requests'] for i in iv) == rep['client']['requests_completed'] and
              sum(i['latency_ns']['count'] for i in iv) == rep['client']['latency_ns']['count'],
              'drift %s: the intervals add up to the run' % drift)
        st = rep['checks']['stationary']
        check(st['status'] == want, 'drift %s ms/s: stationary %s, want %s (%s; req/s %s)' %
              (drift, st['status'], want, st['message'], [round(i['rps']) for i in iv]))


def main():
    return run([test_drift])


if __name__ == '__main__':
    sys.exit(main())
