"""A daily sync: a Windows Task Scheduler task on Windows, the equivalent cron line elsewhere."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass

TASK_PREFIX = "MIS Onboarding Wizard sync"


class ScheduleError(Exception):
    pass


@dataclass(frozen=True)
class Schedule:
    session_id: str
    time: str
    sink: str = ""

    @property
    def task_name(self) -> str:
        return f"{TASK_PREFIX} {self.session_id}"

    def command(self, executable: list[str] | None = None) -> list[str]:
        exe = executable or [sys.executable, "-m", "mis_wizard"]
        cmd = [*exe, "sync", "--session", self.session_id]
        return cmd + (["--to", self.sink] if self.sink else [])

    def cron_line(self) -> str:
        hour, minute = parse_time(self.time)
        return f"{minute} {hour} * * * {shlex.join(self.command())}"

    def schtasks_args(self) -> list[str]:
        return ["schtasks", "/Create", "/F", "/SC", "DAILY", "/ST", self.time, "/TN", self.task_name,
                "/TR", subprocess.list2cmdline(self.command())]


def parse_time(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise ScheduleError(f"{value!r} is not a time of day; use 24-hour HH:MM, e.g. 02:30")
    return int(match.group(1)), int(match.group(2))


def install(schedule: Schedule) -> str:
    """Create the Windows task, or return the cron line to add elsewhere."""
    parse_time(schedule.time)
    if sys.platform != "win32":
        return schedule.cron_line()
    result = subprocess.run(schedule.schtasks_args(), capture_output=True, text=True)
    if result.returncode != 0:
        raise ScheduleError(f"Task Scheduler refused the task: {result.stderr.strip() or result.stdout.strip()}")
    return f"Created the Windows scheduled task '{schedule.task_name}', daily at {schedule.time}."
