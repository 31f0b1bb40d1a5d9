"""A TASS.web API Gateway emulator over the synthetic school.

It holds the API Gateway Maintenance table the way a school's TASS does: API applications by
(App Code, Company Code), each with its module, Token Key, Security Role (or none), licence
state. Besides one working app per module it holds the apps admins get wrong: one whose role
lacks a permission, one with an expired licence, one without a role. Behaviour TASS does not
document (the answer to a method of another module, to v3 without a role, the words of a
licence 401) is marked *inferred* where it is chosen.
"""

from __future__ import annotations

import base64
import json
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, Scenario, json_response, text_response
from mis_wizard.vendors.sandbox.school import School
from mis_wizard.vendors.tass import wire
from mis_wizard.vendors.tass.render import TASS_VERSION, TT_ID, Renderer
from mis_wizard.vendors.tass.requirements import BY_ID, MODULES, Method

API_PATHS = ("/tassweb/api", "/tassweb/api/", "/tassweb/api/index.cfm")
COMPANY = "01"
IIS_401 = ("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"><html><head><title>401 - Unauthorized: "
           "Access is denied due to invalid credentials.</title></head><body><div id=\"header\"><h1>Server Error"
           "</h1></div><div id=\"content\"><fieldset><h2>401 - Unauthorized: Access is denied due to invalid "
           "credentials.</h2><h3>You do not have permission to view this directory or page using the credentials "
           "that you supplied.</h3></fieldset></div></body></html>\r\n")
LOGIN_PAGE = ("<!DOCTYPE html><html><head><title>Riverbend Portal - Sign in</title></head><body><form method=\"post\">"
              "<label>Username <input name=\"username\"></label><label>Password <input type=\"password\" "
              "name=\"password\"></label><button>Sign in</button></form></body></html>")
NOT_FOUND = "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


@dataclass
class App:
    """One row of System Admin > Utilities > API Gateway Maintenance."""

    app_code: str
    module: str
    token_key: str
    role: frozenset[str] | None
    """The Security Role's permissions; None when no role is set (v1/v2 only)."""
    company: str = COMPANY
    licence_expired: bool = False


def invalid(msg: str) -> dict[str, Any]:
    return {"__status": "invalid", "__msg": msg, "__invalid": {}}


class TassEmulator(Emulator):
    system = "tass"

    def __init__(self, school: School) -> None:
        self.school = school
        self.render = Renderer(school, COMPANY)
        rng = random.Random(f"{school.seed}:tass-apps")

        def key() -> str:
            return base64.b64encode(rng.randbytes(16)).decode()

        self.apps: dict[tuple[str, str], App] = {}
        for module in MODULES:
            perms = frozenset(m.permission for m in module.methods)
            self._add(App(f"INT{module.id.upper()[:6]}", module.id, key(), perms))
        lms = [m.permission for m in BY_ID["lms"].methods if m.name != "getTimetableCalendar"]
        self._add(App("INTLMSNOCAL", "lms", key(), frozenset(lms)))
        self._add(App("INTEMPOLD", "employee_hr", key(), frozenset(
            m.permission for m in BY_ID["employee_hr"].methods), licence_expired=True))
        self._add(App("INTSDNOROLE", "student_details", key(), None))
        self.stray_key = key()
        """A well-formed Token Key that belongs to no app."""
        self._cache: dict[tuple[str, str, bool], bytes] = {}
        self._lock = threading.Lock()

    def _add(self, app: App) -> None:
        self.apps[(app.app_code.upper(), app.company)] = app

    def app_for(self, module: str) -> App:
        return self.apps[(f"INT{module.upper()[:6]}", COMPANY)]

    # -- credentials and mistakes ---------------------------------------------------------------

    def credentials(self, base_url: str) -> dict[str, Any]:
        creds: dict[str, Any] = {"base_url": base_url, "company_code": COMPANY}
        for module in MODULES:
            app = self.app_for(module.id)
            creds[module.id] = {"app_code": app.app_code, "token_key": app.token_key, "version": "3"}
        return creds

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        def with_key(module: str, **changes: str) -> dict[str, Any]:
            creds = self.credentials(base_url)
            creds[module] = {**creds[module], **changes}
            return creds

        def app(code: str) -> dict[str, str]:
            found = self.apps[(code, COMPANY)]
            return {"app_code": found.app_code, "token_key": found.token_key}

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        good = self.credentials(base_url)
        return {
            "unreachable": Scenario({**good, "base_url": f"http://127.0.0.1:{closed_port}"}, "tass.unreachable",
                                    "Nothing answers at the TASS.web address."),
            "login_page": Scenario({**good, "base_url": f"{base_url}/portal"}, "tass.login_page",
                                   "The address is the school portal's sign-in page, not TASS.web."),
            "other_site": Scenario({**good, "base_url": f"{base_url}/intranet"}, "tass.not_tass_api",
                                   "The address is another web site."),
            "plain_http": Scenario({**good, "base_url": "http://tass.riverbend.example.edu.au"},
                                   "tass.field_invalid.base_url",
                                   "The address starts with http://; TASS answers HTTPS only since v49."),
            "wrong_company_code": Scenario({**good, "company_code": "02"}, "tass.company_code_rejected",
                                           "Company Code 02 instead of 01."),
            "wrong_token_key": Scenario(with_key("lms", token_key=self.stray_key), "tass.token_key_rejected",
                                        "The LMS Token Key is not the one TASS generated for that app."),
            "licence_expired": Scenario(with_key("employee_hr", **app("INTEMPOLD")), "tass.licence_expired",
                                        "The Employee/HR module's licence has expired."),
            "role_set_v2": Scenario(with_key("student_details", version="2"), "tass.version_refused_role",
                                    "Version 2 chosen for an app that has a Security Role."),
            "v3_without_role": Scenario(with_key("student_details", **app("INTSDNOROLE")), "tass.role_missing",
                                        "Version 3 chosen for an app with no Security Role."),
            "permission_missing": Scenario(with_key("lms", **app("INTLMSNOCAL")), "tass.permission_missing",
                                           "The role lacks Timetables > Timetable Calendar Setup > View."),
            "app_code_other_module": Scenario(with_key("student_details", **app("INTLMS")),
                                              "tass.app_code_other_module",
                                              "The LMS Integration app's codes typed in for Student Details."),
        }

    # -- HTTP -------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path.lower()
        if request.method not in ("GET", "POST"):
            return text_response("Header values specify a method that is not implemented.", 501,
                                 "text/html; charset=utf-8")
        if path.startswith("/portal"):
            return text_response(LOGIN_PAGE, 200, "text/html; charset=utf-8")
        if path not in API_PATHS:
            return text_response(NOT_FOUND, 404, "text/html; charset=utf-8")
        app = self.apps.get((request.arg("appcode", ignore_case=True).upper(),
                             request.arg("company", ignore_case=True)))
        if app is None:
            return self._unauthorized()
        if app.licence_expired:
            return self._unauthorized("Invalid License")  # inferred wording; TASS's log says "invalid license"
        try:
            text = wire.decrypt(request.arg("token", ignore_case=True), app.token_key)
        except wire.TokenError:
            return self._unauthorized()
        version = request.arg("v", "1", ignore_case=True)
        if app.role is not None and version in ("1", "2"):
            return json_response(invalid(wire.ROLE_REFUSED))
        if app.role is None and version == "3":
            return json_response(invalid("Version 3 methods require a Security Role to be defined."))  # inferred
        try:
            params = {k: str(v) for k, v in wire.parse_params(text, version).items()}
        except ValueError:
            return json_response(invalid("Parameters could not be read."))
        name = request.arg("method", ignore_case=True)
        method = BY_ID[app.module].method(name)
        handler = self._handlers().get(name.lower())
        if method is None or handler is None:
            return json_response(invalid(f"Method '{name}' is not available for this application."))  # inferred
        omit = version == "3" and app.role is not None and method.permission not in app.role
        cache_key = (method.name, json.dumps(params, sort_keys=True), omit)
        with self._lock:
            cached = self._cache.get(cache_key)
        if cached is None:
            cached = json.dumps(self._answer(method, handler, params, omit), separators=(",", ":")).encode()
            with self._lock:
                self._cache[cache_key] = cached
        return Response(200, cached)

    def _unauthorized(self, msg: str = "Unauthorized") -> Response:
        return text_response(IIS_401 + json.dumps(invalid(msg), separators=(",", ":")), 401,
                             "text/html; charset=utf-8")

    def _answer(self, method: Method, handler: Callable[[dict[str, str]], dict[str, Any]],
                params: dict[str, str], omit: bool) -> dict[str, Any]:
        data = handler(params)
        if "__invalid" in data or "__msg" in data:
            return data
        if omit:  # v3 leaves out what the role may not see
            data = {}
        return {**data, "__tassversion": TASS_VERSION, "token": {**self._echo(params)}}

    def _echo(self, params: dict[str, str]) -> dict[str, Any]:
        """TASS echoes the parameters with numbers and booleans typed, plus a server timestamp."""
        out: dict[str, Any] = {"timestamp": f"{{ts '{self.school.anchor.isoformat()} 09:00:00'}}"}
        for k, v in params.items():
            if v in ("true", "false"):
                out[k] = v == "true"
            elif v.isdigit() and not v.startswith("0"):
                out[k] = int(v)
            else:
                out[k] = v
        return out

    # -- methods ----------------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
        return {
            "getcampuses": self._campuses, "getstudents": self._students,
            "getstudentsubjects": self._student_subjects, "getteachers": self._teachers,
            "getteachersubjects": self._teacher_subjects, "gettimetables": self._timetables,
            "gettimetablecalendar": self._calendar, "getstudentsdetails": self._students_details,
            "getemployeesdetails": self._employees, "getclasslessons": self._class_lessons,
            "getstudentabsences": self._absences, "getcoa": self._coa, "getaccountbalances": self._coa,
        }

    def _campuses(self, p: dict[str, str]) -> dict[str, Any]:
        if "codeonly" not in p:
            return {"__msg": "'codeonly' IS REQUIRED"}
        if p["codeonly"] not in ("true", "false"):
            return {"__msg": "'codeonly' MUST BE 'true' or 'false'"}
        rows = self.render.campuses
        return {"campuses": [{"code": c["code"]} for c in rows] if p["codeonly"] == "true" else rows}

    def _status(self, p: dict[str, str], allowed: tuple[str, ...]) -> dict[str, Any] | None:
        if not p.get("currentstatus"):
            return {"__invalid": {"currentstatus": "field is required"}}
        if p["currentstatus"] not in allowed:
            words = " or ".join(f"'{a}'" for a in allowed)
            return {"__invalid": {"currentstatus": f"Current Status must be {words}."}}
        return None

    def _students(self, p: dict[str, str]) -> dict[str, Any]:
        refused = self._status(p, ("current", "future", "past", "noncurrent"))
        if refused:
            return refused
        return {"students": [self.render.student(s) for s in self.render.students(p["currentstatus"])]}

    def _students_details(self, p: dict[str, str]) -> dict[str, Any]:
        codes = [c.strip() for c in p.get("code", "").split(",") if c.strip()]
        if codes:
            by_code = {s.code: s for s in self.school.students}
            if any(c not in by_code for c in codes):
                return {"__invalid": {"code": "Student Code is invalid."}}
            return {"students": [self.render.student(by_code[c], details=True) for c in codes]}
        refused = self._status(p, ("current", "future", "past", "noncurrent"))
        if refused:
            return refused
        return {"students": [self.render.student(s, True) for s in self.render.students(p["currentstatus"])]}

    def _student_subjects(self, p: dict[str, str]) -> dict[str, Any]:
        code = p.get("code", "")
        if not code:
            return {"__invalid": {"code": "field is required"}}
        if p.get("lmsflag", "Y") not in ("Y", "N"):
            return {"__invalid": {"lmsflag": "lmsflag must be set to 'Y' or 'N'."}}
        if code.lower() == "all":
            return {s.code: rows for s in self.school.current_students() if (rows := self.render.student_subjects(s))}
        student = next((s for s in self.school.students if s.code == code), None)
        if student is None:
            return {"__invalid": {"code": "Invalid Student Code"}}
        return {student.code: self.render.student_subjects(student)}

    def _teachers(self, p: dict[str, str]) -> dict[str, Any]:
        refused = self._status(p, ("current", "noncurrent"))
        if refused:
            return refused
        photo = p.get("includephoto") == "true"
        return {"teachers": [self.render.teacher(s, photo) for s in self.render.teachers(p["currentstatus"])]}

    def _teacher_subjects(self, p: dict[str, str]) -> dict[str, Any]:
        code = p.get("code", "")
        if not code:
            return {"__invalid": {"code": "field is required"}}
        by_teacher = self.render.teacher_subjects()
        if code.lower() == "all":
            return by_teacher
        if code not in {s.code for s in self.school.staff if s.teaching}:
            return {"__invalid": {"code": "Invalid Teacher Code"}}
        return {code: by_teacher.get(code, [])}

    def _timetables(self, p: dict[str, str]) -> dict[str, Any]:
        for name in ("year", "period"):
            if not p.get(name):
                return {"__invalid": {name: "field is required"}}
        if not (p["year"].isdigit() and p["period"].isdigit()):
            return {"__invalid": {"period": "Period Code is invalid."}}
        rows = self.render.timetable(int(p["period"])) if int(p["year"]) == self.render.year else []
        return {"timetables": rows}

    def _calendar(self, p: dict[str, str]) -> dict[str, Any]:
        if not p.get("tt_id"):
            return {"__invalid": {"tt_id": "field is required"}}
        return {"tt_calendar": self.render.calendar() if p["tt_id"] == str(TT_ID) else []}

    def _employees(self, p: dict[str, str]) -> dict[str, Any]:
        if not p.get("date"):
            return {"__invalid": {"date": "field is required"}}
        if wire.tass_date(p["date"]) is None:
            return {"__invalid": {"date": "date is invalid."}}
        return {"employees": [self.render.employee(s) for s in self.school.staff]}

    def _dates(self, p: dict[str, str], start: str, end: str) -> tuple[Any, Any] | dict[str, Any]:
        first, last = wire.tass_date(p.get(start)), wire.tass_date(p.get(end))
        if first is None or last is None:
            return {"__invalid": {start if first is None else end: "field is required"}}
        return first, last

    def _class_lessons(self, p: dict[str, str]) -> dict[str, Any]:
        span = self._dates(p, "datefrom", "dateto")
        return span if isinstance(span, dict) else {"DATA": self.render.class_lessons(*span)}

    def _absences(self, p: dict[str, str]) -> dict[str, Any]:
        if not p.get("studcode"):
            return {"__invalid": {"studcode": "field is required"}}
        span = self._dates(p, "absentdatefrom", "absentdateto")
        return span if isinstance(span, dict) else {"DATA": self.render.absences(*span)}

    def _coa(self, p: dict[str, str]) -> dict[str, Any]:
        return {"DATA": self.render.accounts()}
