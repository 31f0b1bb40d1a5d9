"""The live check and record reads of a LISS server, as Timetable Daily's "Test connection" would see it.

``liss.hello`` ignores credentials, so it proves only that the address speaks LISS; an
authenticated read (``getTimetableStructures``, else ``getRooms``) then proves the school
code, username and password. A server that only receives data may refuse every read: then
the credentials cannot be proved and the check says so as a warning, not a failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from mis_wizard.vendors.base import CONNECTION, CheckResult, Layer, Status, Timer
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.liss import records, rpc, wire
from mis_wizard.vendors.liss.requirements import jsonrpc_member, liss_version, user_agent

if TYPE_CHECKING:  # the connector signature's types
    from mis_wizard.vendors.base import Context, Credentials, Record, Requirements

AUTH_READS = ("liss.getTimetableStructures", "liss.getRooms")


def auth_from(credentials: Credentials, requirements: Requirements) -> rpc.Auth:
    return rpc.Auth(school=str(credentials.get("school_code", "")).strip(),
                    username=str(credentials.get("username", "")).strip(),
                    password=str(credentials.get("password", "")),
                    user_agent=user_agent(requirements), version=liss_version(requirements))


def _today_param() -> str:
    return wire.format_date(dt.date.today())


class LissConnector:
    """A LISS client for the integrator's server details."""

    async def check(self, ctx: Context, credentials: Credentials,
                    requirements: Requirements) -> AsyncIterator[CheckResult]:
        url = str(credentials.get("base_url", "")).strip()
        auth = auth_from(credentials, requirements)
        jsonrpc = jsonrpc_member(requirements)
        with Timer() as t:
            try:
                hello = await rpc.call(ctx.http, url, "liss.hello", [], jsonrpc=jsonrpc)
                failure: VendorError | None = None
            except VendorError as exc:
                failure = exc
            except Exception as exc:  # never let the check die: an unexpected error is a result too
                failure = rpc.network_error(exc)
        if failure is None:
            sis = hello.get("SIS", "unnamed") if isinstance(hello, dict) else "unnamed"
            yield CheckResult(CONNECTION, "LISS server answers", Layer.REACH, Status.OK, "liss.hello_ok",
                              f"The address answers as a LISS server ({sis}).", detail=f"liss.hello: {hello!r}"[:300],
                              elapsed_ms=t.ms)
        elif failure.code in ("liss.school_code_rejected", "liss.password_rejected", "liss.credentials_rejected",
                              "liss.method_unsupported", "liss.call_refused"):
            yield CheckResult(CONNECTION, "LISS server answers", Layer.REACH, Status.WARNING, "liss.hello_refused",
                              "The address speaks LISS but refused liss.hello, which every LISS server should answer.",
                              "Nothing to change if the next check passes; otherwise send the support report "
                              "to the integrator.", auth.redact(failure.detail), t.ms)
        else:
            yield _failed(CONNECTION, "LISS server answers", Layer.REACH, failure, auth, t.ms)
            yield CheckResult(CONNECTION, "School code, username and password", Layer.AUTHENTICATE,
                              Status.SKIPPED, "liss.auth_skipped", "Not checked: the server could not be reached.")
            return
        yield await self._check_auth(ctx, url, auth, jsonrpc)

    async def _check_auth(self, ctx: Context, url: str, auth: rpc.Auth, jsonrpc: bool) -> CheckResult:
        name = "School code, username and password"
        with Timer() as t:
            tried: list[str] = []
            for method in AUTH_READS:
                params = [_today_param()] if method.endswith("Structures") else []
                try:
                    result = await rpc.call(ctx.http, url, method, params, auth=auth, jsonrpc=jsonrpc)
                except rpc.Unsupported:
                    tried.append(method)
                    continue
                except VendorError as exc:
                    return _failed(CONNECTION, name, Layer.AUTHENTICATE, exc, auth, t.ms)
                except Exception as exc:  # see check(): reported, never raised
                    return _failed(CONNECTION, name, Layer.AUTHENTICATE, rpc.network_error(exc), auth, t.ms)
                count = len(result) if isinstance(result, list) else 0
                return CheckResult(CONNECTION, name, Layer.AUTHENTICATE, Status.OK, "liss.auth_ok",
                                   "The LISS server accepted the School code, Username and Password.",
                                   detail=f"{method} returned {count} record(s)", elapsed_ms=t.ms)
        return CheckResult(
            CONNECTION, name, Layer.AUTHENTICATE, Status.WARNING, "liss.auth_unverified",
            "The LISS server answers but offers no read that proves the School code, Username and Password.",
            "Type them in Timetable Daily (Daily > Synchronise > Add sync system > Generic LISS server) and use "
            "Test connection there; if it fails, ask the integrator to confirm all three.",
            detail="unsupported: " + ", ".join(tried), elapsed_ms=t.ms)

    async def stream(self, ctx: Context, credentials: Credentials, requirements: Requirements,
                     entity: str) -> AsyncIterator[Record]:
        """One ``liss.get…`` per entity (records.py); LISS calls take no field list (liss.md), so
        ``ctx.fields`` narrows nothing here (tests/vendors/liss/test_requests_narrowed.py)."""
        url = str(credentials.get("base_url", "")).strip()
        auth = auth_from(credentials, requirements)
        jsonrpc = jsonrpc_member(requirements)

        async def get(method: str, *params: Any) -> list[Record]:
            result = await rpc.call(ctx.http, url, method, list(params), auth=auth, jsonrpc=jsonrpc)
            return [r for r in result if isinstance(r, dict)] if isinstance(result, list) else []

        today = _today_param()
        if entity == "terms":
            rows = records.terms(await get("liss.getTimetableStructures", today))
        elif entity in records.STRUCTURE_READS:
            rows = await _per_structure(get, entity, await get("liss.getTimetableStructures", today))
        else:
            method = records.READS.get(entity)
            if method is None:
                raise VendorError("liss.entity_unknown", f"A LISS server has no {entity} to read.",
                                  "Choose another record type.")
            rows = await get(method, today)
            if entity == "classes":
                rows = records.classes(rows)
        for row in rows:
            yield row
        ctx.page_done(entity, len(rows))


async def _per_structure(get: Callable[..., Awaitable[list[Record]]], entity: str,
                         structures: list[Record]) -> list[Record]:
    """Reads keyed by timetable structure or by its academic year (LISS has no paging)."""
    rows: list[Record] = []
    years: set[Any] = set()
    for s in structures:
        if entity == "bell_times":
            rows += await get(records.STRUCTURE_READS[entity], s.get("TtStructure"))
            continue
        year = s.get("AcademicYear")
        if year in years:
            continue
        years.add(year)
        dates = [d for t in s.get("Terms") or [] for d in (wire.parse_date(t.get("StartDate")),
                                                          wire.parse_date(t.get("EndDate"))) if d]
        if not dates:
            continue
        if entity == "calendar":
            start, end = dt.date(min(dates).year, 1, 1), dt.date(max(dates).year, 12, 31)
            rows += await get(records.STRUCTURE_READS[entity], wire.format_date(start), wire.format_date(end))
        else:
            rows += await get(records.STRUCTURE_READS[entity], wire.format_date(min(dates)),
                              wire.format_date(max(dates)))
    return rows


def _failed(key: str, check: str, layer: Layer, exc: VendorError, auth: rpc.Auth, ms: int) -> CheckResult:
    return CheckResult(key, check, layer, Status.FAILED, exc.code, auth.redact(exc.message), auth.redact(exc.remedy),
                       auth.redact(exc.detail), ms)
