"""The encrypted bundle: everything the integrator needs, readable only by them.

A zip (manifest, credentials, check report, mapping and filters, and the receipt of every field
that leaves the school, as receipt.json and receipt.txt) built in memory and
age-encrypted with pyrage to the profile's X25519 recipients, or to a passphrase when the
profile names none. The plaintext never touches the disk: only ciphertext is written, through
a temporary file and a rename. The `age` command line tool opens it with the integrator's
identity, so they need none of our code.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import platform
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage
from pyrage import passphrase as age_passphrase
from pyrage import x25519

from mis_wizard import __version__
from mis_wizard.wizard import atomic
from mis_wizard.wizard.handoff import armor
from mis_wizard.wizard.subject import Subject

FORMAT_VERSION = 1
MEMBERS = ("manifest.json", "credentials.json", "checks.json", "mapping.json")
"""What every bundle holds; a bundle without one of these is damaged."""
RECEIPT_MEMBERS = ("receipt.json", "receipt.txt")
"""Every field that leaves, per entity, with its class and purpose (handoff/receipt.py); written in
every bundle since the receipt was added, read when present so older bundles still open."""
WRITTEN = MEMBERS + RECEIPT_MEMBERS
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
"""A real bundle is a few kilobytes; anything this large is not one."""
MAX_MEMBER_BYTES = 16 * 1024 * 1024
MAX_TOTAL_BYTES = 32 * 1024 * 1024
"""Ceilings on what the bundle's members expand to, counted while reading (the zip's own sizes may lie)."""
MAX_IDENTITY_BYTES = 64 * 1024


class BundleError(Exception):
    """A bundle that cannot be made or opened; ``code`` is stable for scripts and tests."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class OpenedBundle:
    manifest: dict[str, Any]
    credentials: dict[str, Any]
    checks: dict[str, Any]
    mapping: dict[str, Any]
    receipt: dict[str, Any] = field(default_factory=dict)
    receipt_text: str = ""


def manifest(subject: Subject) -> dict[str, Any]:
    """Also the approval receipt: who ran it, for which school, and which data areas were asked for."""
    return {
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "system": {"id": subject.spec.id, "name": subject.spec.name},
        "school": subject.school,
        "profile": {"id": subject.profile.id, "integrator": subject.profile.integrator.name,
                    "product": subject.profile.integrator.product},
        "ran_by": subject.ran_by,
        "computer": platform.node(),
        "data_areas": subject.profile.data_areas(subject.spec.id),
        "key_sets": [ks.id for ks in subject.spec.key_sets(subject.requirements)],
        "checked_at": subject.checks.get("checked_at", ""),
    }


def plaintext(subject: Subject) -> bytes:
    # the receipt reads the mapping package, imported when a bundle is made, not when the window opens
    from mis_wizard.wizard.handoff import receipt
    from mis_wizard.wizard.mapping.rules import RuleError

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        contents = {
            "manifest.json": manifest(subject),
            "credentials.json": subject.credentials,
            "checks.json": subject.checks,
            "mapping.json": {"mapping": subject.mapping, "filters": subject.filters,
                             "profile_filters": subject.profile.filters},
        }
        for name in MEMBERS:
            zf.writestr(name, json.dumps(contents[name], indent=2, sort_keys=True, ensure_ascii=False))
        try:
            sent = receipt.build(subject.spec, subject.profile, subject.mapping)
        except RuleError as exc:
            raise BundleError("bundle.mapping_unreadable",
                              "This setup's mapping has a rule the wizard cannot read, so the list of what leaves "
                              "the school cannot be made. Open Map the fields, check the rules and save them "
                              "again.") from exc
        zf.writestr("receipt.json", json.dumps(sent, indent=2, ensure_ascii=False))
        zf.writestr("receipt.txt", receipt.as_text(sent))
    return buffer.getvalue()


def parse_recipients(values: list[str]) -> list[x25519.Recipient]:
    out = []
    for value in values:
        try:
            out.append(x25519.Recipient.from_str(value.strip()))
        except Exception as exc:  # pyrage raises its own error types without a common base
            raise BundleError("bundle.bad_recipient",
                              f"{value[:12]}… is not an age public key (it should start with age1).") from exc
    return out


def create(subject: Subject, out: Path, recipients: list[str] | None = None,
           passphrase: str | None = None) -> Path:
    """Encrypt to recipients (profile's, or those given), else to the passphrase."""
    keys = list(recipients if recipients is not None else subject.profile.recipients)
    data = plaintext(subject)
    if keys:
        ciphertext = pyrage.encrypt(data, parse_recipients(keys))
    elif passphrase:
        if len(passphrase) < 10:
            raise BundleError("bundle.weak_passphrase", "Choose a passphrase of at least 10 characters.")
        ciphertext = age_passphrase.encrypt(data, passphrase)
    else:
        raise BundleError("bundle.no_recipient",
                          "The profile names no integrator key: give --recipient AGE_PUBLIC_KEY or a passphrase.")
    atomic.write_bytes(out, ciphertext)
    return out


def generate_identity(out: Path) -> str:
    """Write a new identity file (private) and return its public key."""
    if out.exists():
        raise BundleError("keygen.exists", f"{out} already exists; choose another file so no key is lost.")
    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    text = f"# created: {created}\n# public key: {public}\n{identity}\n"
    atomic.write_bytes(out, text.encode())
    out.chmod(0o600)
    return public


def read_identity(path: Path) -> x25519.Identity:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_IDENTITY_BYTES + 1)
    except OSError as exc:
        raise BundleError("bundle.identity_unreadable", f"Cannot read the identity file {path}.") from exc
    try:
        if len(raw) > MAX_IDENTITY_BYTES or b"\0" in raw:
            raise ValueError("not a text file")
        lines = raw.decode("utf-8").splitlines()
    except ValueError as exc:  # UnicodeDecodeError too
        raise BundleError("bundle.identity_not_text",
                          f"{path} is not an identity file: it is not a short text file. Give the file "
                          "`mis-wizard keygen` wrote (it holds a line starting AGE-SECRET-KEY-).") from exc
    for line in lines:
        if line.strip().startswith("AGE-SECRET-KEY-"):
            try:
                return x25519.Identity.from_str(line.strip())
            except Exception:  # pyrage error types have no common base
                break
    raise BundleError("bundle.identity_invalid",
                      f"{path} holds no age identity (a line starting AGE-SECRET-KEY-).")


def _header_kind(ciphertext: bytes) -> str:
    if not ciphertext.startswith(b"age-encryption.org/v1\n"):
        return "not_age"
    header = ciphertext[:4096]
    return "passphrase" if b"\n-> scrypt " in header else "recipients"


def open_bundle(path: Path, identity: Path | None = None, passphrase: str | None = None) -> OpenedBundle:
    """Decrypt and check a bundle; every failure is a BundleError with its own code, nothing written."""
    try:
        with open(path, "rb") as fh:
            ciphertext = fh.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise BundleError("bundle.unreadable", f"Cannot read {path}.") from exc
    if len(ciphertext) > MAX_BUNDLE_BYTES:
        raise BundleError("bundle.too_large", f"{path} is far larger than a bundle can be "
                          f"({MAX_BUNDLE_BYTES // (1024 * 1024)} MB at most), so it was not opened.")
    try:
        ciphertext = armor.dearmor(ciphertext)  # `age -a` output
    except armor.ArmorError as exc:
        raise BundleError("bundle.damaged", f"The bundle is damaged ({exc}); ask the school to send it again.") from exc
    kind = _header_kind(ciphertext)
    if kind == "not_age":
        raise BundleError("bundle.not_a_bundle", f"{path} is not an encrypted bundle (no age header).")
    try:
        if kind == "passphrase":
            if not passphrase:
                raise BundleError("bundle.needs_passphrase",
                                  "This bundle is protected by a passphrase: give --passphrase-env NAME.")
            data = age_passphrase.decrypt(ciphertext, passphrase)
        else:
            if identity is None:
                raise BundleError("bundle.needs_identity", "This bundle is encrypted to a key: give --identity FILE.")
            data = pyrage.decrypt(ciphertext, [read_identity(identity)])
    except pyrage.DecryptError as exc:
        text = str(exc)
        if "No matching keys" in text:
            raise BundleError("bundle.wrong_identity",
                              "This bundle was not encrypted to that identity. Use the identity whose public key "
                              "is in the profile, or ask the school to export again with your key.") from exc
        if kind == "passphrase" and "Decryption failed" in text:
            raise BundleError("bundle.wrong_passphrase", "The passphrase is wrong.") from exc
        raise BundleError("bundle.damaged",
                          "The bundle is truncated or has been altered; ask the school to send it again.") from exc
    return _unpack(data)


def _too_large() -> BundleError:
    return BundleError("bundle.too_large",
                       "The bundle's contents expand to far more than a bundle holds "
                       f"({MAX_MEMBER_BYTES // (1024 * 1024)} MB a part, "
                       f"{MAX_TOTAL_BYTES // (1024 * 1024)} MB in all), "
                       "so it was not opened. Ask the school to export it again from the wizard.")


def _read_member(zf: zipfile.ZipFile, name: str, budget: int) -> bytes:
    """A member's bytes, refused when its size passes its ceiling or the bundle's remaining budget.
    zipfile reads a member no further than the size its entry states (it is checked by CRC), so the
    stated size bounds what is read."""
    limit = min(MAX_MEMBER_BYTES, budget)
    if zf.getinfo(name).file_size > limit:
        raise _too_large()
    with zf.open(name) as fh:
        return fh.read()


def _unpack(data: bytes) -> OpenedBundle:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            raw: dict[str, bytes] = {}
            budget = MAX_TOTAL_BYTES
            present = set(zf.namelist())
            for name in [*MEMBERS, *(n for n in RECEIPT_MEMBERS if n in present)]:
                raw[name] = _read_member(zf, name, budget)
                budget -= len(raw[name])
        text = raw.pop("receipt.txt", b"").decode("utf-8")
        parts = {name: json.loads(value) for name, value in raw.items()}
    except (zipfile.BadZipFile, KeyError, ValueError, RecursionError, EOFError) as exc:
        raise BundleError("bundle.damaged", "The bundle decrypted but its contents are incomplete.") from exc
    if not all(isinstance(parts[name], dict) for name in parts):
        raise BundleError("bundle.damaged", "The bundle decrypted but its contents are not what the wizard writes.")
    version = parts["manifest.json"].get("format_version")
    if version is None:
        raise BundleError("bundle.no_format",
                          "This bundle's manifest says no format version, so it was not made by the MIS Onboarding "
                          "Wizard or has been altered. Ask the school to export it again from the wizard.")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleError("bundle.bad_format",
                          "This bundle's manifest has a format version the wizard never writes, so it was not "
                          "opened. Ask the school to export it again from the wizard.")
    if version > FORMAT_VERSION:
        raise BundleError("bundle.newer_format",
                          f"This bundle uses format {version}, newer than this program reads ({FORMAT_VERSION}). "
                          "Update the MIS Onboarding Wizard and open it again.")
    return OpenedBundle(parts["manifest.json"], parts["credentials.json"], parts["checks.json"],
                        parts["mapping.json"], parts.get("receipt.json", {}), text)


def write_opened(opened: OpenedBundle, out_dir: Path) -> list[Path]:
    """Write the opened parts to a folder (the integrator's side); each file atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, value in zip(MEMBERS, (opened.manifest, opened.credentials, opened.checks, opened.mapping),
                           strict=True):
        target = out_dir / name
        atomic.write_bytes(target, json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).encode())
        written.append(target)
    if opened.receipt:
        target = out_dir / "receipt.json"
        atomic.write_bytes(target, json.dumps(opened.receipt, indent=2, ensure_ascii=False).encode())
        written.append(target)
    if opened.receipt_text:
        target = out_dir / "receipt.txt"
        atomic.write_bytes(target, opened.receipt_text.encode("utf-8"))
        written.append(target)
    return written
