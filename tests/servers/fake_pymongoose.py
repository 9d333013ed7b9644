"""Stand-in for the pymongoose package, for bench-ebpf's tests only.

The real pymongoose (Cython over the Mongoose C library) cannot be installed on
the test machine, so this implements the small part of its API the demo app
uses: Manager(handler), Manager.listen(url, http=True), Manager.poll(ms),
Manager.close(), Connection.reply(status, body, headers=...), MG_EV_HTTP_MSG.
Like Mongoose, it logs to stdout on every request while the C global
mg_log_level (in the _mongoose.so next to this file) is nonzero.
"""
import ctypes
import os
import selectors
import socket
from urllib.parse import urlsplit

__version__ = "0.0.0+fake"
MG_EV_HTTP_MSG = 11

_lib = ctypes.CDLL(os.path.join(os.path.dirname(os.path.abspath(__file__)), "_mongoose.so"))


def _log_level():
    return ctypes.c_int.in_dll(_lib, "mg_log_level").value


class HttpMessage:
    def __init__(self, head):
        line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        self.method = line[0] if line else ""
        self.uri = line[1] if len(line) > 1 else ""


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def reply(self, status_code, body=b"", headers=None):
        if _log_level() > 0:
            print("fake-mongoose debug: reply", status_code, flush=True)
            print("fake-mongoose debug: sent", len(body), flush=True)
        if isinstance(body, str):
            body = body.encode()
        hdrs = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = f"HTTP/1.1 {status_code} OK\r\n{hdrs}Content-Length: {len(body)}\r\n\r\n"
        self.sock.sendall(head.encode() + body)


class Manager:
    def __init__(self, handler=None, enable_wakeup=False):
        self.handler = handler
        self.sel = selectors.DefaultSelector()
        self.socks = []

    def listen(self, url, handler=None, *, http=False):
        u = urlsplit(url)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((u.hostname, u.port))
        s.listen(128)
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ, None)
        self.socks.append(s)
        return s

    def poll(self, timeout_ms=0):
        for key, _ in self.sel.select(timeout_ms / 1000.0):
            if key.data is None:
                c, _ = key.fileobj.accept()
                c.setblocking(True)
                self.sel.register(c, selectors.EVENT_READ, Connection(c))
                self.socks.append(c)
                continue
            conn = key.data
            data = conn.sock.recv(65536)
            if not data:
                self.sel.unregister(conn.sock)
                self.socks.remove(conn.sock)
                conn.sock.close()
                continue
            conn.buf += data
            while b"\r\n\r\n" in conn.buf:
                head, conn.buf = conn.buf.split(b"\r\n\r\n", 1)
                self.handler(conn, MG_EV_HTTP_MSG, HttpMessage(head))

    def close(self):
        for s in self.socks:
            s.close()
        self.socks = []
