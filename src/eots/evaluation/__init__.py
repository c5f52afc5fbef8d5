"""Scoring of levels, signals and trade ideas against outcomes: n, intervals, baselines.

``evaluate_run(run_dir)`` reads a replay's run directory (``schemas.RUN_SCHEMAS``) and returns
one frozen ``Evaluation``; ``write_evaluation`` saves it. Definitions: ``docs/evaluation.md``.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.evaluation.evaluate import (
        TABLES,
        Evaluation,
        check_walk_forward,
        evaluate_run,
        write_evaluation,
    )
    from eots.evaluation.ideas import (
        EQUITY_SCHEMA,
        IDEA_EVALUATION_SCHEMA,
        equity_curves,
        idea_performance,
        max_drawdown,
    )
    from eots.evaluation.intervals import (
        Mean,
        Proportion,
        benjamini_hochberg,
        binomial_p,
        mean_interval,
        wilson,
    )
    from eots.evaluation.io import RunFrames, read_run
    from eots.evaluation.learning import (
        FLOW_SUMMARY_SCHEMA,
        WEIGHT_PATHS_SCHEMA,
        flow_accuracy_summary,
        weight_paths,
    )
    from eots.evaluation.levels import (
        GAMMA_VOL_SCHEMA,
        LEVEL_EVALUATION_SCHEMA,
        level_hold_rates,
        volatility_by_gamma_side,
    )
    from eots.evaluation.params import EvaluationParams
    from eots.evaluation.paths import bar_table
    from eots.evaluation.schemas import RUN_SCHEMAS, validate_run
    from eots.evaluation.signals import SIGNAL_EVALUATION_SCHEMA, signal_hit_rates

__all__ = [
    "EQUITY_SCHEMA",
    "FLOW_SUMMARY_SCHEMA",
    "GAMMA_VOL_SCHEMA",
    "IDEA_EVALUATION_SCHEMA",
    "LEVEL_EVALUATION_SCHEMA",
    "RUN_SCHEMAS",
    "SIGNAL_EVALUATION_SCHEMA",
    "TABLES",
    "WEIGHT_PATHS_SCHEMA",
    "Evaluation",
    "EvaluationParams",
    "Mean",
    "Proportion",
    "RunFrames",
    "bar_table",
    "benjamini_hochberg",
    "binomial_p",
    "check_walk_forward",
    "equity_curves",
    "evaluate_run",
    "flow_accuracy_summary",
    "idea_performance",
    "level_hold_rates",
    "max_drawdown",
    "mean_interval",
    "read_run",
    "signal_hit_rates",
    "validate_run",
    "volatility_by_gamma_side",
    "weight_paths",
    "wilson",
    "write_evaluation",
]

lazy_package(
    __name__,
    {
        "eots.evaluation.evaluate": (
            "TABLES",
            "Evaluation",
            "check_walk_forward",
            "evaluate_run",
            "write_evaluation",
        ),
        "eots.evaluation.ideas": (
            "EQUITY_SCHEMA",
            "IDEA_EVALUATION_SCHEMA",
            "equity_curves",
            "idea_performance",
            "max_drawdown",
        ),
        "eots.evaluation.intervals": (
            "Mean",
            "Proportion",
            "benjamini_hochberg",
            "binomial_p",
            "mean_interval",
            "wilson",
        ),
        "eots.evaluation.io": ("RunFrames", "read_run"),
        "eots.evaluation.learning": (
            "FLOW_SUMMARY_SCHEMA",
            "WEIGHT_PATHS_SCHEMA",
            "flow_accuracy_summary",
            "weight_paths",
        ),
        "eots.evaluation.levels": (
            "GAMMA_VOL_SCHEMA",
            "LEVEL_EVALUATION_SCHEMA",
            "level_hold_rates",
            "volatility_by_gamma_side",
        ),
        "eots.evaluation.params": ("EvaluationParams",),
        "eots.evaluation.paths": ("bar_table",),
        "eots.evaluation.schemas": ("RUN_SCHEMAS", "validate_run"),
        "eots.evaluation.signals": ("SIGNAL_EVALUATION_SCHEMA", "signal_hit_rates"),
    },
)
