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
  is refused; the status for that is not documented (read as 401 or 403 on the data call);
* records: ``GET {base}/{company}/students`` and ``.../employees`` page by ``$top`` (the client's
  100) and ``$skip``, a page shorter than ``$top`` being the last (paging.py's open-ended mode, a few
  pages in flight); "current" is the client's OData
  ``$filter`` ``doe le {today} and (dol ge {today} or dol eq null)`` (``STATUS_FILTERS``). A student record's names are
  those of the client's README example (``stud_code``, ``surname``, ``first_name``, ``dob`` ...,
  dates ISO); the client shows no employee record, so the employee names are guesses beside its
  ``emp_code``. Both tables (``FIELDS``) are overridable per profile (``endpoint_fields``).

``stream`` gives each record in the API Gateway's own shape (``general_details.student_code``,
``teacher_code`` ...), dates as ``DD/MM/YYYY``, so the TASS entities, mappings and profiles read
both ways in the same. Classes, class lists, timetable and calendar have no endpoint in the client,
so through an endpoint user they are refused with words saying so.

The emulator does not serve this API: the fact sheet says it is a different product and lists
none of its shapes. tests/vendors/tass/test_endpoint_user.py checks this client against a
loopback server built from the shapes above.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import urllib.parse
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from mis_wizard.vendors.base import CheckResult, Context, Credentials, Layer, Record, Requirements, Status, Timer
from mis_wizard.vendors.errors import (
    BULK_REPLY,
    SMALL_REPLY,
    FailureKind,
    VendorError,
    classify_exception,
    classify_status,
    reach_failure,
)
from mis_wizard.vendors.paging import ordered_pages, untraced

KEY = "endpoint_user"
SCREEN = "API Endpoint Maintenance"
DEFAULT_PATH = "/api"
DEFAULT_ENDPOINTS = ("students", "employees")

ENTITY_ENDPOINTS: dict[str, str] = {"students": "students", "staff": "employees"}
"""Which endpoint gives each TASS entity (the client has these two); profile: ``endpoint_entities``."""

USES: dict[str, str] = {"students": "student records", "employees": "staff records"}
"""What each endpoint is read for, in the steps' words."""

FIELDS: dict[str, dict[str, str]] = {
    # API Gateway raw field -> endpoint user's field. Students: as the client's README example record.
    "students": {
        "general_details.student_code": "stud_code",
        "general_details.surname": "surname",
        "general_details.first_name": "first_name",
        "general_details.preferred_name": "preferred_name",
        "general_details.other_name": "other_name",
        "general_details.gender": "gender",
        "general_details.date_of_birth": "dob",
        "general_details.date_of_entry": "doe",
        "general_details.date_of_leaving": "dol",
        "general_details.entry_year_group": "entry_lev",
        "general_details.usi": "usi",
        "school_details.campus": "campus_code",  # a code here, where getStudents gives the campus's name
        "school_details.email_address": "e_mail",
        "school_details.year_group": "year_grp",
        "school_details.pc_tutor_group": "pctut_grp",
        "school_details.house": "house",  # a code ("KNGR") in the example
        "school_details.form_class": "form_cls",
        "school_details.boarder": "boarder",  # true/false in the example
    },
    # Employees: the client names only emp_code; the rest are guesses after the student record.
    "staff": {
        "teacher_code": "emp_code",
        "employee_code": "emp_code",
        "salutation": "title",
        "first_name": "first_name",
        "surname": "surname",
        "preferred_name": "preferred_name",
        "school_email_address": "e_mail",
        "email_address": "home_e_mail",
        "department": "department",
        "pc_tutor_group": "pctut_grp",
    },
}
"""The endpoint user's field for each API Gateway field; a profile's ``endpoint_fields``
({entity: {gateway field: endpoint field}}) changes any of them. Inferred, see the module text."""

DATES = frozenset({"general_details.date_of_birth", "general_details.date_of_entry",
                   "general_details.date_of_leaving"})
"""Gateway fields that TASS gives as DD/MM/YYYY; the endpoint user's ISO dates are written so."""

STATUS_FILTERS: dict[str, str] = {
    "current": "doe le {today} and (dol ge {today} or dol eq null)",  # the client's get_current
    "future": "doe ge {today}",  # the client's get_future
    # not in the client: TASS's date of leaving is the day after the last day, so on or before today is gone
    "past": "dol le {today}",
    "noncurrent": "dol le {today}",
}
"""The OData ``$filter`` per ``student_status`` (employees: always "current"); profile:
``endpoint_filters`` ({status: filter}, "" sends none)."""

PAGE_SIZE = 100
"""The client's ``$top``; profile: ``endpoint_page_size``."""

MAX_PAGES = 10_000
RENEWALS = 3
"""Times one page renews the bearer token before its refusal stands (pages in flight share each new one)."""


def wanted(requirements: Requirements) -> bool:
    """Does the profile read TASS through an API Endpoint Maintenance user?"""
    return str(requirements.get("access") or "gateway") == "endpoints"


def endpoint_names(requirements: Requirements) -> list[str]:
    return [str(e) for e in requirements.get("endpoints") or DEFAULT_ENDPOINTS]


def entity_endpoints(requirements: Requirements) -> dict[str, str]:
    return {**ENTITY_ENDPOINTS, **{str(k): str(v) for k, v in (requirements.get("endpoint_entities") or {}).items()}}


def field_map(requirements: Requirements, entity: str) -> dict[str, str]:
    wanted = (requirements.get("endpoint_fields") or {}).get(entity) or {}
    return {**FIELDS.get(entity, {}), **{str(k): str(v) for k, v in wanted.items()}}


def endpoint_uses(requirements: Requirements) -> str:
    """"students (student records), employees (staff records)" for the steps."""
    return ", ".join(f"{e} ({USES[e]})" if e in USES else e for e in endpoint_names(requirements))


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def to_gateway(entity: str, row: Mapping[str, Any], fields: Mapping[str, str]) -> Record:
    """One endpoint-user record in the API Gateway's shape for ``entity``: ISO dates as DD/MM/YYYY,
    true/false as Yes/No, nulls as blanks; names TASS's getStudents/getTeachers join are joined."""
    out: Record = {}
    for gateway, own in fields.items():
        value = _text(row.get(own))
        if gateway in DATES and isinstance(value, str):
            iso = _ISO.match(value)
            if iso:
                value = f"{iso.group(3)}/{iso.group(2)}/{iso.group(1)}"
        out[gateway] = value
    if entity == "students":
        out["general_details.given_names"] = " ".join(
            str(out.get(f"general_details.{n}") or "") for n in ("first_name", "other_name")).strip()
    elif entity == "staff":
        first = str(out.get("first_name") or "")
        out["teacher_name"] = " ".join(p for p in (str(out.get("salutation") or ""), first[:1],
                                                   str(out.get("surname") or "")) if p)
        # getTeachers' Y/N from the employee's date of leaving (dol: the client filters employees on it)
        left = _ISO.match(str(row.get(fields.get("active_flag", "dol")) or ""))
        out["active_flag"] = "N" if left and left.group(0) <= dt.date.today().isoformat() else "Y"
    return out


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


def _user(credentials: Credentials) -> tuple[str, str, str]:
    user = credentials.get(KEY) or {}
    key = str(user.get("client_key") or "").strip() if isinstance(user, Mapping) else ""
    secret = str(user.get("client_secret") or "").strip() if isinstance(user, Mapping) else ""
    return key, secret, str(credentials.get("company_code") or "").strip()


MISSING_REMEDY = (f"In TASS.web's {SCREEN}, open the integrator's endpoint user and copy its Client Key and "
                  "Client Secret into the wizard.")
SIGNIN = "Endpoint user accepted"


async def _sign_in(ctx: Context, base: str, key: str, secret: str) -> tuple[CheckResult, Mapping[str, Any] | None]:
    """Sign in as the endpoint user: the result to show, and the answer when it was accepted."""
    with Timer() as t:
        try:
            response = await ctx.http.post(f"{base}/users", json={"clientKey": key, "clientSecret": secret},
                                           extensions=SMALL_REPLY)
        except Exception as exc:  # every network failure becomes a result
            failure = classify_exception(exc)
            return _result(SIGNIN, Layer.REACH, Status.FAILED, "endpoint_unreachable", failure.message,
                           failure.remedy, type(exc).__name__, t.ms), None
    body: Any = None
    if response.status_code == 200:
        try:
            body = response.json()
        except ValueError:
            body = None
    if response.status_code in (400, 401, 403):
        return _result(SIGNIN, Layer.AUTHENTICATE, Status.FAILED, "endpoint_user_rejected",
                       "TASS.web did not accept the endpoint user's Client Key and Client Secret.",
                       f"In TASS.web's {SCREEN}, open the integrator's endpoint user and copy its Client Key and "
                       "Client Secret again (the whole of each, with no spaces); check the user is active.",
                       f"HTTP {response.status_code}: {_words(response)}".strip(": "), t.ms), None
    if response.status_code == 404:
        return _result(SIGNIN, Layer.REACH, Status.FAILED, "endpoint_api_missing",
                       f"This TASS.web has no {SCREEN} API at that address.",
                       f"Ask your TASS administrator whether your TASS.web version has {SCREEN}; until it does, "
                       "use API Gateway apps (ask the integrator for that setup).", f"HTTP 404 at {base}/users",
                       t.ms), None
    if not isinstance(body, Mapping) or not body.get("token"):
        said = classify_status(response.status_code) if response.status_code != 200 else None
        return _result(SIGNIN, Layer.AUTHENTICATE, Status.FAILED, "endpoint_bad_response",
                       said.message if said else "TASS.web's answer to the sign-in could not be read.",
                       said.remedy if said else "Try again in a minute; if it keeps happening, send the "
                       "support report.", f"HTTP {response.status_code}", t.ms), None
    return _result(SIGNIN, Layer.AUTHENTICATE, Status.OK, "endpoint_user_ok", "TASS.web accepted the endpoint user.",
                   ms=t.ms), body


def _company(body: Mapping[str, Any], company: str) -> CheckResult:
    allowed = [str(c.get("cmpy_code", "")) for c in body.get("allowed_companies") or [] if isinstance(c, Mapping)]
    if company not in allowed:
        return _result("Company Code allowed", Layer.AUTHORISE, Status.FAILED, "endpoint_company_not_allowed",
                       f"The endpoint user may not use Company Code {company}.",
                       f"In {SCREEN}, give the endpoint user access to Company Code {company}, or type the Company "
                       "Code it is set up for" + (f" ({', '.join(allowed)})." if allowed else "."),
                       "allowed: " + (", ".join(allowed) or "none"))
    return _result("Company Code allowed", Layer.AUTHORISE, Status.OK, "endpoint_company_ok",
                   f"The endpoint user may use Company Code {company}.")


def _refused(endpoint: str, reply: httpx.Response, ms: int) -> CheckResult:
    return _result(f"Read {endpoint}", Layer.AUTHORISE, Status.FAILED, "endpoint_read_refused",
                   f"The endpoint user may not read {endpoint}.",
                   f"In {SCREEN}, open the integrator's endpoint user and tick Read on the {endpoint} "
                   "endpoint (leave Add, Update and Delete unticked unless the integrator writes), then save.",
                   f"HTTP {reply.status_code}: {_words(reply)}".strip(": "), ms)


def _not_sent(endpoint: str, reply: httpx.Response, ms: int) -> CheckResult:
    status = classify_status(reply.status_code) if reply.status_code != 200 else None
    return _result(f"Read {endpoint}", Layer.SAMPLE, Status.FAILED, "endpoint_read_failed",
                   f"TASS.web did not send {endpoint}: {_words(reply) or (status.message if status else '')}"
                   .rstrip(": "),
                   status.remedy if status else "Send the support report to the integrator.",
                   f"HTTP {reply.status_code}", ms)


async def check(ctx: Context, credentials: Credentials, requirements: Requirements,
                plain_http: CheckResult | None) -> AsyncIterator[CheckResult]:
    """Sign in as the endpoint user, see that it may use the Company Code, and read one record
    of each endpoint the integrator needs."""
    key, secret, company = _user(credentials)
    if plain_http is not None:
        yield plain_http
        return
    if not key or not secret:
        yield _result(SIGNIN, Layer.FORM, Status.FAILED, "endpoint_user_missing",
                      "No Client Key and Client Secret of an API Endpoint Maintenance user were given.", MISSING_REMEDY)
        return
    base = api_base(str(credentials.get("base_url") or ""), requirements)
    signed, body = await _sign_in(ctx, base, key, secret)
    yield signed
    if body is None:
        return
    allowed = _company(body, company)
    yield allowed
    if allowed.status is not Status.OK:
        return
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
            yield _refused(endpoint, reply, t.ms)
        elif reply.status_code == 200 and _is_list(reply):
            yield _result(check_name, Layer.SAMPLE, Status.OK, "endpoint_read_ok",
                          f"{endpoint.capitalize()} can be read.", ms=t.ms)
            missing = _missing_fields(requirements, endpoint, reply.json())
            if missing:
                yield _result(f"{endpoint.capitalize()} fields", Layer.SAMPLE, Status.WARNING,
                              "endpoint_fields_missing",
                              f"The {endpoint} TASS.web sent have none of these fields the wizard reads: "
                              f"{', '.join(missing)}.",
                              "Send the support report to the integrator, who can name this TASS.web's fields in "
                              "the profile (endpoint_fields).", ", ".join(missing), t.ms)
        else:
            yield _not_sent(endpoint, reply, t.ms)


def _missing_fields(requirements: Requirements, endpoint: str, rows: list[Any]) -> list[str]:
    """The endpoint fields the wizard reads that the sample record does not have (names are inferred)."""
    if not rows or not isinstance(rows[0], Mapping):
        return []
    entity = next((e for e, ep in entity_endpoints(requirements).items() if ep == endpoint), None)
    if entity is None:
        return []
    return sorted({own for own in field_map(requirements, entity).values() if own not in rows[0]})


def _fail(result: CheckResult, kind: FailureKind = FailureKind.CONFIG) -> VendorError:
    return VendorError(result.code, result.message, result.remedy, kind, result.detail)


_TRANSIENT = ("tass.endpoint_unreachable", "tass.endpoint_bad_response")


async def stream(ctx: Context, credentials: Credentials, requirements: Requirements, entity: str,
                 reach_names: Mapping[str, str]) -> AsyncIterator[Record]:
    """Every record of ``entity`` through the endpoint user, page by page, in the API Gateway's shape."""
    endpoint = entity_endpoints(requirements).get(entity)
    if endpoint is None:
        readable = ", ".join(sorted(entity_endpoints(requirements)))
        raise VendorError("tass.endpoint_entity_unsupported",
                          f"Through an API Endpoint Maintenance user the wizard reads only {readable}; "
                          f"TASS.web's {entity.replace('_', ' ')} need the API Gateway apps.",
                          "Ask the integrator for the API Gateway setup if they need these records.",
                          FailureKind.CONFIG)
    key, secret, company = _user(credentials)
    if not key or not secret:
        raise VendorError("tass.endpoint_user_missing", "No Client Key and Client Secret of an API Endpoint "
                          "Maintenance user were given.", MISSING_REMEDY, FailureKind.CONFIG)
    base = api_base(str(credentials.get("base_url") or ""), requirements)

    async def token() -> str:
        signed, body = await _sign_in(ctx, base, key, secret)
        if body is None:
            raise _fail(signed, FailureKind.TRANSIENT if signed.code in _TRANSIENT else FailureKind.CONFIG)
        allowed = _company(body, company)
        if allowed.status is not Status.OK:
            raise _fail(allowed)
        return str(body["token"])

    fields = field_map(requirements, entity)
    top = max(1, int(requirements.get("endpoint_page_size") or PAGE_SIZE))
    params: dict[str, Any] = {"$top": top, "$skip": 0}
    status = str(requirements.get("student_status") or "current") if entity == "students" else "current"
    filters = {**STATUS_FILTERS, **{str(k): str(v) for k, v in (requirements.get("endpoint_filters") or {}).items()}}
    if filters.get(status):
        params["$filter"] = filters[status].format(today=dt.date.today().isoformat())
    url = f"{base}/{company}/{endpoint}"
    signed = [await token()]
    renewing = asyncio.Lock()

    async def fetch(page: int) -> httpx.Response:
        """One page. A token that ran out during a long read is renewed by the first page to find it
        (the others in flight use the new one); a page refused again after that is refused."""
        if page > MAX_PAGES:
            raise VendorError("tass.endpoint_paging_ignored", f"TASS.web kept sending pages of {endpoint}.",
                              "Send the support report to the integrator.", FailureKind.BUG, f"{MAX_PAGES} pages")
        paged = {**params, "$skip": (page - 1) * top}
        for _attempt in range(RENEWALS):
            bearer = signed[-1]
            reply = await _page_reply(ctx, url, paged, bearer, reach_names)
            if reply.status_code != 401:
                break
            async with renewing:
                if signed[-1] == bearer:
                    signed.append(await token())
        else:
            reply = await _page_reply(ctx, url, paged, signed[-1], reach_names)
        return reply

    count = 0
    last_first: list[Mapping[str, Any] | None] = [None]

    async def finish(page: int, reply: httpx.Response) -> list[Mapping[str, Any]]:
        rows = _page_rows(endpoint, reply, (page - 1) * top)
        if rows and page > 1 and rows[0] == last_first[0]:
            raise VendorError("tass.endpoint_paging_ignored",
                              f"TASS.web sent the same page of {endpoint} twice, so not every record can be read.",
                              "Send the support report to the integrator.", FailureKind.BUG,
                              f"$skip={(page - 1) * top} repeated the page before")
        last_first[0] = rows[0] if rows else None
        return rows

    async for rows in ordered_pages(untraced(fetch), finish, concurrency=ctx.concurrency, page_size=top):
        for row in rows:
            yield to_gateway(entity, row, fields)
        count += len(rows)
        ctx.page_done(entity, count)


def _page_rows(endpoint: str, reply: httpx.Response, skip: int) -> list[Mapping[str, Any]]:
    """The records of one page's answer, or the error its status or body means."""
    if reply.status_code in (401, 403):
        raise _fail(_refused(endpoint, reply, 0))
    if reply.status_code != 200:
        raise _fail(_not_sent(endpoint, reply, 0), classify_status(reply.status_code).kind)
    try:
        rows = reply.json()
    except ValueError:
        rows = None
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise VendorError("tass.endpoint_bad_response",
                          f"TASS.web's answer with the {endpoint} could not be read (it may have been cut off).",
                          "Try again in a minute; if it keeps happening, send the support report to the "
                          "integrator.", FailureKind.TRANSIENT, f"page at $skip={skip}")
    return rows


async def _page_reply(ctx: Context, url: str, params: Mapping[str, Any], bearer: str,
                      reach_names: Mapping[str, str]) -> httpx.Response:
    try:
        return await ctx.http.get(url, params=dict(params), extensions=BULK_REPLY,
                                  headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise reach_failure(exc, "tass", reach_names).error(type(exc).__name__) from exc


def _is_list(response: httpx.Response) -> bool:
    try:
        return isinstance(response.json(), list)
    except ValueError:
        return False
