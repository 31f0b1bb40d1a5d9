"""The PowerSchool connector: the live check of a plugin's Client ID, and the records it reads.

Requirements read (see SPEC.default_requirements): ``resources``, the list of resource ids
from requirements.RESOURCES the integrator needs. The check goes outside in: the server answers as
PowerSchool, the Client ID and Secret get a token (always asked of the server, since a check
proves they work now; the preview and sync that follow reuse it), the plugin is enabled
(metadata carries its ``plugin_id``), each resource is granted, every school has a term
covering today, and a student can be read.

The conversation with a server (token, requests, paging) is PowerSchoolApi. PowerSchool hands the same
bearer token back until it expires (30 days by default), and the
wizard asks for one check after check, then for the preview, then for the sync: so a token is
held in memory for the whole process (``TOKENS``, never on disk, never logged), per server,
Client ID and secret, and reused until its ``expires_in`` nears. A 401 on an API call drops it:
one fresh token is asked for and the request sent once more. Pages are fetched concurrently
once the first answers are in: a page without ``pagesize`` comes at the plugin's maximum page
size (PowerSchool's default), so the first pages can be asked for alongside the count.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import hashlib
import json
import math
import secrets
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from mis_wizard.vendors import errors
from mis_wizard.vendors.base import CONNECTION, CheckResult, Layer, Status, Timer
from mis_wizard.vendors.errors import FailureKind, VendorError, classify_exception
from mis_wizard.vendors.paging import Waiting, ordered_pages
from mis_wizard.vendors.powerschool import wire
from mis_wizard.vendors.powerschool.records import ENTITY_READERS, SCHOOLS, TERMS
from mis_wizard.vendors.powerschool.requirements import Resource, wanted_resources
from mis_wizard.vendors.powerschool.requirements import resource as granted
from mis_wizard.vendors.powerschool.wire import KEY
from mis_wizard.vendors.streams import guarded

if TYPE_CHECKING:  # the connector signature's types
    from mis_wizard.vendors.base import Context, Credentials, Record, Requirements

TOKEN_PATHS = ("/oauth/access_token", "/oauth/access_token/")
"""Both spellings are used by clients in the wild; the first that exists is remembered."""
RENEW_MARGIN_S = 60.0
"""A token this close to its end is renewed rather than risked on a long sync."""

TokenKey = tuple[str, str, str]
"""(server, Client ID, keyed digest of the secret): another server, plugin or secret never shares a token."""


@dataclass
class _Token:
    value: str = field(repr=False)
    renew_at: float
    """The clock's time after which it is renewed rather than risked."""


class HeldTokens:
    """Bearer tokens held in this process's memory only, by ``TokenKey``.

    The secret is in the key only as a digest keyed with a random per-process salt, so the key
    is of no use outside this process. A token is renewed under a lock (one per event loop: the
    GUI's background loop and a command's ``asyncio.run`` each have theirs), so the requests of
    one run that all find the token missing or refused ask for one new token between them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._held: dict[TokenKey, _Token] = {}
        self._salt = secrets.token_bytes(16)
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = \
            weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"<HeldTokens: {len(self._held)} held>"

    def key(self, base_url: str, client_id: str, secret: str) -> TokenKey:
        return base_url, client_id, hashlib.blake2b(secret.encode(), key=self._salt).hexdigest()

    def get(self, key: TokenKey, refused: str | None = None) -> str | None:
        """The held token unless it is near its end or it is ``refused`` (the one a 401 just answered)."""
        held = self._held.get(key)
        if held is None or held.value == refused or held.renew_at <= self._clock():
            return None
        return held.value

    def put(self, key: TokenKey, value: str, lifetime: float | None) -> None:
        """``lifetime`` None (the server did not say) holds the token until a 401 refuses it."""
        if lifetime is None:
            renew_at = math.inf
        else:  # a short-lived token is still used for half its life
            renew_at = self._clock() + lifetime - min(RENEW_MARGIN_S, lifetime / 2)
        self._held[key] = _Token(value, renew_at)

    def forget(self, key: TokenKey) -> None:
        self._held.pop(key, None)

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


TOKENS = HeldTokens()
"""The process's tokens: checks, the preview and a sync with the same credentials share one."""


@dataclass
class TokenCache:
    """What one connector remembers of a server: where its token path is, its metadata (per
    Client ID and secret); tokens themselves are the process's (``TOKENS``) unless a test gives
    its own."""

    tokens: HeldTokens = field(default_factory=lambda: TOKENS)
    token_paths: dict[str, str] = field(default_factory=dict)
    metadata: dict[TokenKey, dict[str, Any]] = field(default_factory=dict)


REACH_NAMES = {"connection_dropped": "transient"}
"""PowerSchool's names for the shared reach table's suffixes (errors.REACH_TABLE)."""


def network_error(exc: BaseException, what: str) -> VendorError:
    """A network or parse failure as a VendorError with our stable codes."""
    reach = errors.reach_failure(exc, "powerschool", REACH_NAMES)
    return reach.error(type(exc).__name__, headline=f"{reach.headline} ({what})")


def status_error(response: httpx.Response, what: str, resource: Resource | None = None) -> VendorError:
    """A refusal by status, worded for the admin; 403 names the resource and where it is granted."""
    status = response.status_code
    said = wire.error_message(_json_or_none(response))
    detail = f"HTTP {status} from {response.request.url.path}" + (f": {said}" if said else "")
    if status == 403:
        label = resource.label if resource else what
        grant = resource.grant if resource else f"access to {what}"
        return VendorError(
            "powerschool.resource_denied",
            f"The plugin is not allowed to read {label}.",
            f"In PowerSchool open {wire.PLUGIN_SCREEN}, select the integrator's plugin and under Data "
            f"Configuration / Data Access grant {grant}. If it is not offered there, install the "
            "integrator's latest plugin file, which asks for it.", FailureKind.CONFIG, detail)
    if status == 401:
        return VendorError(
            "powerschool.plugin_disabled",
            "PowerSchool issued a token but refuses it: the plugin is not enabled.",
            f"In PowerSchool open {wire.PLUGIN_SCREEN}, tick Enable/Disable next to the integrator's plugin "
            "and confirm Enable.", FailureKind.CONFIG, detail)
    failure = errors.classify_status(status)
    code = {FailureKind.TRANSIENT: "powerschool.transient", FailureKind.CONFIG: "powerschool.request_refused"}
    return VendorError(code.get(failure.kind, "powerschool.unexpected_answer"), f"{failure.message} ({what})",
                       failure.remedy, failure.kind, detail)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def garbled(what: str, detail: str = "") -> VendorError:
    return VendorError("powerschool.garbled_answer", f"PowerSchool's answer was cut or garbled ({what}).",
                       "Try again in a minute; if it keeps happening, check the proxy or ask PowerSchool support.",
                       FailureKind.TRANSIENT, detail)


class PowerSchoolApi:
    """Authenticated requests for one plugin's Client ID on one server."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, client_id: str, client_secret: str,
                 cache: TokenCache) -> None:
        self.http = http
        self.base_url = base_url.strip().rstrip("/")
        self._client_id = client_id.strip()
        self._secret = client_secret.strip()
        self._cache = cache
        self._tokens = cache.tokens
        self._key = self._tokens.key(self.base_url, self._client_id, self._secret)

    async def token(self, *, refused: str | None = None, ask: bool = False) -> str:
        """A bearer token: the one held for these credentials, or a new one when none is held, it
        nears its end, it is ``refused`` (a 401 just answered it), or ``ask`` says to ask the server
        (a check proves the credentials work now, not earlier). A held token is handed out without
        the lock: every page request asks for it."""
        held = None if ask else self._tokens.get(self._key, refused)
        if held is not None:
            return held
        async with self._tokens.lock():
            held = None if ask else self._tokens.get(self._key, refused)
            if held is not None:
                return held
            self._tokens.forget(self._key)
            value, lifetime = await self._request_token()
            self._tokens.put(self._key, value, lifetime)
            return value

    async def _request_token(self) -> tuple[str, float | None]:
        """A new token and its lifetime in seconds (None when the server does not say)."""
        basic = base64.b64encode(f"{self._client_id}:{self._secret}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", "Accept": "application/json",
                   "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
        known = self._cache.token_paths.get(self.base_url)
        paths = (known,) if known else TOKEN_PATHS
        response: httpx.Response | None = None
        for path in paths:
            try:
                response = await self.http.post(self.base_url + path, content=b"grant_type=client_credentials",
                                                headers=headers, extensions=errors.SMALL_REPLY)
            except httpx.HTTPError as exc:
                raise network_error(exc, "asking for a token") from None
            if response.status_code not in (404, 405):
                self._cache.token_paths[self.base_url] = path
                break
        assert response is not None
        body = _json_or_none(response)
        if response.status_code in (400, 401) or (isinstance(body, Mapping) and body.get("error")):
            said = wire.error_message(body)
            raise VendorError(
                "powerschool.client_rejected", "PowerSchool did not accept the Client ID and Client Secret.",
                f"In PowerSchool open {wire.PLUGIN_SCREEN}, click the integrator's plugin, then Data Provider "
                "Configuration, and copy the Client ID and Client Secret again. If someone clicked Regenerate "
                "there, only the new pair works.", FailureKind.CONFIG,
                f"HTTP {response.status_code}" + (f": {said}" if said else ""))
        if response.status_code in (404, 405):
            raise VendorError(
                "powerschool.oauth_missing", "This server has no PowerSchool token address (/oauth/access_token).",
                "Use the address of the PowerSchool server itself, e.g. https://district.powerschool.com, "
                "without /admin or /public.", FailureKind.CONFIG, f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise status_error(response, "asking for a token")
        if not isinstance(body, Mapping) or not body.get("access_token"):
            raise garbled("token", f"HTTP 200, {len(response.content)} bytes")
        try:  # a string in PowerSchool's answers
            lifetime: float | None = max(0.0, float(str(body["expires_in"]).strip()))
        except (KeyError, ValueError):
            lifetime = None
        return str(body["access_token"]), lifetime

    async def send(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                   payload: Any = None, *, authorised: bool = True, query: str = "",
                   trace: Callable[[str, Any], Awaitable[None]] | None = None) -> httpx.Response:
        """One request; on a 401 the token is renewed once and the request sent again.

        PowerSchool says "expired" in WWW-Authenticate when the token ran out; any other 401 may be
        credentials regenerated mid-run, which the renewal then reports as such. ``query`` is an
        encoded query string (a pager encodes its parameters once, not once per page). ``trace`` is
        httpx's trace extension: told each step of the exchange (request sent, answer coming)."""
        url = f"{self.base_url}{path}?{query}" if query else self.base_url + path
        headers = {"Accept": "application/json"}
        content = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(payload).encode()
        for attempt in range(2):
            token = await self.token() if authorised else None
            if token:
                headers["Authorization"] = f"Bearer {token}"
            try:
                response = await self.http.request(method, url, params=dict(params) if params else None,
                                                   content=content, headers=headers,
                                                   extensions={"trace": trace} if trace else None)
            except httpx.HTTPError as exc:
                raise network_error(exc, path) from None
            if response.status_code == 401 and token and attempt == 0:
                await self.token(refused=token)
                continue
            return response
        return response

    async def json(self, method: str, path: str, params: Mapping[str, Any] | None = None, payload: Any = None,
                   *, query: str = "", resource: Resource | None = None, what: str = "") -> Any:
        """The JSON body of a 200; a garbled body is asked for once more before it counts as a failure."""
        for attempt in range(2):
            response = await self.send(method, path, params, payload, query=query)
            if response.status_code != 200:
                raise status_error(response, what or path, resource)
            try:
                return response.json()
            except ValueError:
                if attempt:
                    raise garbled(what or path, f"{len(response.content)} bytes") from None
        raise AssertionError("unreachable")

    async def metadata(self) -> dict[str, Any]:
        """/ws/v1/metadata with the token (it carries ``plugin_id`` and the maximum page sizes)."""
        held = self._cache.metadata.get(self._key)
        if held is None:
            body = await self.json("GET", "/ws/v1/metadata", what="server metadata")
            held = dict(body.get("metadata") or {}) if isinstance(body, Mapping) else {}
            self._cache.metadata[self._key] = held
        return held

    async def pages(self, path: str, parse: Callable[[Any], list[dict[str, Any]]], *, count_path: str,
                    concurrency: int, page_size: int | None, size_key: str, method: str = "GET",
                    params: Mapping[str, Any] | None = None, payload: Any = None,
                    resource: Resource | None = None, speculate: int = 1) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a collection in order, up to ``concurrency`` page requests at once.

        Without an asked-for page size the server's default (the plugin's maximum) is used, so
        the count and the first ``speculate`` pages go out together; with one, it is capped at
        the maximum that /ws/v1/metadata states.
        """
        query = dict(params or {})
        if page_size:
            query["pagesize"] = min(page_size, wire.max_page_size(await self.metadata(), size_key))
        encoded = str(httpx.QueryParams(query))

        def page_query(page: int) -> str:
            return f"{encoded}&page={page}" if encoded else f"page={page}"

        async def fetch(page: int, waiting: Waiting) -> httpx.Response:
            async def trace(event: str, _info: Any) -> None:
                if event.endswith("send_request_body.complete"):
                    waiting(True)
                elif event.endswith("receive_response_headers.complete"):
                    waiting(False)

            response = await self.send(method, path, payload=payload, query=page_query(page), trace=trace)
            if response.status_code != 200:
                raise status_error(response, path, resource)
            return response

        async def finish(page: int, response: httpx.Response) -> list[dict[str, Any]]:
            try:
                return parse(response.json())
            except ValueError:  # garbled on the way: asked for once more, as json() does
                body = await self.json(method, path, payload=payload, query=page_query(page), resource=resource,
                                       what=path)
            except (KeyError, TypeError, AttributeError) as exc:
                raise garbled(path, str(exc)) from None
            try:
                return parse(body)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise garbled(path, str(exc)) from None

        async def total() -> int:
            body = await self.json(method, count_path, params, payload, resource=resource, what=count_path)
            try:
                return wire.count(body)
            except (ValueError, TypeError) as exc:
                raise garbled(count_path, str(exc)) from None

        async for chunk in ordered_pages(fetch, finish, total, concurrency=concurrency, speculate=speculate,
                                         page_size=query.get("pagesize")):
            yield chunk


TERM_SETUP = "Start Page > School Setup > Years and Terms > Term Setup"
Emit = Callable[[CheckResult], None]


class PowerSchoolConnector:
    """A new one serves each check, preview and sync; the tokens it uses are the process's
    (``TOKENS``), as PowerSchool hands out the same token for 30 days."""

    def __init__(self, today: Callable[[], dt.date] = dt.date.today, tokens: HeldTokens = TOKENS) -> None:
        self._cache = TokenCache(tokens)
        self._today = today

    def api(self, ctx: Context, credentials: Credentials) -> PowerSchoolApi:
        plugin = credentials.get(KEY) or {}
        return PowerSchoolApi(ctx.http, str(credentials.get("base_url") or ""), str(plugin.get("client_id") or ""),
                              str(plugin.get("client_secret") or ""), self._cache)

    def check(self, ctx: Context, credentials: Credentials, requirements: Requirements) -> AsyncIterator[CheckResult]:
        return guarded(self._check(ctx, credentials, requirements), _crashed)  # whatever broke is one FAILED result

    async def _check(self, ctx: Context, credentials: Credentials,
                     requirements: Requirements) -> AsyncIterator[CheckResult]:
        resources = wanted_resources(requirements)
        api = self.api(ctx, credentials)
        with Timer() as t:
            reach = await self._reach(api)
        reach = _timed(reach, t)
        yield reach
        if reach.status is Status.FAILED:
            yield _skipped("Client ID and Secret accepted", Layer.AUTHENTICATE,
                           "the server did not answer as PowerSchool")
            return
        with Timer() as t:
            try:
                await api.token(ask=True)
                auth = CheckResult(KEY, "Client ID and Secret accepted", Layer.AUTHENTICATE, Status.OK,
                                   "powerschool.client_accepted",
                                   "PowerSchool accepted the Client ID and Client Secret.")
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

    async def _grants(self, api: PowerSchoolApi, resources: list[Resource]) -> AsyncIterator[CheckResult]:
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

    def _probe_job(self, api: PowerSchoolApi, r: Resource, schools: list[Record],
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
                                  resource=granted("students"), what="a sample student")
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


def _where(r: Resource, schools: list[Record]) -> str:
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


def _crashed(exc: Exception) -> CheckResult:
    failure = classify_exception(exc)
    return CheckResult(KEY, "Check", Layer.AUTHORISE, Status.FAILED, "powerschool.unexpected_error",
                       failure.message, failure.remedy, type(exc).__name__)


def _timed(result: CheckResult, timer: Timer) -> CheckResult:
    return dataclasses.replace(result, elapsed_ms=timer.ms)
