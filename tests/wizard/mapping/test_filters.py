"""Every filter against the synthetic school's quirks: counts match the school, reasons are said."""

from __future__ import annotations

from collections import Counter

from mis_wizard.wizard.mapping import filters


def run(dataset, *profile_filters, enabled=None):
    return filters.apply(dataset, filters.specs(list(profile_filters)), enabled)


def test_students_in_no_class_are_dropped(small_school, dataset):
    teaching = {"class_memberships": [m for m in dataset["class_memberships"]
                                      if not m["class_membership.class_id"].startswith("RG-")]}
    data, [report] = run({**dataset, **teaching}, {"name": "students_in_class"})
    placed = {s for _c, s in small_school.memberships}
    assert report.dropped == len(small_school.students) - len(placed) > 0
    assert report.reasons == Counter({"in no class": report.dropped})
    assert len(data["students"]) == len(placed)
    assert report.examples[0][1] == "in no class"


def test_contacts_need_title_forename_surname_and_a_student(small_school, dataset):
    data, [report] = run(dataset, {"name": "contacts_complete"})
    untitled = [c for c in small_school.contacts if not c.title]
    assert report.reasons["blank title"] == len(untitled)
    assert report.dropped == len(untitled)
    orphan = {"contact.id": "F99999-C1", "contact.title": "Ms", "contact.first_name": "Ann",
              "contact.last_name": "Lee"}
    _, [report] = run({**dataset, "contacts": dataset["contacts"] + [orphan]}, {"name": "contacts_complete"})
    assert report.reasons["no linked student"] == 1


def test_a_system_without_contact_titles_is_not_held_to_them(small_school, dataset):
    untitled = [{k: v for k, v in c.items() if k != "contact.title"} for c in dataset["contacts"]]
    data, [report] = run({**dataset, "contacts": untitled}, {"name": "contacts_complete"})
    assert "blank title" not in report.reasons
    assert len(data["contacts"]) == len(untitled) - report.dropped and report.dropped < len(untitled) / 10


def test_parental_responsibility_only(small_school, dataset):
    data, [links, contacts] = run(dataset, {"name": "parental_responsibility", "entity": "contact_links"},
                                  {"name": "parental_responsibility", "entity": "contacts"})
    without = [link for link in small_school.contact_links if not link.parental_responsibility]
    assert links.dropped == len(without) > 0
    assert links.reasons == Counter({"no parental responsibility": len(without)})
    responsible = {link.contact_id for link in small_school.contact_links if link.parental_responsibility}
    assert len(data["contacts"]) == len(responsible)
    assert contacts.dropped == len(small_school.contacts) - len(responsible)


def test_contact_types_default_mother_and_father_keeps_combined_mother_and_father(small_school, dataset):
    data, [report] = run(dataset, {"name": "contact_types", "entity": "contact_links"})
    kept = [link for link in small_school.contact_links
            if link.relationship in ("Mother", "Father", "Mother and Father")]
    assert len(data["contact_links"]) == len(kept)
    assert all(r.startswith("contact type") for r in report.reasons)
    _, [guardians] = run(dataset, {"name": "contact_types", "entity": "contact_links",
                                   "params": {"types": ["Grandparent", "Carer"]}})
    assert guardians.dropped == len(kept)


def test_mail_merge_flags(small_school, dataset):
    data, [report] = run(dataset, {"name": "mail_merge", "entity": "contact_links"})
    kept = [link for link in small_school.contact_links if {"All Merges", "Correspondence"} & set(link.mail_merge)]
    assert len(data["contact_links"]) == len(kept)
    assert report.reasons == Counter({"no All Merges or Correspondence mail-merge flag": report.dropped})


def test_a_system_without_mail_merge_flags_keeps_its_links(dataset):
    unflagged = [{k: v for k, v in link.items() if k != "contact_link.mail_merge"} for link in dataset["contact_links"]]
    data, [report] = run({**dataset, "contact_links": unflagged}, {"name": "mail_merge", "entity": "contact_links"})
    assert report.dropped == 0 and "mail-merge" in report.unavailable
    assert len(data["contact_links"]) == len(unflagged)


def test_contacts_of_a_system_without_e_mail_addresses_are_kept(dataset):
    no_email = [{k: v for k, v in c.items() if k != "contact.email"} for c in dataset["contacts"]]
    data, [report] = run({**dataset, "contacts": no_email}, {"name": "unique_email", "entity": "contacts"})
    assert report.dropped == 0 and "e-mail" in report.unavailable and len(data["contacts"]) == len(no_email)


def test_teachers_need_a_class_that_passed_the_class_rules(small_school, dataset):
    data, [classes, teachers] = run(dataset, {"name": "class_types", "params": {"types": ["teaching_set"]}},
                                    {"name": "teachers_with_class"})
    kept_classes = {c["class.id"] for c in data["classes"]}
    teaching = {c.main_teacher_id for c in small_school.classes if c.id in kept_classes}
    teaching |= {c.second_teacher_id for c in small_school.classes if c.id in kept_classes and c.second_teacher_id}
    assert {t["staff.id"] for t in data["staff"]} == teaching
    non_teaching = [t for t in small_school.staff if not t.teaching]
    assert teachers.reasons["teaches no class"] >= len(non_teaching)


def test_classes_of_given_types_with_students_and_teachers(small_school, dataset):
    data, [report] = run(dataset, {"name": "class_types", "params": {
        "types": ["registration", "mixed", "teaching_set"]}})
    assert report.reasons["class type 'custom' not taken"] == 1  # the chess club
    assert report.reasons["no students"] >= 1  # the Year 12 extension class has none yet
    assert "CHESS" not in {c["class.code"] for c in data["classes"]}
    assert "12EXT" not in {c["class.code"] for c in data["classes"]}
    _, [any_type] = run(dataset, {"name": "class_types", "params": {"require_students": False}})
    assert any_type.dropped == 0


def test_groups_of_given_types_with_a_student(dataset):
    data, [report] = run(dataset, {"name": "group_types", "params": {"types": ["house", "year", "student_group"]}})
    assert report.reasons["no students"] >= 1  # the empty debating group
    assert "G-EMPTY" not in {g["group.id"] for g in data["groups"]}
    _, [houses] = run(dataset, {"name": "group_types", "params": {"types": ["house"]}})
    assert houses.reasons["group type 'year' not taken"] == 12


def test_users_need_a_unique_valid_email(small_school, medium_dataset, medium_school):
    data, [report] = run(medium_dataset, {"name": "unique_email", "entity": "contacts"})
    emails = Counter(c.email for c in medium_school.contacts)
    assert report.reasons["no e-mail address"] == emails[""] > 0
    shared = sum(n for e, n in emails.items() if e and n > 1)
    assert report.reasons["e-mail address shared with another record"] == shared > 0
    assert len(data["contacts"]) == sum(1 for e, n in emails.items() if e and n == 1)
    bad = {"staff.id": "T0", "staff.email": "not-an-address"}
    _, [staff] = run({"staff": [bad]}, {"name": "unique_email", "entity": "staff"})
    assert staff.reasons == Counter({"e-mail address not valid": 1})


def test_year_names_colliding_across_campuses_are_flagged_with_a_suffix_suggestion(small_school, dataset):
    data, [report] = run(dataset, {"name": "year_collisions"})
    assert report.dropped == 0 and report.flagged > 0
    assert "North Campus" in report.suggestion and "South Campus" in report.suggestion
    assert len(data["students"]) == len(small_school.students)
    fixed, [again] = run(dataset, {"name": "year_collisions", "params": {"apply_suffix": True}})
    assert {s["student.year_name"] for s in fixed["students"]} <= {
        f"Year {n} {c}" for n in range(7, 13) for c in ("North Campus", "South Campus")}
    _, [none] = run({"students": fixed["students"]}, {"name": "year_collisions"})
    assert none.flagged == 0 and not none.suggestion


def test_combined_contacts_are_split_in_two_with_their_links(medium_school, medium_dataset):
    data, [report] = run(medium_dataset, {"name": "split_combined"})
    combined = [c for c in medium_school.contacts if c.combined]
    assert report.flagged == len(combined) > 0
    assert len(data["contacts"]) == len(medium_school.contacts) + len(combined)
    first = combined[0]
    people = [c for c in data["contacts"] if c["contact.id"] in (first.id, f"{first.id}-2")]
    assert [p["contact.title"] for p in people] == ["Mr", "Mrs"]
    assert len(data["contact_links"]) > len(medium_dataset["contact_links"])
    _, [complete] = run(data, {"name": "contacts_complete"})
    assert not any("and" in p["contact.first_name"] for p in data["contacts"])
    assert complete.reasons.get("no linked student", 0) == 0


def test_field_values_keeps_current_students_only(small_school, dataset):
    data, [report] = run(dataset, {"name": "field_values", "params": {"concept": "student.status",
                                                                       "values": ["current"]}})
    assert len(data["students"]) == len(small_school.current_students())
    assert report.reasons.get("status 'leaver' not taken", 0) == len(small_school.students) - len(data["students"])


def test_a_filter_whose_entity_was_not_read_says_so_and_a_turned_off_filter_does_nothing(dataset):
    _, [report] = run({"students": dataset["students"]}, {"name": "students_in_class"})
    assert report.dropped == 0 and "class memberships" in report.unavailable
    _, [off] = run(dataset, {"name": "students_in_class"}, enabled={"students.students_in_class": {"enabled": False}})
    assert off.dropped == 0 and off.unavailable == "turned off for this school"
    assert report.to_json()["key"] == "students.students_in_class"


def test_filters_do_not_change_the_input_dataset(dataset):
    before = {k: len(v) for k, v in dataset.items()}
    run(dataset, {"name": "split_combined"}, {"name": "unique_email", "entity": "contacts"})
    assert {k: len(v) for k, v in dataset.items()} == before


def test_needed_entities():
    need = filters.needed_entities(filters.specs([{"name": "teachers_with_class"},
                                                  {"name": "contact_types", "entity": "contacts"}]))
    assert need == {"staff", "classes", "contacts", "contact_links"}
