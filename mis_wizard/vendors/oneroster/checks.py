"""The live check of one OneRoster consumer, worded by the vendor that hosts it.

Reach → token (authenticate) → each endpoint the profile reads (authorise) → one student
(sample). A vendor passes its code prefix and remedies naming its own admin screens, so an
Aeries admin is sent to Aeries' API Security page and a stand-alone server gets plain OneRoster
wording.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from mis_wizard.vendors.base import CheckResult, Layer, Status, Timer
from mis_wizard.vendors.errors import FailureKind, classify_status, reach_failure
from mis_wizard.vendors.oneroster.client import NoTokenEndpoint, OneRosterClient, TokenRefused, error_text
from mis_wizard.vendors.oneroster.records import DEFAULT_ENDPOINTS

REACH_NAMES = {"connection_dropped": "transient", "unexpected_answer": "transient"}
"""OneRoster's names for the shared reach table's suffixes (errors.REACH_TABLE), at the address…"""
READ_NAMES = {"connection_dropped": "transient", "unreachable": "read_failed", "unexpected_answer": "read_failed"}
"""…and reading an endpoint once signed in."""


@dataclass(frozen=True)
class Wording:
    code: str
    """Code prefix, e.g. ``aeries.oneroster_`` or ``oneroster.``."""
    key: str
    """Key set id the results belong to."""
    credentials_remedy: str
    url_remedy: str
    permission_remedy: Callable[[str], str]
    """Remedy for an endpoint the consumer may not read, given the endpoint name."""


def collection_rows(response: httpx.Response, endpoint: str) -> list[Any] | None:
    """The records of a OneRoster collection answer (``{"students": [...]}``), or None when the body
    is not that: not JSON, not an object, or without the collection's list of objects. A check counts
    an endpoint readable only when its answer parses as OneRoster."""
    try:
        body = response.json()
    except ValueError:
        return None
    rows = body.get(endpoint.split("/")[-1]) if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return None
    return rows


async def check_consumer(client: OneRosterClient, wording: Wording,
                         endpoints: Sequence[str] = DEFAULT_ENDPOINTS) -> AsyncIterator[CheckResult]:
    signed_in = True
    async for result in _sign_in(client, wording):
        signed_in = signed_in and result.status is Status.OK
        yield result
    if not signed_in:
        return

    async def probe(endpoint: str) -> tuple[str, httpx.Response | BaseException, int]:
        with Timer() as pt:
            try:
                response: httpx.Response | BaseException = await client.get(endpoint, {"limit": 1})
            except Exception as exc:  # reported as a result below, never raised out of check()
                response = exc
        return endpoint, response, pt.ms

    sample: httpx.Response | None = None
    for endpoint, response, ms in await asyncio.gather(*(probe(e) for e in endpoints)):
        read = _read(wording, endpoint, response, ms)
        yield read
        if endpoint == "students" and read.status is Status.OK and isinstance(response, httpx.Response):
            sample = response
    yield _sample_student(wording, sample)


def _result(w: Wording, check: str, layer: Layer, status: Status, what: str, message: str, remedy: str = "",
            detail: str = "", ms: int = 0) -> CheckResult:
    return CheckResult(w.key, check, layer, status, f"{w.code}{what}", message, remedy, detail, ms)


def _skip(w: Wording, check: str, layer: Layer) -> CheckResult:
    return _result(w, check, layer, Status.SKIPPED, "skipped", "Not checked because an earlier check failed.")


async def _sign_in(client: OneRosterClient, w: Wording) -> AsyncIterator[CheckResult]:
    """The address and the Consumer ID and secret: one token request proves both."""
    with Timer() as t:
        try:
            await client.token()
            failure = None
        except (NoTokenEndpoint, TokenRefused, httpx.HTTPError, ValueError, KeyError) as exc:
            failure = exc
    if isinstance(failure, NoTokenEndpoint):
        yield _result(w, "OneRoster address", Layer.REACH, Status.FAILED, "not_found",
                      "There is no OneRoster sign-in at that address.", w.url_remedy, str(failure), t.ms)
        return
    if isinstance(failure, httpx.HTTPError):
        reach = reach_failure(failure, "oneroster", REACH_NAMES)
        yield _result(w, "OneRoster address", Layer.REACH, Status.FAILED, reach.what, reach.headline, reach.remedy,
                      type(failure).__name__, t.ms)
        return
    if isinstance(failure, ValueError | KeyError):
        yield _result(w, "OneRoster address", Layer.REACH, Status.FAILED, "unreadable",
                      "The OneRoster sign-in answered with something that is not a token.",
                      "Check the OneRoster address; if it is right, send the support report.",
                      type(failure).__name__, t.ms)
        return
    yield _result(w, "OneRoster address", Layer.REACH, Status.OK, "reachable", "The OneRoster server answered.",
                  ms=t.ms)
    if isinstance(failure, TokenRefused):
        transient = classify_status(failure.status).kind is FailureKind.TRANSIENT
        yield _result(w, "Consumer ID and secret", Layer.AUTHENTICATE, Status.FAILED,
                      "transient" if transient else "credentials_rejected",
                      "The OneRoster server is busy or failing; try again shortly." if transient else
                      "The OneRoster server did not accept the Consumer ID and Secret.",
                      "Try again in a few minutes." if transient else w.credentials_remedy,
                      f"HTTP {failure.status}: {failure.reason}", t.ms)
        yield _skip(w, "Endpoints readable", Layer.AUTHORISE)
        yield _skip(w, "Sample student", Layer.SAMPLE)
        return
    yield _result(w, "Consumer ID and secret", Layer.AUTHENTICATE, Status.OK, "token_ok",
                  "The Consumer ID and Secret were accepted.", detail=f"token from {client.token_path}", ms=t.ms)


def _read(w: Wording, endpoint: str, response: httpx.Response | BaseException, ms: int) -> CheckResult:
    """One endpoint's probe (one record) as a result."""
    check = f"Read {endpoint}"
    if isinstance(response, BaseException):
        reach = reach_failure(response, "oneroster", READ_NAMES)
        return _result(w, check, Layer.AUTHORISE, Status.FAILED, reach.what, reach.headline, reach.remedy,
                       type(response).__name__, ms)
    if response.status_code == 200 and collection_rows(response, endpoint) is None:
        return _result(w, check, Layer.AUTHORISE, Status.FAILED, f"{endpoint}_unreadable",
                       f"The server answered {endpoint} with something that is not OneRoster data.",
                       w.url_remedy, f"HTTP 200, {len(response.content)} bytes, "
                       f"{response.headers.get('content-type', 'no content type')}", ms)
    if response.status_code == 200:
        return _result(w, check, Layer.AUTHORISE, Status.OK, f"{endpoint}_ok", f"{endpoint} can be read.", ms=ms)
    if response.status_code == 403:
        return _result(w, check, Layer.AUTHORISE, Status.FAILED, f"{endpoint}_not_permitted",
                       f"This OneRoster product may not read {endpoint}.", w.permission_remedy(endpoint),
                       f"HTTP 403: {error_text(response)}", ms)
    f = classify_status(response.status_code)
    return _result(w, check, Layer.AUTHORISE, Status.FAILED, "transient" if f.kind is FailureKind.TRANSIENT
                   else "read_failed", f.message, f.remedy,
                   f"HTTP {response.status_code}: {error_text(response)}", ms)


def _sample_student(w: Wording, sample: httpx.Response | None) -> CheckResult:
    if sample is None:
        return _skip(w, "Sample student", Layer.SAMPLE)
    students = collection_rows(sample, "students")
    if students is None:
        return _result(w, "Sample student", Layer.SAMPLE, Status.FAILED, "unreadable",
                       "The list of students could not be read.", "Send the support report to the integrator.")
    if not students:
        return _result(w, "Sample student", Layer.SAMPLE, Status.WARNING, "no_students",
                       "OneRoster answered but lists no students.",
                       "Check that students are enrolled for this school year in your system.")
    if not isinstance(students[0].get("sourcedId"), str) or not students[0]["sourcedId"]:
        return _result(w, "Sample student", Layer.SAMPLE, Status.FAILED, "unreadable",
                       "The student record has no sourcedId, so it is not a OneRoster record.",
                       "Send the support report to the integrator.")
    return _result(w, "Sample student", Layer.SAMPLE, Status.OK, "sample_ok", "A student record was read.",
                   detail="one record with a sourcedId read")
