"""age's ASCII armor (``age -a``): the binary file as base64 between PEM-style lines.

The age spec (C2SP age, "ASCII armor"): ``-----BEGIN AGE ENCRYPTED FILE-----``, the file in
standard base64 with padding in lines of 64 columns (the last one shorter), then
``-----END AGE ENCRYPTED FILE-----``; whitespace before and after is allowed. pyrage reads
only the binary form, so an armored bundle is turned back into it first.
"""

from __future__ import annotations

import base64
import binascii

BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
END = b"-----END AGE ENCRYPTED FILE-----"


class ArmorError(ValueError):
    """Armored, but the text between the markers is not what ``age -a`` writes."""


def is_armored(data: bytes) -> bool:
    return data.lstrip().startswith(BEGIN)


def dearmor(data: bytes) -> bytes:
    """The binary age file inside armor; binary input is returned as it is."""
    if not is_armored(data):
        return data
    lines = data.strip().replace(b"\r\n", b"\n").split(b"\n")
    if lines[-1].strip() != END or len(lines) < 3:
        raise ArmorError("the armored file has no END line; it is truncated")
    body = [line.strip() for line in lines[1:-1]]
    if any(len(line) > 64 for line in body) or any(len(line) != 64 for line in body[:-1]):
        raise ArmorError("the armored file's lines are not 64 columns")
    try:
        return base64.b64decode(b"".join(body), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ArmorError("the armored file holds characters that are not base64") from exc


def armor(data: bytes) -> bytes:
    """What ``age -a`` writes for ``data`` (a binary age file)."""
    text = base64.b64encode(data)
    lines = [text[i:i + 64] for i in range(0, len(text), 64)] or [b""]
    return b"\n".join([BEGIN, *lines, END]) + b"\n"
