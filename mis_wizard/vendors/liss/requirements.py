"""What the profile's ``[systems.liss]`` table asks of a LISS server, with the defaults.

All keys are optional: ``user_agent`` and ``liss_version`` for the authentication object;
``jsonrpc_member`` (send ``"jsonrpc": "2.0"``; some old servers want the spec's bare form);
``publish_covers`` (whether the integrator wants Publish and sync from the Covers page);
``sync_past_days`` / ``sync_future_days`` (the dates the admin syncs).
"""

from __future__ import annotations

from typing import Any

from mis_wizard.vendors.base import Requirements

LISS_VERSION = 10002
"""1.0.2, as major + two-digit minor + two-digit release (liss.md)."""

DEFAULT_REQUIREMENTS: dict[str, Any] = {
    "user_agent": "MISWizard", "liss_version": LISS_VERSION, "jsonrpc_member": True,
    "publish_covers": True, "sync_past_days": 1, "sync_future_days": 14,
}


def user_agent(requirements: Requirements) -> str:
    return str(requirements.get("user_agent", DEFAULT_REQUIREMENTS["user_agent"]))


def liss_version(requirements: Requirements) -> int:
    return int(requirements.get("liss_version", LISS_VERSION))


def jsonrpc_member(requirements: Requirements) -> bool:
    return bool(requirements.get("jsonrpc_member", True))


def publish_covers(requirements: Requirements) -> bool:
    return bool(requirements.get("publish_covers", True))


def sync_days(requirements: Requirements) -> tuple[Any, Any]:
    """(days before today, days after today) the admin syncs."""
    return requirements.get("sync_past_days", 1), requirements.get("sync_future_days", 14)
