"""Generic LISS server (Timetable Daily): the integrator's LISS server details, checked as a LISS client.

The admin types four values into Timetable Daily (Daily > Synchronise > Add sync system >
Generic LISS server): Server Address, Username, Password and School code. They come from
the integrator, so there are no key sets: one connection, checked before the admin types it.

Requirements read: requirements.py (all optional, with defaults).
"""

from __future__ import annotations

from collections.abc import Mapping

from mis_wizard.vendors.base import Entity, Field, FieldKind, KeySet, RawField, Requirements, vendor_spec
from mis_wizard.vendors.liss.requirements import DEFAULT_REQUIREMENTS, publish_covers, sync_days
from mis_wizard.vendors.privacy import PrivacyClass

FIELDS = (
    Field("base_url", "Server address", FieldKind.URL, privacy=PrivacyClass.CONFIGURATION, example="https://liss.integrator.example/liss",
          format_hint="the LISS server address the integrator gave you, starting with https://",
          help="The integrator's LISS server address, exactly as they sent it (it often ends in /liss or liss.php). "
               "It goes in Server Address under Daily > Synchronise > Generic LISS server in Timetable Daily."),
    Field("school_code", "School code", FieldKind.CODE, privacy=PrivacyClass.CONFIGURATION,
          pattern=r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,19}",
          format_hint="up to 20 letters or digits, no spaces", example="03014",
          help="The school code the integrator set up for your school (often your school number)."),
    Field("username", "Username", FieldKind.TEXT, privacy=PrivacyClass.CONFIGURATION, pattern=r"\S(.{0,98}\S)?",
          format_hint="the username with no spaces around it", example="timetable",
          help="The LISS username from the integrator."),
    Field("password", "Password", FieldKind.SECRET,
          help="The LISS password from the integrator; it is case-sensitive, so paste it rather than retype it."),
)


def _key_sets(_requirements: Requirements) -> tuple[KeySet, ...]:
    return ()


def _days(count: object) -> str:
    return "1 day" if str(count) == "1" else f"{count} days"


def _step_values(requirements: Requirements) -> Mapping[str, str]:
    past, future = sync_days(requirements)
    return {"publish_covers": "yes" if publish_covers(requirements) else "",
            "sync_past_days": str(past), "sync_future_days": str(future),
            "sync_past": _days(past), "sync_future": _days(future)}


ENTITIES = (
    Entity("students", "Students (liss.getStudents)", (
        RawField("StudentId", "student.id"), RawField("FirstName", "student.first_name"),
        RawField("Surname", "student.last_name"), RawField("PreferredName", "student.preferred_name"),
        RawField("Form", "student.year_level", "Year level"), RawField("RollGroup", "student.form"),
        RawField("House", "student.house"), RawField("Gender", "student.gender"),
        RawField("StatewideId", None, "State student number"), RawField("Email", "student.email"),
        RawField("Phone"), RawField("Guid"), RawField("StartDate", "student.entry_date"),
        RawField("EndDate", "student.leave_date"),
    ), "StudentId"),
    Entity("staff", "Teachers (liss.getTeachers)", (
        RawField("TeacherId", "staff.id"), RawField("TeacherCode", "staff.code"), RawField("Title", "staff.title"),
        RawField("FirstName", "staff.first_name"), RawField("Surname", "staff.last_name"),
        RawField("PreferredName"), RawField("DisplayName", "staff.full_name"), RawField("Faculty"),
        RawField("StaffType", "staff.role"), RawField("Gender"), RawField("Email", "staff.email"),
        RawField("Phone"), RawField("Guid"),
    ), "TeacherId"),
    Entity("terms", "Terms (liss.getTimetableStructures)", (
        RawField("TermId", "term.id"), RawField("Term", "term.name"), RawField("SemesterId"),
        RawField("Semester"), RawField("StartDate", "term.start_date"), RawField("EndDate", "term.end_date"),
        RawField("TtStructure"), RawField("AcademicYear", "term.school_year"),
    ), "TermId"),
    Entity("classes", "Classes (liss.getClasses)", (
        RawField("ClassCode", "class.id", "<course> <class>, with a space; what class lists and lessons name"),
        RawField("CourseName", "class.name"), RawField("DefaultTeacher", "class.main_teacher_id"),
        RawField("Type", None, "Blank for teaching"),
        RawField("kind", "class.kind", "Type in the wizard's words (records.CLASS_KINDS), added by the wizard"),
        RawField("TtStructure"), RawField("EdvalClassCode", "class.code"), RawField("Form", "class.year_level"),
        RawField("Faculty", "class.subject"),
    ), "ClassCode"),
    Entity("class_memberships", "Class lists (liss.getClassMemberships)", (
        RawField("StudentId", "class_membership.student_id"), RawField("ClassCode", "class_membership.class_id"),
        RawField("StartDate", "class_membership.start_date"), RawField("EndDate", "class_membership.end_date"),
    ), "StudentId"),
    Entity("timetable", "Timetable (liss.getTimetable)", (
        RawField("DayNumber", "timetable.day"), RawField("Period", "timetable.period"),
        RawField("ClassCode", "timetable.class_id"), RawField("TeacherId", "timetable.staff_id"),
        RawField("RoomId"), RawField("RoomCode", "timetable.room"), RawField("TtStructure"),
    ), "ClassCode"),
    Entity("bell_times", "Bell times (liss.getBellTimes)", (
        RawField("DayNumber", "bell_time.day"), RawField("DayName"), RawField("Period", "bell_time.period"),
        RawField("TtStructure"), RawField("StartTime", "bell_time.start_time"),
        RawField("EndTime", "bell_time.end_time"), RawField("Type", None, "T teaching, R recess or lunch, O other"),
    ), "Period"),
    Entity("calendar", "Calendar (liss.getCalendar)", (
        RawField("Date", "calendar.date"), RawField("DayName", "calendar.holiday", "A day name, or Holiday"),
        RawField("DayNumber", "calendar.cycle_day"), RawField("Rotation"),
    ), "Date"),
)

SPEC = vendor_spec("liss", name="Generic LISS server (Timetable Daily)", region="AU",
                   connector="LissConnector", emulator="LissEmulator",
                   summary="Timetable Daily sends classes, class lists and the daily timetable to the integrator's "
                           "LISS server.",
                   fields=FIELDS, key_sets=_key_sets, entities=ENTITIES, step_values=_step_values,
                   default_requirements=DEFAULT_REQUIREMENTS)
