"""The public surface of eots.greeks."""

from __future__ import annotations

import eots.greeks


def test_greeks_package_exports_expected_names() -> None:
    assert sorted(eots.greeks.__all__) == [
        "ForwardMethod",
        "ForwardResult",
        "Greeks",
        "IvResult",
        "IvStatus",
        "greeks",
        "implied_forwards",
        "implied_vol",
        "reason",
    ]
    assert all(hasattr(eots.greeks, name) for name in eots.greeks.__all__)
