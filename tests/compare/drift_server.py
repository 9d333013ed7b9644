"""A test server whose every answer waits longer each second:
drift_server.py PORT GROWTH BASE_MS: each answer sleeps BASE_MS x (1 +
GROWTH x seconds since start). It sleeps, never spins, so its req/s is set
by the clock, not by how fast or busy the machine is. GROWTH 0: steady."""
import http.server
import sys
import time

PORT, GROWTH, BASE = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
START = time.monotonic()
BODY = b'{"message":"Hello, World!"}'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True  # the body, written after the headers, goes at once

    def do_GET(self):
        time.sleep(BASE * (1 + GROWTH * (time.monotonic() - START)) / 1000)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
