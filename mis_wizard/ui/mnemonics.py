"""Alt-key mnemonics for generated forms: each label gets a letter no other control on the
window uses where one is free, so keyboard-only admins can jump to any field."""

from __future__ import annotations

RESERVED = frozenset("bnhf")
"""Back, Next, Help and Screen-share sa&fe, always on screen: no page may use them."""


class Mnemonics:
    def __init__(self, reserved: frozenset[str] = RESERVED) -> None:
        self._used = set(reserved)

    def label(self, text: str) -> str:
        """``text`` with ``&`` before the first free letter (literal ``&`` doubled).

        When every letter is taken (a system with many keys), the first letter is shared: Qt
        then moves between the fields with that letter on each press, so each is still reachable."""
        free = next((i for i, ch in enumerate(text) if ch.isalnum() and ch.lower() not in self._used), None)
        if free is None:
            free = next((i for i, ch in enumerate(text) if ch.isalnum()), None)
        if free is None:
            return text.replace("&", "&&")
        self._used.add(text[free].lower())
        return text[:free].replace("&", "&&") + "&" + text[free:].replace("&", "&&")
