"""bench-ebpf demo app: Flask's threaded development server.

GET / answers {"message":"Hello, World!"} as application/json. The development
server speaks HTTP/1.0 and closes the connection after every response; that is
part of what is being measured, so it is kept.
"""
import json
import logging
import platform
import sys
from app_common import dist_version, listen_args

try:
    import flask
except ImportError as e:
    print(f"flask is not importable by {sys.executable}: {e}; install python3-flask",
          file=sys.stderr, flush=True)
    sys.exit(3)


def main():
    args = listen_args(__doc__)

    # werkzeug logs one line per request at INFO: keep the log from growing.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app = flask.Flask(__name__)

    @app.route("/")
    def hello():
        body = json.dumps({"message": "Hello, World!"}, separators=(",", ":"))
        return flask.Response(body, mimetype="application/json")

    print(f"bench-ebpf-server-version: Flask {dist_version('flask', flask)} "
          f"(Werkzeug {dist_version('werkzeug')}, Python {platform.python_version()})",
          flush=True)
    app.run(host=args.host, port=args.port, threaded=True,
            debug=False, use_reloader=False, use_debugger=False)


if __name__ == "__main__":
    main()
