"""A bare pandas + NumPy GEX script: the yardstick ``bench_process.py`` times ``eots analyze`` by.

What a typical hand-written script does with a CBOE ``quotedata.csv`` (cboe.com's delayed-quotes
export): read the spot from the title line (``<Name>,Last: <spot>,...``) and the download time
from the ``Date:`` line, read the rows with pandas (calls and puts share column names, so pandas
suffixes the put side's with ``.1``), compute Black-Scholes gamma from the file's IV column with
NumPy (no rates, no dividends), and sum gamma exposure per 1 % move by strike::

    GEX = gamma * open interest * 100 * spot**2 * 0.01      (calls +, puts -)

It prints the net GEX and the top strikes by absolute GEX. Contracts with a zero IV (not computed
by CBOE) or expired at the download time are left out; nothing else is checked.

    python benchmarks/bare_gex.py path/to/spx_quotedata.csv
"""

from __future__ import annotations

import re
import sys
from datetime import datetime

import numpy as np
import pandas as pd

CONTRACT_SIZE = 100
TOP = 10


def read_chain(path: str) -> tuple[float, pd.Timestamp, pd.DataFrame]:
    """Return (spot, download time, the rows) of a CBOE quotedata.csv."""
    with open(path, encoding="utf-8") as f:
        head = [f.readline() for _ in range(4)]
    header_at = next(i for i, line in enumerate(head) if line.startswith("Expiration Date"))
    spot = float(re.search(r"Last:\s*([0-9.]+)", head[header_at - 2]).group(1))
    stamp = re.search(r"Date:\s*(.*?)\s+[A-Z]{3}\"?,", head[header_at - 1]).group(1)
    now = pd.Timestamp(datetime.strptime(stamp, "%B %d, %Y at %I:%M %p"))  # noqa: DTZ007
    rows = pd.read_csv(path, skiprows=header_at)
    return spot, now, rows


def gamma(spot: float, strike: np.ndarray, iv: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Black-Scholes gamma (r = q = 0): phi(d1) / (S sigma sqrt(T))."""
    vol_t = iv * np.sqrt(years)
    d1 = (np.log(spot / strike) + 0.5 * iv * iv * years) / vol_t
    return np.exp(-0.5 * d1 * d1) / np.sqrt(2.0 * np.pi) / (spot * vol_t)


def gex_by_strike(spot: float, now: pd.Timestamp, rows: pd.DataFrame) -> pd.Series:
    """Signed GEX per 1 % move, summed by strike (calls +, puts -)."""
    expiry = pd.to_datetime(rows["Expiration Date"], format="%a %b %d %Y") + pd.Timedelta(hours=16)
    years = ((expiry - now).dt.total_seconds() / (365.0 * 86400.0)).to_numpy()
    strike = rows["Strike"].to_numpy(dtype=float)
    per_strike = pd.Series(0.0, index=np.unique(strike))
    for iv_col, oi_col, sign in (("IV", "Open Interest", 1.0), ("IV.1", "Open Interest.1", -1.0)):
        iv = rows[iv_col].to_numpy(dtype=float)
        oi = rows[oi_col].to_numpy(dtype=float)
        ok = (iv > 0) & (years > 0)
        g = np.zeros(len(rows))
        g[ok] = gamma(spot, strike[ok], iv[ok], years[ok])
        gex = sign * g * oi * CONTRACT_SIZE * spot * spot * 0.01
        per_strike = per_strike.add(pd.Series(gex).groupby(strike).sum(), fill_value=0.0)
    return per_strike


def main(argv: list[str]) -> int:
    """Print the net GEX and the top strikes of the chain file ``argv[0]``."""
    spot, now, rows = read_chain(argv[0])
    per_strike = gex_by_strike(spot, now, rows)
    print(f"spot {spot:,.2f}  as of {now}")
    print(f"net GEX {per_strike.sum() / 1e9:+.2f}bn per 1%")
    top = per_strike.reindex(per_strike.abs().sort_values(ascending=False).index[:TOP])
    for strike, value in top.items():
        print(f"  {strike:8.0f} {value / 1e9:+8.2f}bn")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
