"""Fault injection for the live sources: retries, backoff, bad bodies, vendor errors, secrets.

Every fault is served by an ``httpx.MockTransport`` handler; ``sleep`` and the jitter draw are
injected, so the waits are asserted exactly and no test waits for real.
"""

from __future__ import annotations

import datetime as dt
import doctest
import json
import logging
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import eots.sources.cboe_live
import eots.sources.http
import eots.sources.recorded
from eots.core.clock import FixedClock
from eots.core.errors import ConfigError, PayloadError, SourceError, SourceUnavailable
from eots.sources.cboe_live import CboeLiveSource
from eots.sources.http import HttpClient, RetryPolicy
from eots.sources.recorded import RecordedTransport, RecordingTransport
from eots.sources.tradier import TradierSource, tradier_token

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
CLOCK = FixedClock(dt.datetime(2024, 3, 13, 18, 0, 5, tzinfo=dt.UTC))
TOKEN = "tok-S3CRET-9f8e7d"
URL = "https://api.example.test/v1/data"
Handler = Callable[[httpx.Request], httpx.Response]


class Sleeps(list[float]):
    """Records the waits asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _client(handler: Handler, sleeps: Sleeps, **policy: Any) -> HttpClient:
    return HttpClient(
        transport=httpx.MockTransport(handler),
        policy=RetryPolicy(**policy),
        sleep=sleeps,
        random=lambda: 0.5,
        clock=CLOCK,
    )


def _sequence(*answers: httpx.Response | Exception) -> Handler:
    """Answer the n-th request with ``answers[n]`` (the last one repeats)."""
    calls = iter(answers)
    last: list[httpx.Response | Exception] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(calls, None)
        if answer is None:
            answer = last[0]
        last[:] = [answer]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


def _all_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error)


# -- retries and backoff --------------------------------------------------------------------


def test_http_timeouts_then_success_retries_with_full_jitter_backoff() -> None:
    sleeps = Sleeps()
    handler = _sequence(
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.Response(200, json={"ok": 1}),
    )
    client = _client(handler, sleeps, base_delay_s=1.0)
    assert client.get_json(URL) == {"ok": 1}
    # random() = 0.5: 0.5 * min(30, 1 * 2**0), then 0.5 * min(30, 1 * 2**1)
    assert sleeps == [0.5, 1.0]


def test_http_connection_errors_forever_raise_source_unavailable_after_the_last_try() -> None:
    sleeps = Sleeps()
    client = _client(_sequence(httpx.ConnectError("connection refused")), sleeps, attempts=3)
    with pytest.raises(SourceUnavailable) as info:
        client.get_json(URL)
    text = str(info.value)
    assert text.startswith(f"GET {URL}: gave up after 3 tries")
    assert "ConnectError: connection refused" in text
    assert len(sleeps) == 2


def test_http_429_with_retry_after_seconds_sleeps_exactly_that_long() -> None:
    sleeps = Sleeps()
    handler = _sequence(
        httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"),
        httpx.Response(200, json=[1, 2]),
    )
    assert _client(handler, sleeps).get_json(URL) == [1, 2]
    assert sleeps == [7.0]


def test_http_429_with_retry_after_http_date_sleeps_until_that_date() -> None:
    sleeps = Sleeps()
    handler = _sequence(
        httpx.Response(429, headers={"Retry-After": "Wed, 13 Mar 2024 18:00:35 GMT"}),
        httpx.Response(200, json={}),
    )
    _client(handler, sleeps).get_json(URL)
    assert sleeps == [30.0]  # the clock reads 18:00:05


def test_http_429_retry_after_is_capped() -> None:
    sleeps = Sleeps()
    handler = _sequence(
        httpx.Response(429, headers={"Retry-After": "86400"}), httpx.Response(200, json={})
    )
    _client(handler, sleeps, max_retry_after_s=60.0).get_json(URL)
    assert sleeps == [60.0]


def test_http_5xx_then_success_is_retried() -> None:
    sleeps = Sleeps()
    handler = _sequence(
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.Response(503),
        httpx.Response(200, json={"ok": True}),
    )
    assert _client(handler, sleeps).get_json(URL) == {"ok": True}
    assert len(sleeps) == 2


def test_http_503_with_retry_after_sleeps_that_long() -> None:
    sleeps = Sleeps()
    handler = _sequence(
        httpx.Response(503, headers={"Retry-After": "12"}), httpx.Response(200, json={})
    )
    _client(handler, sleeps).get_json(URL)
    assert sleeps == [12.0]


def test_http_5xx_forever_raises_source_unavailable_after_n_tries() -> None:
    sleeps = Sleeps()
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(500, text="internal error")

    client = _client(handler, sleeps, attempts=5, base_delay_s=1.0, max_delay_s=4.0)
    with pytest.raises(SourceUnavailable, match="gave up after 5 tries") as info:
        client.get_json(URL)
    assert "HTTP 500 Internal Server Error: internal error" in str(info.value)
    assert len(requests) == 5
    assert sleeps == [0.5, 1.0, 2.0, 2.0]  # 0.5 * min(4, 2**(n-1)): capped at max_delay_s


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_http_4xx_is_not_retried(status: int) -> None:
    sleeps = Sleeps()
    client = _client(_sequence(httpx.Response(status, text="nope")), sleeps)
    with pytest.raises(SourceError, match=f"HTTP {status}") as info:
        client.get_json(URL)
    assert not isinstance(info.value, SourceUnavailable)
    assert sleeps == []


# -- bodies that are not good JSON ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"data": {"options": [{"option": "SPY2403', "invalid JSON"),
        (b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>", "<!DOCTYPE html>"),
        (b"", "empty body"),
        (b"\xff\xfe\x00garbage", "expected UTF-8 JSON"),
    ],
    ids=["truncated", "html-error-page", "empty", "binary-garbage"],
)
def test_http_bad_bodies_raise_payload_error(body: bytes, expected: str) -> None:
    sleeps = Sleeps()
    client = _client(_sequence(httpx.Response(200, content=body)), sleeps)
    with pytest.raises(PayloadError, match="expected") as info:
        client.get_json(URL)
    assert expected in str(info.value)


def _cboe_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((RECORDED / "cboe" / "SPY.json").read_text())
    return doc


def _cboe_serving(body: bytes | str) -> CboeLiveSource:
    content = body.encode() if isinstance(body, str) else body
    return CboeLiveSource(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=content)),
        sleep=Sleeps(),
    )


def test_cboe_truncated_payload_raises_payload_error_and_nothing_is_returned() -> None:
    body = (RECORDED / "cboe" / "SPY.json").read_bytes()
    with pytest.raises(PayloadError, match="invalid or truncated JSON"):
        _cboe_serving(body[: len(body) // 2]).fetch_chain("SPY", clock=CLOCK)


def test_cboe_html_error_page_raises_payload_error() -> None:
    with pytest.raises(PayloadError, match=r"SPY\.json"):
        _cboe_serving("<html><h1>Access Denied</h1></html>").fetch_chain("SPY", clock=CLOCK)


def _without_options(doc: dict[str, Any]) -> None:
    del doc["data"]["options"]


def _bid_as_text(doc: dict[str, Any]) -> None:
    doc["data"]["options"][3]["bid"] = "1.25"


def _options_as_object(doc: dict[str, Any]) -> None:
    doc["data"]["options"] = {"SPY": []}


def _renamed_symbol_key(doc: dict[str, Any]) -> None:
    doc["data"]["options"][0]["contract"] = doc["data"]["options"][0].pop("option")


def _spot_missing(doc: dict[str, Any]) -> None:
    del doc["data"]["current_price"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (_without_options, "data.options"),
        (_bid_as_text, "data.options[3].bid"),
        (_options_as_object, "data.options"),
        (_renamed_symbol_key, "data.options[0].option"),
        (_spot_missing, "data.current_price"),
    ],
    ids=["no-options", "bid-as-text", "options-object", "renamed-key", "no-spot"],
)
def test_cboe_chain_that_changed_shape_raises_payload_error_with_the_json_path(
    change: Callable[[dict[str, Any]], None], path: str
) -> None:
    doc = _cboe_doc()
    change(doc)
    with pytest.raises(PayloadError) as info:
        _cboe_serving(json.dumps(doc)).fetch_chain("SPY", clock=CLOCK)
    assert f"'{path}'" in str(info.value)
    assert str(info.value).startswith("GET https://cdn.cboe.com/")


def test_cboe_payload_about_another_underlying_is_refused() -> None:
    with pytest.raises(PayloadError, match="SPX"):
        _cboe_serving(json.dumps(_cboe_doc())).fetch_chain("SPX", clock=CLOCK)


def test_cboe_429_then_success_honours_retry_after() -> None:
    body = (RECORDED / "cboe" / "SPY.json").read_bytes()
    sleeps = Sleeps()
    handler = _sequence(
        httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, content=body)
    )
    source = CboeLiveSource(transport=httpx.MockTransport(handler), sleep=sleeps)
    assert source.fetch_chain("SPY", clock=CLOCK).n_contracts == 66
    assert sleeps == [3.0]


# -- Tradier: errors with HTTP 200, nulls, lone objects, and the token ------------------------


def _tradier(routes: dict[str, object], sleeps: Sleeps | None = None) -> TradierSource:
    """A Tradier source answering each path (after /v1/) with a JSON document or a Response."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = routes[request.url.path.removeprefix("/v1/")]
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    return TradierSource(
        TOKEN,
        transport=httpx.MockTransport(handler),
        sleep=sleeps or Sleeps(),
        policy=RetryPolicy(attempts=3),
    )


OPTION = {
    "symbol": "SPY240315C00500000",
    "root_symbol": "SPY",
    "option_type": "call",
    "expiration_date": "2024-03-15",
    "strike": 500,
    "bid": 2.1,
    "ask": None,
    "last": None,
    "volume": None,
    "open_interest": 1200,
    "contract_size": 100,
    "greeks": {"delta": 0.5, "gamma": None, "theta": None, "vega": None, "mid_iv": 0.13},
}
QUOTE = {"quotes": {"quote": {"symbol": "SPY", "last": 500.0}}}


def _routes(**overrides: object) -> dict[str, object]:
    routes: dict[str, object] = {
        "markets/options/expirations": {"expirations": {"date": "2024-03-15"}},
        "markets/quotes": QUOTE,
        "markets/options/chains": {"options": {"option": OPTION}},
    }
    routes.update({k.replace("_", "/"): v for k, v in overrides.items()})
    return routes


def test_tradier_lone_objects_and_null_numbers_are_read() -> None:
    snap = _tradier(_routes()).fetch_chain("SPY", clock=CLOCK)
    row = snap.frame.row(0, named=True)
    assert snap.n_contracts == 1
    assert (row["bid"], row["ask"], row["volume"], row["gamma_src"]) == (2.1, None, None, None)
    assert (row["delta_src"], row["iv_src"], row["open_interest"]) == (0.5, 0.13, 1200)


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "markets/quotes",
            {"fault": {"faultstring": "Invalid Access Token", "detail": {"errorcode": "x"}}},
            "Tradier fault: Invalid Access Token",
        ),
        (
            "markets/options/expirations",
            {"errors": {"error": "Invalid Parameter: symbol"}},
            "Tradier error: Invalid Parameter: symbol",
        ),
        (
            "markets/options/chains",
            {"errors": {"error": ["Bad expiration", "Bad symbol"]}},
            "Tradier error: Bad expiration; Bad symbol",
        ),
        (
            "markets/quotes",
            {"quotes": {"unmatched_symbols": {"symbol": "SPY"}}},
            "does not know the symbol",
        ),
        ("markets/options/expirations", {"expirations": None}, "no expirations"),
    ],
    ids=["fault", "errors", "error-list", "unmatched", "no-expirations"],
)
def test_tradier_errors_with_http_200_raise_source_error(
    path: str, body: object, message: str
) -> None:
    routes = _routes()
    routes[path] = body
    with pytest.raises(SourceError, match=message) as info:
        _tradier(routes).fetch_chain("SPY", clock=CLOCK)
    assert type(info.value) is SourceError


def test_tradier_options_null_for_every_expiry_raises_payload_error() -> None:
    routes = _routes()
    routes["markets/options/chains"] = {"options": None}
    with pytest.raises(PayloadError, match="no options listed"):
        _tradier(routes).fetch_chain("SPY", clock=CLOCK)


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("option_type", "straddle", "options.option[0].option_type"),
        ("strike", "500", "options.option[0].strike"),
        ("greeks", [1, 2], "options.option[0].greeks"),
        ("expiration_date", "03/15/2024", "options.option[0].expiration_date"),
    ],
)
def test_tradier_option_of_the_wrong_shape_raises_payload_error_with_the_path(
    field: str, value: object, path: str
) -> None:
    routes = _routes()
    routes["markets/options/chains"] = {"options": {"option": [{**OPTION, field: value}]}}
    with pytest.raises(PayloadError) as info:
        _tradier(routes).fetch_chain("SPY", clock=CLOCK)
    assert f"'{path}'" in str(info.value)


def _token_faults() -> Iterator[tuple[str, dict[str, object]]]:
    echo = f"Authorization: Bearer {TOKEN}"
    yield "fault", _routes(markets_quotes={"fault": {"faultstring": f"bad token {TOKEN}"}})
    yield "401", _routes(markets_quotes=httpx.Response(401, text=f"Invalid token {TOKEN}"))
    yield "5xx-echo", _routes(markets_quotes=httpx.Response(503, text=echo))
    yield "errors", _routes(markets_quotes={"errors": {"error": echo}})
    yield "garbage", _routes(markets_quotes=httpx.Response(200, text=f"<html>{echo}"))


@pytest.mark.parametrize(("name", "routes"), list(_token_faults()), ids=lambda x: str(x)[:8])
def test_tradier_token_never_appears_in_errors_or_logs(
    name: str, routes: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = _tradier(routes)
    with pytest.raises(SourceError) as info:
        source.fetch_chain("SPY", clock=CLOCK)
    assert "***" in str(info.value), name
    assert TOKEN not in _all_text(info.value)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert TOKEN not in repr(source)


def test_tradier_transport_error_mentioning_the_token_is_scrubbed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused (header {request.headers['authorization']})")

    source = TradierSource(
        TOKEN, transport=httpx.MockTransport(handler), sleep=Sleeps(), policy=RetryPolicy()
    )
    with pytest.raises(SourceUnavailable) as info:
        source.fetch_chain("SPY", clock=CLOCK)
    assert TOKEN not in _all_text(info.value)
    assert "Bearer ***" in str(info.value)


def test_tradier_sends_the_token_as_a_bearer_header() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        assert TOKEN not in str(request.url)
        return httpx.Response(200, json=QUOTE)

    TradierSource(TOKEN, transport=httpx.MockTransport(handler)).spot("SPY")
    assert seen == [f"Bearer {TOKEN}"]


def test_tradier_sandbox_option_changes_the_base_url() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(200, json=QUOTE)

    TradierSource(TOKEN, transport=httpx.MockTransport(handler), sandbox=True).spot("SPY")
    assert hosts == ["sandbox.tradier.com"]


def test_tradier_token_comes_from_the_environment() -> None:
    assert tradier_token({"TRADIER_TOKEN": f" {TOKEN}\n"}) == TOKEN
    with pytest.raises(ConfigError, match="TRADIER_TOKEN"):
        tradier_token({})


def test_tradier_max_expiries_limits_the_chain_requests() -> None:
    transport = RecordedTransport(RECORDED / "tradier")
    source = TradierSource(TOKEN, transport=transport, max_expiries=1)
    snap = source.fetch_chain("SPX", clock=CLOCK)
    assert snap.expiries == (dt.date(2024, 3, 13),)
    assert sum("/chains?" in k for k in transport.requests) == 1


def test_http_secret_query_parameters_are_masked_in_messages() -> None:
    client = _client(_sequence(httpx.Response(404)), Sleeps())
    with pytest.raises(SourceError) as info:
        client.get_json(URL, params={"apiKey": TOKEN, "symbol": "SPY"})
    assert TOKEN not in str(info.value)
    assert "apiKey=%2A%2A%2A" in str(info.value) or "apiKey=***" in str(info.value)


# -- the recording transport, and the doctests -----------------------------------------------


def test_recording_transport_writes_a_folder_that_replays(tmp_path: Path) -> None:
    def live(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"echo": request.url.params["q"]})

    recorder = RecordingTransport(httpx.MockTransport(live), tmp_path)
    with HttpClient("https://x.test", transport=recorder) as client:
        assert client.get_json("/a", {"q": "1", "token": TOKEN}) == {"echo": "1"}
    assert TOKEN not in "".join(p.read_text() for p in tmp_path.iterdir())
    with HttpClient("https://other.test", transport=RecordedTransport(tmp_path)) as client:
        assert client.get_json("/a", {"q": "1"}) == {"echo": "1"}


@pytest.mark.parametrize(
    "module", [eots.sources.http, eots.sources.cboe_live, eots.sources.recorded]
)
def test_module_doctests_pass(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0
