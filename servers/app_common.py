"""What the built-in Python apps share: their command line and how they name
the version of the package they run on."""
import argparse
import os


def listen_args(doc):
    """--host (default 127.0.0.1) and --port (default $PORT, else 8000)."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    return ap.parse_args()


def dist_version(name, module=None):
    """The installed distribution's version, else the module's __version__."""
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return getattr(module, "__version__", "unknown")
