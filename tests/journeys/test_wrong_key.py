"""Journey (c): the admin pastes a wrong key (the right shape, but not the key the system issued),
runs the check, reads the red result that says what to fix and where, types the right key and
checks again: green."""

from __future__ import annotations

import pytest

from mis_wizard.vendors import registry

MISTAKES = (
    # system, the sandbox scenario of that mistake, the school
    ("tass", "wrong_token_key", "Riverbend College"),
    ("isams", "key_mistyped", "Hillside Grammar"),
    ("powerschool", "wrong_client_secret", "Lakeview High School"),
)


def mistyped(box, system: str, scenario: str) -> list[tuple[str | None, str, str, str]]:
    """(key set, field, wrong value, right value) for each value the scenario gets wrong."""
    described = box.describe()["systems"][system]
    good, bad = described["credentials"], described["scenarios"][scenario]["credentials"]
    out = []
    for key, value in bad.items():
        if isinstance(value, dict):
            out += [(key, f, v, good[key][f]) for f, v in value.items() if good.get(key, {}).get(f) != v]
        elif good.get(key) != value:
            out.append((None, key, value, good[key]))
    assert out, f"the {scenario} scenario changes nothing"
    return out


@pytest.mark.parametrize(("system", "scenario", "school"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_wrong_key_is_red_with_the_fix_then_green_once_corrected(system, scenario, school, open_window,
                                                                   demo_box) -> None:
    spec = registry.get(system)
    j = open_window(sandbox=demo_box, name=f"wrong-key-{system}")
    keys = j.to_the_keys(system, school)
    j.press("Fill demo credentials")
    wrong = mistyped(demo_box, system, scenario)
    for key_set, field_id, bad, _good in wrong:
        j.type_into(keys.inputs[(key_set, field_id)].widget, bad)
        assert not keys.inputs[(key_set, field_id)].error.isVisibleTo(keys), "the wrong key is the right shape"
    j.shot("wrong-key-typed")
    j.next()

    check = j.run_check()
    summary = j.check_summary()
    assert "to fix" in summary, summary
    assert j.step("Check the keys").startswith("current page: Some keys need fixing")
    failed = [row for group in check.groups.values() for row in group.rows
              if row.result.status.value == "failed" and row.isVisibleTo(check)]
    assert failed, "a failed result is on screen"
    wrong_sets = {key_set or "connection" for key_set, *_ in wrong}
    assert {row.result.key for row in failed} <= wrong_sets | {"connection"}
    text = j.text()
    for row in failed:
        said = j.read(row.text)
        assert row.result.message in said and f"What to do: {row.result.remedy}" in said, said
        assert row.result.message in text
        assert " > " in row.result.remedy, f"the fix names the place in {spec.name}'s admin screens: {said}"
    for key_set, *_ in wrong:
        group = check.groups[key_set or "connection"]
        assert group.isVisibleTo(check)
        assert any(r.result.status.value == "failed" for r in group.rows), f"{group.title_text} is not red"
    j.shot("red")
    j.click(j.window.next_button)  # Next with a required key failing: held, said at the top and at the key
    j.at("Check the keys")
    held = j.read(check.held)
    assert held.startswith("The check failed for ") and "run the check again" in held, held
    assert any(t.startswith("Fix this key before going on: ") for t in j.texts()), j.text()
    assert j.needs("Map the fields") == "fix the keys that failed the check first"
    j.shot("held")

    keys = j.go_to("Enter the keys")  # back to fix it
    assert j.step("Check the keys").startswith("needs attention: Some keys need fixing")
    for key_set, field_id, _bad, good in wrong:
        j.type_into(keys.inputs[(key_set, field_id)].widget, good)
    j.next()
    j.at("Check the keys")
    assert j.check_summary() == "The keys changed after the last check. Run the check again."
    check = j.run_check()
    summary = j.check_summary()
    assert "passed" in summary and "to fix" not in summary, summary
    assert not [row for group in check.groups.values() for row in group.rows if row.result.status.value == "failed"]
    assert not check.held.isVisibleTo(check), f"still said: {check.held.text()}"
    assert not any(t.startswith("Fix this key before going on") for t in j.texts())
    j.go_to("Enter the keys")
    assert j.step("Check the keys") == "done"
    j.go_to("Check the keys")
    j.shot("green")
