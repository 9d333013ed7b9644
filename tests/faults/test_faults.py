"""The fault suite: a server that dies, hangs, lies or misbehaves, options
that cannot work, limits too low, a tool interrupted or killed. Every case
asserts the exit code, the one-line message, a report that validates and
says what went wrong (when a run was started), and that no process, port,
temp dir or BPF link is left behind.

    test_faults.py CASE        one case (meson runs each as its own test)
    test_faults.py --list      the cases

A case whose behaviour is not built yet is in KNOWN_GAPS with the reason:
it still runs, and when it fails it exits 77 (skipped) saying so; when it
passes it says it can leave the list.
"""
import os
import resource
import signal
import subprocess
import sys
import time
import unittest

import harness
from harness import BenchTest, at, validate

HS = harness.HTTP_SERVER
N = 400  # requests for a case that only needs some load

# The one list of what the tool does not do yet: case -> why.
KNOWN_GAPS = {}


class Faults(BenchTest):
    def setUp(self):
        super().setUp()
        self.tag = "fault-%s-%d" % (self._testMethodName, os.getpid())
        self.port = harness.free_port()
        self.links_before = harness.bpf_links()

    def tearDown(self):
        # what a failed case left behind must not outlive the suite
        for pid, _ in harness.processes_with(self.tag):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # ---- running the tool ------------------------------------------------

    def server(self, *args):
        return "%s --port {port} --tag %s %s" % (HS, self.tag, " ".join(args))

    def bench(self, server_args, *tool_args, timeout=120, preexec=None):
        args = ["--server-cmd", self.server(*server_args), "--port", str(self.port),
                "-q"] + list(tool_args)
        return harness.run(args, timeout=timeout, preexec=preexec)

    # ---- what every case checks ------------------------------------------

    def assertFailedRun(self, r, needle, rc=1):
        """rc, a one-line error naming the fault, a valid report marked with it."""
        self.assertOneLineError(r, needle, rc=rc)
        report = r.runs()[0]
        validate(r.json)
        self.assertTrue(report.get("error"), "the report does not carry the error")
        self.assertIn(needle, report["error"])
        return report

    def assertNothingLeft(self, r=None, extra_pids=()):
        deadline = time.monotonic() + 5  # a killed process takes a moment to go
        while time.monotonic() < deadline and harness.processes_with(self.tag):
            time.sleep(0.1)
        self.assertEqual(harness.processes_with(self.tag), [], "processes left behind")
        self.assertTrue(harness.port_free(self.port), "port %d still listening" % self.port)
        left = set(harness.leftover_tmpdirs()) - self.tmp_before
        self.assertFalse(left, "temp dirs left behind: %s" % sorted(left))
        pids = list(extra_pids) + ([at(r.runs()[0], "server.pid")] if r and r.stdout else [])
        self.assertEqual(harness.leaked_bpf_links(self.links_before, pids), [], "BPF links left")
        if r is not None and r.stdout:
            self.assertCleanAfter(r)

    # ---- the server misbehaves -------------------------------------------

    def assertDeathReported(self, r, needle, requests_below):
        """Exit 1 with the death in one line and in server.exit, the load
        stopped at once (not at -d), the window ending at the death."""
        report = self.assertFailedRun(r, needle)
        ex = at(report, "server.exit")
        self.assertIsNotNone(ex, "no server.exit in the report")
        self.assertIn(needle, ex["description"])
        self.assertEqual(ex["requests_completed"], at(report, "client.requests_completed"))
        self.assertLess(ex["requests_completed"], requests_below)
        self.assertLessEqual(at(report, "load.duration_ns"), ex["at_ns"] + 10**9,
                             "the window goes on past the death")
        return ex

    def test_server_exits_mid_run(self):
        r = self.bench(["--exit-after", "150"], "-n", "3000", "-c", "4")
        ex = self.assertDeathReported(r, "exited with status 3", 3000)
        self.assertEqual(ex["status"], 3)
        self.assertIsNone(ex["signal"])
        self.assertNothingLeft(r)

    def test_server_dies_in_warmup(self):
        """Dead before the window opens: exit 1, server.exit, and no figure
        of a window that never was (no rate, no timeline, no summary)."""
        r = harness.run(["--server-cmd", self.server("--exit-after", "20"), "--port", str(self.port),
                         "--warmup", "20s", "-d", "5s", "-c", "2"])
        report = self.assertFailedRun(r, "exited with status 3 during the warmup")
        ex = at(report, "server.exit")
        self.assertEqual(ex["status"], 3)
        self.assertLess(ex["at_ns"], 0, "noticed before the window")
        self.assertEqual(ex["requests_completed"], 0)
        self.assertIsNone(at(report, "client.rps"))
        self.assertEqual(at(report, "client.requests_completed"), 0)
        self.assertEqual(at(report, "load.duration_ns"), 0)
        self.assertNotIn("timeline", report)
        self.assertNotIn("Requests per second", r.stderr)
        self.assertLess(r.elapsed, 15, "the warm-up went on after the death")
        self.assertNothingLeft(r)

    def test_server_killed_mid_run(self):
        """The server's first process killed by SIGKILL 1 s into -d 20s."""
        cmd = "exec sh -c '%s & sleep 1; kill -9 $$'" % self.server().replace("{port}", str(self.port))
        r = harness.run(["--server-cmd", cmd, "--port", str(self.port), "-q", "-d", "20s", "-c", "2"])
        ex = self.assertDeathReported(r, "killed by signal 9", 10**9)
        self.assertEqual(ex["signal"], "SIGKILL")
        self.assertIsNone(ex["status"])
        self.assertLess(r.elapsed, 15, "the load went on after the death")
        self.assertNothingLeft(r)

    def external_server(self, *args):
        """The test server started by the test itself, listening when this returns."""
        p = subprocess.Popen([HS, "--port", str(self.port), "--tag", self.tag] + list(args))
        deadline = time.monotonic() + 10
        while harness.port_free(self.port) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.02)
        return p

    def test_url_server_stops_listening(self):
        """--url alone: no process to watch; every connection refused is the death."""
        p = self.external_server("--exit-after", "300")
        try:
            r = harness.run(["--url", "http://127.0.0.1:%d/" % self.port, "-q", "-d", "20s",
                             "-c", "2", "--no-ebpf"])
        finally:
            p.kill()
            p.wait()
        self.assertDeathReported(r, "stopped listening", 300)
        self.assertLess(r.elapsed, 15, "the load went on after the death")
        self.assertNothingLeft()

    def test_url_pid_exits(self):
        """--url --pid: that pid ending is the death."""
        p = self.external_server("--exit-after", "300")
        try:
            r = harness.run(["--url", "http://127.0.0.1:%d/" % self.port, "--pid", str(p.pid),
                             "-q", "-d", "20s", "-c", "2"])
        finally:
            p.kill()
            p.wait()
        self.assertDeathReported(r, "is gone", 300)
        self.assertLess(r.elapsed, 15, "the load went on after the death")
        self.assertNothingLeft(extra_pids=[p.pid])

    def test_hang_on_accept(self):
        r = self.bench(["--answer", "hang-on-accept"], "-n", "10", "--ready-timeout", "2s")
        self.assertFailedRun(r, "did not answer GET / within 2s")
        self.assertNothingLeft(r)

    def test_never_listens(self):
        r = self.bench(["--never-listen"], "-n", "10", "--ready-timeout", "2s")
        report = self.assertFailedRun(r, "did not answer GET / within 2s")
        self.assertIn("must listen on 127.0.0.1:%d" % self.port, report["error"])
        self.assertNothingLeft(r)

    def test_close_on_accept(self):
        r = self.bench(["--answer", "close-on-accept"], "-n", "10", "--ready-timeout", "2s")
        self.assertFailedRun(r, "did not answer GET / within 2s")
        self.assertNothingLeft(r)

    def assertNoneSucceeded(self, r, needle):
        report = self.assertFailedRun(r, needle)
        self.assertEqual(at(report, "client.rps"), 0)
        self.assertAllAccounted(report)
        return report

    def assertAllAccounted(self, report):
        """Every request sent is completed, failed or unfinished: -n in all."""
        self.assertEqual(at(report, "client.requests_completed") + at(report, "client.errors.total") +
                         at(report, "client.requests_unfinished"), at(report, "load.requests"),
                         "completed + errors + unfinished != -n")

    def test_answers_500(self):
        r = self.bench(["--answer", "500", "--good-first", "1"], "-n", str(N), "-c", "2")
        report = self.assertNoneSucceeded(r, "%d answered HTTP 500" % N)
        self.assertEqual(at(report, "client.requests_completed"), 0)
        self.assertEqual(at(report, "client.errors.status"), N)
        self.assertNothingLeft(r)

    def test_some_answer_500(self):
        """Good answers, then 500s: the run succeeds; the 500s are failed
        requests, not completed, and not in req/s; ab's Non-2xx line."""
        r = harness.run(["--server-cmd", self.server("--answer", "500", "--good-first", "101"),
                         "--port", str(self.port), "-n", str(N), "-c", "2"])
        self.assertEqual(r.rc, 0, r.stderr)
        report = r.runs()[0]
        validate(r.json)
        done, bad = at(report, "client.requests_completed"), at(report, "client.errors.status")
        self.assertGreater(done, 0)
        self.assertGreater(bad, 0)
        self.assertAllAccounted(report)
        secs = (at(report, "client.window.end_ns") - at(report, "client.window.start_ns")) / 1e9
        self.assertAlmostEqual(at(report, "client.rps"), done / secs, delta=0.01 * done / secs)
        self.assertIn("Complete requests:    %d\n" % done, r.stderr)
        self.assertIn("Non-2xx responses:    %d\n" % bad, r.stderr)
        self.assertNothingLeft(r)

    def test_garbage(self):
        r = self.bench(["--answer", "garbage", "--good-first", "1"], "-n", str(N), "-c", "2")
        self.assertNoneSucceeded(r, "not an HTTP response: first bytes")
        self.assertNothingLeft(r)

    def test_length_too_long(self):
        r = self.bench(["--answer", "length-long", "--good-first", "1"],
                       "-n", "4", "-c", "2", "--timeout", "500ms")
        self.assertNoneSucceeded(r, "4 timed out")
        self.assertNothingLeft(r)

    def test_length_too_short(self):
        """A body cut short leaves its tail where the next response should be."""
        r = self.bench(["--answer", "length-short", "--good-first", "1"], "-n", str(N), "-c", "2")
        report = r.runs()[0]
        validate(r.json)
        self.assertGreater(at(report, "client.errors.parse"), 0, r.stderr)
        self.assertAllAccounted(report)
        self.assertNothingLeft(r)

    def test_body_10mb(self):
        r = self.bench(["--answer", "big", "--body-bytes", "10000000"], "-n", "20", "-c", "2")
        self.assertEqual(r.rc, 0, r.stderr)
        report = r.runs()[0]
        validate(r.json)
        self.assertEqual(at(report, "client.requests_ok"), 20)
        self.assertEqual(at(report, "client.errors.total"), 0)
        self.assertGreaterEqual(at(report, "client.bytes_read"), 20 * 10000000)
        self.assertNothingLeft(r)

    def test_slow_with_timeout(self):
        r = self.bench(["--answer", "slow", "--delay-us", "1500000", "--good-first", "1"],
                       "-n", "4", "-c", "2", "--timeout", "300ms")
        report = self.assertNoneSucceeded(r, "4 timed out")
        self.assertEqual(at(report, "client.errors.timeout"), 4)
        self.assertNothingLeft(r)

    def test_ignores_sigterm(self):
        r = self.bench(["--ignore-sigterm"], "-n", str(N), "-c", "2")
        self.assertEqual(r.rc, 0, r.stderr)
        validate(r.json)
        self.assertNothingLeft(r)

    def test_double_fork(self):
        r = self.bench(["--double-fork"], "-n", str(N), "-c", "2")
        self.assertEqual(r.rc, 0, r.stderr)
        validate(r.json)
        self.assertNothingLeft(r)

    def test_server_cmd_through_sh(self):
        r = harness.run(["--server-cmd", "cd /tmp && FOO=1 exec " + self.server(),
                         "--port", str(self.port), "-q", "-n", str(N), "-c", "2"])
        self.assertEqual(r.rc, 0, r.stderr)
        validate(r.json)
        self.assertEqual(at(r.runs()[0], "client.requests_ok"), N)
        self.assertNothingLeft(r)

    # ---- the load and the limits -----------------------------------------

    def test_connections_beyond_requests(self):
        """-c 2000 -n 100: at most 100 connections, counted by the kernel."""
        r = self.bench([], "-n", "100", "-c", "2000")
        self.assertEqual(r.rc, 0, r.stderr)
        report = r.runs()[0]
        validate(r.json)
        self.assertLessEqual(at(report, "client.connections_opened"), 100)
        self.assertLessEqual(at(report, "kernel.tcp.established"), 100)
        self.assertNothingLeft(r)

    def test_duration_honoured(self):
        """-d 1s against a server that accepts and never answers: the window
        ends at -d, what is in flight is unfinished, not timeouts or errors.
        With -c 4, and with so many connections that opening them all
        takes longer than -d (the connects past the end must not open)."""
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        many = 12000 if hard == resource.RLIM_INFINITY or hard >= 12100 else 0
        for conns in [4] + ([many] if many else []):
            with self.subTest(connections=conns):
                r = self.bench(["--answer", "blackhole", "--good-first", "1"],
                               "-d", "1s", "-c", str(conns), "--timeout", "60s", timeout=90)
                # the exit code is not this case's: a hung server may well fail the run
                report = r.runs()[0]
                validate(r.json)
                window = at(report, "client.window.end_ns") - at(report, "client.window.start_ns")
                self.assertLess(window, 2e9, "the window outlasted -d 1s")
                self.assertEqual(at(report, "client.errors.total"), 0)
                unfinished = at(report, "client.requests_unfinished")
                self.assertGreater(unfinished, 0, "no unfinished count")
                self.assertLessEqual(unfinished, conns)
                self.assertNothingLeft(r)
                self.port = harness.free_port()

    def test_fd_limit(self):
        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
        r = self.bench([], "-d", "2s", "-c", "5000", preexec=low_limit)
        self.assertOneLineError(r, "file descriptors", rc=2)
        self.assertIn("ulimit -n", r.stderr)
        self.assertNothingLeft()

    # ---- options that cannot work ----------------------------------------

    def assertRejected(self, args, needle):
        """Exit 2 with a one-line reason, before any server starts."""
        full = args if "--url" in args else ["--server-cmd", self.server()] + args
        r = harness.run(full + ["-n", "10"], timeout=60)
        self.assertOneLineError(r, needle, rc=2)
        self.assertNotIn("starting", r.stderr, "rejected only after start-up")
        self.assertNothingLeft()

    def test_bad_probe_group(self):
        self.assertRejected(["--probes", "bogus"], "bogus")

    def test_bad_disabled_probe(self):
        self.assertRejected(["--disable-probe", "bogus"], "bogus")

    def test_server_cpu_missing(self):
        self.assertRejected(["--server-cpu", str(os.cpu_count() + 3)], "--server-cpu")

    def test_url_without_host(self):
        self.assertRejected(["--url", "http://"], "no host in URL")

    def test_url_port_out_of_range(self):
        self.assertRejected(["--url", "http://127.0.0.1:99999/"], "99999")

    def test_epoll_with_https(self):
        self.assertRejected(["--url", "https://127.0.0.1:%d/" % self.port, "--engine", "epoll"], "TLS")

    def test_pid_checked(self):
        r = harness.run(["--url", "http://127.0.0.1:%d/" % self.port, "--pid", "1", "-n", "10"])
        self.assertOneLineError(r, "--pid", rc=2)
        self.assertNothingLeft()

    # ---- the tool interrupted or killed ----------------------------------

    def start(self, server_args, *tool_args):
        args = [harness.BENCH, "--server-cmd", self.server(*server_args), "--port",
                str(self.port), "-q"] + list(tool_args)
        env = dict(os.environ, TMPDIR=harness.TMPDIR)
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, cwd="/")

    def wait_for(self, cond, what, seconds=30):
        """Wait for a state, not for a time."""
        deadline = time.monotonic() + seconds
        while not cond():
            if time.monotonic() > deadline:
                self.fail("never reached: " + what)
            time.sleep(0.05)

    # the states of start-up a Ctrl-C may come in, each one waited for
    def handles_sigint(self, p):
        """The tool has its SIGINT handler (a bit in SigCgt of its status)."""
        try:
            with open("/proc/%d/status" % p.pid) as f:
                caught = next(l for l in f if l.startswith("SigCgt:")).split()[1]
        except (OSError, StopIteration):
            return False
        return bool(int(caught, 16) & (1 << (signal.SIGINT - 1)))

    def server_forked(self, p):
        return any(pid != p.pid for pid, _ in harness.processes_with(self.tag))

    def server_runs(self, p):
        """The server's own program runs (it never listens)."""
        for pid, _ in harness.processes_with(self.tag):
            try:
                if os.path.samefile("/proc/%d/exe" % pid, HS):
                    return True
            except OSError:
                pass
        return False

    def test_interrupt_during_startup(self):
        """Ctrl-C at each state of start-up, several times: exit 130, a valid
        report marked interrupted, nothing left; never killed by the signal."""
        states = [self.handles_sigint, self.server_forked, self.server_runs]
        for state in states:
            for attempt in range(3):
                with self.subTest(state=state.__name__, attempt=attempt):
                    p = self.start(["--never-listen"], "-n", "10", "--ready-timeout", "60s")
                    self.wait_for(lambda: state(p) or p.poll() is not None, state.__name__)
                    p.send_signal(signal.SIGINT)
                    out, err = p.communicate(timeout=30)
                    self.assertEqual(p.returncode, 130, err)
                    r = harness.Result(p, out, err, 0)
                    validate(r.json)
                    self.assertTrue(r.json.get("interrupted"), "report not marked interrupted")
                    self.assertNothingLeft(r)

    def test_tool_killed(self):
        p = self.start(["--ignore-sigterm"], "-d", "60s", "-c", "2")
        self.wait_for(lambda: not harness.port_free(self.port), "the server listens")
        p.kill()
        p.communicate(timeout=30)
        # the next run removes the temp dir the killed one could not
        r = self.bench([], "-n", "10", "--no-ebpf")
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertNothingLeft(r, extra_pids=[p.pid])


def main():
    cases = sorted(n[5:] for n in dir(Faults) if n.startswith("test_"))
    if sys.argv[1:] == ["--list"]:
        print("\n".join(cases))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        print("usage: test_faults.py CASE | --list", file=sys.stderr)
        return 2
    case = sys.argv[1]
    harness.require_root()  # the probes, and servers started as another user
    result = unittest.TextTestRunner(verbosity=2).run(Faults("test_" + case))
    if result.skipped:
        return harness.SKIP
    ok = result.wasSuccessful()
    if case in KNOWN_GAPS:
        if ok:
            print("%s passes now: take it off KNOWN_GAPS" % case)
            return 0
        print("skipped: known gap: " + KNOWN_GAPS[case])
        return harness.SKIP
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
