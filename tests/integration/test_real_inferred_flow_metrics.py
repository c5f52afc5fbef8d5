"""Real same-session snapshots (QQQ 2023-05-10 15:10 and its close) give inferred-flow metrics."""

from __future__ import annotations

import math
from pathlib import Path

from eots.history import AsOfReader, market_context
from eots.pipeline import History, analyze
from eots.sources import load_chain
from eots.storage import SnapshotStore


def test_real_qqq_intraday_then_close_infers_flows(real_data: Path, tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    first = load_chain(real_data / "qqq_20230510_1510" / "qqq_quotedata.csv")
    close = load_chain(real_data / "qqq_20230510_post" / "qqq_quotedata.csv")
    store.save(first)
    store.save(close)
    context = market_context(AsOfReader(store, None, close.ts_event), "QQQ", close.ts_event)
    assert context.flow_coverage.n_obs == 1
    history = History.from_context(context)
    assert history.flows is not None
    inferred = history.flows.filter(history.flows["flow_source"] == "inferred_snapshots")
    assert inferred.height > 1000
    a = analyze(close, history=history)
    notes = " ".join(n for _, n in a.metrics.notes)
    assert "proxy dxvolm" not in notes
    strikes = a.metrics.strikes
    net = strikes.get_column("true_net_volume_flow").drop_nans().drop_nulls()
    assert net.len() > 50
    assert all(math.isfinite(x) for x in net)
    mspi = strikes.get_column("mspi").drop_nans()
    assert mspi.len() > 50
    assert mspi.is_between(-1.0, 1.0).all()
