"""The framework's config file (framework.md 5.2) loads verbatim; every key moves a native one."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eots.cli.main import app
from eots.config import EotsConfig, config_document, config_from_document, load_config
from eots.core.errors import ConfigError
from eots.framework_config import FRAMEWORK_KEYS

FRAMEWORK = Path(__file__).parent.parent / "fixtures" / "framework_config.json"


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FRAMEWORK.read_text())
    return doc


def _leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if path in FRAMEWORK_KEYS or not isinstance(node, dict):
        return [path]
    if path[-1:] in (("signal_activation",), ("conviction_mapping",), ("strategy_selection",)):
        return [(*path, k) for k in node]
    return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, k))]


def _get(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _set(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


#: Keys whose group must sum to 1: changed by moving 0.05 to the first sibling.
SUM_ONE = (
    ("intraday_weight", "daily_weight", "weekly_weight"),
    ("alignment_weight", "historical_performance_weight", "persistence_weight"),
    ("dealer_positioning_weight", "real_time_flow_weight"),
)


def _shift(doc: dict[str, Any], path: tuple[str, ...]) -> bool:
    for group in SUM_ONE:
        if path[-1] in group:
            sibling = next(k for k in group if k != path[-1])
            parent = _get(doc, path[:-1])
            parent[path[-1]] = round(parent[path[-1]] + 0.05, 6)
            parent[sibling] = round(parent[sibling] - 0.05, 6)
            return True
    return False


#: Keys whose changed value is not the generic one (a fixed choice, or a shape to respect).
_CHANGED: dict[str, Callable[[Any], Any]] = {
    "vomma_enhancement_factor": lambda v: v * 1.2,
    "log_level": lambda _: "DEBUG",
    "adaptation_speed": lambda _: "fast",
    "methodology_weights_initial": lambda v: {**v, "multiplicative": 0.7},
    "conviction_score_thresholds": lambda _: [0.2, 0.4, 0.6, 0.8],
    "time_weight_profiles": lambda v: {**v, "normal": [0.9, 1.0, 1.1, 1.2, 1.3]},
    "gaussian_width_range": lambda _: [-0.8, -0.2],
}


def _other(path: tuple[str, ...], value: Any) -> Any:
    """A valid value different from ``value`` for the key at ``path``."""
    name = path[-1]
    if isinstance(value, bool):
        return not value
    changed = _CHANGED.get(name)
    if changed is not None:
        return changed(value)
    if name.endswith("_strategies"):
        return value[:1]
    if path[-2] == "conviction_mapping":
        return None  # the mapping moves as one (see the dedicated test)
    if isinstance(value, int):
        return value + 5
    return round(value * 0.5, 6) if value > 0 else 0.1


def test_the_framework_file_loads_verbatim() -> None:
    config = load_config(FRAMEWORK)
    e = config.engine
    assert config.log_level == "INFO"
    assert e.history.intraday_snapshots == 10
    assert e.history.atr_average_sessions == 10
    assert e.tracking.learning.learning_rate == 0.05
    assert e.analysis.adaptive.a_dag.temporal_decay_factor == 0.85
    assert e.signals.signal_activation["time_decay.pin_risk"] is True
    assert e.tracking.learning.conviction_mapping == (0.5, 0.3, 0.2)
    assert "call_credit_spread" not in {s.value for s in e.ideas.enabled_strategies}
    assert "call_debit_spread" in {s.value for s in e.ideas.enabled_strategies}


def test_what_show_prints_of_a_framework_file_loads_back_as_the_same_config(
    tmp_path: Path,
) -> None:
    config = load_config(FRAMEWORK)
    native = tmp_path / "native.json"
    native.write_text(json.dumps(config_document(config)))
    again = load_config(native)
    assert again == config
    assert again.fingerprint() == config.fingerprint()


@pytest.mark.parametrize("path", _leaves(_doc()), ids=lambda p: ".".join(p))
def test_every_framework_key_changes_the_configuration(path: tuple[str, ...]) -> None:
    if path == ("version",):
        return
    base = config_from_document(_doc())
    doc = copy.deepcopy(_doc())
    value = None if _shift(doc, path) else _other(path, _get(doc, path))
    if value is None and path[-2] != "conviction_mapping":
        pass
    elif value is None:
        weights = doc["trade_idea_framework"]["conviction_mapping"]
        weights.update(
            performance_weight=0.2, signal_strength_weight=0.5, level_strength_weight=0.3
        )
    else:
        _set(doc, path, value)
    changed = config_from_document(doc)
    assert config_document(changed) != config_document(base), ".".join(path)


def test_conviction_mapping_moves_the_ideas_weights_and_the_learning_prior() -> None:
    doc = _doc()
    doc["trade_idea_framework"]["conviction_mapping"] = {
        "performance_weight": 0.2,
        "signal_strength_weight": 0.5,
        "level_strength_weight": 0.3,
    }
    e = config_from_document(doc).engine
    assert e.tracking.learning.conviction_mapping == (0.2, 0.5, 0.3)
    assert (e.ideas.conviction.weight_performance, e.ideas.conviction.weight_signal) == (0.2, 0.5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"system_settings": {"bogus": 1}}, "system_settings.bogus: not a key"),
        (
            {"enhanced_signals": {"directional": {"momentum_weight": 7}}},
            "enhanced_signals.directional.momentum_weight (native signals.directional.momentum",
        ),
        (
            {"system_settings": {"signal_activation": {"astrology": True}}},
            "signal_activation.astrology: not a framework signal",
        ),
        (
            {"trade_idea_framework": {"strategy_selection": {"directional_strategies": ["x"]}}},
            "'x' is not one of",
        ),
        ({"version": "2.5.0"}, "version: expected a framework schema 3.x"),
        ({"system_settings": {"log_level": "LOUD"}}, "log_level"),
    ],
)
def test_invalid_framework_configs_name_the_key(change: dict[str, Any], message: str) -> None:
    doc = {"version": "3.0.0-EnhancedEliteSchema", **change}
    if "version" in change:
        doc["version"] = change["version"]
    with pytest.raises(ConfigError) as e:
        config_from_document(doc)
    assert message in str(e.value)


def test_native_engine_sections_are_validated_with_their_path() -> None:
    with pytest.raises(ConfigError, match=r"ideas\.max_ideas"):
        config_from_document({"schema_version": 2, "ideas": {"max_ideas": -1}})
    with pytest.raises(ConfigError, match=r"history\.pricing"):
        config_from_document({"history": {"pricing": {}}})
    with pytest.raises(ConfigError, match="schema_version"):
        config_from_document({"schema_version": 9})
    assert config_from_document({"schema_version": 1}) == EotsConfig()


def test_config_validate_and_init_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["config", "validate", str(FRAMEWORK)])
    assert ok.exit_code == 0
    assert "valid" in ok.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"signals": {"directional": {"momentum_weight": 3}}}))
    refused = runner.invoke(app, ["config", "validate", str(bad)])
    assert refused.exit_code == 2
    assert "signals.directional.momentum_weight" in refused.stderr
    out = tmp_path / "eots.json"
    assert runner.invoke(app, ["config", "init", str(out)]).exit_code == 0
    assert load_config(out) == EotsConfig()
    assert runner.invoke(app, ["config", "init", str(out)]).exit_code == 2


@pytest.mark.parametrize(
    "path",
    [p for p in _leaves(_doc()) if p[0] == "enhanced_key_levels"],
    ids=lambda p: ".".join(p),
)
def test_every_framework_level_key_changes_the_level_params(path: tuple[str, ...]) -> None:
    base = config_from_document(_doc())
    doc = copy.deepcopy(_doc())
    if not _shift(doc, path):
        _set(doc, path, _other(path, _get(doc, path)))
    changed = config_from_document(doc)
    levels = changed.analysis.levels
    assert levels != base.analysis.levels, ".".join(path)
    section = getattr(levels, path[1])
    assert getattr(section, path[2]) == _get(doc, path)
    assert changed.engine.analysis.levels == levels
