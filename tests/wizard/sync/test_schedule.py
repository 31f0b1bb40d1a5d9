"""The daily sync's Windows task: its command in the installed app and in a development install,
its Task Scheduler definition, and what the command says on a computer that is not Windows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from mis_wizard.wizard.cli import main
from mis_wizard.wizard.session import SessionStore
from mis_wizard.wizard.sync import schedule
from mis_wizard.wizard.sync.schedule import Schedule, ScheduleError

NS = {"t": schedule.TASK_NS}


def test_times_are_normalised_and_impossible_ones_refused() -> None:
    assert Schedule("s1", "2:30").time == "02:30"
    assert Schedule("s1", " 23:59 ").time == "23:59"
    for bad in ("25:00", "24:00", "12:60", "2pm", "", "1:2"):
        with pytest.raises(ScheduleError, match="HH:MM"):
            Schedule("s1", bad)


def test_frozen_app_runs_the_console_program_beside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", r"C:\Program Files\MIS Onboarding Wizard\mis-wizard-gui.exe")
    cmd = Schedule("abc", "02:30", "csv:D:\\out").command()
    assert "-m" not in cmd
    assert cmd[1:] == ["sync", "--session", "abc", "--to", "csv:D:\\out"]
    assert cmd[0] == r"C:\Program Files\MIS Onboarding Wizard\mis-wizard.exe"


def test_development_install_runs_the_interpreter_with_dash_m(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert Schedule("abc", "2:30").command() == [sys.executable, "-m", "mis_wizard", "sync", "--session", "abc"]
    monkeypatch.setattr(sys, "executable", r"C:\venv\Scripts\pythonw.exe")
    assert Schedule("abc", "2:30").command()[0] == r"C:\venv\Scripts\python.exe"


def _parse(xml: str) -> ET.Element:
    return ET.fromstring(xml.split("\n", 1)[1])


@pytest.mark.parametrize(("signed_out", "logon"), [(False, "InteractiveToken"), (True, "Password")])
def test_task_definition(monkeypatch: pytest.MonkeyPatch, signed_out: bool, logon: str) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", r"C:\Apps\MIS\mis-wizard-gui.exe")
    plan = Schedule("abc", "2:30", "sqlite:C:\\data\\my store.sqlite", when_signed_out=signed_out)
    import datetime as dt

    task = _parse(plan.task_xml(user="SCHOOL\\itadmin", today=dt.date(2026, 12, 3)))
    assert task.tag == f"{{{schedule.TASK_NS}}}Task"
    text = {el.tag.split("}")[1]: (el.text or "") for el in task.iter()}
    settings = task.find("t:Settings", NS)
    assert settings is not None
    assert settings.findtext("t:StartWhenAvailable", namespaces=NS) == "true"
    assert settings.findtext("t:DisallowStartIfOnBatteries", namespaces=NS) == "false"
    assert settings.findtext("t:StopIfGoingOnBatteries", namespaces=NS) == "false"
    assert settings.findtext("t:ExecutionTimeLimit", namespaces=NS) == "PT2H"
    assert settings.findtext("t:Hidden", namespaces=NS) == "true"
    assert settings.findtext("t:MultipleInstancesPolicy", namespaces=NS) == "IgnoreNew"
    trigger = task.find("t:Triggers/t:CalendarTrigger", NS)
    assert trigger is not None
    assert trigger.findtext("t:StartBoundary", namespaces=NS) == "2026-12-03T02:30:00"
    assert trigger.findtext("t:ScheduleByDay/t:DaysInterval", namespaces=NS) == "1"
    principal = task.find("t:Principals/t:Principal", NS)
    assert principal is not None
    assert principal.findtext("t:UserId", namespaces=NS) == "SCHOOL\\itadmin"
    assert principal.findtext("t:LogonType", namespaces=NS) == logon
    assert principal.findtext("t:RunLevel", namespaces=NS) == "LeastPrivilege"
    exec_ = task.find("t:Actions/t:Exec", NS)
    assert exec_ is not None
    assert exec_.findtext("t:Command", namespaces=NS) == r"C:\Apps\MIS\mis-wizard.exe"
    assert exec_.findtext("t:Arguments", namespaces=NS) == 'sync --session abc --to "sqlite:C:\\data\\my store.sqlite"'
    assert "mis-wizard runs --session abc" in text["Description"]
    args = plan.schtasks_args("task.xml", user="SCHOOL\\itadmin")
    assert args[:6] == ["schtasks", "/Create", "/XML", "task.xml", "/TN", "MIS Onboarding Wizard sync abc"]
    assert args[-1] == "/F"
    assert ("/RP" in args) == signed_out and ("/RU" in args) == signed_out
    assert ("Credential Manager" in plan.explanation) and (("password" in plan.explanation) == signed_out)


@pytest.mark.skipif(sys.platform == "win32", reason="what the command says where there is no Task Scheduler")
def test_cli_on_a_computer_that_is_not_windows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session = SessionStore().new(system="integris")
    assert main(["schedule", "--session", session.id, "--daily", "2:30"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Scheduling the sync needs Windows")
    assert f'schtasks /Create /XML task.xml /TN "MIS Onboarding Wizard sync {session.id}" /F' in out
    xml = out[out.index("<?xml"):out.index("</Task>") + len("</Task>")]
    assert _parse(xml).find("t:Settings/t:StartWhenAvailable", NS) is not None
    assert f"30 2 * * * {sys.executable} -m mis_wizard sync --session {session.id}" in out

    target = tmp_path / "task.xml"
    assert main(["schedule", "--session", session.id, "--daily", "02:30", "--when-signed-out",
                 "--xml-out", str(target)]) == 0
    out = capsys.readouterr().out
    assert target.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16 with its byte-order mark
    task = ET.parse(target).getroot()
    assert task.findtext("t:Principals/t:Principal/t:LogonType", namespaces=NS) == "Password"
    assert "/RU" in out and "/RP *" in out and "whether or not anyone is signed in" in out

    assert main(["schedule", "--session", session.id, "--daily", "25:00"]) == 2
    assert "'25:00' is not a time of day" in capsys.readouterr().err
    assert main(["schedule", "--session", session.id, "--remove"]) == 1
    assert "not Windows" in capsys.readouterr().out
    assert main(["schedule", "--list"]) == 1
    assert "not Windows" in capsys.readouterr().out
    assert main(["schedule", "--daily", "02:30"]) == 2
    assert "--session ID" in capsys.readouterr().err


def test_task_list_is_read_from_schtasks_csv() -> None:
    text = ('"\\MIS Onboarding Wizard sync abc","04/12/2026 02:30:00","Ready"\n'
            '"\\Microsoft\\Windows\\Defrag\\ScheduledDefrag","N/A","Ready"\n')
    assert schedule.parse_query(text) == [{"task": "MIS Onboarding Wizard sync abc", "session": "abc",
                                           "next_run": "04/12/2026 02:30:00", "status": "Ready"}]


def test_the_xml_command_line_quotes_what_the_task_runs() -> None:
    plan = Schedule("abc", "02:30", "csv:C:\\My Out")
    assert subprocess.list2cmdline(plan.command()[-2:]) == '--to "csv:C:\\My Out"'
