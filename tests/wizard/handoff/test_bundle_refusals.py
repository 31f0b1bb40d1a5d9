"""Each way a bundle or its key can be wrong, on the school's side and the integrator's, is refused
with its own code and nothing written."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from mis_wizard.wizard.handoff import bundle
from mis_wizard.wizard.profile import load
from mis_wizard.wizard.subject import from_credentials

CREDS = {"base_url": "https://liss.integrator.example/liss", "school_code": "RIVERBEND",
         "username": "td-sync", "password": "liss-Pa55word-for-sync!"}


def subject():  # type: ignore[no-untyped-def]
    return from_credentials("liss", dict(CREDS), load(None))



class _Code:
    def __init__(self, code: str) -> None:
        self.code = code
        self.raises = pytest.raises(bundle.BundleError)

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.info = self.raises.__enter__()
        return self.info

    def __exit__(self, *exc):  # type: ignore[no-untyped-def]
        handled = self.raises.__exit__(*exc)
        assert self.info.value.code == self.code, (self.info.value.code, self.code)
        return handled


def test_the_school_side_refuses_a_bad_key_and_a_short_passphrase(tmp_path: Path) -> None:
    out = tmp_path / "school.age"
    with _Code("bundle.bad_recipient") as err:
        bundle.create(subject(), out, ["age1-not-a-key-at-all"])
    assert "age1-not-a-" in str(err.value) and "not an age public key" in str(err.value)
    with _Code("bundle.weak_passphrase"):
        bundle.create(subject(), out, [], passphrase="short")
    assert not out.exists()


def test_an_identity_that_is_missing_or_holds_a_broken_key(tmp_path: Path) -> None:
    public = bundle.generate_identity(tmp_path / "real.key")
    sealed = bundle.create(subject(), tmp_path / "school.age", [public])
    with _Code("bundle.identity_unreadable") as err:
        bundle.open_bundle(sealed, identity=tmp_path / "missing.key")
    assert "Cannot read the identity file" in str(err.value)
    broken = tmp_path / "broken.key"
    broken.write_text("# public key: age1...\nAGE-SECRET-KEY-1NOTVALID\n", encoding="utf-8")
    with _Code("bundle.identity_invalid"):
        bundle.open_bundle(sealed, identity=broken)
    keyless = tmp_path / "notes.txt"
    keyless.write_text("just some notes\n", encoding="utf-8")
    with _Code("bundle.identity_invalid"):
        bundle.open_bundle(sealed, identity=keyless)
    with _Code("bundle.needs_identity") as err:
        bundle.open_bundle(sealed)
    assert "--identity FILE" in str(err.value)


def test_a_bundle_that_cannot_be_read_or_is_far_too_large(tmp_path: Path) -> None:
    with _Code("bundle.unreadable"):
        bundle.open_bundle(tmp_path / "nowhere.age")
    huge = tmp_path / "huge.age"
    with open(huge, "wb") as fh:
        fh.truncate(bundle.MAX_BUNDLE_BYTES + 1)
    with _Code("bundle.too_large") as err:
        bundle.open_bundle(huge)
    assert "64 MB at most" in str(err.value)


def sealed_zip(tmp_path: Path, manifest: object, other: object = None) -> tuple[Path, Path]:
    key = tmp_path / "integrator.key"
    public = bundle.generate_identity(key)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in bundle.MEMBERS:
            zf.writestr(name, json.dumps(manifest if name == "manifest.json" else ({} if other is None else other)))
    path = tmp_path / "made.age"
    path.write_bytes(pyrage.encrypt(buf.getvalue(), [x25519.Recipient.from_str(public)]))
    return path, key


@pytest.mark.parametrize(("manifest", "other", "code"), [
    ({"format_version": 1}, ["a list, not an object"], "bundle.damaged"),
    ({"format_version": "1"}, None, "bundle.bad_format"),
    ({"format_version": True}, None, "bundle.bad_format"),
    ({"format_version": 0}, None, "bundle.bad_format"),
])
def test_contents_the_wizard_never_writes(tmp_path: Path, manifest: object, other: object, code: str) -> None:
    path, key = sealed_zip(tmp_path, manifest, other)
    with _Code(code):
        bundle.open_bundle(path, identity=key)
    assert not list(tmp_path.glob("*.json")), "nothing of it written"
