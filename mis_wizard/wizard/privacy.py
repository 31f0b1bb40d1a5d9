"""The one masking rule for screen-share safe mode, used by every widget, screenshot and report.

``shown(value, cls, safe)`` is what a screen may show of a value of a privacy class
(vendors/privacy.py). With safe mode on, a secret never appears, not even its length; personal
and sensitive values keep their shape, so a support engineer watching can still see that a date
is in the wrong format or an e-mail has no domain; structural and configuration values are shown.
The shape has exactly as many characters as the value, so an input can show it while the admin
types (ui/widgets/secret_edit.ShapedLineEdit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mis_wizard.vendors.concepts import PREFIX, PRIVACY
from mis_wizard.vendors.privacy import PrivacyClass, most_restrictive, or_personal

from .mapping.canonical import NATURAL_KEYS, RAW
from .mapping.rules import rule_sources

if TYPE_CHECKING:
    from mis_wizard.vendors.base import Entity, Field

    from .mapping.rules import Rule
    from .mapping.schema import Target

DOT = "•"
DIGIT = "#"
SECRET_SHOWN = DOT * 8
"""A secret's stand-in: always the same length, so not even its length shows."""

_DATE = re.compile(r"^\s*\d{1,4}([-/.])\d{1,2}\1\d{1,4}([T ].*)?\s*$")
_NUMBER = re.compile(r"^[\d\s+().\-/]*\d[\d\s+().\-/]*$")
_EMAIL = re.compile(r"^([^@\s]*)@(\S*)$")
_OPEN = (PrivacyClass.STRUCTURAL, PrivacyClass.CONFIGURATION)


def shown(value: Any, cls: PrivacyClass | None, safe: bool) -> str:
    """The text a screen shows of ``value`` (None and "" show as "")."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text:
        return ""
    if cls is PrivacyClass.SECRET:
        return SECRET_SHOWN
    if not safe or cls in _OPEN:
        return text
    return shape(text, or_personal(cls))


_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'" + r'|"((?:[^"\\]|\\.)*)"')


def shown_quoted(text: str, cls: PrivacyClass | None, safe: bool) -> str:
    """A sentence that quotes record values as Python quotes them (``year name 'Year 7' is used on
    2 campuses``, ``first_name "O'Brien" not taken``), each quoted value shown by ``shown``."""
    if is_open(cls, safe):
        return text
    return _QUOTED.sub(lambda m: repr(shown(m.group(1) if m.group(1) is not None else m.group(2), cls, safe)), text)


def is_open(cls: PrivacyClass | None, safe: bool) -> bool:
    """Whether values of ``cls`` show as they are."""
    return cls is not PrivacyClass.SECRET and (not safe or cls in _OPEN)


def shape(text: str, cls: PrivacyClass = PrivacyClass.PERSONAL) -> str:
    """A personal or sensitive value with every letter and digit hidden but its form kept, one
    character for one: ``John Smith`` → ``J••• S••••``, ``2012-03-14`` → ``20••-••-1•``,
    ``jo@school.example`` → ``••@school.example``, ``0412 345 678`` → ``#### ### ###``. A personal
    word keeps its first letter; a sensitive value keeps none (a one-letter code would show)."""
    if _DATE.match(text):
        return _date_shape(text)
    if _NUMBER.match(text):
        return "".join(DIGIT if c.isdigit() else c for c in text)
    email = _EMAIL.match(text)
    if email:
        return DOT * len(email.group(1)) + "@" + email.group(2)
    keep_first = cls is PrivacyClass.PERSONAL
    out = []
    start = True
    for c in text:
        if c.isalpha():
            out.append(c if start and keep_first else DOT)
            start = False
        elif c.isdigit():
            out.append(DIGIT)
            start = False
        else:
            out.append(c)
            start = c.isspace() or c == "-"
    return "".join(out)


def _date_shape(text: str) -> str:
    """Separators and the century kept, and the first digit of the last part: enough to see
    2012-03-14 from 14/03/2012 or 2012-3-14, not enough to know the day."""
    runs = list(re.finditer(r"\d+", text))
    keep: set[int] = set()
    for i, run in enumerate(runs[:3]):
        if len(run.group()) == 4:
            keep.update((run.start(), run.start() + 1))
        elif i == 2 and len(run.group()) >= 2:
            keep.add(run.start())
    return "".join(c if (i in keep or not c.isdigit()) else DOT for i, c in enumerate(text))


def concept_class(concept: str | None, entity: Entity | None = None) -> PrivacyClass | None:
    """A canonical concept's class; a raw field (``raw:<name>``) has the class of the concept its
    system says it carries, else none (masked)."""
    if not concept:
        return None
    if concept.startswith(RAW):
        name = concept[len(RAW):]
        carried = next((f.concept for f in (entity.fields if entity else ()) if f.name == name), None)
        return PRIVACY.get(carried) if carried else None
    return PRIVACY.get(concept)


def rule_class(rule: Rule, entity: Entity | None = None) -> PrivacyClass | None:
    """A mapped value's class: the most restrictive of what its rule reads (structural when it
    reads nothing: a fixed value, today's date)."""
    return most_restrictive(concept_class(s, entity) for s in rule_sources(rule))


def target_classes(target: Target, rules: Mapping[str, Rule],
                   entity: Entity | None = None) -> dict[str, PrivacyClass | None]:
    """Each target field's class: the profile's own where it sets one, else from its rule."""
    out: dict[str, PrivacyClass | None] = {}
    for f in target.fields:
        rule = rules.get(f.name) or f.default_rule
        out[f.name] = f.privacy if f.privacy is not None else rule_class(rule, entity)
    return out


def id_class(entity_id: str) -> PrivacyClass | None:
    """The class of the id a record of this entity is known by (record_id): a student's is
    personal, a class's structural; a link record's id joins person ids, so it is personal."""
    prefix = PREFIX.get(entity_id, entity_id) + "."
    for attr in ("id", "code"):
        if prefix + attr in PRIVACY:
            return PRIVACY[prefix + attr]
    if entity_id in NATURAL_KEYS:
        return most_restrictive(PRIVACY.get(prefix + attr) for attr in NATURAL_KEYS[entity_id])
    ids = [PRIVACY[c] for c in PRIVACY if c.startswith(prefix) and (c.endswith("_id") or c.endswith(".date"))]
    return most_restrictive(ids) if ids else None


def field_class(f: Field, requirements: Mapping[str, Any] | None = None,
                key_set: str | None = None) -> PrivacyClass | None:
    """A credential field's class, made secret where the profile's requirements list it in
    ``secret_fields`` (as ``field`` or ``key_set.field``)."""
    marked: Iterable[str] = (requirements or {}).get("secret_fields") or ()
    names = {f.id, f"{key_set}.{f.id}"} if key_set else {f.id}
    return PrivacyClass.SECRET if names & set(marked) else f.privacy_class
