"""bench-ebpf demo app: FastAPI on uvicorn (one worker, in this process).

GET / answers {"message":"Hello, World!"} as application/json (FastAPI's
JSONResponse is compact). No access log; uvicorn logs warnings only.
"""
import importlib.util
import platform
import sys
from app_common import listen_args

try:
    import fastapi
    import uvicorn
except ImportError as e:
    print(f"fastapi/uvicorn is not importable by {sys.executable}: {e}; "
          "install python3-fastapi python3-uvicorn", file=sys.stderr, flush=True)
    sys.exit(3)

app = fastapi.FastAPI()


@app.get("/")
async def hello():
    return {"message": "Hello, World!"}


def main():
    args = listen_args(__doc__)

    # uvicorn picks httptools/uvloop when present, h11/asyncio otherwise: that
    # changes its speed a lot, so say which.
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(f"bench-ebpf-server-version: FastAPI {fastapi.__version__} "
          f"(uvicorn {uvicorn.__version__}, http={http}, loop={loop}, "
          f"Python {platform.python_version()})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port,
                access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
