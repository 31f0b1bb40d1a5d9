"""Every school system the wizard knows, in the order the admin sees them."""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the contract's module is imported with the first vendor, not at start-up
    from mis_wizard.vendors.base import VendorSpec

SYSTEM_IDS: tuple[str, ...] = ("tass", "liss", "powerschool", "aeries", "qmlativ", "isams", "integris")


@cache
def get(system_id: str) -> VendorSpec:
    key = system_id.strip().lower()
    if key not in SYSTEM_IDS:
        raise KeyError(f"Unknown system {system_id!r}; choose one of: {', '.join(SYSTEM_IDS)}.")
    spec: VendorSpec = importlib.import_module(f"mis_wizard.vendors.{key}").SPEC
    return spec


def all_specs() -> list[VendorSpec]:
    return [get(sid) for sid in SYSTEM_IDS]
