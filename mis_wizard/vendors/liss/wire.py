"""LISS on the wire: JSON-RPC (with or without ``"jsonrpc"``) and XML-RPC envelopes, errors, dates.

LISS servers and clients disagree on small things, so this module is lenient in what it
reads and plain in what it writes: the official examples omit ``"jsonrpc"`` while real
clients send ``"2.0"``; errors come back as a bare string, as ``{faultCode, faultString}``
or as a JSON-RPC 2.0 ``{code, message}``; dates are ``YYYYMMDDTHH:mm:ss`` but one-digit hours
and ISO dates occur. Edval web sends XML-RPC, so a server must read ``methodCall`` too.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import xmlrpc.client
from dataclasses import dataclass
from typing import Any

from defusedxml.xmlrpc import DefusedExpatParser

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
MAX_BODY = 64 * 1024 * 1024
"""A whole year of daily data for a large school is a few megabytes; more is not a LISS call."""

_LISS_DATE = re.compile(r"^(\d{4})-?(\d{1,2})-?(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_AU_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})")


class WireError(ValueError):
    """The bytes are not a LISS call or answer (HTML page, another API, garbled body)."""

    def __init__(self, reason: str, *, garbled: bool = False) -> None:
        super().__init__(reason)
        self.garbled = garbled
        """True when the body began as JSON but broke off: a damaged answer, not a wrong address."""


class Flavour(enum.StrEnum):
    JSON = "json"
    XML = "xml"


class ErrorStyle(enum.StrEnum):
    """How a server words ``error``: the spec's bare string, or Edval's ``{faultString}`` object."""

    STRING = "string"
    FAULT = "fault"


@dataclass(frozen=True)
class Call:
    """One decoded request: method name as sent (``liss.getRooms``), positional params, id."""

    method: str
    params: list[Any]
    id: Any = None
    flavour: Flavour = Flavour.JSON
    jsonrpc: str | None = None

    @property
    def name(self) -> str:
        """The method without its ``liss.`` prefix, which some clients leave off."""
        return self.method.removeprefix("liss.")


def parse_date(value: Any) -> dt.date | None:
    """A LISS date leniently: ``20201031T00:00:00``, ``20201031T0:00:00``, ``2020-10-31``, ``31/10/2020``.

    Returns None for anything else (the spec's own membership example carries junk dates).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, xmlrpc.client.DateTime):
        value = value.value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if m := _LISS_DATE.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _AU_DATE.match(text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


def format_date(day: dt.date) -> str:
    return f"{day:%Y%m%d}T00:00:00"


def request_body(method: str, params: list[Any], request_id: int, *, jsonrpc: bool = True) -> bytes:
    body: dict[str, Any] = {"jsonrpc": "2.0"} if jsonrpc else {}
    body.update(method=method, params=params, id=request_id)
    return json.dumps(body, separators=(",", ":")).encode()


def error_text(error: Any) -> str:
    """The human text of an ``error`` member in any of the shapes servers use."""
    if isinstance(error, dict):
        for key in ("faultString", "message", "error"):
            said = error.get(key)
            if isinstance(said, str) and said.strip():
                return said.strip()
        return json.dumps(error, sort_keys=True)
    return str(error).strip()


class LissFault(Exception):
    """The server answered with a LISS error; ``text`` is the server's own wording."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def decode_response(body: bytes) -> Any:
    """The ``result`` of a JSON answer; raises LissFault for an ``error``, WireError for non-LISS bodies."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        start = body.lstrip()[:15].lower()
        if start.startswith(b"{"):
            raise WireError("the answer arrived garbled", garbled=True) from exc
        kind = "a web page" if start.startswith((b"<!doctype", b"<html")) else "not JSON"
        raise WireError(f"the answer is {kind}") from exc
    if not isinstance(data, dict):
        raise WireError("the answer is JSON but not a LISS response object")
    if data.get("error") not in (None, ""):
        raise LissFault(error_text(data["error"]))
    if "result" not in data:
        raise WireError("the answer has neither result nor error")
    return data["result"]


def decode_call(body: bytes) -> Call:
    """A request as a server receives it, JSON-RPC or XML-RPC ``methodCall``."""
    if len(body) > MAX_BODY:
        raise WireError("the request is larger than any LISS call")
    if body.lstrip().startswith(b"<"):
        return _decode_xml_call(body)
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError("the request is not JSON or XML-RPC") from exc
    if not isinstance(data, dict) or not isinstance(data.get("method"), str):
        raise WireError("the request has no method")
    params = data.get("params", [])
    if isinstance(params, dict):
        params = [params]
    if not isinstance(params, list):
        raise WireError("params must be a list")
    jsonrpc = data.get("jsonrpc")
    return Call(data["method"], params, data.get("id"), Flavour.JSON, jsonrpc if isinstance(jsonrpc, str) else None)


def _decode_xml_call(body: bytes) -> Call:
    unmarshaller = xmlrpc.client.Unmarshaller()
    parser = DefusedExpatParser(unmarshaller)
    try:
        parser.feed(body)
        parser.close()
        params = list(unmarshaller.close())
    except Exception as exc:  # expat, defusedxml and the unmarshaller each raise their own types
        raise WireError(f"the XML-RPC request could not be read ({type(exc).__name__})") from exc
    method = unmarshaller.getmethodname()
    if not method:
        raise WireError("the XML-RPC request has no methodName")
    return Call(method, [_plain(p) for p in params], None, Flavour.XML)


def _plain(value: Any) -> Any:
    """XML-RPC values as JSON would carry them: dates become LISS date strings."""
    if isinstance(value, xmlrpc.client.DateTime):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def encode_result(call: Call, result: Any) -> tuple[bytes, str]:
    if call.flavour is Flavour.XML:
        return xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True).encode(), XML_TYPE
    body: dict[str, Any] = {"jsonrpc": call.jsonrpc} if call.jsonrpc else {}
    body.update(result=result, id=call.id)
    return json.dumps(body, separators=(",", ":")).encode(), JSON_TYPE


def encode_error(call: Call | None, text: str, style: ErrorStyle = ErrorStyle.STRING) -> tuple[bytes, str]:
    if call is not None and call.flavour is Flavour.XML:
        return xmlrpc.client.dumps(xmlrpc.client.Fault(1, text), methodresponse=True).encode(), XML_TYPE
    error: Any = text if style is ErrorStyle.STRING else {"faultCode": 1, "faultString": text}
    body: dict[str, Any] = {"jsonrpc": call.jsonrpc} if call is not None and call.jsonrpc else {}
    body.update(error=error, id=call.id if call is not None else None)
    return json.dumps(body, separators=(",", ":")).encode(), JSON_TYPE
