"""Where the live sources are and how long to wait for them: the config's ``sources`` section.

``{"sources": {"cboe": {"base_url": ..., "timeout_s": 20, "deadline_s": 60, ...},
"tradier": {...}}}``. Every key is optional (the defaults below); a test server stands in for a
vendor by setting its ``base_url`` (``http://127.0.0.1:PORT/``). ``SourceParams.policy()`` turns a
section into the ``eots.sources.http.RetryPolicy`` the HTTP client uses (see that module for the
retry rules). This module imports no HTTP library, so reading a config stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from eots.sources.http import RetryPolicy

CBOE_BASE_URL = "https://cdn.cboe.com/api/global/delayed_quotes/options/"
TRADIER_BASE_URL = "https://api.tradier.com/v1/"
TRADIER_SANDBOX_URL = "https://sandbox.tradier.com/v1/"


class SourceParams(BaseModel):
    """One live source's endpoint, timeouts and retries.

    Attributes
    ----------
    base_url
        The endpoint's root, ending with ``/`` (``http`` or ``https``).
    connect_timeout_s
        Longest wait to connect, seconds (default 5).
    timeout_s
        Longest wait for any one read of the answer, seconds (default 20).
    deadline_s
        Longest one try may take in all, seconds (default 60): a server that trickles its
        answer is cut off here.
    attempts
        Tries per request, including the first (default 4).
    base_delay_s, max_delay_s
        Full-jitter backoff between tries (defaults 0.5 and 30 s).
    max_retry_after_s
        Longest ``Retry-After`` honoured, seconds (default 120).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(pattern=r"^https?://\S+/$")
    connect_timeout_s: float = Field(5.0, gt=0)
    timeout_s: float = Field(20.0, gt=0)
    deadline_s: float = Field(60.0, gt=0)
    attempts: int = Field(4, ge=1, le=20)
    base_delay_s: float = Field(0.5, ge=0)
    max_delay_s: float = Field(30.0, ge=0)
    max_retry_after_s: float = Field(120.0, ge=0)

    def policy(self) -> RetryPolicy:
        """Return the HTTP client's ``RetryPolicy`` for this source."""
        from eots.sources.http import RetryPolicy

        return RetryPolicy(
            attempts=self.attempts,
            base_delay_s=self.base_delay_s,
            max_delay_s=self.max_delay_s,
            max_retry_after_s=self.max_retry_after_s,
            connect_timeout_s=self.connect_timeout_s,
            read_timeout_s=self.timeout_s,
            deadline_s=self.deadline_s,
        )


class SourcesParams(BaseModel):
    """The ``sources`` section: one ``SourceParams`` per live source.

    ``tradier.base_url`` is the production API by default; ``tradier_sandbox`` is used instead
    when a command asks for the sandbox.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cboe: SourceParams = Field(default_factory=lambda: SourceParams(base_url=CBOE_BASE_URL))
    tradier: SourceParams = Field(default_factory=lambda: SourceParams(base_url=TRADIER_BASE_URL))
    tradier_sandbox: SourceParams = Field(
        default_factory=lambda: SourceParams(base_url=TRADIER_SANDBOX_URL)
    )


__all__ = [
    "CBOE_BASE_URL",
    "TRADIER_BASE_URL",
    "TRADIER_SANDBOX_URL",
    "SourceParams",
    "SourcesParams",
]
