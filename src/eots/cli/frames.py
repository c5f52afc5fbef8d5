"""Write an analysis' frames to files (``--out``): per contract, per strike, gamma profile."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from eots.pipeline import Analysis


def strike_frame(analysis: Analysis) -> pl.DataFrame:
    """Return the per-strike exposures joined with the per-strike base metrics."""
    metrics = analysis.strike_metrics
    if "expiry" in metrics.columns:  # per-expiry normalisation scope: keep metrics separate
        return analysis.by_strike
    extra = [c for c in metrics.columns if c not in analysis.by_strike.columns]
    return analysis.by_strike.join(metrics.select("strike", *extra), on="strike", how="left")


def _contracts(analysis: Analysis) -> pl.DataFrame:
    """Per-contract base metrics with the adaptive columns beside them (row-aligned)."""
    base = analysis.metrics.contracts
    adaptive = analysis.adaptive.contracts
    extra = [c for c in adaptive.columns if c not in base.columns]
    return pl.concat([base, adaptive.select(extra)], how="horizontal")


def write_frames(analysis: Analysis, folder: Path, fmt: str) -> tuple[Path, ...]:
    """Write ``contracts``, ``strikes`` and ``profile`` as Parquet or CSV; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{analysis.snapshot.underlying}_{analysis.as_of.strftime('%Y%m%dT%H%M%SZ')}"
    frames = {
        "contracts": _contracts(analysis),
        "strikes": strike_frame(analysis),
        "profile": analysis.profile.to_frame(),
    }
    paths = []
    for name, frame in frames.items():
        path = folder / f"{stem}_{name}.{fmt}"
        if fmt == "csv":
            # CSV has no Enum or nested types: write categorical columns as text.
            frame.with_columns(pl.col(pl.Enum).cast(pl.String)).write_csv(path)
        else:
            frame.write_parquet(path)
        paths.append(path)
    return tuple(paths)
