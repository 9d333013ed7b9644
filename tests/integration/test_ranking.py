"""Several servers in one go: one run each, then the ranking by req/s."""
import harness
from harness import BenchTest, run, validate


class Ranking(BenchTest):
    def test_two_servers_ranked(self):
        r = run(["--server", "flask,aiohttp", "-n", "400", "-c", "10", "--no-ebpf"])
        self.assertEqual(r.rc, 0, r.stderr)
        rep = r.json
        validate(rep)
        self.assertEqual([x["server"]["name"] for x in rep["runs"]], ["flask", "aiohttp"])
        rank = rep["ranking"]
        self.assertEqual(len(rank), 2)
        self.assertEqual([x["rank"] for x in rank], [1, 2])
        self.assertGreaterEqual(rank[0]["rps"], rank[1]["rps"])
        self.assertEqual(rank[0]["share_of_fastest"], 1.0)
        self.assertAlmostEqual(rank[1]["share_of_fastest"], rank[1]["rps"] / rank[0]["rps"], places=6)
        self.assertIn("Ranking", r.stderr)
        self.assertCleanAfter(r)

    def test_all(self):
        r = run(["--server", "all", "-n", "300", "-c", "10", "--no-ebpf"], timeout=180)
        self.assertEqual(r.rc, 0, r.stderr)
        rep = r.json
        validate(rep)
        names = [x["server"]["name"] for x in rep["runs"]]
        self.assertEqual(sorted(names), sorted(harness.available_servers()))
        if "pymongoose" not in names:
            self.assertTrue(any("pymongoose" in n for n in rep["notes"]), rep["notes"])
        self.assertCleanAfter(r)


if __name__ == "__main__":
    harness.require_root()
    harness.main()
