"""The Qt binding itself: PySide6 6.12.0's ``SignalInstance.emit`` hands back ``True`` without a
reference of its own, so every emit of a signal declared in Python takes one reference from
``True`` until the interpreter frees it and aborts ("bool_dealloc"), at exit or mid-session.
pyproject.toml excludes that release; this keeps any other with the same fault out."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(bool)
    ticked = Signal()


def test_emitting_a_python_signal_leaves_the_reference_counts_of_true_and_false_alone(qapp) -> None:
    emitter = _Emitter()
    seen: list[bool] = []
    emitter.changed.connect(seen.append)
    emitter.ticked.connect(lambda: None)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for i in range(200):
        emitter.changed.emit(i % 2 == 0)
        emitter.ticked.emit()
    seen.clear()
    drift = sys.getrefcount(True) - before[0], sys.getrefcount(False) - before[1]
    # 400 emits: the faulty release drifts by -400; other threads may move a few references meanwhile
    assert all(abs(d) < 40 for d in drift), drift
