"""The PowerSchool spec: fields, requirements, steps and entities a newcomer can trust."""

from __future__ import annotations

from mis_wizard.vendors import registry
from mis_wizard.vendors.powerschool import SPEC, wire
from mis_wizard.wizard import steps


def test_registered_with_the_app():
    assert registry.get("powerschool") is SPEC
    assert SPEC.connector is not None and SPEC.emulator is not None


def test_fields_and_the_plugin_key_set():
    assert [f.id for f in SPEC.fields] == ["base_url"]
    (plugin,) = SPEC.key_sets(SPEC.requirements())
    assert [(f.id, f.secret) for f in plugin.fields] == [("client_id", False), ("client_secret", True)]
    assert plugin.details["resources"] == list(wire.RESOURCE_IDS) and plugin.details["writes"] is True


def test_default_requirements_ask_for_everything():
    assert SPEC.default_requirements["resources"] == list(wire.RESOURCE_IDS)
    assert SPEC.default_requirements["writes"] is True


def test_steps_render_with_the_default_requirements():
    rendered = steps.load("powerschool", SPEC.step_values(SPEC.requirements()))
    titles = [s.title for s in rendered]
    assert titles[0] == "Install the integrator's plugin" and "Set up Years and Terms in every school" in titles
    text = " ".join(" ".join(s.items + s.prose) for s in rendered)
    for place in ("System > System Settings > Plugin Management Configuration", "Data Provider Configuration",
                  "Start Page > School Setup > Years and Terms > Term Setup", "1/2", "1/3", "1/4",
                  "MIS Wizard Data Sync", "Full Access", "CC table"):
        assert place in text, place


def test_steps_name_the_plugin_page_and_the_regenerate_button_by_version():
    """The page is Plugin Management Configuration up to 23.5 and Plugin Configuration from 23.12;
    Regenerate Client ID and Secret exists from 21.11.2.0, before which the plugin is reinstalled
    (PowerSchool's pssis-admin documentation; FACTS)."""
    rendered = steps.load("powerschool", SPEC.step_values(SPEC.requirements()))
    text = " ".join(" ".join(s.items + s.prose) for s in rendered)
    for words in ("up to 23.5 it is **System > System Settings > Plugin Management Configuration**",
                  "in 23.12 and later, open the **Plugin Configuration** page",
                  "on PowerSchool 21.11.2.0 and later, click **Regenerate Client ID and Secret**",
                  "**Confirm Regenerate Client ID and Secret**",
                  "on versions older than 21.11.2.0 there is no such button, so delete the plugin, install it again"):
        assert words in text, words
    assert "Plugin Management Dashboard" not in text


def test_steps_for_a_read_only_profile_without_terms():
    values = SPEC.step_values(SPEC.requirements({"resources": ["students"], "writes": False,
                                                 "plugin_name": "Acme Reader"}))
    rendered = steps.load("powerschool", values)
    text = " ".join(" ".join(s.items + s.prose) for s in rendered)
    assert "Acme Reader" in text and "Full Access" not in text
    assert "Set up Years and Terms in every school" not in [s.title for s in rendered]
