"""Source contract: every live source, replayed over its recorded payloads, gives a valid snapshot.

``SourceContract`` is the base class each adapter's test class inherits (the exchange_calendars
pattern). A subclass says which recording to replay (``tests/fixtures/recorded/<folder>``, written
by ``make_fixtures.py``), how to build its source over a transport, and the expected literals:
counts, expiries, roots, spot and times. The expected values were read off the recorded files, never
taken from the adapters under test; ``test_recording_holds_the_expected_contracts`` re-derives the
count from the raw JSON so a regenerated fixture cannot drift silently.

Live calls of the same sources are marked ``network`` and never run by default.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, ClassVar

import httpx
import polars as pl
import pytest

from eots.chain import CHAIN_SCHEMA
from eots.core.clock import FixedClock, LiveClock
from eots.core.time import TimeBasis
from eots.sources.base import ChainSource
from eots.sources.cboe_live import CboeLiveSource
from eots.sources.recorded import RecordedTransport
from eots.sources.tradier import HISTORY_SCHEMA, TradierSource

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
CAPTURE = dt.datetime(2024, 3, 13, 18, 0, 5, tzinfo=dt.UTC)  # 14:00:05 ET, inside the session
PAYLOAD_TIME = dt.datetime(2024, 3, 13, 18, 0, 0, tzinfo=dt.UTC)  # CBOE "timestamp" (UTC)
SPX_EXPIRIES = (dt.date(2024, 3, 13), dt.date(2024, 3, 15), dt.date(2024, 3, 18))
SPY_EXPIRIES = (dt.date(2024, 3, 13), dt.date(2024, 3, 14), dt.date(2024, 3, 15))


class SourceContract:
    """Base class: subclasses set the class attributes and implement ``make_source``."""

    folder: ClassVar[str]
    underlying: ClassVar[str]
    contracts: ClassVar[int]
    expiries: ClassVar[tuple[dt.date, ...]]
    roots: ClassVar[frozenset[str]]
    spot: ClassVar[float]
    ts_event: ClassVar[dt.datetime]
    time_basis: ClassVar[TimeBasis] = TimeBasis.INTRADAY_DOWNLOAD

    def make_source(self, transport: httpx.BaseTransport) -> ChainSource:
        """Return the source under test, talking through ``transport``."""
        raise NotImplementedError

    def recorded_records(self) -> list[dict[str, Any]]:
        """Return every option record of the recording, read as plain JSON."""
        raise NotImplementedError

    def transport(self) -> RecordedTransport:
        return RecordedTransport(RECORDED / self.folder)

    def fetch(self) -> tuple[Any, RecordedTransport]:
        transport = self.transport()
        source = self.make_source(transport)
        return source.fetch_chain(self.underlying, clock=FixedClock(CAPTURE)), transport

    def test_source_is_a_chain_source(self) -> None:
        assert isinstance(self.make_source(self.transport()), ChainSource)

    def test_source_snapshot_follows_the_chain_schema(self) -> None:
        snap, _ = self.fetch()
        assert snap.frame.schema == CHAIN_SCHEMA
        assert snap.underlying == self.underlying
        assert snap.frame.get_column("underlying").unique().to_list() == [self.underlying]

    def test_source_snapshot_has_the_expected_contracts(self) -> None:
        snap, _ = self.fetch()
        assert snap.n_contracts == self.contracts
        assert snap.expiries == self.expiries
        assert set(snap.frame.get_column("root").unique().to_list()) == self.roots
        rights = snap.frame.get_column("right").value_counts().sort("right")
        assert rights.rows() == [("C", self.contracts // 2), ("P", self.contracts // 2)]
        assert snap.quality.rows_read == self.contracts

    def test_source_snapshot_has_the_expected_spot_and_times(self) -> None:
        snap, _ = self.fetch()
        assert snap.spot == self.spot
        assert snap.ts_event == self.ts_event
        assert snap.ts_recv == CAPTURE
        assert snap.time_basis is self.time_basis

    def test_source_asks_only_for_recorded_payloads(self) -> None:
        _, transport = self.fetch()
        assert transport.requests
        assert all(key in transport.entries for key in transport.requests)

    def test_recording_holds_the_expected_contracts(self) -> None:
        assert len(self.recorded_records()) == self.contracts


def _cboe_records(name: str) -> list[dict[str, Any]]:
    doc = json.loads((RECORDED / "cboe" / name).read_text())
    records: list[dict[str, Any]] = doc["data"]["options"]
    return records


class TestCboeSpx(SourceContract):
    folder = "cboe"
    underlying = "SPX"
    contracts = 168
    expiries = SPX_EXPIRIES
    roots = frozenset({"SPX", "SPXW"})
    spot = 5000.0
    ts_event = PAYLOAD_TIME

    def make_source(self, transport: httpx.BaseTransport) -> ChainSource:
        return CboeLiveSource(transport=transport)

    def recorded_records(self) -> list[dict[str, Any]]:
        return _cboe_records("_SPX.json")

    def test_cboe_requests_the_underscored_index_symbol(self) -> None:
        _, transport = self.fetch()
        assert transport.requests == ["GET /api/global/delayed_quotes/options/_SPX.json"]


class TestCboeSpy(SourceContract):
    folder = "cboe"
    underlying = "SPY"
    contracts = 66
    expiries = SPY_EXPIRIES
    roots = frozenset({"SPY"})
    spot = 500.0
    ts_event = PAYLOAD_TIME

    def make_source(self, transport: httpx.BaseTransport) -> ChainSource:
        return CboeLiveSource(transport=transport)

    def recorded_records(self) -> list[dict[str, Any]]:
        return _cboe_records("SPY.json")


class TestTradierSpx(SourceContract):
    folder = "tradier"
    underlying = "SPX"
    contracts = 168
    expiries = SPX_EXPIRIES
    roots = frozenset({"SPX", "SPXW"})
    spot = 5000.0
    ts_event = CAPTURE  # Tradier is real time: the capture time inside the session

    def make_source(self, transport: httpx.BaseTransport) -> ChainSource:
        return TradierSource("test-token", transport=transport)

    def recorded_records(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for path in sorted((RECORDED / "tradier").glob("chains_SPX_*.json")):
            block = json.loads(path.read_text())["options"]
            out += [] if block is None else block["option"]
        return out

    def test_tradier_fetches_every_expiry_including_an_empty_one(self) -> None:
        _, transport = self.fetch()
        chains = [k for k in transport.requests if "/chains?" in k]
        assert len(chains) == 4  # three listed, one answering "options": null

    def test_tradier_quirks_map_to_nulls_and_the_smv_fallback(self) -> None:
        snap, _ = self.fetch()
        first = json.loads((RECORDED / "tradier" / "chains_SPX_2024-03-13.json").read_text())
        no_greeks, zero_mid, no_bid = first["options"]["option"][:3]
        frame = snap.frame

        def row(record: dict[str, Any]) -> dict[str, Any]:
            found: dict[str, Any] = frame.filter(pl.col("symbol") == record["symbol"]).row(
                0, named=True
            )
            return found

        assert row(no_greeks)["delta_src"] is None
        assert row(no_greeks)["iv_src"] is None
        assert row(zero_mid)["iv_src"] == 0.1734
        assert row(no_bid)["bid"] is None
        assert row(no_bid)["quote_valid"] is False

    def test_tradier_daily_history_is_a_frame_of_session_closes(self) -> None:
        source = TradierSource("test-token", transport=self.transport())
        bars = source.daily_history("SPY", dt.date(2024, 3, 6), dt.date(2024, 3, 12))
        assert bars.schema == HISTORY_SCHEMA
        assert bars.get_column("ts").to_list() == [
            dt.datetime(2024, 3, 6, 21, tzinfo=dt.UTC),
            dt.datetime(2024, 3, 7, 21, tzinfo=dt.UTC),
            dt.datetime(2024, 3, 8, 21, tzinfo=dt.UTC),
            dt.datetime(2024, 3, 11, 20, tzinfo=dt.UTC),  # EDT from 10 March
            dt.datetime(2024, 3, 12, 20, tzinfo=dt.UTC),
        ]
        assert bars.row(0) == (
            dt.datetime(2024, 3, 6, 21, tzinfo=dt.UTC),
            507.1,
            509.0,
            505.6,
            507.8,
            68_000_000,
            "1d",
        )


@pytest.mark.network
def test_cboe_live_spy_fetches_a_valid_chain() -> None:
    with CboeLiveSource() as source:
        snap = source.fetch_chain("SPY", clock=LiveClock())
    assert snap.frame.schema == CHAIN_SCHEMA
    assert snap.n_contracts > 100


@pytest.mark.network
def test_tradier_live_spy_fetches_a_valid_chain() -> None:
    if not os.environ.get("TRADIER_TOKEN"):
        pytest.skip("TRADIER_TOKEN is not set")
    with TradierSource.from_env(max_expiries=2) as source:
        snap = source.fetch_chain("SPY", clock=LiveClock())
    assert snap.frame.schema == CHAIN_SCHEMA
