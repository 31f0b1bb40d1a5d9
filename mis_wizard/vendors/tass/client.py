"""The TASS.web connector: layered live checks per module app, and record streams.

TASS gives one answer, HTTP 401, for a wrong Company Code, App Code, Token Key or an expired
licence, so the checks read the pattern across apps: every app refused points at the shared
Company Code, one app refused at that app's codes. A method that "belongs to another module"
is found by trying the other modules' first method with the same codes. v3 leaves out what
the Security Role may not see, so a missing data key in a sample names the permission.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from mis_wizard.vendors.base import CONNECTION, CheckResult, Layer, Status, Timer
from mis_wizard.vendors.errors import BULK_REPLY, FailureKind, VendorError, reach_failure
from mis_wizard.vendors.streams import guarded, merged
from mis_wizard.vendors.tass import endpoints, records, wire
from mis_wizard.vendors.tass.requirements import BY_ID, MODULES, Method, Module, module_requirements, required_methods
from mis_wizard.vendors.tass.wire import Reply, ReplyKind

if TYPE_CHECKING:  # the connector signature's types
    from mis_wizard.vendors.base import Context, Credentials, Record, Requirements

GATEWAY = "System Admin > Utilities > API Gateway Maintenance"
API_LOG = f"{GATEWAY} > TASS APIs > Log"
TOKEN_RECIPE = ("the parameters as JSON, encrypted with AES-ECB using the app's Token Key, base64-encoded, "
                "then URL-encoded, with the parameters not repeated in the URL")
ROLES = "System Admin > Users > Security Role Permissions"
APPLICATION_SERVER = ("If the app has an Application Server set, TASS answers only calls from that server, so calls "
                      "from this computer, or through the school's web proxy (TASS then sees the proxy's address), "
                      "are refused: clear the Application Server on the app while you check, or set it to the "
                      "address TASS sees for the integrator's server.")
LONG_URL = 1800
"""Above this many characters a call goes as a POST form, as IIS limits query strings."""


def api_url(base_url: str) -> str:
    """The API endpoint from whatever TASS address the admin pasted (with or without /tassweb…)."""
    text = str(base_url or "").strip()
    parts = urllib.parse.urlsplit(text)
    path = parts.path
    cut = path.lower().find("/tassweb")
    if cut >= 0:
        path = path[:cut]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") + "/tassweb/api/", "", ""))


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class App:
    """One module's API application as the admin typed it."""

    module: Module
    url: str
    company: str
    app_code: str
    token_key: str
    version: str

    @classmethod
    def from_credentials(cls, module: Module, credentials: Credentials) -> App:
        keys = credentials.get(module.id) or {}
        return cls(module, api_url(credentials.get("base_url", "")), str(credentials.get("company_code", "")).strip(),
                   str(keys.get("app_code", "")).strip(), str(keys.get("token_key", "")).strip(),
                   str(keys.get("version") or "3").strip())

    async def call(self, ctx: Context, method: str, params: Mapping[str, str]) -> Reply:
        fields = wire.request_fields(method, self.app_code, self.company, self.version, params, self.token_key)
        if len(self.url) + len(urllib.parse.urlencode(fields)) > LONG_URL:
            response = await ctx.http.post(self.url, data=fields, extensions=BULK_REPLY)
        else:
            response = await ctx.http.get(self.url, params=fields, extensions=BULK_REPLY)
        return wire.parse_reply(response.status_code, response.text)


def _plain_http(base_url: str) -> CheckResult | None:
    """TASS answers its API over HTTPS only since v49; plain http only to this computer (the sandbox)."""
    url = str(base_url or "").strip()
    host = urllib.parse.urlsplit(url).hostname or ""
    if url.lower().startswith("http://") and not _loopback(host):
        return _result(CONNECTION, "TASS.web address", Layer.REACH, Status.FAILED, "plain_http",
                       "The address starts with http://; TASS.web answers the API over HTTPS only (since "
                       "TASS v49).", "Type the address with https:// , as your browser shows it for TASS.web.")
    return None


def _result(key: str, check: str, layer: Layer, status: Status, code: str, message: str, remedy: str = "",
            detail: str = "", ms: int = 0) -> CheckResult:
    return CheckResult(key, check, layer, status, f"tass.{code}", message, remedy, detail, ms)


REACH_NAMES = {"connection_dropped": "connection_failed", "unexpected_answer": "bad_response"}
"""TASS's names for the shared reach table's suffixes (errors.REACH_TABLE)."""


def _network_failure(key: str, check: str, layer: Layer, exc: BaseException, ms: int) -> CheckResult:
    reach = reach_failure(exc, "tass", REACH_NAMES)
    remedy = reach.remedy
    if reach.suffix == "unreachable":
        remedy = ("Check the TASS.web address: open it in a browser on this computer; it is the address you use "
                  "for TASS.web, and this computer must be allowed through the school's firewall.")
    return CheckResult(key, check, layer, Status.FAILED, reach.code, reach.headline, remedy, type(exc).__name__, ms)


_REPLY_FAILURES: dict[ReplyKind, tuple[str, str, str]] = {
    ReplyKind.UNAUTHORIZED: (
        "token_key_rejected", "TASS did not accept the {label} app's App Code and Token Key.",
        "In {gateway}, open the {label} app and compare its App Code and Token Key with what you typed (all 24 "
        "characters of the key, including ==); check the app is for Company Code {company} and that its licence is "
        "current. TASS answers 401 when it cannot decrypt the token, which is almost always the token recipe "
        "({recipe}), so a wrong Token Key looks the same; the reason TASS logged is in {api_log}. {server}"),
    ReplyKind.FORBIDDEN: (
        "caller_refused", "TASS.web refused the {label} app's call from this computer.",
        "In {gateway} > TASS APIs, open the {label} app. {server} The reason TASS logged is in {api_log}."),
    ReplyKind.ROLE_REFUSED: (
        "version_refused_role", "The {label} app has a Security Role, so TASS refuses version {version} calls.",
        "In {gateway}, set the {label} app's version to 3 and choose 3 here too."),
    ReplyKind.ROLE_REQUIRED: (
        "role_missing", "The {label} app has no Security Role, which version 3 needs.",
        "In {gateway}, open the {label} app and set its Security Role to the role you made in {roles}."),
    ReplyKind.ACCESS_MISCONFIGURED: (
        "api_access_misconfigured",
        "TASS's API Gateway says the school's API access for the {label} app is set up wrongly (the API app, its "
        "version or its role).",
        "In {gateway} > TASS APIs, open the {label} app: check it is the {label} module's app, that its version is "
        "{version} as chosen here, and that (for version 3) it has a Security Role from {roles}; the reason TASS "
        "logged is in {api_log}."),
    ReplyKind.INVALID: (
        "request_refused", "TASS refused the {label} app's request: {message}",
        "Check the {label} app's version in {gateway} matches the one chosen here ({version}); if it does, send the "
        "support report, as TASS's words above say what it wanted."),
    ReplyKind.SERVER_ERROR: (
        "server_error", "TASS had an internal error answering (this is usually temporary).",
        "Try again in a few minutes; if it keeps happening, ask TASS support to look at the API Log in API Gateway "
        "Maintenance."),
    ReplyKind.UNKNOWN_METHOD: (
        "method_unavailable", "The {label} app does not offer this method.",
        "In {gateway}, check the app is the {label} module's app; methods added in TASS 52.5 (timetables and "
        "calendar) need TASS 52.5 or later."),
}
"""Each answer that is not success: its code, and what the admin reads and does (``{label}`` and the
others are filled in per app)."""
_LICENCE = ("licence_expired", "TASS refused the {label} app because its licence is not valid.",
            "Ask TASS to renew the {label} module licence, then check the app in {gateway}.")
_UNREADABLE = ("bad_response", "TASS's answer could not be read (it may have been cut off).",
               "Try again in a minute; if it keeps happening, send the support report.")


def _reply_failure(key: str, check: str, layer: Layer, reply: Reply, app: App, ms: int) -> CheckResult:
    """Any answer that is not success, in the admin's words, with the TASS screen to fix it."""
    if reply.kind is ReplyKind.UNAUTHORIZED and reply.licence_problem:
        code, message, remedy = _LICENCE
    else:
        code, message, remedy = _REPLY_FAILURES.get(reply.kind, _UNREADABLE)
    known = reply.kind in _REPLY_FAILURES
    detail = f"HTTP {reply.status}: {reply.message}".strip() if known else f"HTTP {reply.status}"
    words = {"label": app.module.label, "version": app.version, "company": app.company, "message": reply.message,
             "gateway": GATEWAY, "api_log": API_LOG, "roles": ROLES, "recipe": TOKEN_RECIPE,
             "server": APPLICATION_SERVER}
    return _result(key, check, layer, Status.FAILED, code, message.format(**words), remedy.format(**words), detail, ms)


class TassConnector:
    # -- checks -----------------------------------------------------------------------------------

    def check(self, ctx: Context, credentials: Credentials, requirements: Requirements) -> AsyncIterator[CheckResult]:
        return guarded(self._check(ctx, credentials, requirements),  # never let a check escape as an exception
                       lambda exc: _network_failure(CONNECTION, "Check", Layer.REACH, exc, 0))

    async def _check(self, ctx: Context, credentials: Credentials,
                     requirements: Requirements) -> AsyncIterator[CheckResult]:
        if endpoints.wanted(requirements):  # the second way in: an API Endpoint Maintenance user
            async for result in endpoints.check(ctx, credentials, requirements,
                                                _plain_http(str(credentials.get("base_url", "")))):
                yield result
            return
        apps: list[App] = []
        for module_id, wanted in module_requirements(requirements).items():
            module = BY_ID[module_id]
            keys = credentials.get(module_id) or {}
            if keys.get("app_code") and keys.get("token_key"):
                apps.append(App.from_credentials(module, credentials))
            else:
                yield _result(module_id, f"{module.label} app", Layer.AUTHENTICATE, Status.SKIPPED, "not_provided",
                              f"No {module.label} app was given" + (
                                  "." if not wanted["required"] else "; the integrator needs it."))
        reach = await self._reach(ctx, str(credentials.get("base_url", "")))
        yield reach
        if reach.status is Status.FAILED:
            for app in apps:
                yield _result(app.module.id, f"{app.module.label} app", Layer.AUTHENTICATE, Status.SKIPPED,
                              "skipped", "Not checked: the TASS.web address must work first.")
            return
        start = self._start_values(requirements)
        probes = await asyncio.gather(*(self._probe(ctx, app, start) for app in apps))
        refused = [p for p in probes if isinstance(p[1], Reply) and p[1].kind is ReplyKind.UNAUTHORIZED
                   and not p[1].licence_problem]
        if len(apps) > 1 and len(refused) == len(apps):
            company = str(credentials.get("company_code", ""))
            yield _result(CONNECTION, "Company Code accepted", Layer.AUTHENTICATE, Status.FAILED,
                          "company_code_rejected", f"TASS refused every app, so Company Code {company} is most "
                          "likely not your school's.",
                          f"In {GATEWAY}, read the Company Code shown against your apps (two digits, often with a "
                          "leading zero such as 01) and type exactly that.", "HTTP 401 for every app",
                          max(p[2] for p in probes))
            for app in apps:
                yield _result(app.module.id, f"{app.module.label} app", Layer.AUTHENTICATE, Status.SKIPPED,
                              "skipped", "Not checked: fix the Company Code first.")
            return
        def crashed(index: int, exc: Exception) -> CheckResult:
            app = probes[index][0]
            return _network_failure(app.module.id, f"{app.module.label} app", Layer.SAMPLE, exc, 0)

        async for result in merged((self._module(ctx, app, probe, ms, requirements, credentials)
                                    for app, probe, ms in probes), crashed):
            yield result

    async def _reach(self, ctx: Context, base_url: str) -> CheckResult:
        check = "TASS.web address"
        url = api_url(base_url)
        plain = _plain_http(base_url)
        if plain is not None:
            return plain
        failure: Exception | None = None
        with Timer() as t:
            try:
                response = await ctx.http.get(url)
            except Exception as exc:
                failure = exc
        if failure is not None:
            return _network_failure(CONNECTION, check, Layer.REACH, failure, t.ms)
        reply = wire.parse_reply(response.status_code, response.text)
        if reply.kind is ReplyKind.LOGIN_PAGE:
            return _result(CONNECTION, check, Layer.REACH, Status.FAILED, "login_page",
                           "That address shows a sign-in page, not the TASS.web API.",
                           "Use the address of your TASS.web server itself (the part before /tassweb when you "
                           "use TASS.web), not a portal or single sign-on page.", f"HTTP {reply.status}", t.ms)
        if reply.kind is ReplyKind.FORBIDDEN:
            return _result(CONNECTION, check, Layer.REACH, Status.FAILED, "caller_refused",
                           "TASS.web refused calls from this computer.",
                           "Ask your TASS administrator whether the server only lets some addresses call its API, "
                           f"and check the apps in {GATEWAY} > TASS APIs. {APPLICATION_SERVER}",
                           f"HTTP {reply.status} at /tassweb/api/", t.ms)
        if reply.kind is ReplyKind.NOT_TASS:
            return _result(CONNECTION, check, Layer.REACH, Status.FAILED, "not_tass_api",
                           "Something answers at that address, but it is not TASS.web's API.",
                           "Check the address: it is the one you open TASS.web at; your TASS administrator can "
                           f"confirm it in {GATEWAY}.", f"HTTP {reply.status} at /tassweb/api/", t.ms)
        if reply.kind is ReplyKind.SERVER_ERROR:
            return _result(CONNECTION, check, Layer.REACH, Status.FAILED, "server_error",
                           "TASS.web had an internal error answering.", "Try again in a few minutes.",
                           f"HTTP {reply.status}", t.ms)
        return _result(CONNECTION, check, Layer.REACH, Status.OK, "reachable", "TASS.web's API answers.",
                       ms=t.ms)

    async def _probe(self, ctx: Context, app: App, start: dict[str, str]) -> tuple[App, Reply | BaseException, int]:
        params = {k: v.format(**start) for k, v in app.module.probe.params.items()}
        with Timer() as t:
            try:
                reply: Reply | BaseException = await app.call(ctx, app.module.probe.name, params)
            except Exception as exc:
                reply = exc
        return app, reply, t.ms

    async def _module(self, ctx: Context, app: App, probe: Reply | BaseException, ms: int,
                      requirements: Requirements, credentials: Credentials) -> AsyncIterator[CheckResult]:
        key, label = app.module.id, app.module.label
        check = f"{label} app accepted"
        if isinstance(probe, BaseException):
            yield _network_failure(key, check, Layer.AUTHENTICATE, probe, ms)
            return
        if probe.kind is ReplyKind.UNKNOWN_METHOD:
            owner = await self._owner(ctx, app, credentials)
            if owner is not None:
                yield _result(key, check, Layer.AUTHENTICATE, Status.FAILED, "app_code_other_module",
                              f"These are the codes of the {owner.label} app, not of the {label} app.",
                              f"In {GATEWAY}, open the app whose module is {label} and copy its own App Code and "
                              f"Token Key (each module has its own app).", f"answers as {owner.label}", ms)
                return
        if probe.kind not in (ReplyKind.OK, ReplyKind.INVALID):
            yield _reply_failure(key, check, Layer.AUTHENTICATE, probe, app, ms)
            return
        yield _result(key, check, Layer.AUTHENTICATE, Status.OK, "app_accepted",
                      f"TASS accepted the {label} App Code and Token Key.", ms=ms)
        wanted = module_requirements(requirements).get(key, {})
        if wanted.get("version", "3") != app.version:
            yield _result(key, "API version", Layer.AUTHORISE, Status.WARNING, "version_mismatch",
                          f"The {label} app answers as version {app.version}, but the integrator needs version "
                          f"{wanted.get('version')}.",
                          f"In {GATEWAY}, set the {label} app to version {wanted.get('version')} (version 3 needs "
                          f"the Security Role from {ROLES}) and choose the same version here.")
        failed = False
        found = self._start_values(requirements)
        for method in required_methods(requirements, app.module):
            result = await self._method(ctx, app, method, found, probe if method is app.module.probe else None)
            failed = failed or result.status is Status.FAILED
            yield result
        if not failed:
            yield _result(key, f"{label} module", Layer.SAMPLE, Status.OK, "module_ok",
                          f"The {label} app works and every method the integrator needs answers.")

    async def _owner(self, ctx: Context, app: App, credentials: Credentials) -> Module | None:
        """Which module these codes really belong to, by trying each other module's first method."""
        for module in MODULES:
            if module is app.module:
                continue
            other = App(module, app.url, app.company, app.app_code, app.token_key, app.version)
            params = {k: v.format(**self._start_values({})) for k, v in module.probe.params.items()}
            try:
                reply = await other.call(ctx, module.probe.name, params)
            except httpx.HTTPError:
                continue
            if reply.kind in (ReplyKind.OK, ReplyKind.INVALID):
                return module
        return None

    @staticmethod
    def _start_values(requirements: Requirements) -> dict[str, str]:
        today = dt.date.today()
        return {"year": str(requirements.get("timetable_year") or today.year), "today": today.strftime("%d/%m/%Y")}

    async def _method(self, ctx: Context, app: App, method: Method, found: dict[str, str],
                      reply: Reply | None) -> CheckResult:
        key, check = app.module.id, f"{method.name} answers"
        try:
            params = {k: v.format(**found) for k, v in method.params.items()}
        except KeyError as missing:
            return _result(key, check, Layer.AUTHORISE, Status.SKIPPED, "skipped",
                           f"Not checked: needs a {missing.args[0].replace('_', ' ')} from an earlier method.")
        with Timer() as t:
            try:
                if reply is None:
                    reply = await app.call(ctx, method.name, params)
            except Exception as exc:
                return _network_failure(key, check, Layer.AUTHORISE, exc, t.ms)
        if reply.kind is ReplyKind.INVALID:
            return _result(key, check, Layer.AUTHORISE, Status.WARNING, "sample_refused",
                           f"{method.name} answered but refused the test values: {reply.message}",
                           "Nothing to change in TASS if the other checks pass; send the report if unsure.",
                           ms=t.ms)
        if reply.kind is not ReplyKind.OK:
            return _reply_failure(key, check, Layer.AUTHORISE, reply, app, t.ms)
        rows = records.records(reply.body, method.data_key)
        code = params.get("code", "all")
        if method.data_key is None and code.lower() != "all" and code not in reply.body:
            rows = None
        if rows is None:
            return _result(key, f"{method.name} data", Layer.SAMPLE, Status.FAILED, "permission_missing",
                           f"{method.name} answered without its data: the Security Role does not have the "
                           f"permission \"{method.permission}\".",
                           f"In {ROLES}, select the role set on the {app.module.label} app, tick "
                           f"\"{method.permission}\" and save.", f"{method.name}: no '{method.data_key or code}'",
                           t.ms)
        self._remember(method, rows, found)
        if not rows and method.expect_rows:
            return _result(key, f"{method.name} data", Layer.SAMPLE, Status.WARNING, "sample_empty",
                           f"{method.name} answered with no records.",
                           f"If your school has this data, tick \"{method.permission}\" for the role in {ROLES}.",
                           f"{method.name}: 0 records", t.ms)
        if method.name == "getStudents" and rows:
            birth = records.flatten(rows[0]).get("general_details.date_of_birth")
            if birth and wire.tass_date(birth) is None:
                return _result(key, f"{method.name} data", Layer.SAMPLE, Status.WARNING, "date_unreadable",
                               "Student dates of birth are not in TASS's usual DD/MM/YYYY form.",
                               "Send the support report so the integrator can read your dates.", ms=t.ms)
        return _result(key, check, Layer.AUTHORISE, Status.OK, "method_ok",
                       f"{method.name} answers ({len(rows)} records in the sample).", ms=t.ms)

    @staticmethod
    def _remember(method: Method, rows: list[dict[str, Any]], found: dict[str, str]) -> None:
        """Codes later methods need: a student, a teacher, the timetable id."""
        if not rows:
            return
        first = records.flatten(rows[0])
        if method.name == "getStudents":
            found["student_code"] = str(first.get("general_details.student_code", ""))
        elif method.name == "getTeachers":
            found["teacher_code"] = str(first.get("teacher_code", ""))
        elif method.name == "getTimetables":
            found["tt_id"] = str(first.get("tt_id", ""))

    # -- records ----------------------------------------------------------------------------------

    async def stream(self, ctx: Context, credentials: Credentials, requirements: Requirements,
                     entity: str) -> AsyncIterator[Record]:
        """TASS has no paging: each method answers whole, except the timetable, read one period per call.

        No method takes a field list (tass.md), so ``ctx.fields`` narrows nothing here: an entity is
        read by its own method alone (tests/vendors/tass/test_requests_narrowed.py)."""
        if endpoints.wanted(requirements):  # the second way in: records in the API Gateway's shape (inferred)
            async for record in endpoints.stream(ctx, credentials, requirements, entity, REACH_NAMES):
                yield record
            return
        app = App.from_credentials(BY_ID["lms"], credentials)
        if entity == "students":
            status = str(requirements.get("student_status") or "current")
            out = records.people(await self._rows(ctx, app, "getStudents", {"currentstatus": status}))
        elif entity == "staff":
            out = records.people(await self._rows(ctx, app, "getTeachers", {"currentstatus": "current"}))
        elif entity == "classes":
            out = records.classes(await self._rows(ctx, app, "getTeacherSubjects", {"code": "all"}))
        elif entity == "class_memberships":
            out = records.keyed(await self._rows(ctx, app, "getStudentSubjects", {"code": "all"}))
        elif entity == "timetable":
            async for row in self._timetable(ctx, app, requirements):
                yield row
            return
        elif entity == "calendar":
            out = await self._calendar(ctx, app, requirements)
        else:
            raise VendorError("tass.unknown_entity", f"TASS.web has no {entity!r} records here.", kind=FailureKind.BUG)
        for record in out:
            yield record
        ctx.page_done(entity, len(out))

    async def _rows(self, ctx: Context, app: App, name: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        method = app.module.method(name)
        assert method is not None
        try:
            reply = await app.call(ctx, name, params)
        except wire.TokenError as exc:  # a Token Key that cannot encrypt: nothing was sent
            raise VendorError("tass.token_key_invalid", f"The Token Key of the {app.module.label} app cannot be "
                              f"used: {exc}", f"Copy the Token Key again from {GATEWAY} (the app's row) and paste "
                              "it into Enter the keys.") from exc
        except httpx.HTTPError as exc:
            raise reach_failure(exc, "tass", REACH_NAMES).error(type(exc).__name__) from exc
        if reply.kind is not ReplyKind.OK:
            problem = _reply_failure(app.module.id, name, Layer.SAMPLE, reply, app, 0)
            kind = FailureKind.TRANSIENT if problem.code in ("tass.server_error", "tass.bad_response") \
                else FailureKind.CONFIG
            raise VendorError(problem.code, problem.message, problem.remedy, kind, problem.detail)
        rows = records.records(reply.body, method.data_key)
        if rows is None:
            raise VendorError("tass.permission_missing", f"{name} answered without its data.",
                              f"In {ROLES}, tick \"{method.permission}\" for the app's role.")
        return rows

    async def _timetable(self, ctx: Context, app: App, requirements: Requirements) -> AsyncGenerator[Record, None]:
        year, periods = self._periods(requirements)
        gate = asyncio.Semaphore(max(1, ctx.concurrency))

        async def one(period: int) -> list[dict[str, Any]]:
            async with gate:
                return await self._rows(ctx, app, "getTimetables", {"year": year, "period": str(period)})

        tasks = [asyncio.create_task(one(p)) for p in periods]
        count = 0
        try:
            for task in tasks:
                for row in records.keyed(await task):
                    count += 1
                    yield row
                ctx.page_done("timetable", count)
        finally:
            for task in tasks:
                task.cancel()

    @staticmethod
    def _periods(requirements: Requirements) -> tuple[str, list[int]]:
        """The timetable year and its periods, each read by one getTimetables call."""
        year = str(requirements.get("timetable_year") or dt.date.today().year)
        return year, list(range(1, int(requirements.get("timetable_periods") or 12) + 1))

    async def _calendar(self, ctx: Context, app: App, requirements: Requirements) -> list[Record]:
        tt_id = str(requirements.get("tt_id") or "")
        year, periods = self._periods(requirements)
        for period in periods if not tt_id else []:  # the timetable's id, from its first period with lessons
            rows = await self._rows(ctx, app, "getTimetables", {"year": year, "period": str(period)})
            if rows:
                tt_id = str(rows[0].get("tt_id", ""))
                break
        if not tt_id:
            raise VendorError("tass.no_timetable", "TASS has no timetable for that year, so no calendar either.",
                              "Check the timetable year in the profile, or that the timetable is published in "
                              "TASS (Timetables > Timetable Setup).")
        return list(await self._rows(ctx, app, "getTimetableCalendar", {"tt_id": tt_id}))
