"""Walls on hand-built per-strike exposures: ranks, runners-up, ties, absent walls."""

from __future__ import annotations

import numpy as np
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


def _polars_ranked(
    f: pl.DataFrame, column: str, spot: float, *, descending: bool, n: int
) -> list[tuple[float, float]]:
    """The walls' ranking written as the polars query it replaced (filter, three-key sort)."""
    sign = 1.0 if descending else -1.0
    top = (
        f.filter((pl.col(column) * sign) > 0)
        .sort([pl.col(column) * -sign, (pl.col("strike") - spot).abs(), pl.col("strike")])
        .head(n)
    )
    return list(zip(top.get_column("strike"), top.get_column(column), strict=True))


def test_gamma_walls_rank_as_the_polars_sort_with_ties_nan_and_null() -> None:
    rng = np.random.default_rng(7)
    strikes = np.arange(3900.0, 4300.0, 5.0)
    for trial in range(40):
        net = rng.choice([-3.0, -1.0, 0.0, 1.0, 2.0, 3.0], strikes.size)  # many exact ties
        net = net * 10.0 ** rng.integers(0, 3, strikes.size)
        values: list[float | None] = list(net)
        if trial % 3 == 0:
            values[int(rng.integers(strikes.size))] = float("nan")
        if trial % 4 == 0:
            values[int(rng.integers(strikes.size))] = None
        f = pl.DataFrame(
            {"strike": strikes, "net_gex": values, "abs_gex": np.abs(net)},
            schema={"strike": pl.Float64, "net_gex": pl.Float64, "abs_gex": pl.Float64},
        )
        spot = float(rng.uniform(3950.0, 4250.0))
        w = gamma_walls(f.sample(fraction=1.0, shuffle=True, seed=trial), spot, runners_up=5)
        for got, column, descending in (
            (w.call_wall, "net_gex", True),
            (w.put_wall, "net_gex", False),
            (w.abs_gamma, "abs_gex", True),
        ):
            want = _polars_ranked(f, column, spot, descending=descending, n=6)
            assert [r.strike for r in got] == [k for k, _ in want]
            np.testing.assert_array_equal([r.value for r in got], [v for _, v in want])


def test_gamma_walls_nan_ranks_last_on_both_sides_and_null_never() -> None:
    f = pl.DataFrame(
        {
            "strike": [90.0, 95.0, 100.0, 105.0, 110.0],
            "net_gex": [-2.0, float("nan"), None, 3.0, 1.0],
            "abs_gex": [2.0, float("nan"), None, 3.0, 1.0],
        },
        schema={"strike": pl.Float64, "net_gex": pl.Float64, "abs_gex": pl.Float64},
    )
    w = gamma_walls(f, 100.0, runners_up=4)
    for got, column, descending in (
        (w.call_wall, "net_gex", True),
        (w.put_wall, "net_gex", False),
        (w.abs_gamma, "abs_gex", True),
    ):
        want = _polars_ranked(f, column, 100.0, descending=descending, n=5)
        assert [r.strike for r in got] == [k for k, _ in want]
    assert [r.strike for r in w.call_wall] == [105.0, 110.0, 95.0]
    assert [r.strike for r in w.put_wall] == [90.0, 95.0]
