"""A trace served as an emulator: ``mis-wizard sandbox --replay TRACE``.

Each incoming request is matched to a recorded one by method, path, query and body, where a
``{removed}`` in the recording stands for any value (the secrets are gone, so whatever fresh key,
token or password the client sends is accepted) and headers are not compared. Of several
recordings that match, the first one not yet served is given (TASS encrypts its parameters into
the token, so its calls differ only in order); when all have been served the last is given again.
Dates and times may differ (a check asks for today's timetable). A JSON-RPC reply gets the id
the client sent. A request the trace does not hold gets a 404 naming it, and what the trace has
for that path. A request that got no answer when it was recorded is answered 504, saying so.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from collections.abc import Mapping
from typing import Any, cast

from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, json_response
from mis_wizard.wizard.trace.scrub import ORIGIN, REMOVED

_DATEISH = re.compile(r"^\d{4}-?\d{2}-?\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$|^\d{1,2}/\d{1,2}/\d{4}$")
_NO_MATCH = object()


def _wild(recorded: str, actual: str, loose: bool) -> bool:
    if recorded == actual:
        return True
    if REMOVED in recorded:
        pattern = ".*".join(re.escape(part) for part in recorded.split(REMOVED))
        return re.fullmatch(pattern, actual, re.DOTALL) is not None
    return loose and bool(_DATEISH.match(recorded)) and bool(_DATEISH.match(actual))


def _same(recorded: Any, actual: Any, loose: bool) -> bool:
    if isinstance(recorded, dict):
        return isinstance(actual, dict) and recorded.keys() == actual.keys() and all(
            _same(v, actual[k], loose) for k, v in recorded.items())
    if isinstance(recorded, list):
        return isinstance(actual, list) and len(recorded) == len(actual) and all(
            _same(a, b, loose) for a, b in zip(recorded, actual, strict=True))
    if isinstance(recorded, str):
        return recorded == REMOVED or (isinstance(actual, str) and _wild(recorded, actual, loose))
    return bool(recorded == actual)


def _pairs_same(recorded: list[list[str]], actual: list[tuple[str, str]], loose: bool) -> bool:
    if sorted(k for k, _ in recorded) != sorted(k for k, _ in actual):
        return False
    rest = list(actual)
    for name, value in recorded:
        hit = next((i for i, (k, v) in enumerate(rest) if k == name and _wild(value, v, loose)), None)
        if hit is None:
            return False
        rest.pop(hit)
    return True


def _jsonrpc(data: Any) -> bool:
    return isinstance(data, dict) and "method" in data and "id" in data


class ReplayEmulator(Emulator):
    """Serves one trace (see ``record``); its origin is put back wherever ``{origin}`` was recorded."""

    def __init__(self, trace: Mapping[str, Any]) -> None:
        self.trace = trace
        self.system = str(trace.get("system", "replay"))
        self.exchanges: list[dict[str, Any]] = list(trace.get("exchanges", []))
        self.served: list[int] = [0] * len(self.exchanges)
        self.unmatched: list[str] = []
        self.base_url = ""
        self._lock = threading.Lock()

    def credentials(self, base_url: str) -> dict[str, Any]:
        self.base_url = base_url
        credentials: dict[str, Any] = _with_origin(self.trace.get("credentials", {}), base_url)
        return credentials

    def handle(self, request: Request) -> Response:
        if not self.base_url and request.headers.get("host"):
            self.base_url = f"http://{request.headers['host']}"
        actual_query = [(k, v) for k, values in request.query.items() for v in values]
        body = self._body(request)
        with self._lock:
            for loose in (False, True):
                hits = [i for i, ex in enumerate(self.exchanges)
                        if self._matches(ex["request"], request.method, request.path, actual_query, body, loose)]
                if hits:
                    index = next((i for i in hits if not self.served[i]), hits[-1])
                    self.served[index] += 1
                    return self._answer(self.exchanges[index]["response"], body)
            self.unmatched.append(f"{request.method} {request.path}?" + "&".join(f"{k}={v}" for k, v in actual_query))
        return self._not_in_trace(request, actual_query)

    @staticmethod
    def _body(request: Request) -> Any:
        if not request.body:
            return None
        ctype = request.headers.get("content-type", "").lower()
        text = request.body.decode("utf-8", "replace")
        if "x-www-form-urlencoded" in ctype:
            return ("form", urllib.parse.parse_qsl(text, keep_blank_values=True))
        try:
            return ("json", json.loads(text))
        except ValueError:
            return ("text", text)

    @staticmethod
    def _matches(recorded: Mapping[str, Any], method: str, path: str, query: list[tuple[str, str]], body: Any,
                 loose: bool) -> bool:
        if recorded.get("method") != method or not _wild(recorded.get("path", ""), path, False):
            return False
        if not _pairs_same(recorded.get("query", []), query, loose):
            return False
        kind, data = body if body is not None else (None, None)
        data = cast(Any, data)
        if "json" in recorded:
            if kind != "json":
                return False
            want = recorded["json"]
            if _jsonrpc(want) and _jsonrpc(data):
                want, data = {**want, "id": None}, {**data, "id": None}
            return _same(want, data, loose)
        if "form" in recorded:
            return kind == "form" and _pairs_same(recorded["form"], data, loose)
        if "text" in recorded:
            return kind is not None and _wild(recorded["text"], data if kind == "text" else json.dumps(data), loose)
        return body is None or "base64" in recorded

    def _answer(self, recorded: Mapping[str, Any], body: Any) -> Response:
        if "failed" in recorded:  # the school's system gave no answer; a gateway says so
            return json_response({"error": "no_answer_in_trace", "message": "When the trace was recorded this "
                                  f"request got no answer: {recorded['failed']}"}, 504)
        headers = {k: self._origin(v) for k, v in recorded.get("headers", {}).items()}
        ctype = next((headers.pop(k) for k in list(headers) if k.lower() == "content-type"), "")
        if "json" in recorded:
            data = _with_origin(recorded["json"], self.base_url)
            if body is not None and body[0] == "json" and _jsonrpc(body[1]) and isinstance(data, dict) and "id" in data:
                data = {**data, "id": body[1]["id"]}
            payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        elif "text" in recorded:
            payload = self._origin(recorded["text"]).encode(recorded.get("charset", "utf-8"), "replace")
        elif "base64" in recorded:
            payload = base64.b64decode(recorded["base64"])
        else:
            payload = b""
        return Response(int(recorded.get("status", 200)), payload, ctype or "application/octet-stream", headers)

    def _origin(self, text: str) -> str:
        return text.replace(ORIGIN, self.base_url) if self.base_url else text

    def _not_in_trace(self, request: Request, query: list[tuple[str, str]]) -> Response:
        shown = "&".join(f"{k}={v}" for k, v in query)
        same_path = sorted({_describe(ex["request"]) for ex in self.exchanges
                            if _wild(ex["request"].get("path", ""), request.path, False)})
        message = (f"Not in the trace: {request.method} {request.path}{'?' + shown if shown else ''}"
                   + (" (with a body that differs from every recorded one)" if request.body else "")
                   + ". The trace holds " + ("these requests for that path: " + "; ".join(same_path[:10])
                                              if same_path else "no request for that path") + ".")
        return json_response({"error": "not_in_trace", "message": message}, 404)


def _describe(recorded: Mapping[str, Any]) -> str:
    query = "&".join(f"{k}={v}" for k, v in recorded.get("query", []))
    return f"{recorded.get('method')} {recorded.get('path')}{'?' + query if query else ''}"


def _with_origin(data: Any, base_url: str) -> Any:
    if isinstance(data, dict):
        return {k: _with_origin(v, base_url) for k, v in data.items()}
    if isinstance(data, list):
        return [_with_origin(v, base_url) for v in data]
    if isinstance(data, str) and base_url:
        return data.replace(ORIGIN, base_url)
    return data
