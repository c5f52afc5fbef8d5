"""The live-source interface: what every vendor adapter (CBOE, Tradier, ...) offers the collector.

A ``ChainSource`` fetches the current option chain of one underlying and returns it as a validated
``ChainSnapshot`` (``ts_recv`` from the injected clock, ``ts_event`` the quote time the vendor's
data belongs to). Vendor vocabulary (field names, symbols, error envelopes) stays inside the
adapter. Every adapter talks HTTP through ``eots.sources.http.HttpClient`` over an injected
``httpx`` transport, so tests replay recorded payloads and never touch the network.

Errors an adapter raises (``eots.core.errors``)::

    SourceError               the request was refused (4xx other than 429), or a vendor error
    ├── SourceUnavailable     unreachable or still failing after the last retry
    └── PayloadError          the answer cannot be parsed or fails validation (never stored)

How to add a source: ``docs/sources.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from eots.chain.snapshot import ChainSnapshot
    from eots.core.clock import Clock


@runtime_checkable
class ChainSource(Protocol):
    """A live source of option chains (see the module docstring)."""

    @property
    def name(self) -> str:
        """Short identifier used in messages and as the snapshot's ``source`` prefix."""
        ...

    def fetch_chain(self, underlying: str, *, clock: Clock) -> ChainSnapshot:
        """Fetch and validate the current chain of ``underlying``.

        Parameters
        ----------
        underlying
            Symbol in eots' vocabulary (``SPX``, ``SPY``, ...); the adapter maps it to the vendor's.
        clock
            Gives ``ts_recv`` (the capture time).

        Raises
        ------
        SourceUnavailable
            The source could not be reached after the last retry.
        PayloadError
            The answer is malformed, changed shape, or fails ``build_snapshot``'s validation.
        SourceError
            Any other refusal (unknown symbol, bad credentials, a vendor error message).
        """
        ...
