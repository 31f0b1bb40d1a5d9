"""Live access to Aeries: the REST API v5 (AERIES-CERT) and Aeries' OneRoster API.

The two products are checked as two key sets running side by side, because an admin can get
one right and the other wrong. ``systeminfo`` needs no certificate, so it proves the address;
``schools`` needs a certificate but no area, so it proves the certificate; then each area the
profile reads is tried with one record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx

from mis_wizard.vendors.aeries import records as people
from mis_wizard.vendors.aeries.records import TERM_SCHOOL
from mis_wizard.vendors.aeries.requirements import AREA_CODES, AREA_PROBES, ONEROSTER_AREAS
from mis_wizard.vendors.aeries.wire import (
    PAGE_SIZE,
    json_list,
    school_year_of,
    server_base,
    slice_params,
    vendor_message,
)
from mis_wizard.vendors.base import CheckResult, Context, Credentials, Layer, Record, Requirements, Status, Timer
from mis_wizard.vendors.errors import FailureKind, VendorError, classify_exception, classify_status, reach_failure
from mis_wizard.vendors.oneroster import records as rostering
from mis_wizard.vendors.oneroster.checks import DEFAULT_ENDPOINTS, Wording, check_consumer
from mis_wizard.vendors.oneroster.client import OneRosterClient, error_text
from mis_wizard.vendors.paging import ordered_pages, untraced
from mis_wizard.vendors.streams import merged

API_SECURITY = "Aeries: Filter Pages \"API Sec\" > API Security"
CERT_REMEDY = (f"In {API_SECURITY}, select your product, click Display Certificate Details and copy the "
               "certificate again exactly as shown: capitals matter.")
ENHANCEMENTS_MESSAGE = "Aeries says this part of its API is not turned on for your district."
ENHANCEMENTS_REMEDY = ("Ask your Aeries administrator to turn on the \"v5 Enhancements\" feature flag (in Aeries: "
                       "Admin > Feature Flags), then check again. Until it is on, Aeries refuses these requests.")
ROLLOVER_MONTHS = (6, 7, 8, 9)
"""June to September: when districts run New Year Rollover (inferred, see FACTS)."""
class AeriesApi:
    """The v5 REST API with one certificate."""

    def __init__(self, http: httpx.AsyncClient, server_url: str, certificate: str, database_year: str = "") -> None:
        self.http = http
        self.base = server_base(server_url)
        self.certificate = certificate.strip()
        self.database_year = database_year

    async def get(self, path: str, params: dict[str, Any] | None = None, cert: bool = True) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if cert:
            headers["AERIES-CERT"] = self.certificate
        query = dict(params or {})
        if self.database_year:
            query["DatabaseYear"] = self.database_year
        return await self.http.get(f"{self.base}/api/v5/{path}", params=query, headers=headers)


def _oneroster_wording() -> Wording:
    return Wording(
        code="aeries.oneroster_", key="oneroster",
        credentials_remedy=(f"In {API_SECURITY}, select your OneRoster product, click Display Consumer ID & Secret "
                            "Keys for OneRoster and copy the Consumer ID and Consumer Secret again."),
        url_remedy=(f"Copy the OneRoster URL from {API_SECURITY} > your OneRoster product > Display Consumer ID & "
                    "Secret Keys; it is the Aeries address, not a login page."),
        permission_remedy=lambda endpoint: (
            f"In {API_SECURITY}, select your OneRoster product and tick Read for "
            f"{ONEROSTER_AREAS.get(endpoint, endpoint)}, then save."))


REACH_NAMES = {"connection_dropped": "transient", "unexpected_answer": "transient"}
"""Aeries' names for the shared reach table's suffixes (errors.REACH_TABLE)."""


class AeriesConnector:
    async def check(self, ctx: Context, credentials: Credentials,
                    requirements: Requirements) -> AsyncIterator[CheckResult]:
        keys = ("standard_api", "oneroster")

        def crashed(index: int, exc: Exception) -> CheckResult:  # never let a bug escape check(): report it
            f = classify_exception(exc)
            return CheckResult(keys[index], "Check", Layer.REACH, Status.FAILED, "aeries.check_crashed",
                               f.message, f.remedy, type(exc).__name__)

        async for result in merged([self._standard(ctx, credentials, requirements),
                                    self._oneroster(ctx, credentials, requirements)], crashed):
            yield result

    async def _oneroster(self, ctx: Context, credentials: Credentials,
                         requirements: Requirements) -> AsyncIterator[CheckResult]:
        ks = credentials.get("oneroster") or {}
        client = OneRosterClient(ctx.http, str(ks.get("oneroster_url", "")), str(ks.get("consumer_id", "")).strip(),
                                 str(ks.get("consumer_secret", "")).strip())
        endpoints = requirements.get("oneroster_endpoints") or DEFAULT_ENDPOINTS
        async for result in check_consumer(client, _oneroster_wording(), endpoints):
            yield result

    async def _standard(self, ctx: Context, credentials: Credentials,
                        requirements: Requirements) -> AsyncIterator[CheckResult]:
        api = AeriesApi(ctx.http, str(credentials.get("server_url", "")),
                        str((credentials.get("standard_api") or {}).get("certificate", "")),
                        str(requirements.get("database_year") or ""))
        reached, info = await _systeminfo(api)
        yield reached
        if info is None:
            return
        accepted, schools = await _schools(api)
        for result in accepted:
            yield result
        if schools is None:
            return
        yield self._database_year(info, str(requirements.get("database_year") or ""))
        if not schools:
            yield _result("Schools", Layer.SAMPLE, Status.WARNING, "no_schools", "Aeries lists no schools.",
                          "Check the district's school setup in Aeries.")
            return
        school = str(schools[0]["SchoolCode"])
        sample: list[Record] | None = None
        for area in requirements.get("areas") or list(AREA_PROBES):
            read, rows = await _read_area(api, area, school, bool(requirements.get("write")))
            yield read
            if area == "Student Data" and rows is not None:
                sample = rows
        if "Student Data" in (requirements.get("areas") or AREA_PROBES):
            yield _sample_student(sample, school)

    @staticmethod
    def _database_year(info: dict[str, Any], wanted: str) -> CheckResult:
        """Aeries silently falls back to the default year for a DatabaseYear that is missing, invalid
        or unknown (aeries.md, S3), so the year the integrator would really be sent is checked here."""
        default = str(info.get("DatabaseYear", ""))
        available = [str(y) for y in info.get("AvailableDatabaseYears") or []]
        check = "Database year"
        if wanted:
            if not (wanted.isdigit() and len(wanted) == 4):
                return CheckResult("standard_api", check, Layer.AUTHORISE, Status.FAILED,
                                   "aeries.database_year_malformed",
                                   f"The school year to read ({wanted}) is not a year Aeries understands, so Aeries "
                                   f"would silently send its default year ({default}) instead.",
                                   "Ask the integrator to give the year the school year starts in, such as 2026 for "
                                   "2026-27.", f"available: {', '.join(available)}")
            label = f"{wanted}-{int(wanted) + 1}"
            if label not in available:
                return CheckResult("standard_api", check, Layer.AUTHORISE, Status.FAILED,
                                   "aeries.database_year_unavailable",
                                   f"Aeries has no {label} database; Aeries would silently send {default} instead.",
                                   "Ask the integrator which school year to read, or open that year's database in "
                                   "Aeries (Aeries: Change School Year).", f"available: {', '.join(available)}")
            return CheckResult("standard_api", check, Layer.AUTHORISE, Status.OK, "aeries.database_year_ok",
                               f"Records are read from the {label} database.")
        try:
            today = dt.datetime.fromisoformat(str(info.get("CurrentDateTime"))).date()
        except ValueError:
            today = dt.date.today()
        current = school_year_of(today)
        expected = f"{current}-{current + 1}"
        served = int(default[:4]) if default[:4].isdigit() else current
        detail = f"default {default}; available {', '.join(available)}; today {today.isoformat()}"
        rollover = today.month in ROLLOVER_MONTHS
        season = (" It is New Year Rollover season, so this may change any day: check again after your district "
                  "rolls over.") if rollover else ""
        if served < current:
            return CheckResult("standard_api", check, Layer.AUTHORISE, Status.WARNING, "aeries.database_year_stale",
                               f"Aeries' default database is {default}, but today is in the {expected} school year, "
                               "so the integrator would receive last year's records." + season,
                               "Ask your Aeries administrator to finish New Year Rollover and make the new year the "
                               "default database, or ask the integrator to read a fixed database year.", detail)
        if served > current:
            return CheckResult("standard_api", check, Layer.AUTHORISE, Status.WARNING, "aeries.database_year_ahead",
                               f"Aeries' default database is already {default}, but today is still in the {expected} "
                               "school year, so the integrator would receive next year's records." + season,
                               f"If the integrator must keep reading {expected} until the new year starts, ask it to "
                               f"read the fixed database year {current}.", detail)
        if rollover:
            return CheckResult("standard_api", check, Layer.AUTHORISE, Status.WARNING,
                               "aeries.database_year_rollover",
                               f"Aeries' default database is {default}, the current school year, but it is New Year "
                               "Rollover season: when your district rolls over, Aeries will switch to the new year's "
                               "records without telling the integrator.",
                               "Tell the integrator the date your district rolls over, or ask it to read a fixed "
                               "database year, and check again after the rollover.", detail)
        return CheckResult("standard_api", check, Layer.AUTHORISE, Status.OK, "aeries.database_year_ok",
                           f"Aeries' default database is the current school year ({default}).")

    async def stream(self, ctx: Context, credentials: Credentials, requirements: Requirements,
                     entity: str) -> AsyncIterator[Record]:
        if entity in ("classes", "class_memberships"):
            ks = credentials.get("oneroster") or {}
            client = OneRosterClient(ctx.http, str(ks.get("oneroster_url", "")),
                                     str(ks.get("consumer_id", "")).strip(), str(ks.get("consumer_secret", "")).strip())
            # Whether its OneRoster honours ``fields`` is not in the fact sheet: whole records unless
            # the profile says it does (``oneroster_fields``).
            async for record in rostering.stream(client, ctx, entity, _refusal,
                                                 name_fields=bool(requirements.get("oneroster_fields"))):
                yield record
            return
        api = AeriesApi(ctx.http, str(credentials.get("server_url", "")),
                        str((credentials.get("standard_api") or {}).get("certificate", "")),
                        str(requirements.get("database_year") or ""))
        if entity == "staff":
            rows = await _json(await api.get("staff"), "staff")
            for row in rows:
                yield row
            ctx.page_done(entity, len(rows))
            return
        schools = await _json(await api.get("schools"), "schools")
        if entity == "schools":
            for row in schools:
                yield row
            ctx.page_done(entity, len(schools))
            return
        codes = [s["SchoolCode"] for s in schools if s.get("SchoolCode")]
        if entity in ("contacts", "contact_links"):
            # A parent of siblings at two schools is in both schools' lists, so people are told
            # apart only once every school's rows are in (records.py).
            rows = []
            for code in codes:
                rows += await _json(await api.get(f"schools/{code}/contacts"), "contacts")
            wanted = ctx.wanted(entity)
            named = entity == "contact_links" and (wanted is None or people.RELATIONSHIP in wanted)
            records = people.people(rows) if entity == "contacts" else people.links(
                rows, await _relationship_names(api) if named else {})
            for row in records:
                yield row
            ctx.page_done(entity, len(records))
            return
        count = 0
        for code in codes:
            if entity == "terms":
                # Term codes repeat from school to school (1-4 at each): the school they belong
                # to is only in the address, so each row carries it.
                rows = [{**row, TERM_SCHOOL: code} if isinstance(row, dict) else row
                        for row in await _json(await api.get(f"schools/{code}/terms"), "terms")]
            elif entity == "students":
                async for page in _student_pages(api, code, ctx):
                    for row in page:
                        yield row
                    count += len(page)
                    ctx.page_done(entity, count)
                continue
            else:
                raise KeyError(f"Aeries has no entity {entity!r}")
            for row in rows:
                yield row
            count += len(rows)
            ctx.page_done(entity, count)

def _result(check: str, layer: Layer, status: Status, what: str, message: str, remedy: str = "",
            detail: str = "", ms: int = 0, k: str = "standard_api") -> CheckResult:
    return CheckResult(k, check, layer, status, f"aeries.{what}", message, remedy, detail, ms)


async def _systeminfo(api: AeriesApi) -> tuple[CheckResult, dict[str, Any] | None]:
    """The address: ``systeminfo`` answers without a certificate; its body is kept for the year check."""
    with Timer() as t:
        try:
            info_response: httpx.Response | None = None
            info_response = got = await api.get("systeminfo", cert=False)
            info = got.json() if got.status_code == 200 else None
            problem: BaseException | None = None
        except ValueError:
            info, problem = None, VendorError("aeries.transient", "Aeries' answer arrived garbled.",
                                              "Try again in a minute.", FailureKind.TRANSIENT)
        except httpx.HTTPError as exc:
            info_response, info, problem = None, None, exc
    if problem is not None:
        reach = reach_failure(problem, "aeries", REACH_NAMES)  # VendorError keeps its own message and kind
        return _result("Aeries address", Layer.REACH, Status.FAILED, reach.what, reach.headline, reach.remedy,
                       type(problem).__name__, t.ms, "connection"), None
    if not isinstance(info, dict) or "DatabaseYear" not in info:
        status = info_response.status_code if info_response is not None else 0
        transient = status and classify_status(status).kind is FailureKind.TRANSIENT
        return _result("Aeries address", Layer.REACH, Status.FAILED, "transient" if transient else "not_aeries",
                       "Aeries did not answer in time; try again shortly." if transient else
                       "There is no Aeries API at that address.",
                       "Try again in a few minutes." if transient else
                       "Use the address of your Aeries login page up to the last /, for example "
                       "https://aeries.district.example.org/aeries.",
                       f"GET /api/v5/systeminfo → HTTP {status}", t.ms, "connection"), None
    return _result("Aeries address", Layer.REACH, Status.OK, "systeminfo_ok", "Aeries answered.",
                   detail=f"Aeries {info.get('AeriesVersion', '?')}, database {info.get('DatabaseYear')}",
                   ms=t.ms, k="connection"), info


async def _schools(api: AeriesApi) -> tuple[list[CheckResult], list[Record] | None]:
    """The certificate: ``schools`` needs one but no area. The schools with a code, or None on a failure."""
    check = "Certificate accepted"
    with Timer() as t:
        try:
            response = await api.get("schools")
        except httpx.HTTPError as exc:
            reach = reach_failure(exc, "aeries", REACH_NAMES)
            return [_result(check, Layer.AUTHENTICATE, Status.FAILED, reach.what, reach.headline,
                            reach.remedy, type(exc).__name__, t.ms)], None
    status, detail = response.status_code, f"HTTP {response.status_code}: {error_text(response)}"
    if status in (401, 403):
        return [_result(check, Layer.AUTHENTICATE, Status.FAILED, "certificate_rejected",
                        "Aeries did not accept the certificate.", CERT_REMEDY, detail, t.ms),
                _result("Security areas", Layer.AUTHORISE, Status.SKIPPED, "skipped",
                        "Not checked because the certificate was not accepted.")], None
    if status == 501:
        return [_result(check, Layer.AUTHENTICATE, Status.FAILED, "v5_enhancements_off",
                        ENHANCEMENTS_MESSAGE, ENHANCEMENTS_REMEDY, f"HTTP 501: {error_text(response)}", t.ms)], None
    if status != 200:
        f = classify_status(status)
        return [_result(check, Layer.AUTHENTICATE, Status.FAILED,
                        "transient" if f.kind is FailureKind.TRANSIENT else "schools_failed", f.message, f.remedy,
                        detail, t.ms)], None
    listed = json_list(response)
    if listed is None:
        return [_result(check, Layer.AUTHENTICATE, Status.FAILED, "schools_unreadable",
                        "The server answered the list of schools with something that is not Aeries data.",
                        "Use the address of your Aeries login page up to the last /, for example "
                        "https://aeries.district.example.org/aeries; if it is right, send the support report.",
                        f"HTTP 200, {len(response.content)} bytes", t.ms)], None
    schools = [s for s in listed if s.get("SchoolCode")]
    return [_result(check, Layer.AUTHENTICATE, Status.OK, "certificate_ok",
                    "Aeries accepted the certificate.", detail=f"{len(schools)} schools", ms=t.ms)], schools


async def _read_area(api: AeriesApi, area: str, school: str, write: bool
                     ) -> tuple[CheckResult, list[Record] | None]:
    """One security area tried with one record; the rows when it was read."""
    path = {"students": f"schools/{school}/students", "contacts": f"schools/{school}/contacts",
            "staff": "staff"}[AREA_PROBES[area]]
    params = slice_params(1, 1) if area == "Student Data" else None
    check = f"Read {area}"
    with Timer() as t:
        try:
            response = await api.get(path, params)
        except httpx.HTTPError as exc:
            reach = reach_failure(exc, "aeries", REACH_NAMES)
            return _result(check, Layer.AUTHORISE, Status.FAILED, reach.what, reach.headline,
                           reach.remedy, type(exc).__name__, t.ms), None
    code, status = AREA_CODES[area], response.status_code
    detail = f"HTTP {status}: {error_text(response)}"
    if status == 200:
        rows = json_list(response)
        if rows is None:
            return _result(check, Layer.AUTHORISE, Status.FAILED, f"{code}_unreadable",
                           f"The server answered {area} with something that is not Aeries data.",
                           "Check the Aeries address; if it is right, send the support report to the integrator.",
                           f"HTTP 200, {len(response.content)} bytes", t.ms), None
        return _result(check, Layer.AUTHORISE, Status.OK, f"{code}_ok", f"{area} can be read.", ms=t.ms), rows
    if status in (401, 403):
        return _result(check, Layer.AUTHORISE, Status.FAILED, f"{code}_not_permitted",
                       f"The certificate may not read {area}.",
                       f"In {API_SECURITY}, select your product and tick Read for {area}"
                       + (" (and Update and Insert, as the integrator writes it)"
                          if write and area in ("Student Data", "Contacts") else "")
                       + ", then save.", detail, t.ms), None
    if status == 501:
        return _result(check, Layer.AUTHORISE, Status.FAILED, "v5_enhancements_off",
                       ENHANCEMENTS_MESSAGE, ENHANCEMENTS_REMEDY, f"HTTP 501: {error_text(response)}", t.ms), None
    f = classify_status(status)
    said = vendor_message(response) if status == 400 else ""
    return _result(check, Layer.AUTHORISE, Status.FAILED,
                   "transient" if f.kind is FailureKind.TRANSIENT else f"{code}_failed",
                   f"Aeries refused to send {area}: {said}" if said else f.message, f.remedy, detail, t.ms), None


def _sample_student(sample: list[Record] | None, school: str) -> CheckResult:
    if sample is None:
        return _result("Sample student", Layer.SAMPLE, Status.SKIPPED, "skipped",
                       "Not checked because Student Data could not be read.")
    if sample:
        return _result("Sample student", Layer.SAMPLE, Status.OK, "sample_ok", "A student record was read.",
                       detail=f"one record with a StudentID read at school {school}")
    return _result("Sample student", Layer.SAMPLE, Status.WARNING, "no_students",
                   f"Aeries lists no students at school {school}.",
                   "Check that students are enrolled in this school year's database.")


async def _relationship_names(api: AeriesApi) -> dict[str, str]:
    """Aeries' code set for a contact's relationship to the student (code → description), so a
    link says "Mother" rather than "10". The table and field (CON.RL) and the Code/Description
    shape are inferred from Aeries' database naming; without the code set the codes stay as sent."""
    try:
        response = await api.get("codes/CON/RL")
        rows = response.json() if response.status_code == 200 else []
    except (httpx.HTTPError, ValueError):
        return {}
    return {str(r.get("Code")): str(r.get("Description")) for r in rows if isinstance(r, dict) and r.get("Code")}


async def _student_pages(api: AeriesApi, code: Any, ctx: Context) -> AsyncIterator[list[Record]]:
    """Students of one school in StartingRecord/EndingRecord slices, up to ctx.concurrency slices in
    flight; Aeries never says how many there are, so the first short slice is the last (vendors/paging.py)."""
    size = ctx.page_size or PAGE_SIZE

    async def fetch(number: int) -> httpx.Response:
        return await api.get(f"schools/{code}/students", slice_params(number, size))

    async for rows in ordered_pages(untraced(fetch), lambda _n, response: _json(response, "students"),
                                    concurrency=ctx.concurrency, page_size=size):
        if rows:
            yield rows


async def _json(response: httpx.Response, what: str) -> list[Record]:
    if response.status_code != 200:
        raise _v5_refusal(response, what)
    body = json_list(response)
    if body is None:
        raise VendorError("aeries.unreadable", f"The server's answer for {what} is not Aeries data (a list of "
                          "records).", "Check the Aeries address; if it is right, send the support report to the "
                          "integrator.", FailureKind.BUG, detail=f"HTTP 200, {len(response.content)} bytes")
    return body


def _headline(response: httpx.Response, what: str) -> str:
    """A 400 says in Aeries' words what was wrong (a business rule or key, per the fact sheet), so
    those words lead; other statuses keep the plain explanation of the status."""
    said = vendor_message(response) if response.status_code == 400 else ""
    return f"Aeries refused to send {what}: {said}" if said else \
        f"Aeries refused to send {what}: {classify_status(response.status_code).message}"


def _v5_refusal(response: httpx.Response, what: str) -> VendorError:
    """A v5 refusal: 501 is the "v5 Enhancements" feature flag left off (aeries.md, S18)."""
    if response.status_code == 501:
        return VendorError("aeries.v5_enhancements_off", ENHANCEMENTS_MESSAGE, ENHANCEMENTS_REMEDY,
                           FailureKind.CONFIG, f"HTTP 501: {error_text(response)}")
    return _refusal(response, what)


def _refusal(response: httpx.Response, what: str) -> VendorError:
    f = classify_status(response.status_code)
    code = {401: "aeries.certificate_rejected", 403: "aeries.not_permitted"}.get(response.status_code,
                                                                               "aeries.read_failed")
    return VendorError(code, _headline(response, what), f.remedy, f.kind,
                       f"HTTP {response.status_code}: {error_text(response)}")
