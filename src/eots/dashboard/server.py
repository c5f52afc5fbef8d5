"""Serve the app with Werkzeug's threaded server (no request log: it would carry the token)."""

from __future__ import annotations

import logging

from dash import Dash
from werkzeug.serving import BaseWSGIServer, make_server


def serve(app: Dash, host: str, port: int) -> BaseWSGIServer:
    """Return a threaded server for ``app`` bound to ``host:port`` (port 0: a free one).

    Call ``serve_forever()`` on it (the command does; tests run it in a thread and call
    ``shutdown()``). Werkzeug's per-request log is silenced because a first request may carry
    ``?token=``; errors are still logged.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return make_server(host, port, app.server, threaded=True)
