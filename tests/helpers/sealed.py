"""A bundle sealed by hand for the integrator's key, with a manifest of the given format version
and every other member empty: what an older or newer wizard's bundle looks like from outside."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyrage
from pyrage import x25519

from mis_wizard.wizard.handoff import bundle


def bundle_of_version(path: Path, public: str, format_version: int) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in bundle.MEMBERS:
            zf.writestr(name, json.dumps({"format_version": format_version} if name == "manifest.json" else {}))
    path.write_bytes(pyrage.encrypt(buf.getvalue(), [x25519.Recipient.from_str(public)]))
    return path
