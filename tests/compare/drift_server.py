"""A test server whose every answer waits longer each second:
drift_server.py PORT GROWTH BASE_MS: each answer sleeps BASE_MS x (1 +
GROWTH x seconds since the first request), times a random factor in [0.5, 1.5] so the
connections do not move in lockstep. It sleeps, never spins: its req/s
and latency are set by the clock, its own CPU time is a few percent of
one CPU, so neither depends much on how fast or busy the machine is.
GROWTH 0: steady."""
import http.server
import random
import sys
import time

PORT, GROWTH, BASE = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
FIRST = []  # when the first request came (readiness's GET /)
BODY = b'{"message":"Hello, World!"}'
random.seed(7)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True  # the body, written after the headers, goes at once

    def do_GET(self):
        now = time.monotonic()
        FIRST[:] = FIRST or [now]
        drift = 1 + GROWTH * (now - FIRST[0])
        time.sleep(BASE * drift * random.uniform(0.5, 1.5) / 1000)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
