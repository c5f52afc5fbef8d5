"""The JSON configuration: one file -> ``AnalysisParams`` (every stage's documented parameters).

Layout: ``{"schema_version": 1, "pricing": {...}, "exposures": {...}, "zero_gamma": {...},
"metrics": {...}, "adaptive": {...}, "levels": {...}, "runners_up": 3, "sources": {...},
"collect": {...}}``; every section and key is optional (defaults are the documented ones) and
unknown keys are refused, so a misspelt key can never be silently ignored. ``sources``
(``eots.sources.params``: each live source's base URL, timeouts, deadline and retries) and
``collect`` (``eots.collect.params``: the defaults of ``eots collect``) are not analysis
parameters: they are read by ``load_config`` and do not change the fingerprint.

``eots config schema`` prints the JSON Schema, ``eots config show`` the effective values with the
analysis fingerprint under ``fingerprint``; that key is informational (recomputed, never read), so
what ``show`` prints loads back unchanged. Each analysis records the fingerprint of the parameters
it ran with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from eots.collect.params import CollectParams
from eots.core.errors import ConfigError
from eots.pipeline import AnalysisParams
from eots.sources.params import SourcesParams

SCHEMA_VERSION = 1
#: Sections of ``levels`` that the analysis fills from its own top-level sections (prior sessions
#: are analysed exactly like the current snapshot), so a config file must not set them there.
_SHARED_LEVEL_SECTIONS = ("pricing", "exposures", "metrics", "zero_gamma")
#: Top-level keys that are not analysis parameters (see the module docstring).
_OTHER_SECTIONS: dict[str, type[BaseModel]] = {"sources": SourcesParams, "collect": CollectParams}
FINGERPRINT_KEY = "fingerprint"


@dataclass(frozen=True, slots=True, kw_only=True)
class EotsConfig:
    """A whole config file: the analysis parameters and the sections beside them."""

    analysis: AnalysisParams = field(default_factory=AnalysisParams)
    sources: SourcesParams = field(default_factory=SourcesParams)
    collect: CollectParams = field(default_factory=CollectParams)


def load_params(path: Path) -> AnalysisParams:
    """Read a JSON config file and return the validated analysis parameters (``load_config``).

    Raises
    ------
    ConfigError
        The file is unreadable, not JSON, of another schema version, or a value is invalid (the
        message names the key path, e.g. ``levels.wall_detection.minimum_wall_strength``).
    """
    return load_config(path).analysis


def load_config(path: Path) -> EotsConfig:
    """Read a JSON config file and return every validated section.

    Raises
    ------
    ConfigError
        As ``load_params``; also for an invalid ``sources`` or ``collect`` section.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except IsADirectoryError as e:
        raise ConfigError(f"{path}: expected a JSON config file, this is a folder") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the config: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON: {e.reason} at byte {e.start}") from e
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: line {e.lineno}: not valid JSON: {e.msg}") from e
    return config_from_document(document, source=str(path))


def config_from_document(document: Any, *, source: str = "<config>") -> EotsConfig:
    """Validate a parsed config document, every section (see the module docstring)."""
    analysis = params_from_document(document, source=source)
    assert isinstance(document, dict)  # params_from_document refused anything else
    sources = SourcesParams.model_validate(document.get("sources", {}))
    collect = CollectParams.model_validate(document.get("collect", {}))
    return EotsConfig(analysis=analysis, sources=sources, collect=collect)


def _validate(model: type[BaseModel], value: Any, source: str, key: str) -> None:
    try:
        model.model_validate(value)
    except ValidationError as e:
        raise ConfigError(f"{source}: {_problems(e, prefix=(key,))}") from e


def _problems(e: ValidationError, prefix: tuple[str, ...] = ()) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in (*prefix, *err['loc']))}: {err['msg']}" for err in e.errors()
    )


def params_from_document(document: Any, *, source: str = "<config>") -> AnalysisParams:
    """Validate a parsed config document's analysis parameters (see the module docstring).

    The ``sources`` and ``collect`` sections are validated too (a bad one is refused here as
    well) but not returned; the informational ``fingerprint`` key is ignored.
    """
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: expected a JSON object, was {type(document).__name__}")
    version = document.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ConfigError(
            f"{source}: expected schema_version {SCHEMA_VERSION}, was {version!r} "
            "(this eots reads version 1)"
        )
    for key, model in _OTHER_SECTIONS.items():
        if key in document:
            _validate(model, document[key], source, key)
    skipped = {"schema_version", FINGERPRINT_KEY, *_OTHER_SECTIONS}
    body = {k: v for k, v in document.items() if k not in skipped}
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
        raise ConfigError(f"{source}: {_problems(e)}") from e


def params_document(params: AnalysisParams) -> dict[str, Any]:
    """Return the config document of ``params`` (what ``load_params`` reads back)."""
    document = params.model_dump(mode="json")
    for key in _SHARED_LEVEL_SECTIONS:
        document["levels"].pop(key, None)
    return {"schema_version": SCHEMA_VERSION, **document}


def config_document(config: EotsConfig) -> dict[str, Any]:
    """Return the whole config document (what ``load_config`` reads back) with the fingerprint."""
    return {
        **params_document(config.analysis),
        "sources": config.sources.model_dump(mode="json"),
        "collect": config.collect.model_dump(mode="json"),
        FINGERPRINT_KEY: config.analysis.fingerprint(),
    }


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the config file."""
    schema = AnalysisParams.model_json_schema()
    level_defs = schema.get("$defs", {}).get("LevelParams", {}).get("properties", {})
    for key in _SHARED_LEVEL_SECTIONS:
        level_defs.pop(key, None)
    defs = schema.setdefault("$defs", {})
    extra: dict[str, Any] = {}
    for key, model in _OTHER_SECTIONS.items():
        sub = model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(sub.pop("$defs", {}))
        defs[model.__name__] = sub
        extra[key] = {"$ref": f"#/$defs/{model.__name__}"}
    schema["properties"] = {
        "schema_version": {"const": SCHEMA_VERSION, "type": "integer"},
        **schema.get("properties", {}),
        **extra,
        FINGERPRINT_KEY: {
            "type": "string",
            "description": "Informational: the analysis fingerprint (ignored when read).",
        },
    }
    return schema
