"""Summary heuristics for servers nobody here wrote, on the real kernel.

A thread is an event loop only if it waits in epoll/poll/select (a main
thread that polled once and then parks in a futex, as Go's does, is not);
a threaded server is described by its threads and processes, and the
verdict comes from on-CPU time and run-queue delay; busy is measured over
the whole window, not from the thread's first wait.
"""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import BenchTest, run, validate  # noqa: E402

# Worker threads serve with blocking accept/recv/send (no poll); the main
# thread polls once, then waits for them in a futex (join).
THREADED = r'''
import select, socket, sys, threading
port = int(sys.argv[1])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(64)
BODY = b"ok"
def serve():
    while True:
        c, _ = ls.accept()
        with c:
            buf = b""
            while True:
                d = c.recv(4096)
                if not d:
                    break
                buf += d
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    sum(range(20000))
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + BODY)
select.select([], [], [], 0.01)
ts = [threading.Thread(target=serve, daemon=True) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
'''

# One thread: the first request of the load spins 300 ms before the
# thread's first poll wait (gunicorn's sync worker busy from the start).
LATE_POLL = r'''
import select, socket, sys, time
port = int(sys.argv[1])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(64)
RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
def handle(c, spin):
    d = c.recv(4096)
    if not d:
        return False
    if spin:
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            pass
    c.sendall(RESP)
    return True
c, _ = ls.accept()             # the readiness check, blocking: no poll yet
while handle(c, False):
    pass
c.close()
c, _ = ls.accept()             # the load's connection: its first request spins
handle(c, True)
conns = [c]
while True:
    r, _, _ = select.select([ls] + conns, [], [])
    for s in r:
        if s is ls:
            conns.append(ls.accept()[0])
        elif not handle(s, False):
            conns.remove(s); s.close()
'''


class Threads(BenchTest):
    def server(self, source):
        f = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
        f.write(source)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return "python3 %s {port}" % f.name

    def bench(self, args):
        r = run(list(args), timeout=180)
        self.assertEqual(r.rc, 0, "bench-ebpf %s failed; stderr:\n%s" % (args, r.stderr))
        validate(r.json)
        self.assertCleanAfter(r)
        return r

    def test_threaded_server_main_thread_not_a_loop(self):
        """Main thread polled once then joined: not an event loop, no
        "saturated" from it; the summary names threads and process."""
        r = self.bench(["--server-cmd", self.server(THREADED), "-c", "4", "-n", "400",
                        "--probes", "syscalls,sched"])
        loop = r.json["kernel"]["event_loop"]
        self.assertIsNone(loop["busiest"], loop)
        self.assertNotIn("event loop busy", r.stderr)
        line = [ln for ln in r.stderr.splitlines() if "server threads in 1 process" in ln]
        self.assertEqual(len(line), 1, r.stderr)
        self.assertRegex(line[0], r"on a CPU \d+ % of the window, waiting for one \d+ %: the server ")

    def test_busy_over_whole_window(self):
        """A loop busy from the window's start is measured from there: its
        span is the window, and the 300 ms before its first wait are busy."""
        r = self.bench(["--server-cmd", self.server(LATE_POLL), "-c", "1", "-n", "200",
                        "--probes", "syscalls,sched"])
        loop = r.json["kernel"]["event_loop"]
        top = loop["busiest"]
        self.assertIsNotNone(top, loop)
        window = r.json["kernel"]["window_ns"] if "window_ns" in r.json["kernel"] else None
        busy_ns = top["span_ns"] - top["wait_ns"]
        self.assertGreaterEqual(busy_ns, 300e6, top)
        if window:
            self.assertGreaterEqual(top["span_ns"], 0.95 * window, top)


if __name__ == "__main__":
    harness.require_root()
    unittest.main()
