"""OCC option symbols (``ROOT YYMMDD C/P strike*1000``) as polars expressions.

``SPXW230405C04100000`` is root SPXW, expiry 2023-04-05, call, strike 4100.000. The root is 1 to 6
characters (letters, then letters or digits for adjusted series such as ``QQQ1``); OSI padding
spaces between root and date (``SPY   220523C00382000``) are accepted. Readers either take the
contract fields from the symbol (CBOE JSON) or check that the symbol agrees with the fields the
file states separately (CBOE CSV, TD Ameritrade).
"""

from __future__ import annotations

import polars as pl

OCC_PATTERN = r"^([A-Z][A-Z0-9]{0,5}) *(\d{6})([CP])(\d{8})$"


def occ_parts(symbol: pl.Expr) -> list[pl.Expr]:
    """Return expressions ``occ_root``, ``occ_expiry`` (Date), ``occ_right``, ``occ_strike_milli``.

    Each is null where ``symbol`` is not an OCC symbol; ``occ_strike_milli`` is strike * 1000 as
    Int64, so strikes compare exactly (``round(strike * 1000) == occ_strike_milli``).

    Examples
    --------
    >>> df = pl.DataFrame({"s": ["SPXW230405C04100000", "junk"]})
    >>> df.select(occ_parts(pl.col("s"))).rows()
    [('SPXW', datetime.date(2023, 4, 5), 'C', 4100000), (None, None, None, None)]
    """
    # A regex match test plus fixed-width slices from the end: ~30x faster than extract_groups.
    text = symbol.str.strip_chars()
    valid = text.str.contains(OCC_PATTERN)
    root = text.str.slice(0, text.str.len_bytes() - 15).str.strip_chars_end(" ")
    return [
        pl.when(valid).then(root).alias("occ_root"),
        pl.when(valid)
        .then(text.str.slice(-15, 6).str.strptime(pl.Date, "%y%m%d", strict=False))
        .alias("occ_expiry"),
        pl.when(valid).then(text.str.slice(-9, 1)).alias("occ_right"),
        pl.when(valid)
        .then(text.str.slice(-8).cast(pl.Int64, strict=False))
        .alias("occ_strike_milli"),
    ]


def strike_milli(strike: pl.Expr) -> pl.Expr:
    """Return ``round(strike * 1000)`` as Int64, the OCC strike field."""
    return (strike * 1000).round(0).cast(pl.Int64, strict=False)
