"""The iSAMS REST API: a client-credentials token, then the AM and PM registers.

Schools get the REST client from iSAMS support, so most mistakes are a mistyped secret, a
client without access to registration, or a register ID copied wrong. The token endpoint moved
over the years (``/auth/connect/token`` now); a 404 there means REST is not switched on for this
iSAMS. Pages are ``page`` (from 1) and ``pageSize`` with ``totalPages`` in the reply.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from functools import partial
from typing import Any

from mis_wizard.vendors.base import CheckResult, Context, Layer, Record, Requirements, Status, Timer
from mis_wizard.vendors.errors import SMALL_REPLY, FailureKind, VendorError
from mis_wizard.vendors.isams.records import registration_rows
from mis_wizard.vendors.isams.replies import Redactor, network_failure
from mis_wizard.vendors.isams.wire import REGISTER_PATH, TOKEN_PATH
from mis_wizard.vendors.paging import ordered_pages, untraced

KEY = "rest"
PAGE_SIZE = 1000
_SUPPORT = "iSAMS support (a ticket from your iSAMS portal, or helpdesk@isams.com)"


def registers(requirements: Requirements, values: Mapping[str, Any]) -> dict[str, str]:
    """{register name: ID the admin gave}, in the profile's order."""
    names = (requirements.get("rest") or {}).get("registers") or []
    return {name: str(values.get(f"{name.lower()}_register_id") or "").strip() for name in names}


class RestRefused(Exception):
    """A REST refusal already phrased for the admin."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


async def _token(ctx: Context, base: str, values: Mapping[str, Any], redact: Redactor) -> str:
    with Timer() as t:
        try:
            response = await ctx.http.post(base + TOKEN_PATH, data={
                "grant_type": "client_credentials", "client_id": str(values.get("client_id") or "").strip(),
                "client_secret": str(values.get("client_secret") or "").strip(), "scope": "restapi"},
                extensions=SMALL_REPLY)
        except Exception as exc:  # every network failure becomes a result
            code, failure = network_failure(exc)
            raise RestRefused(CheckResult(KEY, "REST token", Layer.REACH, Status.FAILED, code, failure.message,
                                          failure.remedy, redact(f"{type(exc).__name__}: {exc}"), t.ms)) from exc
    detail = redact(f"HTTP {response.status_code} {response.text[:200]}")
    if response.status_code == 404:
        raise RestRefused(CheckResult(
            KEY, "REST token", Layer.REACH, Status.FAILED, "isams.rest_not_enabled",
            "The REST API is not switched on for this iSAMS.",
            f"Ask {_SUPPORT} to enable the REST API for the integrator; they send back a Client ID and Secret.",
            detail, t.ms))
    token = ""
    if response.status_code == 200:
        try:
            token = str(response.json().get("access_token") or "")
        except ValueError:
            token = ""
    if not token:
        raise RestRefused(CheckResult(
            KEY, "REST client accepted", Layer.AUTHENTICATE, Status.FAILED, "isams.rest_client_rejected",
            "iSAMS did not accept the REST client ID and secret.",
            f"Copy the Client ID and Client Secret again from the message {_SUPPORT} sent; if you no longer have "
            "it, ask them to issue a new secret.", detail, t.ms))
    return token


async def _register_page(ctx: Context, base: str, token: str, name: str, register_id: str, page: int,
                         size: int) -> tuple[Mapping[str, Any] | None, CheckResult | None]:
    """One page of a register, or the result explaining why it was refused."""
    check = f"{name} register"
    with Timer() as t:
        try:
            response = await ctx.http.get(base + REGISTER_PATH.format(register_id=register_id),
                                          params={"page": page, "pageSize": size},
                                          headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        except Exception as exc:  # every network failure becomes a result
            code, failure = network_failure(exc)
            return None, CheckResult(KEY, check, Layer.REACH, Status.FAILED, code, failure.message,
                                     failure.remedy, f"{type(exc).__name__}", t.ms)
    detail = f"HTTP {response.status_code}"
    if response.status_code in (401, 403):
        return None, CheckResult(
            KEY, check, Layer.AUTHORISE, Status.FAILED, "isams.rest_not_authorised",
            f"The REST client works but is not allowed to read registers (the {name} register was refused).",
            f"Ask {_SUPPORT} to give the integrator's REST client access to Registration.", detail, t.ms)
    if response.status_code == 404:
        return None, CheckResult(
            KEY, check, Layer.AUTHORISE, Status.FAILED, "isams.register_not_found",
            f"iSAMS has no register with the ID given for {name} ({register_id}).",
            f"Check the {name} register ID in iSAMS Registration Manager, or ask {_SUPPORT} which register "
            f"is used for {name} registration, and type it again.", detail, t.ms)
    try:
        body = response.json() if response.status_code == 200 else None
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        return None, CheckResult(
            KEY, check, Layer.SAMPLE, Status.FAILED, "isams.response_unreadable",
            f"iSAMS answered for the {name} register, but the answer could not be read.",
            "Try again in a few minutes; if it keeps happening, send the support report to the integrator.",
            detail, t.ms)
    return body, None


async def check(ctx: Context, base: str, values: Mapping[str, Any], requirements: Requirements,
                redact: Redactor) -> AsyncIterator[CheckResult]:
    if not str(values.get("client_id") or "").strip() and not str(values.get("client_secret") or "").strip():
        yield CheckResult(KEY, "REST client", Layer.AUTHENTICATE, Status.SKIPPED, "isams.rest_not_provided",
                          "No REST client was given, so registration marks will not be read.",
                          f"Optional: ask {_SUPPORT} for REST API access for the integrator, then add it here.")
        return
    with Timer() as t:
        try:
            token = await _token(ctx, base, values, redact)
        except RestRefused as refused:
            yield refused.result
            return
    yield CheckResult(KEY, "REST client accepted", Layer.AUTHENTICATE, Status.OK, "isams.rest_token_ok",
                      "iSAMS accepted the REST client ID and secret.", elapsed_ms=t.ms)
    wanted = registers(requirements, values)
    with Timer() as t:
        pages = await asyncio.gather(*(_register_page(ctx, base, token, name, rid, 1, 1)
                                       for name, rid in wanted.items() if rid))
    for (name, rid), (body, refusal) in zip([(n, r) for n, r in wanted.items() if r], pages, strict=True):
        if refusal is not None:
            yield refusal
            continue
        total = (body or {}).get("totalCount", 0)
        yield CheckResult(KEY, f"{name} register", Layer.AUTHORISE, Status.OK, "isams.register_ok",
                          f"The {name} register ({rid}) can be read: {total} marks today.", elapsed_ms=t.ms)


async def stream_registration(ctx: Context, base: str, values: Mapping[str, Any], requirements: Requirements,
                              redact: Redactor) -> AsyncIterator[Record]:
    """Every register's rows, page by page, up to ``ctx.concurrency`` pages at once."""
    try:
        token = await _token(ctx, base, values, redact)
    except RestRefused as refused:
        r = refused.result
        raise VendorError(r.code, r.message, r.remedy, FailureKind.CONFIG, r.detail) from None
    size = ctx.page_size or PAGE_SIZE
    count = 0

    async def fetch(name: str, rid: str, page: int) -> Mapping[str, Any]:
        body, refusal = await _register_page(ctx, base, token, name, rid, page, size)
        if refusal is not None:
            kind = FailureKind.TRANSIENT if refusal.code in ("isams.connection_dropped",
                                                             "isams.response_unreadable") else FailureKind.CONFIG
            raise VendorError(refusal.code, refusal.message, refusal.remedy, kind, refusal.detail)
        return body or {}

    async def rows_of(_page: int, body: Mapping[str, Any]) -> list[Record]:
        return registration_rows(body)

    for name, rid in registers(requirements, values).items():
        if not rid:
            continue
        # page 1 names the page count (totalPages); the shared pager keeps the rest in order (vendors/paging.py)
        async for rows in ordered_pages(untraced(partial(fetch, name, rid)), rows_of, concurrency=ctx.concurrency,
                                        page_size=size, last_page=lambda body: int(body.get("totalPages") or 1)):
            count += len(rows)
            ctx.page_done("registration", count)
            for row in rows:
                yield row
