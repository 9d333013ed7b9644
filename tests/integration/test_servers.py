"""Every built-in server usable here: a real run with real probes, exact counts,
zero errors, a schema-valid report, and nothing left behind."""
import harness
from harness import BenchTest, run, validate

RECV = ("read", "readv", "recvfrom", "recvmsg")
SEND = ("write", "writev", "sendto", "sendmsg", "sendfile")


class ServerRuns(BenchTest):
    def check_server(self, name, n, c):
        r = self.runValid(["--server", name, "-n", str(n), "-c", str(c)])
        rep = r.json
        cl = rep["client"]
        self.assertEqual(cl["requests_completed"], n)
        self.assertEqual(cl["requests_ok"], n)
        self.assertEqual(cl["errors"]["total"], 0, cl["errors"])
        self.assertEqual(cl["latency_ns"]["count"], n)
        lat = cl["latency_ns"]
        self.assertTrue(0 < lat["min"] <= lat["p50"] <= lat["p99"] <= lat["max"], lat)
        self.assertGreater(cl["rps"], 0)
        self.assertGreater(cl["bytes_read"], n * len('{"message":"Hello, World!"}'))
        self.assertEqual(rep["server"]["name"], name)
        self.assertTrue(rep["server"]["version"], "server version missing")
        self.assertFalse(rep["interrupted"])
        k = rep["kernel"]
        self.assertTrue(k["probes"]["attached"], "no probe attached")
        sc = k["syscalls"]
        recv = sum(sc[s]["count"] for s in RECV if s in sc)
        send = sum(sc[s]["count"] for s in SEND if s in sc)
        self.assertGreaterEqual(recv, n, "receive syscalls %s < requests; %s" % (recv, sorted(sc)))
        self.assertGreaterEqual(send, n, "send syscalls %s < requests; %s" % (send, sorted(sc)))
        self.assertEqual(k["records_lost"], 0)
        cost = k["probes"]["cost"]  # the kernel's run-time statistics of every hook
        self.assertTrue(cost["available"], cost)
        hooks = {p["hook"]: p for p in cost["programs"]}
        self.assertGreaterEqual(hooks["sys_exit"]["events"], send, hooks.get("sys_exit"))
        self.assertEqual(cost["events"], sum(p["events"] for p in cost["programs"]))
        self.assertGreater(cost["server_cpu_share"], 0)
        self.assertIn("probes: ", r.stderr)
        self.assertIn("Requests per second", r.stderr)
        self.assertCleanAfter(r)
        return rep

    def test_each_available_server(self):
        sizes = {"flask": (500, 10)}
        servers = harness.available_servers()
        for must in ("flask", "aiohttp", "fastapi", "nginx"):
            self.assertIn(must, servers, "bootstrap.sh should have installed %s" % must)
        for name in servers:
            with self.subTest(server=name):
                n, c = sizes.get(name, (2000, 20))
                self.check_server(name, n, c)

    def test_flask_reconnects_every_request(self):
        rep = run(["--server", "flask", "-n", "300", "-c", "5"]).json
        # Flask's development server closes after each response: one TCP
        # connection per request, and still no error.
        self.assertGreaterEqual(rep["client"]["connections_opened"], 300)
        self.assertEqual(rep["client"]["errors"]["total"], 0)
        # ... so the kernel sees one accept and one accept-queue wait each.
        k = rep["kernel"]
        accepts = sum(k["syscalls"][s]["count"] for s in ("accept", "accept4") if s in k["syscalls"])
        self.assertGreaterEqual(accepts, 300)
        self.assertGreaterEqual(k["accept"]["wait_ns"]["count"], 300)
        self.assertGreaterEqual(k["tcp"]["established"] if "established" in k["tcp"] else 300, 300)

    def test_no_probe_cost(self):
        """--no-probe-cost: the probes run, their cost is said not measured."""
        r = self.runValid(["--server", "nginx", "-n", "500", "-c", "5", "--no-probe-cost"])
        k = r.json["kernel"]
        self.assertEqual(k["syscalls"]["writev"]["count"], 500)
        cost = k["probes"]["cost"]
        self.assertFalse(cost["available"], cost)
        self.assertIn("statistics off", cost["reason"])
        self.assertIn("probes: cost not measured", r.stderr)
        self.assertCleanAfter(r)

    def test_kernel_sections(self):
        rep = run(["--server", "aiohttp", "-n", "3000", "-c", "30"]).json
        k = rep["kernel"]
        rq = k["sched"]["runq_delay_ns"]
        self.assertGreater(rq["count"], 0)
        self.assertTrue(rq["p50"] <= rq["p99"] <= rq["max"], rq)
        self.assertGreater(k["sched"]["oncpu_ns"], 0)
        self.assertLessEqual(k["sched"]["oncpu_ns"], 1.05 * k["window_ns"])
        bf = k["event_loop"]["busy_fraction"]
        self.assertTrue(0 < bf <= 1, bf)
        self.assertEqual(k["accept"]["wait_ns"]["count"], 30)
        for name in ("retransmits", "resets_sent", "resets_received", "listen_overflows"):
            self.assertIn(name, k["tcp"])
        self.assertEqual(k["probes"]["missing"], [])
        self.assertEqual(k["records_lost"], 0)

    def test_disabled_probe_degrades(self):
        r = self.runValid(["--server", "aiohttp", "-n", "500", "-c", "5", "--disable-probe", "sched_switch"])
        rep = r.json
        missing = {m["name"]: m["reason"] for m in rep["kernel"]["probes"]["missing"]}
        self.assertIn("sched_switch", missing)
        self.assertIn("disabled", missing["sched_switch"])
        self.assertGreaterEqual(rep["kernel"]["syscalls"]["recvfrom"]["count"], 500)

    def test_duration_mode(self):
        r = self.runValid(["--server", "aiohttp", "-d", "1s", "-c", "10", "--warmup", "200ms"])
        rep = r.json
        self.assertIsNone(rep["load"]["requests"])
        d = rep["load"]["duration_ns"]
        self.assertTrue(0.9e9 < d < 2.5e9, d)
        self.assertGreater(rep["client"]["requests_completed"], 100)
        self.assertCleanAfter(r)

    def test_no_ebpf(self):
        r = self.runValid(["--server", "aiohttp", "-n", "500", "-c", "10", "--no-ebpf"])
        rep = r.json
        self.assertEqual(rep["kernel"]["probes"]["attached"], [])
        self.assertEqual(rep["kernel"]["syscalls"], {})
        self.assertFalse(rep["kernel"]["enabled"])
        self.assertCleanAfter(r)

    def test_overhead_pairs(self):
        r = self.runValid(["--server", "aiohttp", "--overhead=2", "-n", "1500", "-c", "20"])
        rep = r.json
        o = rep["overhead"]
        self.assertEqual(o["pairs"], 2)
        self.assertEqual([p["order"] for p in o["runs"]], ["on,off", "off,on"])
        for p in o["runs"]:
            self.assertGreater(p["rps_off"], 0)
            self.assertGreater(p["rps_on"], 0)
        self.assertGreater(o["throughput_ratio"], 0.3)
        # the rest of the report describes the last load, which ran with probes
        self.assertTrue(rep["kernel"]["probes"]["attached"])
        self.assertGreaterEqual(rep["kernel"]["syscalls"]["recvfrom"]["count"], 1500)
        self.assertCleanAfter(r)


if __name__ == "__main__":
    harness.require_root()
    harness.main()
