"""Order-stable group sums and the in-memory engine setting (``eots.core.ordered``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.core.ordered import ENGINE_ENV, group_sums, in_memory

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@given(st.lists(st.tuples(st.integers(0, 4), finite), min_size=1, max_size=60), st.randoms())
@settings(max_examples=60)
def test_each_group_is_summed_left_to_right_in_row_order(
    rows: list[tuple[int, float]], rnd: object
) -> None:
    frame = pl.DataFrame(rows, schema={"k": pl.Int64, "x": pl.Float64}, orient="row")
    out = group_sums(frame, ["k"], {"x": pl.col("x"), "y": pl.col("x") * 3.0})
    assert out.get_column("k").to_list() == sorted({k for k, _ in rows})
    for k, n, x, y in out.iter_rows():
        terms = [v for kk, v in rows if kk == k]
        total, triple = 0.0, 0.0
        for v in terms:  # the exact left-to-right float sum, bit for bit
            total += v
            triple += v * 3.0
        assert (n, x, y) == (len(terms), total, triple)
    # moving other groups' rows around changes nothing (only a group's own order counts)
    by_key = sorted(rows, key=lambda r: r[0])
    again = group_sums(
        pl.DataFrame(by_key, schema=frame.schema, orient="row"), ["k"], {"x": pl.col("x")}
    )
    assert again.get_column("x").to_list() == out.get_column("x").to_list()


def test_nulls_are_skipped_nan_propagates_and_empty_groups_can_be_null() -> None:
    f = pl.DataFrame({"k": ["a", "a", "b", "c", None], "x": [1.0, None, float("nan"), None, 2.0]})
    out = group_sums(f, ["k"], {"x": pl.col("x")})
    got = dict(zip(out.get_column("k").to_list(), out.get_column("x").to_list(), strict=True))
    assert got["a"] == 1.0
    assert np.isnan(got["b"])
    assert got["c"] == 0.0  # like polars' sum of nulls
    assert got[None] == 2.0  # a null key is a group
    strict = group_sums(f, ["k"], {"x": pl.col("x")}, null_if_empty=True)
    assert strict.filter(pl.col("k") == "c").get_column("x").to_list() == [None]
    assert strict.filter(pl.col("k") == "a").get_column("x").to_list() == [1.0]


def test_two_keys_and_an_empty_frame() -> None:
    f = pl.DataFrame({"e": [1, 1, 2, 1], "s": [10.0, 20.0, 10.0, 10.0], "x": [1.0, 2.0, 3.0, 4.0]})
    out = group_sums(f, ["e", "s"], {"x": pl.col("x")})
    assert out.rows() == [(1, 10.0, 2, 5.0), (1, 20.0, 1, 2.0), (2, 10.0, 1, 3.0)]
    empty = group_sums(f.head(0), ["e", "s"], {"x": pl.col("x")})
    assert empty.height == 0
    assert empty.columns == ["e", "s", "n", "x"]


def test_bad_keys_and_names_are_refused() -> None:
    f = pl.DataFrame({"k": [1], "x": [1.0]})
    with pytest.raises(ValueError, match="at least one key"):
        group_sums(f, [], {"x": pl.col("x")})
    with pytest.raises(ValueError, match=r"key columns \['z'\]"):
        group_sums(f, ["z"], {"x": pl.col("x")})
    with pytest.raises(ValueError, match="other than the keys"):
        group_sums(f, ["k"], {"n": pl.col("x")})


def test_in_memory_sets_the_engine_and_restores_it_when_the_last_context_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POLARS_ENGINE_AFFINITY", "streaming")
    with in_memory():
        assert os.environ["POLARS_ENGINE_AFFINITY"] == "in-memory"
        with in_memory():  # nested (another thread's task): still set after the inner one
            pass
        assert os.environ["POLARS_ENGINE_AFFINITY"] == "in-memory"
    assert os.environ["POLARS_ENGINE_AFFINITY"] == "streaming"
    monkeypatch.delenv("POLARS_ENGINE_AFFINITY")
    with in_memory():
        pass
    assert "POLARS_ENGINE_AFFINITY" not in os.environ
    assert ENGINE_ENV == {"POLARS_ENGINE_AFFINITY": "in-memory"}


_PROBE = textwrap.dedent(
    """
    import hashlib
    import numpy as np, polars as pl
    from eots.core.ordered import group_sums, in_memory
    rng = np.random.default_rng(1)
    n = 200_000
    x = rng.normal(size=n) * 10 ** rng.uniform(-3, 6, n)
    df = pl.DataFrame({"k": rng.integers(0, 500, n), "x": x})
    sq = pl.col("x") * pl.col("x")
    with in_memory():
        lazy = df.lazy().group_by("k", maintain_order=True).agg(s=sq.sum(), m=pl.col("x").mean())
        lazy = lazy.sort("k").collect()
    ours = group_sums(df, ["k"], {"s": sq})
    blob = lazy.write_ipc(None).getvalue() + ours.write_ipc(None).getvalue()
    print(hashlib.sha256(blob).hexdigest())
    """
)


def test_the_same_sums_in_fresh_processes_at_one_and_two_threads() -> None:
    """Lazy group sums on the in-memory engine and ``group_sums``: one result per process.

    (Without ``in_memory`` the default engine's lazy group sums differed between processes
    here: the reason for the setting, docs/scaling.md.)
    """
    digests = set()
    for threads in ("1", "2", "2"):
        env = {**os.environ, "POLARS_MAX_THREADS": threads}
        env.pop("POLARS_ENGINE_AFFINITY", None)
        done = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1
