"""bench-ebpf report: the HTML page from saved reports (no browser, no root):
the charts the data implies, the JSON embedded, nothing fetched, and bad
input refused with one line and exit 2."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import fixtures  # noqa: E402
from checks import check, run  # noqa: E402
from pagecheck import Page  # noqa: E402

BIN = os.environ['BENCH_EBPF']


def report(*args):
    return subprocess.run([BIN, 'report', *args], capture_output=True, text=True, timeout=60)


def page_of(tmp, name, doc_or_docs):
    docs = doc_or_docs if isinstance(doc_or_docs, list) else [doc_or_docs]
    paths = [fixtures.write(os.path.join(tmp, '%s-%d.json' % (name, i)), d) for i, d in enumerate(docs)]
    out = os.path.join(tmp, name + '.html')
    p = report(*paths, '-o', out)
    check(p.returncode == 0, '%s: exit %d (%s)' % (name, p.returncode, p.stderr.strip()))
    with open(out) as f:
        return Page(f.read())


def test_single_run(tmp):
    doc = fixtures.run(intervals=7)
    pg = page_of(tmp, 'single', doc)
    check(pg.data_json == [doc], 'the embedded JSON is the report itself')
    check(pg.external_refs() == [], 'no reference off the page: %s' % pg.external_refs())
    check(pg.count('svg', 'spectrum') == 1, 'one spectrum chart')
    check(pg.count(cls='tl-rps-point') == 7, 'one req/s point per interval: %d' % pg.count(cls='tl-rps-point'))
    check(pg.count(cls='tl-point') == 3 * 7, 'p50, p99, max per interval: %d' % pg.count(cls='tl-point'))
    check(pg.count('text', 'flag') == 2, 'the interval with errors is marked on both timelines')
    rows = pg.count('g', 'stack-row')
    check(rows == 3, 'anatomy: mean, p99 and p99.9 bars (got %d)' % rows)
    names = {a.get('data-name') for t, a in pg.elements if 'segment' in a.get('class', '')}
    check({'wait_runq', 'wait_other', 'client'} <= names and 'wait' not in names,
          'wait shown split into its halves: %s' % sorted(names))
    check(pg.count('svg', 'hist-runq') == 1 and pg.count('svg', 'hist-accept') == 1, 'kernel histograms')
    check(pg.count('svg', 'ranking-bars') == 0, 'no ranking for one run')


def test_several_servers(tmp):
    runs = [fixtures.run('nginx', 60000, 1e6, seed=1), fixtures.run('aiohttp', 20000, 4e6, seed=2),
            fixtures.run('flask', 2400, 30e6, seed=3)]
    pg = page_of(tmp, 'multi', fixtures.multi(runs))
    bars = [a for t, a in pg.elements if t == 'rect' and 'bar' in a.get('class', '').split()]
    check(len(bars) == 3, 'one bar per server: %d' % len(bars))
    check([b['data-name'] for b in bars] == ['nginx', 'aiohttp', 'flask'], 'bars ranked by req/s')
    overlay = [a for t, a in pg.elements if t == 'g' and 'series' in a.get('class', '')]
    check(pg.count('svg', 'spectrum-overlay') == 1, 'the spectra overlaid in one chart')
    check(len(overlay) >= 3 + 3, 'a spectrum line per run (overlay and per run): %d' % len(overlay))


def test_two_files_and_schema2(tmp):
    a = fixtures.run('nginx', 50000, 1e6, seed=4, schema=2)
    b = fixtures.run('nginx', 40000, 2e6, seed=5, schema=1, mode='open')
    pg = page_of(tmp, 'files', [a, b])
    labels = [t for t, x in pg.elements if t == 'rect' and 'bar' in x.get('class', '').split()]
    check(len(labels) == 2, 'two files, two bars')
    check(len(pg.data_json) == 2, 'both reports embedded')
    with open(os.path.join(tmp, 'files.html')) as f:
        text = f.read()
    wait_p50 = a['breakdown']['components']['wait_ns']['p50']
    check("<td>wait</td>" in text and ("data-sort='%d'" % wait_p50) in text,
          'schema 2 component figures read (wait p50)')
    series = [x.get('data-name') for t, x in pg.elements if t == 'g' and 'series' in x.get('class', '')]
    check(series.count('latency uncorrected') == 1 and series.count('latency (corrected)') == 1,
          'open loop: corrected and uncorrected spectra side by side: %s' % series)


def test_repeats_and_comparison(tmp):
    a = fixtures.repeats('nginx', 50000, 1e6, 5, seed=3, noise=0.01)
    b = fixtures.repeats('nginx', 40000, 1.25e6, 5, seed=4, noise=0.01)
    a['summary'] = [{'server': 'nginx', 'rank': 1, 'runs': 5, 'tied_with': [],
                     'rps': {'median': 50000, 'ci_low': 49000, 'ci_high': 51000, 'confidence': 0.9375},
                     'checks': {'ci_width': {'status': 'warn', 'message': 'noisy: about 3 more runs would be needed'},
                                'repeats_agree': {'status': 'warn', 'message': 'repeats disagree beyond their own spread'}}}]
    pg = page_of(tmp, 'ab', [a, b])
    check(pg.count('tr', 'compare-row') == 7, 'two files: B against A, one row per figure (%d)' % pg.count('tr', 'compare-row'))
    check(pg.count('tr', 'repeat-row') == 1, 'the repeats summary shown')
    with open(os.path.join(tmp, 'ab.html')) as f:
        text = f.read()
    check('B slower by 20' in text and 'about 3 more runs' in text, 'the verdict and the noisy-repeats warning shown')
    check('nginx (repeats): repeats disagree beyond their own spread' in text,
          'every warning of the summary at the top, not only the noisy one (the embedded JSON has it anyway)')
    both = fixtures.multi(a['runs'] + fixtures.repeats('aiohttp', 20000, 4e6, 5, seed=9)['runs'])
    both['summary'] = a['summary'] + [{'server': 'aiohttp', 'rank': 2, 'runs': 5, 'tied_with': [],
                                       'rps': {'median': 20000, 'ci_low': None, 'ci_high': None, 'confidence': None},
                                       'checks': {'ci_width': {'status': 'warn', 'message': 'too few runs'}}}]
    pg = page_of(tmp, 'repeats', both)
    bars = [x.get('data-name') for t, x in pg.elements if t == 'rect' and 'bar' in x.get('class', '').split()]
    check(bars == ['nginx', 'aiohttp'], 'with repeats: one bar per server at its median: %s' % bars)
    check(pg.count('path', 'whisker') == 1, 'an interval drawn where there is one (%d)' % pg.count('path', 'whisker'))
    check(pg.count('tr', 'repeat-row') == 2, 'both servers in the repeats table')
    pg = page_of(tmp, 'three', [a, b, fixtures.run()])
    check(pg.count('tr', 'compare-row') == 0, 'three files: no pairwise comparison')


def test_bad_input(tmp):
    cases = {
        'missing.json': (None, 'cannot open'),
        'garbage.json': ('{"schema_version": 1, ', 'not JSON'),
        'array.json': ('[1, 2]', 'not a bench-ebpf report'),
        'other.json': (json.dumps({'schema_version': 1, 'tool': {'name': 'wrk'}}), 'not a bench-ebpf report'),
        'newer.json': (json.dumps(dict(fixtures.run(), schema_version=99)), 'newer bench-ebpf'),
        'older.json': (json.dumps(dict(fixtures.run(), schema_version=0)), 'schema_version 0'),
    }
    good = fixtures.write(os.path.join(tmp, 'good.json'), fixtures.run())
    for name, (content, needle) in cases.items():
        path = os.path.join(tmp, name)
        if content is not None:
            with open(path, 'w') as f:
                f.write(content)
        out = os.path.join(tmp, name + '.html')
        p = report(good, path, '-o', out)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 2, '%s: exit 2, got %d' % (name, p.returncode))
        check(len(lines) == 1 and path in lines[0] and needle in lines[0],
              '%s: one line naming the file and "%s": %r' % (name, needle, p.stderr))
        check(not os.path.exists(out), '%s: no page written' % name)
    p = report('-o', os.path.join(tmp, 'x.html'))
    check(p.returncode == 2 and 'RUN.json' in p.stderr, 'no file given: exit 2')
    p = report(good, '-o', os.path.join(tmp, 'no-such-dir', 'x.html'))
    check(p.returncode == 1 and 'no-such-dir' in p.stderr, 'unwritable output: exit 1 naming it')


def test_missing_figures(tmp):
    """A figure the report does not have (no --pid with --url; no window when
    the server died in the warm-up) reads "-" on the page, never "nan"."""
    doc = fixtures.run()
    doc['server']['pid'] = None
    doc['client']['rps'] = None
    page_of(tmp, 'missing', doc)
    with open(os.path.join(tmp, 'missing.html')) as f:
        html = f.read()
    printed = re.findall(r'.{30}\bnan\b.{10}', html)
    check(not printed, 'no "nan" printed: %s' % printed)
    check('pid -,' in html, 'the missing pid reads "-"')
    page_of(tmp, 'missing-two', [fixtures.run(), doc])   # ranked and compared beside a whole run
    with open(os.path.join(tmp, 'missing-two.html')) as f:
        html = f.read()
    printed = re.findall(r'.{30}\bnan\b.{10}', html)
    check(not printed, 'two runs, one without req/s: no "nan" printed: %s' % printed)


def main():
    return run([test_single_run, test_several_servers, test_two_files_and_schema2, test_repeats_and_comparison,
                test_bad_input, test_missing_figures])


if __name__ == '__main__':
    sys.exit(main())
