"""The HTTP client every live source uses: timeouts, bounded retries, backoff, located errors.

One seam makes sources testable without a network: the ``httpx`` transport passed to
``HttpClient`` (``httpx.MockTransport`` or ``eots.sources.recorded.RecordedTransport`` in tests).

Retry policy (``RetryPolicy``):

* retried: HTTP 429, HTTP 5xx, and every transport or decoding failure ``httpx`` can raise
  (timeouts, refused or reset connections, broken responses, a body whose ``Content-Encoding``
  does not decode, a try past its deadline), up to ``attempts`` tries in all;
* not retried: other 4xx (``SourceError`` with the status and the start of the body), a redirect
  loop (``SourceError``), a body that is not JSON (``PayloadError``: an HTML error page, a
  truncated or garbled document);
* one try never lasts longer than ``deadline_s`` in all (connecting, headers, every byte of the
  body, redirects): a server that trickles its answer, each byte inside the read timeout, is cut
  off at the deadline (a watchdog shuts the socket down) and the try counts as failed;
* the wait before try ``n + 1`` is "full jitter" exponential backoff,
  ``random() * min(max_delay_s, base_delay_s * 2 ** (n - 1))`` seconds, except after a 429 (or a
  5xx such as 503) that carries ``Retry-After`` (delta-seconds or an HTTP date): then exactly that
  long, capped at ``max_retry_after_s``;
* after the last try: ``SourceUnavailable`` naming the URL, the number of tries and the last error.

Secrets never reach a message: query parameters whose name looks like a credential (``token``,
``apikey``, ``key``, ...) are shown as ``***``, and every string in ``redact`` (e.g. a bearer token)
is replaced by ``***`` in all text this module produces.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from eots.core.clock import Clock, LiveClock
from eots.core.errors import PayloadError, SourceError, SourceUnavailable

#: Query parameter names whose values are credentials (compared lower-case).
SECRET_PARAMS = frozenset(
    {"token", "access_token", "apikey", "api_key", "key", "apitoken", "secret", "password"}
)
_MASK = "***"
_SNIPPET = 120


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How long to wait for a response and how often to try again (module docstring).

    Parameters
    ----------
    attempts
        Tries in all, including the first (>= 1).
    base_delay_s, max_delay_s
        Backoff before try ``n + 1`` is ``random() * min(max_delay_s, base_delay_s * 2**(n-1))``.
    max_retry_after_s
        Longest ``Retry-After`` honoured, seconds (a longer one is cut to this).
    connect_timeout_s, read_timeout_s
        Timeouts of one network operation (connecting, one read), seconds.
    deadline_s
        Longest time one try may take in all, seconds (module docstring).
    """

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0
    deadline_s: float = 60.0

    def __post_init__(self) -> None:
        """Refuse attempts, timeouts or deadlines that could never succeed."""
        if self.attempts < 1:
            raise ValueError(f"expected attempts >= 1, was {self.attempts}")
        if not (self.connect_timeout_s > 0 and self.read_timeout_s > 0 and self.deadline_s > 0):
            raise ValueError("expected positive timeouts and deadline")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.max_retry_after_s < 0:
            raise ValueError("expected non-negative delays")

    def backoff(self, failed_tries: int, draw: float) -> float:
        """Return the full-jitter wait after ``failed_tries`` failures, s (``0 <= draw < 1``).

        Examples
        --------
        >>> RetryPolicy(base_delay_s=1.0, max_delay_s=5.0).backoff(3, 0.5)
        2.0
        >>> RetryPolicy(base_delay_s=1.0, max_delay_s=5.0).backoff(9, 0.5)
        2.5
        """
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** (failed_tries - 1))
        return draw * ceiling

    @property
    def timeout(self) -> httpx.Timeout:
        """The ``httpx`` timeout of one try."""
        return httpx.Timeout(self.read_timeout_s, connect=self.connect_timeout_s)


@dataclass(frozen=True, slots=True)
class _Retry:
    reason: str
    wait_s: float | None = None  # None: use the backoff


@dataclass(slots=True)
class HttpClient:
    """A JSON-over-HTTP client with the retry policy of the module docstring.

    Parameters
    ----------
    base_url
        Prefix of relative request paths (``""`` when callers pass absolute URLs).
    transport
        The ``httpx`` transport (None: the real network).
    headers
        Sent with every request (e.g. ``Authorization``); never shown in messages.
    policy
        Timeouts and retries.
    sleep, random, clock
        Injected for tests: the wait (seconds), a uniform draw in [0, 1) for the jitter, and the
        clock used to turn an HTTP-date ``Retry-After`` into seconds.
    redact
        Strings (secrets) replaced by ``***`` in every message.

    Examples
    --------
    >>> def handler(request: httpx.Request) -> httpx.Response:
    ...     return httpx.Response(200, json={"ok": True})
    >>> with HttpClient("https://example.test", transport=httpx.MockTransport(handler)) as c:
    ...     c.get_json("/ping")
    {'ok': True}
    """

    base_url: str = ""
    transport: httpx.BaseTransport | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)
    clock: Clock = field(default_factory=LiveClock, repr=False)
    redact: tuple[str, ...] = field(default=(), repr=False)
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        """GET ``url`` and return its decoded JSON body (any JSON value).

        Raises
        ------
        SourceUnavailable
            Still failing after the last try (timeouts, connection errors, 429, 5xx).
        SourceError
            A 4xx other than 429 (not retried).
        PayloadError
            The body is not JSON (HTML error page, truncated or garbled document).
        """
        return self.decode(self.get(url, params))

    def decode(self, response: httpx.Response) -> Any:
        """Return a response's JSON value; ``PayloadError`` (secrets masked) if it is not JSON."""
        try:
            return decode_json(response, where=self.describe(response.request.url))
        except PayloadError as e:
            raise PayloadError(self.scrub(str(e))) from None

    def get(self, url: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        """GET ``url`` with retries and return the first 2xx/3xx response (see ``get_json``)."""
        client = self._open()
        request = client.build_request("GET", url, params=params)
        where = self.describe(request.url)
        last = ""
        for attempt in range(1, self.policy.attempts + 1):
            try:
                response = _send_within(client, request, self.policy.deadline_s)
            except httpx.UnsupportedProtocol as e:
                raise SourceError(f"{where}: {self.scrub(str(e))}") from None
            except httpx.TooManyRedirects as e:
                raise SourceError(f"{where}: redirect loop (not retried): {e}") from None
            except _DeadlineExceededError:
                retry = _Retry(
                    f"deadline of {self.policy.deadline_s:g} s passed without a complete answer"
                )
            except httpx.HTTPError as e:  # every transport, protocol and decoding error
                retry = _Retry(f"{type(e).__name__}: {self.scrub(str(e)) or 'no detail'}")
            else:
                retry_or_none = self._verdict(response, where)
                if retry_or_none is None:
                    return response
                retry = retry_or_none
            last = retry.reason
            if attempt < self.policy.attempts:
                wait = retry.wait_s
                if wait is None:
                    wait = self.policy.backoff(attempt, self.random())
                self.sleep(wait)
        raise SourceUnavailable(
            f"{where}: gave up after {self.policy.attempts} tries; last error: {last}"
        )

    def _verdict(self, response: httpx.Response, where: str) -> _Retry | None:
        status = response.status_code
        if status < 400:
            return None
        response.read()
        snippet = self.scrub(_snippet(response.content))
        if status == 429 or status >= 500:
            wait = retry_after_seconds(response.headers.get("retry-after"), self.clock.now())
            if wait is not None:
                wait = min(wait, self.policy.max_retry_after_s)
            return _Retry(f"HTTP {status} {response.reason_phrase}: {snippet}", wait)
        raise SourceError(
            f"{where}: HTTP {status} {response.reason_phrase} (not retried): {snippet}"
        )

    def describe(self, url: httpx.URL | str) -> str:
        """Return ``GET <url>`` with credential query parameters and secrets masked."""
        url = httpx.URL(url)
        masked = [
            (k, _MASK if k.lower() in SECRET_PARAMS else v) for k, v in url.params.multi_items()
        ]
        shown = url.copy_with(params=masked) if masked else url
        return self.scrub(f"GET {shown}")

    def scrub(self, text: str) -> str:
        """Return ``text`` with every secret in ``redact`` replaced by ``***``."""
        for secret in self.redact:
            if secret:
                text = text.replace(secret, _MASK)
        return text

    def _open(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.base_url,
                transport=self.transport,
                headers=dict(self.headers),
                timeout=self.policy.timeout,
                follow_redirects=True,
                # A fresh connection per request: the deadline watchdog needs its socket.
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return self._client

    def close(self) -> None:
        """Close the connection pool (a later request opens a new one)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> HttpClient:
        """Return the client itself."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client."""
        self.close()


class _DeadlineExceededError(Exception):
    """A try ran past ``RetryPolicy.deadline_s`` (internal; turned into a retry)."""


def _send_within(client: httpx.Client, request: httpx.Request, deadline_s: float) -> httpx.Response:
    """Send ``request`` (body read in full) and cut it off after ``deadline_s`` seconds.

    httpx bounds each network operation but not their sum, so a watchdog timer shuts the
    connection's socket down at the deadline; the blocked read then fails at once. The socket is
    learnt from httpcore's ``trace`` hook when the connection is made (connections are not
    reused). A try that ended after the deadline fired counts as failed even if a (possibly
    truncated) response came back.
    """
    sockets: list[socket.socket] = []
    fired = threading.Event()
    lock = threading.Lock()

    def trace(name: str, info: dict[str, Any]) -> None:
        if name == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with lock:
                    sockets.append(sock)
                    if fired.is_set():
                        _shut(sock)

    def cut() -> None:
        with lock:
            fired.set()
            for sock in sockets:
                _shut(sock)

    request.extensions = {**request.extensions, "trace": trace}
    timer = threading.Timer(deadline_s, cut)
    timer.daemon = True
    timer.start()
    try:
        response = client.send(request)
    except httpx.HTTPError:
        if fired.is_set():
            raise _DeadlineExceededError from None
        raise
    finally:
        timer.cancel()
    if fired.is_set():
        response.close()
        raise _DeadlineExceededError
    return response


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def decode_json(response: httpx.Response, *, where: str) -> Any:
    """Return the JSON value of a response body, or raise ``PayloadError`` saying what came.

    Examples
    --------
    >>> decode_json(httpx.Response(200, text="<html>busy</html>"), where="GET x")
    Traceback (most recent call last):
    ...
    eots.core.errors.PayloadError: GET x: expected a JSON body, got '<html>busy</html>' (...)
    """
    body = response.content
    if not body.strip():
        raise PayloadError(f"{where}: expected a JSON body, got an empty body")
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise PayloadError(f"{where}: expected UTF-8 JSON, {e.reason} at byte {e.start}") from None
    except json.JSONDecodeError as e:
        raise PayloadError(
            f"{where}: expected a JSON body, got {_snippet(body)!r} "
            f"(invalid JSON: {e.msg} at line {e.lineno} column {e.colno})"
        ) from None


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """Return the wait a ``Retry-After`` header asks for, seconds (None if absent or unreadable).

    Both forms of RFC 9110 are read: delta-seconds and an HTTP date (counted from ``now``; a date
    in the past means 0).

    Examples
    --------
    >>> now = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)
    >>> retry_after_seconds("7", now), retry_after_seconds("Wed, 13 Mar 2024 15:00:30 GMT", now)
    (7.0, 30.0)
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _snippet(body: bytes) -> str:
    text = body[:_SNIPPET].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text + ("..." if len(body) > _SNIPPET else "")


def network_transport() -> httpx.HTTPTransport:
    """Return the real network transport as ``HttpClient`` uses it.

    No kept-alive connections, so the deadline watchdog sees each connection's socket; for
    wrappers like recording.
    """
    return httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
