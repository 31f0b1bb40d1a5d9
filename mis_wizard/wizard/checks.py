"""Running a system's checks: the form layer here, then the connector's live layers.

Results stream to the caller as each finishes, so the GUI can show each key's result the
moment it is known and the CLI can print as it goes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from mis_wizard.vendors.base import CONNECTION, CheckResult, Context, Layer, Status, VendorSpec, form_results
from mis_wizard.vendors.errors import classify_exception


async def run(spec: VendorSpec, ctx: Context, credentials: dict[str, Any],
              requirements: dict[str, Any]) -> AsyncIterator[CheckResult]:
    form = form_results(spec, credentials, requirements)
    for result in form:
        yield result
    if any(r.key == CONNECTION for r in form):
        yield CheckResult(CONNECTION, "Live check", Layer.REACH, Status.SKIPPED, f"{spec.id}.live_check_skipped",
                          "The live check did not run because the connection details above need fixing first.",
                          "Correct the fields marked above, then run the check again.")
        return
    if spec.connector is None:
        yield CheckResult(CONNECTION, "Live check", Layer.REACH, Status.SKIPPED, f"{spec.id}.live_check_unavailable",
                          f"The live check for {spec.name} is not available in this version of the wizard yet. "
                          "The format of every value was checked.",
                          "Send the bundle to the integrator; they will test the keys.")
        return
    bad_keys = {r.key for r in form}
    live_credentials = {k: v for k, v in credentials.items() if k not in bad_keys}
    try:
        async for result in spec.connector().check(ctx, live_credentials, requirements):
            if result.key not in bad_keys:
                yield result
    except Exception as exc:  # a connector bug must still end as a readable result
        failure = classify_exception(exc)
        yield CheckResult(CONNECTION, "Live check", Layer.REACH, Status.FAILED, f"{spec.id}.check_error",
                          failure.message, failure.remedy, detail=type(exc).__name__)


def summary(results: list[CheckResult]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for r in results:
        counts[r.status.value] += 1
    return counts


def passed(results: list[CheckResult]) -> bool:
    return not any(r.status is Status.FAILED for r in results)


# what a saved check still says -------------------------------------------------------------

CHECK_FRESH, CHECK_NONE, CHECK_FAILED, CHECK_CHANGED, CHECK_KEYS_GONE = "ok", "none", "failed", "changed", "keys_gone"


def new_salt() -> str:
    import secrets

    return secrets.token_hex(16)


def credentials_digest(credentials: dict[str, Any], salt: str) -> str:
    """A salted hash of the checked values, to tell later whether they are still the same.

    Only the hash is kept (never the values); the salt is random per check, so the hash cannot be
    compared with a list of likely keys made for another session."""
    import hashlib
    import json

    data = json.dumps(credentials, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.blake2b(data, key=bytes.fromhex(salt)[:64], digest_size=32).hexdigest()


def record(results: list[CheckResult], credentials: dict[str, Any], checked_at: str) -> dict[str, Any]:
    """What a session keeps of a check: when, the results, and the digest of the values checked."""
    salt = new_salt()
    return {"checked_at": checked_at, "results": [r.to_json() for r in results], "salt": salt,
            "digest": credentials_digest(credentials, salt)}


def missing_secrets(stored: dict[str, Any], secrets: Any) -> list[str]:
    """The names of secret values the session refers to that this computer no longer holds
    (not in the credential store, not in memory): after a restart without a usable store."""
    from mis_wizard.wizard.secret_store import is_ref

    gone: list[str] = []

    def walk(value: Any, name: str) -> None:
        if is_ref(value):
            if not secrets.get(value):
                gone.append(name)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{name}.{k}" if name else str(k))

    walk(stored, "")
    return gone


def check_state(checks: dict[str, Any], stored: dict[str, Any], secrets: Any) -> tuple[str, str]:
    """What the last check says now, from facts: (state, a plain sentence for the admin).

    "ok" only while every key it checked is still held and unchanged."""
    from mis_wizard.wizard.session import resolve_refs

    results = checks.get("results") or []
    if missing_secrets(stored, secrets):
        return CHECK_KEYS_GONE, ("The keys for this setup are no longer held on this computer (they are kept only "
                                 "in its credential store, or in memory while the wizard runs). Enter the keys "
                                 "again on the Enter the keys page, then run the check.")
    if not results:
        return CHECK_NONE, "Not checked yet. Press Run the check when the keys are entered."
    salt, digest = checks.get("salt"), checks.get("digest")
    current = resolve_refs(stored, secrets)
    if not (isinstance(salt, str) and isinstance(digest, str)) or credentials_digest(current, salt) != digest:
        return CHECK_CHANGED, "The keys changed after the last check. Run the check again."
    if any(r.get("status") == Status.FAILED.value for r in results):
        return CHECK_FAILED, "Some keys need fixing: see the red results below."
    return CHECK_FRESH, ""
