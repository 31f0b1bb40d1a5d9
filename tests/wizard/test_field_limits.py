"""Junk pasted into a field (a whole file, a NUL, a line break in a URL) is refused at the form,
with a message that says what to do, before anything is sent to the school's server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Field, FieldKind
from mis_wizard.wizard.cli import main

SYSTEMS = [s.id for s in registry.all_specs()]


def _first(spec, kind: FieldKind) -> tuple[str | None, Field] | None:
    """(key set id or None for a connection field, field) of the first field of ``kind``."""
    for f in spec.fields:
        if f.kind is kind:
            return None, f
    for ks in spec.key_sets({}):
        for f in ks.fields:
            if f.kind is kind:
                return ks.id, f
    return None


def _put(creds: dict, where: str | None, f: Field, value: str) -> None:
    if where is None:
        creds[f.id] = value
    else:
        creds.setdefault(where, {})[f.id] = value


@pytest.mark.parametrize("kind", [FieldKind.URL, FieldKind.TEXT, FieldKind.CODE, FieldKind.SECRET])
def test_each_kind_has_a_ceiling_and_refuses_control_characters(kind: FieldKind) -> None:
    f = Field("x", "Token Key", kind=kind)
    too_long = f.validate("a" * (kind.max_length + 1))
    assert too_long and "Token Key is" in too_long and "Copy it again" in too_long
    assert "line breaks" in (f.validate("abc\x00def") or "")
    assert "line breaks" in (f.validate("abc\ndef") or "")
    assert f.validate("a" * 20) is None or kind is FieldKind.URL


def test_a_certificate_may_span_lines_but_not_hold_nul() -> None:
    f = Field("cert", "Certificate", kind=FieldKind.MULTILINE_SECRET)
    assert f.validate("-----BEGIN X-----\nabc\n-----END X-----") is None
    assert f.validate("abc\x00") is not None


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_50_mb_secret_and_a_nul_url_are_refused_before_the_network(system: str, small_school,
                                                                      tmp_path: Path, capsys) -> None:
    spec = registry.get(system)
    assert spec.emulator is not None
    creds = spec.emulator(small_school).credentials("http://127.0.0.1:9")
    url = _first(spec, FieldKind.URL)
    secret = _first(spec, FieldKind.SECRET) or _first(spec, FieldKind.MULTILINE_SECRET)
    if url:
        _put(creds, *url, value="https://127.0.0.1:1/\x00" + "x" * 3000)
    if secret:
        _put(creds, *secret, value="s" * 50_000_000)
    assert url or secret, f"{system} has neither a web address nor a secret field"
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(creds), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", system, "--credentials", str(path), "--json"]) == 1
    out = capsys.readouterr().out
    results = json.loads(out)["results"]
    form = [r for r in results if ".field_invalid." in r["code"] and r["status"] == "failed"]
    assert form, results
    assert all(r["status"] != "ok" for r in results)  # nothing reached the (absent) server
    assert "s" * 1000 not in out  # the pasted junk is never echoed back
