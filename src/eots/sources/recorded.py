"""Recorded HTTP payloads: replay a folder of responses through ``httpx`` (tests, demos, offline).

A recording is a folder with an ``index.json`` manifest and one file per response body::

    {"GET /v1/markets/quotes?greeks=false&symbols=SPX": {"file": "quotes_SPX.json",
                                                         "status": 200,
                                                         "content_type": "application/json"}}

The key of a request (``request_key``) is its method, path and query parameters sorted by name,
without the host (so a sandbox and a production base URL replay the same files) and without
credential parameters (``eots.sources.http.SECRET_PARAMS``). ``RecordedTransport(folder)`` is an
``httpx.MockTransport`` that answers each request from the folder, and 404 with the key in the
body for a request that was not recorded. ``RecordingTransport`` wraps a real transport and writes
what it receives into such a folder (request headers, and so bearer tokens, are never written).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from eots.sources.http import SECRET_PARAMS

MANIFEST = "index.json"
_KEPT_HEADERS = frozenset({"content-type", "retry-after", "date"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedResponse:
    """One recorded answer: the body file (relative to the folder), status and content type."""

    file: str
    status: int = 200
    content_type: str = "application/json"


def request_key(request: httpx.Request) -> str:
    """Return the replay key of a request (module docstring).

    Examples
    --------
    >>> r = httpx.Request("GET", "https://x.test/v1/q?symbols=SPX&greeks=false&token=abc")
    >>> request_key(r)
    'GET /v1/q?greeks=false&symbols=SPX'
    """
    params = sorted(
        (k, v) for k, v in request.url.params.multi_items() if k.lower() not in SECRET_PARAMS
    )
    query = "&".join(f"{k}={v}" for k, v in params)
    return f"{request.method} {request.url.path}" + (f"?{query}" if query else "")


def load_manifest(folder: Path) -> dict[str, RecordedResponse]:
    """Read a recording's ``index.json`` (an empty mapping when the folder has none)."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a JSON object of request keys")
    return {str(k): RecordedResponse(**v) for k, v in doc.items()}


def save_manifest(folder: Path, entries: dict[str, RecordedResponse]) -> None:
    """Write a recording's ``index.json`` (keys sorted, one entry per line)."""
    doc = {
        k: {"file": e.file, "status": e.status, "content_type": e.content_type}
        for k, e in sorted(entries.items())
    }
    (folder / MANIFEST).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


class RecordedTransport(httpx.MockTransport):
    """An ``httpx`` transport that answers from a recording folder (module docstring).

    ``requests`` lists the keys asked for, in order, so tests can assert what a source fetched.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.entries = load_manifest(self.folder)
        self.requests: list[str] = []
        super().__init__(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        key = request_key(request)
        self.requests.append(key)
        entry = self.entries.get(key)
        if entry is None:
            return httpx.Response(404, json={"error": "not recorded", "key": key})
        body = (self.folder / entry.file).read_bytes()
        return httpx.Response(
            entry.status, content=body, headers={"content-type": entry.content_type}
        )


class RecordingTransport(httpx.BaseTransport):
    """Pass requests to ``inner`` and record every response body into ``folder``."""

    def __init__(self, inner: httpx.BaseTransport, folder: str | Path) -> None:
        self.inner = inner
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.entries = load_manifest(self.folder)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through ``inner`` and record the response."""
        response = self.inner.handle_request(request)
        body = response.read()
        key = request_key(request)
        name = _UNSAFE.sub("_", key.split(" ", 1)[1].strip("/")).strip("_")[:120] or "root"
        entry = RecordedResponse(
            file=f"{name}.body",
            status=response.status_code,
            content_type=response.headers.get("content-type", "application/octet-stream"),
        )
        (self.folder / entry.file).write_bytes(body)
        self.entries[key] = entry
        save_manifest(self.folder, self.entries)
        # The body is already decoded: pass on only headers that still describe it.
        kept = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
        return httpx.Response(response.status_code, headers=kept, content=body, request=request)

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()
