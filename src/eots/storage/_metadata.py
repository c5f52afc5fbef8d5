"""What a stored snapshot file says about itself: Parquet key-value metadata and the content hash.

Every key is prefixed ``eots.`` and every value is text, so any Parquet tool can show them:

================== =========================================================================
key                value
================== =========================================================================
schema_version     ``SCHEMA_VERSION`` of the writer (an int); newer versions are refused
underlying         symbol, e.g. ``SPX``
spot               underlying price in $ (``repr`` of the float: round-trips exactly)
ts_event           quote instant, ISO 8601 in UTC with microseconds
ts_recv            capture instant, ISO 8601 in UTC with microseconds
time_basis         how ``ts_event`` was obtained (``eots.core.time.TimeBasis`` value)
source             where the data came from (a path or a source name)
source_format      the reader's format id
quality            the ``QualityReport`` as JSON
content_hash       SHA-256 (hex) of the underlying, the spot and the frame (see below)
rows               number of contracts in the frame
================== =========================================================================

The content hash covers the underlying, the spot and every ``CHAIN_SCHEMA`` column except
``source_line`` (the same quotes in a different row order or file layout are the same content),
in a canonical byte form that does not depend on the polars or Parquet versions: per column its
name and dtype, its null mask, and its values as little-endian fixed-width numbers (strings as
lengths plus UTF-8 bytes). Capture time and source name are deliberately not hashed: the same
quotes downloaded twice are one snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import numpy as np
import polars as pl
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from eots.chain.snapshot import ChainSnapshot, QualityReport
from eots.core.errors import SchemaError
from eots.core.time import UTC, TimeBasis

SCHEMA_VERSION = 1
PREFIX = "eots."
_UNHASHED = frozenset({"source_line"})
_QUALITY = TypeAdapter(QualityReport)


class StoredMeta(BaseModel):
    """The decoded ``eots.*`` metadata of one stored snapshot file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = Field(ge=1)
    underlying: str = Field(min_length=1)
    spot: float = Field(gt=0)
    ts_event: AwareDatetime
    ts_recv: AwareDatetime
    time_basis: TimeBasis
    source: str
    source_format: str
    quality: QualityReport
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    rows: int = Field(ge=0)


def content_hash(snapshot: ChainSnapshot) -> str:
    """Return the SHA-256 (hex) of a snapshot's underlying, spot and frame (module docstring)."""
    frame = snapshot.frame
    schema = frame.schema
    names = [c for c in schema if c not in _UNHASHED]
    text = {c for c in names if _is_text(schema[c])}
    # One select for every derived column: per-Series methods cost ~50 us each in polars.
    derived = frame.select(
        *(pl.col(c).is_null().alias(f"null:{c}") for c in names),
        *(_canonical(c, schema[c]).alias(f"value:{c}") for c in names),
        *(pl.col(c).cast(pl.String).str.len_bytes().fill_null(0).alias(f"len:{c}") for c in text),
    )
    h = hashlib.sha256()
    h.update(f"{snapshot.underlying}|{float(snapshot.spot)!r}|{frame.height}\n".encode())
    for name in names:
        h.update(f"{name}:{schema[name]}\n".encode())
        h.update(np.packbits(derived.get_column(f"null:{name}").to_numpy()).tobytes())
        values = derived.get_column(f"value:{name}")
        if name in text:
            h.update(_le_bytes(derived.get_column(f"len:{name}").cast(pl.Int64)))
            h.update("".join(values.to_list()).encode())
        else:
            h.update(_le_bytes(values))
    return h.hexdigest()


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, pl.Enum | pl.Categorical)


def _canonical(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if _is_text(dtype):
        return col.cast(pl.String).fill_null("")
    if dtype == pl.Boolean:
        return col.cast(pl.UInt8).fill_null(0)
    return col.to_physical().fill_null(0)


def _le_bytes(col: pl.Series) -> bytes:
    values = col.to_numpy()
    return np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<")).tobytes()


def encode(snapshot: ChainSnapshot, digest: str) -> dict[bytes, bytes]:
    """Return the Parquet key-value metadata of ``snapshot`` (keys and values UTF-8)."""
    fields = {
        "schema_version": str(SCHEMA_VERSION),
        "underlying": snapshot.underlying,
        "spot": repr(float(snapshot.spot)),
        "ts_event": utc_iso(snapshot.ts_event),
        "ts_recv": utc_iso(snapshot.ts_recv),
        "time_basis": snapshot.time_basis.value,
        "source": snapshot.source,
        "source_format": snapshot.source_format,
        "quality": _QUALITY.dump_json(snapshot.quality).decode(),
        "content_hash": digest,
        "rows": str(snapshot.frame.height),
    }
    return {(PREFIX + k).encode(): v.encode() for k, v in fields.items()}


def decode(raw: dict[bytes, bytes] | None, *, source: str) -> StoredMeta:
    """Parse and validate the ``eots.*`` metadata of a file; raise ``SchemaError`` naming it."""
    if not raw:
        raise SchemaError("expected eots.* key-value metadata, found none", source=source)
    try:
        fields: dict[str, object] = {
            k.decode()[len(PREFIX) :]: v.decode()
            for k, v in raw.items()
            if k.startswith(PREFIX.encode())
        }
        version = int(str(fields.get("schema_version", "0")))
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"written with storage schema_version {version}, this eots reads up to "
                f"{SCHEMA_VERSION}: upgrade eots",
                source=source,
            )
        if "quality" in fields:
            fields["quality"] = _QUALITY.validate_json(str(fields["quality"]))
        meta = StoredMeta.model_validate(fields)
    except (ValidationError, UnicodeDecodeError, ValueError) as e:
        raise SchemaError(f"unreadable eots.* metadata: {e}", source=source) from e
    if not math.isfinite(meta.spot):
        raise SchemaError(f"expected a finite spot, was {meta.spot!r}", source=source)
    return meta


def utc_iso(ts: dt.datetime) -> str:
    """Return ``ts`` as ISO 8601 in UTC with microseconds (``2023-04-05T20:00:00.000000+00:00``)."""
    if ts.tzinfo is None:
        raise ValueError(f"expected a timezone-aware time, was {ts!r}")
    return ts.astimezone(UTC).isoformat(timespec="microseconds")
