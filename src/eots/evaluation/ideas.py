"""Whether the trade ideas made money.

Outcomes by strategy, stars, regime and time of day, against
random entries with the same strategies and sizing.

Per group (and for the baseline's matching group): n; wins = ``pnl_bidask > 0`` with the 95 %
Wilson interval; average R (``r_multiple``) and expectancy (mean ``pnl_bidask``, $) with t
intervals; total P&L at bid/ask and at mid side by side (their gap is what the spread cost); the
maximum drawdown of the cumulative bid/ask P&L in exit order (the largest fall from a running peak
that starts at 0, $). ``p_r_vs_baseline``: Welch's t-test of the group's R against the baseline's
same group (n >= 2 on both sides). Time of day: the entry's US/Eastern clock time, in buckets.

Walk-forward: an outcome that exits before it enters, or with a non-positive risk, is refused
(``SchemaError`` naming the idea): the evaluation reads decisions as recorded and cannot score one
that is inconsistent in time.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import stats

from eots.core.errors import SchemaError
from eots.evaluation.intervals import mean_interval, wilson
from eots.evaluation.params import EvaluationParams
from eots.evaluation.paths import ET_ZONE

DIMENSIONS = ("all", "strategy", "stars", "regime", "time_of_day")

#: Output of ``idea_performance``.
IDEA_EVALUATION_SCHEMA = pl.Schema(
    {
        "source": pl.String(),  # ideas | baseline
        "dimension": pl.String(),  # all | strategy | stars | regime | time_of_day
        "group": pl.String(),
        "n": pl.Int64(),
        "wins": pl.Int64(),
        "win_rate": pl.Float64(),
        "win_low": pl.Float64(),
        "win_high": pl.Float64(),
        "avg_r": pl.Float64(),
        "r_low": pl.Float64(),
        "r_high": pl.Float64(),
        "expectancy_usd": pl.Float64(),  # mean P&L per idea at bid/ask
        "expectancy_low": pl.Float64(),
        "expectancy_high": pl.Float64(),
        "pnl_bidask_usd": pl.Float64(),
        "pnl_mid_usd": pl.Float64(),
        "max_drawdown_usd": pl.Float64(),  # >= 0
        "p_r_vs_baseline": pl.Float64(),
        "small_sample": pl.Boolean(),
    }
)

#: Output of ``equity_curves``.
EQUITY_SCHEMA = pl.Schema(
    {
        "source": pl.String(),
        "ts_exit": pl.Datetime("us", "UTC"),
        "idea_id": pl.String(),
        "equity_bidask_usd": pl.Float64(),
        "equity_mid_usd": pl.Float64(),
    }
)

#: (from, to) minutes after midnight ET -> label; other entry times are "outside RTH".
TIME_OF_DAY_BUCKETS = (
    (570, 630, "09:30-10:30"),
    (630, 720, "10:30-12:00"),
    (720, 840, "12:00-14:00"),
    (840, 960, "14:00-16:00"),
)


def max_drawdown(pnl: np.ndarray) -> float:
    """Return the largest fall of the cumulative sum of ``pnl`` from its running peak (>= 0).

    The equity starts at 0, so a first loss is a drawdown.

    Examples
    --------
    >>> max_drawdown(np.array([100.0, -30.0, -50.0, 200.0, -120.0]))
    120.0
    >>> max_drawdown(np.array([-10.0, 5.0]))
    10.0
    """
    if pnl.size == 0:
        return math.nan
    equity = np.concatenate([[0.0], np.cumsum(pnl)])
    return float(np.max(np.maximum.accumulate(equity) - equity))


def check_outcomes(outcomes: pl.DataFrame, source: str) -> None:
    """Raise ``SchemaError`` naming the first invalid idea.

    Invalid: it exits before entering, has a non-positive or non-finite risk, or a non-finite
    P&L.
    """
    bad_time = outcomes.filter(pl.col("ts_exit") < pl.col("ts_entry"))
    if bad_time.height:
        r = bad_time.row(0, named=True)
        raise SchemaError(
            f"idea {r['idea_id']!r} exits at {r['ts_exit']}, before its entry at {r['ts_entry']}",
            source=source,
            field="ts_exit",
        )
    cols = ("pnl_bidask", "pnl_mid", "r_multiple", "risk")
    bad = outcomes.filter(
        pl.any_horizontal([pl.col(c).is_null() | ~pl.col(c).is_finite() for c in cols])
        | (pl.col("risk") <= 0)
    )
    if bad.height:
        r = bad.row(0, named=True)
        raise SchemaError(
            f"idea {r['idea_id']!r} has risk {r['risk']}, pnl {r['pnl_bidask']} / "
            f"{r['pnl_mid']}, R {r['r_multiple']} (expected finite numbers and risk > 0)",
            source=source,
            field="risk",
        )


def _time_of_day() -> pl.Expr:
    local = pl.col("ts_entry").dt.convert_time_zone(ET_ZONE)
    minutes = local.dt.hour().cast(pl.Int32) * 60 + local.dt.minute().cast(pl.Int32)
    expr: pl.Expr = pl.lit("outside RTH")
    for lo, hi, label in TIME_OF_DAY_BUCKETS:
        expr = pl.when((minutes >= lo) & (minutes < hi)).then(pl.lit(label)).otherwise(expr)
    return expr


def _with_groups(outcomes: pl.DataFrame) -> pl.DataFrame:
    return outcomes.with_columns(
        all=pl.lit("all"),
        stars=pl.col("stars").cast(pl.String),
        regime=pl.col("regime").fill_null("unknown"),
        time_of_day=_time_of_day(),
    ).sort("ts_exit", "idea_id")


def _stats(part: pl.DataFrame) -> dict[str, float | int]:
    pnl = part.get_column("pnl_bidask").to_numpy()
    wins = int((pnl > 0).sum())
    w = wilson(wins, part.height)
    r = mean_interval(part.get_column("r_multiple").to_numpy())
    e = mean_interval(pnl)
    return {
        "n": part.height,
        "wins": wins,
        "win_rate": w.rate,
        "win_low": w.low,
        "win_high": w.high,
        "avg_r": r.mean,
        "r_low": r.low,
        "r_high": r.high,
        "expectancy_usd": e.mean,
        "expectancy_low": e.low,
        "expectancy_high": e.high,
        "pnl_bidask_usd": float(pnl.sum()),
        "pnl_mid_usd": float(part.get_column("pnl_mid").sum()),
        "max_drawdown_usd": max_drawdown(pnl),
    }


def _welch_p(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 2 or b.size < 2 or (np.ptp(a) == 0 and np.ptp(b) == 0):
        return math.nan
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def idea_performance(
    outcomes: pl.DataFrame, baseline: pl.DataFrame, params: EvaluationParams
) -> pl.DataFrame:
    """Return ``IDEA_EVALUATION_SCHEMA`` rows for the ideas and for the random-entry baseline.

    Parameters
    ----------
    outcomes, baseline
        ``outcomes.parquet`` and ``baseline_outcomes.parquet`` (either may be empty).
    params
        The small-sample threshold.
    """
    check_outcomes(outcomes, "outcomes.parquet")
    check_outcomes(baseline, "baseline_outcomes.parquet")
    frames = {"ideas": _with_groups(outcomes), "baseline": _with_groups(baseline)}
    rows: list[dict[str, object]] = []
    for source, frame in frames.items():
        other = frames["baseline" if source == "ideas" else "ideas"]
        for dim in DIMENSIONS:
            for (group,), part in sorted(
                frame.partition_by(dim, as_dict=True).items(), key=lambda kv: str(kv[0])
            ):
                peer = other.filter(pl.col(dim) == group).get_column("r_multiple").to_numpy()
                st = _stats(part)
                rows.append(
                    {
                        "source": source,
                        "dimension": dim,
                        "group": str(group),
                        **st,
                        "p_r_vs_baseline": _welch_p(part.get_column("r_multiple").to_numpy(), peer),
                        "small_sample": part.height < params.small_sample_n,
                    }
                )
    if not rows:
        return pl.DataFrame(schema=IDEA_EVALUATION_SCHEMA)
    return pl.DataFrame(rows).select(list(IDEA_EVALUATION_SCHEMA)).cast(IDEA_EVALUATION_SCHEMA)


def equity_curves(outcomes: pl.DataFrame, baseline: pl.DataFrame) -> pl.DataFrame:
    """Return ``EQUITY_SCHEMA``: cumulative P&L at bid/ask and at mid in exit order, per source."""
    parts = []
    for source, frame in (("ideas", outcomes), ("baseline", baseline)):
        parts.append(
            frame.sort("ts_exit", "idea_id").select(
                source=pl.lit(source),
                ts_exit="ts_exit",
                idea_id="idea_id",
                equity_bidask_usd=pl.col("pnl_bidask").cum_sum(),
                equity_mid_usd=pl.col("pnl_mid").cum_sum(),
            )
        )
    return pl.concat(parts).cast(EQUITY_SCHEMA)


__all__ = [
    "DIMENSIONS",
    "EQUITY_SCHEMA",
    "IDEA_EVALUATION_SCHEMA",
    "TIME_OF_DAY_BUCKETS",
    "check_outcomes",
    "equity_curves",
    "idea_performance",
    "max_drawdown",
]
