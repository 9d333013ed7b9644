"""Run health, the CLI and servers side: bad options exit 2 before anything
starts, --server-cmd runs through the shell, Ctrl-C during start-up gives 130
with a marked report, a dead run's temp dir is removed by the next one, and
the pymongoose check wants the right package."""
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402
from harness import BENCH, PYTHON, TMPDIR, run, validate  # noqa: E402

NCPU = len(os.sched_getaffinity(0))
HTTP_SERVER = PYTHON + " -m http.server --bind 127.0.0.1 {port}"


class BadOptions(harness.BenchTest):
    CASES = [
        (["--server", "nginx", "--probes", "bogus"], "unknown probe group 'bogus' (known: syscalls, sched, tcp, anatomy)"),
        (["--server", "nginx", "--disable-probe", "bogus"], "unknown probe 'bogus' in the disable list"),
        (["--server", "nginx", "--server-cpu", str(NCPU + 3)], "--server-cpu: CPU %d is not available here (usable: " % (NCPU + 3)),
        (["--engine", "epoll", "--url", "https://127.0.0.1:9/"], "--engine epoll cannot speak TLS: an https URL needs --engine curl"),
        (["--url", "https://127.0.0.1:9/", "--engine", "epoll"], "--engine epoll cannot speak TLS: an https URL needs --engine curl"),
        (["--url", "http://"], "no host in URL 'http://'"),
        (["--url", "http://h:99999/"], "the port in URL 'http://h:99999/' is not a number from 1 to 65535"),
    ]

    def test_exit_2_before_anything_starts(self):
        for args, needle in self.CASES:
            with self.subTest(args=args):
                r = run(args, timeout=20)
                self.assertOneLineError(r, needle, rc=2)
                self.assertIn(needle, r.stderr)
                self.assertNotIn("starting", r.stderr, "a server was started")
                self.assertEqual(r.stdout, "", "a report for a bad option")
                self.assertCleanAfter_nothing()

    def test_anatomy_probes_are_named(self):
        r = run(["--server", "nginx", "--disable-probe", "bogus"], timeout=20)
        self.assertIn("anatomy/sk_data_ready", r.stderr)

    def assertCleanAfter_nothing(self):
        left = set(harness.leftover_tmpdirs()) - self.tmp_before
        self.assertFalse(left, "temp dirs made for a bad option: %s" % sorted(left))


class ShellCommand(harness.BenchTest):
    def test_shell_syntax(self):
        for cmd in ["cd /tmp && " + HTTP_SERVER,
                    "FOO=1 " + HTTP_SERVER,
                    "(cd /tmp; exec " + HTTP_SERVER + ")"]:
            with self.subTest(cmd=cmd):
                r = run(["--server-cmd", cmd, "--no-ebpf", "-n", "200", "-c", "4", "-q"], timeout=60)
                self.assertEqual(r.rc, 0, r.stderr)
                self.assertEqual(r.json["client"]["requests_completed"], 200)
                self.assertEqual(r.json["server"]["command"], cmd.replace("{port}", str(r.json["server"]["port"])))
                self.assertCleanAfter(r)


class ExpectBody(harness.BenchTest):
    def test_the_body_must_match(self):
        site = os.path.join(TMPDIR, "site")
        os.makedirs(site, exist_ok=True)
        body = os.path.join(site, "index.html")
        with open(body, "w") as f:
            f.write("the expected body\n")
        cmd = "cd %s && %s" % (site, HTTP_SERVER)
        r = run(["--server-cmd", cmd, "--expect-body", "@" + body, "--no-ebpf", "-n", "100", "-c", "2", "-q"],
                timeout=60)
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(r.json["client"]["requests_ok"], 100)
        r = run(["--server-cmd", cmd, "--expect-body", "another body", "--ready-timeout", "2s",
                 "--no-ebpf", "-n", "100", "-c", "2", "-q"], timeout=60)
        self.assertEqual(r.rc, 1, r.stderr)
        self.assertIn("not the --expect-body (12 bytes)", r.json["error"])
        self.assertCleanAfter(r)


class ExpectStatus(harness.BenchTest):
    def test_the_status_must_match(self):
        cmd = "cd %s && %s" % (TMPDIR, HTTP_SERVER)
        base = ["--server-cmd", cmd, "--no-ebpf", "-n", "100", "-c", "2", "-q", "--ready-timeout", "3s"]
        r = run(base + ["--expect-status", "200"], timeout=60)
        self.assertEqual(r.rc, 0, r.stderr)  # GET / lists the directory: 200
        self.assertEqual(r.json["client"]["requests_ok"], 100)
        r = run(base + ["--expect-status", "404"], timeout=60)
        self.assertEqual(r.rc, 1, r.stderr)
        self.assertIn("it answered HTTP 200, not 404", r.json["error"])


class ExpectStatusExternal(harness.BenchTest):
    def test_404_counts_when_expected(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        srv = subprocess.Popen([PYTHON, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
                               cwd=TMPDIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.assertTrue(wait_until(lambda: not harness.port_free(port), 10), "no test server")
            url = "http://127.0.0.1:%d/not-there" % port
            r = run(["--url", url, "--expect-status", "404", "--no-ebpf", "-n", "100", "-c", "2", "-q"], timeout=60)
            self.assertEqual(r.rc, 0, r.stderr)
            self.assertEqual(r.json["client"]["requests_ok"], 100)
            self.assertEqual(r.json["client"]["errors"]["status"], 0)
            r = run(["--url", url, "--no-ebpf", "-n", "100", "-c", "2", "-q", "--ready-timeout", "2s"], timeout=60)
            self.assertEqual(r.rc, 1, r.stderr)
            self.assertIn("it answered HTTP 404, not 200", r.json["error"])
        finally:
            srv.terminate()
            srv.wait()


class InterruptedStart(harness.BenchTest):
    def test_ctrl_c_before_ready(self):
        marker = "31.4159"  # a sleep no one else runs
        cmd = "sleep %s; %s" % (marker, HTTP_SERVER)
        p = subprocess.Popen([BENCH, "--server-cmd", cmd, "--no-ebpf", "-n", "100"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, TMPDIR=TMPDIR), cwd="/")
        lines = []
        for line in p.stderr:  # wait for the state, not for a time
            lines.append(line)
            if line.startswith("bench-ebpf: starting"):
                break
        deadline = time.monotonic() + 30
        while not self.sleeping(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(self.sleeping(marker), "the server command never ran: %s" % lines)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, "".join(lines) + err)
        report = harness.json.loads(out)
        validate(report)
        self.assertTrue(report["interrupted"])
        self.assertFalse(self.sleeping(marker), "the server outlived the run")
        left = set(harness.leftover_tmpdirs()) - self.tmp_before
        self.assertFalse(left, "temp dirs left behind: %s" % sorted(left))

    @staticmethod
    def sleeping(marker):
        return subprocess.run(["pgrep", "-f", "sleep " + marker], stdout=subprocess.DEVNULL).returncode == 0


IGNORES_TERM = """
import http.server, signal, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def own_cgroup_writable():
    """Whether a cgroup v2 can be made below this process's own (as bench-ebpf does)."""
    with open("/proc/self/mountinfo") as f:
        mnt = next((l.split()[4] for l in f if " - cgroup2 " in l), None)
    with open("/proc/self/cgroup") as f:
        path = next((l.strip()[3:] for l in f if l.startswith("0::")), None)
    if not mnt or path is None:
        return False
    probe = os.path.join(mnt + (path if path != "/" else ""), "bench-ebpf-test-probe-%d" % os.getpid())
    try:
        os.mkdir(probe)
        os.rmdir(probe)
        return True
    except OSError:
        return False


def wait_until(cond, seconds):
    deadline = time.monotonic() + seconds
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.05)
    return cond()


class NothingOutlivesTheTool(harness.BenchTest):
    def ignores_term_app(self):
        app = os.path.join(TMPDIR, "ignores_term.py")
        with open(app, "w") as f:
            f.write(IGNORES_TERM)
        return app

    def kill_tool_once_ready(self, server_cmd):
        """bench-ebpf on server_cmd, SIGKILLed once the server answers:
        the port the server listened on."""
        p = subprocess.Popen([BENCH, "--server-cmd", server_cmd, "--no-ebpf", "-d", "60s", "-c", "2"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, TMPDIR=TMPDIR))
        port = None
        for line in p.stderr:  # wait for the state: the server answers
            if " ready at " in line:
                port = int(line.split("127.0.0.1:")[1].split("/")[0])
                break
        self.assertIsNotNone(port, "the server never became ready")
        p.kill()
        p.wait()
        p.stderr.close()
        return port

    def test_killed_tool_takes_a_term_ignoring_server_along(self):
        port = self.kill_tool_once_ready("%s %s {port}" % (PYTHON, self.ignores_term_app()))
        self.assertTrue(wait_until(lambda: harness.port_free(port), 20),
                        "the server still listens on %d after bench-ebpf was killed" % port)

    def test_killed_tool_takes_a_setsid_daemon_along(self):
        if not own_cgroup_writable():
            self.skipTest("no writable cgroup v2 here: only the process group is stopped")
        cmd = "setsid -f %s %s {port}; exec sleep 1000" % (PYTHON, self.ignores_term_app())
        port = self.kill_tool_once_ready(cmd)
        self.assertTrue(wait_until(lambda: harness.port_free(port), 20),
                        "the setsid daemon still listens on %d after bench-ebpf was killed" % port)

    def test_double_forked_daemon_is_stopped(self):
        cmd = "setsid -f %s; exec sleep 1000" % HTTP_SERVER
        r = run(["--server-cmd", cmd, "--no-ebpf", "-n", "100", "-c", "2", "-q"], timeout=60)
        self.assertEqual(r.rc, 0, r.stderr)
        port = r.json["server"]["port"]
        self.assertTrue(harness.port_free(port), "the setsid daemon still listens on %d" % port)
        self.assertNotIn("still listens", r.stderr)
        gone = subprocess.run(["pgrep", "-f", "http.server --bind 127.0.0.1 %d" % port],
                              stdout=subprocess.DEVNULL).returncode != 0
        self.assertTrue(gone, "the setsid daemon outlived the run")


class DeadRunsTempDir(harness.BenchTest):
    def test_removed_by_the_next_run(self):
        dead = subprocess.Popen(["true"])
        dead.wait()
        stale = os.path.join(TMPDIR, "bench-ebpf-%d-AbCdEf" % dead.pid)
        live = os.path.join(TMPDIR, "bench-ebpf-%d-GhIjKl" % os.getpid())
        for d in (stale, live):
            os.makedirs(os.path.join(d, "sub"))
            open(os.path.join(d, "sub", "server.log"), "w").close()
        try:
            r = run(["--server-cmd", HTTP_SERVER, "--no-ebpf", "-n", "50", "-c", "2", "-q"], timeout=60)
            self.assertEqual(r.rc, 0, r.stderr)
            self.assertFalse(os.path.exists(stale), "a dead run's temp dir was left")
            self.assertTrue(os.path.exists(live), "a live process's temp dir was removed")
        finally:
            subprocess.run(["rm", "-rf", stale, live])


class Pymongoose(harness.BenchTest):
    def test_the_wrong_package_is_named(self):
        pkg = os.path.join(TMPDIR, "wrong-pymongoose")
        os.makedirs(os.path.join(pkg, "pymongoose"), exist_ok=True)
        with open(os.path.join(pkg, "pymongoose", "__init__.py"), "w") as f:
            f.write("# a pymongo helper of the same name: no Manager\n")
        env = dict(os.environ, PYTHONPATH=pkg)
        out = subprocess.run([BENCH, "--list-servers"], capture_output=True, text=True, env=env).stdout
        line = next(l for l in out.splitlines() if l.startswith("pymongoose"))
        self.assertNotIn("available", line.split(None, 1)[1][:9], line)
        self.assertIn("pymongoose.Manager", line)


if __name__ == "__main__":
    harness.require_root()
    unittest.main(verbosity=2)
