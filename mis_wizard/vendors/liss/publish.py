"""Publishing to a LISS server: what a timetabler sends, and what the sync engine's ``liss:URL`` sink sends.

Each function is one LISS publish call with the spec's positional parameters; the rows are
LISS records (see render.py for their fields). A refusal raises errors.VendorError with the
same ``liss.*`` codes and remedies the live check reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import httpx

from mis_wizard.vendors.liss import rpc
from mis_wizard.vendors.liss.wire import format_date

Rows = Sequence[dict[str, Any]]


async def hello(http: httpx.AsyncClient, url: str) -> Any:
    return await rpc.call(http, url, "liss.hello", [])


async def publish_bell_times(http: httpx.AsyncClient, url: str, auth: rpc.Auth, tt_structure: str,
                             rows: Rows) -> None:
    """Edval web's shape: the timetable structure, then the bell rows."""
    await rpc.call(http, url, "liss.publishBellTimes", [tt_structure, list(rows)], auth=auth)


async def publish_calendar(http: httpx.AsyncClient, url: str, auth: rpc.Auth, days: Rows) -> None:
    await rpc.call(http, url, "liss.publishCalendar", [list(days)], auth=auth)


async def publish_classes(http: httpx.AsyncClient, url: str, auth: rpc.Auth, academic_year: int | str,
                          classes: Rows) -> None:
    await rpc.call(http, url, "liss.publishClasses", [str(academic_year), list(classes)], auth=auth)


async def publish_class_memberships(http: httpx.AsyncClient, url: str, auth: rpc.Auth, memberships: Rows,
                                    as_at: dt.date) -> None:
    await rpc.call(http, url, "liss.publishClassMemberships", [list(memberships), format_date(as_at)], auth=auth)


async def publish_timetable(http: httpx.AsyncClient, url: str, auth: rpc.Auth, lessons: Rows, *,
                            academic_year: int | str, timetable_id: str, term_id: str | int, start: dt.date,
                            end: dt.date, create_classes: bool = False) -> None:
    await rpc.call(http, url, "liss.publishTimetable",
                   [list(lessons), str(academic_year), timetable_id, str(term_id), format_date(start),
                    format_date(end), create_classes], auth=auth)


async def publish_daily_data(http: httpx.AsyncClient, url: str, auth: rpc.Auth, start: dt.date, end: dt.date,
                             rows: Rows) -> None:
    await rpc.call(http, url, "liss.publishDailyData", [format_date(start), format_date(end), list(rows)], auth=auth)


async def publish_daily_deltas(http: httpx.AsyncClient, url: str, auth: rpc.Auth, start: dt.date, end: dt.date,
                               rows: Rows) -> None:
    """Ext 1: covers, room changes and cancellations for the dates, which also marks them as published."""
    await rpc.call(http, url, "liss.publishDailyDeltas", [format_date(start), format_date(end), list(rows)],
                   auth=auth)
