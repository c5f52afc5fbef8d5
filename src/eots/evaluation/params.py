"""Parameters of the evaluation (every threshold it uses, with its unit and default)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EvaluationParams(BaseModel):
    """How decisions are scored against the bars (definitions in ``docs/evaluation.md``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    touch_atr: float = Field(
        0.10, ge=0.0, le=5.0, description="A level is tested when price comes within this many ATR."
    )
    breach_atr: float = Field(
        0.25,
        ge=0.0,
        le=5.0,
        description="A tested level breaks when a bar closes beyond it by more than this many ATR.",
    )
    one_level_per_session: bool = Field(
        True,
        description="Score each (session, kind, timeframe, price) once, at its first snapshot "
        "(later snapshots repeat the same level over an overlapping window).",
    )
    baseline_draws: int = Field(
        20, ge=1, le=1000, description="Random levels drawn per scored level (the baseline)."
    )
    baseline_jitter: float = Field(
        0.25,
        ge=0.0,
        lt=1.0,
        description="Random levels sit at the real level's distance from spot times a factor "
        "drawn uniformly in 1 +- this, on a random side.",
    )
    seed: int = Field(0, description="Seed of the random-level baseline.")
    bar_grace_seconds: int = Field(
        60,
        ge=0,
        le=3600,
        description="A decision taken up to this long after a bar's start is scored from that "
        "bar (snapshots and bars stamped a few seconds apart describe the same instant).",
    )
    trading_days_per_year: float = Field(252.0, gt=0.0, description="Annualisation of vol.")
    session_minutes: float = Field(
        390.0,
        gt=0.0,
        description="Minutes of a regular session (bars per year = days x this / bar).",
    )
    small_sample_n: int = Field(
        30, ge=1, description="Cells with fewer observations are flagged small_sample."
    )


__all__ = ["EvaluationParams"]
