"""Who may see the dashboard: loopback only, unless a token from the environment is required.

A non-loopback bind needs ``EOTS_DASHBOARD_TOKEN``; every request must then carry it, as
``?token=...`` once (answered with a cookie and a redirect that drops it from the address),
an ``X-EOTS-Token`` header, or ``Authorization: Bearer ...``. Requests without it get 401. The
token is compared in constant time and never printed or logged; source credentials (e.g.
``TRADIER_TOKEN``) are never read by the dashboard at all.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from eots.core.errors import ConfigError

TOKEN_ENV = "EOTS_DASHBOARD_TOKEN"
COOKIE = "eots_dashboard_token"
HEADER = "X-EOTS-Token"


def is_loopback(host: str) -> bool:
    """Return True for a loopback bind address.

    Examples
    --------
    >>> [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "192.168.1.5")]
    [True, True, True, False, False]
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_required(host: str, token: str | None, *, force: bool = False) -> bool:
    """Decide whether requests need the token; refuse a non-loopback bind without one.

    Raises
    ------
    ConfigError
        If ``host`` is not loopback (or ``force`` is set) and no token was given.
    """
    needed = force or not is_loopback(host)
    if needed and not token:
        raise ConfigError(
            f"binding the dashboard to {host!r} (not loopback) needs a token: set {TOKEN_ENV} "
            "in the environment, or bind to 127.0.0.1"
            if not force
            else f"the token-required mode needs {TOKEN_ENV} in the environment"
        )
    return needed


def startup_message(host: str, port: int, *, token_needed: bool) -> str:
    """Return what the command prints when it starts (never the token itself)."""
    where = f"http://{host}:{port}/"
    if not token_needed:
        return f"eots dashboard on {where} (loopback only; no token needed)"
    return (
        f"eots dashboard on {where} - token required: this address is reachable from other "
        f"machines, so every request must carry {TOKEN_ENV} (open {where}?token=<your token> "
        "once; the browser keeps it in a cookie)"
    )


def install_token_guard(server: Flask, token: str) -> None:
    """Refuse every request to ``server`` that does not carry ``token`` (401)."""
    expected = token.encode()

    def supplied() -> tuple[str | None, bool]:
        query = request.args.get("token")
        if query:
            return query, True
        auth = request.headers.get("Authorization", "")
        bearer = auth[7:] if auth.lower().startswith("bearer ") else None
        return request.headers.get(HEADER) or bearer or request.cookies.get(COOKIE), False

    @server.before_request
    def _guard() -> BaseResponse | None:
        given, in_query = supplied()
        if not given or not hmac.compare_digest(given.encode(), expected):
            return Response(
                f"401: this dashboard requires a token ({TOKEN_ENV}); open the address with "
                "?token=<token> or send the X-EOTS-Token header\n",
                status=401,
                mimetype="text/plain",
            )
        if in_query:
            rest = {k: v for k, v in request.args.items() if k != "token"}
            target = request.path + (f"?{urlencode(rest)}" if rest else "")
            response = redirect(target, code=303)
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
            return response
        return None
