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

A recording is checked when it is opened: an ``index.json`` that is not JSON or not of this shape,
an entry whose file is missing, or one whose path leaves the folder (``../x``, an absolute path,
a symbolic link pointing out) raises ``SchemaError`` naming the manifest and the entry. A body
that disappears later is answered as a read error (``httpx.ReadError``), which the HTTP client
treats like any network fault.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from eots.core.errors import SchemaError
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
    """Read a recording's ``index.json`` (an empty mapping when the folder has none).

    Raises
    ------
    SchemaError
        The manifest is not JSON, not an object of entries, or an entry is malformed (the
        message names the manifest and the entry's key).
    """
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise SchemaError(f"cannot read the recording's manifest: {e}", source=str(path)) from e
    except json.JSONDecodeError as e:
        raise SchemaError(f"not valid JSON: {e.msg}", source=str(path), line=e.lineno) from e
    if not isinstance(doc, dict):
        raise SchemaError(
            f"expected a JSON object of request keys, was {type(doc).__name__}", source=str(path)
        )
    return {str(k): _entry(k, v, path) for k, v in doc.items()}


def _entry(key: str, value: object, manifest: Path) -> RecordedResponse:
    if not isinstance(value, dict):
        raise SchemaError(
            f"expected an object with 'file', was {value!r}", source=str(manifest), field=key
        )
    unknown = set(value) - {"file", "status", "content_type"}
    file, status = value.get("file"), value.get("status", 200)
    content_type = value.get("content_type", "application/json")
    if (
        unknown
        or not isinstance(file, str)
        or not file
        or not isinstance(status, int)
        or isinstance(status, bool)
        or not 100 <= status <= 599
        or not isinstance(content_type, str)
    ):
        raise SchemaError(
            "expected {'file': <name>, 'status': <100-599>, 'content_type': <text>}, "
            f"was {value!r}",
            source=str(manifest),
            field=key,
        )
    return RecordedResponse(file=file, status=status, content_type=content_type)


def body_path(folder: Path, entry: RecordedResponse, *, key: str = "") -> Path:
    """Return the body file of ``entry``; ``SchemaError`` if it is missing or outside ``folder``."""
    manifest = str(folder / MANIFEST)
    root = folder.resolve()
    path = (folder / entry.file).resolve()
    if Path(entry.file).is_absolute() or not path.is_relative_to(root):
        raise SchemaError(
            f"file {entry.file!r} lies outside the recording folder {folder} (refused)",
            source=manifest,
            field=key or None,
        )
    if not path.is_file():
        raise SchemaError(f"file {entry.file!r} is missing", source=manifest, field=key or None)
    return path


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
        if not self.folder.is_dir():
            raise SchemaError("expected a recording folder (with index.json)", source=str(folder))
        if not (self.folder / MANIFEST).is_file():
            raise SchemaError(f"expected {MANIFEST} in the recording folder", source=str(folder))
        self.entries = load_manifest(self.folder)
        self.bodies = {k: body_path(self.folder, e, key=k) for k, e in self.entries.items()}
        self.requests: list[str] = []
        super().__init__(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        key = request_key(request)
        self.requests.append(key)
        entry = self.entries.get(key)
        if entry is None:
            return httpx.Response(404, json={"error": "not recorded", "key": key})
        try:
            body = self.bodies[key].read_bytes()
        except OSError as e:
            raise httpx.ReadError(
                f"recorded body {entry.file}: {e.strerror}", request=request
            ) from e
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
