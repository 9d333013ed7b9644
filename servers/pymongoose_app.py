"""bench-ebpf demo app: pymongoose (Cython bindings over the Mongoose C library).

GET / answers {"message":"Hello, World!"} as application/json from a single
Mongoose event loop in this process. SIGTERM/SIGINT stop it cleanly.

Mongoose logs debug lines for every request on stdout by default, which costs
more than the request itself; the C global mg_log_level is set to 0 (none)
through ctypes before serving.
"""
import ctypes
import importlib.machinery
import os
import platform
import signal
import sys
from app_common import dist_version, listen_args

try:
    import pymongoose
except ImportError as e:
    print(f"pymongoose is not installed for {sys.executable} ({e}): pip install pymongoose",
          file=sys.stderr, flush=True)
    sys.exit(3)

BODY = b'{"message":"Hello, World!"}'
HEADERS = {"Content-Type": "application/json"}


def api(name):
    """A name from the pymongoose package or its compiled module."""
    for mod in (pymongoose, getattr(pymongoose, "_mongoose", None)):
        if mod is not None and hasattr(mod, name):
            return getattr(mod, name)
    return None


def extension_files():
    """Candidate paths of the compiled module that links Mongoose in."""
    seen = []
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)

    def add(path):
        if path and path.endswith(suffixes) and os.path.isfile(path) and path not in seen:
            seen.append(path)

    # Already-imported submodules first (pymongoose._mongoose in known releases).
    for name, mod in list(sys.modules.items()):
        if name == "pymongoose" or name.startswith("pymongoose."):
            add(getattr(mod, "__file__", None))
    # Then any extension file shipped inside the package directory.
    for d in getattr(pymongoose, "__path__", []) or []:
        try:
            for entry in sorted(os.listdir(d)):
                add(os.path.join(d, entry))
        except OSError:
            pass
    return seen


def silence_mongoose():
    """Set mg_log_level = 0 in the loaded Mongoose; returns where, or None."""
    for path in extension_files():
        try:
            # Same path as the imported module: dlopen returns the same handle,
            # so this is the very variable Mongoose reads.
            lib = ctypes.CDLL(path)
            ctypes.c_int.in_dll(lib, "mg_log_level").value = 0
            return path
        except (OSError, ValueError):
            continue
    return None


def main():
    args = listen_args(__doc__)

    Manager = api("Manager")
    if Manager is None:
        print(f"the installed 'pymongoose' ({getattr(pymongoose, '__file__', '?')}) is not the "
              "Mongoose bindings (no Manager): pip install pymongoose", file=sys.stderr, flush=True)
        sys.exit(3)
    ev_http_msg = api("MG_EV_HTTP_MSG")
    if ev_http_msg is None:
        ev_http_msg = 11  # MG_EV_HTTP_MSG in Mongoose 7.x


    if silence_mongoose() is None:
        print("bench-ebpf: warning: could not set mg_log_level in pymongoose's extension; "
              "Mongoose may log every request", file=sys.stderr, flush=True)

    def handler(conn, ev, data):
        if ev == ev_http_msg:
            conn.reply(200, BODY, headers=HEADERS)

    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    mgr = Manager(handler)
    url = f"http://{args.host}:{args.port}"
    if hasattr(mgr, "http_listen"):  # older/other spellings of the API
        mgr.http_listen(url, handler)
    else:
        mgr.listen(url, http=True)

    print(f"bench-ebpf-server-version: pymongoose {dist_version('pymongoose', pymongoose)} "
          f"(Python {platform.python_version()})", flush=True)
    try:
        while not stopping:
            mgr.poll(100)
    finally:
        close = getattr(mgr, "close", None)
        if close is not None:
            close()


if __name__ == "__main__":
    main()
