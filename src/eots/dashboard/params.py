"""The dashboard's parameters (what to read, how often to poll, when data counts as stale)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eots.exposures import ExpiryScope

#: Strike-range choices of the selector, +- percent of spot (0 = every strike).
STRIKE_RANGES_PCT = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 0.0)


class DashboardParams(BaseModel):
    """Parameters of ``create_app`` (frozen; unknown fields are refused).

    The access token is not a parameter: it comes from the environment at the command line and is
    handed to ``create_app`` on its own, so it is never part of a printed or saved configuration.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: Path = Field(description="Snapshot store folder (eots.storage.SnapshotStore).")
    run_dir: Path | None = Field(
        default=None, description="Replay run folder (outcomes/weights/signals Parquet files)."
    )
    underlying: str | None = Field(
        default=None, description="Underlying shown first; None takes the first in the store."
    )
    poll_s: float = Field(
        default=5.0, gt=0, le=3600, description="Seconds between polls of the store."
    )
    stale_after_s: float = Field(
        default=600.0, gt=0, description="A panel whose data is older than this says STALE, s."
    )
    scope: str = Field(default="all", description="Initial expiry scope: all|0dte|ex0dte|<=N.")
    strike_pct: float = Field(
        default=5.0, ge=0, description="Initial strike range, +- percent of spot (0: all)."
    )
    require_token: bool = Field(
        default=False,
        description="Refuse requests without the token even on loopback (a non-loopback bind "
        "always requires it).",
    )

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        ExpiryScope.parse(value)  # raises ConfigError naming the bad scope
        return value.strip().lower()
