"""TASS's wire format: the encrypted token, the answer shapes, and its date styles.

The "token" is not a session: it is the method's parameters encrypted with AES-128-ECB and
PKCS7 padding under the base64-decoded Token Key, then base64 (TASS api-introduction). The
same parameters always give the same token. Answers come in several shapes because IIS may
put its own HTML page in front of TASS's JSON, and older methods use ``__msg`` where newer
ones use ``__invalid``; ``parse_reply`` reads them all into one ``Reply``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ROLE_REFUSED = "Version 1 and 2 methods are not accessible when a Security Role has been defined."


class TokenError(ValueError):
    """The token or the Token Key cannot be used (wrong length, not base64, bad padding)."""


def token_key_bytes(token_key: str) -> bytes:
    try:
        key = base64.b64decode(token_key.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TokenError("The Token Key is not base64 text.") from exc
    if len(key) != 16:
        raise TokenError(f"The Token Key decodes to {len(key)} bytes; TASS Token Keys are 16 bytes.")
    return key


def encrypt(plaintext: str, token_key: str) -> str:
    """The base64 token for ``plaintext`` (not yet URL-encoded)."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(token_key_bytes(token_key)), modes.ECB()).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def decrypt(token: str, token_key: str) -> str:
    try:
        cipher = base64.b64decode(token, validate=True)
        decryptor = Cipher(algorithms.AES(token_key_bytes(token_key)), modes.ECB()).decryptor()
        data = decryptor.update(cipher) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(data) + unpadder.finalize()).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise TokenError("Given final block not proper") from exc


def params_text(params: Mapping[str, str], version: str) -> str:
    """v1 sends parameters as a query string, v2 and v3 as JSON."""
    if version == "1":
        return urllib.parse.urlencode(params)
    return json.dumps(dict(params), separators=(",", ":"))


def parse_params(text: str, version: str) -> dict[str, Any]:
    if version == "1":
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
    value = json.loads(text) if text.strip() else {}
    if not isinstance(value, dict):
        raise ValueError("parameters must be a JSON object")
    return value


def request_fields(method: str, app_code: str, company: str, version: str, params: Mapping[str, str],
                   token_key: str) -> dict[str, str]:
    """The five fields of every call, for a GET query or a POST form alike."""
    return {"method": method, "appcode": app_code, "company": company, "v": version,
            "token": encrypt(params_text(params, version), token_key)}


class ReplyKind(enum.StrEnum):
    OK = "ok"
    UNAUTHORIZED = "unauthorized"
    ROLE_REFUSED = "role_refused"
    ROLE_REQUIRED = "role_required"
    UNKNOWN_METHOD = "unknown_method"
    INVALID = "invalid"
    """The parameters were refused (so the App Code and Token Key were accepted)."""
    SERVER_ERROR = "server_error"
    ACCESS_MISCONFIGURED = "access_misconfigured"
    """HTTP 501 from the API Gateway: the school's API access (app, version or role) is set up wrongly."""
    FORBIDDEN = "forbidden"
    """HTTP 403: the server refused this caller (an app's Application Server restriction, or IIS)."""
    NOT_TASS = "not_tass"
    LOGIN_PAGE = "login_page"


@dataclass
class Reply:
    kind: ReplyKind
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    """TASS's own words (``__msg`` or the ``__invalid`` messages); never holds a secret."""

    @property
    def licence_problem(self) -> bool:
        return bool(re.search(r"licen[cs]e", self.message, re.IGNORECASE))


_LOGIN = re.compile(r"type\s*=\s*[\"']?password|sign\s*in|log\s*in", re.IGNORECASE)


def trailing_json(text: str) -> dict[str, Any] | None:
    """The JSON object a body ends with: all of it, or the part after an IIS HTML page."""
    stripped = text.strip()
    decoder = json.JSONDecoder()
    try:
        whole = json.loads(stripped)
        return whole if isinstance(whole, dict) else None
    except ValueError:
        pass
    for match in reversed([m.start() for m in re.finditer(r"\{", stripped)]):
        try:
            value, end = decoder.raw_decode(stripped, match)
        except ValueError:
            continue
        if isinstance(value, dict) and not stripped[end:].strip():
            return value
    return None


def parse_reply(status: int, text: str) -> Reply:
    """Read any TASS answer; the HTTP status is read first, as IIS may replace the JSON."""
    body = trailing_json(text)
    if status == 501:
        return Reply(ReplyKind.ACCESS_MISCONFIGURED, status, body or {}, _message(body or {}))
    if status == 403:
        return Reply(ReplyKind.FORBIDDEN, status, body or {}, _message(body or {}) or "403 - Forbidden")
    if body is None:
        if status == 401:
            return Reply(ReplyKind.UNAUTHORIZED, status, message="401 - Unauthorized")
        if status >= 500:
            return Reply(ReplyKind.SERVER_ERROR, status)
        kind = ReplyKind.LOGIN_PAGE if "<" in text and _LOGIN.search(text) else ReplyKind.NOT_TASS
        return Reply(kind, status)
    msg = _message(body)
    raw_invalid = body.get("__invalid")
    invalid: dict[str, Any] = raw_invalid if isinstance(raw_invalid, dict) else {}
    # TASS's status for a refusal is not documented (200 or 400); other web servers answer 404 and
    # the like with {"error": ...} too, so the bare shapes count as TASS's only at 200 and 400.
    plausible = status in (200, 400)
    if not invalid and plausible and _bare_members(body):
        invalid = dict(body)
    tass_shaped = bool(invalid) or any(k in body for k in ("__tassversion", "__status", "__msg", "__invalid", "token")
                                       ) or (plausible and "error" in body)
    if status == 401:
        return Reply(ReplyKind.UNAUTHORIZED, status, body, msg or "Unauthorized")
    if status >= 500:
        return Reply(ReplyKind.SERVER_ERROR, status, body, msg)
    if not tass_shaped and status != 200:
        return Reply(ReplyKind.NOT_TASS, status, body)
    if "version 1 and 2 methods" in msg.lower():
        return Reply(ReplyKind.ROLE_REFUSED, status, body, msg)
    if "security role" in msg.lower():
        return Reply(ReplyKind.ROLE_REQUIRED, status, body, msg)
    if re.search(r"method.*(not (available|found|valid|exist))|invalid method|unknown method", msg, re.I):
        return Reply(ReplyKind.UNKNOWN_METHOD, status, body, msg)
    if invalid or msg:
        words = "; ".join(f"{k}: {v}" for k, v in invalid.items()) or msg
        return Reply(ReplyKind.INVALID, status, body, words)
    if not tass_shaped:
        return Reply(ReplyKind.NOT_TASS, status, body)
    return Reply(ReplyKind.OK, status, body)


def _message(body: Mapping[str, Any]) -> str:
    """TASS's own words: ``__msg`` (older methods), or a plain ``error`` member (medical/notes methods)."""
    return str(body.get("__msg") or body.get("error") or "").strip()


def _bare_members(body: Mapping[str, Any]) -> bool:
    """An error whose parameter messages come as bare members, ``{"code": "Student Code is invalid."}``,
    not inside ``__invalid``: every member a non-empty text and none of them TASS's own (``__...``,
    ``token``). A data answer always holds its records as a list or object, so it never looks so."""
    return bool(body) and len(body) <= 8 and all(
        isinstance(v, str) and v.strip() and not k.startswith("__") and k not in ("token", "error")
        for k, v in body.items())


_TS = re.compile(r"\{ts '([^']+)'\}")


def tass_date(value: Any) -> dt.date | None:
    """A date in any of TASS's styles: ``DD/MM/YYYY`` (people), ``YYYY-MM-DD 00:00:00.0``
    (timetables), ``{ts 'YYYY-MM-DD hh:mm:ss'}`` (token echo), ``DD/MM/YYYY hh:mm:ss PM``."""
    text = str(value or "").strip()
    if not text:
        return None
    ts = _TS.fullmatch(text)
    if ts:
        text = ts.group(1)
    for pattern, fmt in ((r"\d{1,2}/\d{1,2}/\d{4}", "%d/%m/%Y"), (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d")):
        found = re.match(pattern, text)
        if found:
            try:
                return dt.datetime.strptime(found.group(0), fmt).date()
            except ValueError:
                return None
    return None
