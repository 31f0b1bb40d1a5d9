"""Journey (b): the admin checks the keys, closes the wizard, and opens it again on a computer
whose credential store no longer holds them (another computer, a reset profile). The resumed
setup must not claim the keys are checked: it says so and sends the admin to Enter the keys,
where entering them again and checking makes it green again."""

from __future__ import annotations

from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox.kit import Sandbox

SCHOOL = "Riverbend College"


def test_a_restart_without_the_keys_sends_the_admin_back_to_enter_them(open_window, small_school,
                                                                         memory_keyring) -> None:
    with Sandbox() as first_box:
        first_box.add(registry.get("tass").emulator(small_school))
        j = open_window(sandbox=first_box, name="restart-before")
        j.to_the_keys("tass", SCHOOL)
        j.check_demo_keys()
        assert "passed" in j.check_summary() and "to fix" not in j.check_summary()
        assert j.step("Check the keys") == "current page"
        j.go_to("Enter the keys")
        assert j.step("Check the keys") == "done"
        j.go_to("Check the keys")
        j.shot("checked")
        j.window.close()
    assert memory_keyring.store, "the keys were held in the credential store"
    memory_keyring.store.clear()  # the credential store lost them

    with Sandbox() as second_box:  # a new run of the demo: the practice server is on another port
        second_box.add(registry.get("tass").emulator(small_school))
        j = open_window(sandbox=second_box, name="restart-after")
        welcome = j.at("Welcome")
        j.says("Continue a saved setup")
        assert j.rows(welcome.sessions) == [SCHOOL]
        assert not j.banners(), "a credential store is there: no warning that keys are kept for this run only"
        j.shot("welcome")
        j.choose(welcome.sessions, SCHOOL)
        j.press("Resume selected setup")
        keys = j.at("Enter the keys")  # left on Check the keys, but its keys are gone: sent here instead
        j.shot("resumed")
        assert keys.gone_note.isVisible()
        j.says("The keys for this setup are no longer held on this computer. Enter them again below, then run "
               "the check.")
        check = j.go_to("Check the keys")
        gone = "Enter the keys again on the Enter the keys page, then run the check."
        assert gone in j.check_summary()
        assert check.summary.objectName() == "FieldError", "said in red"
        assert check.status().value != "done"
        assert j.step("Check the keys").startswith("current page: The keys for this setup are no longer held")
        assert j.step("Enter the keys") == "needs attention"

        # the admin tries a sync first, as on any morning: the window stays here and says why
        assert j.try_to_open("Sync on this computer") == "Check the keys"
        assert j.blocked() == "To open “Sync on this computer”, check the keys again first."
        assert j.needs("Sync on this computer").startswith("check the keys again first")
        j.click(j.window.next_button)
        j.at("Check the keys")
        j.says(gone)
        j.shot("held")
        keys = j.go_to("Enter the keys")
        assert j.step("Check the keys").startswith("needs attention: ") and gone in j.step("Check the keys")
        secrets = [item for item in keys.inputs.values() if item.field.secret]
        assert secrets and all(item.read() == "" for item in secrets), "no key is shown that is not held"
        j.shot("keys-empty")
        j.press("Fill demo credentials")
        assert all(item.read() for item in secrets)
        assert second_box.base_url("tass") in [item.read() for item in keys.inputs.values()]
        j.next()

        j.at("Check the keys")
        changed = "The keys changed after the last check. Run the check again."
        assert j.check_summary() == changed
        assert j.step("Check the keys") == f"current page: {changed}"
        j.run_check()
        summary = j.check_summary()
        assert "passed" in summary and "to fix" not in summary, summary
        j.go_to("Enter the keys")
        assert j.step("Check the keys") == "done"
        assert j.step("Enter the keys") == "current page"
        j.go_to("Check the keys")
        j.shot("checked-again")
