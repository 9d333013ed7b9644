"""bench-ebpf compare on constructed reports: a fast and a slow server differ
significantly the right way round; the same server twice mostly does not; a
20 % slowdown trips --fail-if-slower 10 and a p99 gate; one run each cannot
tell; the anatomy names the component that grew; bad files exit 2."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'browser'))
import fixtures  # noqa: E402
from checks import check, run  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
import harness  # noqa: E402

BIN = os.environ['BENCH_EBPF']


def compare(tmp, a, b, *args):
    pa = fixtures.write(os.path.join(tmp, 'a.json'), a)
    pb = fixtures.write(os.path.join(tmp, 'b.json'), b)
    out = os.path.join(tmp, 'cmp.json')
    p = subprocess.run([BIN, 'compare', pa, pb, '-o', out, *args], capture_output=True, text=True, timeout=60)
    doc = None
    if os.path.exists(out):
        with open(out) as f:
            doc = json.load(f)
        os.unlink(out)
        harness.validate(doc, harness.COMPARE_SCHEMA)  # every -o the tests make
    return p, doc


def figure(doc, name):
    return [f for f in doc['compare']['figures'] if f['name'] == name][0]


def test_fast_vs_slow(tmp):
    p, doc = compare(tmp, fixtures.repeats('nginx', 60000, 1e6, 5, seed=1),
                     fixtures.repeats('aiohttp', 20000, 4e6, 5, seed=2))
    check(p.returncode == 0, 'fast vs slow: exit 0 without gates (%d: %s)' % (p.returncode, p.stderr))
    rps = figure(doc, 'rps')
    check(rps['significant'] is True and rps['worse'] is True and 0.28 < rps['ratio'] < 0.38,
          'fast vs slow: B significantly slower, ratio about 1/3: %s' % rps)
    check('B slower by' in rps['verdict'] and 'B slower by' in p.stdout, 'the table says which way: %s' % rps['verdict'])
    p99 = figure(doc, 'latency_p99')
    check(p99['significant'] is True and p99['ratio'] > 2, 'and its p99 significantly higher: %s' % p99)
    p, doc = compare(tmp, fixtures.repeats('aiohttp', 20000, 4e6, 5, seed=2),
                     fixtures.repeats('nginx', 60000, 1e6, 5, seed=1))
    check(figure(doc, 'rps')['worse'] is False and 'B faster by' in figure(doc, 'rps')['verdict'],
          'the other way round: B faster')


def test_same_server(tmp):
    significant = 0
    for seed in range(20):
        _, doc = compare(tmp, fixtures.repeats('nginx', 50000, 1e6, 5, seed=10 + seed),
                         fixtures.repeats('nginx', 50000, 1e6, 5, seed=50 + seed))
        significant += figure(doc, 'rps')['significant'] is True
    print('same server: %d of 20 comparisons significant at 95 %%' % significant)
    check(significant <= 3, 'the same server twice is rarely significant: %d of 20' % significant)


def test_gates(tmp):
    a = fixtures.repeats('nginx', 50000, 1e6, 5, seed=3, noise=0.01)
    b = fixtures.repeats('nginx', 40000, 1.25e6, 5, seed=4, noise=0.01)
    p, doc = compare(tmp, a, b, '--fail-if-slower', '10')
    check(p.returncode == 1 and 'failed' in p.stderr, 'a 20 %% slowdown trips --fail-if-slower 10: %d %r' % (p.returncode, p.stderr))
    check(doc['gates'][0]['tripped'] is True, 'the gate is in the JSON')
    p, _ = compare(tmp, a, b, '--fail-if-slower', '25')
    check(p.returncode == 0 and 'passed' in p.stderr, 'but not --fail-if-slower 25: %d %r' % (p.returncode, p.stderr))
    p, _ = compare(tmp, a, b, '--fail-if-p99-above', '10')
    check(p.returncode == 1, 'its p99 25 %% higher trips --fail-if-p99-above 10: %d %r' % (p.returncode, p.stderr))
    p, _ = compare(tmp, b, a, '--fail-if-slower', '10', '--fail-if-p99-above', '10')
    check(p.returncode == 0, 'a faster B passes both gates: %d %r' % (p.returncode, p.stderr))
    p, doc = compare(tmp, fixtures.run('nginx', 50000), fixtures.run('nginx', 30000, seed=2), '--fail-if-slower', '10')
    check(p.returncode == 0 and 'not applied' in p.stderr and 'one run each' in p.stderr,
          'one run each: cannot tell, the gate is not applied: %r' % p.stderr)
    check(figure(doc, 'rps')['significant'] is None, 'and significant is null')


def test_anatomy_verdict(tmp):
    a = fixtures.repeats('nginx', 50000, 1e6, 4, seed=5, noise=0.01)
    b = fixtures.repeats('nginx', 45000, 1e6, 4, seed=6, noise=0.01, wait_extra_ns=3_000_000)
    p, doc = compare(tmp, a, b)
    an = doc['compare']['anatomy']
    for pct in ('p50', 'p99'):
        v = an[pct]
        top = max(v['components'], key=lambda c: abs(v['components'][c]))
        check(top == 'wait_runq' and v['components']['wait_runq'] > 2.5e6,
              '%s: the grown run-queue wait named first: %s' % (pct, v['verdict']))
        check(abs(sum(v['components'].values()) - v['delta_ns']) <= 0.02 * abs(v['delta_ns']),
              '%s: the parts add up to the change' % pct)
        check(v['verdict'].startswith(pct + ' +') and 'wait_runq +' in v['verdict'], 'verdict text: %s' % v['verdict'])
    check('anatomy p99 +' in p.stdout, 'the verdict is printed')


def test_outputs_and_bad_files(tmp):
    a = fixtures.write(os.path.join(tmp, 'x.json'), fixtures.repeats('nginx', 50000, 1e6, 4, seed=7))
    md = os.path.join(tmp, 'cmp.md')
    p = subprocess.run([BIN, 'compare', a, a, '--export-markdown', md], capture_output=True, text=True, timeout=60)
    with open(md) as f:
        text = f.read()
    check(p.returncode == 0 and '| Figure | A | B | B/A |' in text and '| requests per second |' in text,
          'Markdown table written')
    two = fixtures.write(os.path.join(tmp, 'two.json'),
                         fixtures.multi([fixtures.run('nginx'), fixtures.run('aiohttp', seed=2)]))
    garbage = os.path.join(tmp, 'garbage.json')
    with open(garbage, 'w') as f:
        f.write('not json')
    for args, needle in (([a, os.path.join(tmp, 'missing.json')], 'missing.json: cannot open'),
                         ([a, garbage], 'garbage.json: not JSON'),
                         ([two, a], 'several servers'),
                         ([a], 'two saved reports'),
                         ([a, a, '--fail-if-slower', 'ten'], "invalid value 'ten' for --fail-if-slower")):
        p = subprocess.run([BIN, 'compare', *args], capture_output=True, text=True, timeout=60)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 2 and len(lines) == 1 and needle in lines[0],
              'bad input %s: exit 2, one line with %r: %d %r' % (args[-1], needle, p.returncode, p.stderr))


def main():
    return run([test_fast_vs_slow, test_same_server, test_gates, test_anatomy_verdict, test_outputs_and_bad_files])


if __name__ == '__main__':
    sys.exit(main())
