"""Aeries' REST API v5 wire format, no network: the address, list answers, error words, XML.

Every v5 answer the connector reads is a JSON array of objects (when ``Accept: application/json``
is sent; XML otherwise); a refusal of status 400 and up carries ``{"Message": ...}``. Dates are
``YYYY-MM-DDT00:00:00`` and a school year is named by the calendar year it starts in (July).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    import httpx

PAGE_SIZE = 500
"""Students asked for per StartingRecord/EndingRecord slice."""


def server_base(url: str) -> str:
    """The Aeries address: the login page's address up to its last /, without any /api/v5 suffix."""
    base = url.strip()
    if base.lower().endswith(".aspx"):
        base = base.rsplit("/", 1)[0]
    base = base.rstrip("/")
    if base.lower().endswith("/api/v5"):
        base = base[: -len("/api/v5")]
    return base


def slice_params(number: int, size: int) -> dict[str, int]:
    """The query of the ``number``th slice (from 1) of ``size`` records."""
    start = 1 + (number - 1) * size
    return {"StartingRecord": start, "EndingRecord": start + size - 1}


def json_list(response: httpx.Response) -> list[dict[str, Any]] | None:
    """An Aeries list answer (a JSON array of objects), or None when the body is not one, so a
    check reports a read as working only for an answer that parses as Aeries'."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, list) or not all(isinstance(row, dict) for row in body):
        return None
    return body


def vendor_message(response: httpx.Response) -> str:
    """Aeries' own words from an error body (``{"Message": "Invalid Staff ID"}``), or blank."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return " ".join(str(body.get("Message") or "").split())[:200] if isinstance(body, dict) else ""


def school_year_of(day: dt.date) -> int:
    """Aeries names a school year by the calendar year it starts in (July)."""
    return day.year if day.month >= 7 else day.year - 1


def year_label(start: int) -> str:
    return f"{start}-{start + 1}"


def aeries_date(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T00:00:00"


def xml_body(body: Any, element: str) -> str:
    """Aeries' XML form, for a client that forgot ``Accept: application/json``."""

    def one(record: dict[str, Any]) -> str:
        cells = "".join(f'<{k} i:nil="true"/>' if v is None
                        else f"<{k}>{escape(json.dumps(v) if isinstance(v, list | dict) else str(v))}</{k}>"
                        for k, v in record.items())
        return f"<{element}>{cells}</{element}>"

    ns = 'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'
    if isinstance(body, list):
        return f'<ArrayOf{element} {ns}>{"".join(one(r) for r in body)}</ArrayOf{element}>'
    return one(body).replace(f"<{element}>", f"<{element} {ns}>", 1)
