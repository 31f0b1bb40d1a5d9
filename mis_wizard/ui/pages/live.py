"""Reading the school's records for the mapping, preview and report pages, off the GUI thread.

Each read runs on the background loop (ui/async_runner.py) with the app's one HTTP client, made
inside that loop, from a snapshot of the open session taken on the GUI thread: the resolved
credentials, the requirements and the profile. A page compares the snapshot's ``key`` with the
session's when results arrive, so records read for another session or older keys are dropped.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject

from mis_wizard.ui.async_runner import QueryOp
from mis_wizard.ui.context import WizardContext
from mis_wizard.vendors.base import Context, VendorSpec
from mis_wizard.vendors.errors import classify_exception
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping import filters as filtering
from mis_wizard.wizard.mapping.preview import PreviewError
from mis_wizard.wizard.mapping.schema import Target
from mis_wizard.wizard.profile import Profile
from mis_wizard.wizard.redact import redact


def relevant_targets(ctx: WizardContext) -> dict[str, Target]:
    """The profile's targets whose entity the chosen system has: the rest could never be filled."""
    spec = ctx.spec
    if spec is None:
        return {}
    have = {e.id for e in spec.entities}
    return {name: t for name, t in ctx.profile.target_schema.items() if t.entity in have}


def read_key(ctx: WizardContext) -> str:
    """What the records read depend on: the session, its keys as saved (secret references, never
    values) and when they were last checked, since a fixed key is checked again before going on."""
    session = ctx.session
    if session is None:
        return ""
    return json.dumps([session.id, session.system, session.credentials, session.checks.get("checked_at", "")],
                      sort_keys=True, default=str)


def mapping_key(ctx: WizardContext) -> str:
    """What the mapping step is done for: the records read with these keys, mapped to this
    profile's targets. Saved (as a hash) with the session, so a restart remembers it."""
    return read_key(ctx) + json.dumps(ctx.profile.ref)


def mapped_key(ctx: WizardContext) -> str:
    """What the preview and the whole-school check are done for: these keys and this mapping, so
    a changed mapping means they are to be run again."""
    session = ctx.session
    mapping = session.mapping if session is not None else {}
    return read_key(ctx) + json.dumps(mapping, sort_keys=True)


def saved_status(fact: dict[str, Any]) -> str:
    """The status a saved step ended in ("done" or "attention")."""
    return "attention" if fact.get("status") == "attention" else "done"


def failure_text(exc: BaseException) -> str:
    """An exception as the admin reads it: what went wrong and what to do, with no secret in it."""
    if isinstance(exc, PreviewError):
        return str(exc)
    failure = classify_exception(exc)
    return redact(" ".join(part for part in (failure.message, failure.remedy) if part))


@dataclasses.dataclass(frozen=True)
class Live:
    """Everything a background read needs, captured on the GUI thread."""

    spec: VendorSpec
    profile: Profile
    credentials: dict[str, Any]
    requirements: dict[str, Any]
    key: str
    allow_http: bool
    extra_ca: Any

    @classmethod
    def of(cls, ctx: WizardContext, targets: dict[str, Target] | None = None) -> Live | None:
        """The open session's snapshot; with ``targets``, a profile cut down to those targets and to
        the filters on entities the system has, so a report does not list what cannot exist."""
        session, spec = ctx.session, ctx.spec
        if session is None or spec is None:
            return None
        profile = ctx.profile
        if targets is not None:
            have = {e.id for e in spec.entities}
            specs = filtering.specs(profile.filters)
            filters = [f for f, s in zip(profile.filters, specs, strict=True) if s.entity in have]
            profile = profile.narrowed(targets, filters)
        return cls(spec, profile, session.resolved_credentials(ctx.secrets), ctx.requirements(), read_key(ctx),
                   ctx.profile.allow_plain_http, getattr(ctx.sandbox, "cert_path", None))

    def run(self, parent: QObject, work: Callable[[Context], Awaitable[Any]], success: Callable[[Any], None],
            failure: Callable[[BaseException], None]) -> QueryOp[Any]:
        """``work(ctx)`` once, its value to ``success`` on the GUI thread."""
        async def once() -> Any:
            async with build_client(allow_plain_http=self.allow_http, extra_ca=self.extra_ca) as http:
                return await work(Context(http=http))

        return QueryOp(parent=parent, op=once, success=success).failure(failure).run_in_background()

    def stream(self, parent: QObject, work: Callable[[Context], AsyncIterator[Any]], item: Callable[[Any], None],
               success: Callable[[Any], None], failure: Callable[[BaseException], None]) -> QueryOp[Any]:
        """Each item ``work(ctx)`` yields to ``item`` on the GUI thread as it arrives."""
        async def each() -> AsyncIterator[Any]:
            async with build_client(allow_plain_http=self.allow_http, extra_ca=self.extra_ca) as http:
                async for value in work(Context(http=http)):
                    yield value

        return QueryOp(parent=parent, op=each, success=success).failure(failure).with_progress(item) \
            .run_in_background()

