"""Issue 15 item 4 on Enter the keys: Next does not go on while a key the integrator needs is empty
or cannot be right by the system's own field rules (vendors/base.py Field.validate). The message
is at the field — under it, a red outline, its accessible description — and the focus goes to the
first one. Well-formed but wrong keys go on: the check page finds those.

Every field of every system's spec is tried with each kind of wrong value, through the real
window, with the keys of the sandbox's emulators served over loopback."""

from __future__ import annotations

import re

import pytest
from window_walk import focused, to_credentials

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import FieldKind

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def wrong_values(f) -> list[tuple[str, str]]:
    """(what is wrong, value) for the kinds of mistake this field can hold."""
    if f.kind is FieldKind.CHOICE:
        return []  # a list: only its choices can be picked
    out = [("too long", "a" * (f.kind.max_length + 1)), ("a control character", "abc\x07def")]
    if f.required:
        out.insert(0, ("empty", ""))
    if f.kind is FieldKind.URL:
        out.append(("no scheme", "server.example.org"))
    elif f.pattern and not re.fullmatch(f.pattern, "not right !"):
        out.append(("wrong shape", "not right !"))
    return out


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_every_wrong_key_value_holds_next_at_its_field(system, make_window, gui, sandbox, small_school,
                                                       qtbot) -> None:
    sandbox.add(registry.get(system).emulator(small_school))
    window = make_window(sandbox=sandbox)
    page = to_credentials(window, gui, system)
    page.fill_demo()
    gui.settle()
    window.activateWindow()
    window.go_next()
    assert window.page.page_id == "check", "the sandbox's working keys go on"
    window.go_back()
    assert window.page is page

    tried = 0
    for (key_set, _field_id), item in page.inputs.items():
        good = item.read()
        siblings = [other for (ks, fid), other in page.inputs.items() if ks == key_set and other is not item]
        for what, value in wrong_values(item.field):
            gui.type_value(item.widget, value)
            assert item.read() == value, f"{item.field.label}: the value was not typed as given"
            optional_set = key_set is not None and not next(
                ks for ks in window.ctx.spec.key_sets(window.ctx.requirements()) if ks.id == key_set).required
            expected = item.field.validate(value)
            if optional_set and not value and not any(o.read().strip() for o in siblings):
                expected = None  # an optional key left wholly empty is fine
            window.go_next()
            where = f"{system} {key_set or 'connection'}.{item.field.id} {what}"
            if expected is None:
                assert window.page.page_id == "check", where
                window.go_back()
                continue
            tried += 1
            assert window.page is page, f"{where}: Next went on"
            assert item.error.isVisibleTo(page) and item.error.text() == expected, where
            assert item.field.label in expected, where
            target = item.widget.focusProxy() or item.widget
            assert target.property("invalid") is True, where
            assert target.accessibleDescription().startswith(expected), where  # then what goes in it
            if item.field.secret and value:
                assert value not in item.error.text(), f"{where}: the secret is said on screen"
            qtbot.waitUntil(lambda item=item: focused(item.widget), timeout=2_000)
            others = [o for o in page.inputs.values() if o is not item and o.error.isVisibleTo(page)]
            assert not others, f"{where}: only the wrong field is marked, not {[o.field.label for o in others]}"
        if not wrong_values(item.field):
            continue
        gui.type_value(item.widget, good)
        assert not item.error.isVisibleTo(page)
        said = (item.widget.focusProxy() or item.widget).accessibleDescription()
        assert said and expected not in said, "the problem is no longer read out, what goes in the field still is"
        window.go_next()
        assert window.page.page_id == "check", f"{system} {item.field.label} fixed: Next goes on"
        window.go_back()
    assert tried, f"{system}: no field was tried"


def test_well_formed_wrong_keys_go_on_to_the_check(make_window, gui, sandbox, small_school) -> None:
    hosted = sandbox.add(registry.get("tass").emulator(small_school))
    window = make_window(sandbox=sandbox)
    page = to_credentials(window, gui, "tass")
    scenario = hosted.emulator.scenarios(hosted.base_url)["wrong_token_key"]
    window.ctx.session.import_credentials(scenario.credentials, window.ctx.requirements(), window.ctx.secrets)
    window.ctx.save()
    page.enter()
    window.go_next()
    assert window.page.page_id == "check", "a wrong key of the right shape is the check's to find"


def test_the_first_wrong_field_gets_the_focus_and_all_are_marked(make_window, gui, sandbox, small_school, shots,
                                                                 qtbot) -> None:
    sandbox.add(registry.get("isams").emulator(small_school))
    window = make_window(sandbox=sandbox)
    page = to_credentials(window, gui, "isams")
    window.activateWindow()
    window.go_next()
    assert window.page is page
    required = [item for (ks, _f), item in page.inputs.items() if item.field.required and (
        ks is None or next(k for k in window.ctx.spec.key_sets(window.ctx.requirements()) if k.id == ks).required)]
    assert required and all(item.error.isVisibleTo(page) for item in required)
    assert all(item.error.text() == f"{item.field.label} is required." for item in required)
    qtbot.waitUntil(lambda: focused(required[0].widget), timeout=2_000)
    for size, name in (((1366, 768), "held-keys.png"), ((800, 500), "held-keys-800x500.png")):
        window.setMinimumSize(0, 0)
        window.resize(*size)
        gui.settle()
        assert window.grab().save(str(shots / name))
