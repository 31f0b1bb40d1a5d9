"""Capture and replay: a check and a small preview recorded from each emulator over loopback, the trace
served back by `sandbox --replay`'s machinery, and the same results read from it; no secret and no
real person's value in the file."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context, FieldKind, VendorSpec
from mis_wizard.vendors.sandbox import school as school_model
from mis_wizard.vendors.sandbox.kit import Sandbox
from mis_wizard.wizard import checks
from mis_wizard.wizard.cli import start_replay
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping.preview import read
from mis_wizard.wizard.trace import record, replay, scrub

PREVIEW = 3
SALT = b"repeatable fakes for the test: a made-up word can by chance be some real name, as Van is"


@pytest.fixture(scope="module")
def school() -> school_model.School:
    return school_model.generate(seed=1, size="small")


async def _outcome(spec: VendorSpec, credentials: dict[str, Any]) -> tuple[list[tuple[str, str, str]], dict[str, Any]]:
    """The check's (key, code, status) and, per entity, the preview's record count and field names."""
    reqs = spec.requirements()
    async with build_client(allow_plain_http=True) as http:
        ctx = Context(http=http)
        results = sorted([(r.key, r.code, r.status.value) async for r in checks.run(spec, ctx, credentials, reqs)])
        shapes: dict[str, Any] = {}
        for entity in spec.entities:
            try:
                records, _ = await read(spec, ctx, credentials, reqs, entity.id, limit=PREVIEW)
            except Exception as exc:  # the same refusal from both is the same result
                shapes[entity.id] = type(exc).__name__
            else:
                shapes[entity.id] = (len(records), sorted({k for r in records for k in r}))
        return results, shapes


def _pointed_at(spec: VendorSpec, credentials: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The same credentials, every address moved to ``base_url`` (keeping its path)."""
    moved = json.loads(json.dumps(credentials))
    for key_set, f in spec.all_fields(spec.requirements()):
        holder = moved.get(key_set) if key_set else moved
        if isinstance(holder, dict) and f.kind is FieldKind.URL and holder.get(f.id):
            holder[f.id] = base_url + urllib.parse.urlsplit(holder[f.id]).path
    return moved


def _secret_values(spec: VendorSpec, credentials: dict[str, Any]) -> list[str]:
    out = []
    for key_set, f in spec.all_fields(spec.requirements()):
        holder = credentials.get(key_set) if key_set else credentials
        if f.secret and isinstance(holder, dict) and holder.get(f.id):
            out.append(str(holder[f.id]))
    return out


def _personal_values(school: school_model.School) -> tuple[set[str], set[str]]:
    """Name words (whole words, three letters or more) and exact values (e-mails, mobiles, birth dates in
    every format the systems use) of every synthetic person. Words that are also the school's own
    structural words (a holiday "King's Birthday", a house) are left out: those are not a person's."""
    structural = " ".join([school.name, *(c.name for c in school.campuses), *(h.name for h in school.houses),
                           *(s.name for s in school.subjects), *(d.holiday for d in school.calendar),
                           *(c.name for c in school.classes)])
    allowed = set(re.findall(r"[^\W\d_]+", structural))
    words: set[str] = set()
    exact: set[str] = set()
    for p in [*school.students, *school.contacts, *school.staff]:
        for w in re.findall(r"[^\W\d_]+", f"{p.first_name} {p.last_name} {getattr(p, 'preferred_name', '')}"):
            if len(w) >= 3 and w not in allowed and w.lower() != "and":
                words.add(w)
        exact |= {v for v in (p.email, getattr(p, "mobile", "")) if v}
    for s in school.students:
        b = s.birth_date
        exact |= {b.isoformat(), f"{b:%d/%m/%Y}", f"{b:%m/%d/%Y}", f"{b:%Y%m%d}", f"{b:%Y-%m-%d}T00:00:00"}
    return words, exact


def _names_in_structure(text: str) -> set[str]:
    """Words of JSON member names and XML tag names (``white`` is an Aeries ethnicity flag, not a surname)."""
    names = set(re.findall(r'"([^"]+)":', text)) | set(re.findall(r"</?([\w:]+)", text))
    return {w.lower() for n in names for w in re.findall(r"[^\W\d_]+", n)}


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_capture_then_replay_gives_the_same_check_and_preview(system: str, school, tmp_path: Path) -> None:
    spec = registry.get(system)
    assert spec.emulator is not None
    with Sandbox() as box:
        hosted = box.add(spec.emulator(school))
        credentials = hosted.emulator.credentials(hosted.base_url)
        trace, results = asyncio.run(record.capture(spec, credentials, spec.requirements(), preview=PREVIEW,
                                                    allow_plain_http=True, salt=SALT))
        direct = asyncio.run(_outcome(spec, credentials))
    path = tmp_path / f"{system}-trace.json"
    record.write(trace, path)
    assert sorted((r.key, r.code, r.status.value) for r in results) == direct[0]
    assert checks.passed(results), [r.code for r in results if r.status == "failed"]
    text = path.read_text(encoding="utf-8")

    # readable: pretty JSON with the notice first, every request with its answer
    loaded = record.load(path)
    assert text.startswith("{\n") and loaded["system"] == system and "Read it before sending" in loaded["notice"]
    assert loaded["exchanges"] and all({"request", "response"} <= set(e) for e in loaded["exchanges"])
    assert {e: v["records"] for e, v in loaded["preview"].items() if "records" in v} == \
        {e: v[0] for e, v in direct[1].items() if isinstance(v, tuple)}

    # no secret: the typed ones, and whatever the client sent as a credential
    for secret in _secret_values(spec, credentials):
        assert secret not in text, f"{system}: a secret field's value is in the trace"
    for ex in loaded["exchanges"]:
        for headers in (ex["request"]["headers"], ex["response"]["headers"]):
            for name, value in headers.items():
                if name.lower() in ("authorization", "aeries-cert", "cookie", "set-cookie"):
                    assert value == scrub.REMOVED, (system, name)
        for name, value in ex["request"]["query"]:
            if scrub.secret_name(name):
                assert value == scrub.REMOVED, (system, name)
    assert not re.search(r'"(access_token|token|Password|apiKey)":\s*"(?!\{removed\})', text), system

    # no original personal value
    words, exact = _personal_values(school)
    structure = _names_in_structure(text)
    leaked = sorted(w for w in words if w.lower() not in structure
                    and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.IGNORECASE))
    assert not leaked, f"{system}: {leaked[:10]}"
    assert not sorted(v for v in exact if v in text), system

    # replayed, with fresh credentials (the school's real ones, which the trace never held) …
    with start_replay([path]) as replayed:
        base = replayed.base_url(system)
        again = asyncio.run(_outcome(spec, _pointed_at(spec, credentials, base)))
        # … and with the stand-ins the replay describes
        described = replayed.describe()["systems"][system]["credentials"]
        stand_ins = asyncio.run(_outcome(spec, described))
        emulator = replayed.emulator(system)
        assert isinstance(emulator, replay.ReplayEmulator)
    assert again == direct, system
    assert stand_ins[0] == direct[0], system
    assert sorted(_secret_values(spec, described)) != sorted(_secret_values(spec, credentials))


NOT_REPLAYABLE = (".unreachable", ".plain_http", ".field_invalid.base_url")
"""Mistakes about the way to the server itself (nothing listening, http:// off this computer, an
address the form refuses): the replay listens on loopback at its own address, so those cannot be
what it serves."""


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_each_setup_mistake_replays_with_its_own_code(system: str, school, tmp_path: Path) -> None:
    spec = registry.get(system)
    assert spec.emulator is not None
    reqs = spec.requirements()

    async def codes(credentials: dict[str, Any]) -> list[tuple[str, str, str]]:
        async with build_client(allow_plain_http=True, retries=1, backoff=0.05) as http:
            return sorted([(r.key, r.code, r.status.value)
                           async for r in checks.run(spec, Context(http=http), credentials, reqs)])

    with Sandbox() as box:
        hosted = box.add(spec.emulator(school))
        recorded = {}
        for name, scenario in hosted.emulator.scenarios(hosted.base_url).items():
            trace, results = asyncio.run(record.capture(spec, scenario.credentials, reqs, allow_plain_http=True))
            found = sorted((r.key, r.code, r.status.value) for r in results)
            if not any(code.endswith(NOT_REPLAYABLE) for _key, code, _status in found):
                recorded[name] = (trace, found, scenario)
    assert recorded
    for name, (trace, found, scenario) in recorded.items():
        assert scenario.expect in {code for _key, code, _status in found}, (system, name)
        path = tmp_path / f"{name}.json"
        record.write(trace, path)
        with start_replay([path]) as replayed:
            again = asyncio.run(codes(_pointed_at(spec, scenario.credentials, replayed.base_url(system))))
        assert again == found, (system, name)


def test_same_value_gets_the_same_fake_across_json_xml_and_urls() -> None:
    spec = registry.get("isams")
    scrubber = scrub.Scrubber(spec, {"base_url": "https://school.example"}, spec.requirements())
    people = scrubber.learn_json({"Students": [{"SchoolId": "S000123", "Forename": "Olivia", "Surname": "O'Brien",
                                                "DOB": "2012-03-04T00:00:00", "EmailAddress": "olivia.obrien@x.example",
                                                "Fullname": "Olivia O'Brien"}]})
    xml = scrubber.learn_xml('<Pupil Id="1"><SchoolId>S000123</SchoolId><Forename>Olivia</Forename>'
                             '<Surname>O&apos;Brien</Surname><Form>7A</Form></Pupil>')
    link = scrubber.scrub_text("https://school.example/api/pupils/S000123?name=Olivia")
    person = scrubber.scrub_json(people)["Students"][0]
    xml = scrubber.scrub_xml(xml)
    fake_id, fake_first = person["SchoolId"], person["Forename"]
    assert fake_id != "S000123" and re.fullmatch(r"S\d{6}", fake_id)
    assert fake_first != "Olivia" and len(fake_first) == 6 and fake_first[0].isupper()
    assert f"<SchoolId>{fake_id}</SchoolId>" in xml and f"<Forename>{fake_first}</Forename>" in xml
    assert "<Form>7A</Form>" in xml and '<Pupil Id="1">' in xml
    assert link == f"{scrub.ORIGIN}/api/pupils/{fake_id}?name={fake_first}"
    assert re.fullmatch(r"19\d\d-\d\d-\d\dT00:00:00", person["DOB"])
    assert person["EmailAddress"].endswith("@x.example") and "obrien" not in person["EmailAddress"]
    assert person["EmailAddress"].startswith(f"{fake_first.lower()}.")  # a word is faked alike everywhere
    assert person["Fullname"] == f"{fake_first} {person['Surname']}"
    assert "Brien" not in xml + json.dumps(person)


def test_personal_is_decided_by_the_field_name_and_its_concepts() -> None:
    spec = registry.get("integris")
    scrubber = scrub.Scrubber(spec, {"school_id": "8881234"}, spec.requirements())
    out = scrubber.learn_json({"classId": "CL00001", "description": "Year 7 English 1", "staffId1": "T00001",
                               "comments": "Ring Olivia's mum after 3pm", "dateOfBirth": "04/03/2012",
                               "homePhone": "03 9555 0123", "schoolId": "8881234", "gender": "F"})
    kept = {k: out[k] for k in ("classId", "description", "staffId1", "schoolId", "gender")}
    assert kept == {"classId": "CL00001", "description": "Year 7 English 1", "staffId1": "T00001",
                    "schoolId": "8881234", "gender": "F"}, "structural values and what the admin typed stay"
    assert "Olivia" not in out["comments"]
    assert re.fullmatch(r"[A-Z][a-z]{3} [A-Z][a-z]{5}'[a-z] [a-z]{3} [a-z]{5} \d[a-z]{2}", out["comments"])
    assert re.fullmatch(r"\d\d/\d\d/1912", out["dateOfBirth"])
    assert re.fullmatch(r"0\d \d{4} \d{4}", out["homePhone"]) and out["homePhone"] != "03 9555 0123"


def test_an_unrecorded_request_gets_a_404_naming_it(tmp_path: Path) -> None:
    import httpx

    trace = {"format": record.FORMAT, "system": "integris", "credentials": {}, "exchanges": [
        {"request": {"method": "GET", "path": "/schools/1/students", "query": [["page", "1"]], "headers": {}},
         "response": {"status": 200, "headers": {"content-type": "application/json"}, "json": {"students": []}}}]}
    path = tmp_path / "t.json"
    record.write(trace, path)
    with start_replay([path]) as box:
        base = box.base_url("integris")
        hit = httpx.get(f"{base}/schools/1/students", params={"page": "1"})
        miss = httpx.get(f"{base}/schools/1/students", params={"page": "2"})
        elsewhere = httpx.get(f"{base}/schools/1/staff")
    assert hit.status_code == 200 and hit.json() == {"students": []}
    assert miss.status_code == 404
    assert "Not in the trace: GET /schools/1/students?page=2" in miss.json()["message"]
    assert "GET /schools/1/students?page=1" in miss.json()["message"]
    assert elsewhere.status_code == 404 and "no request for that path" in elsewhere.json()["message"]


def test_replay_takes_any_key_and_another_day(tmp_path: Path) -> None:
    import httpx

    trace = {"format": record.FORMAT, "system": "isams", "credentials": {}, "exchanges": [
        {"request": {"method": "GET", "path": "/api/register", "query": [["apiKey", scrub.REMOVED],
                                                                        ["date", "2026-12-03"]], "headers": {}},
         "response": {"status": 200, "headers": {"content-type": "application/json"},
                      "json": {"next": f"{scrub.ORIGIN}/api/register?page=2"}}}]}
    path = tmp_path / "t.json"
    record.write(trace, path)
    with start_replay([path]) as box:
        base = box.base_url("isams")
        later = httpx.get(f"{base}/api/register", params={"apiKey": "a-fresh-key", "date": "2027-01-05"})
        keyless = httpx.get(f"{base}/api/register", params={"date": "2026-12-03"})
    assert later.status_code == 200 and later.json() == {"next": f"{base}/api/register?page=2"}
    assert keyless.status_code == 404, "a parameter the trace had is still needed"
    with pytest.raises(ValueError, match="same system"):
        start_replay([path, path])


def test_a_request_that_got_no_answer_is_recorded_and_replayed_as_such(school, tmp_path: Path) -> None:
    import httpx

    from mis_wizard.vendors.sandbox.kit import Fault, FaultKind

    spec = registry.get("integris")
    assert spec.emulator is not None
    recorder = record.Recorder()

    async def ask(base: str) -> None:
        async with build_client(allow_plain_http=True, retries=0, recorder=recorder) as http:
            with pytest.raises(httpx.HTTPError):
                await http.get(f"{base}/schools/1/teachers")

    with Sandbox() as box:
        hosted = box.add(spec.emulator(school))
        box.inject("integris", Fault(FaultKind.DROP, route="/schools"))
        asyncio.run(ask(hosted.base_url))
        credentials = hosted.emulator.credentials(hosted.base_url)
    trace = record.build_trace(spec, credentials, spec.requirements(), recorder.exchanges)
    (only,) = trace["exchanges"]
    assert only["request"]["path"] == "/schools/1/teachers" and "status" not in only["response"]
    assert "(RemoteProtocolError)" in only["response"]["failed"] or "(ReadError)" in only["response"]["failed"]
    path = tmp_path / "t.json"
    record.write(trace, path)
    with start_replay([path]) as replayed:
        answer = httpx.get(f"{replayed.base_url('integris')}/schools/1/teachers")
    assert answer.status_code == 504 and "got no answer" in answer.json()["message"]


def test_a_file_that_is_not_a_trace_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"exchanges": []}', encoding="utf-8")
    with pytest.raises(record.TraceError, match="not a trace"):
        record.load(bad)
