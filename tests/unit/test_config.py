"""The JSON configuration: round trip, refusals with key paths, CLI overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eots.cli.main import app
from eots.config import json_schema, load_params, params_document, params_from_document
from eots.core.errors import ConfigError
from eots.pipeline import AnalysisParams

runner = CliRunner()


def test_config_round_trip_gives_identical_params_and_fingerprint(tmp_path: Path) -> None:
    params = AnalysisParams.model_validate({"pricing": {"rate": 0.03}, "runners_up": 5})
    path = tmp_path / "eots.json"
    path.write_text(json.dumps(params_document(params)))
    loaded = load_params(path)
    assert loaded == params
    assert loaded.fingerprint() == params.fingerprint() != AnalysisParams().fingerprint()


@pytest.mark.parametrize(
    ("document", "text"),
    [
        ({"pricing": {"ratee": 0.03}}, "pricing.ratee: Extra inputs are not permitted"),
        (
            {"levels": {"wall_detection": {"minimum_wall_strength": 3}}},
            "levels.wall_detection.minimum_wall_strength",
        ),
        ({"schema_version": 3}, "schema_version: expected one of (1, 2), was 3"),
        ([1, 2], "expected a JSON object"),
        ({"exposures": {"sign_convention": "upside_down"}}, "exposures.sign_convention"),
    ],
)
def test_config_bad_document_names_the_key(document: object, text: str) -> None:
    with pytest.raises(ConfigError) as e:
        params_from_document(document)
    assert text in str(e.value)


def test_config_bad_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "pricing": {"rate": 0.03,}\n}\n')
    with pytest.raises(ConfigError, match="line 2: not valid JSON"):
        load_params(path)


def test_config_schema_lists_every_section() -> None:
    props = json_schema()["properties"]
    assert {
        "schema_version",
        "pricing",
        "exposures",
        "zero_gamma",
        "metrics",
        "adaptive",
        "levels",
    } <= set(props)


def test_cli_config_switches_a_metric_off_and_flags_override(tmp_path: Path) -> None:
    path = tmp_path / "eots.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "adaptive": {"a_dag": {"enabled": False}},
                "exposures": {"expiries": "0dte"},
            }
        )
    )
    result = runner.invoke(app, ["sample", "--json", "--config", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["expiry_scope"] == "0dte"
    assert all(r["a_dag"] is None for r in data["metrics"]["strikes"])  # NaN -> null
    a_dag = [f for f in data["metrics"]["adaptive"]["factors"] if f["metric"] == "a_dag"]
    assert a_dag
    assert not any(f["active"] for f in a_dag)
    flagged = runner.invoke(app, ["sample", "--json", "--config", str(path), "-e", "all"])
    assert json.loads(flagged.stdout)["expiry_scope"] == "all"


def test_cli_config_show_prints_effective_values(tmp_path: Path) -> None:
    path = tmp_path / "eots.json"
    path.write_text(json.dumps({"pricing": {"rate": 0.02}}))
    shown = json.loads(runner.invoke(app, ["config", "show", "--config", str(path)]).stdout)
    assert shown["pricing"]["rate"] == 0.02
    assert shown["schema_version"] == 2
    assert len(shown["fingerprint"]) == 16


def test_cli_bad_config_is_refused_with_its_message(tmp_path: Path) -> None:
    path = tmp_path / "eots.json"
    path.write_text(json.dumps({"pricing": {"rate": "high"}}))
    result = runner.invoke(app, ["sample", "--config", str(path)])
    assert result.exit_code == 2
    assert "pricing.rate" in result.output


def test_config_levels_cannot_set_the_shared_sections() -> None:
    with pytest.raises(ConfigError, match=r"levels\.pricing: set 'pricing' at the top level"):
        params_from_document({"levels": {"pricing": {"rate": 0.01}}})
    shown = params_document(AnalysisParams())
    assert "pricing" not in shown["levels"]
    assert "thresholds" in shown["levels"]
    assert params_from_document(shown) == AnalysisParams()


def test_level_params_embed_no_upstream_section() -> None:
    from eots.levels import LevelParams

    upstream = {"pricing", "exposures", "metrics", "zero_gamma"}
    assert not upstream & set(LevelParams.model_fields)
    level_schema = json_schema()["$defs"]["LevelParams"]["properties"]
    assert not upstream & set(level_schema)
    assert upstream <= set(json_schema()["properties"])
    with pytest.raises(ConfigError, match=r"levels\.zero_gamma: set 'zero_gamma' at the top"):
        params_from_document({"levels": {"zero_gamma": {}}})
