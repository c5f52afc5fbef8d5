"""Every real snapshot under $EOTS_REAL_DATA loads with the counts, times and spot of PROVENANCE.

The files are read in place (never copied). Expected values come from ``manifest.json``
(``session_date``, ``asof_et``, ``download_time_et``, ``underlying``, ``format``) and from the
snapshot table in ``PROVENANCE.md`` (spot, contracts, contracts with OI > 0, expiries, first and
last expiry), never from the code under test. Expired contracts are recomputed here from the
calendar rule: expiry before the session, or on the session day once its settlement has passed
(09:30 ET for AM-settled SPX/NDX/RUT monthlies, 16:00 ET for the rest).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from eots.chain import CHAIN_SCHEMA
from eots.core.errors import SchemaError
from eots.core.time import ET
from eots.sources import load_chain, load_raw_chain, snapshot_from_raw

_ROOT = os.environ.get("EOTS_REAL_DATA")
_SKIP = "EOTS_REAL_DATA is not set: point it at shared/data/chains to run the real-snapshot tests"

#: Snapshots that are refused on purpose without help, and the error they must raise. Each is then
#: loaded again with ``as_of`` set to the manifest's ``asof_et`` and checked like the others.
INTENDED_FAILURES: dict[str, tuple[type[Exception], str]] = {
    # old trimmed CBOE JSON: no timestamp, no last_trade_time -> the user must pass --as-of
    "spy_20220401_cboejson": (SchemaError, r"no 'timestamp' and no 'last_trade_time'.*--as-of"),
}

#: Snapshots whose ts_recv intentionally differs from the manifest's download_time_et.
RECV_DIFFERS = {
    # the manifest reads the JSON "timestamp" (03:17:42) as Eastern time; eots reads it as UTC
    # (see eots.sources.cboe_json), i.e. 2023-09-20 23:17 ET; both give the 09-20 session close
    "rut_20230920_cboejson",
    # the file's Date line reads "December 12, 2022 at 8:31 PM EST"; the manifest says 20:30
    "ndx_20221212_post",
}

_AM_ROOTS = {"SPX", "NDX", "RUT"}


def _manifest() -> list[dict[str, Any]]:
    if not _ROOT or not (Path(_ROOT) / "manifest.json").is_file():
        return []
    entries: list[dict[str, Any]] = json.loads((Path(_ROOT) / "manifest.json").read_text())
    return entries


@cache
def _provenance() -> dict[str, dict[str, Any]]:
    """Parse the snapshot tables of PROVENANCE.md into {id: {spot, contracts, oi, exps, ...}}."""
    assert _ROOT is not None
    rows: dict[str, dict[str, Any]] = {}
    main = re.compile(
        r"^\| `(?P<id>[^`]+)` \| \w+ \| [\d-]+ \([\d:]+\) \| (?P<spot>[\d.]+) \| "
        r"(?P<contracts>\d+) \((?P<oi>\d+)\) \| "
        r"(?P<exps>\d+) \((?P<first>[\d-]+)\.\.(?P<last>[\d-]+)\)"
    )
    added = re.compile(r"^\| `(?P<id>[^`]+)` \|.*\bspot (?P<spot>[\d.]+)")
    for line in (Path(_ROOT) / "PROVENANCE.md").read_text().splitlines():
        if m := main.match(line):
            rows[m["id"]] = {
                "spot": float(m["spot"]),
                "spot_text": m["spot"],
                "contracts": int(m["contracts"]),
                "oi": int(m["oi"]),
                "exps": int(m["exps"]),
                "first": dt.date.fromisoformat(m["first"]),
                "last": dt.date.fromisoformat(m["last"]),
            }
        elif m := added.match(line):
            rows[m["id"]] = {"spot": float(m["spot"]), "spot_text": m["spot"]}
    return rows


_ENTRIES = _manifest()


_PARAMS: list[dict[str, Any] | None] = list(_ENTRIES) or [None]


@pytest.mark.real_data
@pytest.mark.parametrize("entry", _PARAMS, ids=[e["id"] for e in _ENTRIES] or ["none"])
def test_real_snapshot_matches_provenance(entry: dict[str, Any] | None) -> None:
    if entry is None or _ROOT is None:
        pytest.skip(_SKIP)
    path = Path(_ROOT) / entry["file"]
    as_of_et = dt.datetime.fromisoformat(entry["asof_et"]).replace(tzinfo=ET)
    as_of = None
    if entry["id"] in INTENDED_FAILURES:
        error, pattern = INTENDED_FAILURES[entry["id"]]
        with pytest.raises(error, match=pattern):
            load_chain(path)
        as_of = as_of_et

    raw = load_raw_chain(path, as_of=as_of)
    snap = snapshot_from_raw(raw)

    assert snap.frame.schema == CHAIN_SCHEMA
    assert snap.underlying == entry["underlying"]
    assert snap.source_format == entry["format"]
    assert snap.ts_event.astimezone(ET).date().isoformat() == entry["session_date"]
    assert snap.ts_event == as_of_et
    if entry["download_time_et"] and entry["id"] not in RECV_DIFFERS:
        recv = snap.ts_recv.astimezone(ET).replace(second=0, microsecond=0, tzinfo=None)
        assert recv.isoformat(timespec="minutes") == entry["download_time_et"]

    expected = _provenance().get(entry["id"], {})
    if "spot" in expected:
        decimals = len(expected["spot_text"].partition(".")[2])
        tolerance = 0.5 * 10.0**-decimals + 1e-9  # the tables round some spots (11706.44)
        assert snap.spot == pytest.approx(expected["spot"], abs=tolerance)
    frame = raw.frame
    if "contracts" in expected:
        expiries = frame.get_column("expiry")
        assert frame.height == expected["contracts"]
        assert int((frame.get_column("open_interest") > 0).sum()) == expected["oi"]
        assert expiries.n_unique() == expected["exps"]
        assert (expiries.min(), expiries.max()) == (expected["first"], expected["last"])

    expired = _expected_expired(frame, as_of_et)
    dropped = {d.reason.split(" ")[0]: d.count for d in snap.quality.dropped}
    assert dropped.get("expired", 0) == expired
    assert "exact" not in dropped  # no duplicate rows in the real files
    assert snap.n_contracts == frame.height - expired
    first_live = snap.frame.get_column("expiry").min()
    assert isinstance(first_live, dt.date)
    assert first_live >= as_of_et.date()


def _expected_expired(frame: pl.DataFrame, as_of_et: dt.datetime) -> int:
    session = as_of_et.date()
    minutes = as_of_et.hour * 60 + as_of_et.minute
    am = pl.col("root").is_in(list(_AM_ROOTS))
    same_day_settled = pl.when(am).then(minutes >= 9 * 60 + 30).otherwise(minutes >= 16 * 60)
    mask = (pl.col("expiry") < session) | ((pl.col("expiry") == session) & same_day_settled)
    return int(frame.select(mask.sum()).item())


def test_real_snapshot_spy_20250516_post_drops_the_expired_monthly() -> None:
    if _ROOT is None:
        pytest.skip(_SKIP)
    snap = load_chain(Path(_ROOT) / "spy_20250516_post" / "spy_quotedata.csv")
    assert dt.date(2025, 5, 16) not in snap.expiries
    assert snap.expiries[0] == dt.date(2025, 5, 19)
