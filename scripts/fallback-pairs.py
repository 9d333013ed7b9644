#!/usr/bin/env python3
"""Loads scripts/fallback-pairs.bpf.c's pairs through libbpf (ctypes), a
group of pairs at a time, loads nginx meanwhile, and prints the table.

    fallback-pairs.py run OBJ OUT_DIR BENCH_EBPF REQUESTS   (root, on the kernel measured)
    fallback-pairs.py table OUT_DIR

run writes OUT_DIR/pairs.json (each pair's histogram: 8 ns buckets, the
last one for everything beyond 65 us); table prints, per pair, the calls
paired, the median and the 10th..90th percentiles, in ns. Exit status 1
when a pair saw no call or most of its calls fell beyond the histogram (the
hooks did not run in the order named)."""
import ctypes
import json
import os
import subprocess
import sys

NBUCKETS = 8192
SHIFT = 3
PAIRS = [
    "control: tp_btf sk_data_ready twice",
    "S1,C4: fentry sock_def_readable, then tp_btf sk_data_ready",
    "S1,C4: kprobe sock_def_readable, then tp_btf sk_data_ready",
    "control: tp_btf sock_recv_length twice",
    "S2: tp_btf sock_recv_length, then fexit sock_recvmsg",
    "S2: kretprobe tcp_recvmsg, then tp_btf sock_recv_length",
    "control: tp_btf sock_send_length twice",
    "send end: fexit tcp_sendmsg, then tp_btf sock_send_length",
    "send end: kretprobe tcp_sendmsg, then tp_btf sock_send_length",
]
# Attached together: each pair of a group on hooks of its own.
GROUPS = [(0, 3, 6), (1, 4, 7), (2, 5, 8)]


def libbpf():
    lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    for name, res, args in [
            ("bpf_object__open_file", vp, [cp, vp]), ("bpf_object__load", ctypes.c_int, [vp]),
            ("bpf_object__next_program", vp, [vp, vp]), ("bpf_program__name", cp, [vp]),
            ("bpf_program__set_autoload", ctypes.c_int, [vp, ctypes.c_bool]),
            ("bpf_program__attach", vp, [vp]), ("bpf_link__destroy", ctypes.c_int, [vp]),
            ("bpf_object__find_map_fd_by_name", ctypes.c_int, [vp, cp]),
            ("bpf_map_lookup_elem", ctypes.c_int, [ctypes.c_int, vp, vp]),
            ("bpf_object__close", None, [vp])]:
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


def run_group(lib, obj_path, group, bench, reqs):
    obj = lib.bpf_object__open_file(obj_path.encode(), None)
    if not obj:
        sys.exit("fallback-pairs: cannot open %s: %s" % (obj_path, os.strerror(ctypes.get_errno())))
    links = []
    try:
        progs, p = [], lib.bpf_object__next_program(obj, None)
        while p:
            name = lib.bpf_program__name(p).decode()
            wanted = int(name[1:-1]) in group
            lib.bpf_program__set_autoload(p, wanted)
            if wanted:
                progs.append((name, p))
            p = lib.bpf_object__next_program(obj, p)
        if lib.bpf_object__load(obj):
            sys.exit("fallback-pairs: loading %s failed: %s" % (
                [n for n, _ in progs], os.strerror(ctypes.get_errno())))
        # "a" before "b": two programs on one tracepoint run in attach order.
        for name, p in sorted(progs, key=lambda x: x[0]):
            link = lib.bpf_program__attach(p)
            if not link:
                sys.exit("fallback-pairs: attaching %s failed: %s" % (name, os.strerror(ctypes.get_errno())))
            links.append(link)
        subprocess.run([bench, "--no-ebpf", "--server", "nginx", "-c", "1", "-n", str(reqs), "-q",
                        "--ready-timeout", "300s", "-o", "/dev/null"], check=True)
        fd = lib.bpf_object__find_map_fd_by_name(obj, b"hist")
        out = {}
        key, val = ctypes.c_uint32(), ctypes.c_uint64()
        for pair in group:
            h = []
            for b in range(NBUCKETS + 1):
                key.value = pair * (NBUCKETS + 1) + b
                if lib.bpf_map_lookup_elem(fd, ctypes.byref(key), ctypes.byref(val)):
                    sys.exit("fallback-pairs: reading the histogram failed")
                h.append(val.value)
            out[pair] = h
        return out
    finally:
        for link in links:
            lib.bpf_link__destroy(link)
        lib.bpf_object__close(obj)


def quantile(h, q):
    n = sum(h)
    want, seen = q * n, 0
    for b, c in enumerate(h):
        seen += c
        if seen >= want and c:
            return (b << SHIFT) + (1 << SHIFT) / 2 if b < NBUCKETS else float("inf")
    return float("nan")


def table(out_dir):
    with open(os.path.join(out_dir, "pairs.json")) as f:
        data = json.load(f)
    print("kernel %s: per kernel call, the later hook's bpf_ktime_get_ns() minus the earlier "
          "one's, ns (8 ns buckets)" % data["kernel"])
    print()
    print("| pair | calls | median | p10..p90 | beyond 65 us |")
    print("| --- | ---: | ---: | --- | ---: |")
    bad = 0
    for i, name in enumerate(PAIRS):
        h = data["hist"].get(str(i))
        n = sum(h) if h else 0
        if not n or h[NBUCKETS] * 2 > n:
            print("fallback-pairs: %s: %s" % (name, "no call paired" if not n else
                  "most calls beyond the histogram: the hooks did not run in this order"), file=sys.stderr)
            bad = 1
            if not n:
                continue
        print("| %s | %d | %.0f | %.0f..%.0f | %d |" % (name, n, quantile(h, 0.5), quantile(h, 0.1),
                                                    quantile(h, 0.9), h[NBUCKETS]))
    return bad


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "run":
        obj, out_dir, bench, reqs = sys.argv[2:]
        lib = libbpf()
        hist = {}
        for g in GROUPS:
            print("fallback-pairs: %s" % "; ".join(PAIRS[i] for i in g), file=sys.stderr)
            hist.update(run_group(lib, obj, g, bench, int(reqs)))
        with open(os.path.join(out_dir, "pairs.json"), "w") as f:
            json.dump({"kernel": os.uname().release, "hist": hist}, f)
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "table":
        return table(sys.argv[2])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
