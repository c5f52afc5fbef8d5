"""The framework's configuration file (framework.md section 5.2), migrated to eots' native layout.

A file with ``"version": "3.0.0-EnhancedEliteSchema"`` (any ``3.x``) and the sections
``system_settings``, ``enhanced_metrics``, ``enhanced_key_levels``, ``enhanced_signals`` and
``trade_idea_framework`` is read verbatim: every key is moved to the native key that does what
its name promises (``FRAMEWORK_KEYS``, also in docs/configuration.md), so the rest of eots only
ever sees the native layout and ``eots config show`` prints the result. A key the table does not
know is an error naming its path; a value out of range is reported under the framework's path.

Keys whose native home is not a one-to-one rename:

* ``system_settings.df_history_maxlen``: snapshots of the session kept in the history window
  (``history.intraday_snapshots``);
* ``system_settings.signal_activation.<name>``: the eight framework signals by their registry
  names (``signals.signal_activation``);
* ``system_settings.adaptive_settings.regime_detection_window``: sessions the ATR regime baseline
  averages (``history.atr_average_sessions``: the volatility regime is ATR over its average);
* ``system_settings.adaptive_settings.performance_tracking_window``: the learning window and the
  adaptive metrics' methodology window (both);
* ``trade_idea_framework.conviction_mapping``: the ideas' conviction weights and the prior the
  learning rule starts the conviction mapping from (both);
* ``trade_idea_framework.strategy_selection``: the strategies ideas may use
  (``ideas.enabled_strategies``, the union of the three lists; ``call_spread`` is the call debit
  spread, ``straddle``/``strangle`` the long ones, ``calendar_spread``/``diagonal_spread`` the
  calendar and diagonal); a list that is absent keeps its default members.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eots.core.errors import ConfigError

#: Signals of the framework's ``signal_activation`` -> their registry names.
SIGNAL_NAMES = {
    "directional": "directional",
    "volatility_expansion": "volatility.expansion",
    "volatility_contraction": "volatility.contraction",
    "time_decay_pin_risk": "time_decay.pin_risk",
    "time_decay_charm_cascade": "time_decay.charm_cascade",
    "complex_structure_change": "complex.structure_change",
    "complex_flow_divergence": "complex.flow_divergence",
    "complex_sdag_conviction": "complex.sdag_conviction",
}
#: Strategy names of ``strategy_selection`` -> ``eots.ideas.Strategy`` values, per list.
STRATEGY_LISTS = {
    "directional_strategies": {
        "long_call": "long_call",
        "long_put": "long_put",
        "call_spread": "call_debit_spread",
        "put_spread": "put_debit_spread",
    },
    "volatility_strategies": {
        "straddle": "long_straddle",
        "strangle": "long_strangle",
        "iron_condor": "iron_condor",
        "butterfly": "butterfly",
    },
    "time_decay_strategies": {"calendar_spread": "calendar", "diagonal_spread": "diagonal"},
}
#: Strategies no framework list names (kept unless the lists say otherwise: they do not).
UNLISTED = ("call_credit_spread", "put_credit_spread")

Path = tuple[str, ...]


def _same(section: str, names: tuple[str, ...], target: Path) -> dict[Path, Path]:
    return {(*section.split("."), n): (*target, n) for n in names}


#: Framework key path -> native key path (one-to-one moves).
FRAMEWORK_KEYS: dict[Path, Path | tuple[Path, ...]] = {
    ("system_settings", "log_level"): ("log_level",),
    ("system_settings", "df_history_maxlen"): ("history", "intraday_snapshots"),
    ("system_settings", "adaptive_settings", "performance_tracking_window"): (
        ("tracking", "learning", "performance_tracking_window"),
        ("adaptive", "performance_tracking_window"),
    ),
    ("system_settings", "adaptive_settings", "regime_detection_window"): (
        "history",
        "atr_average_sessions",
    ),
    ("system_settings", "adaptive_settings", "learning_rate"): (
        "tracking",
        "learning",
        "learning_rate",
    ),
    ("system_settings", "adaptive_settings", "adaptation_speed"): (
        "tracking",
        "learning",
        "adaptation_speed",
    ),
    **_same(
        "enhanced_metrics.a_dag",
        ("temporal_decay_factor", "volume_weight_factor", "dte_scaling_factor"),
        ("adaptive", "a_dag"),
    ),
    **_same(
        "enhanced_metrics.e_sdag",
        ("methodology_weights_initial", "conviction_score_thresholds"),
        ("adaptive", "e_sdag"),
    ),
    **_same(
        "enhanced_metrics.d_tdpi",
        ("time_weight_profiles", "gaussian_width_range"),
        ("adaptive", "d_tdpi"),
    ),
    **_same(
        "enhanced_metrics.vri_2_0",
        ("term_structure_weight", "surface_dynamics_factor", "vomma_enhancement_factor"),
        ("adaptive", "vri_2_0"),
    ),
    **_same(
        "enhanced_key_levels.multi_timeframe",
        ("intraday_weight", "daily_weight", "weekly_weight", "cluster_distance_factor"),
        ("levels", "multi_timeframe"),
    ),
    **_same(
        "enhanced_key_levels.wall_detection",
        ("dealer_positioning_weight", "real_time_flow_weight", "minimum_wall_strength"),
        ("levels", "wall_detection"),
    ),
    **_same(
        "enhanced_key_levels.conviction_framework",
        (
            "alignment_weight",
            "historical_performance_weight",
            "persistence_weight",
            "minimum_conviction_score",
        ),
        ("levels", "conviction_framework"),
    ),
    **_same(
        "enhanced_signals.directional",
        ("persistence_factor", "momentum_weight", "minimum_score_threshold"),
        ("signals", "directional"),
    ),
    **_same(
        "enhanced_signals.volatility",
        ("term_structure_weight", "divergence_weight", "regime_adaptation_factor"),
        ("signals", "volatility"),
    ),
    **_same(
        "enhanced_signals.time_decay",
        (
            "pin_risk_enhancement_factor",
            "charm_cascade_prediction_weight",
            "expiration_scaling_factor",
        ),
        ("signals", "time_decay"),
    ),
    **_same(
        "enhanced_signals.complex",
        ("cross_correlation_weight", "structure_change_sensitivity", "early_detection_bonus"),
        ("signals", "complex"),
    ),
    **_same(
        "trade_idea_framework.spy_spx_specific",
        ("expiration_calendar_weight", "behavior_pattern_weight", "intraday_pattern_weight"),
        ("ideas", "session"),
    ),
}
_CONVICTION = ("performance_weight", "signal_strength_weight", "level_strength_weight")
_CONVICTION_NATIVE = ("weight_performance", "weight_signal", "weight_level")


def is_framework(document: dict[str, Any]) -> bool:
    """Return True for a framework-layout file (a ``version`` key)."""
    return "version" in document


def migrate(document: dict[str, Any], *, source: str) -> tuple[dict[str, Any], dict[Path, Path]]:
    """Return the native document of a framework file and the native -> framework path map.

    Raises
    ------
    ConfigError
        For another version, a key the framework does not define (its path named), or a value
        of the wrong shape.
    """
    version = str(document.get("version", ""))
    if not version.startswith("3."):
        raise ConfigError(
            f"{source}: version: expected a framework schema 3.x "
            f"(e.g. '3.0.0-EnhancedEliteSchema'), was {version!r}"
        )
    native: dict[str, Any] = {"schema_version": 2}
    back: dict[Path, Path] = {}
    special: dict[Path, Callable[[Any, Path], None]] = {
        ("system_settings", "signal_activation"): lambda v, p: _activation(v, p, native, back),
        ("trade_idea_framework", "conviction_mapping"): lambda v, p: _conviction(
            v, p, native, back
        ),
        ("trade_idea_framework", "strategy_selection"): lambda v, p: _strategies(
            v, p, native, back
        ),
    }
    for path, value in _leaves(document, (), special, source):
        if path == ("version",):
            continue
        if path[:2] in special and len(path) == 2:
            special[path[:2]](value, path)
            continue
        target = FRAMEWORK_KEYS.get(path)
        if target is None:
            raise ConfigError(f"{source}: {'.'.join(path)}: not a key of the framework's config")
        targets = target if isinstance(target[0], tuple) else (target,)
        for t in targets:
            assert isinstance(t, tuple)
            _put(native, t, value)
            back[t] = path
    return native, back


def _leaves(node: Any, path: Path, special: dict[Path, Any], source: str) -> list[tuple[Path, Any]]:
    if path in special or path in FRAMEWORK_KEYS or not isinstance(node, dict):
        return [(path, node)]
    if not path and not node:
        return []
    out: list[tuple[Path, Any]] = []
    for key, value in node.items():
        if not isinstance(key, str):
            raise ConfigError(f"{source}: {'.'.join(path)}: keys must be strings")
        out += _leaves(value, (*path, key), special, source)
    return out


def _put(doc: dict[str, Any], path: Path, value: Any) -> None:
    node = doc
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def _section(value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{'.'.join(path)}: expected an object, was {type(value).__name__}")
    return value


def _activation(value: Any, path: Path, native: dict[str, Any], back: dict[Path, Path]) -> None:
    for name, on in _section(value, path).items():
        if name not in SIGNAL_NAMES:
            raise ConfigError(
                f"{'.'.join((*path, name))}: not a framework signal (expected one of "
                f"{', '.join(SIGNAL_NAMES)})"
            )
        target = ("signals", "signal_activation", SIGNAL_NAMES[name])
        _put(native, target, on)
        back[target] = (*path, name)


def _conviction(value: Any, path: Path, native: dict[str, Any], back: dict[Path, Path]) -> None:
    section = _section(value, path)
    unknown = set(section) - set(_CONVICTION)
    if unknown:
        raise ConfigError(f"{'.'.join((*path, sorted(unknown)[0]))}: not a framework key")
    weights = [section.get(k) for k in _CONVICTION]
    if any(w is None for w in weights):
        raise ConfigError(f"{'.'.join(path)}: expected all of {', '.join(_CONVICTION)}")
    for key, native_key in zip(_CONVICTION, _CONVICTION_NATIVE, strict=True):
        target = ("ideas", "conviction", native_key)
        _put(native, target, section[key])
        back[target] = (*path, key)
    _put(native, ("tracking", "learning", "conviction_mapping"), weights)
    back[("tracking", "learning", "conviction_mapping")] = path


def _strategies(value: Any, path: Path, native: dict[str, Any], back: dict[Path, Path]) -> None:
    section = _section(value, path)
    enabled: list[str] = list(UNLISTED)
    for list_name, names in STRATEGY_LISTS.items():
        given = section.get(list_name)
        if given is None:
            enabled += list(names.values())
            continue
        if not isinstance(given, list):
            raise ConfigError(f"{'.'.join((*path, list_name))}: expected a list of strategies")
        for name in given:
            if name not in names:
                raise ConfigError(
                    f"{'.'.join((*path, list_name))}: {name!r} is not one of {', '.join(names)}"
                )
            enabled.append(names[name])
    unknown = set(section) - set(STRATEGY_LISTS)
    if unknown:
        raise ConfigError(f"{'.'.join((*path, sorted(unknown)[0]))}: not a framework key")
    if any(k in section for k in STRATEGY_LISTS):
        enabled = [s for s in enabled if s not in UNLISTED]
    _put(native, ("ideas", "enabled_strategies"), sorted(set(enabled)))
    back[("ideas", "enabled_strategies")] = path


__all__ = ["FRAMEWORK_KEYS", "SIGNAL_NAMES", "STRATEGY_LISTS", "is_framework", "migrate"]
