"""TASS.web (Australia): one API Gateway app per module, each with an App Code and a Token Key.

Requirements this package reads (``[systems.tass]`` in a profile):

* ``modules``: {module id: {"required": bool, "version": "1"|"2"|"3"}} with module ids
  ``lms``, ``student_details``, ``employee_hr``, ``academic_analytics``, ``gl_analytics``;
  a module left out is not asked for.
* ``security_role``: the Security Role name the steps suggest (v3 needs one).
* ``methods``: {module id: [method names]}; default every method the wizard knows (requirements.py).
* ``timetable_year``: the timetable year to read (default: this calendar year).
* ``timetable_periods``: the highest period code to read the timetable for (default 12).
* ``student_status``: ``current`` (default), ``future``, ``past`` or ``noncurrent``.
* ``access``: ``gateway`` (default) or ``endpoints`` for an API Endpoint Maintenance user, with
  ``endpoints`` (the endpoints to tick Read on), ``endpoint_api_path``, ``endpoint_entities``,
  ``endpoint_fields``, ``endpoint_page_size`` and ``endpoint_filters`` (endpoints.py; inferred).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mis_wizard.vendors.base import Entity, Field, FieldKind, KeySet, RawField, vendor_spec
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.vendors.tass import endpoints
from mis_wizard.vendors.tass.requirements import BY_ID, MODULES, module_requirements, permissions_for, required_methods

GATEWAY = "System Admin > Utilities > API Gateway Maintenance"

FACTS: tuple[tuple[str, str, str], ...] = (
    ("Parameter refusals come as __invalid {param: message}, as a bare __msg (\"'codeonly' IS REQUIRED\"), "
     "or as a plain error member (\"studcode is required.\"); all three are TASS's reply, with the school's "
     "words.", "confirmed", "tass.md, Errors (T2, T3, T7); fixtures lms-integration/*.error.*"),
    ("Vendor docs show some refusals as the bare member only ({\"code\": \"Student Code is invalid.\"}); "
     "such replies are read as refusals at HTTP 200 or 400.", "inferred",
     "fixtures SOURCES.md: the docs show only the member; TASS's HTTP status for refusals is not stated"),
    ("HTTP 501 from the API Gateway means the school's API access is configured wrongly (the API app, its "
     "version or its role), not a temporary fault.", "inferred",
     "TASS staff, as relayed in issue 18; tass.md only records IIS's 501 for verbs other than GET/POST (T13)"),
    ("HTTP 401 is almost always the token recipe: parameters as JSON, AES-ECB with the app's Token Key, base64, "
     "URL-encoded, parameters not repeated in the URL; a wrong Token Key looks the same.", "confirmed",
     "tass.md, Errors (T8, T10, T12, T16)"),
    ("The reason for a refused call is in System Admin > Utilities > API Gateway Maintenance > TASS APIs > Log.",
     "confirmed", "TASS staff in TheAlphaSchoolSystemPTYLTD/student-details issue 13; tass.md (T10)"),
    ("API calls are HTTPS only since TASS v49 (older setups allowed HTTP); each app also has an \"HTTPS Only\" "
     "flag.", "confirmed", "tass.md, Auth and request format (T1, T19, T12)"),
    ("An app's optional Application Server restricts callers to one originating server.", "confirmed",
     "tass.md, Credentials (T15)"),
    ("Calls through a proxy come from the proxy's address, so an Application Server restriction can refuse them; "
     "TASS's status for such a refusal is not documented (read as 401 or 403).", "inferred",
     "issue 18; tass.md documents the restriction, not the reply"),
    ("TASS has a newer API, API Endpoint Maintenance (2026): a key and secret give a bearer token, with OData "
     "paging and HTTP 429; it is a different product from the API Gateway apps.", "confirmed", "tass.md (T17)"),
    ("Its sign-in, paths, answers and per-endpoint Read/Add/Update/Delete (endpoints.py) are as one public client "
     "uses them; profiles choose it with access = \"endpoints\" and may change endpoint_api_path.", "inferred",
     "redtrinity/tassapi (T17); issue 18"),
    ("Through an endpoint user, records are read from {company}/students and {company}/employees, paged by $top "
     "(100) and $skip until a page is short; \"current\" is the OData $filter doe le today and (dol ge today or "
     "dol eq null), \"future\" doe ge today. Profiles may change endpoint_entities, endpoint_page_size and "
     "endpoint_filters.", "inferred", "redtrinity/tassapi (T17): api/worker.py paginate, api/response.py has_more, "
     "endpoints/students.py and employees.py get_current, get_future"),
    ("Past (non-current) students are asked for with the $filter dol le today, as TASS's date of leaving is the "
     "day after the last day.", "inferred",
     "redtrinity/tassapi (T17) get_current's note on dol; the client has no filter for leavers"),
    ("An endpoint user's student record has stud_code, surname, first_name, preferred_name, other_name, gender, "
     "dob, doe, dol (ISO dates), entry_lev, usi, campus_code, e_mail, year_grp, pctut_grp, house, form_cls and "
     "boarder (true/false); they are read as getStudents' fields (endpoints.FIELDS), changeable per profile with "
     "endpoint_fields.", "inferred", "redtrinity/tassapi (T17): README.md example student record"),
    ("An endpoint user's employee record is keyed by emp_code and has doe/dol (read as active_flag); its other "
     "names (title, first_name, surname, preferred_name, e_mail, home_e_mail, department, pctut_grp) are guesses "
     "after the student record, changeable per profile with endpoint_fields; the check warns when a sample lacks "
     "any of them.", "inferred",
     "redtrinity/tassapi (T17): endpoints/employees.py names emp_code and filters on doe/dol; no employee record "
     "is shown"),
    ("Classes, class lists, timetable and calendar have no endpoint in the public client, so through an endpoint "
     "user only students and staff are read.", "inferred", "redtrinity/tassapi (T17): endpoints/__init__.py"),
)
"""(fact, confirmed/inferred, where from) for what the connector relies on."""

CONNECTION_FIELDS = (
    Field("base_url", "TASS.web address", FieldKind.URL, privacy=PrivacyClass.CONFIGURATION, example="https://tass.yourschool.edu.au",
          # https only since TASS v49 (see FACTS); plain http only to this computer (the sandbox).
          pattern=r"(?i)(https://\S+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/\S*)?)",
          format_hint="the https:// address you open TASS.web at, such as https://tass.yourschool.edu.au; TASS.web "
                      "answers its API over https only (since TASS v49), so an http:// address will not work",
          help="The address of your school's TASS.web server, as in your browser's address bar when you "
               "use TASS (the part before /tassweb)."),
    Field("company_code", "Company Code", FieldKind.CODE, privacy=PrivacyClass.CONFIGURATION,
          pattern=r"0[1-9]|[1-9][0-9]",
          format_hint="two digits such as 01 (keep the leading zero)", example="01",
          help="The Company Code your school uses in TASS: two digits, often with a leading zero, "
               f"shown against each app in {GATEWAY}."),
)


def _key_fields(label: str) -> tuple[Field, ...]:
    return (
        Field("app_code", "App Code", FieldKind.TEXT, privacy=PrivacyClass.CONFIGURATION,
              pattern=r"[A-Za-z0-9_\-]{1,30}",
              format_hint="the App Code letters and digits, without spaces", example="INTELLMS",
              help=f"The App Code of the {label} app in {GATEWAY}."),
        Field("token_key", "Token Key", FieldKind.SECRET, pattern=r"[A-Za-z0-9+/]{22}==",
              format_hint="24 characters ending in == (the Token Key TASS generated)",
              help=f"The Token Key of the {label} app in {GATEWAY}; copy all 24 characters, including ==."),
        Field("version", "API version", FieldKind.CHOICE, privacy=PrivacyClass.CONFIGURATION, choices=("1", "2", "3"),
              default="3",
              help=f"The API version set on the {label} app in {GATEWAY}; 3 needs a Security Role."),
    )


ENDPOINT_USER_FIELDS = (
    Field("client_key", "Client Key", FieldKind.TEXT, privacy=PrivacyClass.CONFIGURATION, pattern=r"\S{4,200}",
          format_hint="the Client Key of the endpoint user, without spaces",
          help="API Endpoint Maintenance > the integrator's endpoint user: its Client Key."),
    Field("client_secret", "Client Secret", FieldKind.SECRET,
          help="API Endpoint Maintenance > the integrator's endpoint user: its Client Secret."),
)


def key_sets(requirements: Mapping[str, Any]) -> tuple[KeySet, ...]:
    if endpoints.wanted(requirements):  # the second way in (inferred, see endpoints.py)
        names = ", ".join(endpoints.endpoint_names(requirements))
        return (KeySet(endpoints.KEY, "API Endpoint Maintenance user", ENDPOINT_USER_FIELDS,
                       purpose=f"Lets the integrator read {names} through TASS's newer API.",
                       help="One endpoint user in API Endpoint Maintenance, with Read ticked on each endpoint "
                            "the integrator reads.", details={"endpoints": endpoints.endpoint_names(requirements)}),)
    out = []
    for module_id, wanted in module_requirements(requirements).items():
        module = BY_ID[module_id]
        methods = required_methods(requirements, module)
        out.append(KeySet(
            module_id, f"{module.label} app", _key_fields(module.label), required=bool(wanted["required"]),
            purpose=f"Gives the integrator {module.purpose}.",
            help=f"In {GATEWAY}, the API application for the {module.label} module.",
            details={"module": module.label, "version": wanted["version"],
                     "methods": [m.name for m in methods],
                     "permissions": sorted({m.permission for m in methods})}))
    return tuple(out)


def step_values(requirements: Mapping[str, Any]) -> dict[str, str]:
    wanted = module_requirements(requirements)
    required = [BY_ID[m].label for m, w in wanted.items() if w["required"]]
    optional = [BY_ID[m].label for m, w in wanted.items() if not w["required"]]
    versions = sorted({w["version"] for w in wanted.values()})
    if endpoints.wanted(requirements):
        return {"role_name": "", "required_modules": "", "optional_modules": "", "module_count": "", "app_table": "",
                "permissions": "", "needs_role": "", "old_versions": "", "gateway": "", "endpoints": "yes",
                "endpoint_list": ", ".join(endpoints.endpoint_names(requirements)),
                "endpoint_uses": endpoints.endpoint_uses(requirements)}
    return {
        "gateway": "yes", "endpoints": "", "endpoint_list": "", "endpoint_uses": "",
        "role_name": str(requirements.get("security_role") or "integration_api"),
        "required_modules": ", ".join(required),
        "optional_modules": ", ".join(optional),
        "module_count": str(len(wanted)),
        "app_table": "; ".join(f"{BY_ID[m].label} (version {w['version']})" for m, w in wanted.items()),
        "permissions": "; ".join(permissions_for(requirements)),
        "needs_role": "yes" if "3" in versions else "",
        "old_versions": ", ".join(v for v in versions if v != "3"),
    }


def _f(name: str, concept: str | None = None, description: str = "") -> RawField:
    return RawField(name, concept, description)


ENTITIES = (
    Entity("students", "Students (LMS getStudents)", (
        _f("general_details.student_code", "student.id", "TASS student code, 7 digits with leading zeros"),
        _f("general_details.surname", "student.last_name"),
        _f("general_details.first_name", "student.first_name"),
        _f("general_details.preferred_name", "student.preferred_name"),
        _f("general_details.other_name", "student.middle_name"),
        _f("general_details.given_names", "student.full_name", "first and other names together"),
        _f("general_details.gender", "student.gender"),
        _f("general_details.date_of_birth", "student.birth_date", "DD/MM/YYYY"),
        _f("general_details.date_of_entry", "student.entry_date", "DD/MM/YYYY"),
        _f("general_details.date_of_leaving", "student.leave_date", "DD/MM/YYYY or empty"),
        _f("general_details.entry_year_group"),
        _f("general_details.usi", None, "Unique Student Identifier"),
        _f("school_details.campus", "student.campus", "campus description"),
        _f("school_details.email_address", "student.email"),
        _f("school_details.year_group", "student.year_level"),
        _f("school_details.pc_tutor_group", "student.form", "pastoral care (tutor) group"),
        _f("school_details.house", "student.house"),
        _f("school_details.form_class"),
        _f("school_details.boarder"),
    ), id_field="general_details.student_code", key_set="lms"),
    Entity("staff", "Teachers (LMS getTeachers)", (
        _f("teacher_code", "staff.id", "the code timetables use"),
        _f("employee_code", "staff.code"),
        _f("salutation", "staff.title"),
        _f("first_name", "staff.first_name"),
        _f("surname", "staff.last_name"),
        _f("preferred_name"),
        _f("teacher_name", "staff.full_name", "e.g. Mr N Nulla"),
        _f("school_email_address", "staff.email"),
        _f("email_address", None, "personal e-mail"),
        _f("active_flag", "staff.status", "Y or N"),
        _f("department", "staff.role"),
        _f("pc_tutor_group"),
    ), id_field="teacher_code", key_set="lms"),
    Entity("classes", "Subjects and classes (LMS getTeacherSubjects)", (
        _f("class_key", "class.id", "sub_code/year_grp/class, joined by the wizard"),
        _f("sub_code", "class.subject_code"),
        _f("sub_short", "class.code"),
        _f("sub_long", "class.name"),
        _f("class", None, "class letter within the subject and year group"),
        _f("year_grp", "class.year_level"),
        _f("teacher_code", "class.main_teacher_id", "the first teacher TASS lists"),
        _f("teacher_codes", "class.teacher_ids", "every teacher, comma separated (as TASS's TCH_CODE)"),
        _f("sub_type", None, "CORE, ELE or CO"),
        _f("kind", "class.kind", "sub_type in the wizard's words (records.CLASS_KINDS), added by the wizard"),
        _f("semester", "class.term_id"),
        _f("year_num"),
    ), id_field="class_key", key_set="lms"),
    Entity("class_memberships", "Class lists (LMS getStudentSubjects)", (
        _f("class_key", "class_membership.class_id", "sub_code/year_grp/class, joined by the wizard"),
        _f("student_code", "class_membership.student_id"),
        _f("from_date", "class_membership.start_date", "DD/MM/YYYY or empty"),
        _f("to_date", "class_membership.end_date", "DD/MM/YYYY or empty"),
        _f("sub_code"), _f("sub_short"), _f("sub_long"), _f("class"), _f("sub_type"),
        _f("semester"), _f("year_grp"), _f("year_num"),
    ), id_field="class_key", key_set="lms"),
    Entity("timetable", "Timetable (LMS getTimetables, one call per period)", (
        _f("id", None, "TASS's own row id"),
        _f("class_key", "timetable.class_id", "sub_code/year_grp/class, joined by the wizard"),
        _f("day_code", "timetable.day", "day of the timetable cycle"),
        _f("prd_code", "timetable.period"),
        _f("room_code", "timetable.room"),
        _f("tch_code", "timetable.staff_id"),
        _f("sub_code"), _f("class"), _f("year_grp"), _f("semester"), _f("year_num"), _f("tt_id"),
    ), id_field="id", key_set="lms"),
    Entity("calendar", "Timetable calendar (LMS getTimetableCalendar)", (
        _f("VALUE", "calendar.date", "YYYY-MM-DD"),
        _f("DAY_CODE", "calendar.cycle_day", "empty on days without lessons"),
        _f("LABEL", None, "e.g. Fri 05/07/2019"),
        _f("TTDATE"), _f("TT_ID"), _f("ID"), _f("CAT_NUM"),
    ), id_field="ID", key_set="lms"),
)

DEFAULT_REQUIREMENTS: dict[str, Any] = {
    "modules": {m.id: {"required": m.required, "version": "3"} for m in MODULES},
    "security_role": "integration_api",  # neutral: a profile suggests its own (wizard.profile.Profile.named)
    "methods": {m.id: [x.name for x in m.methods] for m in MODULES},
    "timetable_year": "",
    "timetable_periods": 12,
    "student_status": "current",
    "access": "gateway",
    "endpoints": list(endpoints.DEFAULT_ENDPOINTS),
    "endpoint_api_path": endpoints.DEFAULT_PATH,
    "endpoint_page_size": endpoints.PAGE_SIZE,
}

SPEC = vendor_spec("tass", name="TASS.web", region="AU", connector="TassConnector", emulator="TassEmulator",
                   summary="TASS.web API Gateway: one app per module (App Code and Token Key) and your Company Code.",
                   fields=CONNECTION_FIELDS, key_sets=key_sets, entities=ENTITIES, step_values=step_values,
                   default_requirements=DEFAULT_REQUIREMENTS)
