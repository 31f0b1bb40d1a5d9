"""Live access to Skyward Qmlativ: OAuth client credentials, then the Generic object API.

The key and secret are URL-encoded before Basic encoding (a working connector had to fix
exactly this), and the form-field variant is tried when Basic is refused. Skyward does not
publish its error wording, so refusals are recognised by a few words in the body and fall back
to a plain "not accepted".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from mis_wizard.vendors import errors
from mis_wizard.vendors.base import CheckResult, Context, Credentials, Layer, Record, Requirements, Status, Timer
from mis_wizard.vendors.errors import FailureKind, VendorError, classify_exception, classify_status, reach_failure
from mis_wizard.vendors.oneroster import records as rostering
from mis_wizard.vendors.oneroster.client import OneRosterClient, error_text
from mis_wizard.vendors.paging import followed_pages
from mis_wizard.vendors.qmlativ import DEFAULT_OBJECTS, records, wire
from mis_wizard.vendors.qmlativ.requirements import OBJECT_OF, narrowed
from mis_wizard.vendors.streams import guarded

INTEGRATION = "Qmlativ: Administrative Access > API > Integration > the integrator's Integration"
ACCESS = f"{INTEGRATION} > Integration Access"
PAGE_SIZE = 500
INTEGRATION_LIST = ("On the Integration list (Administrative Access > API > Integration), the integrator's Integration "
                    "must show Status Available, not Discontinued; Has Development Permissions is ticked only in a "
                    "training environment, not in your live district.")
APPROVAL = "Skyward approves which objects and fields each Integration may read."


class TokenRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class QmlativApi:
    def __init__(self, http: httpx.AsyncClient, base_url: str, key: str, secret: str) -> None:
        self.http = http
        self.base = base_url.strip().rstrip("/")
        self.key = key.strip()
        self.secret = secret.strip()
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self, renew: bool = False) -> str:
        async with self._lock:
            if self._token and not renew and time.monotonic() < self._expires - 60:
                return self._token
            basic = {"Authorization": wire.basic_auth(self.key, self.secret)}
            url = f"{self.base}/oauth/token"
            response = await self.http.post(url, data={"grant_type": "client_credentials"}, headers=basic,
                                            extensions=errors.SMALL_REPLY)
            if response.status_code in (400, 401):
                form = await self.http.post(url, data={"grant_type": "client_credentials", "client_id": self.key,
                                                       "client_secret": self.secret}, extensions=errors.SMALL_REPLY)
                if form.status_code == 200:
                    response = form
            if response.status_code != 200:
                raise TokenRefused(response.status_code, error_text(response))
            body = response.json()
            self._token = str(body["access_token"])
            self._expires = time.monotonic() + float(body.get("expires_in") or 3600)
            return self._token

    async def get(self, path: str, params: Any = None) -> httpx.Response:
        """GET below the base, renewing the token once on Qmlativ's 403 "Token has expired"."""
        response = await self._get(path, params, await self.token())
        if response.status_code in (401, 403) and "token" in response.text.lower():
            response = await self._get(path, params, await self.token(renew=True))
        return response

    async def _get(self, path: str, params: Any, token: str) -> httpx.Response:
        return await self.http.get(f"{self.base}/{path.lstrip('/')}", params=params,
                                   headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})

    async def pages(self, entity_id: int, obj: str, fields: list[str] | None, size: int
                    ) -> AsyncIterator[list[Record]]:
        """Follow ``Paging.Next`` until it is empty, repeats, or a page comes back empty (the pager's
        followed mode, vendors/paging.py: the next address is only known from the last answer)."""
        params = wire.search_fields(fields or [])

        async def fetch(path: str) -> tuple[list[Record], str | None]:
            response = await self.get(path, params)
            if response.status_code != 200:
                refused = await self.refused(entity_id, obj, fields or []) if response.status_code == 403 else []
                raise _refusal(response, obj, refused)
            try:
                return wire.page(response.json())
            except ValueError:
                raise VendorError("qmlativ.transient", f"Qmlativ's answer for {obj} arrived garbled.",
                                  "Try again in a minute.", FailureKind.TRANSIENT) from None

        async for rows in followed_pages(fetch, wire.list_path(entity_id, obj, 1, size)):
            yield rows


    async def refused(self, entity_id: int, obj: str, wanted: list[str]) -> list[str]:
        """The asked-for fields the Integration Access may not read. An object's schema lists one
        key per field the integration may read (inferred from connectors that read the schema to
        learn what they may ask for), so the missing ones are named, whatever the error said."""
        try:
            response = await self.get(f"Generic/{entity_id}/{obj}")
            schema = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return []
        return [f for f in wanted if f not in schema] if isinstance(schema, dict) else []


def _refusal(response: httpx.Response, what: str, refused: list[str] | None = None) -> VendorError:
    text = error_text(response)
    if refused or (response.status_code == 403 and "not read-allowed" in text.lower()):
        fields = ", ".join(refused or [])
        return VendorError("qmlativ.fields_not_allowed",
                           f"The Integration Access may not read {fields} of {what}." if fields else
                           f"Qmlativ will not send some fields of {what}: {text}",
                           f"In {ACCESS}, allow Read (Is Read Allowed) for {fields or 'those fields'} on {what}. "
                           f"{APPROVAL} If the Integration does not offer them, the integrator must ask Skyward to "
                           "approve them.", FailureKind.CONFIG, text)
    f = classify_status(response.status_code)
    return VendorError("qmlativ.read_failed", f"Qmlativ refused to send {what}: {f.message}", f.remedy, f.kind,
                       f"HTTP {response.status_code}: {text}")


def _token_failure(exc: TokenRefused) -> tuple[str, str, str]:
    reason = exc.reason.lower()
    if "not active" in reason or "inactive" in reason:
        return ("access_inactive", "The Integration Access is not active.",
                f"In {ACCESS}, tick Is Active and save. {INTEGRATION_LIST}")
    if "effective" in reason or "expir" in reason:
        return ("access_outside_dates", "The Integration Access is not in effect today.",
                f"In {ACCESS}, set the Effective Date to today or earlier and clear or extend the Expiration Date.")
    if classify_status(exc.status).kind is FailureKind.TRANSIENT:
        return ("transient", "Qmlativ is busy or failing; try again shortly.", "Try again in a few minutes.")
    return ("credentials_rejected", "Qmlativ did not accept the key and secret.",
            f"In {ACCESS}, check the Key is exactly as typed there, then use Generate Secret and copy the new "
            f"secret (a secret is shown only once). {INTEGRATION_LIST}")


REACH_NAMES = {"connection_dropped": "transient", "unexpected_answer": "transient"}
"""Qmlativ's names for the shared reach table's suffixes (errors.REACH_TABLE)."""


def _crashed(exc: Exception) -> CheckResult:
    f = classify_exception(exc)
    return CheckResult("integration_access", "Check", Layer.REACH, Status.FAILED, "qmlativ.check_crashed",
                       f.message, f.remedy, type(exc).__name__)


class QmlativConnector:
    """One key set, so checks run in order; they still stream as each finishes."""

    def check(self, ctx: Context, credentials: Credentials, requirements: Requirements) -> AsyncIterator[CheckResult]:
        return guarded(self._check(ctx, credentials, requirements), _crashed)  # never let a bug escape: report it

    async def _check(self, ctx: Context, credentials: Credentials,
                     requirements: Requirements) -> AsyncIterator[CheckResult]:
        ks = credentials.get(KEY_SET) or {}
        api = QmlativApi(ctx.http, str(credentials.get("base_url", "")), str(ks.get("key", "")),
                         str(ks.get("secret", "")))
        signed_in = True
        async for result in _sign_in(api):
            signed_in = signed_in and result.status is Status.OK
            yield result
        if not signed_in:
            return
        entity = int(requirements.get("entity_id") or 1)
        years, readable = await _entity_year(api, entity, int(requirements.get("school_year") or 0))
        for result in years:
            yield result
        if not readable:
            return
        objects: dict[str, list[str]] = dict(requirements.get("objects") or DEFAULT_OBJECTS)
        async for result in _fields_and_sample(api, entity, objects):
            yield result

    async def stream(self, ctx: Context, credentials: Credentials, requirements: Requirements,
                     entity: str) -> AsyncIterator[Record]:
        ks = credentials.get("integration_access") or {}
        base, key, secret = str(credentials.get("base_url", "")), str(ks.get("key", "")), str(ks.get("secret", ""))
        count = 0
        if entity in ("classes", "class_memberships"):
            client = OneRosterClient(ctx.http, base, key.strip(), secret.strip(), token_paths=("/oauth/token",))
            # Whether its OneRoster honours ``fields`` is not in the fact sheet: whole records unless
            # the profile says it does (``oneroster_fields``).
            async for record in rostering.stream(client, ctx, entity, _refusal,
                                                 name_fields=bool(requirements.get("oneroster_fields"))):
                yield record
            return
        if entity not in OBJECT_OF:
            raise KeyError(f"Skyward Qmlativ has no entity {entity!r}")
        api = QmlativApi(ctx.http, base, key, secret)
        try:
            await api.token()
        except TokenRefused as exc:
            what, message, remedy = _token_failure(exc)
            raise VendorError(f"qmlativ.{what}", message, remedy, detail=f"HTTP {exc.status}: {exc.reason}") from None
        except (ValueError, KeyError) as exc:  # the check says the same for a garbled sign-in answer
            raise VendorError("qmlativ.transient", "Qmlativ's answer arrived garbled or was not a sign-in token.",
                              "Try again in a minute; if it keeps happening, check the API address.",
                              FailureKind.TRANSIENT, type(exc).__name__) from None
        obj = OBJECT_OF[entity]
        objects = narrowed(requirements.get("objects") or DEFAULT_OBJECTS, entity, ctx.wanted(entity))
        fields = list(objects.get(obj) or [])
        entity_id, size = int(requirements.get("entity_id") or 1), ctx.page_size or PAGE_SIZE
        if entity == "contacts":
            pages = records.guardians(api, entity_id, objects, size)
        elif entity == "students":
            pages = records.students(api, entity_id, objects, size)
        else:
            pages = api.pages(entity_id, obj, fields, size)
        async for rows in pages:
            for row in rows:
                yield row
            count += len(rows)
            ctx.page_done(entity, count)


KEY_SET = "integration_access"


def _result(check: str, layer: Layer, status: Status, what: str, message: str, remedy: str = "",
            detail: str = "", ms: int = 0, k: str = KEY_SET) -> CheckResult:
    return CheckResult(k, check, layer, status, f"qmlativ.{what}", message, remedy, detail, ms)


def _skipped(check: str, layer: Layer) -> CheckResult:
    return _result(check, layer, Status.SKIPPED, "skipped", "Not checked because an earlier check failed.")


async def _sign_in(api: QmlativApi) -> AsyncIterator[CheckResult]:
    """The address and the key and secret: one token request proves both (or says which is wrong)."""
    with Timer() as t:
        try:
            await api.token()
            failure: BaseException | None = None
        except (TokenRefused, httpx.HTTPError, ValueError, KeyError) as exc:
            failure = exc
    if isinstance(failure, httpx.HTTPError):
        reach = reach_failure(failure, "qmlativ", REACH_NAMES)
        yield _result("API address", Layer.REACH, Status.FAILED, reach.what, reach.headline, reach.remedy,
                      type(failure).__name__, t.ms, "connection")
        return
    if isinstance(failure, ValueError | KeyError):
        yield _result("API address", Layer.REACH, Status.FAILED, "transient",
                      "Qmlativ's answer arrived garbled or was not a sign-in token.",
                      "Try again in a minute; if it keeps happening, check the API address.",
                      type(failure).__name__, t.ms, "connection")
        return
    if isinstance(failure, TokenRefused) and failure.status in (404, 405):
        yield _result("API address", Layer.REACH, Status.FAILED, "not_qmlativ",
                      "There is no Qmlativ API sign-in at that address.",
                      "Use the API address Skyward gave the district, including its last part "
                      "(for example https://district.skyward.com/DistrictAPI).", str(failure)[:200], t.ms,
                      "connection")
        return
    yield _result("API address", Layer.REACH, Status.OK, "reachable", "Qmlativ answered.", ms=t.ms, k="connection")
    if isinstance(failure, TokenRefused):
        what, message, remedy = _token_failure(failure)
        yield _result("Key and secret", Layer.AUTHENTICATE, Status.FAILED, what, message, remedy,
                      f"HTTP {failure.status}: {failure.reason}", t.ms)
        yield _skipped("Entity and school year", Layer.AUTHORISE)
        yield _skipped("Sample student", Layer.SAMPLE)
        return
    yield _result("Key and secret", Layer.AUTHENTICATE, Status.OK, "token_ok",
                  "Qmlativ accepted the key and secret.", ms=t.ms)


async def _entity_year(api: QmlativApi, entity: int, wanted_year: int) -> tuple[list[CheckResult], bool]:
    """Whether the entity can be read and has the school year asked for (or a current one)."""
    check = "Entity and school year"
    with Timer() as t:
        response = await api.get(wire.list_path(entity, "District/SchoolYear", 1, 100))
    if response.status_code in (403, 404):
        allowed = response.status_code == 404
        return [_result(check, Layer.AUTHORISE, Status.FAILED,
                       "entity_not_found" if allowed else "entity_not_allowed",
                       f"Qmlativ has no entity {entity}." if allowed else
                       f"The Integration Access may not read entity {entity}.",
                       "Ask the integrator which EntityID to read." if allowed else
                       f"In {ACCESS}, add entity {entity} under Custom API Entities (or allow all entities).",
                       f"HTTP {response.status_code}: {error_text(response)}", t.ms),
                _skipped("Sample student", Layer.SAMPLE)], False
    if response.status_code != 200:
        f = classify_status(response.status_code)
        return [_result(check, Layer.AUTHORISE, Status.FAILED,
                       "transient" if f.kind is FailureKind.TRANSIENT else "read_failed", f.message, f.remedy,
                       f"HTTP {response.status_code}: {error_text(response)}", t.ms)], False
    years = response.json().get("Objects") or []
    current = next((y for y in years if y.get("IsCurrentYearForProvidedEntity")), None)
    if wanted_year and not any(y.get("NumericYear") == wanted_year for y in years):
        return [_result(check, Layer.AUTHORISE, Status.FAILED, "school_year_not_found",
                       f"Entity {entity} has no {wanted_year - 1}-{wanted_year} school year.",
                       "Ask the integrator which school year to read, or set that year up in Qmlativ.",
                       f"years: {', '.join(str(y.get('Description')) for y in years)}", t.ms)], True
    if not wanted_year and current is None:
        return [_result(check, Layer.AUTHORISE, Status.WARNING, "no_current_school_year",
                       f"No school year is marked current for entity {entity}, so records for \"this year\" "
                       "would be empty.",
                       "Finish year-end rollover in Qmlativ so the new school year is current for the district, "
                       "or ask the integrator to read a fixed school year.", ms=t.ms)], True
    label = current.get("Description") if current and not wanted_year else f"{wanted_year - 1}-{wanted_year}"
    return [_result(check, Layer.AUTHORISE, Status.OK, "entity_year_ok",
                    f"Entity {entity} can be read for {label}.", ms=t.ms)], True


async def _fields_and_sample(api: QmlativApi, entity: int, objects: dict[str, list[str]]
                             ) -> AsyncIterator[CheckResult]:
    """Each object read with exactly the profile's fields (one record), then a sample student."""

    async def probe(obj: str, fields: list[str]) -> tuple[str, list[str], httpx.Response | BaseException, int]:
        with Timer() as pt:
            try:
                got: httpx.Response | BaseException = await api.get(
                    wire.list_path(entity, obj, 1, 1), wire.search_fields(fields))
            except Exception as exc:  # reported as a result, never raised out of check()
                got = exc
        return obj, fields, got, pt.ms

    sample: list[Record] | None = None
    for obj, fields, got, ms in await asyncio.gather(*(probe(o, fs) for o, fs in objects.items())):
        check = f"Fields of {obj}"
        if isinstance(got, BaseException):
            reach = reach_failure(got, "qmlativ", REACH_NAMES)
            yield _result(check, Layer.AUTHORISE, Status.FAILED, reach.what, reach.headline, reach.remedy,
                          type(got).__name__, ms)
        elif got.status_code == 200:
            yield _result(check, Layer.AUTHORISE, Status.OK, "fields_ok", f"Every field of {obj} can be read.",
                          ms=ms)
            if obj == "Student/Student":
                sample = got.json().get("Objects") or []
        else:
            err = _refusal(got, obj, await api.refused(entity, obj, fields) if got.status_code == 403 else [])
            yield _result(check, Layer.AUTHORISE, Status.FAILED, err.code.split(".", 1)[1], err.message,
                          err.remedy, err.detail, ms)
    if sample is None:
        yield _skipped("Sample student", Layer.SAMPLE)
    elif sample:
        yield _result("Sample student", Layer.SAMPLE, Status.OK, "sample_ok", "A student record was read.",
                      detail="one record with a StudentID read")
    else:
        yield _result("Sample student", Layer.SAMPLE, Status.WARNING, "no_students",
                      f"Qmlativ lists no students for entity {entity}.",
                      "Check the entity and school year the integrator should read.")
