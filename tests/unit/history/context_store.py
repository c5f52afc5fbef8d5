"""A small multi-session store for the context tests, exploding stores, and context comparison.

Four sessions over two ISO weeks (Thu 2024-03-07, Fri 03-08, Mon 03-11, Tue 03-12), hourly
synthetic snapshots from the open (09:30 ... 15:30 ET, 7 per session), each trimmed to strikes
within 3 % of spot and expiries within 60 days so that a build takes a few tens of ms.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from eots.chain import ChainSnapshot
from eots.market import MarketContext
from eots.storage import PriceStore, SnapshotRef, SnapshotStore
from eots.synthetic import SyntheticParams, synthetic_session

SESSIONS = (dt.date(2024, 3, 7), dt.date(2024, 3, 8), dt.date(2024, 3, 11), dt.date(2024, 3, 12))
EVERY = dt.timedelta(hours=1)


def trimmed(snapshot: ChainSnapshot) -> ChainSnapshot:
    """Return ``snapshot`` with only strikes within 3 % of spot and expiries within 60 days."""
    last = snapshot.ts_event.date() + dt.timedelta(days=60)
    frame = snapshot.frame.filter(
        ((pl.col("strike") / snapshot.spot - 1).abs() <= 0.03) & (pl.col("expiry") <= last)
    )
    return dataclasses.replace(snapshot, frame=frame)


def session_snapshots() -> list[ChainSnapshot]:
    """All snapshots of the four sessions, oldest first."""
    out: list[ChainSnapshot] = []
    for i, day in enumerate(SESSIONS):
        params = SyntheticParams(seed=i, spot=5000.0 + 20 * i)
        out += [trimmed(s) for s in synthetic_session(params, session=day, every=EVERY)]
    return out


def fill(
    root: Path, snapshots: list[ChainSnapshot], until: dt.datetime | None = None
) -> SnapshotStore:
    """Save the snapshots quoted at or before ``until`` (all when None) into a new store."""
    store = SnapshotStore(root)
    for s in snapshots:
        if until is None or s.ts_event <= until:
            store.save(s)
    return store


@dataclasses.dataclass(frozen=True, slots=True)
class ExplodingStore(SnapshotStore):
    """A snapshot store that fails the test if asked for anything quoted after ``limit``."""

    limit: dt.datetime

    def list(
        self, underlying: str, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> tuple[SnapshotRef, ...]:
        assert end is not None, "an open-ended query"
        assert end <= self.limit, f"list up to {end} past {self.limit}"
        return SnapshotStore.list(self, underlying, start, end)

    def load(self, ref: SnapshotRef) -> ChainSnapshot:
        assert ref.ts_event <= self.limit, f"load of {ref.ts_event} past {self.limit}"
        return SnapshotStore.load(self, ref)

    def spot_series(
        self, underlying: str, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> pl.DataFrame:
        assert end is not None, "an open-ended query"
        assert end <= self.limit, f"spots up to {end} past {self.limit}"
        return SnapshotStore.spot_series(self, underlying, start, end)

    def latest(self, underlying: str, as_of: dt.datetime) -> ChainSnapshot | None:
        raise AssertionError("the context must read through list/load only")

    def end_of_day(self, underlying: str, session: dt.date) -> ChainSnapshot | None:
        raise AssertionError("end_of_day may read past as_of within its session")


@dataclasses.dataclass(frozen=True, slots=True)
class ExplodingPrices(PriceStore):
    """A price store that fails the test if asked for bars closing after ``limit``."""

    limit: dt.datetime

    def bars(
        self,
        underlying: str,
        interval: str,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> pl.DataFrame:
        assert end is not None, "an open-ended query"
        assert end <= self.limit, f"bars up to {end} past {self.limit}"
        return PriceStore.bars(self, underlying, interval, start, end)


def _prior_key(p: Any) -> tuple[Any, ...]:
    return (p.session, p.ts_event, p.ts_recv, p.spot, p.content_hash)


def assert_same_context(a: MarketContext, b: MarketContext) -> None:
    """Assert two contexts hold the same values (store locations aside)."""
    assert (a.underlying, a.as_of, a.session, a.visibility) == (
        b.underlying,
        b.as_of,
        b.session,
        b.visibility,
    )
    assert a.estimates() == b.estimates() or _nan_equal(a, b)
    assert a.coverages() == b.coverages()
    for name in (
        "daily_bars",
        "term_structure",
        "iv_intraday",
        "term_intraday",
        "iv_daily",
        "term_daily",
        "oi_by_dte",
        "flows_by_contract",
        "flows_by_strike",
        "flow_increments",
        "charm_history",
        "spot_path",
    ):
        assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert [_prior_key(p) for p in a.daily] == [_prior_key(p) for p in b.daily]
    assert [_prior_key(p) for p in a.weekly] == [_prior_key(p) for p in b.weekly]
    if a.snapshot is None or b.snapshot is None:
        assert a.snapshot is b.snapshot is None
    else:
        assert a.snapshot.ts_event == b.snapshot.ts_event
        assert_frame_equal(a.snapshot.frame, b.snapshot.frame)
    assert a.notes == b.notes


def _nan_equal(a: MarketContext, b: MarketContext) -> bool:
    ea, eb = a.estimates(), b.estimates()
    if ea.keys() != eb.keys():
        return False
    for key in ea:
        x, y = ea[key], eb[key]
        same_value = x.value == y.value or (x.value != x.value and y.value != y.value)
        if not same_value or x.coverage != y.coverage:
            return False
    return True
