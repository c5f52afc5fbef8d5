"""The Dash app: layout, selectors and callbacks; every number comes from ``eots.dashboard.data``.

One poll (``dcc.Interval``) lists the store's snapshots of the chosen underlying and session from
file names; the scrubber picks one (following the latest unless the trader moves it); the chosen
view renders the analysis of that snapshot under the chosen expiry scope and strike range. The
analysis runs on a worker thread (``jobs.AnalysisJobs``), so a request never waits on more than
a short grace period; until it is ready the view says "computing" and asks again shortly. Panel
ages and the status line refresh every few seconds; a poll that finds nothing new costs one small
request and no re-render.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from eots.core.clock import Clock, LiveClock
from eots.core.errors import EotsError
from eots.core.time import ET
from eots.dashboard import data
from eots.dashboard.auth import install_token_guard
from eots.dashboard.freshness import freshness
from eots.dashboard.jobs import AnalysisJobs, Failed, Pending
from eots.dashboard.params import STRIKE_RANGES_PCT, DashboardParams
from eots.dashboard.views import decay, flow, main, performance, structure, volatility
from eots.dashboard.views.common import ViewContext, message
from eots.pipeline import Analysis

_LOG = logging.getLogger("eots.dashboard")

VIEWS = (
    ("main", "Main"),
    ("structure", "Structure"),
    ("flow", "Flow"),
    ("volatility", "Volatility"),
    ("decay", "Time decay & pinning"),
    ("performance", "Performance"),
)
_ANALYSIS_VIEWS = {
    "main": main.render,
    "structure": structure.render,
    "flow": flow.render,
    "volatility": volatility.render,
    "decay": decay.render,
}
LATEST_SESSION = "latest"
_SCOPES: list[Any] = [
    {"label": "all expiries", "value": "all"},
    {"label": "0DTE", "value": "0dte"},
    {"label": "ex-0DTE", "value": "ex0dte"},
    {"label": "≤ N days", "value": "days"},
]
_FOLLOW: list[Any] = [{"label": " follow latest", "value": "on"}]
#: How often a view whose analysis is still running asks again, ms.
RETRY_MS = 800
#: How often panel ages and the status line are refreshed (at least), s.
TICK_S = 5.0
#: How long a render waits for a running analysis before answering "computing", s.
GRACE_S = 1.5

_CSS = """
body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #222; }
.bar { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; padding: 10px 16px;
       background: #fff; border-bottom: 1px solid #ddd; }
.bar label { font-size: 12px; color: #555; display: block; }
.control { min-width: 130px; }
.scrub { padding: 6px 16px; background: #fff; border-bottom: 1px solid #ddd; }
.status { padding: 4px 16px; font-size: 13px; }
.panel { background: #fff; margin: 10px 16px; padding: 8px 14px; border-radius: 6px;
         box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.panel h3 { margin: 4px 0; font-size: 16px; }
.age { font-size: 12px; color: #666; }
.age.stale, .stale { color: #b00020; font-weight: 600; }
.stats { display: flex; flex-wrap: wrap; gap: 10px; }
.stat { min-width: 150px; padding: 6px 10px; border: 1px solid #eee; border-radius: 4px; }
.stat-label { font-size: 11px; color: #666; text-transform: uppercase; }
.stat-value { font-size: 20px; font-weight: 600; }
.stat-note { font-size: 11px; color: #777; max-width: 260px; }
.message { padding: 8px 12px; margin: 6px 0; border-radius: 4px; background: #eef3fb; }
.message.warning { background: #fff5e0; } .message.error { background: #fde8ea; }
.table { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
.table th, .table td { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: right; }
"""


def create_app(
    params: DashboardParams, *, clock: Clock | None = None, token: str | None = None
) -> Dash:
    """Build the dashboard over ``params.store`` (and ``params.run_dir`` when given).

    Parameters
    ----------
    params
        What to read and how often (``DashboardParams``).
    clock
        Tells the panels' age (the wall clock when None).
    token
        When given, every request must carry it (``auth.install_token_guard``); the command
        passes it for a non-loopback bind or when ``params.require_token`` is set.
    """
    clock = clock or LiveClock()
    jobs = AnalysisJobs(params.store)
    app = Dash(__name__, title="eots dashboard", update_title="", assets_ignore=".*")
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + _CSS + "</style>")
    if token is not None:
        install_token_guard(app.server, token)
    elif params.require_token:
        raise EotsError("require_token is set but no token was given")
    app.layout = _layout(params)
    _register(app, params, jobs, clock)
    app.server.config["EOTS_JOBS"] = jobs
    return app


def _layout(params: DashboardParams) -> html.Div:
    scope = params.scope
    days = 7
    if scope.startswith("<="):
        days, scope = int(scope[2:].rstrip("d")), "days"
    ranges: list[Any] = [
        {"label": f"±{p:g}%" if p else "all strikes", "value": p} for p in STRIKE_RANGES_PCT
    ]
    return html.Div(
        [
            dcc.Interval(id="poll", interval=int(params.poll_s * 1000)),
            dcc.Interval(id="retry", interval=RETRY_MS, disabled=True),
            dcc.Interval(id="tick", interval=int(max(params.poll_s, TICK_S) * 1000)),
            dcc.Store(id="snapshots"),
            dcc.Store(id="rendered"),
            html.Div(
                [
                    html.H2("eots", style={"margin": "0 12px 0 0"}),
                    _control("underlying", dcc.Dropdown(id="underlying", clearable=False)),
                    _control(
                        "session", dcc.Dropdown(id="session", value=LATEST_SESSION, clearable=False)
                    ),
                    _control(
                        "expiry scope",
                        dcc.Dropdown(
                            id="scope",
                            value=scope,
                            clearable=False,
                            options=_SCOPES,
                        ),
                    ),
                    _control(
                        "N days",
                        dcc.Input(
                            id="scope-days",
                            type="number",
                            min=0,
                            max=3650,
                            step=1,
                            value=days,
                            debounce=True,
                            style={"width": "70px"},
                        ),
                    ),
                    _control(
                        "strike range",
                        dcc.Dropdown(
                            id="strike-range",
                            options=ranges,
                            value=params.strike_pct,
                            clearable=False,
                        ),
                    ),
                ],
                className="bar",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Button("◀", id="prev", n_clicks=0, title="previous snapshot"),
                            html.Div(
                                dcc.Slider(
                                    id="scrubber",
                                    min=0,
                                    max=0,
                                    step=1,
                                    value=0,
                                    marks={},
                                    updatemode="mouseup",
                                ),
                                style={"flex": "1"},
                            ),
                            html.Button("▶", id="next", n_clicks=0, title="next snapshot"),
                            dcc.Checklist(
                                id="follow",
                                options=_FOLLOW,
                                value=["on"],
                            ),
                        ],
                        style={"display": "flex", "gap": "8px", "alignItems": "center"},
                    ),
                    html.Div(id="snapshot-label", className="status"),
                ],
                className="scrub",
            ),
            html.Div(id="status", className="status"),
            dcc.Tabs(
                id="view", value="main", children=[dcc.Tab(label=n, value=v) for v, n in VIEWS]
            ),
            dcc.Loading(html.Div(id="content"), delay_show=800),
        ]
    )


def _control(label: str, component: Any) -> html.Div:
    return html.Div([html.Label(label), component], className="control")


def _scope(choice: str | None, days: int | float | None) -> str:
    if choice == "days":
        return f"<={max(0, int(days or 0))}"
    return choice or "all"


def _register(app: Dash, params: DashboardParams, jobs: AnalysisJobs, clock: Clock) -> None:
    @app.callback(
        Output("snapshots", "data"),
        Input("poll", "n_intervals"),
        Input("underlying", "value"),
        Input("session", "value"),
        State("snapshots", "data"),
        State("scope", "value"),
        State("scope-days", "value"),
    )
    def poll(
        _n: int | None,
        underlying: str | None,
        session: str | None,
        previous: dict[str, Any] | None,
        scope_choice: str | None,
        days: int | None,
    ) -> Any:
        try:
            state = _poll(params, jobs, underlying, session, _scope(scope_choice, days))
        except EotsError as e:
            state = {"entries": [], "message": str(e)}
        return no_update if state == previous else state

    @app.callback(
        Output("underlying", "options"),
        Output("underlying", "value"),
        Output("session", "options"),
        Input("snapshots", "data"),
    )
    def selectors(snapshots: dict[str, Any] | None) -> tuple[Any, ...]:
        state = snapshots or {}
        sessions = [{"label": "latest session", "value": LATEST_SESSION}] + [
            {"label": d, "value": d} for d in state.get("sessions", [])
        ]
        return state.get("underlyings", []), state.get("underlying"), sessions

    @app.callback(
        Output("scrubber", "max"),
        Output("scrubber", "marks"),
        Output("scrubber", "value"),
        Output("follow", "value"),
        Output("snapshot-label", "children"),
        Input("snapshots", "data"),
        Input("prev", "n_clicks"),
        Input("next", "n_clicks"),
        Input("scrubber", "value"),
        Input("follow", "value"),
    )
    def scrub(
        snapshots: dict[str, Any] | None,
        _prev: int,
        _next: int,
        value: int | None,
        follow: list[str] | None,
    ) -> tuple[Any, ...]:
        entries = (snapshots or {}).get("entries", [])
        n = len(entries)
        following = bool(follow)
        last = max(n - 1, 0)
        value = last if value is None else min(max(int(value), 0), last)
        trigger = ctx.triggered_id
        if trigger == "prev":
            value, following = max(value - 1, 0), False
        elif trigger == "next":
            value = min(value + 1, last)
            following = following and value == last
        elif trigger == "scrubber":
            following = following and value == last
        elif following:
            value = last
        marks = _marks(entries)
        label = "no snapshot"
        if n:
            ts = dt.datetime.fromisoformat(entries[value][1]).astimezone(ET)
            label = f"snapshot {value + 1} of {n} · {ts:%Y-%m-%d %H:%M:%S} ET"
        return last, marks, value, ["on"] if following else [], label

    @app.callback(
        Output("content", "children"),
        Output("rendered", "data"),
        Output("retry", "disabled"),
        Input("view", "value"),
        Input("scrubber", "value"),
        Input("scope", "value"),
        Input("scope-days", "value"),
        Input("strike-range", "value"),
        Input("snapshots", "data"),
        Input("retry", "n_intervals"),
        State("rendered", "data"),
    )
    def render(
        view: str,
        index: int | None,
        scope_choice: str | None,
        days: int | None,
        strike_pct: float | None,
        snapshots: dict[str, Any] | None,
        _n: int | None,
        rendered: str | None,
    ) -> tuple[Any, Any, bool]:
        scope = _scope(scope_choice, days)
        try:
            children, key = _render(
                params, jobs, clock, view, index, scope, strike_pct, snapshots, rendered
            )
        except EotsError as e:
            children, key = [message(str(e), "error")], "error"
        except Exception as e:  # the page shows one line; the trace goes to the server log
            _LOG.exception("rendering %s failed", view)
            children, key = (
                [message(f"could not render this view: {type(e).__name__}: {e}", "error")],
                "error",
            )
        waiting = key.endswith('pending"]')  # poll again shortly until the analysis is ready
        if children is None:
            return no_update, no_update, not waiting
        return children, key, not waiting

    @app.callback(
        Output({"type": "age", "panel": ALL, "ts": ALL, "limit": ALL}, "children"),
        Output({"type": "age", "panel": ALL, "ts": ALL, "limit": ALL}, "className"),
        Output("status", "children"),
        Input("tick", "n_intervals"),
        Input("snapshots", "data"),
        State({"type": "age", "panel": ALL, "ts": ALL, "limit": ALL}, "id"),
    )
    def ages(
        _n: int | None, snapshots: dict[str, Any] | None, ids: list[dict[str, Any]]
    ) -> tuple[list[str], list[str], Any]:
        now = clock.now()
        texts, classes = [], []
        for i in ids:
            limit = float(i["limit"]) or float("inf")
            fresh = freshness(dt.datetime.fromisoformat(i["ts"]), now, limit)
            texts.append(fresh.text)
            classes.append("age stale" if fresh.stale else "age")
        return texts, classes, _status(snapshots or {}, now, params.stale_after_s)


def _poll(
    params: DashboardParams,
    jobs: AnalysisJobs,
    underlying: str | None,
    session: str | None,
    scope: str,
) -> dict[str, Any]:
    """List what the store holds (file names only); start the newest snapshot's analysis."""
    held = list(data.underlyings(params.store))
    run = _run_stamp(params)  # a replay run rewritten in place redraws its panels
    if not held:
        text = (
            f"The store {params.store} holds no snapshots yet. Fill it with eots collect, "
            "eots ingest or eots synth; this page updates by itself."
        )
        return {"entries": [], "message": text, "run": run}
    if underlying not in held:
        underlying = params.underlying if params.underlying in held else held[0]
    days = data.sessions(params.store, underlying)
    chosen = None if session in (None, LATEST_SESSION) else dt.date.fromisoformat(str(session))
    if chosen is not None and chosen not in days:
        chosen = None
    entries = data.session_snapshots(params.store, underlying, chosen)
    state: dict[str, Any] = {
        "underlyings": held,
        "underlying": underlying,
        "sessions": [d.isoformat() for d in reversed(days)],
        "entries": [[e.snapshot_id, e.ts_event.isoformat()] for e in entries],
        "run": run,
    }
    if not entries:
        state["message"] = f"No snapshots of {underlying} in {params.store}."
        return state
    state["session"] = entries[0].session.isoformat()
    jobs.prefetch(entries[-1].snapshot_id, scope)
    return state


def _status(state: dict[str, Any], now: dt.datetime, stale_after_s: float) -> Any:
    entries = state.get("entries", [])
    if not entries:
        return message(state.get("message", "waiting for the first poll of the store…"), "warning")
    fresh = freshness(dt.datetime.fromisoformat(entries[-1][1]), now, stale_after_s)
    return html.Span(
        f"{state['underlying']} · session {state['session']} · {len(entries)} snapshots · "
        f"latest {fresh.text.removeprefix('data as of ')}",
        className="stale" if fresh.stale else "",
    )


def _marks(entries: list[list[str]]) -> dict[int, str]:
    n = len(entries)
    if not n:
        return {}
    step = max(1, n // 8)
    picks = {*range(0, n, step), n - 1}
    return {
        i: f"{dt.datetime.fromisoformat(entries[i][1]).astimezone(ET):%H:%M}" for i in sorted(picks)
    }


def _render(
    params: DashboardParams,
    jobs: AnalysisJobs,
    clock: Clock,
    view: str,
    index: int | None,
    scope: str,
    strike_pct: float | None,
    snapshots: dict[str, Any] | None,
    rendered: str | None,
) -> tuple[list[Any] | None, str]:
    """Return the view's children and its key; None children when the key is unchanged (the
    page already shows it: a poll then costs a few file-name lookups, not a re-render)."""
    now = clock.now()
    if view == "performance":
        key = json.dumps(["performance", str(params.run_dir), _run_stamp(params)])
        return (None if key == rendered else performance.render(params.run_dir, now)), key
    entries = (snapshots or {}).get("entries", [])
    if not entries:
        text = (snapshots or {}).get("message", "waiting for the first poll of the store…")
        key = json.dumps(["empty", text])
        return (None if key == rendered else [message(text, "warning")]), key
    index = min(max(int(index or 0), 0), len(entries) - 1)
    snapshot_id, ts_text = entries[index]
    pct = float(strike_pct) if strike_pct else None
    base_key = [view, snapshot_id, scope, pct, _run_stamp(params)]
    if rendered == json.dumps([*base_key, "ok"]):
        return None, rendered
    result = jobs.wait(snapshot_id, scope, GRACE_S)
    shown_at = dt.datetime.fromisoformat(ts_text).astimezone(ET)
    marker = html.Div(
        f"showing {snapshot_id.split('/')[0]} at {shown_at:%Y-%m-%d %H:%M:%S} ET · scope {scope}",
        id="view-snapshot",
        className="status",
        **{"data-snapshot": snapshot_id, "data-scope": scope},
    )
    if isinstance(result, Pending):
        return [marker, message(f"computing the analysis of {shown_at:%H:%M:%S} ET ({scope})…")], (
            json.dumps([*base_key, "pending"])
        )
    if isinstance(result, Failed):
        return [marker, message(f"cannot analyse this snapshot: {result.message}", "error")], (
            json.dumps([*base_key, "failed", "pending"])
        )
    zero_dte = _zero_dte(jobs, view, snapshot_id, scope, result)
    previous_ts = dt.datetime.fromisoformat(entries[index - 1][1]) if index > 0 else None
    analysis: Analysis = result
    view_ctx = ViewContext(
        analysis=analysis,
        zero_dte=zero_dte,
        strike_pct=pct,
        now=now,
        stale_after_s=params.stale_after_s,
        run_dir=params.run_dir,
        previous_ts=previous_ts,
        spot_path=data.spot_path(
            params.store, analysis.snapshot.underlying, analysis.session, analysis.as_of
        ),
    )
    renderer = _ANALYSIS_VIEWS.get(view, main.render)
    state = "pending" if view == "decay" and isinstance(zero_dte, Pending) else "ok"
    return [marker, *renderer(view_ctx)], json.dumps([*base_key, state])


def _zero_dte(
    jobs: AnalysisJobs, view: str, snapshot_id: str, scope: str, analysis: Analysis
) -> Analysis | Pending | Failed:
    if scope == "0dte":
        return analysis
    if view != "decay":
        return Pending(snapshot_id, "0dte")
    return jobs.wait(snapshot_id, "0dte", GRACE_S)


def _run_stamp(params: DashboardParams) -> float | None:
    if params.run_dir is None or not data.has_run(params.run_dir):
        return None
    return (params.run_dir / data.OUTCOMES_FILE).stat().st_mtime
