"""Flow accumulated over a session up to ``as_of``, with the base system's rolling windows.

Session totals are sums per contract of the increments (snapshot pairs from ``inferred_flow``, or
single trades from ``eots.flows.trades``) stamped in the session of ``as_of`` at or before it.
Rolling windows (base_system.md section 3.10) are the same sums over increments stamped in
``(as_of - w, as_of]`` for w in 5, 15, 30, 60 minutes: ``volmbs_<w>m`` (contracts) and
``valuebs_<w>m`` ($). An increment is stamped with its later snapshot's ``ts_event`` and counts
wholly in a window that holds that stamp, even when its earlier snapshot lies before the window
start: with snapshots every 5 minutes, ``volmbs_5m`` is exactly the last increment.

Sums skip unknown numbers (NaN) and count them in ``n_unknown``; ``flow_reason`` then holds the
latest unknown reason. A total with no known term is NaN, never 0, so a contract or a window without
data stays visibly unknown. Net flow is the customer's (buys minus sells); the dealer's is its
negation. No look-ahead: an increment stamped after ``as_of`` is refused, so a result can only
depend on data known at ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from eots.chain.schema import UTC_US
from eots.core.errors import ReplayError
from eots.core.time import session_of
from eots.flows.schema import (
    FLOW_KEY,
    FLOW_SCHEMA,
    INCREMENT_SCHEMA,
    SIDE_COLUMNS,
    WINDOWS_MIN,
    FlowSource,
)

NAN = float("nan")


def session_flows(
    increments: Sequence[tuple[dt.datetime, pl.DataFrame]], as_of: dt.datetime
) -> pl.DataFrame:
    """Return session totals and rolling windows per contract as of ``as_of``.

    Parameters
    ----------
    increments
        ``(ts_event of the later snapshot, inferred_flow(...))`` pairs, any order, of one session.
    as_of
        The analysis instant (timezone-aware); its session is the one accumulated.

    Returns
    -------
    pl.DataFrame
        ``FLOW_SCHEMA``, one row per contract seen in any increment, sorted by key.

    Raises
    ------
    ReplayError
        For an increment stamped after ``as_of`` (look-ahead), in another session than ``as_of``,
        or two increments with one stamp (double counting).
    """
    session = session_of(_session_as_of(as_of))
    stamps = [ts for ts, _ in increments]
    for ts in stamps:
        if ts.tzinfo is None:
            raise ReplayError(f"expected timezone-aware increment stamps, was {ts!r}")
        if ts > as_of:
            raise ReplayError(
                f"expected increments at or before as_of={as_of.isoformat()}, "
                f"was one at {ts.isoformat()} (look-ahead)"
            )
        if session_of(ts) != session:
            raise ReplayError(
                f"expected increments of session {session} (as_of={as_of.isoformat()}), "
                f"was one at {ts.isoformat()} (session {session_of(ts)})"
            )
    if len(set(stamps)) != len(stamps):
        raise ReplayError(f"expected one increment per snapshot time, was stamps {sorted(stamps)}")
    if not increments:
        return pl.DataFrame(schema=FLOW_SCHEMA)
    events = pl.concat(
        [
            frame.select(list(INCREMENT_SCHEMA)).with_columns(
                ts=pl.lit(ts.astimezone(dt.UTC)).cast(UTC_US)
            )
            for ts, frame in increments
        ]
    )
    return flow_totals(events, as_of)


def flow_totals(events: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame:
    """Return ``FLOW_SCHEMA`` sums of ``events`` (``INCREMENT_SCHEMA`` plus ``ts``) up to ``as_of``.

    The building block of ``session_flows`` and ``eots.flows.trades.trade_flows``: the caller has
    already kept only events of one session stamped at or before ``as_of``; this function sums them
    per contract (NaN-skipping, NaN when nothing is known) and over the rolling windows. NumPy
    kernels on dense contract codes (``np.bincount``), one pass per column.
    """
    as_of = _session_as_of(as_of)
    if events.height and events.get_column("ts").max() > as_of:  # type: ignore[operator]
        raise ReplayError(f"expected events at or before as_of={as_of.isoformat()} (look-ahead)")
    if events.height == 0:
        return pl.DataFrame(schema=FLOW_SCHEMA)
    events = events.sort("ts", maintain_order=True)
    codes = events.select(pl.struct(list(FLOW_KEY)).rank("dense")).to_series().to_numpy() - 1
    codes = codes.astype(np.int64)
    groups = int(codes.max()) + 1
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    first = order[np.concatenate([[0], bounds])]
    last = order[np.concatenate([bounds - 1, [len(order) - 1]])]
    ts = events.get_column("ts").dt.epoch("us").to_numpy()
    source = events.get_column("flow_source").cast(pl.String).to_numpy()
    known = source != FlowSource.NONE.value
    out: dict[str, np.ndarray] = {}
    for c in SIDE_COLUMNS:
        out[c] = _known_sums(codes, events.get_column(c).to_numpy(), None, groups)
    for w in WINDOWS_MIN:
        start = int((as_of - dt.timedelta(minutes=w)).timestamp() * 1_000_000)
        inside = ts > start
        for name, col in (("volmbs", "volm_bs"), ("valuebs", "value_bs")):
            values = events.get_column(col).to_numpy()
            out[f"{name}_{w}m"] = _known_sums(codes, values, inside, groups)
    keys = events.select(*KEY_COLUMNS).gather(first)
    keys = keys.with_columns(symbol=events.get_column("symbol").gather(last))
    frame = keys.with_columns(
        *(pl.Series(name, values, pl.Float64) for name, values in out.items()),
        flow_source=pl.Series(_last_of(codes, source, known, groups, FlowSource.NONE.value)),
        flow_reason=pl.Series(
            _last_of(
                codes, events.get_column("flow_reason").cast(pl.String).to_numpy(), ~known, groups
            )
        ),
        n_unknown=pl.Series(np.bincount(codes[~known], minlength=groups), dtype=pl.Int64),
    )
    return frame.select([pl.col(c).cast(t) for c, t in FLOW_SCHEMA.items()]).sort(list(FLOW_KEY))


KEY_COLUMNS = ("root", "expiry", "strike", "right")


def _known_sums(
    codes: np.ndarray, values: np.ndarray, mask: np.ndarray | None, groups: int
) -> np.ndarray:
    values = values.astype(np.float64, copy=False)
    ok = np.isfinite(values) if mask is None else (np.isfinite(values) & mask)
    total = np.bincount(codes[ok], weights=values[ok], minlength=groups)
    count = np.bincount(codes[ok], minlength=groups)
    return np.where(count > 0, total, np.nan)


def _last_of(
    codes: np.ndarray, values: np.ndarray, keep: np.ndarray, groups: int, default: str | None = None
) -> list[str | None]:
    out: list[str | None] = [default] * groups
    picked = np.flatnonzero(keep)
    if picked.size:
        # events are in time order: the last assignment per code is the latest row
        last = np.full(groups, -1, dtype=np.int64)
        np.maximum.at(last, codes[picked], picked)
        for g in np.flatnonzero(last >= 0).tolist():
            out[g] = str(values[last[g]])
    return out


def _known_sum(values: pl.Expr) -> pl.Expr:
    kept = values.fill_nan(None)
    return pl.when(kept.count() > 0).then(kept.sum()).otherwise(NAN)


def _session_as_of(as_of: dt.datetime) -> dt.datetime:
    if as_of.tzinfo is None:
        raise ReplayError(f"expected a timezone-aware as_of, was {as_of!r}")
    return as_of.astimezone(dt.UTC)
