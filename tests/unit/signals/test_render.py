"""The terminal rendering of a signal report fits 80 columns and says what matters."""

from __future__ import annotations

from rich.console import Console

from eots.cli.signals_render import claim_text, render_signals
from eots.signals import SignalParams, SignalState, signals
from signal_builders import bars, et, front_contracts, hand_inputs, strike_metrics


def test_render_signals_fits_80_columns_and_names_the_claims() -> None:
    metrics = strike_metrics(mspi=0.8, dag_custom=1.0, a_dag=1.0, sdag_multiplicative=1.0)
    inputs = hand_inputs(
        as_of=et(15, 30),
        metrics=metrics,
        contracts=front_contracts({5000.0: 4e8}, charm=5e9),
        bars=bars([5000.0] * 12, end=et(15, 30)),
    )
    report, _ = signals(inputs, SignalState(), SignalParams())
    console = Console(width=80, record=True)
    console.print(render_signals(report))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    pin = next(s for s in report.signals if s.name == "time_decay.pin_risk")
    assert claim_text(pin) == "pin 5,000+-10.0 20:00Z"
    assert "pin 5,000+-10.0 20:00Z" in text
    assert "integrated: direction" in text
    assert f"regime {report.integration.regime}" in text
    assert "conflict: time_decay.charm_cascade over directional.composite" in text


def test_render_signals_without_signals() -> None:
    # the base system's structure change fires on flat SSI (its percentile threshold): off here
    params = SignalParams(signal_activation={"base": False})
    report, _ = signals(hand_inputs(as_of=et(10)), SignalState(), params)
    console = Console(width=80, record=True)
    console.print(render_signals(report))
    assert "none above threshold" in console.export_text()
