"""The JSON configuration: one file -> ``AnalysisParams`` (every stage's documented parameters).

Layout: ``{"schema_version": 1, "pricing": {...}, "exposures": {...}, "zero_gamma": {...},
"metrics": {...}, "adaptive": {...}, "levels": {...}, "runners_up": 3}``; every section and key is
optional (defaults are the documented ones) and unknown keys are refused, so a misspelt key can
never be silently ignored. ``eots config schema`` prints the JSON Schema, ``eots config show`` the
effective values. Each analysis records the fingerprint of the parameters it ran with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from eots.core.errors import ConfigError
from eots.pipeline import AnalysisParams

SCHEMA_VERSION = 1
#: Sections of ``levels`` that the analysis fills from its own top-level sections (prior sessions
#: are analysed exactly like the current snapshot), so a config file must not set them there.
_SHARED_LEVEL_SECTIONS = ("pricing", "exposures", "metrics", "zero_gamma")


def load_params(path: Path) -> AnalysisParams:
    """Read a JSON config file and return the validated parameters.

    Raises
    ------
    ConfigError
        The file is unreadable, not JSON, of another schema version, or a value is invalid (the
        message names the key path, e.g. ``levels.wall_detection.minimum_wall_strength``).
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the config: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: line {e.lineno}: not valid JSON: {e.msg}") from e
    return params_from_document(document, source=str(path))


def params_from_document(document: Any, *, source: str = "<config>") -> AnalysisParams:
    """Validate a parsed config document (see the module docstring)."""
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: expected a JSON object, was {type(document).__name__}")
    version = document.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ConfigError(
            f"{source}: expected schema_version {SCHEMA_VERSION}, was {version!r} "
            "(this eots reads version 1)"
        )
    body = {k: v for k, v in document.items() if k != "schema_version"}
    levels = body.get("levels")
    if isinstance(levels, dict):
        shared = [k for k in _SHARED_LEVEL_SECTIONS if k in levels]
        if shared:
            raise ConfigError(
                f"{source}: levels.{shared[0]}: set {shared[0]!r} at the top level; the levels "
                "use the analysis' own sections"
            )
    try:
        return AnalysisParams.model_validate(body)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(f"{source}: {problems}") from e


def params_document(params: AnalysisParams) -> dict[str, Any]:
    """Return the config document of ``params`` (what ``load_params`` reads back)."""
    document = params.model_dump(mode="json")
    for key in _SHARED_LEVEL_SECTIONS:
        document["levels"].pop(key, None)
    return {"schema_version": SCHEMA_VERSION, **document}


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the config file."""
    schema = AnalysisParams.model_json_schema()
    level_defs = schema.get("$defs", {}).get("LevelParams", {}).get("properties", {})
    for key in _SHARED_LEVEL_SECTIONS:
        level_defs.pop(key, None)
    schema["properties"] = {
        "schema_version": {"const": SCHEMA_VERSION, "type": "integer"},
        **schema.get("properties", {}),
    }
    return schema
