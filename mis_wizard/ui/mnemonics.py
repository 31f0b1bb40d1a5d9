"""Alt-key mnemonics for generated forms: each label gets a letter no other control on the
window uses, so keyboard-only admins can jump to any field."""

from __future__ import annotations

RESERVED = frozenset("bnhs")
"""Back, Next, Help and Screen-share safe, always on screen."""


class Mnemonics:
    def __init__(self, reserved: frozenset[str] = RESERVED) -> None:
        self._used = set(reserved)

    def label(self, text: str) -> str:
        """``text`` with ``&`` before the first free letter (literal ``&`` doubled)."""
        out: list[str] = []
        placed = False
        for ch in text:
            if not placed and ch.isalnum() and ch.lower() not in self._used:
                self._used.add(ch.lower())
                out.append("&")
                placed = True
            out.append("&&" if ch == "&" else ch)
        return "".join(out)
