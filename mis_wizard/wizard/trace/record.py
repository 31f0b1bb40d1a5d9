"""Recording a check (and a small preview) against a school's system, as one readable trace file.

The recorder sits on the one HTTP client (``build_client(recorder=…)``), so every vendor is
recorded the same way. Exchanges are kept in memory only; ``build_trace`` turns them into the
file's contents through ``scrub`` (secrets removed, personal values faked) and nothing raw is
ever written.

The file is pretty JSON::

    {"format": "mis-wizard-trace/1", "system": "tass", "recorded": "...", "notice": "...",
     "credentials": {... the shape, secrets replaced by stand-ins ...},
     "results": [{"key", "check", "status", "code"}...], "preview": {"students": {"records": 5}},
     "exchanges": [{"request": {"method", "path", "query": [[name, value]...], "headers", "json"|"form"|"text"},
                    "response": {"status", "headers", "json"|"text"|"base64", "charset"}}...]}
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mis_wizard import __version__
from mis_wizard.vendors.base import CheckResult, Context, FieldKind, VendorSpec
from mis_wizard.vendors.errors import VendorError, classify_exception
from mis_wizard.wizard import atomic
from mis_wizard.wizard.trace import scrub

FORMAT = "mis-wizard-trace/1"
NOTICE = ("Recorded by the MIS Onboarding Wizard for the integrator's support. Every key, password and token was "
          "removed ({removed}); every person's name, birth date, e-mail, phone, address and id was replaced by a "
          "made-up value of the same shape. Read it before sending it.")


@dataclass
class Exchange:
    method: str
    url: httpx.URL
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes
    failure: str = ""
    """When no answer came: what happened, in plain words (status is 0)."""


class Recorder:
    """Given every exchange by the HTTP client; keeps them in memory for ``build_trace``."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def __call__(self, request: httpx.Request, response: httpx.Response) -> None:
        try:
            body = request.content
        except httpx.RequestNotRead:
            body = b""
        try:
            content = response.content
        except httpx.ResponseNotRead:
            content = b""
        self.exchanges.append(Exchange(request.method, request.url, list(request.headers.items()), body,
                                       response.status_code, list(response.headers.items()), content))

    def failed(self, request: httpx.Request, exc: BaseException) -> None:
        try:
            body = request.content
        except httpx.RequestNotRead:
            body = b""
        self.exchanges.append(Exchange(request.method, request.url, list(request.headers.items()), body, 0, [],
                                       b"", f"{classify_exception(exc).message} ({type(exc).__name__})"))


def _charset(headers: Mapping[str, str]) -> str:
    ctype = headers.get("content-type", "")
    for part in ctype.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"').lower()
    return "utf-8"


def _decoded(body: bytes, headers: Mapping[str, str]) -> tuple[str | None, str]:
    """The body as text, so it can be scrubbed: by its declared charset, a UTF-16 byte order mark, or, for
    anything that says or looks like text, Latin-1 (which reads any bytes back as they were). Only what
    is neither (an image, a PDF) stays bytes."""
    charset = _charset(headers)
    try:
        return body.decode(charset), charset
    except (LookupError, UnicodeDecodeError):
        pass
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return body.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    ctype = headers.get("content-type", "").lower()
    textual = any(word in ctype for word in ("json", "xml", "text", "html", "form"))
    if textual or body.lstrip()[:1] in (b"<", b"{", b"["):
        return body.decode("latin-1"), "latin-1"
    return None, charset


def _is_xml(text: str, headers: Mapping[str, str]) -> bool:
    return "xml" in headers.get("content-type", "").lower() or text.lstrip("\ufeff \r\n\t").startswith("<")


class _Body:
    """One body through the scrubber: parsed once, learned from, then scrubbed."""

    def __init__(self, body: bytes, headers: Mapping[str, str], scrubber: scrub.Scrubber) -> None:
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.raw = body
        self.text, self.charset = _decoded(body, self.headers)
        self.kind = "empty" if not body else "base64" if self.text is None else "text"
        self.data: Any = None
        if self.text is not None and body:
            ctype = self.headers.get("content-type", "").lower()
            stripped = self.text.strip()
            if "x-www-form-urlencoded" in ctype:
                self.kind = "form"
                self.data = scrubber.learn_pairs(urllib.parse.parse_qsl(self.text, keep_blank_values=True))
            elif stripped[:1] in "{[" or "json" in ctype:
                try:
                    parsed = json.loads(stripped)
                except ValueError:
                    pass
                else:
                    self.kind = "json"
                    self.data = scrubber.learn_json(parsed)
            if self.kind == "text":
                if _is_xml(self.text, self.headers):
                    self.kind = "xml"
                    self.text = scrubber.learn_xml(self.text)

    def out(self, scrubber: scrub.Scrubber) -> dict[str, Any]:
        if self.kind == "empty":
            return {}
        if self.kind == "json":
            return {"json": scrubber.scrub_json(self.data)}
        if self.kind == "form":
            return {"form": [[k, scrubber.scrub_text(v)] for k, v in self.data]}
        if self.kind == "base64":
            return {"base64": base64.b64encode(self.raw).decode("ascii"), "note": "binary: not read for personal "
                    "values; check it before sending"}
        assert self.text is not None
        text = scrubber.scrub_xml(self.text) if self.kind == "xml" else scrubber.scrub_text(self.text)
        extra = {} if self.charset == "utf-8" else {"charset": self.charset}
        return {"text": text, **extra}


def _headers(pairs: list[tuple[str, str]], scrubber: scrub.Scrubber) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        low = name.lower()
        if low in scrub._DROP_HEADERS:
            continue
        if low == "authorization" or scrub._SECRET_HEADER.search(low) and not low.endswith("-authenticate"):
            scrubber.add_secret(value, scrub.LEARNED)
            out[name] = scrub.REMOVED
        else:
            out[name] = value
    return out


def build_trace(spec: VendorSpec, credentials: Mapping[str, Any], requirements: Mapping[str, Any],
                exchanges: list[Exchange], results: list[CheckResult] = (),  # type: ignore[assignment]
                preview: Mapping[str, Any] | None = None, salt: bytes | None = None) -> dict[str, Any]:
    """The file's contents: nothing in it is a secret or a real person's value. ``salt`` (random unless
    given, as tests do to be repeatable) is what the fakes are derived from; it is not kept."""
    scrubber = scrub.Scrubber(spec, dict(credentials), requirements, salt)
    staged = []
    for ex in exchanges:  # first every secret and personal value is learned, field by field
        req_headers = _headers(ex.request_headers, scrubber)
        resp_headers = _headers(ex.response_headers, scrubber)
        query = scrubber.learn_pairs(urllib.parse.parse_qsl(ex.url.query.decode("ascii", "replace"),
                                                            keep_blank_values=True))
        request = _Body(ex.request_body, dict(ex.request_headers), scrubber)
        response = _Body(ex.response_body, dict(ex.response_headers), scrubber)
        staged.append((ex, req_headers, resp_headers, query, request, response))
    out = []
    for ex, req_headers, resp_headers, query, request, response in staged:  # then replaced everywhere
        out.append({
            "request": {"method": ex.method, "path": scrubber.scrub_text(urllib.parse.unquote(ex.url.path)),
                        "query": [[k, scrubber.scrub_text(v)] for k, v in query],
                        "headers": {k: scrubber.scrub_text(v) for k, v in req_headers.items()},
                        **request.out(scrubber)},
            "response": {"failed": scrubber.scrub_text(ex.failure)} if ex.failure else {
                "status": ex.status, "headers": {k: scrubber.scrub_text(v) for k, v in resp_headers.items()},
                **response.out(scrubber)},
        })
    return {
        "format": FORMAT, "system": spec.id, "app_version": __version__,
        "recorded": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "notice": NOTICE,
        "credentials": _credential_shape(spec, credentials, requirements, scrubber),
        "results": [{"key": r.key, "check": scrubber.scrub_text(r.check), "status": r.status.value, "code": r.code}
                    for r in results],
        "preview": dict(preview or {}),
        "exchanges": out,
    }


def _credential_shape(spec: VendorSpec, credentials: Mapping[str, Any], requirements: Mapping[str, Any],
                      scrubber: scrub.Scrubber) -> dict[str, Any]:
    """What was typed, as a replay needs it: addresses on ``{origin}``, secrets by shaped stand-ins."""
    out: dict[str, Any] = {}
    for key_set, f in spec.all_fields(requirements):
        holder = credentials.get(key_set) if key_set else credentials
        if not isinstance(holder, Mapping) or f.id not in holder:
            continue
        value = str(holder.get(f.id) or "")
        if f.secret:
            value = scrubber.fake_secret(value)
        elif f.kind is FieldKind.URL:
            value = scrubber.scrub_text(value)
        target = out.setdefault(key_set, {}) if key_set else out
        target[f.id] = value
    return out


async def capture(spec: VendorSpec, credentials: dict[str, Any], requirements: dict[str, Any], *,
                  preview: int = 0, allow_plain_http: bool = False, extra_ca: Path | None = None,
                  salt: bytes | None = None) -> tuple[dict[str, Any], list[CheckResult]]:
    """Run the check (and, with ``preview``, read up to that many records of every entity) with
    a recorder on the client; return the trace's contents and the check's results."""
    from mis_wizard.wizard import checks
    from mis_wizard.wizard.http import build_client
    from mis_wizard.wizard.mapping.preview import PreviewError, read

    recorder = Recorder()
    results: list[CheckResult] = []
    previews: dict[str, Any] = {}
    async with build_client(allow_plain_http=allow_plain_http, extra_ca=extra_ca, recorder=recorder) as http:
        ctx = Context(http=http)
        async for result in checks.run(spec, ctx, credentials, requirements):
            results.append(result)
        for entity in spec.entities if preview > 0 and spec.connector is not None else ():
            try:
                records, _ = await read(spec, ctx, credentials, requirements, entity.id, limit=preview)
            except (VendorError, PreviewError, httpx.HTTPError, KeyError) as exc:
                message = exc.message if isinstance(exc, VendorError) else classify_exception(exc).message
                previews[entity.id] = {"error": message}
            else:
                previews[entity.id] = {"records": len(records)}
    return build_trace(spec, credentials, requirements, recorder.exchanges, results, previews, salt), results


def write(trace: Mapping[str, Any], path: Path) -> None:
    atomic.write_bytes(path, (json.dumps(trace, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


class TraceError(ValueError):
    """A file that is not a trace this version can serve."""


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TraceError(f"cannot read the trace {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise TraceError(f"{path} is not a trace file (it is not valid JSON)") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("exchanges"), list):
        raise TraceError(f"{path} is not a trace recorded by `mis-wizard capture` ({FORMAT})")
    return data
