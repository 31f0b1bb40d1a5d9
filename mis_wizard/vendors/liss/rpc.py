"""Calling a LISS server, and saying what went wrong in the admin's words.

Every outcome of a call (network failure, not a LISS endpoint, a LISS error naming the school
code or the password, an unsupported method) becomes one ``VendorError`` with a stable code
here, so the live check, the preview stream and the publish client report it identically.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

from mis_wizard.vendors.errors import BULK_REPLY, FailureKind, VendorError, classify_status, reach_failure
from mis_wizard.vendors.liss import wire
from mis_wizard.vendors.liss.requirements import LISS_VERSION

WHERE = "Daily > Synchronise > Generic LISS server in Timetable Daily"

UNSUPPORTED_WORDS = ("invalid call", "unknown method", "not implemented", "not supported", "method not found",
                     "no such method", "unsupported")
SCHOOL_WORDS = ("school",)
LOGIN_WORDS = ("password", "username", "user name", "login", "log in", "credential")

GARBLED_ATTEMPTS = 2

_ids = itertools.count(1)


@dataclass(frozen=True)
class Auth:
    """The LISS authentication object every call but ``liss.hello`` carries first."""

    school: str
    username: str
    password: str
    user_agent: str = "MISWizard"
    version: int = LISS_VERSION

    def object(self) -> dict[str, Any]:
        return {"School": self.school, "UserName": self.username, "Password": self.password,
                "LissVersion": self.version, "UserAgent": self.user_agent}

    def redact(self, text: str) -> str:
        """The server's own words may echo what we sent; the password never leaves this object."""
        return text.replace(self.password, "********") if self.password else text


class Unsupported(VendorError):
    """The server answered but does not offer this method (publish-only servers answer reads so)."""


async def call(http: httpx.AsyncClient, url: str, method: str, params: list[Any], *,
               auth: Auth | None = None, jsonrpc: bool = True) -> Any:
    """One JSON-RPC call; ``auth`` goes first in params. Raises VendorError with a ``liss.*`` code.

    The shared HTTP client retries what HTTP can see; an answer that arrives whole but garbled
    (HTTP 200, broken JSON) is only visible here, so it is asked for once more.
    """
    full = [auth.object(), *params] if auth is not None else params
    body = wire.request_body(method, full, next(_ids), jsonrpc=jsonrpc)
    redact = auth.redact if auth is not None else str
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await http.post(url, content=body, headers={"Content-Type": "application/json",
                                                                    "Accept": "application/json"},
                                     extensions=BULK_REPLY)
        except httpx.HTTPError as exc:
            raise network_error(exc) from None
        if response.status_code >= 400:
            raise status_error(response.status_code, method)
        try:
            return wire.decode_response(response.content)
        except wire.WireError as exc:
            if exc.garbled and attempt < GARBLED_ATTEMPTS:
                continue
            raise answer_error(exc, method, response) from None
        except wire.LissFault as fault:
            raise fault_error(redact(fault.text), method) from None


def answer_error(exc: wire.WireError, method: str, response: httpx.Response) -> VendorError:
    detail = f"{method}: HTTP {response.status_code}, {response.headers.get('content-type', 'no type')}"
    if exc.garbled:
        return VendorError("liss.transient_failure", "The LISS server's answer arrived garbled, twice.",
                           "Try again in a few minutes; if it keeps happening, ask the integrator to look at "
                           "their LISS server's logs.", FailureKind.TRANSIENT, detail)
    return VendorError(
        "liss.not_liss_endpoint", f"The server address answered, but not as a LISS server ({exc}).",
        "Ask the integrator for their exact LISS server address (it often ends in /liss or liss.php, "
        "not their website or login page) and type it as Server Address.", detail=detail)


REACH_NAMES = {"connection_dropped": "transient_failure", "unexpected_answer": "unreachable"}
"""LISS's names for the shared reach table's suffixes (errors.REACH_TABLE)."""


def network_error(exc: BaseException) -> VendorError:
    reach = reach_failure(exc, "liss", REACH_NAMES)
    detail = type(exc).__name__
    if reach.suffix in ("reply_too_large", "reply_too_slow", "tls_untrusted"):
        return reach.error(detail)
    if reach.kind is FailureKind.TRANSIENT:
        return reach.error(detail, remedy=reach.remedy + " If it keeps happening, ask the integrator whether their "
                           "LISS server is up.")
    return reach.error(
        detail, f"{reach.headline} (the LISS server address)",
        f"{reach.remedy} Check the Server Address the integrator gave you, and ask them whether their "
        "LISS server accepts connections from the internet: Timetable Daily connects to it from the cloud.")


def status_error(status: int, method: str) -> VendorError:
    failure = classify_status(status)
    if failure.kind is FailureKind.TRANSIENT:
        return VendorError("liss.transient_failure", failure.message,
                           failure.remedy + " If it keeps happening, ask the integrator whether their LISS server "
                           "is up.",
                           FailureKind.TRANSIENT, f"{method}: HTTP {status}")
    return VendorError(
        "liss.not_liss_endpoint", f"The server address refused a LISS call (HTTP {status}): {failure.message}",
        "Ask the integrator for their exact LISS server address (it often ends in /liss or liss.php) and type "
        "it as Server Address; a LISS server answers every call, even a wrong password, without an HTTP error.",
        FailureKind.CONFIG, f"{method}: HTTP {status}")


def fault_error(text: str, method: str) -> VendorError:
    """A LISS error by its wording: servers name no codes, so the words are all there is."""
    lower = text.lower()
    detail = f"{method}: {text}"
    if any(w in lower for w in UNSUPPORTED_WORDS):
        return Unsupported("liss.method_unsupported", f"The LISS server does not offer {method}.",
                           "Nothing to change if the integrator's server only receives data.", detail=detail)
    if any(w in lower for w in SCHOOL_WORDS):
        return VendorError(
            "liss.school_code_rejected", f"The LISS server does not know this School code (it said: {text}).",
            "Ask the integrator which School code they set up for your school (often your school number, "
            f"e.g. 03014) and type exactly that as School code in {WHERE}.", detail=detail)
    if any(w in lower for w in LOGIN_WORDS):
        return VendorError(
            "liss.password_rejected", f"The LISS server did not accept the Username or Password (it said: {text}).",
            "Copy the Username and Password again from the integrator's message (passwords are case-sensitive; "
            f"watch for spaces) into {WHERE}. If the integrator limits the account to an academic year, ask them "
            "to enable it for this year.", detail=detail)
    if "auth" in lower:
        return VendorError(
            "liss.credentials_rejected",
            f"The LISS server refused the School code, Username or Password without saying which (it said: {text}).",
            "Compare all three with what the integrator sent you, character for character, and ask them to "
            f"confirm the School code they expect; then type them again in {WHERE}.", detail=detail)
    return VendorError("liss.call_refused", f"The LISS server refused {method}: {text}",
                       "Send the support report to the integrator; their LISS server did not accept the call.",
                       detail=detail)
