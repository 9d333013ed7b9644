"""Anatomy of each request, on the real kernel with the real binary.

A server whose work per request is known (the test library's http-server
with --work-us: single-threaded, spins W on the CPU per request) must come out as app = W, and in a closed
loop of c connections as wait = (c - 1) x W. Every matched request of every
run must have its marks in causal order and components that add up to its
client latency exactly. The built-in servers must be covered at >= 99.9 %
with no record lost. Missing probes degrade the breakdown, never the run.
"""
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import BenchTest, run, validate  # noqa: E402

SPIN = os.environ.get("HTTP_SERVER", os.path.join(harness.SOURCE_ROOT, "build/tests/lib/http-server"))
W_US = 2000
W = W_US * 1000
TELESCOPING = ["connect", "net_in", "accept_wait", "wait", "app", "net_out", "client"]


def check_trace(t, path):
    """Every line: marks in causal order, components >= 0 adding up exactly."""
    n = 0
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            n += 1
            where = "trace line %d: %s" % (n, line.strip())
            marks = [d[m] for m in ("c0", "s1", "s2", "s3", "c4", "c5")]
            t.assertEqual(marks, sorted(marks), "c0 <= s1 <= s2 <= s3 <= c4 <= c5; " + where)
            if d["new_conn"]:
                t.assertTrue(d["c0"] <= d["ce"] <= d["s1"], "c0 <= ce <= s1; " + where)
                t.assertLessEqual(d["acc"], d["s2"], "accept before the read; " + where)
            # unsigned in the trace: a negative difference would show as huge
            for c in TELESCOPING + ["wait_runq", "wait_other"]:
                t.assertLessEqual(d[c], d["latency"], where)
            t.assertEqual(sum(d[c] for c in TELESCOPING), d["c5"] - d["c0"], "closure; " + where)
            t.assertEqual(d["latency"], d["c5"] - d["c0"], where)
            t.assertEqual(d["wait_runq"] + d["wait_other"], d["wait"], where)
            # the first send's own duration (it may end after C5 on loopback):
            # one stamped from 0, or wrapped below 0, would exceed S3 itself
            if d["sends"]:
                t.assertTrue(0 < d["send_ns"] < d["s3"], "0 < send_ns < s3; " + where)
    return n


class Anatomy(BenchTest):
    def assertClean(self, result):
        """assertCleanAfter, tolerant of other bench-ebpf runs on the machine:
        a temp dir that someone else's run made goes away with that run, a
        leaked one stays."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not set(harness.leftover_tmpdirs()) - self.tmp_before:
                break
            time.sleep(0.5)
        self.assertCleanAfter(result)

    def bench(self, args, timeout=180):
        with tempfile.TemporaryDirectory(prefix="anatomy-test-") as tmp:
            trace = os.path.join(tmp, "trace.jsonl")
            r = run(list(args) + ["--trace", trace], timeout=timeout)
            self.assertEqual(r.rc, 0, "bench-ebpf %s failed; stderr:\n%s" % (args, r.stderr))
            validate(r.json)
            self.assertClean(r)
            b = r.json["breakdown"]
            if b["available"]:
                lines = check_trace(self, trace)
                self.assertEqual(lines, b["matched"], "one trace line per matched request")
            return r, b

    def assertCovered(self, r, b, at_least=0.999):
        self.assertTrue(b["available"], b.get("reason"))
        self.assertGreaterEqual(b["coverage"], at_least, "coverage; unmatched %s; stderr:\n%s"
                                % (b["unmatched_reasons"], r.stderr))
        self.assertEqual(r.json["kernel"]["records_lost"], 0, "records lost")
        self.assertEqual(b["records_lost"], 0)
        ring = r.json["kernel"]["anatomy"]["ring"]
        self.assertGreater(ring["peak_used"], 0, "the poller saw records waiting")
        self.assertLess(ring["peak_used"], ring["bytes"], "the ring filled up")
        total = sum(b["components"][c + "_ns"]["mean"] for c in TELESCOPING if c + "_ns" in b["components"]
                    and c not in ("connect", "accept_wait"))
        if "connect_ns" in b["components"]:
            n = b["matched"]
            for c in ("connect", "accept_wait"):
                total += b["components"][c + "_ns"]["mean"] * b["components"][c + "_ns"]["count"] / n
        # the means telescope too (each is rounded to a ns)
        self.assertAlmostEqual(total, b["latency_ns"]["mean"], delta=8)

    def spin(self, conns, n, extra=()):
        cmd = "%s --port {port} --work-us %d %s" % (SPIN, W_US, " ".join(extra))
        return self.bench(["--server-cmd", cmd, "-c", str(conns), "-n", str(n), "-q"])

    def test_spin_one_connection(self):
        """One connection: app = W, wait near zero."""
        r, b = self.spin(1, 200)
        self.assertCovered(r, b)
        comp = b["components"]
        self.assertGreaterEqual(comp["app_ns"]["p50"], W)
        self.assertLess(comp["app_ns"]["p50"], 1.1 * W, comp["app_ns"])
        self.assertLess(comp["wait_ns"]["p50"], 0.05 * W, comp["wait_ns"])
        self.assertLess(comp["net_in_ns"]["p50"], 0.05 * W)
        self.assertLess(comp["net_out_ns"]["p50"], 0.05 * W)

    def test_spin_closed_loop(self):
        """c connections: wait = (c - 1) x W (closed-loop arithmetic)."""
        c = 4
        r, b = self.spin(c, 400)
        self.assertCovered(r, b)
        comp = b["components"]
        self.assertGreaterEqual(comp["app_ns"]["p50"], W)
        self.assertLess(comp["app_ns"]["p50"], 1.1 * W)
        # FIFO service: each request waits while the c - 1 others are
        # served. Their service is W of spinning, unless the machine's other
        # work preempted the server (then app grows, and wait with it).
        expect = (c - 1) * W
        self.assertGreater(comp["wait_ns"]["p50"], 0.9 * expect, comp["wait_ns"])
        self.assertLess(comp["wait_ns"]["p50"], 1.15 * expect, comp["wait_ns"])
        expect = (c - 1) * comp["app_ns"]["mean"]
        self.assertGreater(comp["wait_ns"]["mean"], 0.9 * expect, (comp["wait_ns"], comp["app_ns"]))
        self.assertLess(comp["wait_ns"]["mean"], 1.2 * expect, (comp["wait_ns"], comp["app_ns"]))
        self.assertGreater(b["tail"]["p99"]["requests"], 0)

    def test_spin_connection_per_request(self):
        """Connection per request: connect and accept_wait, and it still adds up.
        The single-threaded server accepts all pending connections when the
        listener's turn comes, so a request now waits partly in the accept
        queue, and accept_wait + wait is what wait was with kept-alive
        connections: (c - 1) x the others' service."""
        c = 4
        r, b = self.spin(c, 200, ["--answer", "close"])
        self.assertCovered(r, b)
        self.assertTrue(b["connection_per_request"])
        comp = b["components"]
        for name in ("connect_ns", "accept_wait_ns"):
            self.assertIn(name, comp)
            self.assertEqual(comp[name]["count"], b["matched"])
        self.assertGreaterEqual(comp["app_ns"]["p50"], W)
        queued = comp["accept_wait_ns"]["mean"] + comp["wait_ns"]["mean"]
        expect = (c - 1) * comp["app_ns"]["mean"]
        self.assertGreater(queued, 0.8 * expect, comp)
        self.assertLess(queued, 1.25 * expect, comp)
        self.assertGreater(comp["accept_wait_ns"]["mean"], 0.25 * expect, comp)

    def test_builtin_servers(self):
        """aiohttp, FastAPI, Flask, nginx: >= 99.9 % matched, nothing lost."""
        avail = harness.available_servers()
        tried = 0
        for name in ("aiohttp", "fastapi", "flask", "nginx"):
            if name not in avail:
                continue
            tried += 1
            with self.subTest(server=name):
                r, b = self.bench(["--server", name, "-n", "2000", "-c", "20", "-q"])
                self.assertCovered(r, b)
                names = {p["name"] for p in r.json["kernel"]["probes"]["attached"]}
                for p in ("sk_data_ready", "sock_recv_length", "tcp_sendmsg_locked",
                          "sock_send_length", "inet_sock_set_state", "sys_exit", "sched_switch"):
                    self.assertIn("anatomy/" + p, names)
                self.assertIn("anatomy", r.json["kernel"]["probes"]["groups"])
                exit_probe = [p for p in r.json["kernel"]["probes"]["attached"]
                              if p["name"] == "anatomy/sys_exit"]
                self.assertEqual(len(exit_probe), 1)
                anat = r.json["kernel"]["anatomy"]
                self.assertEqual(anat["records"], anat["drained"])
                if name == "flask":  # the development server closes after each response
                    self.assertTrue(b["connection_per_request"])
                    self.assertIn("accept_wait_ns", b["components"])
                    self.assertEqual(b["accept_unseen"], 0)
                    self.assertNotIn("detached_after_records", exit_probe[0])
                else:  # kept alive: sys_exit (there only for accept) goes once that is clear
                    self.assertFalse(b["connection_per_request"])
                    self.assertIn("detached_after_records", exit_probe[0])
        if not tried:
            self.skipTest("none of the built-in servers is available here")

    def test_send_end_hook(self):
        """The send's end: on sys_exit when the syscalls group runs it (no
        sock_send_length program runs at all), on its own tracepoint when
        the anatomy runs alone; either way every response's send is timed."""
        for groups, hook in (("all", "sys_exit"), ("anatomy", None)):
            with self.subTest(groups=groups):
                r, b = self.bench(["--server-cmd", "%s --port {port} --work-us 200" % SPIN,
                                   "-c", "2", "-n", "300", "-q", "--probes", groups])
                self.assertCovered(r, b)
                k = r.json["kernel"]
                att = {p["name"]: p for p in k["probes"]["attached"]}
                self.assertEqual(att["anatomy/sock_send_length"].get("hook"), hook,
                                 att["anatomy/sock_send_length"])
                ran = {p["hook"] for p in k["probes"]["cost"]["programs"]}
                self.assertEqual("sock_send_length" in ran, hook is None, ran)
                self.assertEqual(k["anatomy"]["anomalies"]["send_outside_syscall"], 0)
                self.assertGreaterEqual(b["sends_per_response"], 1.0)
                self.assertGreater(b["bytes_out_mean"], 0)
                self.assertEqual(b["send_ns"]["count"], b["matched"])
                self.assertGreater(b["send_ns"]["min"], 0)

    def test_fallback_tcp_probe(self):
        """Without sk_data_ready, arrival comes from tcp_probe: still complete."""
        r, b = self.bench(["--server-cmd", "%s --port {port} --work-us 200" % SPIN, "-c", "2",
                           "-n", "300", "-q", "--disable-probe", "anatomy/sk_data_ready"])
        k = r.json["kernel"]
        self.assertIn("anatomy/sk_data_ready", {p["name"] for p in k["probes"]["missing"]})
        self.assertIn("anatomy/tcp_probe", {p["name"] for p in k["probes"]["attached"]})
        self.assertEqual(b["arrival"], "tcp_probe")
        self.assertCovered(r, b)

    def test_fallback_no_sendmsg_probe(self):
        """Without tcp_sendmsg_locked, S3 is the first delivery: still causal."""
        r, b = self.bench(["--server-cmd", "%s --port {port} --work-us 200" % SPIN, "-c", "2",
                           "-n", "300", "-q", "--disable-probe", "anatomy/tcp_sendmsg_locked"])
        self.assertCovered(r, b)
        self.assertGreaterEqual(b["components"]["app_ns"]["p50"], 200000)

    def test_raw_tp_twins(self):
        """Every anatomy probe through its raw_tp twin gives the same closure."""
        probes = ["sk_data_ready", "sock_recv_length", "tcp_sendmsg_locked", "sock_send_length",
                  "inet_sock_set_state", "sys_exit", "sched_switch", "sched_wakeup",
                  "sched_wakeup_new"]
        off = ",".join("anatomy/%s:tp_btf" % p for p in probes)
        r, b = self.bench(["--server-cmd", "%s --port {port} --work-us 200" % SPIN, "-c", "2",
                           "-n", "300", "-q", "--disable-probe", off])
        modes = {p["name"]: p["mode"] for p in r.json["kernel"]["probes"]["attached"]}
        for p in probes:
            self.assertEqual(modes.get("anatomy/" + p), "raw_tp", p)
        self.assertCovered(r, b)

    # Each mark's chain after its tracepoint: (mechanism, kernel function).
    CHAINS = {"sk_data_ready": [("fentry", "sock_def_readable"), ("kprobe", "sock_def_readable")],
              "sock_recv_length": [("fexit", "sock_recvmsg"), ("kretprobe", "tcp_recvmsg")],
              "sock_send_length": [("fexit", "tcp_sendmsg"), ("kretprobe", "tcp_sendmsg")],
              "tcp_sendmsg_locked": [("fentry", "tcp_sendmsg_locked"),
                                     ("kprobe", "tcp_sendmsg_locked")]}

    def check_chain_link(self, k):
        """Both twins of every mark's tracepoint off, and links before k:
        each mark runs on link k where the kernel can (6.1 has fentry/fexit
        and kprobes), with causal order and exact closure; where it cannot,
        the probe is missing and says why each remaining link failed."""
        off = []
        for p, chain in self.CHAINS.items():
            off += ["anatomy/%s:tp_btf" % p, "anatomy/%s:raw_tp" % p]
            off += ["anatomy/%s:%s" % (p, mech) for mech, _ in chain[:k]]
        r, b = self.bench(["--server-cmd", "%s --port {port} --work-us 200" % SPIN, "-c", "2",
                           "-n", "200", "-q", "--disable-probe", ",".join(off)])
        k_probes = r.json["kernel"]["probes"]
        att = {p["name"]: p for p in k_probes["attached"]}
        mis = {p["name"]: p["reason"] for p in k_probes["missing"]}
        for p, chain in self.CHAINS.items():
            name = "anatomy/" + p
            if name in att:
                self.assertEqual(att[name]["mechanism"], chain[k][0], att[name])
                continue
            for j, (mech, func) in enumerate(chain):
                want = "%s on %s: %s" % (mech, func, "disabled by user") if j < k else \
                    "%s on %s" % (mech, func)
                self.assertIn(want, mis.get(name, ""), k_probes["missing"])
        if all("anatomy/" + p in att for p in self.CHAINS):
            self.assertEqual(b["arrival"], "sk_data_ready")
            self.assertCovered(r, b)
            # the send's end is seen too
            self.assertGreaterEqual(b["sends_per_response"], 1.0, b["send_ns"])
            self.assertGreater(b["bytes_out_mean"], 0)
        else:
            self.assertFalse(b["available"])
        self.assertEqual(r.json["client"]["requests_completed"], 200)

    def test_fallback_trampolines(self):
        self.check_chain_link(0)

    def test_fallback_kprobes(self):
        self.check_chain_link(1)

    def test_fallback_bad_mechanism(self):
        """A mechanism the probe has no link for is a bad option."""
        r = run(["--server-cmd", SPIN + " --port {port}", "-n", "10",
                 "--disable-probe", "anatomy/sock_recv_length:fentry"])
        self.assertOneLineError(r, "no fentry fallback", rc=2)

    def test_missing_probe_degrades(self):
        """No probe for S2: the run goes on, the breakdown says why."""
        r, b = self.bench(["--server-cmd", "%s --port {port} --work-us 100" % SPIN, "-c", "2",
                           "-n", "100", "-q", "--disable-probe", "anatomy/sock_recv_length"])
        self.assertFalse(b["available"])
        self.assertIn("sock_recv_length", b["reason"])
        missing = {p["name"]: p["reason"] for p in r.json["kernel"]["probes"]["missing"]}
        self.assertEqual(missing.get("anatomy/sock_recv_length"), "disabled by user")
        self.assertEqual(r.json["client"]["requests_completed"], 100)

    def test_group_not_selected(self):
        r, b = self.bench(["--server-cmd", "%s --port {port} --work-us 100" % SPIN, "-c", "1",
                           "-n", "50", "-q", "--probes", "syscalls"])
        self.assertFalse(b["available"])
        names = [p["name"] for p in r.json["kernel"]["probes"]["attached"]]
        self.assertFalse([n for n in names if n.startswith("anatomy/")], names)

    def test_trace_needs_ebpf(self):
        r = run(["--no-ebpf", "--trace", "/dev/null", "--server-cmd", SPIN + " --port {port}",
                 "-n", "10"])
        self.assertOneLineError(r, "--trace", rc=2)


if __name__ == "__main__":
    harness.require_root()
    if not os.path.exists(SPIN):
        print("skipped: %s not built" % SPIN)
        sys.exit(harness.SKIP)
    harness.main()
