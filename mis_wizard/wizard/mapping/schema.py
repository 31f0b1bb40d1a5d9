"""The target record schema and filters a profile declares, and their validation."""

from __future__ import annotations

from typing import Any


def profile_problems(targets: dict[str, Any], filters: list[dict[str, Any]]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name, target in targets.items():
        if not isinstance(target, dict):
            problems.append((f"targets.{name}", "must be a table"))
    for i, f in enumerate(filters):
        if not isinstance(f.get("name"), str):
            problems.append((f"filters[{i}].name", "is required"))
    return problems
