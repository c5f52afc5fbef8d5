"""The JSON configuration: one file for the whole application.

Every stage's documented parameters, in eots' native layout or the framework's (framework.md
5.2, migrated on read).

Native layout (schema_version 2; version 1 files, without the engine sections, still load)::

    {"schema_version": 2,
     "pricing", "exposures", "zero_gamma", "metrics", "adaptive", "levels", "runners_up",
         -> the analysis (``AnalysisParams``: foundation, metrics, levels)
     "history", "limits", "components", "signals", "ideas", "tracking", "evidence",
         -> the engine (``EngineParams``: market context, age limits, stages switched on,
            signals, trade ideas, the lifecycle and learning, walk-forward evidence)
     "sources", "collect", "log_level"}
         -> the live sources, the collector and logging (not analysis parameters)

Every section and key is optional (defaults are the documented ones) and unknown keys are
refused naming their path, so a misspelt key is never silently ignored. Downstream sections never
embed upstream ones: the levels and the history use the analysis' own pricing/exposures/metrics.
A file with a ``version`` key is the framework's (``eots.framework_config``): it is migrated to
the native layout first, and errors name the framework's key path.

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

from eots.analysis_params import AnalysisParams
from eots.collect.params import CollectParams
from eots.core.errors import ConfigError
from eots.engine.params import Components, EngineParams, EvidenceParams, HistoryLimits
from eots.framework_config import is_framework, migrate
from eots.ideas.params import IdeaParams
from eots.market.params import ContextParams
from eots.signals.params import SignalParams
from eots.sources.params import SourcesParams
from eots.tracking.params import TrackingParams

SCHEMA_VERSION = 2
READS = (1, 2)
#: Top-level analysis sections that ``levels`` does not have (it reads their results, computed
#: once by the foundation): named in the error when a file sets them under ``levels``.
_UPSTREAM_SECTIONS = ("pricing", "exposures", "metrics", "zero_gamma")
#: Top-level keys that are not analysis parameters (see the module docstring).
_OTHER_SECTIONS: dict[str, type[BaseModel]] = {"sources": SourcesParams, "collect": CollectParams}
#: The engine's sections (beside the analysis'), each validated by its stage's model.
_ENGINE_SECTIONS: dict[str, type[BaseModel]] = {
    "history": ContextParams,
    "limits": HistoryLimits,
    "components": Components,
    "signals": SignalParams,
    "ideas": IdeaParams,
    "tracking": TrackingParams,
    "evidence": EvidenceParams,
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FINGERPRINT_KEY = "fingerprint"


@dataclass(frozen=True, slots=True, kw_only=True)
class EotsConfig:
    """A whole config file: the analysis parameters and the sections beside them."""

    analysis: AnalysisParams = field(default_factory=AnalysisParams)
    sources: SourcesParams = field(default_factory=SourcesParams)
    collect: CollectParams = field(default_factory=CollectParams)
    engine: EngineParams = field(default_factory=EngineParams)
    log_level: str = "WARNING"

    def fingerprint(self) -> str:
        """Return the engine's fingerprint.

        The engine's fingerprint (every parameter that changes a number), recorded on every
        output: analyses, run manifests, events.
        """
        return self.engine.fingerprint()


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
    if isinstance(document, dict) and is_framework(document):
        native, back = migrate(document, source=source)
        try:
            return _native(native, source)
        except ConfigError as e:
            raise ConfigError(_framework_paths(str(e), back)) from e
    return _native(document, source)


def _native(document: Any, source: str) -> EotsConfig:
    analysis = params_from_document(document, source=source)
    assert isinstance(document, dict)  # params_from_document refused anything else
    sources = SourcesParams.model_validate(document.get("sources", {}))
    collect = CollectParams.model_validate(document.get("collect", {}))
    sections: dict[str, Any] = {}
    for key, model in _ENGINE_SECTIONS.items():
        value = document.get(key, {})
        if key == "history" and isinstance(value, dict) and "pricing" in value:
            raise ConfigError(
                f"{source}: history.pricing: set 'pricing' at the top level; the market context "
                "uses the analysis' own"
            )
        try:
            sections[key] = model.model_validate(value)
        except ValidationError as e:
            raise ConfigError(f"{source}: {_problems(e, prefix=(key,))}") from e
    level = document.get("log_level", "WARNING")
    if level not in LOG_LEVELS:
        raise ConfigError(
            f"{source}: log_level: expected one of {', '.join(LOG_LEVELS)}, was {level!r}"
        )
    engine = EngineParams(analysis=analysis, **sections)
    return EotsConfig(
        analysis=analysis, sources=sources, collect=collect, engine=engine, log_level=level
    )


def _framework_paths(message: str, back: dict[tuple[str, ...], tuple[str, ...]]) -> str:
    """Name the framework's key path beside the native one in an error message."""
    for native, framework in sorted(back.items(), key=lambda kv: -len(".".join(kv[0]))):
        dotted = ".".join(native)
        if dotted in message:
            message = message.replace(dotted, f"{'.'.join(framework)} (native {dotted})", 1)
    return message


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
    if version not in READS:
        raise ConfigError(
            f"{source}: schema_version: expected one of {READS}, was {version!r} "
            f"(this eots reads versions {', '.join(map(str, READS))}; a framework file has a "
            "'version' key instead)"
        )
    for key, model in _OTHER_SECTIONS.items():
        if key in document:
            _validate(model, document[key], source, key)
    skipped = {
        "schema_version",
        FINGERPRINT_KEY,
        "log_level",
        *_OTHER_SECTIONS,
        *_ENGINE_SECTIONS,
    }
    body = {k: v for k, v in document.items() if k not in skipped}
    levels = body.get("levels")
    if isinstance(levels, dict):
        upstream = [k for k in _UPSTREAM_SECTIONS if k in levels]
        if upstream:
            raise ConfigError(
                f"{source}: levels.{upstream[0]}: set {upstream[0]!r} at the top level; the "
                "levels read what the analysis computed with it"
            )
    try:
        return AnalysisParams.model_validate(body)
    except ValidationError as e:
        raise ConfigError(f"{source}: {_problems(e)}") from e


def params_document(params: AnalysisParams) -> dict[str, Any]:
    """Return the config document of ``params`` (what ``load_params`` reads back)."""
    return {"schema_version": SCHEMA_VERSION, **params.model_dump(mode="json")}


def config_document(config: EotsConfig) -> dict[str, Any]:
    """Return the whole config document (what ``load_config`` reads back) with the fingerprint."""
    engine = config.engine.model_dump(mode="json")
    engine["history"].pop("pricing", None)
    return {
        **params_document(config.analysis),
        **{key: engine[key] for key in _ENGINE_SECTIONS},
        "sources": config.sources.model_dump(mode="json"),
        "collect": config.collect.model_dump(mode="json"),
        "log_level": config.log_level,
        FINGERPRINT_KEY: config.fingerprint(),
    }


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the config file."""
    schema = AnalysisParams.model_json_schema()
    defs = schema.setdefault("$defs", {})
    extra: dict[str, Any] = {"log_level": {"enum": list(LOG_LEVELS)}}
    for key, model in {**_ENGINE_SECTIONS, **_OTHER_SECTIONS}.items():
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
            "description": "Informational: the engine fingerprint (ignored when read).",
        },
    }
    return schema
