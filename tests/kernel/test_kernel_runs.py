"""Real runs of the real binary, judged on what the kernel side reports, so
that the same checks mean something on every kernel (kernel-suite.sh runs
them inside Debian 12's 6.1 too):

    test_kernel_runs.py sections   syscalls, sched and tcp present, nothing lost
    test_kernel_runs.py anatomy    the per-request anatomy covers >= 99 %

Small runs (-n 500): under qemu's emulation every instruction is slow, and
nothing here is timed."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402

# The servers the anatomy must cover on every kernel (the Python ones start
# slowly under emulation: a generous run timeout, few requests).
SERVERS = ("nginx", "aiohttp", "flask", "fastapi")
RUN = ["-n", "500", "-c", "8", "-q", "--ready-timeout", "300s"]


class KernelSections(harness.BenchTest):
    def run_server(self, name):
        if name not in harness.available_servers():
            self.skipTest(name + " is not installed here")
        r = harness.run(["--server", name, "--probes", "syscalls,sched,tcp"] + RUN, timeout=600)
        self.assertEqual(r.rc, 0, "bench-ebpf --server %s failed; stderr:\n%s" % (name, r.stderr))
        self.assertCleanAfter(r)
        return r.json

    def test_sections(self):
        for name in ("nginx", "flask"):
            with self.subTest(server=name):
                rep = self.run_server(name)
                harness.validate(rep)
                k = rep["kernel"]
                self.assertEqual(k["records_lost"], 0)
                attached = {a["name"] for a in k["probes"]["attached"]}
                for hook in ("sys_enter", "sys_exit", "sched_switch", "inet_sock_set_state"):
                    self.assertIn(hook, attached, "missing: %s" % k["probes"]["missing"])
                self.assertEqual(k["probes"]["missing"], [])
                calls = sum(s["count"] for s in k["syscalls"].values() if isinstance(s, dict) and "count" in s)
                self.assertGreaterEqual(calls, 2 * 500, "reads and writes of 500 requests")
                self.assertGreater(k["sched"]["runq_delay_ns"]["count"], 0)
                self.assertGreater(k["sched"]["oncpu_ns"], 0)
                self.assertIn("retransmits", k["tcp"])


class KernelAnatomy(harness.BenchTest):
    def test_anatomy(self):
        avail = harness.available_servers()
        for name in SERVERS:
            with self.subTest(server=name):
                if name not in avail:
                    self.skipTest(name + " is not installed here")
                r = harness.run(["--server", name] + RUN, timeout=600)
                self.assertEqual(r.rc, 0, "bench-ebpf --server %s failed; stderr:\n%s" % (name, r.stderr))
                self.assertCleanAfter(r)
                b = r.json["breakdown"]
                self.assertTrue(b["available"], b.get("reason"))
                k = r.json["kernel"]
                marks = " ".join("%s=%s" % (p["name"][len("anatomy/"):], p["mechanism"])
                                 for p in k["probes"]["attached"] if p["name"].startswith("anatomy/"))
                # the figures, for the log (they differ by kernel)
                print("%s: coverage %.4f, records lost %d, sends per response %.2f, marks: %s"
                      % (name, b["coverage"], k["records_lost"], b["sends_per_response"], marks),
                      file=sys.stderr)
                self.assertGreaterEqual(b["coverage"], 0.99, "unmatched: %s" % b.get("unmatched_reasons"))
                self.assertEqual(k["records_lost"], 0)
                # the send's end is seen on every mechanism
                self.assertGreaterEqual(b["sends_per_response"], 1.0, marks)


if __name__ == "__main__":
    harness.require_root()
    which = sys.argv.pop(1) if len(sys.argv) > 1 else ""
    cases = {"sections": KernelSections, "anatomy": KernelAnatomy}
    if which not in cases:
        sys.exit("usage: test_kernel_runs.py sections|anatomy")
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(cases[which])
    ok = unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful()
    sys.exit(0 if ok else 1)
