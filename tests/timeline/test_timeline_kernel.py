"""The kernel's view per timeline interval, on a real server with the real
probes: every interval has its kernel and anatomy figures, and they add up
exactly to the run's (syscalls per name, run-queue waits, on-CPU time,
retransmits, matched requests); each interval's maps are read at or after
its end; the timeline CSV carries the same figures. Without a probe group
its figures are null, never zero."""
import csv
import os
import sys
import unittest

import harness
from harness import at


class TimelineKernel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_root()
        cls.csv = os.path.join(harness.TMPDIR, "timeline.csv")
        res = harness.run(["--server", "nginx", "-d", "3s", "--interval", "500ms", "-c", "20",
                           "--timeline-csv", cls.csv])
        if res.rc != 0:
            raise AssertionError("run failed (%d): %s" % (res.rc, res.stderr[-2000:]))
        cls.report = res.json
        cls.result = res.runs()[0]
        cls.iv = cls.result["timeline"]["intervals"]

    def test_schema(self):
        harness.validate(self.report)

    def test_every_interval_has_kernel_fields(self):
        self.assertEqual(len(self.iv), 6, "3 s in 500 ms intervals")
        for k, e in enumerate(self.iv):
            kern = e["kernel"]
            self.assertIsNotNone(kern, "interval %d has no kernel figures" % k)
            self.assertGreater(kern["syscalls_total"], 0, "interval %d: no syscalls" % k)
            self.assertGreater(kern["sched"]["oncpu_ns"], 0, "interval %d: no CPU time" % k)
            self.assertIsInstance(kern["sched"]["runq_delay_ns"]["count"], int)
            self.assertIsInstance(kern["tcp"]["retransmits"], int)
            self.assertGreaterEqual(kern["read_ns"], e["start_ns"] + e["duration_ns"],
                                    "interval %d read before its end" % k)
            anat = e["anatomy"]
            self.assertIsNotNone(anat, "interval %d has no anatomy" % k)
            self.assertGreater(anat["matched"], 0, "interval %d: nothing matched" % k)
            for name in ("net_in_ns", "wait_ns", "app_ns", "net_out_ns", "client_ns"):
                comp = anat["components"][name]
                self.assertEqual(comp["count"], anat["matched"], "%s counts every match" % name)
                self.assertLessEqual(comp["min"], comp["mean"])
                self.assertLessEqual(comp["p99"], comp["max"])

    def test_syscalls_add_up(self):
        run_sc = self.result["kernel"]["syscalls"]
        self.assertTrue(run_sc, "the run counted syscalls")
        for name, v in run_sc.items():
            per = [e["kernel"]["syscalls"][name]["count"] for e in self.iv]
            self.assertEqual(sum(per), v["count"], "%s: intervals %s" % (name, per))
        total = sum(v["count"] for v in run_sc.values())
        self.assertEqual(sum(e["kernel"]["syscalls_total"] for e in self.iv), total)

    def test_sched_and_tcp_add_up(self):
        sched = self.result["kernel"]["sched"]
        self.assertEqual(sum(e["kernel"]["sched"]["runq_delay_ns"]["count"] for e in self.iv),
                         sched["runq_delay_ns"]["count"])
        self.assertEqual(sum(e["kernel"]["sched"]["oncpu_ns"] for e in self.iv), sched["oncpu_ns"])
        self.assertEqual(sum(e["kernel"]["tcp"]["retransmits"] for e in self.iv),
                         self.result["kernel"]["tcp"]["retransmits"])
        worst = max(e["kernel"]["sched"]["runq_delay_ns"]["max"] or 0 for e in self.iv)
        self.assertEqual(worst, sched["runq_delay_ns"]["max"], "the worst wait is in an interval")

    def test_anatomy_adds_up(self):
        matched = sum(e["anatomy"]["matched"] for e in self.iv)
        self.assertEqual(matched, self.result["breakdown"]["matched"])
        for name in ("wait_ns", "app_ns"):
            means = sum(e["anatomy"]["components"][name]["mean"] * e["anatomy"]["matched"]
                        for e in self.iv) / matched
            whole = self.result["breakdown"]["components"][name]["mean"]
            # each interval's mean is rounded to 1 ns
            self.assertLessEqual(abs(means - whole), 1.0, "%s: %.1f vs %d" % (name, means, whole))

    def test_csv(self):
        with open(self.csv) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(self.iv))
        for row, e in zip(rows, self.iv):
            self.assertEqual(int(row["syscalls"]), e["kernel"]["syscalls_total"])
            self.assertEqual(int(row["server_cpu_ns"]), e["kernel"]["sched"]["oncpu_ns"])
            self.assertEqual(int(row["anatomy_matched"]), e["anatomy"]["matched"])
            self.assertEqual(int(row["wait_p99_ns"]), e["anatomy"]["components"]["wait_ns"]["p99"])
            runq = e["kernel"]["sched"]["runq_delay_ns"]["p99"]
            self.assertEqual(row["runq_delay_p99_ns"], "" if runq is None else str(runq))


class TimelineWithoutGroups(unittest.TestCase):
    def test_missing_groups_are_null(self):
        harness.require_root()
        res = harness.run(["--server", "nginx", "-d", "1s", "--interval", "500ms", "-c", "10",
                           "--probes", "syscalls"])
        self.assertEqual(res.rc, 0, res.stderr[-2000:])
        harness.validate(res.json)
        for e in res.runs()[0]["timeline"]["intervals"]:
            self.assertGreater(e["kernel"]["syscalls_total"], 0)
            self.assertIsNone(e["kernel"]["sched"]["oncpu_ns"])
            self.assertIsNone(e["kernel"]["sched"]["runq_delay_ns"]["p99"])
            self.assertIsNone(e["kernel"]["tcp"]["retransmits"])
            self.assertIsNone(e["anatomy"])

    def test_no_ebpf(self):
        res = harness.run(["--server", "nginx", "-d", "1s", "--interval", "500ms", "-c", "10",
                           "--no-ebpf"])
        self.assertEqual(res.rc, 0, res.stderr[-2000:])
        harness.validate(res.json)
        for e in res.runs()[0]["timeline"]["intervals"]:
            self.assertIsNone(e["kernel"])
            self.assertIsNone(e["anatomy"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
