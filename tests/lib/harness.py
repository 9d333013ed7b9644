"""The Python half of the test library: run the real bench-ebpf binary
against real servers, read its JSON by path, validate it against the
schema, and check that nothing was left behind."""
import atexit
import glob
import json
import os
import shutil
import tempfile
import signal
import socket
import subprocess
import sys
import time
import unittest

BENCH = os.environ.get("BENCH_EBPF", os.path.join(os.path.dirname(__file__), "../../build/bench-ebpf"))
SOURCE_ROOT = os.environ.get("SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../.."))
SCHEMA = os.path.join(SOURCE_ROOT, "schema", "report.schema.json")
HTTP_SERVER = os.environ.get("HTTP_SERVER", os.path.join(SOURCE_ROOT, "build/tests/lib/http-server"))
PYTHON = "/usr/bin/python3"
SKIP = 77  # meson's exit code for a skipped test

try:
    import jsonschema
except ImportError:  # the bootstrap script installs python3-jsonschema
    jsonschema = None


def at(obj, path, default=None):
    """The value at a dotted path ("client.latency_ns.p99"), or default
    when a step of it is missing."""
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return default
        obj = obj[key]
    return obj


def require_root():
    if os.geteuid() != 0:
        print("skipped: needs root (eBPF, pinning, starting servers as another user)")
        sys.exit(SKIP)


def python_has(module):
    return subprocess.run([PYTHON, "-c", "import " + module],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def available_servers():
    """Built-in servers this machine can run, as bench-ebpf itself says."""
    out = subprocess.run([BENCH, "--list-servers"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.split()[1:2] == ["available"]]


class Result:
    def __init__(self, proc, stdout, stderr, elapsed):
        self.rc = proc.returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.stdout)
        return self._json

    def runs(self):
        j = self.json
        return j["runs"] if "runs" in j else [j]


# Each test process gets its own TMPDIR, so the check for leftover server
# directories sees only this test's runs, not another process's.
TMPDIR = tempfile.mkdtemp(prefix="bench-ebpf-tests-")
os.chmod(TMPDIR, 0o1777)  # like /tmp: runs as another user (sudo, nobody) write here too
atexit.register(shutil.rmtree, TMPDIR, True)


def run(args, timeout=120, user=None, sigint_after=None, env=None, sigint_when=None, preexec=None):
    """Run bench-ebpf; optionally as another user, or with a SIGINT after N s
    (counted from the first stderr line containing sigint_when, if given);
    preexec runs in the child before the exec (limits, for example)."""
    cmd = [BENCH] + list(args)
    env = dict(os.environ if env is None else env, TMPDIR=TMPDIR)
    if user is not None:
        uid, gid = user
        def preexec():  # noqa: E306
            os.setgid(gid)
            os.setuid(uid)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=preexec, env=env, cwd="/")
    early = ""
    if sigint_when is not None:
        for line in p.stderr:
            early += line
            if sigint_when in line:
                break
    if sigint_after is not None:
        time.sleep(sigint_after)
        p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=timeout)
        err = early + err
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("bench-ebpf %s did not finish in %ss; stderr:\n%s" % (args, timeout, err))
    return Result(p, out, err, time.monotonic() - t0)


COMPARE_SCHEMA = os.path.join(SOURCE_ROOT, "schema", "compare.schema.json")


def validate(report, schema_path=SCHEMA):
    """report against the report schema (or the one at schema_path)."""
    if jsonschema is None:
        raise AssertionError("python3-jsonschema is missing: run ./bootstrap.sh install")
    with open(schema_path) as f:
        schema = json.load(f)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report),
                    key=lambda e: e.path)
    if errors:
        # oneOf hides the real cause: report the deepest failures, briefly
        leaves = [c for e in errors for c in (e.context or [e])]
        best = sorted(leaves, key=lambda e: -len(e.absolute_path))[:3]
        raise AssertionError("report does not match the schema: " + "; ".join(
            "%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200]) for e in best))


def port_free(port):
    s = socket.socket()
    try:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        s.close()


def pid_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie is gone for our purpose only if it is not ours; check its state
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def wait_port(port, listening=True, tries=100):
    """Waits, 0.1 s a try, until port accepts connections (listening False:
    refuses them); whether it came to that."""
    for _ in range(tries):
        if port_free(port) != listening:
            return True
        time.sleep(0.1)
    return port_free(port) != listening


def free_port():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def processes_with(marker):
    """Live (not zombie) processes whose command line contains marker."""
    found = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            if marker in cmd and not pid_gone(int(d[6:])):
                found.append((int(d[6:]), cmd.strip()))
        except OSError:
            pass
    return found


def bpf_link_holders():
    """{link id: [pids]} for every BPF link some process holds open."""
    held = {}
    for fd in glob.glob("/proc/[0-9]*/fd/*"):
        try:
            if os.readlink(fd) != "anon_inode:bpf_link":
                continue
            with open(fd.replace("/fd/", "/fdinfo/")) as f:
                for line in f:
                    if line.startswith("link_id:"):
                        held.setdefault(int(line.split()[1]), []).append(int(fd.split("/")[2]))
        except OSError:
            pass
    return held


def bpf_links():
    """The ids of every BPF link on the machine (bpftool link list)."""
    for _ in range(10):
        p = subprocess.run(["bpftool", "-j", "link", "list"], capture_output=True, text=True)
        if p.returncode == 0:
            return {link["id"] for link in json.loads(p.stdout or "[]")}
        # a link another run closes while bpftool walks the list fails it
        time.sleep(0.1)
    raise AssertionError("bpftool link list failed: " + p.stderr.strip())


def leaked_bpf_links(before, ours=()):
    """Links made since `before` that nobody holds (pinned, or left in the
    kernel) or that one of our pids holds; other tools' links are theirs."""
    def suspects():
        links = bpf_links() - before  # listed before the holders are read
        held = bpf_link_holders()
        return {i for i in links if i not in held or set(held[i]) & set(ours)}

    # another tool's link seen while it attaches or exits has no holder for
    # a moment: a leak is one that still has none (or ours) a moment later
    found = suspects()
    if found:
        time.sleep(0.5)
        found &= suspects()
    return sorted(found)


def leftover_tmpdirs():
    return glob.glob(os.path.join(TMPDIR, "bench-ebpf-*"))


class BenchTest(unittest.TestCase):
    """Base class: every run is checked for leaks."""

    def setUp(self):
        self.tmp_before = set(leftover_tmpdirs())

    def runValid(self, args, rc=0, **kw):
        """run(args): it exits rc with a report valid against the schema."""
        r = run(args, **kw)
        self.assertEqual(r.rc, rc, r.stderr)
        validate(r.json)
        return r

    def assertCleanAfter(self, result):
        for r in result.runs():
            srv = r["server"]
            if srv.get("pid") and not srv.get("external"):
                self.assertTrue(pid_gone(srv["pid"]), "server pid %s still running" % srv["pid"])
            if srv.get("port") and not srv.get("external"):
                self.assertTrue(port_free(srv["port"]), "port %s still in use" % srv["port"])
        left = set(leftover_tmpdirs()) - self.tmp_before
        self.assertFalse(left, "temp dirs left behind: %s" % sorted(left))

    def assertOneLineError(self, result, needle, rc=None):
        if rc is not None:
            self.assertEqual(result.rc, rc, "exit code; stderr:\n" + result.stderr)
        else:
            self.assertNotEqual(result.rc, 0, "expected failure; stderr:\n" + result.stderr)
        lines = [l for l in result.stderr.splitlines() if l.startswith("bench-ebpf: ") and "warning" not in l]
        self.assertTrue(lines, "no 'bench-ebpf: ' error line in:\n" + result.stderr)
        self.assertIn(needle, result.stderr)


def main():
    unittest.main(verbosity=2)
