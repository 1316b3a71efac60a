"""emit(): emitting signals from Python must not eat references to True (PySide6 6.12.0 bug)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from editor_app.ui.signals import emit


class Source(QObject):
    happened = Signal(object)


def test_emitting_many_times_keeps_the_reference_count_of_true(qtbot):
    source = Source()
    received = []
    source.happened.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(500):
        emit(source.happened, i)
    assert len(received) == 500
    assert sys.getrefcount(True) >= before
