"""What every benchmark prints: one line per figure, from measurements taken in the same run.

``<figure>: ratio=<x.xx> target=<op><y> PASS|FAIL`` followed by the raw measurements, so a
reader can recompute the ratio and a test can check the shape without knowing the numbers.
"""

from __future__ import annotations

import operator
import os
import platform
import statistics
from collections.abc import Callable

OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}
LINE_PATTERN = r"^[a-z_]+: ratio=\d+\.\d\d target=(<=|>=)\d+(\.\d+)? (PASS|FAIL)( [a-z0-9_]+=\S+)*$"
"""What a figure line looks like (the smoke tests match every line against it)."""


def figure(name: str, ratio: float, op: str, target: float, **raw: float | int | str) -> bool:
    """Print one figure line and return whether it passed."""
    ok = OPS[op](ratio, target)
    extras = " ".join(f"{k}={_fmt(v)}" for k, v in raw.items())
    print(f"{name}: ratio={ratio:.2f} target={op}{target:g} {'PASS' if ok else 'FAIL'}"
          + (f" {extras}" if extras else ""), flush=True)
    return ok


def _fmt(value: float | int | str) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value).replace(" ", "_")


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    """nproc, CPU model, RAM and Python version, for the README's record of each run."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    ram = ""
    try:
        ram = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        ram = "RAM unknown"
    return f"{os.cpu_count()} cores, {cpu}, {ram}, Python {platform.python_version()}"


def exit_code(results: list[bool]) -> int:
    """0 when every figure passed, so a script can gate CI if wanted."""
    return 0 if all(results) else 1
