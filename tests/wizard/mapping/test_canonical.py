"""Records without an id of their own still get one id each, so a sync keeps every lesson."""

from __future__ import annotations

from mis_wizard.wizard.mapping.canonical import record_id


def test_each_lesson_of_a_class_has_its_own_id() -> None:
    lessons = [{"timetable.class_id": "7ENG 1", "timetable.day": day, "timetable.period": period,
                "timetable.staff_id": "T1"} for day in (1, 2) for period in ("1", "2")]
    ids = {record_id("timetable", lesson) for lesson in lessons}
    assert len(ids) == 4 and "7ENG 1/2/1" in ids


def test_calendar_days_and_bell_times_have_distinct_ids() -> None:
    days = {record_id("calendar", {"calendar.date": f"2026-02-{d:02d}", "calendar.cycle_day": "1"})
            for d in range(1, 11)}
    bells = {record_id("bell_times", {"bell_time.day": day, "bell_time.period": period})
             for day in (1, 2) for period in ("1", "L")}
    assert len(days) == 10 and len(bells) == 4


def test_records_with_an_id_or_links_keep_them() -> None:
    assert record_id("students", {"student.id": "S1", "student.code": "C1"}) == "S1"
    assert record_id("class_memberships", {"class_membership.class_id": "CL1",
                                           "class_membership.student_id": "S1"}) == "CL1/S1"
