"""What an iSAMS Batch reply means for the admin: one place that turns status and MessageId into
a stable code, a plain message and a remedy naming the screen in iSAMS.

iSAMS documents few of its refusals (see the fact sheet): 401 InvalidApiKey and 403
MethodsNotAllocatedToKeyException are known; deadlocks come back as 500 UnhandledException
with "Rerun the transaction", which the shared HTTP client has already retried by the time a
reply reaches here; throttling is undocumented, so a 429 or any MessageId about throttling is
read as the key's throttle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from mis_wizard.vendors.base import Layer
from mis_wizard.vendors.errors import Failure, FailureKind, classify_status, reach_failure
from mis_wizard.vendors.isams.wire import Message, Tree, dataset_counts, method_label, parse_document, parse_message

_MANAGER = "Control Panel > API Services Manager > Manage Batch API Keys"
_SUPPORT = "raise a ticket with iSAMS support from your iSAMS portal (or helpdesk@isams.com)"


def admin_ui() -> str:
    """Where Batch keys live in iSAMS."""
    return f"iSAMS {_MANAGER}"


class Redactor:
    """Masks every secret in text meant for a result or an error (longest first, so a key's
    bare GUID inside its braced form is masked whole)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "•••")
            text = text.replace(secret.lower(), "•••").replace(secret.upper(), "•••")
        return text


REACH_NAMES = {"unexpected_answer": "connection_dropped"}
"""iSAMS's names for the shared reach table's suffixes (errors.REACH_TABLE)."""


def network_failure(exc: BaseException) -> tuple[str, Failure]:
    """A network failure's code (unreachable = the admin must fix something; dropped = try again)
    with the shared wording from the failure table."""
    reach = reach_failure(exc, "isams", REACH_NAMES)
    return reach.code, reach.failure


@dataclass(frozen=True)
class BatchReply:
    """A Batch reply, read only as far as a check needs (which datasets, how many items); the
    records themselves are built on demand with ``tree()``."""

    status: int
    body: bytes
    counts: dict[str, int] | None
    """{method: items} of a readable 200 reply, else None."""
    message: Message | None
    content_type: str = ""

    @property
    def readable(self) -> bool:
        return self.status != 200 or self.counts is not None or self.message is not None

    @property
    def message_id(self) -> str:
        return self.message.message_id if self.message else ""

    def tree(self) -> Tree:
        return parse_document(self.body)

    @classmethod
    def of(cls, response: httpx.Response) -> BatchReply:
        content_type = response.headers.get("content-type", "")
        body = response.content
        if response.status_code != 200:
            return cls(response.status_code, body, None, parse_message(body), content_type)
        try:
            return cls(200, body, dataset_counts(body), None, content_type)
        except ValueError:
            # iSAMS may answer a refusal with 200 and an error document; anything else is garbled.
            return cls(200, body, None, parse_message(body), content_type)

    @classmethod
    def unreadable(cls) -> BatchReply:
        return cls(200, b"", None, None)


@dataclass(frozen=True)
class BatchFailure:
    check: str
    layer: Layer
    code: str
    message: str
    remedy: str
    detail: str
    kind: FailureKind


def missing_parameter(description: str) -> str:
    """The parameter a MissingParameter message names ("Missing Field: apiKey"), or blank."""
    found = re.search(r"missing\s+(?:field|parameter)\s*:?\s*([A-Za-z_][\w.]*)", description, re.IGNORECASE)
    return found.group(1) if found else ""


def _missing_methods(reply: BatchReply, wanted: list[str]) -> list[str]:
    """Map the lower-cased names iSAMS lists back to the profile's spelling."""
    by_lower = {m.lower(): m for m in wanted}
    named = reply.message.methods_named() if reply.message else []
    return [by_lower.get(n.lower(), n) for n in named] or wanted


def batch_failure(reply: BatchReply, label: str, methods: list[str], redact: Redactor) -> BatchFailure:
    """Why a Batch request for ``label`` did not return data."""
    message = reply.message
    detail = redact(f"HTTP {reply.status} {reply.message_id}: {message.description}" if message
                    else f"HTTP {reply.status} {reply.content_type}")
    lowered = reply.message_id.lower()
    if not reply.readable:
        return BatchFailure(f"{label} reply", Layer.SAMPLE, "isams.response_unreadable",
                            f"iSAMS answered for the {label}, but the answer could not be read, twice.",
                            "Try again in a few minutes. If it keeps happening, a proxy or filter on the school "
                            "network may be changing the replies: ask your network admin, or send the support "
                            "report to the integrator.", detail, FailureKind.TRANSIENT)
    if reply.status == 401 or lowered == "invalidapikey":
        return BatchFailure(
            f"{label} accepted", Layer.AUTHENTICATE, "isams.key_invalid",
            f"iSAMS did not accept the {label}: it is unknown, inactive or deleted.",
            f"In {admin_ui()}, click Edit on the {label}: check API Key State is Active on the Key Properties tab, "
            f"then copy the API Key reference again and paste it into the wizard's {label} box.",
            detail, FailureKind.CONFIG)
    if reply.status == 429 or "throttl" in lowered:
        return BatchFailure(
            f"{label} throttling", Layer.AUTHORISE, "isams.key_throttled",
            f"iSAMS is refusing the {label} for now: it has used up its allowed number of requests.",
            f"In {admin_ui()}, click Edit on the {label} and open the Key Throttling tab: raise the limit (for "
            "example 100 requests per hour) or remove the key's own rule so the school's rule applies, then "
            "Save & Close and check again after the throttling period.", detail, FailureKind.CONFIG)
    if reply.status == 403 and lowered == "methodsnotallocatedtokeyexception":
        missing = _missing_methods(reply, methods)
        names = "; ".join(method_label(m) for m in missing)
        return BatchFailure(
            f"{label} batch methods", Layer.AUTHORISE, "isams.methods_missing",
            f"The {label} works, but these batch methods are not ticked on it: {names}.",
            f"In {admin_ui()}, click Edit on the {label}, open the Batch Methods tab and tick {names}; "
            "then Save & Close.", redact(f"missing: {', '.join(missing)}"), FailureKind.CONFIG)
    if lowered == "filtersrequiredexception":
        return BatchFailure(
            f"{label} batch methods", Layer.AUTHORISE, "isams.filters_required",
            f"iSAMS needs a filter for one of the {label}'s methods, and the wizard sent none.",
            "Send the support report to the integrator: their profile names a method that needs a filter.",
            detail, FailureKind.BUG)
    if reply.status >= 500 and message is not None and message.is_deadlock:
        return BatchFailure(
            f"{label} reply", Layer.SAMPLE, "isams.server_busy",
            f"iSAMS was too busy to answer for the {label} (its database was locked), even after retrying.",
            f"Try again in a few minutes, outside busy times such as registration. If it keeps happening, {_SUPPORT}.",
            detail, FailureKind.TRANSIENT)
    if reply.status >= 500 and message is not None:
        return BatchFailure(
            f"{label} reply", Layer.SAMPLE, "isams.server_error",
            f"iSAMS had an error answering for the {label}: \"{redact(message.description) or message.title}\".",
            f"This is on the iSAMS side, not in your settings: {_SUPPORT}, quoting the key name ({label}) and the "
            "time of the check.", detail, FailureKind.CONFIG)
    if lowered == "missingparameter" or (reply.status == 400 and message is not None):
        param = missing_parameter(message.description if message else "")
        if param.lower() == "apikey":
            return BatchFailure(
                f"{label} accepted", Layer.AUTHENTICATE, "isams.parameter_missing",
                f"iSAMS says the request for the {label} has no usable apiKey: the key is missing or not in "
                "the right form.",
                f"In {admin_ui()}, click Edit on the {label}, copy the API Key reference again (all of it, with "
                f"its hyphens) and paste it into the wizard's {label} box.", detail, FailureKind.CONFIG)
        said = redact(message.description or message.title) if message else ""
        return BatchFailure(
            f"{label} reply", Layer.AUTHORISE, "isams.parameter_missing",
            f"iSAMS says the request for the {label} is missing the {param} parameter." if param else
            f"iSAMS refused the request for the {label}: \"{said}\".",
            "Send the support report to the integrator: the wizard's request lacked something iSAMS needs.",
            detail, FailureKind.BUG)
    failure = classify_status(reply.status)
    code = "isams.server_busy" if failure.kind is FailureKind.TRANSIENT else "isams.unexpected_reply"
    return BatchFailure(f"{label} reply", Layer.AUTHENTICATE, code, failure.message, failure.remedy, detail,
                        failure.kind)
