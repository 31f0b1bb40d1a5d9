"""Privacy classes: how much of a value a screen may show, declared beside every field.

Credential fields (base.Field), canonical concepts (concepts.PRIVACY) and mapped target fields
(derived in wizard/privacy.py) each carry one. The masking rule itself lives in wizard/privacy.py.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class PrivacyClass(enum.StrEnum):
    SECRET = "secret"
    """Keys, tokens, passwords: never shown while screen-share safe mode is on, not even their shape."""
    PERSONAL = "personal"
    """Identifies a person: names, birth dates, e-mails, phones, addresses, student numbers."""
    SENSITIVE = "sensitive"
    """Special data about a person: medical, SEN, ethnicity, custody."""
    STRUCTURAL = "structural"
    """The school's structure: year levels, houses, campuses, class codes, term names, roles, flags."""
    CONFIGURATION = "configuration"
    """How to reach the system: addresses, app codes, client ids, school codes."""


_RANK = {PrivacyClass.STRUCTURAL: 0, PrivacyClass.CONFIGURATION: 1, PrivacyClass.PERSONAL: 2,
         PrivacyClass.SENSITIVE: 3, PrivacyClass.SECRET: 4}


def most_restrictive(classes: Iterable[PrivacyClass | None]) -> PrivacyClass | None:
    """The class of a value made from values of these classes. An unclassified one (None) counts
    as personal, so a value is never shown more openly than its least known part; nothing read at
    all (a fixed value, today's date) is structural."""
    found = [or_personal(c) for c in classes]
    return max(found, key=_RANK.__getitem__) if found else PrivacyClass.STRUCTURAL


def or_personal(cls: PrivacyClass | None) -> PrivacyClass:
    """Unclassified is masked: treated as personal."""
    return PrivacyClass.PERSONAL if cls is None else cls
