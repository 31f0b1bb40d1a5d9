"""A Timetable-Daily-like LISS client: replays a sync of the synthetic school against a LISS server.

It stands in for the timetabler when testing a receiver (ours, ``mis-wizard liss-serve``, or
an integrator's): "Test connection", then a Basic sync (bell times, calendar, classes, class
lists, timetable, daily data) and, for Publish and sync, the daily deltas with covers.
"""

from __future__ import annotations

import datetime as dt

import httpx

from mis_wizard.vendors.liss import publish, rpc
from mis_wizard.vendors.liss.render import LissSchool
from mis_wizard.vendors.sandbox.school import School

USER_AGENT = "web.edval"
"""What Edval web sends; Timetable Daily very likely identifies the same way."""


async def check_connection(http: httpx.AsyncClient, url: str, auth: rpc.Auth) -> None:
    """hello, then an authenticated read: raises VendorError when the server refuses either."""
    await publish.hello(http, url)
    await rpc.call(http, url, "liss.getTimetableStructures", [], auth=auth)


async def replay(http: httpx.AsyncClient, url: str, auth: rpc.Auth, school: School, start: dt.date, end: dt.date,
                 *, publish_covers: bool = True, covers_from: dt.date | None = None) -> list[str]:
    """Send the school for [start, end]; returns the methods sent, in order.

    ``covers_from`` publishes covers only from that date on, as when the admin forgot to
    publish covers for the first days of the range.
    """
    rows = LissSchool(school)
    sent: list[str] = []
    await check_connection(http, url, auth)
    sent += ["liss.hello", "liss.getTimetableStructures"]
    await publish.publish_bell_times(http, url, auth, rows.tt_structure, rows.bell_times)
    await publish.publish_calendar(http, url, auth, rows.calendar(start, end))
    await publish.publish_classes(http, url, auth, school.school_year, rows.classes)
    await publish.publish_class_memberships(http, url, auth, rows.memberships, start)
    term = next((t for t in school.terms if t.start <= start <= t.end), school.terms[-1])
    await publish.publish_timetable(http, url, auth, rows.timetable, academic_year=school.school_year,
                                    timetable_id=rows.tt_structure, term_id=term.id, start=term.start, end=term.end)
    await publish.publish_daily_data(http, url, auth, start, end, rows.daily_data(start, end))
    sent += ["liss.publishBellTimes", "liss.publishCalendar", "liss.publishClasses",
             "liss.publishClassMemberships", "liss.publishTimetable", "liss.publishDailyData"]
    if publish_covers:
        first = max(start, covers_from) if covers_from else start
        await publish.publish_daily_deltas(http, url, auth, first, end, rows.daily_deltas(first, end))
        sent.append("liss.publishDailyDeltas")
    return sent


def timetabler_auth(school_code: str, username: str, password: str) -> rpc.Auth:
    return rpc.Auth(school_code, username, password, user_agent=USER_AGENT)
