"""What a user can get wrong, and what can go wrong under them: each gets a
clear one-line error, a non-zero exit, and leaves nothing behind."""
import json
import os
import stat
import signal
import tempfile
import socket
import subprocess
import time

import harness
from harness import BenchTest, run, validate


class Failures(BenchTest):
    def test_bad_options(self):
        for args, needle in ((["--server", "tomcat"], "unknown server"),
                             (["--server", "flask", "-c", "0"], "-c"),
                             (["--server", "flask", "-n", "-5"], "-n"),
                             (["--server", "flask", "-d", "10x"], "-d"),
                             (["--server", "flask", "-c", "1", "-t", "2"], "fewer connections"),
                             ([], "no server given")):
            with self.subTest(args=args):
                r = run(args)
                self.assertOneLineError(r, needle, rc=2)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_server_exits_at_once(self):
        r = run(["--server-cmd", "sh -c 'echo boom-from-server; exit 7'", "-n", "10"])
        self.assertOneLineError(r, "exited", rc=1)
        self.assertIn("boom-from-server", r.stderr, "the tail of the server's log is shown")
        self.assertLess(r.elapsed, 10)
        validate(r.json)
        self.assertTrue(r.json["error"])
        self.assertCleanAfter(r)

    def test_server_never_answers(self):
        silent = "sleep 60.%d" % os.getpid()  # ours, not another suite's sleep
        r = run(["--server-cmd", silent, "--ready-timeout", "1s", "-n", "10", "--no-ebpf"])
        self.assertOneLineError(r, "did not answer", rc=1)
        self.assertLess(r.elapsed, 10)
        out = subprocess.run(["pgrep", "-f", "^%s$" % silent], capture_output=True, text=True).stdout
        self.assertEqual(out.strip(), "", "the silent server was not killed")
        self.assertCleanAfter(r)

    def test_port_in_use(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        try:
            r = run(["--server", "aiohttp", "--port", str(port), "-n", "10", "--no-ebpf"])
            self.assertOneLineError(r, "in use", rc=1)
        finally:
            s.close()
        self.assertCleanAfter(r)

    def test_pymongoose_missing(self):
        if harness.python_has("pymongoose"):
            self.skipTest("pymongoose is installed here")
        r = run(["--server", "pymongoose", "-n", "10"])
        self.assertOneLineError(r, "pip install pymongoose", rc=4)

    def test_ctrl_c_keeps_partial_results(self):
        # wait for the state (the load is running), not for a time
        r = self.runValid(["--server", "aiohttp", "-d", "30s", "-c", "10"], rc=130,
                          sigint_when="ready at", sigint_after=1)
        rep = r.json
        self.assertTrue(rep["interrupted"])
        self.assertGreater(rep["client"]["requests_completed"], 0)
        self.assertLess(r.elapsed, 20)
        self.assertCleanAfter(r)

    def test_killed_tool_takes_the_server_along(self):
        # SIGKILL leaves bench-ebpf no chance to clean up: the server must
        # still go (parent-death signal), and the probes with the process.
        port = harness.free_port()
        p = subprocess.Popen([harness.BENCH, "--server", "aiohttp", "--port", str(port), "-d", "30s",
                              "-c", "5", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=dict(os.environ, TMPDIR=harness.TMPDIR))
        self.assertTrue(harness.wait_port(port), "the server never started")
        time.sleep(1)
        p.kill()
        p.wait()
        self.assertTrue(harness.wait_port(port, listening=False, tries=50),
                        "the server outlived a killed bench-ebpf")

    def test_unprivileged(self):
        nobody = (65534, 65534)
        r = run(["--server", "aiohttp", "-n", "10"], user=nobody)
        self.assertOneLineError(r, "--no-ebpf", rc=3)
        r = self.runValid(["--server", "aiohttp", "-n", "200", "-c", "5", "--no-ebpf"], user=nobody)
        self.assertEqual(r.json["client"]["errors"]["total"], 0)
        self.assertCleanAfter(r)

    def test_output_file(self):
        # a directory of this test's own: other worktrees' suites run at once
        path = os.path.join(tempfile.mkdtemp(dir=harness.TMPDIR), "report.json")
        try:
            r = run(["--server", "aiohttp", "-n", "200", "-c", "5", "--no-ebpf", "-o", path])
            self.assertEqual(r.rc, 0, r.stderr)
            self.assertEqual(r.stdout, "")
            with open(path) as f:
                validate(json.load(f))
        finally:
            if os.path.exists(path):
                os.unlink(path)
        # under sudo the report belongs to the user who typed the command
        env = dict(os.environ, SUDO_UID="65534", SUDO_GID="65534")
        try:
            r = run(["--server", "aiohttp", "-n", "100", "-c", "5", "--no-ebpf", "-o", path], env=env)
            self.assertEqual(r.rc, 0, r.stderr)
            st = os.stat(path)
            self.assertEqual((st.st_uid, st.st_gid), (65534, 65534))
        finally:
            if os.path.exists(path):
                os.unlink(path)
        # a device (-o /dev/null) is written in place, never replaced by a file:
        # a null device of the test's own, so a failure cannot break /dev/null
        dev = os.path.join(os.path.dirname(path), "null")
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        try:
            r = run(["--server", "aiohttp", "-n", "50", "-c", "5", "--no-ebpf", "-o", dev])
            self.assertEqual(r.rc, 0, r.stderr)
            self.assertTrue(stat.S_ISCHR(os.stat(dev).st_mode), "-o on a device replaced it")
        finally:
            os.unlink(dev)
        r = run(["--server", "aiohttp", "-n", "10", "--no-ebpf", "-o", "/nonexistent/dir/r.json"])
        self.assertOneLineError(r, "cannot write the report", rc=1)
        self.assertIn("No such file or directory", r.stderr)

    def test_trace_checked_and_written_whole(self):
        # unwritable: refused before the server starts
        r = run(["--server", "aiohttp", "-n", "100", "--trace", "/nonexistent/dir/t.jsonl"])
        self.assertOneLineError(r, "cannot write the trace to /nonexistent/dir/t.jsonl", rc=1)
        self.assertNotIn("starting aiohttp", r.stderr)
        # a trace that fails while written fails the run, and the report says so
        r = self.runValid(["--server", "aiohttp", "-n", "2000", "-c", "5", "--trace", "/dev/full"], rc=1)
        self.assertIn("failed to write the trace to /dev/full: No space left on device", r.json["error"])
        self.assertCleanAfter(r)

    def test_killed_run_keeps_the_earlier_report(self):
        d = tempfile.mkdtemp(dir=harness.TMPDIR)
        path = os.path.join(d, "report.json")
        with open(path, "w") as f:
            f.write('{"earlier": true}\n')
        p = subprocess.Popen([harness.BENCH, "--server", "aiohttp", "-d", "30s", "-c", "5", "-q",
                              "--no-ebpf", "-o", path], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=dict(os.environ, TMPDIR=harness.TMPDIR))
        time.sleep(3)
        p.kill()
        p.wait()
        with open(path) as f:
            self.assertEqual(json.load(f), {"earlier": True})
        # a whole run replaces it, and leaves nothing else in the directory
        # (the killed run's temporary file aside)
        leftover = set(os.listdir(d))
        r = run(["--server", "aiohttp", "-n", "100", "-c", "5", "--no-ebpf", "-o", path])
        self.assertEqual(r.rc, 0, r.stderr)
        with open(path) as f:
            validate(json.load(f))
        self.assertEqual(set(os.listdir(d)), leftover)
        self.assertTrue(all(n == "report.json" or n.startswith(".report.json.") for n in leftover),
                        leftover)


class CustomAndExternal(BenchTest):
    def test_server_cmd_with_port(self):
        cmd = "%s %s/servers/aiohttp_app.py --port {port}" % (harness.PYTHON, harness.SOURCE_ROOT)
        r = self.runValid(["--server-cmd", cmd, "-n", "300", "-c", "5"])
        rep = r.json
        self.assertEqual(rep["server"]["name"], "custom")
        self.assertNotIn("{port}", rep["server"]["command"])
        self.assertEqual(rep["client"]["errors"]["total"], 0)
        self.assertGreater(sum(v["count"] for v in rep["kernel"]["syscalls"].values()), 300)
        self.assertCleanAfter(r)

    def test_url_and_pid(self):
        port = harness.free_port()
        app = os.path.join(harness.SOURCE_ROOT, "servers", "aiohttp_app.py")
        srv = subprocess.Popen([harness.PYTHON, app, "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.assertTrue(harness.wait_port(port), "the server never started")
            r = self.runValid(["--url", "http://127.0.0.1:%d/" % port, "--pid", str(srv.pid),
                               "-n", "300", "-c", "5"])
            rep = r.json
            self.assertTrue(rep["server"]["external"])
            self.assertEqual(rep["server"]["pid"], srv.pid)
            self.assertIsNone(srv.poll(), "bench-ebpf must not stop a server it did not start")
            self.assertGreater(sum(v["count"] for v in rep["kernel"]["syscalls"].values()), 300)
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.wait(timeout=10)


if __name__ == "__main__":
    harness.require_root()
    harness.main()
