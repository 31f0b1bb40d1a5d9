"""The synthetic school is deterministic, fast, and carries every quirk filters exist for."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import Counter

import pytest

from mis_wizard.vendors.sandbox import school as model

ANCHOR = dt.date(2026, 11, 22)


def fingerprint(s: model.School) -> str:
    return repr([dataclasses.asdict(x) for group in (s.students, s.contacts, s.contact_links, s.staff,
                                                     s.classes, s.lessons, s.calendar, s.daily_changes)
                 for x in group] + s.memberships)


def test_same_seed_same_school_byte_for_byte() -> None:
    assert fingerprint(model.generate(3, "small", ANCHOR)) == fingerprint(model.generate(3, "small", ANCHOR))
    assert fingerprint(model.generate(3, "small", ANCHOR)) != fingerprint(model.generate(4, "small", ANCHOR))


def test_fifty_thousand_students_in_seconds() -> None:
    started = time.perf_counter()
    big = model.generate(1, 50_000, ANCHOR)
    assert len(big.students) == 50_000
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize("size", ["small", "medium", 10, "1234"])
def test_sizes(size) -> None:
    assert len(model.generate(1, size, ANCHOR).students) == model.resolve_size(size)


@pytest.mark.parametrize("size", ["huge", 5, 60_000])
def test_bad_size_says_what_is_allowed(size) -> None:
    with pytest.raises(ValueError, match="small, medium, large|between 10 and 50,000"):
        model.generate(1, size, ANCHOR)


def test_every_quirk_is_present_in_a_medium_school() -> None:
    s = model.generate(7, "medium", ANCHOR)
    combined = [c for c in s.contacts if c.combined]
    assert combined and all(c.title == "Mr and Mrs" and " and " in c.first_name for c in combined)
    assert any(not link.parental_responsibility for link in s.contact_links)
    assert any(not c.email for c in s.contacts)
    emails = Counter(c.email for c in s.contacts if c.email)
    assert any(n > 1 for n in emails.values()), "duplicate contact e-mails"
    names = Counter((y.name) for y in s.years)
    assert all(n == 2 for n in names.values()), "every year name exists on both campuses"
    assert {y.campus_id for y in s.years} == {"C1", "C2"}
    in_class = {m[1] for m in s.memberships}
    current = [st for st in s.students if st.status == "current"]
    assert any(st.id not in in_class for st in current), "students in no class"
    assert any(st.status == "leaver" and st.leave_date for st in s.students)
    assert any(not st.teaching for st in s.staff) and any(st.teaching for st in s.staff)
    assert any(c.second_teacher_id for c in s.classes)
    assert {c.kind for c in s.classes} >= {"teaching_set", "mixed", "custom"}
    assert any(not any(m[0] == c.id for m in s.memberships) for c in s.classes), "a class with no students"
    assert s.houses and s.reg_groups
    assert any(d.holiday and d.date.weekday() < 5 for d in s.calendar)
    assert {d.cycle_day for d in s.calendar if d.cycle_day} == set(range(1, model.CYCLE_DAYS + 1))
    assert {c.kind for c in s.daily_changes} == {"cover", "room_change", "cancellation"}
    assert len(s.bell_times()) == model.CYCLE_DAYS * len(model.PERIODS)
    day = next(d.date for d in s.calendar if d.cycle_day)
    marks = s.attendance(day)
    assert len(marks) == 2 * len(current) and {m.mark for m in marks} >= {"/", "N"}
    assert any(t.start <= ANCHOR <= t.end for t in s.terms)
