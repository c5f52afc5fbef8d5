"""Walls on hand-built per-strike exposures: ranks, runners-up, ties, absent walls."""

from __future__ import annotations

import polars as pl

from eots.levels import gamma_walls


def _by_strike(rows: list[tuple[float, float, float]]) -> pl.DataFrame:
    """Rows of (strike, call_gex, put_gex); net and abs derived as the exposure stage does."""
    f = pl.DataFrame(rows, schema=["strike", "call_gex", "put_gex"], orient="row")
    return f.with_columns(
        net_gex=pl.col("call_gex") + pl.col("put_gex"),
        abs_gex=pl.col("call_gex").abs() + pl.col("put_gex").abs(),
    )


def test_gamma_walls_hand_ranked_with_runners_up() -> None:
    f = _by_strike(
        [
            (4000.0, 1.0, -9.0),  # net -8, abs 10
            (4050.0, 2.0, -4.0),  # net -2, abs 6
            (4100.0, 6.0, -5.0),  # net +1, abs 11  <- abs gamma
            (4150.0, 7.0, -1.0),  # net +6          <- call wall
            (4200.0, 3.0, 0.0),  # net +3
        ]
    )
    w = gamma_walls(f, 4100.0, runners_up=2)
    assert [r.strike for r in w.call_wall] == [4150.0, 4200.0, 4100.0]
    assert [r.strike for r in w.put_wall] == [4000.0, 4050.0]
    assert [r.strike for r in w.abs_gamma] == [4100.0, 4000.0, 4150.0]
    assert w.call_wall[0].value == 6.0
    assert w.put_wall[0].value == -8.0


def test_gamma_walls_tie_goes_to_strike_nearer_spot() -> None:
    f = _by_strike([(4000.0, 5.0, 0.0), (4120.0, 5.0, 0.0), (4300.0, 5.0, 0.0)])
    assert gamma_walls(f, 4100.0).call_wall_strike == 4120.0


def test_gamma_walls_all_positive_has_no_put_wall() -> None:
    w = gamma_walls(_by_strike([(100.0, 2.0, -1.0), (105.0, 3.0, 0.0)]), 100.0)
    assert w.put_wall == ()
    assert w.put_wall_strike is None
    assert w.call_wall_strike == 105.0


def test_gamma_walls_row_order_does_not_matter() -> None:
    f = _by_strike([(90.0, 1.0, -7.0), (100.0, 4.0, -2.0), (110.0, 5.0, -1.0)])
    assert gamma_walls(f, 100.0) == gamma_walls(f.reverse(), 100.0)
