"""Serve the app with Werkzeug's threaded server (no request log: it would carry the token)."""

from __future__ import annotations

import logging
import socket

from dash import Dash
from werkzeug.serving import BaseWSGIServer, make_server, select_address_family


def serve(app: Dash, host: str, port: int) -> BaseWSGIServer:
    """Return a threaded server for ``app`` bound to ``host:port`` (port 0: a free one).

    Call ``serve_forever()`` on it (the command does; tests run it in a thread and call
    ``shutdown()``). Werkzeug's per-request log is silenced because a first request may carry
    ``?token=``; errors are still logged.

    Raises
    ------
    OSError
        If the address cannot be bound (in use, not local); Werkzeug itself would exit the
        process instead, so the socket is bound here first.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    family = select_address_family(host, port)
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        bound = sock.getsockname()[1]
        # Werkzeug duplicates the descriptor, so this socket may close on leaving the block.
        return make_server(host, bound, app.server, threaded=True, fd=sock.fileno())
