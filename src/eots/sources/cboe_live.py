"""CBOE delayed quotes, live: the free per-symbol options JSON (no key, about 15 minutes delayed).

``https://cdn.cboe.com/api/global/delayed_quotes/options/{symbol}.json`` where ``symbol`` is the
underlying with a leading underscore for cash indices (``_SPX``, ``_NDX``, ``_RUT``, ``_XSP``,
``_VIX``) and plain for ETFs and stocks (``SPY``, ``QQQ``). The payload is the one
``eots.sources.cboe_json`` reads from files, and it is parsed by that same reader:

* ``ts_event``: the quote time implied by the payload's ``timestamp`` (UTC; inside a session the
  time itself, outside it the close of the latest session), as for a saved file;
* ``ts_recv``: the injected clock at capture;
* validation: ``eots.chain.build_snapshot``.

A payload whose shape changed (a missing key, a value of the wrong type, a non-OCC symbol) or that
fails validation raises ``PayloadError`` naming the URL and the JSON path
(``data.options[11].bid``); nothing partial is returned. The endpoint is unofficial: its rate and
format can change without notice.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import httpx

from eots.chain.snapshot import ChainSnapshot
from eots.core.clock import Clock
from eots.core.errors import PayloadError, SchemaError
from eots.core.time import UTC
from eots.sources.cboe_json import parse_cboe_json
from eots.sources.http import HttpClient, RetryPolicy
from eots.sources.params import CBOE_BASE_URL
from eots.sources.raw import snapshot_from_raw

#: Cash indices, whose CBOE symbol takes a leading underscore.
CBOE_INDICES = frozenset({"SPX", "NDX", "RUT", "XSP", "VIX", "DJX", "OEX", "XEO", "MRUT"})


def cboe_symbol(underlying: str) -> str:
    """Return the CBOE delayed-quotes symbol of an underlying.

    Examples
    --------
    >>> cboe_symbol("spx"), cboe_symbol("SPY")
    ('_SPX', 'SPY')
    """
    name = underlying.strip().lstrip("^_$").upper()
    if not name.isalnum():
        raise ValueError(f"expected a ticker like SPX or SPY, was {underlying!r}")
    return f"_{name}" if name in CBOE_INDICES else name


class CboeLiveSource:
    """Fetch chains from the CBOE delayed-quotes endpoint (see the module docstring).

    Parameters
    ----------
    transport
        The ``httpx`` transport (None: the network; tests pass a ``RecordedTransport``).
    policy
        Timeouts and retries (``eots.sources.http.RetryPolicy``).
    sleep
        The wait between retries (injected in tests).
    base_url
        The endpoint's folder, ending with ``/``.
    """

    name = "cboe"

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        base_url: str = CBOE_BASE_URL,
    ) -> None:
        self._http = HttpClient(
            base_url,
            transport=transport,
            headers={"Accept": "application/json"},
            policy=policy or RetryPolicy(),
            sleep=sleep,
        )

    def __repr__(self) -> str:
        """Return the source's name and endpoint."""
        return f"CboeLiveSource({self._http.base_url!r})"

    def fetch_chain(self, underlying: str, *, clock: Clock) -> ChainSnapshot:
        """Fetch, parse and validate the delayed chain of ``underlying`` (``ChainSource``)."""
        path = f"{cboe_symbol(underlying)}.json"
        response = self._http.get(path)
        where = self._http.describe(response.request.url)
        recv = clock.now().astimezone(UTC)
        try:
            raw = parse_cboe_json(
                response.content, source=str(response.request.url), underlying=underlying
            )
            return snapshot_from_raw(dataclasses.replace(raw, ts_recv=recv))
        except SchemaError as e:
            raise PayloadError(f"{where}: {without_source(e)}") from e

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> CboeLiveSource:
        """Return the source itself."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the source."""
        self.close()


def without_source(e: SchemaError) -> str:
    """Return a ``SchemaError``'s message without its leading source name (the caller adds one)."""
    text = str(e)
    for sep in (", ", ": "):
        if e.source is not None and text.startswith(e.source + sep):
            return text[len(e.source) + len(sep) :]
    return text
