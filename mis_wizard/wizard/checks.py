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
