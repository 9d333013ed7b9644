"""server.cgroup: the server's CPU time over the window, from its own
cgroup's cpu.stat, on servers whose CPU use is known: one that spins a
shell loop beside it (user time, at most one CPU, as much of it as the
machine gives), and the test server answering a light load. The cgroup's
figure is checked against the kernel's own count of the same processes'
CPU time (kernel.sched.oncpu_ns, from the sched probes)."""
import subprocess
import sys
import unittest

import harness
from harness import BenchTest, at

HS = harness.HTTP_SERVER


class ServerCpu(BenchTest):
    def measure(self, cmd, *args):
        r = self.runValid(["--server-cmd", cmd, "-q", "--probes", "sched"] + list(args))
        self.assertCleanAfter(r)
        return r.runs()[0]

    def test_spinner(self):
        # a light load: the server's own work (system time, mostly) stays a
        # small part of the cgroup's time, which is the loop's
        report = self.measure("(while :; do :; done) & exec %s --port {port}" % HS,
                              "--rate", "50", "-d", "2s", "-c", "2")
        cg = at(report, "server.cgroup")
        self.assertIsNotNone(cg, "no server.cgroup (no writable cgroup v2 here?)")
        # cpu.stat is read as the window opens and after the load ends
        self.assertGreater(cg["window_ns"], 0.5 * at(report, "load.duration_ns"), cg)
        self.assertAlmostEqual(cg["cpus_used"], cg["cpu_usage_ns"] / cg["window_ns"], places=6)
        # a loop and a mostly idle server, both pinned to one CPU: some of it
        # (however busy the machine is), never more than all of it
        self.assertGreater(cg["cpus_used"], 0.1, cg)
        self.assertLess(cg["cpus_used"], 1.1, cg)
        self.assertGreater(cg["cpu_user_ns"], 0.8 * cg["cpu_usage_ns"], "a shell loop runs in user mode")
        self.assertAlmostEqual(cg["cpu_user_ns"] + cg["cpu_system_ns"], cg["cpu_usage_ns"],
                               delta=0.02 * cg["cpu_usage_ns"] + 1e6)
        oncpu = at(report, "kernel.sched.oncpu_ns")
        self.assertAlmostEqual(cg["cpu_usage_ns"], oncpu, delta=0.1 * oncpu + 30e6,
                               msg="the cgroup and the sched probes disagree")

    def test_light_load(self):
        """About 200 answers over 2 s cost the test server next to nothing."""
        report = self.measure("exec %s --port {port}" % HS, "--rate", "100", "-d", "2s", "-c", "2")
        cg = at(report, "server.cgroup")
        self.assertIsNotNone(cg)
        self.assertLess(cg["cpus_used"], 0.2, cg)
        oncpu = at(report, "kernel.sched.oncpu_ns")
        self.assertAlmostEqual(cg["cpu_usage_ns"], oncpu, delta=0.1 * oncpu + 30e6)

    def test_url_has_none(self):
        """--url: not our server, no cgroup of its own."""
        port = harness.free_port()
        srv = subprocess.Popen([HS, "--port", str(port)])
        try:
            harness.wait_port(port)
            r = self.runValid(["--url", "http://127.0.0.1:%d/" % port, "-q", "--no-ebpf", "-n", "50"])
        finally:
            srv.kill()
            srv.wait()
        self.assertIsNone(at(r.runs()[0], "server.cgroup", "absent"))

if __name__ == "__main__":
    harness.require_root()
    sys.exit(0 if unittest.main(exit=False).result.wasSuccessful() else 1)
