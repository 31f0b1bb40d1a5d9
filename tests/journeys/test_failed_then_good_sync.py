"""Journey (d): the admin runs a sync while the school's server is down: it is red, with a plain
reason, and the side list says the last sync failed. The server comes back; the next sync is
green, with the counts of what was written."""

from __future__ import annotations

import re

from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox.kit import Sandbox

SYSTEM = "isams"
SCHOOL = "Hillside Grammar"
EXCEPTION_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception)\b")


def test_a_sync_against_a_stopped_server_is_red_then_a_good_one_is_green(open_window, small_school) -> None:
    box = Sandbox()
    hosted = box.add(registry.get(SYSTEM).emulator(small_school))
    port = hosted.server.server_address[1]
    try:
        j = open_window(sandbox=box, name="sync-fails-then-works")
        j.to_the_keys(SYSTEM, SCHOOL)
        j.check_demo_keys()
        assert "to fix" not in j.check_summary()

        sync = j.walk_to("Sync on this computer")  # through Map, Preview, Whole school and Send
        assert j.read(sync.state_label) == "Not run yet."
        assert sync.kind.currentText().startswith("This computer's store")
        assert "hillside-grammar-isams" in sync.path.text()
        chosen = [box_.text() for box_ in sync.entity_boxes.values() if box_.isChecked()]
        assert chosen, "records to sync are ticked"

        box.close()  # the school's server goes down
        j.press("Run the sync")
        j.wait(lambda: not sync.running, timeout=60_000)
        j.shot("failed")
        said = j.read(sync.state_label)
        assert said.startswith("Failed. The server could not be reached. Check the address"), said
        assert "The last good output was kept." in said
        assert not EXCEPTION_NAME.search(said), f"an exception name on screen: {said}"
        assert "unexpectedly" not in said, said
        assert sync.state_label.objectName() == "FieldError", "said in red"
        assert j.step("Sync on this computer").startswith("current page: the last sync failed.")
        j.go_to("Send it to the integrator")
        assert j.step("Sync on this computer").startswith("needs attention: the last sync failed.")

        box = Sandbox()
        box.add(registry.get(SYSTEM).emulator(small_school), port=port)  # back, where it was
        sync = j.go_to("Sync on this computer")
        assert j.read(sync.state_label).startswith("The last run failed.")
        j.press("Run the sync")
        j.wait(lambda: not sync.running, timeout=60_000)
        j.wait(lambda: sync.runs and sync.runs[0].status == "ok")
        j.look_at(sync.report_view)
        j.shot("good")
        assert j.read(sync.state_label) == "Finished."
        j.says("Report", "Finished — ", "removed 0")
        assert sync.state_label.objectName() != "FieldError"
        summary = j.read(sync.report_view.summary)
        assert summary.startswith("Finished — ") and "removed 0" in summary, summary
        added = int(re.search(r"Added ([\d,]+)", summary).group(1).replace(",", ""))
        assert added > 0
        rows = j.table(sync.report_view.table)
        assert rows[0][:5] == ["Table", "Written", "Added", "Changed", "Removed"]
        counts = {row[0]: [int(cell.replace(",", "")) for cell in row[1:]] for row in rows[1:]}
        current = sum(1 for s in small_school.students if s.status == "current")
        written, first_added, _changed, removed, excluded, _errors = counts["Students"]
        assert written + excluded == current and written == first_added > 0, counts
        assert sum(c[1] for c in counts.values()) == added and not any(c[3] for c in counts.values())
        assert j.step("Sync on this computer") == "current page"
        j.go_to("Send it to the integrator")
        assert j.step("Sync on this computer") == "done"
        sync = j.go_to("Sync on this computer")
        j.wait(lambda: sync.runs_table.isVisibleTo(sync))
        runs = j.table(sync.runs_table)
        assert runs[1][2] == "Finished", runs
        j.shot("good-runs")
        done = j.walk_to("All done")  # the end says both runs, newest first, the failed one with its reason
        assert j.read(done.state_note) == "This setup is finished."
        texts = j.texts()
        runs = texts[texts.index("Last runs") + 1:texts.index("Last runs") + 3]
        assert f"done: {added} records written ({added} added)" in runs[0], runs
        assert "failed — The server could not be reached." in runs[1], runs
        j.shot("all-done")
    finally:
        box.close()
