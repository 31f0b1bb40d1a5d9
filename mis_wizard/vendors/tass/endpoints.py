"""TASS's newer "API Endpoint Maintenance" API, a second way in beside the API Gateway apps.

tass.md records only that it exists (2026; key and secret give a bearer token; OData paging;
HTTP 429) and that it must not be mixed with the API Gateway API [C: T17]. Everything about its
wire format here comes from one public client (redtrinity/tassapi, T17) and is inferred:

* sign-in: ``POST {base}/users`` with JSON ``{"clientKey", "clientSecret"}`` answers
  ``{"token", "token_expiry_date", "allowed_companies": [{"cmpy_code": ...}]}``;
* calls: ``GET {base}/{company code}/{endpoint}`` with ``Authorization: Bearer``, paged by
  ``$top``/``$skip``, answering a JSON array; errors as ``{"title", "detail", "message"}``;
* ``{base}`` is the school's TASS address plus ``/api`` (the client's example), kept as the
  profile's ``endpoint_api_path`` so an integrator who knows better changes data, not code;
* each endpoint user has Read/Add/Update/Delete per endpoint (issue 18), so a Read not ticked
  is refused; the status for that is not documented (read as 401 or 403 on the data call).

The emulator does not serve this API: the fact sheet says it is a different product and lists
none of its shapes. tests/vendors/tass/test_endpoint_user.py checks this client against a
loopback server built from the shapes above.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from mis_wizard.vendors.base import CheckResult, Context, Credentials, Layer, Requirements, Status, Timer
from mis_wizard.vendors.errors import SMALL_REPLY, classify_exception, classify_status

KEY = "endpoint_user"
SCREEN = "API Endpoint Maintenance"
DEFAULT_PATH = "/api"
DEFAULT_ENDPOINTS = ("students",)


def wanted(requirements: Requirements) -> bool:
    """Does the profile read TASS through an API Endpoint Maintenance user?"""
    return str(requirements.get("access") or "gateway") == "endpoints"


def endpoint_names(requirements: Requirements) -> list[str]:
    return [str(e) for e in requirements.get("endpoints") or DEFAULT_ENDPOINTS]


def api_base(base_url: str, requirements: Requirements) -> str:
    """The school's TASS address (whatever the admin pasted after the host is dropped) plus the
    API path."""
    parts = urllib.parse.urlsplit(str(base_url or "").strip())
    path = "/" + str(requirements.get("endpoint_api_path") or DEFAULT_PATH).strip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def _words(response: httpx.Response) -> str:
    """The server's own words from an error body (title, detail, message), or blank."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, Mapping):
        return ""
    said = [str(body.get(k)) for k in ("title", "detail", "message") if body.get(k)]
    return " ".join(" ".join(said).split())[:200]


def _result(check: str, layer: Layer, status: Status, code: str, message: str, remedy: str = "",
            detail: str = "", ms: int = 0) -> CheckResult:
    return CheckResult(KEY, check, layer, status, f"tass.{code}", message, remedy, detail, ms)


async def check(ctx: Context, credentials: Credentials, requirements: Requirements,
                plain_http: CheckResult | None) -> AsyncIterator[CheckResult]:
    """Sign in as the endpoint user, see that it may use the Company Code, and read one record
    of each endpoint the integrator needs."""
    user = credentials.get(KEY) or {}
    key = str(user.get("client_key") or "").strip() if isinstance(user, Mapping) else ""
    secret = str(user.get("client_secret") or "").strip() if isinstance(user, Mapping) else ""
    company = str(credentials.get("company_code") or "").strip()
    signin = "Endpoint user accepted"
    if plain_http is not None:
        yield plain_http
        return
    if not key or not secret:
        yield _result(signin, Layer.FORM, Status.FAILED, "endpoint_user_missing",
                      "No Client Key and Client Secret of an API Endpoint Maintenance user were given.",
                      f"In TASS.web's {SCREEN}, open the integrator's endpoint user and copy its Client Key and "
                      "Client Secret into the wizard.")
        return
    base = api_base(str(credentials.get("base_url") or ""), requirements)
    with Timer() as t:
        try:
            response = await ctx.http.post(f"{base}/users", json={"clientKey": key, "clientSecret": secret},
                                           extensions=SMALL_REPLY)
        except Exception as exc:  # every network failure becomes a result
            failure = classify_exception(exc)
            yield _result(signin, Layer.REACH, Status.FAILED, "endpoint_unreachable", failure.message,
                          failure.remedy, type(exc).__name__, t.ms)
            return
    body: Any = None
    if response.status_code == 200:
        try:
            body = response.json()
        except ValueError:
            body = None
    if response.status_code in (400, 401, 403):
        yield _result(signin, Layer.AUTHENTICATE, Status.FAILED, "endpoint_user_rejected",
                      "TASS.web did not accept the endpoint user's Client Key and Client Secret.",
                      f"In TASS.web's {SCREEN}, open the integrator's endpoint user and copy its Client Key and "
                      "Client Secret again (the whole of each, with no spaces); check the user is active.",
                      f"HTTP {response.status_code}: {_words(response)}".strip(": "), t.ms)
        return
    if response.status_code == 404:
        yield _result(signin, Layer.REACH, Status.FAILED, "endpoint_api_missing",
                      f"This TASS.web has no {SCREEN} API at that address.",
                      f"Ask your TASS administrator whether your TASS.web version has {SCREEN}; until it does, "
                      "use API Gateway apps (ask the integrator for that setup).", f"HTTP 404 at {base}/users", t.ms)
        return
    if not isinstance(body, Mapping) or not body.get("token"):
        said = classify_status(response.status_code) if response.status_code != 200 else None
        yield _result(signin, Layer.AUTHENTICATE, Status.FAILED, "endpoint_bad_response",
                      said.message if said else "TASS.web's answer to the sign-in could not be read.",
                      said.remedy if said else "Try again in a minute; if it keeps happening, send the "
                      "support report.", f"HTTP {response.status_code}", t.ms)
        return
    yield _result(signin, Layer.AUTHENTICATE, Status.OK, "endpoint_user_ok",
                  "TASS.web accepted the endpoint user.", ms=t.ms)
    allowed = [str(c.get("cmpy_code", "")) for c in body.get("allowed_companies") or [] if isinstance(c, Mapping)]
    if company not in allowed:
        yield _result("Company Code allowed", Layer.AUTHORISE, Status.FAILED, "endpoint_company_not_allowed",
                      f"The endpoint user may not use Company Code {company}.",
                      f"In {SCREEN}, give the endpoint user access to Company Code {company}, or type the Company "
                      "Code it is set up for" + (f" ({', '.join(allowed)})." if allowed else "."),
                      "allowed: " + (", ".join(allowed) or "none"))
        return
    yield _result("Company Code allowed", Layer.AUTHORISE, Status.OK, "endpoint_company_ok",
                  f"The endpoint user may use Company Code {company}.")
    headers = {"Authorization": f"Bearer {body['token']}", "Accept": "application/json"}
    for endpoint in endpoint_names(requirements):
        check_name = f"Read {endpoint}"
        with Timer() as t:
            try:
                reply = await ctx.http.get(f"{base}/{company}/{endpoint}", params={"$top": 1, "$skip": 0},
                                           headers=headers, extensions=SMALL_REPLY)
            except Exception as exc:
                failure = classify_exception(exc)
                yield _result(check_name, Layer.AUTHORISE, Status.FAILED, "endpoint_unreachable", failure.message,
                              failure.remedy, type(exc).__name__, t.ms)
                continue
        if reply.status_code in (401, 403):
            yield _result(check_name, Layer.AUTHORISE, Status.FAILED, "endpoint_read_refused",
                          f"The endpoint user may not read {endpoint}.",
                          f"In {SCREEN}, open the integrator's endpoint user and tick Read on the {endpoint} "
                          "endpoint (leave Add, Update and Delete unticked unless the integrator writes), then save.",
                          f"HTTP {reply.status_code}: {_words(reply)}".strip(": "), t.ms)
        elif reply.status_code == 200 and _is_list(reply):
            yield _result(check_name, Layer.SAMPLE, Status.OK, "endpoint_read_ok", f"{endpoint.capitalize()} can be read.",
                          ms=t.ms)
        else:
            status = classify_status(reply.status_code) if reply.status_code != 200 else None
            yield _result(check_name, Layer.SAMPLE, Status.FAILED, "endpoint_read_failed",
                          f"TASS.web did not send {endpoint}: {_words(reply) or (status.message if status else '')}"
                          .rstrip(": "),
                          status.remedy if status else "Send the support report to the integrator.",
                          f"HTTP {reply.status_code}", t.ms)


def _is_list(response: httpx.Response) -> bool:
    try:
        return isinstance(response.json(), list)
    except ValueError:
        return False
