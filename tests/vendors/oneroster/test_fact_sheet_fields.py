"""The OneRoster emulator (standing alone, and as Aeries and Qmlativ mount it) serves only what the
OneRoster fact sheet lists: every collection and nested path it answers is in the sheet's REST
endpoint list, and every field of every record is a column of that object's CSV header table
(the sheet's exact-order table, also held against the recorded CSV package) or, for a
``…SourcedId(s)`` column, the REST reference that carries it (``orgSourcedIds`` → ``orgs``, as the
sheet's users example shows; the rule is recorded as inferred in FACTS). References carry only
``href``, ``sourcedId`` and ``type``; user ids only ``type`` and ``identifier``."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mis_wizard.vendors.oneroster import FACTS
from mis_wizard.vendors.oneroster.sandbox import API_ROOT, SINGULAR, OneRosterEmulator

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SHEET = (SHARED / "vendors" / "oneroster.md").read_text(encoding="utf-8")
RECORDED = SHARED / "fixtures" / "oneroster" / "csv" / "bulk-minimal"
FILE_OF = {"orgs": "orgs", "schools": "orgs", "academicSessions": "academicSessions", "terms": "academicSessions",
           "gradingPeriods": "academicSessions", "courses": "courses", "classes": "classes", "users": "users",
           "students": "users", "teachers": "users", "demographics": "demographics", "enrollments": "enrollments"}
REFERENCE = {"href", "sourcedId", "type"}


def _headers() -> dict[str, list[str]]:
    table = SHEET.split("| File | Header (exact order) |", 1)[1].split("\n\n", 1)[0]
    out = {}
    for line in table.splitlines():
        m = re.match(r"\| (\w+)\.csv \| (.*) \|$", line.strip())
        if m:
            out[m.group(1)] = [c.strip().strip("*") for c in m.group(2).split(",")]
    return out


def _rest_names(columns: list[str]) -> set[str]:
    names = set()
    for c in columns:
        m = re.fullmatch(r"(\w+?)SourcedIds?", c)
        names.add(c if not m or c == "sourcedId" else m.group(1) + ("s" if c.endswith("Ids") else ""))
    return names


def _endpoints() -> tuple[set[str], set[str]]:
    block = SHEET.split("## REST endpoints (1.1, read side)", 1)[1].split("- Query parameters", 1)[0]
    collections = set(re.findall(r"`/(\w+)`", block.split("Nested paths", 1)[0]))
    nested = set(re.findall(r"`(/[\w{}/]+)`", block.split("Nested paths", 1)[1]))
    return collections, nested


@pytest.fixture
def roster(sandbox, small_school):
    return sandbox.add(OneRosterEmulator(small_school))


@contextmanager
def _client(hosted) -> Iterator[httpx.Client]:
    creds = hosted.emulator.credentials(hosted.base_url)
    with httpx.Client(base_url=hosted.base_url) as http:
        yield _signed_in(http, creds)


def _signed_in(http: httpx.Client, creds: dict[str, Any]) -> httpx.Client:
    token = http.post("/token", data={"grant_type": "client_credentials", "scope": "roster-core.readonly"},
                      auth=(creds["client_id"], creds["client_secret"]))
    assert token.status_code == 200, token.text
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


def test_the_sheet_tables_are_read_and_agree_with_the_recorded_package() -> None:
    headers = _headers()
    assert set(headers) == {"orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics"}
    for path in RECORDED.glob("*.csv"):
        if path.stem in headers:
            with path.open(encoding="utf-8-sig", newline="") as f:
                assert next(csv.reader(f)) == headers[path.stem], path.name
    assert _rest_names(headers["users"]) >= {"orgs", "agents", "userIds", "givenName"}
    collections, nested = _endpoints()
    assert collections == set(SINGULAR) and "/schools/{id}/students" in nested


def test_the_reference_rule_is_recorded_as_inferred() -> None:
    assert any("orgSourcedIds" in fact and status == "inferred" for fact, status, _ in FACTS)


@pytest.mark.parametrize("collection", sorted(SINGULAR))
def test_each_collection_sends_only_listed_fields(roster, collection: str) -> None:
    allowed = _rest_names(_headers()[FILE_OF[collection]])
    with _client(roster) as http:
        reply = http.get(f"{API_ROOT}/{collection}", params={"limit": 1000})
        assert reply.status_code == 200, reply.text
        rows = reply.json()[collection]
        if rows:
            one = http.get(f"{API_ROOT}/{collection}/{rows[0]['sourcedId']}").json()[SINGULAR[collection]]
            rows = [*rows, one]
    served = set().union(*(set(r) for r in rows)) if rows else set()
    assert not served - allowed, (collection, sorted(served - allowed))
    for r in rows:
        for name, value in r.items():
            refs: list[Any] = value if isinstance(value, list) else [value]
            for ref in refs:
                if isinstance(ref, dict):
                    assert set(ref) <= (REFERENCE if name != "userIds" else {"type", "identifier"}), (name, ref)


def test_only_the_listed_nested_paths_are_answered(roster) -> None:
    _, nested = _endpoints()
    with _client(roster) as http:
        school = http.get(f"{API_ROOT}/schools").json()["schools"][0]["sourcedId"]
        cls = http.get(f"{API_ROOT}/classes").json()["classes"][0]["sourcedId"]
        for parent, pid in (("schools", school), ("classes", cls)):
            for child in sorted(SINGULAR):
                answered = http.get(f"{API_ROOT}/{parent}/{pid}/{child}").status_code == 200
                assert answered == (f"/{parent}/{{id}}/{child}" in nested), (parent, child)
