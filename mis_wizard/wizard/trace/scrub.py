"""What a trace keeps of a school's answers: the rule for secrets and personal values, in one place.

Secrets are removed, never kept in any form: the value of every secret field of the system's spec,
every header that carries a credential (Authorization, Cookie, AERIES-CERT, API keys…), every query,
form or JSON member whose name says it is a credential (``token``, ``apiKey``, ``password``,
``access_token``…), and every value learned that way, wherever else it appears (a token handed out
by an OAuth reply and then sent back in a header). Each becomes ``{removed}``, which replay takes
as "any value".

Personal values are decided by the name of the field that holds them, never by guessing at the
value: a field is personal when every concept the system's entities give that name
(``vendors/concepts.py``) is a person's name, birth date, e-mail, phone or id, or, for fields no
entity lists, when its name says so (``Forename``, ``DateOfBirth``, ``HomePhone``, ``Address1``…).
Each is replaced by a same-shaped fake (a name by a made-up word of the same length and case, a
date by one in the same format a hundred years earlier, an e-mail's local part, a phone's digits,
an id's digits), derived from a random salt per trace so the fakes cannot be traced back. The same
original always gets the same fake, and once learned in one field it is replaced wherever it
appears as a whole word (in JSON, XML, URLs and headers), so ids and names stay consistent across
records. Structural values (school, class, year and term names and ids, teacher and subject codes,
row ids of under four characters, dates of the calendar) are kept: they name no one, and they are
how records join and what a support engineer needs to reproduce an answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import json
import re
import secrets
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mis_wizard.vendors.base import FieldKind, VendorSpec

REMOVED = "{removed}"
"""Put where a secret was; replay matches any value there."""
ORIGIN = "{origin}"
"""Put where the system's own address (scheme, host and port) was; replay puts its own there."""

LEARNED = 8
"""Shortest value learned from a member's name that is removed everywhere (see ``Scrubber.add_secret``)."""
NAME, DATE, EMAIL, PHONE, ADDRESS, ID, TEXT = "name", "date", "email", "phone", "address", "id", "text"
"""Kinds of personal value; TEXT is free text about a person (comments, notes), faked word by word."""

_PERSON_CONCEPTS: dict[str, str] = {}
for _entity in ("student", "contact", "staff"):
    for _attr in ("first_name", "last_name", "preferred_name", "middle_name", "full_name"):
        _PERSON_CONCEPTS[f"{_entity}.{_attr}"] = NAME
    _PERSON_CONCEPTS[f"{_entity}.email"] = EMAIL
    _PERSON_CONCEPTS[f"{_entity}.id"] = ID
_PERSON_CONCEPTS.update({
    "student.birth_date": DATE, "student.code": ID, "staff.code": ID,
    "contact.phone": PHONE, "contact.mobile": PHONE,
    "contact_link.student_id": ID, "contact_link.contact_id": ID, "class_membership.student_id": ID,
    "group_membership.student_id": ID, "attendance.student_id": ID, "registration.student_id": ID,
})
"""Concepts whose values are a person's (see concepts.py). Teacher ids on classes are kept: a
teacher's code is how the timetable is read, and the staff record itself is faked."""

_NAME_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (EMAIL, re.compile(r"e?mail(address)?\d*$|emailaddress|username$|^login|loginid$|loginname$|portaluser")),
    (DATE, re.compile(r"(dateofbirth|birthdate|birthday|^dob$|^birth)")),
    (PHONE, re.compile(r"(phone|mobile|cellphone|^cell$|^fax|telephone)")),
    (ADDRESS, re.compile(r"(address|street|suburb|postcode|postalcode|^zip|^town$|^city$|locality)")),
    (TEXT, re.compile(r"(comment|^notes?$|remark|^memo$|medicalnotes|dietary)")),
    (ID, re.compile(r"^(usi|lui|luinumber|upn|uln|formerupn|statewideid|stateid|statestudentid|ssid|ssn|"
                    r"nationalid|nhsnumber|medicarenumber|candidatenumber|uci)$")),
    (NAME, re.compile(r"(forename|surname|initials|firstname|lastname|givenname|familyname|middlename|preferredname|"
                      r"fullname|mailingname|legalname|knownname|nickname|othername|maidenname|teachername|"
                      r"parentname|contactname|salutation|(student|pupil|staff|employee|guardian|carer|person|"
                      r"display|legal)name$)")),
)
"""For fields no entity lists: by the field's name, lower case without punctuation."""

_SECRET_NAMES = frozenset({"token", "apikey", "key", "secret", "password", "passwd", "pwd", "signature", "sig",
                           "accesstoken", "refreshtoken", "idtoken", "clientsecret", "consumersecret", "sessionid",
                           "session", "cert", "certificate", "auth", "authorization", "cookie", "tokenkey"})
_SECRET_ENDS = ("token", "secret", "password", "apikey")
"""Names of query parameters, form fields, JSON members and headers that carry a credential."""
_DROP_HEADERS = frozenset({"cookie", "set-cookie", "content-length", "date", "connection", "transfer-encoding",
                           "content-encoding", "keep-alive", "host", "user-agent", "accept-encoding", "server"})
_SECRET_HEADER = re.compile(r"(auth|token|key|secret|cert|session|password|signature)", re.IGNORECASE)
_ID_ENDS = ("id", "ids", "key", "code", "number", "dcid", "guid")
_KEEP_WORDS = frozenset({"and", "or", "&"})
"""The words joining two people in one contact ("David and Sarah"); name particles such as "van der" are faked."""
_WORD = re.compile(r"[^\W\d_]+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(.*)$")
_DMY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(.*)$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(.*)$")
_CONSONANTS = "bdfgkmnpstvz"
"""Without l, r and h, so a fake word is rarely a real name (no Ravi, no Patel)."""
_VOWELS = "aeiou"


def normal(name: str) -> str:
    """A field name as the rules read it: the last part of a dotted path, without @, lower case."""
    leaf = name.rsplit(".", 1)[-1].rsplit("}", 1)[-1].rsplit(":", 1)[-1]
    return re.sub(r"[^a-z0-9]", "", leaf.lower())


def personal_fields(spec: VendorSpec) -> tuple[dict[str, str], set[str]]:
    """Normalised raw field names: those whose every concept in the spec is personal (→ kind), and
    those some entity gives a concept that is not (a class ``description``), which the name rules
    must leave alone."""
    seen: dict[str, set[str | None]] = {}
    for entity in spec.entities:
        for f in entity.fields:
            if f.concept:
                seen.setdefault(normal(f.name), set()).add(_PERSON_CONCEPTS.get(f.concept))
    personal = {name: kind for name, kinds in seen.items() if len(kinds) == 1 and (kind := next(iter(kinds)))}
    return personal, set(seen) - set(personal)


def secret_name(name: str) -> bool:
    key = normal(name)
    return key in _SECRET_NAMES or key.endswith(_SECRET_ENDS)


class Scrubber:
    """Fakes per trace. First ``learn_*`` on every body (field by field), then ``scrub_text`` etc.
    replace what was learned, and every secret, everywhere."""

    def __init__(self, spec: VendorSpec, credentials: dict[str, Any], requirements: Mapping[str, Any],
                 salt: bytes | None = None) -> None:
        self.salt = salt or secrets.token_bytes(32)
        self.fields, self.structural = personal_fields(spec)
        self.secrets: set[str] = set()
        self.origins: set[str] = set()
        self.keep: set[str] = set()
        """What the admin typed that is not secret (a LISS user name, a school code): kept as typed, so a
        replay given the same values matches."""
        for key_set, f in spec.all_fields(requirements):
            holder = credentials.get(key_set) if key_set else credentials
            value = str((holder or {}).get(f.id, "") or "").strip() if isinstance(holder, dict) else ""
            if f.secret and value:
                self.add_secret(value)
                continue
            if f.kind is FieldKind.URL and value:
                parts = urllib.parse.urlsplit(value)
                if parts.scheme and parts.netloc:
                    self.origins.add(f"{parts.scheme}://{parts.netloc}")
            if value:
                self.keep.add(value)
        self.fakes: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()
        self.everywhere: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        self._token_taken: set[str] = set()
        self.numbers: dict[int, int] = {}
        """Ids learned as numbers, replaced in other members that hold ids (``…ID``, ``…Key``, ``…Number``)."""
        self._pattern: re.Pattern[str] | None = None

    # what to take out ---------------------------------------------------------------------

    def add_secret(self, value: str, shortest: int = 4) -> None:
        """Remove ``value`` wherever it appears. What was only learned from a member's name (a token, a
        ``key``) is taken out everywhere only when it is long enough to be a credential (8 characters),
        so a short structural word under such a name is not removed from the whole trace."""
        value = value.strip()
        if len(value) < shortest:
            return
        for form in (value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value),
                     json.dumps(value)[1:-1], html.escape(value)):
            self.secrets.add(form)
        if value.lower().startswith(("bearer ", "basic ")):
            self.add_secret(value.split(None, 1)[1])

    def kind_of(self, name: str) -> str | None:
        key = normal(name)
        if not key:
            return None
        if key in self.fields:
            return self.fields[key]
        if key in self.structural:
            return None
        for kind, rule in _NAME_RULES:
            if rule.search(key):
                return kind
        return None

    # fakes ----------------------------------------------------------------------------------

    def _digest(self, kind: str, value: str, attempt: int) -> bytes:
        return hmac.new(self.salt, f"{kind}\x00{value}\x00{attempt}".encode(), hashlib.sha256).digest()

    def fake(self, kind: str, value: str) -> str:
        """The same-shaped fake of ``value``; the same one every time in this trace, never two originals alike."""
        if not value.strip() or value.strip() in self.keep:
            return value
        known = self.fakes.get((kind, value))
        if known is not None:
            return known
        if kind in (NAME, ADDRESS, TEXT, EMAIL):
            fake = self._words(kind, value)
        else:
            make: Callable[[str, bytes], str] = {DATE: _fake_date, PHONE: _fake_digits, ID: _fake_digits}[kind]
            for attempt in range(50):
                fake = make(value, self._digest(kind, value, attempt))
                if fake not in self._taken and fake != value:
                    break
        self._taken.add(fake)
        self.fakes[(kind, value)] = fake
        self._remember(kind, value, fake)
        return fake

    def _token(self, word: str) -> str:
        """The fake of one word of a name (lower case), the same in every value it is part of, so
        "Johnson" is faked alike in a surname, a display name "Dr O Johnson" and an e-mail."""
        if word in self._tokens:
            return self._tokens[word]
        fake = word
        for attempt in range(50):
            fake = _fake_word(len(word), _stream(self._digest("word", word, attempt)))
            if fake not in self._token_taken and fake != word:
                break
        self._token_taken.add(fake)
        self._tokens[word] = fake
        return fake

    def _words(self, kind: str, value: str) -> str:
        local, at, domain = value.partition("@") if kind == EMAIL else (value, "", "")
        numbers = iter(_stream(self._digest(kind, value, 0)))

        def one(m: re.Match[str]) -> str:
            word = m.group(0)
            if kind != EMAIL and word.lower() in _KEEP_WORDS and not word[0].isupper():
                return word
            fake = self._token(word.lower())
            if word.isupper() and len(word) > 1:
                return fake.upper()
            return fake.capitalize() if word[0].isupper() else fake

        text = re.sub(r"\d", lambda _m: str(next(numbers) % 10), _WORD.sub(one, local))
        return text + at + domain

    def _remember(self, kind: str, value: str, fake: str) -> None:
        if kind in (NAME, ADDRESS, TEXT):
            for original, replaced in zip(_WORD.findall(value), _WORD.findall(fake), strict=False):
                if len(original) >= 3 and original[0].isupper():
                    self.everywhere.setdefault(original, replaced)
                    self.everywhere.setdefault(original.upper(), replaced.upper())
        if len(value) >= 4 and (kind != ID or any(c.isdigit() for c in value)):
            self.everywhere.setdefault(value, fake)
            if kind == ID and value.isdigit() and fake.isdigit():
                self.numbers.setdefault(int(value), int(fake))
        self._pattern = None

    # field by field ------------------------------------------------------------------------

    def learn_json(self, data: Any, name: str = "") -> Any:
        """``data`` with every personal member faked and every credential member removed."""
        if isinstance(data, dict):
            return {k: self._member(k, v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.learn_json(v, name) for v in data]
        return data

    def _member(self, name: str, value: Any) -> Any:
        if secret_name(name) and isinstance(value, str | int) and not isinstance(value, bool):
            if str(value).strip():
                self.add_secret(str(value), LEARNED)
                return REMOVED
            return value
        kind = self.kind_of(name)
        if kind is None or isinstance(value, bool):
            return self.learn_json(value, name)
        if isinstance(value, str):
            return self.fake(kind, value)
        if isinstance(value, int) and kind == ID:
            return int(self.fake(ID, str(value)))
        if isinstance(value, list):
            return [self._member(name, v) for v in value]
        return self.learn_json(value, name)

    def learn_pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        for name, value in pairs:
            if secret_name(name) and value.strip():
                self.add_secret(value, LEARNED)
                out.append((name, REMOVED))
                continue
            kind = self.kind_of(name)
            out.append((name, self.fake(kind, value) if kind else value))
        return out

    def learn_xml(self, text: str) -> str:
        """Fake the text of personal elements and the values of personal attributes, leaving the rest
        of the document as it was written (prefixes, order, spacing)."""
        out: list[str] = []
        stack: list[str] = []
        for token in re.finditer(r"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<[^>]*>|[^<]+", text, re.DOTALL):
            part = token.group(0)
            if part.startswith("<![CDATA[") or part.startswith("<!--") or part.startswith("<?"):
                out.append(part)
            elif part.startswith("</"):
                if stack:
                    stack.pop()
                out.append(part)
            elif part.startswith("<"):
                tag = re.match(r"<\s*([^\s/>]+)", part)
                out.append(re.sub(r"""([\w:.-]+)(\s*=\s*)(["'])(.*?)\3""", self._attribute, part, flags=re.DOTALL))
                if tag and not part.rstrip().endswith("/>") and not part.startswith("<!"):
                    stack.append(tag.group(1))
            else:
                kind = self.kind_of(stack[-1]) if stack else None
                secret = bool(stack) and secret_name(normal(stack[-1])) and part.strip()
                if secret:
                    self.add_secret(html.unescape(part.strip()), LEARNED)
                    out.append(REMOVED)
                elif kind and part.strip():
                    lead, body, trail = _split_space(part)
                    out.append(lead + _xml_escape(self.fake(kind, html.unescape(body))) + trail)
                else:
                    out.append(part)
        return "".join(out)

    def _attribute(self, m: re.Match[str]) -> str:
        name, eq, quote, value = m.groups()
        if secret_name(name) and value.strip():
            self.add_secret(html.unescape(value), LEARNED)
            return f"{name}{eq}{quote}{REMOVED}{quote}"
        kind = self.kind_of(name)
        if kind and value.strip():
            value = _xml_escape(self.fake(kind, html.unescape(value)), quote)
        return f"{name}{eq}{quote}{value}{quote}"

    # everywhere -----------------------------------------------------------------------------

    def scrub_text(self, text: str) -> str:
        """Secrets removed, the system's address made ``{origin}``, and every learned personal value
        replaced where it stands as a whole word."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REMOVED)
        for origin in sorted(self.origins, key=len, reverse=True):
            text = text.replace(origin, ORIGIN)
        if self.everywhere:
            if self._pattern is None:
                words = sorted(self.everywhere, key=len, reverse=True)
                self._pattern = re.compile(r"(?<![\w@.+-])(" + "|".join(map(re.escape, words)) + r")(?![\w@-])")
            text = self._pattern.sub(lambda m: self.everywhere[m.group(1)], text)
        return text

    def scrub_json(self, data: Any) -> Any:
        if isinstance(data, dict):  # keys too: TASS keys some replies by student code
            return {self.scrub_text(k): self._scrub_member(k, v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.scrub_json(v) for v in data]
        if isinstance(data, str):
            return self.scrub_text(data)
        return data

    def _scrub_member(self, name: str, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value in self.numbers \
                and normal(name).endswith(_ID_ENDS):
            return self.numbers[value]
        if isinstance(value, list) and normal(name).endswith(_ID_ENDS):
            return [self._scrub_member(name, v) for v in value]
        return self.scrub_json(value)

    def scrub_xml(self, text: str) -> str:
        """``scrub_text`` on text and attribute values only, so a name never changes a tag."""
        def text_part(m: re.Match[str]) -> str:
            part = m.group(0)
            if part.startswith("<"):
                return re.sub(r"""(=\s*)(["'])(.*?)\2""",
                              lambda a: a.group(1) + a.group(2) + _xml_escape(
                                  self.scrub_text(html.unescape(a.group(3))), a.group(2)) + a.group(2),
                              part, flags=re.DOTALL)
            scrubbed = self.scrub_text(html.unescape(part))
            return part if scrubbed == html.unescape(part) else _xml_escape(scrubbed)
        return re.sub(r"<!\[CDATA\[.*?\]\]>|<[^>]*>|[^<]+", text_part, text, flags=re.DOTALL)

    def fake_secret(self, value: str) -> str:
        """A stand-in for a secret field's value with its shape (length, character classes, hex
        staying hex), so a replay's credentials pass the form check; it is not derived from the value."""
        rng = secrets.SystemRandom()
        hexy = bool(re.fullmatch(r"[0-9A-Fa-f{}-]+", value))
        out = []
        for c in value:
            if hexy and c not in "{}-":
                out.append(rng.choice("0123456789abcdef" if not c.isupper() else "0123456789ABCDEF"))
            elif c.isdigit():
                out.append(rng.choice("0123456789"))
            elif c.isupper():
                out.append(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"))
            elif c.islower():
                out.append(rng.choice("abcdefghijkmnpqrstuvwxyz"))
            else:
                out.append(c)
        return "".join(out)


def _split_space(text: str) -> tuple[str, str, str]:
    body = text.strip()
    start = text.find(body)
    return text[:start], body, text[start + len(body):]


def _xml_escape(text: str, quote: str = "") -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote == '"':
        text = text.replace('"', "&quot;")
    elif quote == "'":
        text = text.replace("'", "&apos;")
    return text


def _stream(digest: bytes) -> Iterable[int]:
    while True:
        yield from digest
        digest = hashlib.sha256(digest).digest()


def _fake_word(length: int, numbers: Iterable[int]) -> str:
    it = iter(numbers)
    letters = []
    for i in range(length):
        pool = _CONSONANTS if i % 2 == 0 else _VOWELS
        letters.append(pool[next(it) % len(pool)])
    return "".join(letters)


def _fake_digits(value: str, digest: bytes) -> str:
    numbers = iter(_stream(digest))
    out = []
    for i, c in enumerate(value):
        if c.isdigit():
            if i == 0 or not any(ch.isdigit() for ch in value[:i]):
                out.append(c if c == "0" else str(1 + next(numbers) % 9))
            else:
                out.append(str(next(numbers) % 10))
        else:
            out.append(c)
    return "".join(out)


def _fake_date(value: str, digest: bytes) -> str:
    """The same format, a hundred years earlier, another day; text that is not a date is faked as words."""
    month, day = 1 + digest[0] % 12, 1 + digest[1] % 28
    text = value.strip()
    if m := _ISO_DATE.match(text):
        year = max(1, int(m[1]) - 100)
        return f"{year:04d}-{month:02d}-{day:02d}{m[4]}"
    if m := _DMY.match(text):
        year = max(1, int(m[4]) - 100)
        first, second = (day, month) if int(m[1]) > 12 or int(m[3]) <= 12 else (month, day)
        width = len(m[1])
        return f"{first:0{width}d}{m[2]}{second:0{len(m[3])}d}{m[2]}{year:04d}{m[5]}"
    if m := _COMPACT.match(text):
        year = max(1, int(m[1]) - 100)
        return f"{year:04d}{month:02d}{day:02d}{m[4]}"
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return _fake_digits(value, digest)
    return value
