"""A real fault server on 127.0.0.1: every transport or decoding fault is a source fault.

The server runs inside the test (a thread); each route misbehaves in one way:

* ``/loop/...``: a redirect to itself (``TooManyRedirects``);
* ``/badgzip/...``: ``Content-Encoding: gzip`` over bytes that are not gzip (``DecodingError``);
* ``/trickle/...``: a 200 whose body comes one byte every 0.1 s, each byte well inside the read
  timeout (only the per-try deadline can end it);
* ``/slowhead/...``: the status line and headers trickled the same way;
* ``/ok/<file>``: the recorded CBOE payloads.

Loops are bounded (``max_polls``, few attempts, sub-second deadlines), so the whole module runs
in seconds; the server counts requests so the tests assert how many tries were made.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eots.cli.main import app
from eots.collect import collect
from eots.core.clock import FixedClock
from eots.core.errors import SourceError, SourceUnavailable
from eots.sources.cboe_live import CboeLiveSource
from eots.sources.http import HttpClient, RetryPolicy
from eots.sources.recorded import RecordedTransport
from eots.sources.tradier import TradierSource
from eots.storage import SnapshotStore

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
CLOCK = FixedClock(dt.datetime(2024, 3, 13, 18, 0, 5, tzinfo=dt.UTC))
DRIP_S = 0.1
DEADLINE_S = 0.6
runner = CliRunner()


class StepClock:
    """A clock that only moves when the loop sleeps (so waits cost no real time)."""

    def __init__(self) -> None:
        self.instant = dt.datetime(2024, 3, 13, 18, 0, 5, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.instant

    def sleep(self, seconds: float) -> None:
        self.instant += dt.timedelta(seconds=seconds)


class _Handler(http.server.BaseHTTPRequestHandler):
    counts: Counter[str]
    stop: threading.Event

    def log_message(self, format: str, *args: object) -> None:
        del format, args

    def do_GET(self) -> None:
        mode = self.path.strip("/").split("/", 1)[0]
        self.counts[mode] += 1
        # The client cutting us off (deadline) is expected.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            getattr(self, f"_{mode}", self._missing)()

    def _missing(self) -> None:
        self.send_error(404)

    def _loop(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _badgzip(self) -> None:
        body = b"this is not gzip at all"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, data: bytes) -> None:
        for i in range(len(data)):
            if self.stop.is_set():
                return
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            time.sleep(DRIP_S)

    def _trickle(self) -> None:
        body = b'{"padding": "' + b"x" * 200 + b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        self._drip(body)

    def _slowhead(self) -> None:
        self._drip(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"y" * 100)

    def _ok(self) -> None:
        name = self.path.split("/")[-1].split("?")[0]
        path = RECORDED / "cboe" / name
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FaultServer:
    """The running server: ``url(mode)`` is a base URL, ``counts`` the requests per mode."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.stop = threading.Event()
        handler = type("H", (_Handler,), {"counts": self.counts, "stop": self.stop})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, mode: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/{mode}/"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    s = FaultServer()
    s.thread.start()
    try:
        yield s
    finally:
        s.stop.set()
        s.httpd.shutdown()
        s.httpd.server_close()


def _policy(attempts: int = 2) -> RetryPolicy:
    return RetryPolicy(
        attempts=attempts,
        base_delay_s=0.0,
        connect_timeout_s=2.0,
        read_timeout_s=2.0,  # each dripped byte arrives well inside this
        deadline_s=DEADLINE_S,
    )


def _client(server: FaultServer, mode: str, attempts: int = 2) -> HttpClient:
    return HttpClient(server.url(mode), policy=_policy(attempts), sleep=lambda s: None)


# -- the HTTP client ---------------------------------------------------------------------------


def test_redirect_loop_is_a_source_error_not_a_traceback(server: FaultServer) -> None:
    with _client(server, "loop") as c, pytest.raises(SourceError, match="redirect loop"):
        c.get_json("x.json")
    assert 1 < server.counts["loop"] <= 21  # httpx's 20 redirects, one try: not retried


def test_bad_content_encoding_is_retried_then_source_unavailable(server: FaultServer) -> None:
    with (
        _client(server, "badgzip", attempts=3) as c,
        pytest.raises(SourceUnavailable, match=r"3 tries.*DecodingError"),
    ):
        c.get_json("x.json")
    assert server.counts["badgzip"] == 3


@pytest.mark.parametrize("mode", ["trickle", "slowhead"])
def test_trickling_server_is_cut_off_at_the_deadline_of_each_try(
    server: FaultServer, mode: str
) -> None:
    t0 = time.monotonic()
    with (
        _client(server, mode, attempts=2) as c,
        pytest.raises(SourceUnavailable, match=rf"deadline of {DEADLINE_S:g} s passed"),
    ):
        c.get_json("x.json")
    elapsed = time.monotonic() - t0
    # Untouched, the drip would hold each try for >= 20 s; two tries end near 2 x the deadline.
    assert elapsed < 2 * DEADLINE_S + 1.5, elapsed
    assert elapsed >= 2 * DEADLINE_S * 0.9
    assert server.counts[mode] == 2


def test_deadline_does_not_cut_a_prompt_answer(server: FaultServer) -> None:
    with _client(server, "ok") as c:
        doc = c.get_json("SPY.json")
    assert isinstance(doc, dict)
    assert "data" in doc


# -- both sources, through the collect loop ------------------------------------------------------

FAULTS = ["loop", "badgzip", "trickle"]


def _source(kind: str, base_url: str) -> CboeLiveSource | TradierSource:
    if kind == "cboe":
        return CboeLiveSource(base_url=base_url, policy=_policy(), sleep=lambda s: None)
    return TradierSource("tok", base_url=base_url, policy=_policy(), sleep=lambda s: None)


@pytest.mark.parametrize("kind", ["cboe", "tradier"])
@pytest.mark.parametrize("mode", FAULTS)
def test_collect_survives_every_fault_for_both_sources(
    server: FaultServer, tmp_path: Path, kind: str, mode: str
) -> None:
    source = _source(kind, server.url(mode))
    clock = StepClock()
    summary = collect(
        source,
        SnapshotStore(tmp_path),
        ["SPX"],
        every=dt.timedelta(seconds=1),
        clock=clock,
        sleep=clock.sleep,
        calendar_aware=False,
        max_polls=2,
    )
    assert summary.polls == 2
    assert summary.failures == 2
    assert summary.saved == 0
    assert summary.all_failed
    assert summary.last_error is not None
    expected = {"loop": "redirect loop", "badgzip": "DecodingError", "trickle": "deadline"}[mode]
    assert expected in summary.last_error


def test_collect_after_the_fault_clears_saves(server: FaultServer, tmp_path: Path) -> None:
    summary = collect(
        _source("cboe", server.url("ok")),
        SnapshotStore(tmp_path),
        ["SPX", "SPY"],
        every=dt.timedelta(seconds=1),
        clock=CLOCK,
        sleep=lambda s: None,  # one round: no wait
        calendar_aware=False,
        max_polls=1,
    )
    assert (summary.saved, summary.failures, summary.all_failed) == (2, 0, False)


# -- the CLI: sources from the config, exit codes, recordings -------------------------------------


def _config(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "eots.json"
    source = {
        "base_url": base_url,
        "attempts": 2,
        "timeout_s": 2.0,
        "deadline_s": DEADLINE_S,
        "base_delay_s": 0.0,
    }
    path.write_text(json.dumps({"sources": {"cboe": source}, "collect": {"every_s": 1}}))
    return path


@pytest.mark.parametrize("mode", FAULTS)
def test_cli_collect_every_fetch_failed_exits_1_without_a_traceback(
    server: FaultServer, tmp_path: Path, mode: str
) -> None:
    args = ["collect", "SPX", "--always", "--max-polls", "1", "--store", str(tmp_path / "s")]
    result = runner.invoke(app, [*args, "--config", str(_config(tmp_path, server.url(mode)))])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "0 saved, 0 unchanged, 1 failed" in result.stdout
    assert "every fetch failed" in result.stderr
    assert "Traceback" not in result.output
    assert server.counts[mode] >= 1  # the config's base URL was used, not the real CBOE


def test_cli_collect_record_then_replay(server: FaultServer, tmp_path: Path) -> None:
    recording = tmp_path / "rec"
    config = _config(tmp_path, server.url("ok"))
    first = runner.invoke(
        app,
        [
            *("collect", "SPY", "--always", "--max-polls", "1", "--store", str(tmp_path / "a")),
            *("--config", str(config), "--record", str(recording)),
        ],
    )
    assert first.exit_code == 0, first.output
    assert "1 saved" in first.stdout
    manifest = json.loads((recording / "index.json").read_text())
    assert list(manifest) == ["GET /ok/SPY.json"]
    assert RecordedTransport(recording).entries  # a valid recording
    server.stop.set()
    server.httpd.shutdown()  # the replay must not need the server
    second = runner.invoke(
        app,
        [
            *("collect", "SPY", "--max-polls", "1", "--store", str(tmp_path / "b")),
            *("--config", str(config), "--recorded", str(recording)),
        ],
    )
    assert second.exit_code == 0, second.output
    assert "1 saved" in second.stdout
    a = SnapshotStore(tmp_path / "a").list("SPY")
    b = SnapshotStore(tmp_path / "b").list("SPY")
    assert [r.content_hash for r in a] == [r.content_hash for r in b]


def test_recorded_body_removed_after_opening_is_a_retried_read_error(tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "index.json").write_text('{"GET /x.json": {"file": "x.json"}}')
    (folder / "x.json").write_text("{}")
    transport = RecordedTransport(folder)
    (folder / "x.json").unlink()
    with (
        HttpClient("https://any.test", transport=transport, policy=_policy(2)) as c,
        pytest.raises(SourceUnavailable, match=r"2 tries.*ReadError: recorded body x.json"),
    ):
        c.get_json("/x.json")
