"""Diagnostics: what a stage could not do, or did differently, in one shape (stage, code, message).

Every stage that takes a fallback, leaves something out or refuses part of its input says so with
a ``Diagnostic``: ``stage`` names the stage (``levels``, ``foundation``, ``context``, ``metrics``
...), ``code`` is a stable dotted identifier a program can match (``levels.atr.iv_implied``,
``levels.summary.missing``), ``message`` is the sentence a person reads. Codes never change
meaning; messages may be reworded.

Older stages still return plain strings (or ``(metric, note)`` pairs); ``from_notes`` lifts them
into the one shape at the boundary (code ``<stage>.note``, or ``<stage>.<metric>``), so a
consumer reads one type. Pure: no I/O, no logging.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One note of one stage (module docstring).

    Examples
    --------
    >>> d = Diagnostic("levels", "levels.vol_trigger.none", "vol trigger: no crossing")
    >>> str(d), d.to_dict()["code"]
    ('vol trigger: no crossing', 'levels.vol_trigger.none')
    """

    stage: str
    code: str
    message: str

    def __post_init__(self) -> None:
        """Refuse an empty stage or message and a code outside the dotted lower-case form."""
        if not self.stage or not self.message:
            raise ValueError(
                f"expected a stage and a message, were {self.stage!r}, {self.message!r}"
            )
        if not _CODE.match(self.code):
            raise ValueError(
                f"expected a dotted lower-case code like 'levels.atr.iv_implied', was {self.code!r}"
            )

    def __str__(self) -> str:
        """Return the message (what a person reads)."""
        return self.message

    def to_dict(self) -> dict[str, str]:
        """Return ``{"stage", "code", "message"}`` (JSON reports)."""
        return {"stage": self.stage, "code": self.code, "message": self.message}


def from_notes(
    stage: str, notes: Iterable[str | tuple[str, str] | Diagnostic]
) -> tuple[Diagnostic, ...]:
    """Lift a stage's legacy notes into diagnostics (module docstring).

    A ``Diagnostic`` is kept as it is; a string becomes code ``<stage>.note``; a ``(name, note)``
    pair (the metrics' form) becomes code ``<stage>.<name>`` with the name made code-safe.
    """
    out = []
    for n in notes:
        if isinstance(n, Diagnostic):
            out.append(n)
        elif isinstance(n, str):
            out.append(Diagnostic(stage, f"{_safe(stage)}.note", n))
        else:
            name, text = n
            out.append(Diagnostic(stage, f"{_safe(stage)}.{_safe(name)}", text))
    return tuple(out)


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    return cleaned if cleaned and cleaned[0].isalpha() else f"x{cleaned}"


__all__ = ["Diagnostic", "from_notes"]
