"""Open loop, the curl engine and TLS, through the real binary: the schedule
is held, the engines agree, https works with a self-signed certificate."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import harness
from harness import BenchTest, run, validate


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class OpenLoop(BenchTest):
    def test_rate_is_held(self):
        r = run(["--server", "nginx", "--rate", "5000", "-d", "2s", "-c", "20", "--no-ebpf"])
        self.assertEqual(r.rc, 0, r.stderr)
        rep = r.json
        validate(rep)
        self.assertEqual(rep["load"]["mode"], "open")
        self.assertEqual(rep["load"]["rate"], 5000)
        ol = rep["client"]["open_loop"]
        self.assertAlmostEqual(ol["achieved_rate"], 5000, delta=50)  # within 1 %
        self.assertEqual(rep["client"]["errors"]["total"], 0)
        self.assertEqual(ol["unsent"], 0)
        lat, unc = rep["client"]["latency_ns"], rep["client"]["latency_uncorrected_ns"]
        self.assertEqual(lat["count"], unc["count"])
        # measured from the schedule, latency can only be longer than from the send
        self.assertGreaterEqual(lat["p99"] * 1.001, unc["p99"])
        self.assertCleanAfter(r)

    def test_overload_shows_the_queue(self):
        # Flask serves a few thousand req/s here: 3x that, and the corrected
        # latency must grow with the queue instead of hiding it.
        r = run(["--server", "flask", "--rate", "8000", "-d", "2s", "-c", "20", "--no-ebpf",
                 "--timeout", "30s"], timeout=120)
        self.assertEqual(r.rc, 0, r.stderr)
        rep = r.json
        validate(rep)
        lat, unc = rep["client"]["latency_ns"], rep["client"]["latency_uncorrected_ns"]
        self.assertGreater(lat["p99"], 100e6, "an overloaded server's open-loop p99 shows its queue")
        self.assertGreater(lat["p99"], 5 * unc["p99"])
        self.assertCleanAfter(r)


class Engines(BenchTest):
    def test_curl_engine_same_counts(self):
        reps = {}
        for engine in ("epoll", "curl"):
            r = run(["--server", "aiohttp", "--engine", engine, "-n", "1000", "-c", "10", "--no-ebpf"])
            self.assertEqual(r.rc, 0, r.stderr)
            validate(r.json)
            reps[engine] = r.json["client"]
            self.assertEqual(r.json["load"]["engine"], engine)
        for engine, c in reps.items():
            self.assertEqual(c["requests_completed"], 1000, engine)
            self.assertEqual(c["requests_ok"], 1000, engine)
            self.assertEqual(c["errors"]["total"], 0, engine)

    def test_https_self_signed(self):
        nginx, openssl = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("openssl")
        if not os.path.exists(nginx) or not openssl:
            self.fail("nginx and openssl are installed by bootstrap.sh")
        d = tempfile.mkdtemp(prefix="bench-test-tls-")
        proc = None
        try:
            subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=127.0.0.1", "-keyout", d + "/key.pem", "-out", d + "/cert.pem"],
                           check=True, capture_output=True)
            port = free_port()
            with open(d + "/nginx.conf", "w") as f:
                f.write("""worker_processes 1; daemon off; pid %(d)s/nginx.pid; error_log %(d)s/error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path %(d)s;
  server { listen 127.0.0.1:%(port)d ssl http2;
    ssl_certificate %(d)s/cert.pem; ssl_certificate_key %(d)s/key.pem;
    location = / { default_type application/json; return 200 '{"message":"Hello, World!"}'; } } }
""" % {"d": d, "port": port})
            proc = subprocess.Popen([nginx, "-c", d + "/nginx.conf"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            for _ in range(100):
                if not harness.port_free(port):
                    break
                time.sleep(0.05)
            url = "https://127.0.0.1:%d/" % port
            # without --insecure the self-signed certificate is refused, and said so,
            # by the readiness check already (it checks as the load would)
            r = run(["--url", url, "-n", "20", "-c", "2", "--no-ebpf"], timeout=30)
            self.assertEqual(r.rc, 1, r.stderr)
            self.assertIn("certificate", r.json["error"])
            self.assertIn("--insecure accepts a self-signed certificate", r.json["error"])
            self.assertLess(r.elapsed, 15, "a refused certificate waited out the ready timeout")
            for extra in ([], ["--http2"]):
                r = run(["--url", url, "--insecure", "-n", "500", "-c", "5", "--no-ebpf"] + extra)
                self.assertEqual(r.rc, 0, r.stderr)
                validate(r.json)
                self.assertEqual(r.json["load"]["engine"], "curl")
                self.assertEqual(r.json["client"]["requests_ok"], 500, extra)
                self.assertEqual(r.json["client"]["errors"]["total"], 0)
        finally:
            if proc:
                proc.terminate()
                proc.wait(timeout=10)
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    harness.require_root()
    harness.main()
