"""The Qt binding the app is installed with must not lose references to None.

PySide6 6.12.0 on Python 3.11 lowers None's reference count on every call that returns nothing, until Python
aborts with "none_dealloc: deallocating None" (about half a page of typing in the editor). pyproject.toml
therefore installs 6.11.x below Python 3.12; this test fails on any binding with that bug. It runs in a
child process because the failure is an abort, not an exception.
"""

from __future__ import annotations

import os
import subprocess
import sys

CALLS = 100_000
PROBE = f"""
import sys
from PySide6.QtCore import QObject
from PySide6.QtGui import QSyntaxHighlighter, QTextCharFormat, QTextDocument

class Highlighter(QSyntaxHighlighter):
    def highlightBlock(self, text):
        for start in range(0, len(text), 2):
            self.setFormat(start, 1, self.format_)

item = QObject()
before = sys.getrefcount(None)
for _ in range({CALLS}):
    item.setObjectName("x")  # a Qt call that returns nothing
document = QTextDocument()
highlighter = Highlighter(document)
highlighter.format_ = QTextCharFormat()
document.setPlainText("ab " * 20000)  # highlightBlock's setFormat: the editor's hot path
print(sys.getrefcount(None) - before)
"""


def test_void_qt_calls_do_not_lose_references_to_none():
    child = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert child.returncode == 0, f"the Qt binding crashed Python ({child.returncode}):\n{child.stderr[-2000:]}"
    change = int(child.stdout.strip().splitlines()[-1])
    assert change >= 0, f"{CALLS} void Qt calls lost {-change} references to None"
