"""A daily sync: a Windows Task Scheduler task on Windows, the equivalent cron line elsewhere.

The task is created from a Task Scheduler XML definition (``schtasks /Create /XML``), which is
the only way to set what a school's PC needs and ``/SC DAILY`` cannot: catch up after a missed
start (the PC was off at 02:30), run on battery, stop a hung run after two hours, stay out of the
signed-in user's way.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath
from xml.etree import ElementTree as ET

TASK_PREFIX = "MIS Onboarding Wizard sync"
ON_WINDOWS: bool = sys.platform == "win32"
"""Whether Task Scheduler is here. A plain bool, not a ``sys.platform`` test in each function, so that
mypy (run on Linux in CI) still checks the Windows paths instead of skipping them as unreachable."""
TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
TIME_LIMIT = "PT2H"
"""A run still going after two hours is stopped (ISO 8601 duration, as Task Scheduler reads it)."""

SIGNED_IN_TEXT = (
    "The sync runs only while you are signed in to this computer (if the computer was off or you "
    "were signed out at that time, it runs as soon as you next sign in). It can read the keys the "
    "wizard saved in Windows Credential Manager, because it runs as you in your session. A console "
    "window shows while it runs.")
SIGNED_OUT_TEXT = (
    "The sync runs whether or not anyone is signed in. Windows asks for this account's password "
    "once and keeps it with the task: that is what lets the task open the keys the wizard saved in "
    "Windows Credential Manager and use the school's network as you. (A task that runs without a "
    "stored password cannot open Credential Manager or the network's shared folders and proxies, "
    "so the sync would fail.) When the account's password changes, schedule the sync again. "
    "No window shows.")


class ScheduleError(Exception):
    pass


def normalise_time(value: str) -> str:
    """``2:30`` -> ``02:30``; anything that is not a 24-hour time of day is refused."""
    hour, minute = parse_time(value)
    return f"{hour:02d}:{minute:02d}"


def parse_time(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(f"{value.strip()!r} is not a time of day; use 24-hour HH:MM from 00:00 to 23:59, "
                            "e.g. 02:30")
    return int(match.group(1)), int(match.group(2))


def program() -> list[str]:
    """How a scheduled task starts this program's command line.

    Frozen (the installed app), ``sys.executable`` is mis-wizard.exe or mis-wizard-gui.exe, which
    take no ``-m``: the task runs the console program beside it. In a development install it is
    the interpreter with ``-m mis_wizard`` (python.exe rather than pythonw.exe, which has no output).
    """
    exe = _path(sys.executable)
    if getattr(sys, "frozen", False):
        return [str(exe.with_name("mis-wizard.exe" if exe.suffix.lower() == ".exe" else "mis-wizard"))]
    if exe.name.lower() == "pythonw.exe":
        exe = exe.with_name("python.exe")
    return [str(exe), "-m", "mis_wizard"]


def _path(value: str) -> PurePath:
    """A Windows path as Windows reads it, on any computer (the task definition is Windows's)."""
    return PureWindowsPath(value) if "\\" in value else Path(value)


def current_user() -> str:
    user = os.environ.get("USERNAME") or getpass.getuser()
    domain = os.environ.get("USERDOMAIN", "")
    return f"{domain}\\{user}" if domain else user


@dataclass(frozen=True)
class Schedule:
    session_id: str
    time: str
    sink: str = ""
    when_signed_out: bool = False
    """True: Task Scheduler's "run whether user is logged on or not", with the password stored."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", normalise_time(self.time))

    @property
    def task_name(self) -> str:
        return f"{TASK_PREFIX} {self.session_id}"

    @property
    def explanation(self) -> str:
        return SIGNED_OUT_TEXT if self.when_signed_out else SIGNED_IN_TEXT

    def command(self, executable: list[str] | None = None) -> list[str]:
        exe = executable or program()
        cmd = [*exe, "sync", "--session", self.session_id]
        return cmd + (["--to", self.sink] if self.sink else [])

    def cron_line(self) -> str:
        hour, minute = parse_time(self.time)
        return f"{minute} {hour} * * * {shlex.join(self.command())}"

    def task_xml(self, user: str | None = None, today: dt.date | None = None) -> str:
        """The Task Scheduler definition (schema 1.2, Windows 7 and later)."""
        ET.register_namespace("", TASK_NS)

        def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
            el = ET.SubElement(parent, f"{{{TASK_NS}}}{tag}", attrib)
            if text is not None:
                el.text = text
            return el

        task = ET.Element(f"{{{TASK_NS}}}Task", {"version": "1.2"})
        info = sub(task, "RegistrationInfo")
        sub(info, "Author", "MIS Onboarding Wizard")
        sub(info, "Description", f"Daily sync of setup {self.session_id}; its results: "
                                 f"mis-wizard runs --session {self.session_id}")
        trigger = sub(sub(task, "Triggers"), "CalendarTrigger")
        start = dt.datetime.combine(today or dt.date.today(), dt.time(*parse_time(self.time)))
        sub(trigger, "StartBoundary", start.isoformat(timespec="seconds"))
        sub(trigger, "Enabled", "true")
        sub(sub(trigger, "ScheduleByDay"), "DaysInterval", "1")
        principal = sub(sub(task, "Principals"), "Principal", id="Author")
        sub(principal, "UserId", user or current_user())
        sub(principal, "LogonType", "Password" if self.when_signed_out else "InteractiveToken")
        sub(principal, "RunLevel", "LeastPrivilege")
        settings = sub(task, "Settings")
        for tag, text in (("MultipleInstancesPolicy", "IgnoreNew"), ("DisallowStartIfOnBatteries", "false"),
                          ("StopIfGoingOnBatteries", "false"), ("AllowHardTerminate", "true"),
                          ("StartWhenAvailable", "true"), ("RunOnlyIfNetworkAvailable", "false")):
            sub(settings, tag, text)
        idle = sub(settings, "IdleSettings")
        sub(idle, "StopOnIdleEnd", "false")
        sub(idle, "RestartOnIdle", "false")
        for tag, text in (("AllowStartOnDemand", "true"), ("Enabled", "true"), ("Hidden", "true"),
                          ("RunOnlyIfIdle", "false"), ("WakeToRun", "false"),
                          ("ExecutionTimeLimit", TIME_LIMIT), ("Priority", "7")):
            sub(settings, tag, text)
        exe, *args = self.command()
        action = sub(sub(task, "Actions", Context="Author"), "Exec")
        sub(action, "Command", exe)
        sub(action, "Arguments", subprocess.list2cmdline(args))
        sub(action, "WorkingDirectory", str(_path(exe).parent))
        ET.indent(task)
        return '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode") + "\n"

    def write_xml(self, path: Path, user: str | None = None) -> None:
        """UTF-16 with a byte-order mark, the encoding schtasks reads without complaint."""
        path.write_text(self.task_xml(user), encoding="utf-16")

    def schtasks_args(self, xml_path: Path | str, user: str | None = None) -> list[str]:
        args = ["schtasks", "/Create", "/XML", str(xml_path), "/TN", self.task_name]
        if self.when_signed_out:
            args += ["/RU", user or current_user(), "/RP", "*"]  # schtasks asks for the password itself
        return [*args, "/F"]


def _schtasks(args: list[str], interactive: bool = False) -> subprocess.CompletedProcess[str]:
    try:
        if interactive:  # schtasks asks for the password on the console: nothing captured
            return subprocess.run(args, text=True)
        return subprocess.run(args, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise ScheduleError("Windows Task Scheduler (schtasks) was not found on this computer.") from exc


def install(schedule: Schedule) -> str:
    """Create the Windows task, or return the cron line to add elsewhere."""
    if not ON_WINDOWS:
        return schedule.cron_line()
    with tempfile.TemporaryDirectory(prefix="mis-wizard-task-") as tmp:
        xml = Path(tmp) / "task.xml"
        schedule.write_xml(xml)
        result = _schtasks(schedule.schtasks_args(xml), interactive=schedule.when_signed_out)
    if result.returncode != 0:
        said = (result.stderr or "").strip() or (result.stdout or "").strip()
        if not said and schedule.when_signed_out:
            said = "its reason is above (a wrong password is the usual one)"
        raise ScheduleError(f"Task Scheduler refused the task: {said or 'no reason given'}")
    return f"Created the Windows scheduled task '{schedule.task_name}', daily at {schedule.time}."


def remove(session_id: str) -> str:
    name = f"{TASK_PREFIX} {session_id}"
    result = _schtasks(["schtasks", "/Delete", "/TN", name, "/F"])
    if result.returncode != 0:
        said = (result.stderr or "").strip() or (result.stdout or "").strip()
        raise ScheduleError(f"Could not remove the scheduled task '{name}': {said or 'no reason given'}")
    return f"Removed the scheduled task '{name}'."


def parse_query(text: str) -> list[dict[str, str]]:
    """``schtasks /Query /FO CSV /NH`` output -> this program's tasks: name, next run, status."""
    out = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 3 and row[0].lstrip("\\").startswith(TASK_PREFIX + " "):
            name = row[0].lstrip("\\")
            out.append({"task": name, "session": name[len(TASK_PREFIX) + 1:], "next_run": row[1], "status": row[2]})
    return out


def list_tasks() -> list[dict[str, str]]:
    result = _schtasks(["schtasks", "/Query", "/FO", "CSV", "/NH"])
    if result.returncode != 0:
        raise ScheduleError(f"Could not read the scheduled tasks: {(result.stderr or '').strip() or 'no reason given'}")
    return parse_query(result.stdout)
