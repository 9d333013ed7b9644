"""Constructed bench-ebpf reports for the report/compare tests: the shape the
tool writes (schema 1 keys, or schema 2's `*_ns` distributions), with
histograms built from seeded samples so every figure is consistent."""
import copy
import json
import math
import random

COMPONENTS = ['net_in', 'wait', 'wait_runq', 'wait_other', 'app', 'net_out', 'client']


def bucket_of(v):
    """Log-linear buckets, 2 significant digits (like the tool's, coarser)."""
    if v < 100:
        return int(v), int(v) + 1
    e = 10 ** (int(math.log10(v)) - 1)
    lo = int(v // e) * e
    return lo, lo + e


def quantile(sorted_vals, q):
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


def dist(samples, schema):
    s = sorted(samples)
    n = len(s)
    mean = sum(s) / n
    stats = {'count': n, 'min': s[0], 'mean': int(mean),
             'stdev': int(math.sqrt(sum((x - mean) ** 2 for x in s) / n)),
             'p50': quantile(s, .5), 'p90': quantile(s, .9), 'p99': quantile(s, .99),
             'p999': quantile(s, .999), 'p9999': quantile(s, .9999), 'max': s[-1]}
    hist = {}
    for v in s:
        hist.setdefault(bucket_of(v), 0)
        hist[bucket_of(v)] += 1
    stats['hist'] = [{'lo': lo, 'hi': hi, 'count': c} for (lo, hi), c in sorted(hist.items())]
    return stats


def component(samples, schema):
    d = dist(samples, schema)
    if schema >= 2:
        return d
    return {'count': d['count'], 'mean_ns': d['mean'], 'p50_ns': d['p50'], 'p90_ns': d['p90'],
            'p99_ns': d['p99'], 'max_ns': d['max']}


def run(server='nginx', rps=20000.0, median_ns=2e6, n=4000, seed=1, schema=1, intervals=0,
        mode='closed', wait_extra_ns=0):
    """wait_extra_ns: added to every request's run-queue wait (and latency)."""
    rng = random.Random(seed)
    lat = [max(1000, int(rng.lognormvariate(math.log(median_ns), 0.6))) for _ in range(n)]
    lat = [v + wait_extra_ns for v in lat]
    parts = {c: [] for c in COMPONENTS}
    for v in lat:
        base = v - wait_extra_ns
        app = int(base * 0.1)
        runq = int(base * 0.3) + wait_extra_ns
        other = int(base * 0.2)
        net_in = int(base * 0.05)
        net_out = int(base * 0.05)
        client = v - app - runq - other - net_in - net_out
        for name, x in (('net_in', net_in), ('wait', runq + other), ('wait_runq', runq),
                        ('wait_other', other), ('app', app), ('net_out', net_out), ('client', client)):
            parts[name].append(max(x, 0))
    comp_key = (lambda c: c + '_ns') if schema >= 2 else (lambda c: c)
    r = {
        'schema_version': schema,
        'tool': {'name': 'bench-ebpf', 'version': '0.1.0'},
        'host': {'kernel': '6.18.0', 'arch': 'x86_64', 'cpu_model': 'test CPU', 'cpus': 2, 'hostname': 'test'},
        'server': {'name': server, 'command': '/usr/sbin/' + server, 'pid': 1234, 'port': 8080,
                   'url': 'http://127.0.0.1:8080/', 'version': server + ' 1.0', 'external': False, 'cpus': '0'},
        'load': {'mode': mode, 'engine': 'epoll', 'connections': 100, 'threads': 1, 'requests': n,
                 'duration_ns': int(n / rps * 1e9), 'duration_limit_ns': None, 'warmup_ns': 0,
                 'timeout_ns': 10_000_000_000, 'client_cpus': '1',
                 'rate': rps if mode == 'open' else None, 'arrival': 'constant' if mode == 'open' else None},
        'client': {'requests_completed': n, 'requests_ok': n,
                   'errors': {k: 0 for k in ('total', 'connect', 'read', 'write', 'timeout', 'status', 'parse', 'body')},
                   'rps': rps, 'bytes_read': 181 * n, 'transfer_bytes_per_s': 181 * rps,
                   'cpu_seconds': 0.2, 'busy_fraction': 0.4, 'latency_ns': dist(lat, schema),
                   'latency_uncorrected_ns': dist([int(v * 0.8) for v in lat], schema),
                   'open_loop': {'achieved_rate': rps, 'unsent': 0} if mode == 'open' else None},
        'kernel': {
            'probes': {'groups': ['syscalls', 'sched', 'tcp', 'anatomy'],
                       'attached': [{'name': 'sys_enter', 'mode': 'tp_btf'}], 'missing': []},
            'syscalls': {'recvfrom': syscall(rng, n, schema), 'writev': syscall(rng, n, schema)},
            'sched': {'runq_delay_ns': log2_dist(rng, 300, 50_000)},
            'accept': {'wait_ns': log2_dist(rng, 100, 2_000_000), 'available': True},
            'tcp': {'retransmits': 0, 'synack_retransmits': 0, 'resets_sent': 0, 'resets_received': 0,
                    'established': 100, 'listen_overflows': 0, 'listen_drops': 0},
            'records_lost': 0,
        },
        'breakdown': {'available': True, 'client_requests': n, 'matched': n, 'unmatched': 0, 'coverage': 1.0,
                      'components': {comp_key(c): component(v, schema) for c, v in parts.items()},
                      'tail': tail(lat, parts), 'records_lost': 0},
        'interrupted': False, 'error': None, 'command_line': 'bench-ebpf --server ' + server, 'notes': [],
    }
    if intervals:
        r['timeline'] = timeline(lat, intervals, rps, schema, parts, rng)
    return r


def syscall(rng, n, schema):
    d = log2_dist(rng, n, 4000)
    if schema >= 2:
        return {'count': n, 'errors': 0, 'eagain': 0, 'total_ns': d['mean'] * n, 'latency_ns': d}
    return {'count': n, 'errors': 0, 'eagain': 0, 'total_ns': d['mean'] * n, 'max_ns': d['max'],
            'p50_ns': d['p50'], 'p99_ns': d['p99'], 'hist': d['hist']}


def log2_dist(rng, n, median):
    vals = sorted(max(1, int(rng.lognormvariate(math.log(median), 0.8))) for _ in range(n))
    hist = {}
    for v in vals:
        lo = 1 << (v.bit_length() - 1)
        hist[lo] = hist.get(lo, 0) + 1
    return {'count': n, 'mean': int(sum(vals) / n), 'p50': quantile(vals, .5), 'p99': quantile(vals, .99),
            'max': vals[-1], 'hist': [{'lo': lo, 'hi': 2 * lo, 'count': c} for lo, c in sorted(hist.items())]}


def tail(lat, parts):
    out = {}
    s = sorted(lat)
    for key, q in (('p99', .99), ('p999', .999)):
        th = quantile(s, q)
        idx = [i for i, v in enumerate(lat) if v > th]
        total = sum(lat[i] for i in idx)
        t = {'threshold_ns': th, 'requests': len(idx)}
        for c in COMPONENTS:
            t[c + '_share'] = (sum(parts[c][i] for i in idx) / total) if total else None
        out[key] = t
    return out


def no_hist(samples):
    d = dist(samples, 2)
    del d['hist']
    return d


def interval_kernel(rng, requests, end_ns, spike):
    """An interval's kernel figures: run-queue waits around 50 us, ten
    times that in the spike interval."""
    runq = [max(1, int(rng.lognormvariate(math.log(50_000 * (10 if spike else 1)), 0.7)))
            for _ in range(200)]
    return {'read_ns': end_ns + 300_000,
            'syscalls': {'recvfrom': {'count': requests}, 'writev': {'count': requests}},
            'syscalls_total': 2 * requests,
            'sched': {'runq_delay_ns': no_hist(runq), 'oncpu_ns': end_ns // 2},
            'tcp': {'retransmits': 0}}


def timeline(lat, intervals, rps, schema, parts, rng):
    """Intervals as the tool writes them: the client's figures, the
    kernel's and the anatomy's (its components per interval)."""
    per = len(lat) // intervals
    step = int(per / rps * 1e9)
    out = []
    for i in range(intervals):
        end = (i + 1) * per if i + 1 < intervals else len(lat)
        chunk = lat[i * per:end]
        d = dist(chunk, schema)
        del d['hist']
        comps = {c + '_ns': no_hist(v[i * per:end]) for c, v in parts.items()}
        out.append({'start_ns': i * step, 'duration_ns': step, 'requests': len(chunk),
                    'errors': 1 if i == intervals // 2 else 0, 'rps': len(chunk) / (step / 1e9),
                    'latency_ns': d,
                    'kernel': interval_kernel(rng, len(chunk), (i + 1) * step, i == intervals // 3),
                    'anatomy': {'matched': len(chunk), 'late': 0, 'components': comps}})
    return out


def repeats(server, rps, median_ns, count, seed, noise=0.02, **kw):
    """count runs of one server whose req/s and latency scatter by noise."""
    rng = random.Random(seed * 7919)
    out = []
    for i in range(count):
        f = 1 + rng.gauss(0, noise)
        out.append(run(server, rps * f, median_ns / f, n=2000, seed=seed * 100 + i, **kw))
    return multi(out)


def multi(runs):
    return {'schema_version': runs[0]['schema_version'], 'tool': {'name': 'bench-ebpf', 'version': '0.1.0'},
            'host': copy.deepcopy(runs[0]['host']), 'command_line': 'bench-ebpf --server ...', 'notes': [],
            'runs': runs,
            'ranking': [{'rank': i + 1, 'server': r['server']['name'], 'rps': r['client']['rps']}
                        for i, r in enumerate(sorted(runs, key=lambda r: -r['client']['rps']))],
            'interrupted': False}


def write(path, doc):
    with open(path, 'w') as f:
        json.dump(doc, f)
    return path
