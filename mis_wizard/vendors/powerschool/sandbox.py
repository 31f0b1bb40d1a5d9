"""A PowerSchool server for the sandbox: plugins with OAuth, grants, paging and its quirks.

It follows the fact sheet's "What an emulator must do": both token paths, Basic auth,
``expires_in`` as a string and the same token until it expires; bearer checks with
``expired`` in WWW-Authenticate; 403 for what a plugin was not granted; wrapped collections
whose one-record pages hold an object; ``/count``; maximum page sizes stated in
/ws/v1/metadata and enforced (clamped or refused, behind a switch, as the real behaviour is
unknown); /ws/schema table queries and the guardian PowerQuery.

The setup mistakes are installed plugins (disabled, missing a grant, credentials regenerated
after they were copied) and a second district whose South campus has no Years & Terms; a
plugin's Client ID says which district it reads, so one port serves every scenario.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mis_wizard.vendors.powerschool import wire
from mis_wizard.vendors.powerschool.render import District, render
from mis_wizard.vendors.powerschool.requirements import RESOURCE_IDS
from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, Scenario, json_response, text_response
from mis_wizard.vendors.sandbox.school import Blocks, School

VERSION = "24.11.0.0"
TOKEN_LIFETIME_S = 2591999
STUDENT_EXPANSIONS = ("demographics, addresses, alerts, phones, school_enrollment, ethnicity_race, contact, "
                      "contact_info, initial_enrollment, schedule_setup, fees, lunch")
STAFF_EXPANSIONS = "addresses, emails, phones, school_affiliations"
SIGN_IN_PAGE = ("<!DOCTYPE html><html><head><title>Student and Parent Sign In</title></head>"
                "<body><form method=\"post\" action=\"/guardian/home.html\"></form></body></html>")
NOT_FOUND_PAGE = "<!DOCTYPE html><html><head><title>Page Not Found</title></head><body></body></html>"


@dataclass(frozen=True)
class Plugin:
    """An installed plugin: its OAuth pair, whether it is enabled, and what it was granted."""

    name: str
    client_id: str
    client_secret: str
    plugin_id: int
    enabled: bool = True
    grants: frozenset[str] = frozenset(RESOURCE_IDS)
    district: str = "main"
    retired_secrets: tuple[str, ...] = ()
    """Secrets from before someone clicked Regenerate Client ID and Secret: no longer accepted."""


@dataclass(frozen=True)
class _Collection:
    """A /ws/v1 collection: who may read it, its wrapper keys, page-size key and expansions."""

    grant: str
    plural: str
    singular: str
    expansions: str = ""
    optional: frozenset[str] = frozenset()
    """Keys that appear only when asked for with ``expansions``."""


class PowerSchoolEmulator(Emulator):
    system = "powerschool"

    def __init__(self, school: School, *, max_page_size: int = 100, table_max_page_size: int = 1000,
                 oversize: str = "clamp", token_path: str = "") -> None:
        """``oversize``: what an over-limit ``pagesize`` gets ("clamp" or "reject"); ``token_path``: the one
        spelling of the token address to answer (both when empty), as clients in the wild use both."""
        if oversize not in ("clamp", "reject"):
            raise ValueError("oversize must be 'clamp' or 'reject'")
        self.school = school
        self.max_page_size = max_page_size
        self.table_max_page_size = table_max_page_size
        self.oversize = oversize
        self.token_path = token_path
        self._lock = threading.Lock()
        rng = random.Random(f"{school.seed}:powerschool-plugins")

        def plugin(name: str, n: int, **kw: Any) -> Plugin:
            return Plugin(name, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                          str(uuid.UUID(int=rng.getrandbits(128), version=4)), 50 + n, **kw)

        everything = frozenset(RESOURCE_IDS)
        self.plugins = [
            plugin("MIS Wizard Data Sync", 1),
            plugin("Disabled Sync", 2, enabled=False),
            plugin("Sync without Students", 3, grants=everything - {"students"}),
            plugin("Sync without CC", 4, grants=everything - {"section_enrollments"}),
            plugin("Sync at a district without terms", 5, district="no_terms"),
            plugin("Regenerated Sync", 6),
        ]
        self._tokens: dict[str, tuple[Plugin, float]] = {}
        self.regenerate(5)
        self._pages: dict[tuple[Any, ...], Response] = {}
        """Rendered pages, by district, collection or query, page size and page."""
        self._queries: dict[tuple[Any, ...], Sequence[dict[str, Any]]] = {}
        """The records of each table query and PowerQuery, by district and projection."""
        self._render_lock = threading.Lock()
        self._districts: dict[str, District] | None = None

    # --- state the tests and scenarios reach for -------------------------------------------------

    @property
    def districts(self) -> dict[str, District]:
        """Rendered on first use (a large school takes a moment), once, whichever thread asks."""
        with self._render_lock:
            if self._districts is None:
                main = render(self.school)
                self._districts = {"main": main, "no_terms": main.without_terms(main.schools[-1]["school_number"])}
            return self._districts

    def regenerate(self, index: int) -> Plugin:
        """Click Regenerate Client ID and Secret on a plugin: the old secret is retired and the plugin's
        tokens stop working, as in PowerSchool 21.11.2 and later."""
        retired = len(self.plugins[index].retired_secrets)
        rng = random.Random(f"{self.school.seed}:powerschool-regenerate:{index}:{retired}")
        with self._lock:
            old = self.plugins[index]
            new = dataclasses.replace(old, client_secret=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                      retired_secrets=(*old.retired_secrets, old.client_secret))
            self.plugins[index] = new
            self._tokens = {t: held for t, held in self._tokens.items() if held[0].client_id != old.client_id}
            return new

    def expire_tokens(self) -> None:
        """Every issued token expires now, as after PowerSchool's 30 days."""
        with self._lock:
            self._tokens = {t: (p, 0.0) for t, (p, _) in self._tokens.items()}

    def credentials(self, base_url: str) -> dict[str, Any]:
        good = self.plugins[0]
        return {"base_url": base_url, "plugin": {"client_id": good.client_id, "client_secret": good.client_secret}}

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        good = self.plugins[0]

        def creds(p: Plugin, secret: str | None = None, url: str = base_url) -> dict[str, Any]:
            return {"base_url": url, "plugin": {"client_id": p.client_id, "client_secret": secret or p.client_secret}}

        wrong = str(uuid.UUID(int=random.Random(f"{self.school.seed}:powerschool-wrong").getrandbits(128)))
        return {
            "wrong_client_secret": Scenario(creds(good, wrong), "powerschool.client_rejected",
                                            "The Client Secret was mistyped or belongs to another plugin."),
            "wrong_client_id": Scenario({"base_url": base_url, "plugin": {"client_id": wrong,
                                                                          "client_secret": good.client_secret}},
                                        "powerschool.client_rejected", "The Client ID is not of any plugin."),
            "plugin_disabled": Scenario(creds(self.plugins[1]), "powerschool.plugin_disabled",
                                        "The plugin was installed but never enabled."),
            "students_not_granted": Scenario(creds(self.plugins[2]), "powerschool.resource_denied",
                                             "The plugin has no access to Students."),
            "cc_table_not_granted": Scenario(creds(self.plugins[3]), "powerschool.resource_denied",
                                             "The plugin may not read the CC table (section enrollments)."),
            "no_term_covering_today": Scenario(creds(self.plugins[4]), "powerschool.no_current_term",
                                               "A school has no Years & Terms covering today."),
            "credentials_regenerated": Scenario(
                {"base_url": base_url, "plugin": {"client_id": self.plugins[5].client_id,
                                                  "client_secret": self.plugins[5].retired_secrets[-1]}},
                "powerschool.client_rejected",
                "Someone clicked Regenerate Client ID and Secret after the pair was copied."),
            "address_is_sign_in_page": Scenario(creds(good, url=base_url + "/public"), "powerschool.not_powerschool",
                                                "The address copied was the parent sign-in page."),
        }

    # --- requests --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path == "/oauth/access_token" and self.token_path in ("", request.path):
            return self._token(request)
        if path.startswith("/public") or path.startswith("/guardian"):
            return text_response(SIGN_IN_PAGE, content_type="text/html; charset=utf-8")
        if not path.startswith("/ws/"):
            return text_response(NOT_FOUND_PAGE, 404, content_type="text/html; charset=utf-8")
        if path == "/ws/v1/time":
            return json_response({"time": {"server_time": dt.datetime.now(dt.UTC).isoformat()}})
        plugin, refusal = self._bearer(request)
        if path == "/ws/v1/metadata":
            return json_response({"metadata": self._metadata(plugin if plugin and plugin.enabled else None)})
        if refusal is not None:
            return refusal
        assert plugin is not None
        if not plugin.enabled:
            return json_response({"message": "Plugin is disabled"}, 401)
        return self._route(request, path, plugin)

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return json_response({"error": "invalid_request"}, 405)
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if request.arg("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        try:
            client_id, _, secret = base64.b64decode(value).decode().partition(":")
        except ValueError:
            client_id = secret = ""
        with self._lock:
            plugin = next((p for p in self.plugins if p.client_id == client_id), None)
        if scheme.lower() != "basic" or plugin is None or secret != plugin.client_secret:
            return json_response({"error": "invalid_client"}, 401)
        now = time.time()
        with self._lock:
            token = next((t for t, (p, exp) in self._tokens.items() if p == plugin and exp > now), None)
            if token is None:
                token = str(uuid.uuid4())
                self._tokens[token] = (plugin, now + TOKEN_LIFETIME_S)
            left = int(self._tokens[token][1] - now)
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": str(left)})

    def _bearer(self, request: Request) -> tuple[Plugin | None, Response | None]:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            held = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if held is None:
            return None, json_response({"message": "Invalid access token"}, 401,
                                       {"WWW-Authenticate": 'Bearer realm="PowerSchool", error="invalid_token"'})
        plugin, expires = held
        if expires <= time.time():
            return plugin, json_response({"message": "Access token expired"}, 401, {
                "WWW-Authenticate": 'Bearer realm="PowerSchool", error="invalid_token", '
                                    'error_description="The access token expired"'})
        return plugin, None

    def _metadata(self, plugin: Plugin | None) -> dict[str, Any]:
        meta: dict[str, Any] = {"powerschool_version": VERSION}
        if plugin is not None:
            meta["plugin_id"] = plugin.plugin_id
            for key in ("school", "student", "staff", "term", "section", "course", "section_enrollment"):
                meta[f"{key}_max_page_size"] = self.max_page_size
            meta["schema_table_query_max_page_size"] = self.table_max_page_size
        return meta

    def _route(self, request: Request, path: str, plugin: Plugin) -> Response:
        district = self.districts[plugin.district]
        if m := re.fullmatch(r"/ws/schema/table/(\w+)(/count)?", path):
            return self._table(request, plugin, district, m.group(1).lower(), bool(m.group(2)))
        if m := re.fullmatch(rf"/ws/schema/query/{re.escape(wire.GUARDIAN_QUERY)}(/count)?", path):
            if request.method != "POST":
                return json_response({"message": "Method not allowed"}, 405)
            if "contacts" not in plugin.grants:
                return _forbidden()
            if m.group(1):
                return json_response({"count": len(district.guardians)})
            return self._schema_page(request, "student_guardian_detail", (plugin.district, "guardians"),
                                     lambda: _each(district.guardians, lambda i, r: {
                                         "_name": "student_guardian_detail", "_id": i + 1, **r}),
                                     self.table_max_page_size)
        if path == "/ws/v1/district":
            if "schools" not in plugin.grants:
                return _forbidden()
            # powerschool.md lists GET /ws/v1/district ("District info") without its fields; the one-object
            # wrapper {"district": {..}} is the API's way for one resource (see FACTS in __init__.py).
            return json_response({"district": {"name": f"{self.school.name} District"}})
        if m := re.fullmatch(r"/ws/v1/(student|term|school)/(\d+)", path):
            return self._one(plugin, district, m.group(1), int(m.group(2)))
        found = self._collection(path, district)
        if found is None:
            return json_response({"message": "Not Found"}, 404)
        spec, records, is_count = found
        if spec.grant not in plugin.grants:
            return _forbidden()
        if is_count:
            return json_response({"resource": {"count": len(records)}})
        return self._v1_page(request, path, plugin.district, spec, records)

    def _collection(self, path: str, district: District) -> tuple[_Collection, list[dict[str, Any]], bool] | None:
        m = re.fullmatch(r"/ws/v1/(district|school/(\d+))/(\w+?)(/count)?", path)
        if not m:
            return None
        kind, is_count = m.group(3), bool(m.group(4))
        if m.group(2) is None:
            if kind == "school":
                return _SCHOOLS, district.schools, is_count
            return (_STUDENTS, district.students, is_count) if kind == "student" else None
        school = next((s for s in district.schools if s["id"] == int(m.group(2))), None)
        spec = _PER_SCHOOL.get(kind)
        if school is None or spec is None:
            return None
        if kind == "student":
            return spec, [s for s in district.students if s["school_enrollment"]["school_id"] == school["id"]], is_count
        number = school["school_number"]
        by_school = {"staff": district.staff.get(school["id"], []), "term": district.terms.get(number, []),
                     "section": district.sections.get(number, []), "course": district.courses.get(number, [])}
        return spec, by_school[kind], is_count

    def _page_size(self, request: Request, maximum: int) -> int | Response:
        asked = request.arg("pagesize")
        if not asked:
            return maximum
        if not asked.isdigit() or int(asked) < 1:
            return json_response({"message": "Validation Failed",
                                  "errors": [{"resource": "request", "field": "pagesize", "code": "invalid"}]}, 400)
        if int(asked) > maximum and self.oversize == "reject":
            return json_response({"message": f"pagesize may not exceed the maximum page size of {maximum}"}, 400)
        return min(int(asked), maximum)

    def _v1_page(self, request: Request, path: str, district: str, spec: _Collection,
                 records: list[dict[str, Any]]) -> Response:
        size = self._page_size(request, self.max_page_size)
        if isinstance(size, Response):
            return size
        page = int(request.arg("page") or 1) if request.arg("page").isdigit() else 1
        asked = frozenset(x.strip() for x in request.arg("expansions").split(",") if x.strip())
        key = (district, path, size, page, asked & spec.optional)
        with self._lock:
            cached = self._pages.get(key)
        if cached is not None:
            return cached
        chunk = [{k: v for k, v in r.items() if k not in spec.optional or k in asked}
                 for r in records[(page - 1) * size : page * size]]
        wrapper: dict[str, Any] = {}
        if spec.expansions:
            wrapper["@expansions"] = spec.expansions
        wrapper[spec.singular] = chunk[0] if len(chunk) == 1 else chunk
        response = json_response({spec.plural: wrapper if chunk else None})
        if not isinstance(records, Blocks):  # a district's pages are made again when asked again
            with self._lock:
                self._pages[key] = response
        return response

    def _table(self, request: Request, plugin: Plugin, district: District, table: str, is_count: bool) -> Response:
        grant = {"students": "students", "sections": "sections", "cc": "section_enrollments"}.get(table)
        if grant is None:
            return json_response({"message": f"Table {table} not found"}, 404)
        if grant not in plugin.grants:
            return _forbidden()
        rows = district.tables[table]
        if is_count:
            return json_response({"count": len(rows)})
        projection = request.arg("projection")
        if not projection:
            return json_response({"message": "Validation Failed",
                                  "errors": [{"resource": table, "field": "projection", "code": "missing"}]}, 400)
        wanted = None if projection.strip() == "*" else frozenset(c.strip().lower() for c in projection.split(","))
        return self._schema_page(
            request, table, (plugin.district, table, wanted),
            lambda: _each(rows, lambda _, r: {"id": int(r["id"]), "name": table,
                                              "tables": {table: {k: v for k, v in r.items()
                                                                 if wanted is None or k in wanted}}}),
            self.table_max_page_size)

    def _schema_page(self, request: Request, name: str, key: tuple[Any, ...],
                     records: Callable[[], Sequence[dict[str, Any]]], maximum: int) -> Response:
        """One page of a table query or PowerQuery: its records built once per query (``key``), each
        page's bytes once per size, so a read of every enrolment costs the server only the sending."""
        size = self._page_size(request, maximum)
        if isinstance(size, Response):
            return size
        page = int(request.arg("page")) if request.arg("page").isdigit() else 1
        with self._lock:
            cached = self._pages.get((*key, size, page))
        if cached is not None:
            return cached
        with self._render_lock:
            rows = self._queries.get(key)
            if rows is None:
                rows = self._queries[key] = records()
        response = json_response({"name": name, "record": rows[(page - 1) * size : page * size], "@extensions": ""})
        if not isinstance(rows, Blocks):
            with self._lock:
                self._pages[(*key, size, page)] = response
        return response

    def _one(self, plugin: Plugin, district: District, kind: str, dcid: int) -> Response:
        grant = {"student": "students", "term": "terms", "school": "schools"}[kind]
        if grant not in plugin.grants:
            return _forbidden()
        pool = {"student": district.students, "school": district.schools,
                "term": [t for terms in district.terms.values() for t in terms]}[kind]
        record = next((r for r in pool if r["id"] == dcid), None)
        if record is None:
            return json_response({"message": f"{kind} {dcid} not found"}, 404)
        return json_response({kind: record})


def _each(rows: Sequence[dict[str, Any]], fn: Callable[[int, dict[str, Any]], dict[str, Any]]
          ) -> Sequence[dict[str, Any]]:
    """``fn(index, row)`` for every row: a list, or for a district's rows blocks made when read."""
    if isinstance(rows, Blocks):
        return rows.map(fn)
    return [fn(i, r) for i, r in enumerate(rows)]


def _forbidden() -> Response:
    return json_response({"message": "Request is for a resource the user is not allowed to access"}, 403)


_SCHOOLS = _Collection("schools", "schools", "school", "school_boundary, full_time_equivalencies, school_fees_setup")
_STUDENTS = _Collection("students", "students", "student", STUDENT_EXPANSIONS,
                        frozenset({"demographics", "school_enrollment", "contact_info"}))
_PER_SCHOOL = {
    "student": _STUDENTS,
    "staff": _Collection("staff", "staffs", "staff", STAFF_EXPANSIONS, frozenset({"emails", "school_affiliations"})),
    "term": _Collection("terms", "terms", "term"),
    "section": _Collection("sections", "sections", "section", "term"),
    "course": _Collection("sections", "courses", "course"),
}
