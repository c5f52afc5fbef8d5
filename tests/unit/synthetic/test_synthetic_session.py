"""synthetic_session: snapshot times, random-walk spot, accumulating volume, fixed listing."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.chain.snapshot import ChainSnapshot
from eots.core.time import ET
from eots.synthetic import SyntheticParams, synthetic_chain, synthetic_session

SESSION = dt.date(2024, 3, 13)
PARAMS = SyntheticParams(underlying="SPY", spot=510.0, seed=7)


@pytest.fixture(scope="module")
def day() -> list[ChainSnapshot]:
    return synthetic_session(PARAMS, session=SESSION, every=dt.timedelta(minutes=30))


def test_synthetic_session_half_hourly_snapshots_open_to_close(day: list[ChainSnapshot]) -> None:
    times = [s.ts_event.astimezone(ET) for s in day]
    assert len(day) == 14
    assert times[0] == dt.datetime(2024, 3, 13, 9, 30, tzinfo=ET)
    assert times[-1] == dt.datetime(2024, 3, 13, 16, 0, tzinfo=ET)
    assert all(s.ts_recv == s.ts_event for s in day)


def test_synthetic_session_first_snapshot_equals_chain_at_open(day: list[ChainSnapshot]) -> None:
    at_open = synthetic_chain(PARAMS, as_of=day[0].ts_event)
    assert_frame_equal(day[0].frame, at_open.frame)


def test_synthetic_session_spot_walks_and_is_seeded(day: list[ChainSnapshot]) -> None:
    spots = [s.spot for s in day]
    assert spots[0] == 510.0
    assert len(set(spots)) > 10
    assert max(abs(s / 510.0 - 1) for s in spots) < 0.05
    again = synthetic_session(PARAMS, session=SESSION, every=dt.timedelta(minutes=30))
    assert [s.spot for s in again] == spots
    other = synthetic_session(
        SyntheticParams(underlying="SPY", spot=510.0, seed=8),
        session=SESSION,
        every=dt.timedelta(minutes=30),
    )
    assert [s.spot for s in other] != spots


def test_synthetic_session_volume_accumulates_open_interest_fixed(
    day: list[ChainSnapshot],
) -> None:
    keys = ["symbol"]
    first, mid, last = day[1].frame, day[6].frame, day[-2].frame
    joined = first.join(mid, on=keys, suffix="_mid").join(last, on=keys, suffix="_last")
    assert (joined.get_column("volume") <= joined.get_column("volume_mid")).all()
    assert (joined.get_column("volume_mid") <= joined.get_column("volume_last")).all()
    assert (joined.get_column("open_interest") == joined.get_column("open_interest_last")).all()
    assert day[0].frame.get_column("volume").sum() == 0
    assert last.get_column("volume").sum() > mid.get_column("volume").sum()


def test_synthetic_session_close_snapshot_has_no_0dte(day: list[ChainSnapshot]) -> None:
    assert day[-2].expiries[0] == SESSION
    assert day[-1].expiries[0] == dt.date(2024, 3, 14)
    assert day[-1].frame.filter(pl.col("expiry") == SESSION).height == 0


def test_synthetic_session_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="XNYS session"):
        synthetic_session(PARAMS, session=dt.date(2024, 3, 16), every=dt.timedelta(minutes=5))
    with pytest.raises(ValueError, match="positive"):
        synthetic_session(PARAMS, session=SESSION, every=dt.timedelta(0))
