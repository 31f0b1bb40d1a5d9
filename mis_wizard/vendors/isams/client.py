"""Live access to iSAMS: the layered key checks and the record streams.

Each Batch key is checked with two requests sent together: one naming the profile's methods in
``MethodsToRun`` (iSAMS answers 401 for an unknown key and 403 naming the methods not ticked on
it), and one naming every other known method, whose 403 lists the ones *not* ticked, so the rest
are ticked but unwanted. That second request costs a few bytes where asking for everything would
return every dataset on the key. All keys and the REST client run at once and report as they finish.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from mis_wizard.vendors.base import CONNECTION, CheckResult, Layer, Status, Timer
from mis_wizard.vendors.errors import BULK_REPLY, SMALL_REPLY, FailureKind, VendorError, classify_status
from mis_wizard.vendors.isams import rest
from mis_wizard.vendors.isams.records import READERS
from mis_wizard.vendors.isams.replies import BatchReply, Redactor, admin_ui, batch_failure, network_failure
from mis_wizard.vendors.isams.requirements import batch_keys, rest_wanted
from mis_wizard.vendors.isams.wire import BATCH_PATH, METHODS, filters_document, method_label
from mis_wizard.vendors.streams import merged

if TYPE_CHECKING:  # the connector signature's types
    from mis_wizard.vendors.base import Context, Credentials, Record, Requirements


def base_url(credentials: Credentials) -> str:
    return str(credentials.get("base_url") or "").strip().rstrip("/")


def bare_key(value: object) -> str:
    """A Batch key as iSAMS expects it: the GUID, whether the admin copied it with braces or not."""
    return str(value or "").strip().strip("{}").strip()


def secrets_of(credentials: Credentials) -> list[str]:
    found: list[str] = []
    for value in credentials.values():
        if isinstance(value, Mapping):
            found.extend(str(v) for k, v in value.items() if k in ("api_key", "client_secret") and v)
    return found + [bare_key(s) for s in found]


class IsamsConnector:
    """The Connector for iSAMS (see base.Connector)."""

    async def check(self, ctx: Context, credentials: Credentials,
                    requirements: Requirements) -> AsyncIterator[CheckResult]:
        redact = Redactor(secrets_of(credentials))
        base = base_url(credentials)
        keys = batch_keys(requirements)
        probe = await _probe(ctx, base, redact)
        yield probe
        if probe.status is Status.FAILED:
            for key_id, spec in keys.items():
                yield CheckResult(key_id, f"{spec['label']} accepted", Layer.AUTHENTICATE, Status.SKIPPED,
                                  "isams.skipped", "Not checked: the iSAMS address must work first.")
            return
        checks = []
        seen: dict[str, BatchReply] = {}
        for key_id, spec in keys.items():
            values = credentials.get(key_id) or {}
            api_key = bare_key(values.get("api_key") if isinstance(values, Mapping) else "")
            if not api_key:
                if spec["required"]:
                    yield CheckResult(key_id, f"{spec['label']} given", Layer.FORM, Status.FAILED,
                                      "isams.key_missing", f"No {spec['label']} was given.",
                                      f"Copy the {spec['label']} from {admin_ui()} into the wizard.")
                continue
            checks.append(_check_batch_key(ctx, base, key_id, spec, api_key, requirements, redact, seen))
        if rest_wanted(requirements):
            checks.append(rest.check(ctx, base, credentials.get("rest") or {}, requirements, redact))
        async for result in merged(checks):
            yield result
        for result in _looks_filtered(seen, requirements):
            yield result

    async def stream(self, ctx: Context, credentials: Credentials, requirements: Requirements,
                     entity: str) -> AsyncIterator[Record]:
        """One Batch request naming only the entity's methods (MethodsToRun); a Batch request names
        methods, not fields (isams.md), so ``ctx.fields`` narrows nothing further
        (tests/vendors/isams/test_requests_narrowed.py)."""
        redact = Redactor(secrets_of(credentials))
        base = base_url(credentials)
        if entity == "registration":
            async for row in rest.stream_registration(ctx, base, credentials.get("rest") or {}, requirements,
                                                      redact):
                yield row
            return
        if entity not in READERS:
            raise VendorError("isams.unknown_entity", f"iSAMS has no records of kind {entity!r}.",
                              kind=FailureKind.BUG)
        reader = READERS[entity]
        key_id, methods = _key_for(requirements, reader.methods, entity)
        values = credentials.get(key_id) or {}
        api_key = bare_key(values.get("api_key") if isinstance(values, Mapping) else "")
        label = batch_keys(requirements)[key_id]["label"]
        reply = await _batch(ctx, base, api_key, requirements,
                             filters_document(methods, _contact_filter(requirements, methods)))
        if reply.status != 200 or not reply.readable:
            failure = batch_failure(reply, label, methods, redact)
            raise VendorError(failure.code, failure.message, failure.remedy, failure.kind, failure.detail)
        rows = list(reader.read(reply.tree()))
        ctx.page_done(entity, len(rows))
        for row in rows:
            yield row


def _key_for(requirements: Requirements, wanted: tuple[str, ...], entity: str) -> tuple[str, list[str]]:
    """The profile's key that carries an entity's methods, and which of them to run."""
    for key_id, spec in batch_keys(requirements).items():
        methods = [m for m in spec["methods"] if m in wanted]
        if methods:
            return key_id, methods
    names = ", ".join(method_label(m) for m in wanted)
    raise VendorError("isams.no_key_for_entity", f"This profile asks for no key with {names}, so there are "
                      f"no {entity} to read.", "Ask the integrator for a profile that includes it.")


def _contact_filter(requirements: Requirements, methods: list[str]) -> str:
    """The documented Contacts filter for the profile's contact types (Mother, Father…)."""
    if "Pupil_GetContacts" not in methods:
        return ""
    types = ",".join(str(t) for t in requirements.get("contact_types") or [])
    return f'<StudentManager><Contacts ContactTypes="{_attr(types)}"/></StudentManager>' if types else ""


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


async def _probe(ctx: Context, base: str, redact: Redactor) -> CheckResult:
    """Is there an iSAMS Batch API at this address? Asked without a key, iSAMS answers with its
    own error document, which no other web server sends."""
    check = "iSAMS address"
    with Timer() as t:
        for _attempt in range(2):  # a reply garbled on the way is asked for once more
            try:
                response = await ctx.http.get(base + BATCH_PATH.format(fmt="xml"), extensions=SMALL_REPLY)
            except Exception as exc:  # every network failure becomes a result, never an escape
                code, failure = network_failure(exc)
                return CheckResult(CONNECTION, check, Layer.REACH, Status.FAILED, code, failure.message,
                                   failure.remedy, redact(f"{type(exc).__name__}: {exc}"), t.ms)
            reply = BatchReply.of(response)
            if reply.message is not None:
                break
    if reply.message is not None:
        return CheckResult(CONNECTION, check, Layer.REACH, Status.OK, "isams.address_ok",
                           "This address answers as iSAMS.", elapsed_ms=t.ms)
    if response.status_code in (429, 502, 503, 504):
        failure = classify_status(response.status_code)
        return CheckResult(CONNECTION, check, Layer.REACH, Status.FAILED, "isams.server_busy", failure.message,
                           failure.remedy, f"HTTP {response.status_code}", t.ms)
    return CheckResult(
        CONNECTION, check, Layer.REACH, Status.FAILED, "isams.address_not_isams",
        "Something answered at this address, but it is not the iSAMS API.",
        "Use the address you open iSAMS at: https://<school>.isams.cloud when iSAMS hosts it, or your own iSAMS "
        "server name when the school hosts it, with nothing after the name (no /Main/… page).",
        f"HTTP {response.status_code}, {response.headers.get('content-type', 'no content type')}", t.ms)


async def _batch(ctx: Context, base: str, api_key: str, requirements: Requirements, body: bytes) -> BatchReply:
    """POST to the Batch endpoint; a body that cannot be read is asked for once more (a proxy
    that garbled it once usually does not twice)."""
    fmt = "json" if requirements.get("batch_format") == "json" else "xml"
    url = base + BATCH_PATH.format(fmt=fmt)
    reply = BatchReply.unreadable()
    for _attempt in range(2):
        response = await ctx.http.post(url, params={"apiKey": api_key}, content=body,
                                       headers={"Content-Type": "application/xml"}, extensions=BULK_REPLY)
        reply = BatchReply.of(response)
        if reply.readable:
            return reply
    return reply


async def _check_batch_key(ctx: Context, base: str, key_id: str, spec: Mapping[str, Any], api_key: str,
                           requirements: Requirements, redact: Redactor,
                           seen: dict[str, BatchReply] | None = None) -> AsyncIterator[CheckResult]:
    label, methods = spec["label"], list(spec["methods"])
    wanted = {m.lower() for m in methods}
    others = [m for m in METHODS if m.lower() not in wanted]
    with Timer() as t:
        run, probe_others = await asyncio.gather(
            _batch(ctx, base, api_key, requirements, filters_document(methods, _contact_filter(requirements, methods))),
            _batch(ctx, base, api_key, requirements, filters_document(others)), return_exceptions=True)
    if isinstance(run, BaseException):
        code, network = network_failure(run)
        yield CheckResult(key_id, f"{label} reached", Layer.REACH, Status.FAILED, code, network.message,
                          network.remedy, redact(f"{type(run).__name__}: {run}"), t.ms)
        return
    accepted = run.readable and (run.status == 200 or (
        run.status == 403 and run.message_id == "MethodsNotAllocatedToKeyException"))
    if not accepted:
        failure = batch_failure(run, label, methods, redact)
        yield CheckResult(key_id, failure.check, failure.layer, Status.FAILED, failure.code, failure.message,
                          failure.remedy, failure.detail, t.ms)
        return
    yield CheckResult(key_id, f"{label} accepted", Layer.AUTHENTICATE, Status.OK, "isams.key_ok",
                      f"iSAMS accepted the {label}.", elapsed_ms=t.ms)
    if run.status == 403:
        failure = batch_failure(run, label, methods, redact)
        yield CheckResult(key_id, failure.check, failure.layer, Status.FAILED, failure.code, failure.message,
                          failure.remedy, failure.detail, t.ms)
    else:
        yield CheckResult(key_id, f"{label} batch methods", Layer.AUTHORISE, Status.OK, "isams.methods_ok",
                          f"Every batch method the integrator needs is ticked on the {label}.", elapsed_ms=t.ms)
    extra = _extra_methods(probe_others, others)
    if extra:
        failing = requirements.get("extra_methods") == "failure"
        names = "; ".join(method_label(m) for m in extra)
        yield CheckResult(
            key_id, f"{label} extra methods", Layer.AUTHORISE, Status.FAILED if failing else Status.WARNING,
            "isams.methods_extra",
            f"The {label} has batch methods ticked that the integrator did not ask for: {names}.",
            f"In {admin_ui()}, click Edit on the {label}, open the Batch Methods tab, untick {names}, "
            "then Save & Close. Leave custom fields unticked too.",
            "extra: " + ", ".join(extra), t.ms)
    if run.status == 200 and run.counts is not None:
        if seen is not None:
            seen[key_id] = run
        count = sum(run.counts.get(m, 0) for m in methods)
        if count:
            yield CheckResult(key_id, f"{label} sample", Layer.SAMPLE, Status.OK, "isams.sample_ok",
                              f"The {label} returned {count} records, from its cache ({CACHE}).", elapsed_ms=t.ms)
        else:
            yield CheckResult(
                key_id, f"{label} sample", Layer.SAMPLE, Status.WARNING, "isams.sample_empty",
                f"The {label} works but returned no records.",
                "Check in iSAMS that these records exist, and that no filter is set on the key's batch methods (a "
                "filter silently cuts what a key returns). A key serves cached data (API Key Cache Expiry on the Key "
                "Properties tab, 24 hours by default): if you have just added them, lower it and check again later.",
                elapsed_ms=t.ms)


CACHE = "up to 24 hours old unless the school lowered the key's API Key Cache Expiry"
"""The cache setting cannot be read through the Batch API, so checks say what it means (FACTS)."""
FILTER_REMEDY = ("In Control Panel > API Services Manager > Manage Batch API Keys, click Edit on the {label} and check "
                 "whether filters are set on its batch methods (schools can set them, and they silently cut what the "
                 "key returns); remove any the integrator did not ask for, or ask iSAMS support where they are. The "
                 "key also serves a cache (API Key Cache Expiry on the Key Properties tab, 24 hours by default): "
                 "lower it, or wait, before checking a change again.")


def _looks_filtered(seen: Mapping[str, BatchReply], requirements: Requirements) -> list[CheckResult]:
    """Counts that look cut by a filter on a key (inferred, see FACTS): a year group with teaching
    sets but no current pupils, or set lists naming many pupils the pupils key did not return."""
    def rows(entity: str) -> tuple[list[dict[str, Any]] | None, str]:
        try:
            key_id, _ = _key_for(requirements, READERS[entity].methods, entity)
        except VendorError:
            return None, ""
        reply = seen.get(key_id)
        if reply is None:
            return None, key_id
        try:
            return list(READERS[entity].read(reply.tree())), key_id
        except Exception:  # a reply the sample check already judged; never fail the check here
            return None, key_id

    pupils, pupils_key = rows("students")
    if not pupils:
        return []
    label = batch_keys(requirements)[pupils_key]["label"]
    current = {str(p.get("SchoolId") or "") for p in pupils}
    years = {str(p.get("NCYear") or "") for p in pupils}
    said: list[str] = []
    details: list[str] = []
    sets, sets_key = rows("classes")
    if sets:
        empty = sorted({str(s.get("@YearId")) for s in sets if s.get("@YearId") not in (None, "")} - years,
                       key=lambda y: (len(y), y))
        if empty:
            sets_label = batch_keys(requirements)[sets_key]["label"]
            which = f"year {empty[0]}" if len(empty) == 1 else f"years {', '.join(empty)}"
            said.append(f"it returned no pupils in {which}, although the {sets_label} has teaching sets for "
                        f"{'it' if len(empty) == 1 else 'them'}")
            details.append(f"years with sets but no pupils: {', '.join(empty)}")
    lists, _lists_key = rows("class_memberships")
    if lists:
        missing = {str(m.get("SchoolId")) for m in lists if m.get("SchoolId")} - current
        if len(missing) >= max(5, len(current) // 20):
            said.append(f"the set lists name {len(missing)} pupils it did not return (it returned {len(current)})")
            details.append(f"{len(missing)} set-list pupils not among {len(current)} current pupils")
    if not said:
        return []
    return [CheckResult(
        pupils_key, f"{label} complete", Layer.SAMPLE, Status.WARNING, "isams.records_look_filtered",
        f"The {label} may be leaving pupils out through a filter on the key: " + "; and ".join(said) + ".",
        FILTER_REMEDY.format(label=label), "; ".join(details))]


def _extra_methods(reply: BatchReply | BaseException, others: list[str]) -> list[str]:
    """Which of ``others`` are ticked on the key: those the 403 does not list as not allocated
    (or all of them, when iSAMS ran them all). Nothing when the reply says neither."""
    if not isinstance(reply, BatchReply):
        return []
    if reply.status == 403 and reply.message_id == "MethodsNotAllocatedToKeyException" and reply.message:
        refused = {m.lower() for m in reply.message.methods_named()}
        return sorted(m for m in others if m.lower() not in refused)
    if reply.status == 200 and reply.counts is not None:
        return sorted(m for m in others if m in reply.counts)
    return []
