"""The PowerSchool connector: the live check of a plugin's Client ID, and the records it reads.

Requirements read (see SPEC.default_requirements): ``resources``, the list of resource ids
from wire.RESOURCES the integrator needs. The check goes outside in: the server answers as
PowerSchool, the Client ID and Secret get a token (always asked of the server, since a check
proves they work now; the preview and sync that follow reuse it), the plugin is enabled
(metadata carries its ``plugin_id``), each resource is granted, every school has a term
covering today, and a student can be read.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import httpx

from mis_wizard.vendors.base import (
    CONNECTION,
    CheckResult,
    Context,
    Credentials,
    Layer,
    Record,
    Requirements,
    Status,
    Timer,
)
from mis_wizard.vendors.errors import VendorError, classify_exception
from mis_wizard.vendors.powerschool import wire
from mis_wizard.vendors.powerschool.api import (
    TOKENS,
    HeldTokens,
    PowerSchoolApi,
    TokenCache,
    garbled,
    network_error,
    status_error,
)
from mis_wizard.vendors.powerschool.records import ENTITY_READERS, SCHOOLS, TERMS
from mis_wizard.vendors.powerschool.wire import KEY, wanted_resources

TERM_SETUP = "Start Page > School Setup > Years and Terms > Term Setup"
Emit = Callable[[CheckResult], None]


class PowerSchoolConnector:
    """A new one serves each check, preview and sync; the tokens it uses are the process's
    (``api.TOKENS``), as PowerSchool hands out the same token for 30 days."""

    def __init__(self, today: Callable[[], dt.date] = dt.date.today, tokens: HeldTokens = TOKENS) -> None:
        self._cache = TokenCache(tokens)
        self._today = today

    def api(self, ctx: Context, credentials: Credentials) -> PowerSchoolApi:
        plugin = credentials.get(KEY) or {}
        return PowerSchoolApi(ctx.http, str(credentials.get("base_url") or ""), str(plugin.get("client_id") or ""),
                              str(plugin.get("client_secret") or ""), self._cache)

    async def check(self, ctx: Context, credentials: Credentials,
                    requirements: Requirements) -> AsyncIterator[CheckResult]:
        try:
            async for result in self._check(ctx, credentials, requirements):
                yield result
        except Exception as exc:  # a check never raises: whatever broke is one FAILED result
            failure = classify_exception(exc)
            yield CheckResult(KEY, "Check", Layer.AUTHORISE, Status.FAILED, "powerschool.unexpected_error",
                              failure.message, failure.remedy, type(exc).__name__)

    async def _check(self, ctx: Context, credentials: Credentials,
                     requirements: Requirements) -> AsyncIterator[CheckResult]:
        resources = wanted_resources(requirements)
        api = self.api(ctx, credentials)
        with Timer() as t:
            reach = await self._reach(api)
        reach = _timed(reach, t)
        yield reach
        if reach.status is Status.FAILED:
            yield _skipped("Client ID and Secret accepted", Layer.AUTHENTICATE, "the server did not answer as PowerSchool")
            return
        with Timer() as t:
            try:
                await api.token(ask=True)
                auth = CheckResult(KEY, "Client ID and Secret accepted", Layer.AUTHENTICATE, Status.OK,
                                   "powerschool.client_accepted", "PowerSchool accepted the Client ID and Client Secret.")
            except VendorError as err:
                auth = _failed("Client ID and Secret accepted", Layer.AUTHENTICATE, err)
        yield _timed(auth, t)
        if auth.status is Status.FAILED:
            yield _skipped("Plugin enabled", Layer.AUTHORISE, "the Client ID and Secret were not accepted")
            return
        with Timer() as t:
            enabled = await self._plugin_enabled(api)
        enabled = _timed(enabled, t)
        yield enabled
        if enabled.status is Status.FAILED:
            for r in resources:
                yield _skipped(f"{r.label} granted", Layer.AUTHORISE, "the plugin is not enabled")
            return
        async for result in self._grants(api, resources):
            yield result

    async def _reach(self, api: PowerSchoolApi) -> CheckResult:
        name = "Server answers as PowerSchool"
        try:
            response = await api.send("GET", "/ws/v1/metadata", authorised=False)
        except VendorError as err:
            return _failed(name, Layer.REACH, err, CONNECTION)
        body = _json(response)
        meta = body.get("metadata") if isinstance(body, Mapping) else None
        if response.status_code == 200 and isinstance(meta, Mapping):
            version = meta.get("powerschool_version") or "(version not stated)"
            return CheckResult(CONNECTION, name, Layer.REACH, Status.OK, "powerschool.reachable",
                               f"PowerSchool {version} answered at {api.base_url}.")
        if response.status_code in (200, 301, 302, 303, 307, 308, 404):
            kind = response.headers.get("content-type", "").split(";")[0] or "no content type"
            return CheckResult(
                CONNECTION, name, Layer.REACH, Status.FAILED, "powerschool.not_powerschool",
                "The address answered, but not as a PowerSchool server.",
                "Use the address you sign in to PowerSchool with, up to the server name only, e.g. "
                "https://district.powerschool.com: not the parent sign-in page (/public) or /admin.",
                f"HTTP {response.status_code} ({kind}) from /ws/v1/metadata")
        return _failed(name, Layer.REACH, status_error(response, "server metadata"), CONNECTION)

    async def _plugin_enabled(self, api: PowerSchoolApi) -> CheckResult:
        name = "Plugin enabled"
        try:
            body = await api.json("GET", "/ws/v1/metadata", what="server metadata")
        except VendorError as err:
            return _failed(name, Layer.AUTHORISE, err)
        meta = body.get("metadata") if isinstance(body, Mapping) else None
        if not isinstance(meta, Mapping) or not meta.get("plugin_id"):
            return CheckResult(
                KEY, name, Layer.AUTHORISE, Status.FAILED, "powerschool.plugin_disabled",
                "PowerSchool gave a token, but the plugin it belongs to is not enabled.",
                f"In PowerSchool open {wire.PLUGIN_SCREEN}, tick Enable/Disable next to the integrator's plugin "
                "and click Enable in the box that asks if you are sure.", "metadata has no plugin_id")
        pages = wire.max_page_size(meta, "student_max_page_size")
        return CheckResult(KEY, name, Layer.AUTHORISE, Status.OK, "powerschool.plugin_enabled",
                           f"The plugin is enabled (plugin id {meta['plugin_id']}; students come "
                           f"{pages} to a page).")

    async def _grants(self, api: PowerSchoolApi, resources: list[wire.Resource]) -> AsyncIterator[CheckResult]:
        """Schools first (the other probes need a school), then every other grant at once."""
        wanted = {r.id for r in resources}
        with Timer() as t:
            try:
                schools = await SCHOOLS.all(api)
                school_result = CheckResult(KEY, "Schools granted", Layer.AUTHORISE, Status.OK,
                                            "powerschool.resource_ok",
                                            f"The plugin can read Schools ({len(schools)} found).")
            except VendorError as err:
                schools = []
                school_result = _failed("Schools granted", Layer.AUTHORISE, err)
        if "schools" in wanted:
            yield _timed(school_result, t)
        jobs = [self._probe_job(api, r, schools, wanted) for r in resources if r.id != "schools"]
        async for result in _run_jobs(jobs):
            yield result

    def _probe_job(self, api: PowerSchoolApi, r: wire.Resource, schools: list[Record],
                   wanted: set[str]) -> Callable[[Emit], Awaitable[None]]:
        async def job(emit: Emit) -> None:
            name = f"{r.label} granted"
            if "{school}" in r.probe and not schools:
                emit(_skipped(name, Layer.AUTHORISE, "no school could be read to ask about"))
                return
            path = r.probe.replace("{school}", str(schools[0]["id"]) if schools else "")
            with Timer() as t:
                try:
                    found = wire.count(await api.json(r.method, path, payload={} if r.method == "POST" else None,
                                                      resource=r, what=r.label))
                    result = CheckResult(KEY, name, Layer.AUTHORISE, Status.OK, "powerschool.resource_ok",
                                         f"The plugin can read {r.label} ({found} found{_where(r, schools)}).")
                except VendorError as err:
                    result = _failed(name, Layer.AUTHORISE, err)
            emit(_timed(result, t))
            if result.status is Status.FAILED:
                return
            if r.id == "terms" and "schools" in wanted:
                with Timer() as t:
                    result = await self._terms_today(api, schools)
                emit(_timed(result, t))
            elif r.id == "students":
                with Timer() as t:
                    result = await self._sample_student(api)
                emit(_timed(result, t))

        return job

    async def _terms_today(self, api: PowerSchoolApi, schools: list[Record]) -> CheckResult:
        name = "Every school has a term covering today"
        today = self._today()
        missing: list[str] = []
        try:
            for school in schools:
                terms = await TERMS.for_school(api, school)
                if not any(str(x.get("start_date")) <= today.isoformat() <= str(x.get("end_date")) for x in terms):
                    missing.append(str(school.get("name") or school.get("id")))
        except VendorError as err:
            return _failed(name, Layer.SAMPLE, err)
        if not missing:
            return CheckResult(KEY, name, Layer.SAMPLE, Status.OK, "powerschool.terms_ok",
                               f"Every school ({len(schools)}) has a term covering {today.isoformat()}.")
        return CheckResult(
            KEY, name, Layer.SAMPLE, Status.WARNING, "powerschool.no_current_term",
            f"No term covers today ({today.isoformat()}) at: {', '.join(missing)}. Exports to these schools fail.",
            f"In PowerSchool switch to {' and to '.join(missing)}, then open {TERM_SETUP}: add the year term "
            "that covers today and its portions (1/2 for semesters, 1/3 for trimesters, 1/4 for quarters).",
            f"{len(missing)} of {len(schools)} schools")

    async def _sample_student(self, api: PowerSchoolApi) -> CheckResult:
        name = "Read a sample student"
        try:
            body = await api.json("GET", "/ws/v1/district/student",
                                  {"pagesize": 1, "expansions": wire.STUDENT_EXPANSIONS},
                                  resource=wire.resource("students"), what="a sample student")
            students = wire.collection(body, "students", "student")
        except VendorError as err:
            return _failed(name, Layer.SAMPLE, err)
        except ValueError:
            return _failed(name, Layer.SAMPLE, garbled("a sample student"))
        if not students:
            return CheckResult(KEY, name, Layer.SAMPLE, Status.WARNING, "powerschool.no_students",
                               "The plugin can read Students, but PowerSchool returned none.",
                               "Check in PowerSchool that students are enrolled in this district.")
        rec = wire.flatten(students[0])
        return CheckResult(KEY, name, Layer.SAMPLE, Status.OK, "powerschool.sample_student_ok",
                           f"Read a student record (grade {rec.get('school_enrollment.grade_level', '?')}"
                           + (", with a student number)." if rec.get("local_id") else ", without a student number)."))

    async def stream(self, ctx: Context, credentials: Credentials, requirements: Requirements,
                     entity: str) -> AsyncIterator[Record]:
        reader = ENTITY_READERS.get(entity)
        if reader is None:
            raise KeyError(f"PowerSchool has no entity {entity!r}")
        api = self.api(ctx, credentials)
        done = 0
        async for page in reader.pages(api, ctx):
            for record in page:
                yield record
            done += len(page)
            ctx.page_done(entity, done)


async def _run_jobs(jobs: list[Callable[[Emit], Awaitable[None]]]) -> AsyncIterator[CheckResult]:
    """Run the jobs at once and yield each result the moment it is emitted."""
    queue: asyncio.Queue[CheckResult | None] = asyncio.Queue()

    async def run(job: Callable[[Emit], Awaitable[None]]) -> None:
        try:
            await job(queue.put_nowait)
        except Exception as exc:  # one broken probe must not hide the others' results
            queue.put_nowait(_failed("Check", Layer.AUTHORISE, network_error(exc, "a check")))
        finally:
            queue.put_nowait(None)

    tasks = [asyncio.ensure_future(run(j)) for j in jobs]
    finished = 0
    try:
        while finished < len(tasks):
            item = await queue.get()
            if item is None:
                finished += 1
            else:
                yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _where(r: wire.Resource, schools: list[Record]) -> str:
    return f" at {schools[0].get('name')}" if "{school}" in r.probe and schools else ""


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _failed(check: str, layer: Layer, err: VendorError, key: str = KEY) -> CheckResult:
    return CheckResult(key, check, layer, Status.FAILED, err.code, err.message, err.remedy, err.detail)


def _skipped(check: str, layer: Layer, why: str) -> CheckResult:
    return CheckResult(KEY, check, layer, Status.SKIPPED, "powerschool.skipped", f"Not checked: {why}.")


def _timed(result: CheckResult, timer: Timer) -> CheckResult:
    return dataclasses.replace(result, elapsed_ms=timer.ms)
