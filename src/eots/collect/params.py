"""The config's ``collect`` section: what ``eots collect`` does when a flag does not say.

``{"collect": {"source": "cboe", "every_s": 60, "max_backoff_s": 600, "outside_hours": false,
"max_expiries": null}}``; every key is optional and a command-line flag wins over the file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CollectParams(BaseModel):
    """Defaults of ``eots collect``.

    Attributes
    ----------
    source
        ``cboe`` (free, delayed) or ``tradier`` (``TRADIER_TOKEN``); default ``cboe``.
    every_s
        Seconds between the starts of two rounds (default 60, at least 1).
    max_backoff_s
        Longest delay between rounds while every fetch keeps failing, seconds (default 600).
    outside_hours
        Also poll before the open and after the close on session days (default false).
    max_expiries
        Tradier: fetch only the nearest N expiries (default null: all).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Literal["cboe", "tradier"] = "cboe"
    every_s: float = Field(60.0, ge=1.0)
    max_backoff_s: float = Field(600.0, ge=1.0)
    outside_hours: bool = False
    max_expiries: int | None = Field(None, ge=1)


__all__ = ["CollectParams"]
