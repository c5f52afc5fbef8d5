"""Key levels kept between runs, so that persistence (first seen, updates) spans CLI invocations.

Layout, beside the snapshots of a ``SnapshotStore`` (which ignores this folder)::

    root/_levels/underlying=SPX/<as_of>_levels.parquet      the levels (``LEVELS_SCHEMA``)
    root/_levels/underlying=SPX/<as_of>_exposures.parquet   strike, net_gex, dex of that update

The levels file carries, as Parquet key-value metadata, the update's ``as_of``, spot, conviction
and MSPI thresholds and metric weights. Both files are written atomically, the exposures first, so
a levels file on disk always has its exposures. ``previous(underlying, as_of)`` returns the latest
update strictly before ``as_of`` (never one after it), rebuilt as the ``KeyLevels`` that
``eots.levels.key_levels`` takes as ``LevelHistory.previous``; prior-session summaries are not
kept (the next update recomputes them), and a file that cannot be read is reported, not used.
``previous`` also reads a store on object storage (``fs``, see ``eots.storage.fs``); ``save``
needs a local folder.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from eots.core.diagnostics import Diagnostic
from eots.core.errors import SchemaError
from eots.levels import KeyLevels, Level, LevelKind, Timeframe
from eots.levels.model import LEVELS_SCHEMA, Evidence
from eots.storage._atomic import ensure_dir, is_temp, write_atomic
from eots.storage.fs import FileSystem, files, read_table, refuse_remote_write, url
from eots.storage.snapshots import LEVELS_SIDECAR as LEVELS_DIR

_STAMP = "%Y%m%dT%H%M%S.%fZ"
_META_KEY = b"eots.levels"


@dataclass(frozen=True, slots=True)
class LevelStore:
    """Saved ``KeyLevels`` per underlying and update time, under ``root/_levels``."""

    root: Path
    #: None: ``root`` is a local folder; else the fsspec filesystem it lives in.
    fs: FileSystem = field(default=None, kw_only=True)

    def _folder(self, underlying: str) -> Path:
        return self.root / LEVELS_DIR / f"underlying={underlying.upper()}"

    def save(self, underlying: str, levels: KeyLevels) -> Path:
        """Store one update's levels (replacing an earlier save of the same ``as_of``)."""
        folder = self._folder(underlying)
        refuse_remote_write(self.fs, folder, "save levels")
        ensure_dir(folder)
        stamp = levels.as_of.astimezone(dt.UTC).strftime(_STAMP)
        exposures = levels.exposures.select(
            [c for c in ("strike", "net_gex", "dex") if c in levels.exposures.columns]
        )
        write_atomic(folder / f"{stamp}_exposures.parquet", _parquet_writer(exposures, None))
        meta = {
            "as_of": levels.as_of.isoformat(),
            "spot": levels.spot,
            "conviction_threshold": levels.conviction_threshold,
            "mspi_threshold": levels.mspi_threshold,
            "metric_weights": list(levels.metric_weights),
        }
        path = folder / f"{stamp}_levels.parquet"
        write_atomic(path, _parquet_writer(levels.to_frame(), {_META_KEY: json.dumps(meta)}))
        return path

    def previous(self, underlying: str, as_of: dt.datetime) -> KeyLevels | None:
        """Return the latest saved update strictly before ``as_of`` (None: there is none).

        Raises
        ------
        SchemaError
            The file exists but cannot be read as saved levels (named in the message).
        """
        folder = self._folder(underlying)
        limit = as_of.astimezone(dt.UTC)
        best: tuple[dt.datetime, Path] | None = None
        for name, path in files(self.fs, folder):
            if is_temp(path) or not name.endswith("_levels.parquet"):
                continue
            try:
                when = dt.datetime.strptime(path.name.split("_")[0], _STAMP).replace(tzinfo=dt.UTC)
            except ValueError:
                continue
            if when < limit and (best is None or when > best[0]):
                best = (when, path)
        return None if best is None else _load(self.fs, best[1])


def _parquet_writer(
    frame: pl.DataFrame, metadata: dict[bytes, str] | None
) -> Callable[[BinaryIO], None]:
    def write(f: BinaryIO) -> None:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # deferred (eots.storage.fs)

        table = frame.to_arrow()
        if metadata:
            table = table.replace_schema_metadata(
                {**(table.schema.metadata or {}), **{k: v.encode() for k, v in metadata.items()}}
            )
        pq.write_table(table, f)

    return write


def _load(fs: FileSystem, path: Path) -> KeyLevels:
    source = url(fs, path)
    try:
        table = read_table(fs, path)
        meta = json.loads((table.schema.metadata or {})[_META_KEY])
        frame = pl.from_arrow(table)
        exposures_name = path.name.replace("_levels.", "_exposures.")
        present = dict(files(fs, path.parent))
        exposures = (
            pl.DataFrame(read_table(fs, present[exposures_name]))
            if exposures_name in present
            else None
        )
    except (OSError, KeyError, ValueError) as e:
        raise SchemaError(f"cannot read saved levels: {e}", source=source) from e
    if not isinstance(frame, pl.DataFrame) or frame.schema != LEVELS_SCHEMA:
        raise SchemaError("saved levels do not match LEVELS_SCHEMA", source=source)
    levels = tuple(
        Level(
            price=row["price"],
            low=row["low"],
            high=row["high"],
            kind=LevelKind(row["kind"]),
            timeframe=Timeframe(row["timeframe"]),
            strength=row["strength"],
            conviction=row["conviction"],
            evidence=Evidence.pairs((e["name"], e["value"]) for e in row["evidence"]),
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            updates=row["updates"],
        )
        for row in frame.iter_rows(named=True)
    )
    return KeyLevels(
        as_of=dt.datetime.fromisoformat(meta["as_of"]),
        spot=float(meta["spot"]),
        levels=levels,
        conviction_threshold=float(meta["conviction_threshold"]),
        mspi_threshold=float(meta["mspi_threshold"]),
        metric_weights=tuple((str(k), float(v)) for k, v in meta["metric_weights"]),
        positioning=pl.DataFrame(),
        exposures=exposures if exposures is not None else pl.DataFrame(),
        diagnostics=(
            Diagnostic(
                "levels", "levels.previous.loaded", f"previous levels loaded from {path.name}"
            ),
        ),
    )


__all__ = ["LEVELS_DIR", "LevelStore"]
