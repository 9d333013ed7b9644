"""The live progress line: on a terminal one line rewritten each interval
(elapsed of total or requests of -n, req/s and p99 of the last interval,
errors so far); nothing when stderr is not a terminal, nothing with -q."""
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
import unittest

BENCH = os.environ["BENCH_EBPF"]
HS = os.environ["HTTP_SERVER"]
LINE = re.compile(r"\r\x1b\[K  (\S+) (s|requests)  (\d+) req/s  p99 (\S+ \S+|-)  errors (\d+)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def args(*load):
    return [BENCH, "--no-ebpf", "--server-cmd", HS + " --port {port}", "--port", str(free_port()),
            "-c", "2", "--interval", "200ms", "-o", os.devnull] + list(load)


def on_terminal(cmd):
    """Runs cmd with stderr on a pseudo-terminal; what it wrote there."""
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.5)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    rc = p.wait(timeout=30)
    os.close(master)
    return rc, out.decode(errors="replace")


class Progress(unittest.TestCase):
    def test_rewritten_on_a_terminal(self):
        rc, err = on_terminal(args("-d", "2s"))
        self.assertEqual(rc, 0, err)
        lines = LINE.findall(err)
        self.assertGreaterEqual(len(lines), 3, "no progress line rewritten in place: %r" % err)
        # elapsed of the total, growing; req/s of the interval; a p99
        done = [float(d.split("/")[0]) for d, unit, *_ in lines]
        self.assertTrue(all(u == "s" for _, u, *_ in lines))
        self.assertTrue(all(d.endswith("/2.0") for d, *_ in lines), lines)
        self.assertEqual(done, sorted(done))
        self.assertLess(done[0], done[-1])
        self.assertTrue(any(int(rps) > 0 for _, _, rps, _, _ in lines), lines)
        self.assertTrue(any(p99 != "-" for _, _, _, p99, _ in lines), lines)
        # the line is erased before the summary, never left behind in it
        self.assertIn("\r\x1b[K", err[err.rindex(lines[-1][0]):])

    def test_requests_of_n(self):
        rc, err = on_terminal(args("-n", "30000"))
        self.assertEqual(rc, 0, err)
        lines = LINE.findall(err)
        if not lines:  # the run was shorter than one interval
            self.assertNotIn("req/s  p99", err)
            return
        self.assertTrue(all(u == "requests" and d.endswith("/30000") for d, u, *_ in lines), lines)

    def test_nothing_without_a_terminal(self):
        p = subprocess.run(args("-d", "1s"), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("\r", p.stderr)
        self.assertIsNone(LINE.search(p.stderr))

    def test_quiet_on_a_terminal(self):
        rc, err = on_terminal(args("-d", "1s", "-q"))
        self.assertEqual(rc, 0, err)
        self.assertIsNone(LINE.search(err), err)


if __name__ == "__main__":
    sys.exit(unittest.main())
