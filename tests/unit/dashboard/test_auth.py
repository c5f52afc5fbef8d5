"""Loopback by default; a token on any other bind; the token never printed or logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from eots.core.errors import ConfigError, EotsError
from eots.dashboard import DashboardParams, create_app, startup_message, token_required
from eots.dashboard.auth import COOKIE, HEADER, TOKEN_ENV, is_loopback

TOKEN = "s3cret-token-value"


def test_is_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("127.8.0.1")
    assert is_loopback("[::1]")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("10.0.0.2")
    assert not is_loopback("host")


def test_token_required_non_loopback_without_token_raises_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=f"'0.0.0.0'.*{TOKEN_ENV}"):
        token_required("0.0.0.0", None)
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        token_required("127.0.0.1", "", force=True)


def test_token_required_only_off_loopback_or_forced() -> None:
    assert token_required("0.0.0.0", TOKEN) is True
    assert token_required("127.0.0.1", None) is False
    assert token_required("127.0.0.1", TOKEN) is False
    assert token_required("127.0.0.1", TOKEN, force=True) is True


def test_startup_message_says_token_required_without_showing_it() -> None:
    text = startup_message("0.0.0.0", 8050, token_needed=True)
    assert "token required" in text
    assert TOKEN_ENV in text
    assert TOKEN not in text
    assert "no token needed" in startup_message("127.0.0.1", 8050, token_needed=False)


def test_require_token_without_token_refuses_to_build(tmp_path: Path) -> None:
    with pytest.raises(EotsError, match="no token"):
        create_app(DashboardParams(store=tmp_path, require_token=True))


def test_guard_refuses_requests_without_the_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(DashboardParams(store=tmp_path, require_token=True), token=TOKEN)
    client = app.server.test_client()
    with caplog.at_level(logging.DEBUG):
        assert client.get("/").status_code == 401
        assert client.get("/_dash-layout").status_code == 401
        assert client.get("/", headers={HEADER: "wrong"}).status_code == 401
        assert client.get("/?token=wrong").status_code == 401
        assert client.get("/", headers={HEADER: TOKEN}).status_code == 200
        assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        first = client.get(f"/?token={TOKEN}")
        assert first.status_code == 303
        assert first.headers["Location"] == "/"
        assert COOKIE in first.headers["Set-Cookie"]
        assert "HttpOnly" in first.headers["Set-Cookie"]
        assert client.get("/_dash-layout").status_code == 200  # the cookie now carries it
    assert TOKEN not in caplog.text


def test_no_guard_on_loopback_default(tmp_path: Path) -> None:
    app = create_app(DashboardParams(store=tmp_path))
    assert app.server.test_client().get("/_dash-layout").status_code == 200


def test_source_tokens_never_reach_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADIER_TOKEN", "tradier-secret-123")
    app = create_app(DashboardParams(store=tmp_path))
    client = app.server.test_client()
    pages = [client.get(p).get_data(as_text=True) for p in ("/", "/_dash-layout")]
    assert all("tradier-secret-123" not in p for p in pages)
