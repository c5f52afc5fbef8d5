"""The public surface of eots.synthetic."""

from __future__ import annotations

import eots.synthetic


def test_synthetic_exports_public_api() -> None:
    assert set(eots.synthetic.__all__) == {
        "DEFAULT_SPOTS",
        "SOURCE_FORMAT",
        "ExpiryKind",
        "ListedSeries",
        "SyntheticParams",
        "atm_vol",
        "implied_vol",
        "listed_expiries",
        "session_day",
        "strike_grid",
        "strike_ladder",
        "synthetic_chain",
        "synthetic_session",
        "total_variance",
    }
    assert all(hasattr(eots.synthetic, name) for name in eots.synthetic.__all__)
