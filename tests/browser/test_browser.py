"""The HTML report in a real browser: Debian's Chromium, headless, loads the
page from file:// with every network name unresolvable; the script runs
without an error, nothing is logged to the console, the laid-out page has the
chart elements the data implies, no text overlaps at 1280x800, and a
screenshot is not blank. Exit 77 (skip) without chromium."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(__file__))
import fixtures  # noqa: E402
from pagecheck import Page  # noqa: E402
from checks import check, run  # noqa: E402

BIN = os.environ['BENCH_EBPF']
HERE = os.path.dirname(os.path.abspath(__file__))
INTERVALS = 9
# components drawn over time: net_in, wait_runq, wait_other, app, net_out, client
ANAT_LINES = 6


def chromium():
    for name in ('chromium', 'chromium-browser'):
        path = shutil.which(name)
        if path:
            return path
    return None


def browse(exe, tmp, url, *extra):
    """One headless Chromium with a fresh profile; (stdout, console lines)."""
    profile = tempfile.mkdtemp(dir=tmp, prefix='profile-')
    cmd = [exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--user-data-dir=' + profile, '--host-resolver-rules=MAP * ~NOTFOUND',
           '--enable-logging=stderr', '--v=0', '--window-size=1280,800', *extra, url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    shutil.rmtree(profile, ignore_errors=True)
    console = [line for line in p.stderr.splitlines() if ':CONSOLE' in line]
    return p.stdout, console, p.returncode


def png_pixels(path):
    """Distinct colours and the share of non-white pixels of an 8-bit RGB(A) PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    pos, idat, width, height, kind = 8, b'', 0, 0, 0
    while pos < len(data):
        n, tag = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if tag == b'IHDR':
            width, height, depth, kind = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and kind in (2, 6), 'unexpected PNG format'
        elif tag == b'IDAT':
            idat += body
        pos += 12 + n
    bpp = 3 if kind == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours, ink = bytearray(stride), set(), 0
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + 3])
            colours.add(px)
            ink += px != b'\xff\xff\xff'
        prev = line
    return len(colours), ink / float(width * height)


def make_page(tmp, name, docs):
    paths = [fixtures.write(os.path.join(tmp, '%s-%d.json' % (name, i)), d) for i, d in enumerate(docs)]
    out = os.path.join(tmp, name + '.html')
    p = subprocess.run([BIN, 'report', *paths, '-o', out], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, '%s: report exit %d: %s' % (name, p.returncode, p.stderr.strip()))
    with open(out) as f:
        page = f.read()
    with open(os.path.join(HERE, 'layout_check.js')) as f:
        checker = f.read()
    probe = os.path.join(tmp, name + '-probe.html')
    with open(probe, 'w') as f:
        f.write(page.replace('</body>', '<script>\n' + checker + '</script>\n</body>'))
    return out, probe


def look(exe, tmp, name, docs, expect):
    page, probe = make_page(tmp, name, docs)
    dom, console, rc = browse(exe, tmp, 'file://' + page, '--dump-dom')
    check(rc == 0, '%s: chromium exit %d' % (name, rc))
    check(console == [], '%s: nothing on the console: %s' % (name, console))
    pg = Page(dom)
    root = [a for t, a in pg.elements if t == 'html'][0]
    check(root.get('data-ready') == 'yes', '%s: the page script ran to the end (data-ready=%r)' % (name, root.get('data-ready')))
    check('data-js-errors' not in root, '%s: no script errors: %s' % (name, root.get('data-js-errors')))
    for (tag, cls), n in expect.items():
        check(pg.count(tag, cls) == n, '%s: %d <%s class=%s>, want %d' % (name, pg.count(tag, cls), tag, cls, n))
    dom, console, rc = browse(exe, tmp, 'file://' + probe, '--dump-dom')
    root = [a for t, a in Page(dom).elements if t == 'html'][0]
    layout = json.loads(root.get('data-layout', '{}'))
    check(layout.get('svgs', 0) > 0, '%s: charts laid out' % name)
    check(layout.get('overlaps') == [], '%s: no text overlaps at 1280 px: %s' % (name, layout.get('overlaps')))
    check(layout.get('offscreen') == [], '%s: no text outside its chart: %s' % (name, layout.get('offscreen')))
    check(layout.get('scrollWidth', 9999) <= 1280, '%s: no horizontal scrolling at 1280 px (%s)' % (name, layout.get('scrollWidth')))
    shot = os.path.join(tmp, name + '.png')
    _, _, rc = browse(exe, tmp, 'file://' + page, '--screenshot=' + shot, '--hide-scrollbars')
    colours, ink = png_pixels(shot)
    print('%s: screenshot %d colours, %.1f %% ink' % (name, colours, 100 * ink))
    check(colours >= 8 and ink > 0.03, '%s: the screenshot is not blank (%d colours, %.2f %% ink)' % (name, colours, 100 * ink))
    keep = os.environ.get('BROWSER_SCREENSHOT_DIR')
    if keep:
        shutil.copy(shot, os.path.join(keep, name + '.png'))


def look_real_run(exe, tmp):
    """--html on a real (short) nginx run, when root and nginx are here."""
    if os.geteuid() != 0 or not shutil.which('nginx', path='/usr/sbin:/usr/bin'):
        print('real run: not root or no nginx, left out')
        return
    page, js = os.path.join(tmp, 'real.html'), os.path.join(tmp, 'real.json')
    p = subprocess.run([BIN, '--server', 'nginx', '-n', '3000', '-c', '20', '-q', '--html', page, '-o', js],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, 'real run: exit %d: %s' % (p.returncode, p.stderr.strip()))
    if p.returncode:
        return
    with open(js) as f:
        report = json.load(f)
    dom, console, rc = browse(exe, tmp, 'file://' + page, '--dump-dom')
    check(console == [], 'real run: nothing on the console: %s' % console)
    pg = Page(dom)
    check(pg.data_json == [report], 'real run: the page embeds the JSON written with -o')
    check(pg.count('svg', 'spectrum') == 1 and pg.count('g', 'stack-row') >= 1,
          'real run: spectrum and anatomy drawn')
    check(('%.1f' % report['client']['rps']) in dom, 'real run: the headline shows client.rps')
    iv = report['timeline']['intervals']
    runq = sum(1 for e in iv if e['kernel']['sched']['runq_delay_ns']['p99'] is not None)
    check(pg.count(None, 'tl-runq-point') == runq,
          'real run: a run-queue point per interval with waits (%d of %d)' % (pg.count(None, 'tl-runq-point'), runq))
    wait = sum(1 for e in iv if e['anatomy']['components']['wait_ns']['mean'] is not None)
    check(pg.count(None, 'anat-mean-point') >= wait and pg.count(None, 'anat-p99-point') >= wait,
          'real run: the components drawn per interval')
    cost = report['kernel']['probes'].get('cost') or {}
    if cost.get('available'):
        check(pg.count('tr', 'cost-row') == len(cost['programs']),
              "real run: one row per probe in the probes' cost (%d of %d)" % (pg.count('tr', 'cost-row'), len(cost['programs'])))
    print('real run: nginx %.0f req/s, page checked' % report['client']['rps'])


def main():
    exe = chromium()
    if not exe:
        print('chromium is not installed (./bootstrap.sh install): skipped')
        return 77
    runs = [fixtures.run('nginx', 60000, 1e6, seed=1), fixtures.run('aiohttp', 20000, 4e6, seed=2),
            fixtures.run('fastapi', 8000, 9e6, seed=3), fixtures.run('flask', 2400, 30e6, seed=4)]
    return run([
        lambda tmp: look(exe, tmp, 'one-run', [fixtures.run(intervals=INTERVALS)], {
            ('svg', 'spectrum'): 1, ('svg', 'timeline-latency'): 1,
            (None, 'tl-rps-point'): INTERVALS, (None, 'tl-point'): 3 * INTERVALS,
            ('g', 'stack-row'): 3, ('svg', 'ranking-bars'): 0,
            # the kernel's and the anatomy's view per interval: a point each
            ('svg', 'timeline-runq'): 1, (None, 'tl-runq-point'): INTERVALS,
            (None, 'tl-lat-p99-point'): INTERVALS,
            ('svg', 'anatomy-timeline-mean'): 1, ('svg', 'anatomy-timeline-p99'): 1,
            (None, 'anat-mean-point'): ANAT_LINES * INTERVALS, (None, 'anat-p99-point'): ANAT_LINES * INTERVALS,
        }),
        lambda tmp: look(exe, tmp, 'four-servers', [fixtures.multi(runs)], {
            ('rect', 'bar'): 4, ('svg', 'spectrum-overlay'): 1, ('svg', 'spectrum'): 4,
            ('svg', 'timeline-latency'): 0,
        }),
        lambda tmp: look(exe, tmp, 'open-loop', [fixtures.run(mode='open', rps=5000, intervals=4, schema=2)], {
            # spectrum (corrected, uncorrected), latency, req/s, run-queue beside
            # latency p99, each component's mean and p99
            ('g', 'series'): 2 + 3 + 1 + 2 + 2 * ANAT_LINES,
        }),
        lambda tmp: look_real_run(exe, tmp),
    ])


if __name__ == '__main__':
    sys.exit(main())
