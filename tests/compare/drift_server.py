"""A test server whose every answer waits a little longer each second:
drift_server.py PORT DRIFT_MS_PER_S BASE_MS. With drift 0 it is steady."""
import http.server
import sys
import time

PORT, DRIFT, BASE = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
START = time.monotonic()
BODY = b'{"message":"Hello, World!"}'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        time.sleep((BASE + DRIFT * (time.monotonic() - START)) / 1000)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
