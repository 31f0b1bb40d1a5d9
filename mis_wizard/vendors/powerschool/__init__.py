"""PowerSchool SIS (US): one plugin with OAuth gives a Client ID and Client Secret.

Requirements (``[systems.powerschool]`` in a profile):

* ``resources``: what the plugin must be granted, from ``requirements.RESOURCE_IDS`` (schools,
  students, staff, terms, sections, section_enrollments, contacts);
* ``writes``: whether the integrator sends data back (the plugin then asks for Full Access);
* ``plugin_name``: the name the integrator's plugin shows in Plugin Management.
"""

from __future__ import annotations

from collections.abc import Mapping

from mis_wizard.vendors.base import Entity, Field, FieldKind, KeySet, RawField, Requirements, vendor_spec
from mis_wizard.vendors.powerschool import wire
from mis_wizard.vendors.powerschool.requirements import RESOURCE_IDS, wanted_resources
from mis_wizard.vendors.powerschool.wire import KEY
from mis_wizard.vendors.privacy import PrivacyClass

FACTS: tuple[tuple[str, str, str], ...] = (
    ("GET /ws/v1/district (with optional expansions) gives the district's information.", "confirmed",
     "powerschool.md, Endpoints (S1)"),
    ("It answers one object wrapped by its name, {\"district\": {..}}, as /ws/v1/student/{dcid} and "
     "/ws/v1/metadata do; pypowerschool's current_district() reads it so.", "inferred",
     "the fact sheet gives no fields for it; wrapper by analogy with the documented single resources"),
    ("The district object carries its name.", "inferred", "no listing of its fields was found"),
    ("The plugin page is System > System Settings > Plugin Management Configuration up to PowerSchool 23.5, and "
     "the Plugin Configuration page from 23.12; Data Provider Configuration there shows the Client ID and Secret.",
     "confirmed", "powerschool.md (S2); ps.powerschool-docs.com pssis-admin 23.5 and 23.12/latest, "
     "'View OAuth Client Credentials'"),
    ("Regenerate Client ID and Secret (then Confirm) works on 21.11.2.0 and later; older versions must delete, "
     "reinstall and re-enable the plugin; either way the old pair stops working.", "confirmed",
     "powerschool.md (S2); ps.powerschool-docs.com 'Plugin Security Management'"),
    ("Which 23.x release between 23.5 and 23.12 renamed the page is not known.", "inferred",
     "only the 23.5 and 23.12 documentation were read"),
)
"""(fact, confirmed/inferred, where from) for what the connector and its emulator rely on."""

DATA_PROVIDER = f"{wire.PLUGIN_SCREEN} > [plugin] > Data Provider Configuration"

FIELDS = (
    Field("base_url", "PowerSchool server address", FieldKind.URL, privacy=PrivacyClass.CONFIGURATION, example="https://district.powerschool.com",
          format_hint="the address you sign in to PowerSchool with, such as https://district.powerschool.com",
          help="The start of the address you use to sign in to PowerSchool as an administrator, up to the "
               "server name: leave off /admin and anything after it."),
)
PLUGIN_FIELDS = (
    Field("client_id", "Client ID", FieldKind.CODE, privacy=PrivacyClass.CONFIGURATION, pattern=r"[A-Za-z0-9-]{8,64}",
          format_hint="a long code of letters, digits and dashes", example="3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
          help=f"Copy it from {DATA_PROVIDER}."),
    Field("client_secret", "Client Secret", FieldKind.SECRET, pattern=r"\S{8,}",
          format_hint="a long code without spaces", help=f"Copy it from {DATA_PROVIDER}."),
)


def key_sets(requirements: Requirements) -> tuple[KeySet, ...]:
    resources = wanted_resources(requirements)
    return (KeySet(
        KEY, "Plugin (Data Provider Configuration)", PLUGIN_FIELDS,
        purpose="The integrator's plugin: its Client ID and Secret read " + ", ".join(r.label for r in resources) + ".",
        help=f"Install and enable the plugin under {wire.PLUGIN_SCREEN}, then open Data Provider Configuration.",
        details={"resources": [r.id for r in resources], "grants": [r.grant for r in resources],
                 "writes": bool(requirements.get("writes"))}),)


def step_values(requirements: Requirements) -> Mapping[str, str]:
    resources = wanted_resources(requirements)
    writes = bool(requirements.get("writes"))
    return {
        "plugin_name": str(requirements.get("plugin_name") or "MIS Wizard Data Sync"),
        "resources": ", ".join(r.label for r in resources),
        "grants": "; ".join(r.grant for r in resources),
        "access": "Full Access" if writes else "View Only",
        "writes": "yes" if writes else "",
        "terms": "yes" if any(r.id in ("terms", "sections", "section_enrollments") for r in resources) or writes
        else "",
    }


ENTITIES = (
    Entity("schools", "Schools", (
        RawField("id", "school.id", "School DCID"),
        RawField("name", "school.name"),
        RawField("school_number", "school.code", "The number terms and sections call school_id"),
        RawField("low_grade"), RawField("high_grade"),
        RawField("addresses.physical.city"), RawField("phones.main.number"),
    ), "id", KEY),
    Entity("students", "Students", (
        RawField("id", "student.id", "STUDENTS.DCID"),
        RawField("local_id", "student.code", "Student number"),
        RawField("student_username"),
        RawField("name.first_name", "student.first_name"),
        RawField("name.middle_name", "student.middle_name"),
        RawField("name.last_name", "student.last_name"),
        RawField("demographics.gender", "student.gender"),
        RawField("demographics.birth_date", "student.birth_date"),
        RawField("demographics.projected_graduation_year"),
        RawField("school_enrollment.enroll_status", "student.status", "A active, P pre-registered, T transferred out, "
                                                                     "G graduated, H hold, I inactive"),
        RawField("school_enrollment.grade_level", "student.year_level"),
        RawField("school_enrollment.school_id", "student.school_id", "School DCID"),
        RawField("school_enrollment.school_number", "student.campus"),
        RawField("school_enrollment.entry_date", "student.entry_date"),
        RawField("school_enrollment.exit_date", "student.leave_date"),
        RawField("contact_info.email", "student.email"),
    ), "id", KEY),
    Entity("contacts", "Guardians", tuple(RawField(n, c) for n, c in (
        ("guardianid", "contact.id"), ("title", "contact.title"), ("firstname", "contact.first_name"),
        ("lastname", "contact.last_name"), ("email", "contact.email"), ("mobile", "contact.mobile"),
    )), "guardianid", KEY),
    Entity("contact_links", "Student–guardian links", tuple(RawField(n, c) for n, c in (
        ("studentsdcid", "contact_link.student_id"), ("guardianid", "contact_link.contact_id"),
        ("relationship", "contact_link.relationship"), ("priority", "contact_link.priority"),
        ("is_custodial", "contact_link.parental_responsibility"), ("lives_with", "contact_link.lives_with"),
    )), "guardianid", KEY),
    Entity("staff", "Staff", (
        RawField("id", "staff.id"), RawField("local_id", "staff.code"), RawField("teacher_username"),
        RawField("admin_username"),
        RawField("name.first_name", "staff.first_name"), RawField("name.last_name", "staff.last_name"),
        RawField("emails.work_email", "staff.email"),
        RawField("school_affiliations.school_affiliation.school_id", "staff.school_id", "School number"),
        RawField("school_affiliations.school_affiliation.type", "staff.role",
                 "1 teacher, 2 staff, 3 lunch staff, 4 substitute"),
        RawField("school_affiliations.school_affiliation.status", "staff.status", "1 active, 2 inactive"),
    ), "id", KEY),
    Entity("terms", "Years and terms", (
        RawField("id", "term.id", "TERMS.DCID"), RawField("name", "term.name"), RawField("abbreviation"),
        RawField("start_date", "term.start_date"), RawField("end_date", "term.end_date"),
        RawField("start_year", "term.school_year"), RawField("portion", "term.kind", "1 year, 2 semester, "
                                                                                    "3 trimester, 4 quarter"),
        RawField("school_id", "term.school_id", "School number"),
    ), "id", KEY),
    Entity("classes", "Sections", (
        RawField("id", "class.id", "SECTIONS.DCID"), RawField("course_section", "class.code", "Course.section"),
        RawField("section_number"),
        RawField("course_id"), RawField("course.course_number", "class.subject_code"),
        RawField("course.course_name", "class.name"), RawField("staff_id", "class.main_teacher_id"),
        RawField("term_id", "class.term_id"), RawField("school_id", "class.school_id", "School number"),
        RawField("expression"), RawField("external_expression"), RawField("gradebooktype"),
        RawField("kind", "class.kind", "teaching_set for every section (records.SECTION_KIND), added by the wizard"),
    ), "id", KEY),
    Entity("class_memberships", "Section enrollments (CC)", (
        RawField("id"), RawField("section_dcid", "class_membership.class_id"),
        RawField("student_dcid", "class_membership.student_id"),
        RawField("sectionid", None, "SECTIONS.ID"), RawField("studentid", None, "STUDENTS.ID"),
        RawField("dateenrolled", "class_membership.start_date"), RawField("dateleft", "class_membership.end_date"),
        RawField("termid"), RawField("schoolid"),
    ), "id", KEY),
)

SPEC = vendor_spec("powerschool", name="PowerSchool SIS", region="US",
                   connector="PowerSchoolConnector", emulator="PowerSchoolEmulator",
                   summary="PowerSchool with the integrator's plugin installed: a Client ID and Client Secret over "
                           "OAuth.",
                   fields=FIELDS, key_sets=key_sets, entities=ENTITIES, step_values=step_values,
                   default_requirements={"resources": list(RESOURCE_IDS), "writes": True,
                                         "plugin_name": "MIS Wizard Data Sync"})
