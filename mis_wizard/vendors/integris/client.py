"""Live checks and record streams for RM Integris through a Datashare partner endpoint.

The states a school admin can cause are told apart, because each has a different fix: the
partner credentials are wrong (the integrator's problem), the school identifier is unknown,
access was never granted on the integrator's tile, access was withdrawn, or an optional field
the integrator needs is switched off in one permission area. The wire format lives in wire.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from mis_wizard.vendors import errors
from mis_wizard.vendors.base import CONNECTION, CheckResult, Context, Credentials, Layer, Record, Requirements, Status
from mis_wizard.vendors.integris import records, wire
from mis_wizard.vendors.integris.requirements import KEY, Area, field_off_status, needed_optional, wanted_areas
from mis_wizard.vendors.paging import ordered_pages, untraced

SAMPLE_SIZE = 20
DATASHARE_SCREEN = "Modules > System Management > Integris Datashare"

_SOURCES = {"class_memberships": "classes", "group_memberships": "groups"}
"""Entities read through another object's records."""


def _integrator(requirements: Requirements) -> str:
    return str(requirements.get("integrator") or "your integrator")


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def refusal(code: str, requirements: Requirements) -> tuple[str, str]:
    """The admin's message and remedy for each refusal the Datashare contract distinguishes."""
    who = _integrator(requirements)
    tile = f"{DATASHARE_SCREEN}, open the {who} tile"
    table = {
        "partner_credentials_rejected": (
            f"Datashare did not accept the partner client ID and secret of {who}.",
            f"These come from {who}, not from Integris: ask {who} for their Datashare partner client ID and "
            "secret again and paste them in exactly."),
        "school_unknown": (
            "Datashare knows no school with this school identifier.",
            "Check the school identifier: it is your school's DfE number (LA code and establishment "
            "number, 7 digits) unless your integrator said otherwise."),
        "access_not_granted": (
            f"Your school has not granted {who} access in Integris Datashare.",
            f"In Integris go to {tile}, click Grant Access, tick the Terms and Conditions box and click Confirm. "
            f"Then tell {who} that access is granted: RM does not tell them."),
        "access_withdrawn": (
            f"Your school granted {who} access in Integris Datashare and it has since been withdrawn.",
            f"In Integris go to {tile} and click Grant Access again (tick the Terms and Conditions box, "
            f"Confirm), then tell {who}: RM does not tell them."),
    }
    return table[code]


@dataclass
class _Session:
    """One partner token for one school, over the wizard's client."""

    http: httpx.AsyncClient
    base: str
    school_id: str
    client_id: str
    client_secret: str
    token: str = ""

    @classmethod
    def of(cls, ctx: Context, credentials: Credentials) -> _Session:
        keys = credentials.get(KEY) or {}
        return cls(ctx.http, str(credentials.get("base_url", "")).strip().rstrip("/"),
                   str(credentials.get("school_id", "")).strip(), str(keys.get("client_id", "")).strip(),
                   str(keys.get("client_secret", "")).strip())

    async def request_token(self) -> httpx.Response:
        return await self.http.post(self.base + wire.TOKEN_PATH, data=wire.token_form(self.client_id,
                                                                                      self.client_secret),
                                    extensions=errors.SMALL_REPLY)

    async def get(self, resource: str | None, params: dict[str, str] | None = None) -> httpx.Response:
        path = wire.RESOURCE_PATH.format(school_id=self.school_id, resource=resource) if resource \
            else wire.SCHOOL_PATH.format(school_id=self.school_id)
        return await self.http.get(self.base + path, params=params, headers=wire.auth_headers(self.token))


def _refusal_code(response: httpx.Response) -> str | None:
    """Our check code for a refusal the contract names, or None when it names none."""
    code = wire.error_code(response)
    if response.status_code == 401:
        return "partner_credentials_rejected"
    if code == wire.ErrorCode.SCHOOL_NOT_FOUND:
        return "school_unknown"
    if code == wire.ErrorCode.ACCESS_WITHDRAWN:
        return "access_withdrawn"
    if response.status_code == 403:
        return "access_not_granted"
    return None


def _status_failure(response: httpx.Response) -> tuple[str, errors.Failure]:
    failure = errors.classify_status(response.status_code)
    kind = "transient_failure" if failure.kind is errors.FailureKind.TRANSIENT else "unexpected_answer"
    return f"integris.{kind}", failure


REACH_NAMES = {"connection_dropped": "transient_failure", "tls_untrusted": "unreachable"}
"""Integris' names for the shared reach table's suffixes (errors.REACH_TABLE); an untrusted
certificate keeps the code its tests pin (the message still names the certificate)."""


def _exception_failure(exc: BaseException) -> tuple[str, errors.Failure]:
    reach = errors.reach_failure(exc, "integris", REACH_NAMES)
    return reach.code, reach.failure


def _detail(response: httpx.Response) -> str:
    code = wire.error_code(response)
    return f"HTTP {response.status_code} {response.request.method} {response.request.url.path}" + \
        (f" error={code}" if code else "")


def _answer_failure(response: httpx.Response, requirements: Requirements, check: str, layer: Layer, ms: int,
                    *, school_key: str = KEY) -> CheckResult | None:
    """The failed result for a refusal the contract names or an error status, else None; an unknown
    school is told against ``school_key`` (the connection fields, when the check is the school's)."""
    refused = _refusal_code(response)
    if refused:
        message, remedy = refusal(refused, requirements)
        key = school_key if refused == "school_unknown" else KEY
        return CheckResult(key, check, layer, Status.FAILED, f"integris.{refused}", message, remedy,
                           _detail(response), ms)
    if response.is_error:
        code, failure = _status_failure(response)
        return CheckResult(KEY, check, layer, Status.FAILED, code, failure.message, failure.remedy,
                           _detail(response), ms)
    return None


def _crash(check: str, layer: Layer, exc: BaseException, started: float) -> CheckResult:
    code, failure = _exception_failure(exc)
    return CheckResult(KEY, check, layer, Status.FAILED, code, failure.message, failure.remedy, type(exc).__name__,
                       _ms(started))


class IntegrisConnector:
    """Checks and streams against the partner endpoint named in the credentials."""

    async def check(self, ctx: Context, credentials: Credentials,
                    requirements: Requirements) -> AsyncIterator[CheckResult]:
        session = _Session.of(ctx, credentials)
        try:
            async for result in self._check(session, requirements):
                yield result
        except Exception as exc:  # a check never raises: an unforeseen error is one FAILED result
            code, failure = _exception_failure(exc)
            yield CheckResult(KEY, "Datashare check", Layer.SAMPLE, Status.FAILED, code, failure.message,
                              failure.remedy, type(exc).__name__)

    async def _check(self, session: _Session, requirements: Requirements) -> AsyncIterator[CheckResult]:
        reach, token = "Datashare address answers", "Partner credentials accepted"
        started = time.perf_counter()
        try:
            response = await session.request_token()
        except Exception as exc:
            code, failure = _exception_failure(exc)
            yield CheckResult(CONNECTION, reach, Layer.REACH, Status.FAILED, code, failure.message,
                              failure.remedy, f"{type(exc).__name__} for {session.base}", _ms(started))
            return
        ms = _ms(started)
        if response.status_code in errors.RETRYABLE_STATUS:
            code, failure = _status_failure(response)
            yield CheckResult(CONNECTION, reach, Layer.REACH, Status.FAILED, code, failure.message,
                              failure.remedy, _detail(response), ms)
            return
        if not wire.is_json(response):
            yield CheckResult(
                CONNECTION, reach, Layer.REACH, Status.FAILED, "integris.not_datashare",
                "The address answers, but not as a Datashare partner endpoint.",
                f"Use the Datashare partner address {_integrator(requirements)} gave you; it is not the "
                "address you use to log in to Integris.", _detail(response), ms)
            return
        yield CheckResult(CONNECTION, reach, Layer.REACH, Status.OK, "integris.reach_ok",
                          "The Datashare partner endpoint answers.", elapsed_ms=ms)
        if response.status_code == 401 or wire.error_code(response) == wire.ErrorCode.INVALID_CLIENT:
            message, remedy = refusal("partner_credentials_rejected", requirements)
            yield CheckResult(KEY, token, Layer.AUTHENTICATE, Status.FAILED,
                              "integris.partner_credentials_rejected", message, remedy, _detail(response), ms)
            return
        try:
            if response.is_error:
                code, failure = _status_failure(response)
            else:
                session.token = wire.parse_token(response.content)
        except ValueError as exc:
            code, failure = _exception_failure(exc)
        if not session.token:
            yield CheckResult(KEY, token, Layer.AUTHENTICATE, Status.FAILED, code, failure.message,
                              failure.remedy, _detail(response), ms)
            return
        yield CheckResult(KEY, token, Layer.AUTHENTICATE, Status.OK, "integris.partner_ok",
                          "Datashare accepted the partner credentials.", elapsed_ms=ms)
        access = await self._access(session, requirements)
        yield access
        areas = wanted_areas(requirements)
        if access.status is not Status.OK:
            for area in areas:
                yield CheckResult(KEY, area.label, Layer.SAMPLE, Status.SKIPPED, "integris.area_skipped",
                                  "Not checked until the school's access works.")
            return
        tasks = [asyncio.create_task(self._sample(session, requirements, area)) for area in areas]
        try:
            for finished in asyncio.as_completed(tasks):
                yield await finished
        finally:
            for task in tasks:
                task.cancel()

    async def _access(self, session: _Session, requirements: Requirements) -> CheckResult:
        check = "School has granted access"
        started = time.perf_counter()
        try:
            response = await session.get(None)
            ms = _ms(started)
            failed = _answer_failure(response, requirements, check, Layer.AUTHORISE, ms, school_key=CONNECTION)
            if failed is not None:
                return failed
            school = wire.parse_school(response.content)
        except Exception as exc:
            return _crash(check, Layer.AUTHORISE, exc, started)
        return CheckResult(KEY, check, Layer.AUTHORISE, Status.OK, "integris.access_granted",
                           f"{school.name or 'The school'} ({school.school_id}) has granted "
                           f"{_integrator(requirements)} access through Datashare.", elapsed_ms=ms)

    async def _sample(self, session: _Session, requirements: Requirements, area: Area) -> CheckResult:
        check = area.label
        resource = wire.RESOURCES[area.entity]
        started = time.perf_counter()
        try:
            response = await session.get(resource, wire.page_params(1, SAMPLE_SIZE))
            ms = _ms(started)
            failed = _answer_failure(response, requirements, check, Layer.SAMPLE, ms)
            if failed is not None:
                return failed
            page = wire.parse_page(resource, response.content)
        except Exception as exc:
            return _crash(check, Layer.SAMPLE, exc, started)
        if not page.records:
            return CheckResult(KEY, check, Layer.SAMPLE, Status.WARNING, "integris.area_empty",
                               f"Datashare sends no records for \"{area.label}\".",
                               f"Check in Integris that the school has {area.label.lower()} recorded; if it "
                               f"has, ask {_integrator(requirements)} to look at the partner access.", "", ms)
        missing = [label for name, label in needed_optional(requirements, area).items()
                   if all(name not in r for r in page.records)]
        if missing:
            fields = " and ".join(missing)
            return CheckResult(
                KEY, check, Layer.SAMPLE, field_off_status(requirements), "integris.optional_field_off",
                f"Datashare is not sending {fields} in \"{area.label}\": the school has switched "
                f"{'it' if len(missing) == 1 else 'them'} off.",
                f"In Integris go to {DATASHARE_SCREEN}, open the {_integrator(requirements)} tile, click Edit "
                f"next to \"{area.label}\", switch on {fields} and save; then run the check again.",
                f"{resource}: absent from {len(page.records)} sampled records", ms)
        return CheckResult(KEY, check, Layer.SAMPLE, Status.OK, "integris.area_ok",
                           f"Datashare sends \"{area.label}\" ({page.total} records).", elapsed_ms=ms)

    async def stream(self, ctx: Context, credentials: Credentials, requirements: Requirements,
                     entity: str) -> AsyncIterator[Record]:
        """The entity's own Datashare object, page by page; which fields Datashare sends is the
        school's choice on the tile (integris.md), so ``ctx.fields`` narrows nothing here
        (tests/vendors/integris/test_requests_narrowed.py)."""
        source = _SOURCES.get(entity, entity)
        if source not in wire.RESOURCES:
            raise errors.VendorError("integris.unknown_entity", f"RM Integris has no {entity} records.",
                                     "Send the support report to the integrator.", errors.FailureKind.BUG)
        session = _Session.of(ctx, credentials)
        await self._authenticate(session, requirements)
        split = bool(requirements.get("split_combined_contacts", True))
        people: dict[str, list[records.Person]] = {}
        if entity == "contact_links" and split:
            contacts = [r async for page in self._pages(ctx, session, requirements, "contacts") for r in page]
            people = records.people_of(contacts)
        count = 0
        async for page in self._pages(ctx, session, requirements, source):
            out: Iterable[Record]
            if entity == "contacts" and split:
                out = [p for r in page for p in records.split_contact(r)]
            elif entity == "contact_links":
                out = [link for r in page for link in records.split_link(r, people)]
            elif entity == "classes":
                out = [records.class_record(r) for r in page]
            elif entity == "groups":
                out = [records.group_record(r) for r in page]
            elif entity == "class_memberships":
                out = list(records.memberships(page, "classId"))
            elif entity == "group_memberships":
                out = list(records.memberships(page, "groupId"))
            else:
                out = page
            for record in out:
                count += 1
                yield record
            ctx.page_done(entity, count)

    async def _authenticate(self, session: _Session, requirements: Requirements) -> None:
        try:
            response = await session.request_token()
        except Exception as exc:
            code, failure = _exception_failure(exc)
            raise errors.VendorError(code, failure.message, failure.remedy, failure.kind, type(exc).__name__) \
                from exc
        if not wire.is_json(response):
            raise errors.VendorError("integris.not_datashare",
                                     "The address answers, but not as a Datashare partner endpoint.",
                                     f"Use the Datashare partner address {_integrator(requirements)} gave you.",
                                     detail=_detail(response))
        self._raise_for(response, requirements)
        try:
            session.token = wire.parse_token(response.content)
        except ValueError as exc:  # a garbled sign-in answer: retried like any transient failure
            raise errors.VendorError("integris.transient_failure", "The Datashare sign-in answer arrived garbled.",
                                     "Try again in a few minutes.", errors.FailureKind.TRANSIENT,
                                     type(exc).__name__) from None

    def _raise_for(self, response: httpx.Response, requirements: Requirements) -> None:
        refused = _refusal_code(response)
        if refused:
            message, remedy = refusal(refused, requirements)
            raise errors.VendorError(f"integris.{refused}", message, remedy, detail=_detail(response))
        if response.is_error:
            code, failure = _status_failure(response)
            raise errors.VendorError(code, failure.message, failure.remedy, failure.kind, _detail(response))

    async def _pages(self, ctx: Context, session: _Session, requirements: Requirements,
                     resource_of: str) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages in order; after the first names the page count, up to ctx.concurrency are in flight."""
        resource = wire.RESOURCES[resource_of]
        size = int(ctx.page_size or requirements.get("page_size") or wire.DEFAULT_PAGE_SIZE)

        async def fetch(number: int) -> wire.Page:
            try:
                response = await session.get(resource, wire.page_params(number, size))
            except Exception as exc:
                code, failure = _exception_failure(exc)
                raise errors.VendorError(code, failure.message, failure.remedy, failure.kind,
                                         type(exc).__name__) from exc
            self._raise_for(response, requirements)
            try:
                return wire.parse_page(resource, response.content)
            except ValueError as exc:
                code, failure = _exception_failure(exc)
                raise errors.VendorError(code, failure.message, failure.remedy, failure.kind,
                                         f"{resource} page {number}: {exc}") from exc

        async def records_of(_number: int, page: wire.Page) -> list[dict[str, Any]]:
            return page.records

        async for rows in ordered_pages(untraced(fetch), records_of, concurrency=ctx.concurrency,
                                        page_size=size, last_page=lambda page: page.page_count):
            yield rows
