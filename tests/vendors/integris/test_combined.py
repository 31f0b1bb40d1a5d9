"""Splitting combined contact records when the record does not say everything twice."""

from __future__ import annotations

from mis_wizard.vendors.integris import records


def test_one_forename_for_two_titles_leaves_the_second_blank_for_the_integrators_rules():
    first, second = records.split_contact({"contactId": "C1", "title": "Mr & Mrs", "forename": "John",
                                           "surname": "Bloggs", "email": "j@example.com"})
    assert (first["contactId"], first["title"], first["forename"]) == ("C1.1", "Mr", "John")
    assert (second["contactId"], second["title"], second["forename"]) == ("C1.2", "Mrs", "")
    assert first["email"] == second["email"] == "j@example.com"


def test_relationships_follow_the_titles_not_the_order():
    people = records.people_of([{"contactId": "C1", "title": "Mrs and Mr", "forename": "Jane and John"}])
    links = records.split_link({"studentId": "S1", "contactId": "C1", "relationship": "Father and Mother",
                                "parentalResponsibility": True}, people)
    assert [(link["contactId"], link["relationship"]) for link in links] == [("C1.1", "Mother"), ("C1.2", "Father")]
    assert all(link["parentalResponsibility"] for link in links)


def test_a_shared_relationship_goes_to_both_and_single_people_pass_through():
    people = records.people_of([{"contactId": "C1", "title": "Dr and Dr", "forename": "Sam and Alex"},
                                {"contactId": "C2", "title": "Ms", "forename": "Ann"}])
    assert [link["relationship"] for link in records.split_link(
        {"contactId": "C1", "relationship": "Parent"}, people)] == ["Parent", "Parent"]
    assert records.split_link({"contactId": "C2", "relationship": "Mother"}, people) == [
        {"contactId": "C2", "relationship": "Mother"}]
    assert records.split_contact({"contactId": "C2", "title": "Ms", "forename": "Ann"})[0]["combinedContactId"] == ""
