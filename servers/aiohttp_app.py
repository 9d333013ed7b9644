"""bench-ebpf demo app: aiohttp.

GET / answers {"message":"Hello, World!"} as application/json, one process,
no access log.
"""
import functools
import json
import platform
import sys
from app_common import listen_args

try:
    import aiohttp
    from aiohttp import web
except ImportError as e:
    print(f"aiohttp is not importable by {sys.executable}: {e}; install python3-aiohttp",
          file=sys.stderr, flush=True)
    sys.exit(3)

# Compact separators: the body is exactly {"message":"Hello, World!"}.
compact_dumps = functools.partial(json.dumps, separators=(",", ":"))


async def hello(request):
    return web.json_response({"message": "Hello, World!"}, dumps=compact_dumps)


def main():
    args = listen_args(__doc__)

    app = web.Application()
    app.router.add_get("/", hello)
    print(f"bench-ebpf-server-version: aiohttp {aiohttp.__version__} "
          f"(Python {platform.python_version()})", flush=True)
    # shutdown_timeout: SIGTERM should not wait a minute for idle keep-alive clients.
    web.run_app(app, host=args.host, port=args.port, access_log=None,
                print=None, shutdown_timeout=1.0)


if __name__ == "__main__":
    main()
