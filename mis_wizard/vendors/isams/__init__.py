"""iSAMS (UK): Batch API keys, one per purpose with exactly its batch methods, plus an optional
REST client for real-time registration.

Requirements this package reads (``[systems.isams]`` in a profile; defaults below ask for all):

* ``batch_keys``: ``{key id: {"label", "methods": [Batch method names], "required", "purpose"}}``;
* ``extra_methods``: ``"warning"`` or ``"failure"`` when a key has methods ticked the profile does
  not list;
* ``rest``: ``{"wanted": bool, "registers": ["AM", "PM"]}`` — one register ID field per entry;
* ``contact_types`` (sent as the Contacts filter) and ``mail_merge`` (told to the admin);
* ``integrator`` and ``product``: what the admin types when requesting the keys;
* ``batch_format``: ``"xml"`` (xml.ashx, documented) or ``"json"`` (json.ashx).

Method names for Contacts, Sets, Set Lists and Medical are not published (see wire.METHODS):
they are profile data, so an integrator who knows them can correct them without code.
"""

from __future__ import annotations

from collections.abc import Mapping

from mis_wizard.vendors.base import Field, FieldKind, KeySet, Requirements, vendor_spec
from mis_wizard.vendors.isams.records import ENTITIES
from mis_wizard.vendors.isams.requirements import DEFAULT_REQUIREMENTS, batch_keys, rest_wanted
from mis_wizard.vendors.isams.wire import method_label
from mis_wizard.vendors.privacy import PrivacyClass

FACTS: tuple[tuple[str, str, str], ...] = (
    ("A Batch request lacking a parameter answers a Message document with MessageId MissingParameter whose "
     "Description names it (\"Missing Field: apiKey\"); apiKey missing or malformed gives exactly that.",
     "confirmed", "isams.md, Batch errors (O S9)"),
    ("MissingParameter comes with HTTP 400.", "inferred", "isams.md gives no status for it"),
    ("A contact's parental responsibility reads Yes or No only when the school changed the contact's drop-down "
     "from its default; otherwise it reads Default, meaning the default of the contact's type (Control Panel "
     "Contact Types). The value is passed on as iSAMS sends it, never guessed.", "confirmed",
     "isams.md, Contact (D S1); developer.isams.com Batch API FAQs, 'Clarification for interpretation of the "
     "iSAMS parental responsibility field'"),
    ("That value sits in a ParentalResponsibility element of each Contacts/Pupils/Pupil link.", "inferred",
     "isams.md documents the values, not the element name"),
    ("A Contact's Title and a link's RelationType, Priority and MailMerge flags are read when present; no source "
     "shows these element names, so they come out blank when absent and nothing depends on them.", "inferred",
     "isams.md, Contact: 'Not confirmed from any source'"),
    ("REST register rows carry schoolId, registrationPeriodId, registrationDate, registered and code.",
     "inferred", "isams.md gives the register path and that rows have no id or times, not the field names"),
    ("Each Batch key serves its data from a per-key cache, API Key Cache Expiry on the Key Properties tab, "
     "default 24 hours: a change in iSAMS may not show until it expires. The setting cannot be read through the "
     "Batch API, so checks name it rather than show it.", "confirmed",
     "isams.md, Batch cache (D S1 S2 S8); Batch API FAQs 'How often does the Batch XML feed update?'"),
    ("Schools can set filters on a Batch key for many methods, and they silently cut what the key returns.",
     "confirmed", "Batch API FAQs, 'Why am I not getting as many records being returned as I expected?' (S1)"),
    ("Record counts look filtered when a year group that has teaching sets has no current pupils, or when set "
     "lists name more pupils than the current pupils list holds.", "inferred",
     "our reading of the FAQ above; iSAMS does not say how to detect a key filter"),
)
"""(fact, confirmed/inferred, where from) for what the connector relies on."""

GUID_PATTERN = r"\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?"

BASE_URL = Field(
    "base_url", "iSAMS address", FieldKind.URL, privacy=PrivacyClass.CONFIGURATION, example="https://yourschool.isams.cloud",
    format_hint="the address you open iSAMS at, such as https://yourschool.isams.cloud",
    help="The address of your iSAMS: https://<school>.isams.cloud when iSAMS hosts it, or your own "
         "server's name (for example https://isams.yourschool.org.uk) when the school hosts it.")


def _api_key_field(label: str) -> Field:
    return Field(
        "api_key", f"{label} API key", FieldKind.SECRET, pattern=GUID_PATTERN,
        format_hint="a key of 32 letters and digits in five groups, such as "
                    "1A2B3C4D-0000-1111-2222-333344445555 (with or without { })",
        help="Control Panel > API Services Manager > Manage Batch API Keys: click Edit on this key and copy "
             "the API Key reference.")


def key_sets(requirements: Requirements) -> tuple[KeySet, ...]:
    out = [
        KeySet(key_id, spec["label"], (_api_key_field(spec["label"]),), required=spec["required"],
               purpose=spec["purpose"],
               help="One Batch API key with exactly these batch methods ticked, and no others.",
               details={"methods": list(spec["methods"]),
                        "method_labels": [method_label(m) for m in spec["methods"]]})
        for key_id, spec in batch_keys(requirements).items()
    ]
    if rest_wanted(requirements):
        registers = list((requirements.get("rest") or {}).get("registers") or [])
        fields = [
            Field("client_id", "REST client ID", FieldKind.TEXT, privacy=PrivacyClass.CONFIGURATION,
                  help="The Client ID iSAMS support sent when they enabled the REST API for the integrator."),
            Field("client_secret", "REST client secret", FieldKind.SECRET,
                  help="The Client Secret iSAMS support sent with the Client ID."),
            *(Field(f"{name.lower()}_register_id", f"{name} register ID", FieldKind.CODE,
                    privacy=PrivacyClass.CONFIGURATION, pattern=r"\d+",
                    format_hint="a number", example="1234",
                    help=f"The ID of the register used for {name} registration (Registration Manager); "
                         "iSAMS support can tell you it.")
              for name in registers),
        ]
        out.append(KeySet("rest", "REST API client", tuple(fields), required=False,
                          purpose="Real-time registration marks, read twice a day",
                          help="Optional. Requested from iSAMS support; needed only for attendance updates.",
                          details={"registers": registers}))
    return tuple(out)


def step_values(requirements: Requirements) -> Mapping[str, str]:
    keys = batch_keys(requirements)
    product = str(requirements.get("product") or "")
    lines: list[str] = []
    names: list[str] = []
    for spec in keys.values():
        optional = " (optional)" if not spec["required"] else ""
        ticks = "; ".join(method_label(m) for m in spec["methods"])
        lines.append(f"- [ ] **{spec['label']}**{optional} — name it \"{product} {spec['label']}\"; "
                     f"on the Batch Methods tab tick only: {ticks}")
        names.append(f"> copy: {spec['label']} name = {product} {spec['label']}")
    required = sum(1 for s in keys.values() if s["required"])
    count = str(len(keys)) if required == len(keys) else f"{required} or {len(keys)}"
    rest = requirements.get("rest") or {}
    registers = list(rest.get("registers") or [])
    policy = requirements.get("extra_methods", "warning")
    return {
        "integrator": str(requirements.get("integrator") or ""),
        "product": product,
        "key_count": count,
        "key_list": "\n".join(lines + names),
        "rest": "yes" if rest_wanted(requirements) else "",
        "registers": " and ".join(registers),
        "contact_types": ", ".join(requirements.get("contact_types") or []),
        "mail_merge": ", ".join(requirements.get("mail_merge") or []),
        "extra_methods_effect": "stop the check" if policy == "failure" else "be flagged as a warning",
    }


SPEC = vendor_spec("isams", name="iSAMS", region="UK", connector="IsamsConnector", emulator="IsamsEmulator",
                   summary="iSAMS: one Batch API key per purpose, each with exactly its batch methods; optional "
                           "REST client.",
                   fields=(BASE_URL,), key_sets=key_sets, entities=ENTITIES, step_values=step_values,
                   default_requirements=DEFAULT_REQUIREMENTS)
