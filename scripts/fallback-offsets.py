#!/usr/bin/env python3
"""The table of scripts/fallback-offsets.sh, from its runs' files.

    fallback-offsets.py DIR

DIR holds r<round>-c<config>.{json,jsonl,name} (config 0: every mark on
its tracepoint). A mark that moves by d moves the interval before it by +d
and the one after it by -d; so, per run, the median over its requests
(kept-alive ones: the first of a connection has other marks between) of
each interval next to a moved mark, minus the same median in the same
round's tracepoint run, estimates d twice. Printed per fallback: the
median of those per-round shifts and their range (min..max over the
rounds), next to the noise floor (the same figure between tracepoint runs
of consecutive rounds). Exit status 1 when a run's marks did not come from
the mechanism its configuration asked for or its anatomy is incomplete."""
import glob
import json
import os
import re
import statistics
import sys

# The intervals on each side of a mark (before: +d, after: -d), by the
# trace's field names; send_ns ends at the send's end.
SIDES = {
    "S1": ("net_in", "wait"),
    "C4": ("net_out", "client"),
    "S2": ("wait", "app"),
    "S3": ("app", "net_out"),
    "send end": ("send_ns", None),
}
# Which marks each configuration moves, and the probe and mechanism that
# must have taken them.
MOVES = {
    "S1,C4": (("S1", "C4"), "anatomy/sk_data_ready"),
    "S2": (("S2",), "anatomy/sock_recv_length"),
    "send end": (("send end",), "anatomy/sock_send_length"),
    "S3": (("S3",), "anatomy/tcp_sendmsg_locked"),
}


def load(dirname):
    runs = {}
    for path in glob.glob(os.path.join(dirname, "r*-c*.name")):
        m = re.match(r"r(\d+)-c(\d+)\.name$", os.path.basename(path))
        base = path[:-len(".name")]
        with open(path) as f:
            name = f.read().strip()
        with open(base + ".json") as f:
            report = json.load(f)
        medians = {}
        fields = {f for pair in SIDES.values() for f in pair if f}
        rows = {f: [] for f in fields}
        with open(base + ".jsonl") as f:
            for line in f:
                rec = json.loads(line)
                if rec["new_conn"]:
                    continue
                for k in fields:
                    rows[k].append(rec[k])
        for k, v in rows.items():
            medians[k] = statistics.median(v) if v else None
        runs[(int(m.group(1)), int(m.group(2)))] = {
            "name": name, "report": report, "medians": medians, "requests": len(rows["app"])}
    return runs


def mechanisms(report):
    return {p["name"]: p["mechanism"] for p in report["kernel"]["probes"]["attached"]}


def check(run):
    """The configuration's mechanism really ran, and the anatomy is whole."""
    errors = []
    b = run["report"]["breakdown"]
    if not b.get("available") or b.get("coverage", 0) < 0.99:
        errors.append("coverage %s (%s)" % (b.get("coverage"), b.get("reason")))
    if run["report"]["kernel"]["records_lost"]:
        errors.append("%d records lost" % run["report"]["kernel"]["records_lost"])
    name = run["name"]
    mech = mechanisms(run["report"])
    for prefix, (_, probe) in MOVES.items():
        if name.startswith(prefix + " "):
            want = name[len(prefix) + 1:].split()[0]
            if mech.get(probe) != want:
                errors.append("%s ran on %s, not %s" % (probe, mech.get(probe), want))
    return errors


def fmt_range(values):
    return "%+.0f (%+.0f..%+.0f)" % (statistics.median(values), min(values), max(values))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    runs = load(d)
    if not runs:
        sys.exit("fallback-offsets: no runs in %s" % d)
    bad = 0
    for key, run in sorted(runs.items()):
        for e in check(run):
            print("fallback-offsets: round %d, %s: %s" % (key[0] + 1, run["name"], e), file=sys.stderr)
            bad = 1
    rounds = sorted({r for r, _ in runs})
    configs = sorted({c for _, c in runs})
    base = {r: runs[(r, 0)]["medians"] for r in rounds if (r, 0) in runs}
    try:
        kernel = open(os.path.join(d, "kernel")).read().strip()
    except OSError:
        kernel = "(unknown)"
    reqs = min(run["requests"] for run in runs.values())
    print("kernel %s, %d rounds, >= %d kept-alive requests per run; shift of the mark "
          "against the same round's tracepoint run, ns: median over rounds (min..max)"
          % (kernel, len(rounds), reqs))
    print()
    print("| fallback | mark | interval before: longer by | interval after: shorter by |")
    print("| --- | --- | --- | --- |")
    # Noise floor: tracepoint runs of consecutive rounds against each other.
    for mark, (before, after) in SIDES.items():
        pairs = [(base[a], base[b]) for a, b in zip(rounds, rounds[1:]) if a in base and b in base]
        if not pairs:
            break
        col = [fmt_range([y[before] - x[before] for x, y in pairs])]
        col.append(fmt_range([x[after] - y[after] for x, y in pairs]) if after else "")
        print("| (noise: tracepoint vs tracepoint) | %s | %s | %s |" % (mark, col[0], col[1]))
    for c in configs:
        if c == 0:
            continue
        name = runs[(rounds[0], c)]["name"]
        marks = next((m for p, (m, _) in MOVES.items() if name.startswith(p + " ")),
                     ("S1", "C4", "S2", "send end"))
        for mark in marks:
            before, after = SIDES[mark]
            sb = [runs[(r, c)]["medians"][before] - base[r][before] for r in rounds if r in base]
            sa = [base[r][after] - runs[(r, c)]["medians"][after] for r in rounds if r in base] if after else []
            print("| %s | %s | %s | %s |" % (name, mark, fmt_range(sb), fmt_range(sa) if sa else ""))
    mechs = mechanisms(runs[(rounds[0], 0)]["report"])
    print()
    print("tracepoint runs' mechanisms: " + ", ".join(
        "%s=%s" % (p[len("anatomy/"):], m) for p, m in sorted(mechs.items()) if p.startswith("anatomy/")))
    return bad


if __name__ == "__main__":
    sys.exit(main())
