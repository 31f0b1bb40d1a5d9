"""A LISS server over the synthetic school, standing in for the integrator's server (or TASS/Sentral).

It answers at several paths, each a server the admin may be given, so every setup mistake
is real server-side state rather than a flag:

* ``/liss`` (and TASS's ``/tassweb/api/liss/index.cfm``): says which part of the login was wrong;
* ``/edval/liss``: errors as ``{"faultCode", "faultString"}`` objects, as Edval's cloud endpoint;
* ``/constellation/liss``: one generic "Invalid Authentication Object" for every login mistake;
* ``/publish-only/liss``: a receiver that refuses every read;
* anything else: the integrator's HTML login page, which is not a LISS endpoint.

Publishes are kept (last payload per method) for tests to inspect.
"""

from __future__ import annotations

import random
import socket
import threading
from typing import Any

from mis_wizard.vendors.liss import wire
from mis_wizard.vendors.liss.receiver_protocol import GENERIC_WORDING, LissServer, Publish, ServerAuth, UnknownMethod
from mis_wizard.vendors.liss.render import LissSchool
from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, Scenario, text_response
from mis_wizard.vendors.sandbox.school import School

LOGIN_PAGE = ("<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method='post'>"
              "<input name='user'><input name='password' type='password'></form></body></html>")


class SchoolBackend:
    """Reads from the school's LISS rows; keeps what is published."""

    def __init__(self, rows: LissSchool, reads: bool = True) -> None:
        self.rows = rows
        self.reads = reads
        self.published: dict[str, Publish] = {}
        self._lock = threading.Lock()

    def read(self, call: wire.Call) -> Any:
        if not self.reads:
            raise UnknownMethod(call.name)
        args = call.params[1:]
        rows = self.rows
        simple = {"getStudents": lambda: rows.students, "getTeachers": lambda: rows.teachers,
                  "getRooms": lambda: rows.rooms, "getClasses": lambda: rows.classes,
                  "getClassMemberships": lambda: rows.memberships, "getTimetableStructures": lambda: rows.structures}
        if call.name in simple:
            return simple[call.name]()
        if call.name == "getBellTimes":
            wanted = str(args[0]) if args else rows.tt_structure
            return [r for r in rows.bell_times if r["TtStructure"] == wanted] if wanted else rows.bell_times
        if call.name in ("getCalendar", "getTimetable", "getDailyData"):
            # getTimetable's signature leads with academicYear, its example does not: take the dates either way.
            dates = [d for d in (wire.parse_date(a) for a in args) if d]
            if len(dates) < 2:
                raise UnknownMethod(call.name)
            start, end = min(dates[:2]), max(dates[:2])
            if call.name == "getCalendar":
                return rows.calendar(start, end)
            if call.name == "getDailyData":
                return rows.daily_data(start, end)
            return rows.timetable
        raise UnknownMethod(call.name)

    def publish(self, publish: Publish) -> None:
        with self._lock:
            self.published[publish.method] = publish


def closed_port() -> int:
    """A loopback port nothing listens on, for the 'unreachable' mistake."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LissEmulator(Emulator):
    system = "liss"

    def __init__(self, school: School) -> None:
        self.school = school
        self.rows = LissSchool(school)
        rng = random.Random(f"{school.seed}:liss-credentials")
        self.auth = ServerAuth(school=f"0{rng.randrange(1000, 9999)}", username="timetable",
                               password="".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(16)))
        self.backend = SchoolBackend(self.rows)
        sis = "Riverbend LISS"
        self.endpoints: dict[str, LissServer] = {
            "/liss": LissServer(self.auth, self.backend, sis),
            "/tassweb/api/liss/index.cfm": LissServer(self.auth, self.backend, "TASS.web"),
            "/edval/liss": LissServer(self.auth, self.backend, "Edval", style=wire.ErrorStyle.FAULT,
                                      wording={"school": "School does not exist",
                                               "login": "Username or password incorrect for this academic year"}),
            "/constellation/liss": LissServer(self.auth, self.backend, "Constellation", wording=GENERIC_WORDING),
            "/publish-only/liss": LissServer(self.auth, SchoolBackend(self.rows, reads=False), "Receiver"),
        }

    @property
    def published(self) -> dict[str, Publish]:
        return self.backend.published

    def handle(self, request: Request) -> Response:
        server = self.endpoints.get(request.path.rstrip("/") or "/")
        if server is None:
            return text_response(LOGIN_PAGE, content_type="text/html; charset=utf-8")
        if request.method != "POST":
            return text_response("LISS endpoint: POST a JSON-RPC or XML-RPC call.", 405)
        body, content_type = server.handle(request.body)
        return Response(200, body, content_type)

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {"base_url": f"{base_url}/liss", "school_code": self.auth.school, "username": self.auth.username,
                "password": self.auth.password}

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        good = self.credentials(base_url)

        def with_(**changes: str) -> dict[str, Any]:
            return {**good, **changes}

        wrong = self.auth.password[::-1]
        return {
            "wrong_school_code": Scenario(with_(school_code="03014"), "liss.school_code_rejected",
                                          "The school's DEEWR number typed instead of the code the integrator set up."),
            "wrong_password": Scenario(with_(password=wrong), "liss.password_rejected",
                                       "A password mistyped or copied with a missing character."),
            "wrong_username": Scenario(with_(username="admin"), "liss.password_rejected",
                                       "The admin's own login typed instead of the integrator's LISS username."),
            "wrong_password_fault_object": Scenario(
                with_(base_url=f"{base_url}/edval/liss", password=wrong), "liss.password_rejected",
                "A server that words errors as {faultString} objects refuses the password."),
            "wrong_school_code_generic_error": Scenario(
                with_(base_url=f"{base_url}/constellation/liss", school_code="03014"), "liss.credentials_rejected",
                "A server that does not say which part of the login is wrong."),
            "not_liss_endpoint": Scenario(with_(base_url=f"{base_url}/login"), "liss.not_liss_endpoint",
                                          "The integrator's website or login page typed instead of its LISS address."),
            "unreachable": Scenario(with_(base_url=f"http://127.0.0.1:{closed_port()}/liss"), "liss.unreachable",
                                    "An address nothing answers at (wrong host or port, or the server is down)."),
            "publish_only_server": Scenario(with_(base_url=f"{base_url}/publish-only/liss"), "liss.auth_unverified",
                                            "A receive-only server that cannot prove the login by a read."),
        }
