"""The admin's instructions for a system, from resources/vendors/<id>/steps.md.

Format (kept tiny so support staff can edit it):

* ``## Title`` starts a step;
* ``- [ ] text`` is an item the admin ticks;
* ``> copy: Label = value`` is a value the admin types into their system, shown with a copy button;
* other lines are prose (``**bold**`` and ```code``` are kept);
* ``{{name}}`` is filled from the vendor's ``step_values(requirements)``;
* ``<!-- if name -->`` … ``<!-- endif -->`` keeps a block only when that value is non-empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from mis_wizard.resources import ROOT

_PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
_IF_BLOCK = re.compile(r"<!--\s*if\s+([\w.]+)\s*-->(.*?)<!--\s*endif\s*-->", re.DOTALL)


@dataclass
class Step:
    title: str
    prose: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    copies: list[tuple[str, str]] = field(default_factory=list)


class StepsError(ValueError):
    pass


def render(text: str, values: Mapping[str, str]) -> str:
    text = _IF_BLOCK.sub(lambda m: m.group(2) if str(values.get(m.group(1), "")).strip() else "", text)

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            raise StepsError(f"steps.md uses {{{{{name}}}}} but the system gives no value for it")
        return str(values[name])

    return _PLACEHOLDER.sub(fill, text)


def parse(text: str) -> list[Step]:
    steps: list[Step] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("## "):
            steps.append(Step(line[3:].strip()))
            continue
        if not steps or not line.strip() or line.startswith("# "):
            continue
        current = steps[-1]
        stripped = line.strip()
        if stripped.startswith("- [ ] "):
            current.items.append(stripped[6:].strip())
        elif stripped.lower().startswith("> copy:"):
            label, _, value = stripped[7:].partition("=")
            current.copies.append((label.strip(), value.strip()))
        elif current.items and raw.startswith("  "):
            current.items[-1] += " " + stripped
        else:
            current.prose.append(stripped)
    return steps


def load(system_id: str, values: Mapping[str, str]) -> list[Step]:
    source = ROOT / "vendors" / system_id / "steps.md"
    return parse(render(source.read_text(encoding="utf-8"), values))
