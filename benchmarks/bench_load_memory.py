"""Benchmark: peak memory and time of ``load_chain`` on large files of each format, against size.

Run: ``EOTS_REAL_DATA=/path/to/shared/data/chains python benchmarks/bench_load_memory.py [MB]
[format ...]`` (formats: cboe_csv generic_csv parquet cboe_json; default all).
Files are built in a temporary folder (nothing is copied into the project) from the real SPX
2023-04-05 ``quotedata.csv`` (1.3 MB, 9,210 rows): its rows repeated, each copy's strikes moved up
by ``k`` thousandths so every contract is distinct, until the CBOE CSV is about ``MB`` (default
200) MB. The same rows are written as a generic CSV and a generic Parquet file (the same
contracts, so the sizes differ by format) and as a CBOE delayed-quotes JSON of about ``MB`` MB
(its keys in the real payloads' order: the options list before the spot).

Memory: each load runs in a fresh interpreter; its peak RSS is taken after the imports (the
baseline: interpreter + polars + eots) and after ``load_chain``; the figure is the difference
over the file size. Target (issue 10): within about 3x the file. The peak RSS is the process's
``VmHWM`` (what ``ru_maxrss`` reports, but reset by ``exec``: a child's ``ru_maxrss`` starts at
its parent's peak, here the parent that built the files).

Correctness-aware: the big snapshot must hold ``copies`` times the one-copy file's live
contracts; and on a smaller file (``CHECK_COPIES`` copies) the snapshot ``load_chain`` returns,
with the batched path forced, must equal the whole-file reference (``load_raw_chain`` then
``snapshot_from_raw``) in every value and in its quality report.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_RATIO = 3.0
CASE = "spx_20230405_post/spx_quotedata.csv"
CHECK_COPIES = 8
REPEATS = 3
FORMATS = ("cboe_csv", "generic_csv", "parquet", "cboe_json")
GENERIC_HEADER = (
    "root,expiry,strike,right,bid,ask,last,volume,open_interest,iv_src,delta_src,gamma_src,"
    "spot,ts_event\n"
)
SPOT = "4090.3799"
STAMP = "2023-04-05T19:41:00-04:00"

_MEASURE = """
import sys, time
from eots.sources import load_chain
def hwm():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
base = hwm()
wall, cpu = time.perf_counter(), time.process_time()
snap = load_chain(sys.argv[1])
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(snap.n_contracts, base, hwm(), wall, cpu)
"""

_CHECK = """
import sys
from eots.sources import load_chain, load_raw_chain, snapshot_from_raw
try:
    from eots.sources import stream
except ImportError:  # a tree without the batched path (to measure "before")
    print(-1, 0)
    sys.exit(0)
stream.MIN_STREAM_BYTES = 0
stream.BATCH_BYTES = 1 << 20
a, b = load_chain(sys.argv[1]), snapshot_from_raw(load_raw_chain(sys.argv[1]))
same = a.frame.equals(b.frame) and a.frame.schema == b.frame.schema and a.quality == b.quality
same = same and (a.spot, a.ts_event, a.underlying) == (b.spot, b.ts_event, b.underlying)
print(int(same), a.n_contracts)
"""


def build(source: Path, copies: int, target: Path) -> None:
    """Write ``copies`` strike-shifted copies of ``source``'s rows under its header."""
    lines = source.read_bytes().split(b"\n")
    head, body = lines[:4], [line for line in lines[4:] if line.strip()]
    with target.open("wb") as out:
        out.write(b"\n".join(head) + b"\n")
        for k in range(copies):
            rows = []
            for line in body:
                f = line.split(b",")
                milli = round(float(f[11]) * 1000) + k
                f[11] = b"%.3f" % (milli / 1000)
                f[1] = f[1][:-8] + b"%08d" % milli
                f[12] = f[12][:-8] + b"%08d" % milli
                rows.append(b",".join(f))
            out.write(b"\n".join(rows) + b"\n")


def _contracts(cboe: Path) -> list[tuple[str, ...]]:
    """One (symbol, root, expiry, strike, right, bid, ask, last, volume, oi, iv, delta, gamma)
    per side of each row of a CBOE file built by ``build``."""
    out: list[tuple[str, ...]] = []
    for line in cboe.read_text().split("\n")[4:]:
        if not line:
            continue
        f = line.split(",")
        for symbol, side in ((f[1], f[2:11]), (f[12], f[13:22])):
            last, _net, bid, ask, volume, iv, delta, gamma, oi = side
            root, ymd, right = symbol[:-15], symbol[-15:-9], symbol[-9]
            expiry = f"20{ymd[:2]}-{ymd[2:4]}-{ymd[4:]}"
            row = (symbol, root, expiry, f[11], right, bid, ask, last, volume, oi, iv, delta, gamma)
            out.append(row)
    return out


def write_generic(cboe: Path, target: Path) -> None:
    """The CBOE file's contracts as a generic CSV (one row per contract)."""
    with target.open("w") as out:
        out.write(GENERIC_HEADER)
        for c in _contracts(cboe):
            out.write(",".join((*c[1:], SPOT, STAMP)) + "\n")


def write_parquet(generic: Path, target: Path) -> None:
    """The generic CSV as Parquet (polars' default compression)."""
    import polars as pl

    names = GENERIC_HEADER.strip().split(",")
    text = ("root", "expiry", "right", "ts_event")
    schema = {n: pl.String if n in text else pl.Float64 for n in names}
    pl.read_csv(generic, schema=schema).write_parquet(target)


def write_cboe_json(cboe: Path, target: Path) -> None:
    """The CBOE file's contracts as a CBOE delayed-quotes JSON payload."""
    options = [
        {
            "option": c[0],
            "bid": float(c[5]),
            "ask": float(c[6]),
            "last_trade_price": float(c[7]),
            "volume": float(c[8]),
            "open_interest": float(c[9]),
            "iv": float(c[10]),
            "delta": float(c[11]),
            "gamma": float(c[12]),
        }
        for c in _contracts(cboe)
    ]
    # the key order of the real payloads: the options first, the spot after them
    doc = {
        "timestamp": "2023-04-05 23:41:00",
        "data": {"options": options, "symbol": "^SPX", "current_price": float(SPOT)},
        "symbol": "_SPX",
    }
    target.write_text(json.dumps(doc))


def _run(code: str, path: Path) -> list[str]:
    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout.split()


def measure(path: Path) -> tuple[int, float, float, float, float]:
    """``load_chain`` in a fresh interpreter: (contracts, baseline, peak bytes, wall s, CPU s)."""
    out = _run(_MEASURE, path)
    return int(out[0]), float(out[1]), float(out[2]), float(out[3]), float(out[4])


def files_for(source: Path, copies: dict[str, int], folder: Path) -> dict[str, Path]:
    """Build each format's file of ``copies[format]`` copies in ``folder``."""
    folder.mkdir()
    made: dict[str, Path] = {}
    for name, n in copies.items():
        cboe = folder / f"cboe{n}.csv"
        if not cboe.exists():
            build(source, n, cboe)
        made[name] = folder / f"{name}.dat"
        if name == "cboe_csv":
            cboe.rename(made[name])
        elif name == "generic_csv":
            write_generic(cboe, made[name])
        elif name == "parquet":
            generic = folder / "parquet.csv"
            write_generic(cboe, generic)
            write_parquet(generic, made[name])
            generic.unlink()
        else:
            write_cboe_json(cboe, made[name])
    return made


def main() -> int:
    """Build the files, check the batched answer on small ones, measure each big one."""
    root = os.environ.get("EOTS_REAL_DATA")
    if not root:
        print("skipped: EOTS_REAL_DATA is not set (point it at shared/data/chains)")
        return 0
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 200.0
    source = Path(root) / CASE
    only = sys.argv[2:] or list(FORMATS)
    with tempfile.TemporaryDirectory() as tmp:
        one = files_for(source, dict.fromkeys(only, 1), Path(tmp) / "one")
        # the same contracts in each format; the JSON (3x larger per contract) from fewer copies
        copies = {
            name: max(CHECK_COPIES, round(megabytes * 1e6 / one[name].stat().st_size))
            if name in ("cboe_csv", "cboe_json")
            else round(megabytes * 1e6 / one["cboe_csv"].stat().st_size)
            if "cboe_csv" in one
            else max(CHECK_COPIES, round(megabytes * 1e6 / 1.28e6))
            for name in only
        }
        small = files_for(source, dict.fromkeys(only, CHECK_COPIES), Path(tmp) / "small")
        for name, path in small.items():
            same, n = _run(_CHECK, path)
            if same == "-1":
                print(f"{name}: no batched path in this source tree, nothing to check")
                continue
            assert same == "1", f"{name}: the batched snapshot differs from the whole-file one"
            print(f"{name}: batched = whole-file snapshot on {CHECK_COPIES} copies ({n} contracts)")
        big = files_for(source, copies, Path(tmp) / "big")
        print("baseline = peak RSS (VmHWM) after importing eots.sources (interpreter+polars+eots)")
        for name, path in big.items():
            live_one, *_ = measure(one[name])
            runs = [measure(path) for _ in range(REPEATS)]
            size = path.stat().st_size
            for live, *_ in runs:
                assert live == copies[name] * live_one, (name, live, copies[name], live_one)
            ratios = sorted((peak - base) / size for _, base, peak, _, _ in runs)
            ratio = statistics.median(ratios)
            wall = statistics.median(r[3] for r in runs)
            cpu = statistics.median(r[4] for r in runs)
            base = statistics.median(r[1] for r in runs)
            verdict = "OK" if ratio <= TARGET_RATIO else "OVER"
            print(
                f"{name:12s} {size / 1e6:6.0f} MB, {runs[0][0]} contracts: peak above the "
                f"{base / 1e6:.0f} MB baseline {ratio:5.2f}x the file (median of {REPEATS} runs, "
                f"{ratios[0]:.2f}..{ratios[-1]:.2f}; target <= {TARGET_RATIO:.0f}x: {verdict}); "
                f"median {wall:.1f} s wall, {cpu:.1f} s CPU"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
