"""The iSAMS Batch API wire format, shared by the connector and the emulator.

A Batch reply is one ``<iSAMS>`` document holding a module element per dataset
(``PupilManager/CurrentPupils/Pupil`` …). ``json.ashx`` sends the same document through
Json.NET's XML-to-JSON rules: attributes become ``"@Name"``, an element with attributes and
text becomes ``{"@…": …, "#text": …}``, every value is a string, and a collection holding one
item is an object rather than an array. Both forms are read into that one JSON-shaped tree
here, so the rest of the connector never asks which endpoint answered.

Error replies are a ``<Message>`` document that declares ``encoding="utf-16"`` while its bytes
are usually UTF-8, so bodies are decoded by looking at the bytes, not the declaration.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax import SAXException
from xml.sax.handler import ContentHandler
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
import defusedxml.expatreader as defused_sax

Tree = dict[str, Any]

BATCH_PATH = "/api/batch/1.0/{fmt}.ashx"
TOKEN_PATH = "/auth/connect/token"
REGISTER_PATH = "/api/registration/register/{register_id}"
STUDENTS_PATH = "/api/students"


@dataclass(frozen=True)
class Method:
    """A Batch method: where its data sits in the document and what the admin ticks for it.

    ``confirmed`` is False for names no public source shows (Contacts, Sets, Set Lists, Medical):
    profiles can name others, and the emulator serves whatever this table says.
    """

    name: str
    module: str
    collection: str
    item: str
    label: str
    """The Batch Methods tab checkbox, as "<Module> Datasets > <Dataset>"."""
    confirmed: bool = True

    @property
    def path(self) -> str:
        return f"{self.module}/{self.collection}"


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("Pupil_GetCurrentPupils", "PupilManager", "CurrentPupils", "Pupil",
           "Pupil Manager Datasets > Current Pupils"),
    Method("Pupil_GetContacts", "PupilManager", "Contacts", "Contact",
           "Pupil Manager Datasets > Contacts", confirmed=False),
    Method("Pupil_GetSiblings", "PupilManager", "Pupils", "Pupil", "Pupil Manager Datasets > Siblings"),
    Method("HumanResources_GetCurrentStaff", "HRManager", "CurrentStaff", "StaffMember",
           "HR Manager Datasets > Current Staff"),
    Method("School_GetSchoolForms", "SchoolManager", "Forms", "Form", "School Manager Datasets > Forms"),
    Method("School_GetAllYears", "SchoolManager", "Years", "Year", "School Manager Datasets > Years"),
    Method("School_GetAcademicHouses", "SchoolManager", "AcademicHouses", "House",
           "School Manager Datasets > Academic Houses"),
    Method("School_GetBoardingHouses", "SchoolManager", "BoardingHouses", "House",
           "School Manager Datasets > Boarding Houses"),
    Method("School_GetSchoolDivisions", "SchoolManager", "SchoolDivisions", "SchoolDivision",
           "School Manager Datasets > Divisions"),
    Method("School_GetSchoolTerms", "SchoolManager", "Terms", "Term", "School Manager Datasets > Terms"),
    Method("School_GetPastoralTutors", "SchoolManager", "PastoralTutors", "StaffMember",
           "School Manager Datasets > Pastoral Tutors"),
    Method("Teaching_GetSets", "TeachingManager", "Sets", "Set", "Teaching Manager Datasets > Teaching Sets",
           confirmed=False),
    Method("Teaching_GetSetLists", "TeachingManager", "SetLists", "SetList",
           "Teaching Manager Datasets > Teaching Set Lists", confirmed=False),
    Method("Medical_GetMedicalConditions", "MedicalManager", "MedicalConditions", "Condition",
           "Medical Manager Datasets > Medical Conditions", confirmed=False),
)}
_BY_PATH = {m.path: m for m in METHODS.values()}


def method_label(name: str) -> str:
    method = METHODS.get(name)
    return method.label if method else name


def method_for_path(module: str, collection: str) -> str:
    """The method whose data sits at ``module/collection``, or that path itself when unknown."""
    method = _BY_PATH.get(f"{module}/{collection}")
    return method.name if method else f"{module}/{collection}"


# --- the one tree both endpoints are read into -------------------------------------------------

def element_to_tree(element: Element, *, single_item_objects: bool = True) -> Any:
    """Json.NET's rendering of one element; ``single_item_objects=False`` makes every repeated-
    name group a list even with one member (clients must cope with both)."""
    attrs: dict[str, Any] = {f"@{k}": v for k, v in element.attrib.items()}
    children = list(element)
    if not children:
        text = element.text
        if not attrs:
            return text
        if text:
            attrs["#text"] = text
        return attrs
    out = attrs
    groups: dict[str, list[Any]] = {}
    for child in children:
        groups.setdefault(child.tag, []).append(element_to_tree(child, single_item_objects=single_item_objects))
    for tag, values in groups.items():
        out[tag] = values[0] if len(values) == 1 and single_item_objects else values
    return out


def document_tree(root: Element, *, single_item_objects: bool = True) -> Tree:
    return {root.tag: element_to_tree(root, single_item_objects=single_item_objects)}


def decode_body(body: bytes) -> str:
    """Text of a reply whatever its XML declaration claims (iSAMS says utf-16, sends UTF-8)."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16")
    if len(body) > 1 and b"\x00" in body[:4]:
        return body.decode("utf-16-le" if body[1:2] == b"\x00" else "utf-16-be")
    return body.decode("utf-8-sig")


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_xml(body: bytes) -> Element:
    """Parse with defusedxml (no entities, no external references) after decoding by the bytes."""
    element: Element = SafeET.fromstring(_DECLARATION.sub("", decode_body(body), count=1))
    return element


def parse_document(body: bytes) -> Tree:
    """A Batch reply in either form, as the JSON-shaped tree. Raises ValueError when unreadable."""
    text = decode_body(body).lstrip()
    if text.startswith(("{", "[")):
        tree = json.loads(text)
        if not isinstance(tree, dict):
            raise ValueError("The reply is JSON but not an iSAMS document.")
        return tree
    try:
        return document_tree(parse_xml(body))
    except SafeET.ParseError as exc:
        raise ValueError(f"The reply is not well-formed XML ({exc}).") from exc


def dataset_counts(body: bytes) -> dict[str, int]:
    """{method: number of items} for every dataset in a Batch reply, without building records
    (a check only needs to know what a key returns; a large school's set lists are 100,000 rows).
    Raises ValueError when the reply cannot be read or is not an iSAMS document."""
    text_body = decode_body(body).lstrip()
    counts: dict[str, int] = {}
    if text_body.startswith("{"):
        root = json.loads(text_body).get("iSAMS")
        if not isinstance(root, Mapping):
            raise ValueError("The reply is JSON but not an iSAMS document.")
        for module, node in root.items():
            for group in as_list(node):
                for collection, value in (group.items() if isinstance(group, Mapping) else ()):
                    if collection.startswith("@"):
                        continue
                    name = method_for_path(module, collection)
                    item = METHODS[name].item if name in METHODS else ""
                    found = sum(len(as_list(v.get(item))) for v in as_list(value) if isinstance(v, Mapping))
                    counts[name] = counts.get(name, 0) + found
        return counts
    counter = _DatasetCounter()
    reader = defused_sax.create_parser()
    reader.setContentHandler(counter)
    try:
        reader.parse(io.BytesIO(_DECLARATION.sub("", text_body, count=1).encode("utf-8")))
    except SAXException as exc:
        raise ValueError(f"The reply is not well-formed XML ({exc}).") from exc
    if counter.root != "iSAMS":
        raise ValueError("The reply is XML but not an iSAMS document.")
    return counter.counts


class _DatasetCounter(ContentHandler):
    """Counts items per dataset as the XML streams past (SAX through defusedxml), which is about
    twice as fast as building the element tree for a reply of 100,000 rows."""

    def __init__(self) -> None:
        super().__init__()
        self.root = ""
        self.counts: dict[str, int] = {}
        self._depth = 0
        self._module = ""
        self._method = ""
        self._item: str | None = None

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 - SAX's name
        self._depth += 1
        if self._depth == 1:
            self.root = name
        elif self._depth == 2:
            self._module = name
        elif self._depth == 3:
            self._method = method_for_path(self._module, name)
            self._item = METHODS[self._method].item if self._method in METHODS else None
            self.counts.setdefault(self._method, 0)
        elif self._depth == 4 and (self._item is None or name == self._item):
            self.counts[self._method] += 1

    def endElement(self, name: str) -> None:  # noqa: N802 - SAX's name
        self._depth -= 1


def as_list(value: Any) -> list[Any]:
    """Normalise Json.NET's collections: absent or empty → [], one item (object) → [item]."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def text(value: Any) -> str | None:
    """The text of a leaf, whether it came as a string or as ``{"@Legacy": …, "#text": …}``."""
    if isinstance(value, Mapping):
        inner = value.get("#text")
        return None if inner is None else str(inner)
    if isinstance(value, list):
        return text(value[0]) if value else None
    return None if value is None else str(value)


# --- error documents ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    """A Batch error document."""

    message_id: str
    title: str
    description: str

    @property
    def is_deadlock(self) -> bool:
        lowered = self.description.lower()
        return "deadlock" in lowered or "rerun the transaction" in lowered or "lock request time" in lowered

    def methods_named(self) -> list[str]:
        """The methods a MethodsNotAllocatedToKeyException lists (iSAMS lower-cases them)."""
        _, _, tail = self.description.rpartition(":")
        return [m.strip() for m in tail.split(",") if m.strip()]


def parse_message(body: bytes) -> Message | None:
    """The ``<Message>`` in an error reply (XML, or its JSON rendering), or None if it is not one."""
    try:
        tree = parse_document(body)
    except ValueError:
        return None
    node = tree.get("Message")
    if not isinstance(node, Mapping):
        return None
    return Message(text(node.get("MessageId")) or text(node.get("MessageName")) or "",
                   text(node.get("Title")) or "", (text(node.get("Description")) or "").strip())


# --- records ------------------------------------------------------------------------------------

def items(tree: Tree, method: Method) -> list[Mapping[str, Any]]:
    """The item nodes of one method's dataset; [] when the document lacks it."""
    root = tree.get("iSAMS")
    if not isinstance(root, Mapping):
        return []
    out: list[Mapping[str, Any]] = []
    for module in as_list(root.get(method.module)):
        if isinstance(module, Mapping):
            for collection in as_list(module.get(method.collection)):
                if isinstance(collection, Mapping):
                    out.extend(i for i in as_list(collection.get(method.item)) if isinstance(i, Mapping))
    return out


def flat(node: Mapping[str, Any], names: Iterable[str]) -> dict[str, str | None]:
    """One record with the named leaves of a node (``@Id`` for attributes), text only."""
    return {name: text(node.get(name)) for name in names}


def children(node: Mapping[str, Any], collection: str, item: str) -> Iterator[Mapping[str, Any]]:
    """Nested item nodes such as ``Teachers/Teacher`` or ``Pupils/Pupil``."""
    for group in as_list(node.get(collection)):
        if isinstance(group, Mapping):
            yield from (i for i in as_list(group.get(item)) if isinstance(i, Mapping))


def filters_document(methods: Iterable[str], extra: str = "") -> bytes:
    """A POST body choosing ``methods`` (all allocated methods when empty) plus optional filter XML."""
    run = "".join(f"<Method>{escape(m)}</Method>" for m in methods)
    inner = (f"<MethodsToRun>{run}</MethodsToRun>" if run else "") + extra
    return f'<?xml version="1.0" encoding="utf-8"?><Filters>{inner}</Filters>'.encode()
