"""Parameters of the exposure stage."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class SignConvention(StrEnum):
    """Which side dealers are assumed to hold (conventions.md section 3).

    ``classic``: customers sell calls and buy puts, so dealers are long calls and short puts:
    call exposure counts +1, put exposure -1. ``short_both``: dealers are short every contract
    customers hold open (-1 for calls and puts).
    """

    CLASSIC = "classic"
    SHORT_BOTH = "short_both"


class ExposureParams(BaseModel):
    """How exposures are signed and scoped."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sign_convention: SignConvention = SignConvention.CLASSIC
    expiries: str = "all"  # an ExpiryScope spec: all | 0dte | ex0dte | <=N
