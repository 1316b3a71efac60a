"""A real main window on the sandbox, typing into an entry's title as a person would (bursts and short pauses).

Used in process by the typing benchmark (`tests/benchmarks/ui.py`) and as a child process by the kill -9 test
(`test_journal_kills.py`): `python -m tests.ui.typist HOME LOG SEED` opens the sandbox with `HOME` as the app's
home, starts typing, and appends one line per typed character to `LOG` ("<index> <time.time()>"), after a
first line "ready <path> <original title>". It types until it is killed.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
POST = "content/posts/2026-07-14-tomato-diary.md"


def typed_text(count: int) -> str:
    """The first `count` characters the typist types (always the same sequence)."""
    return "".join(ALPHABET[i % len(ALPHABET)] for i in range(count))


def intervals(seed: int) -> Iterator[float]:
    """Seconds between keystrokes: bursts of 40-160 ms with some pauses up to 380 ms (never a 400 ms rest)."""
    rng = random.Random(seed)
    while True:
        yield rng.uniform(0.25, 0.38) if rng.random() < 0.1 else rng.uniform(0.04, 0.16)


def open_typing_window(home: Path) -> tuple[Any, Any, Any]:
    """(app, window, title line edit) of a real main window on the sandbox with the tomato diary open."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from editor_app.paths import AppDirs
    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.site_login import open_site
    from editor_app.ui.start_dialog import SiteChoice
    from editor_app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([sys.argv[0]])
    dirs = AppDirs.under(home)
    settings = QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(open_site(SiteChoice("sandbox"), dirs), settings, TaskRunner())
    window.resize(1200, 800)
    window.show()
    window.open_entry("posts", POST)  # straight to the entry: the collections need not load for typing
    deadline = time.monotonic() + 30
    while window.current_entry is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    if window.current_entry is None:
        raise TimeoutError(f"{POST} did not open")
    title = window.editor.form.editor("title").focus_target()
    title.setFocus()
    title.end(False)
    app.processEvents()
    return app, window, title


def _type_until_killed(home: Path, log_path: Path, seed: int) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest

    app, window, title = open_typing_window(home)
    log = log_path.open("a", buffering=1, encoding="utf-8")
    log.write(f"ready {POST} {title.text()}\n")
    gaps = intervals(seed)
    text = typed_text(1_000_000)
    state = {"next": 0}

    def type_one() -> None:
        index = state["next"]
        QTest.keyClick(title, text[index], Qt.KeyboardModifier.NoModifier)
        log.write(f"{index} {time.time():.4f}\n")
        state["next"] = index + 1
        QTimer.singleShot(int(next(gaps) * 1000), type_one)

    QTimer.singleShot(0, type_one)
    app.exec()
    window.close()  # never reached in the kill test: the process is killed while typing


if __name__ == "__main__":
    _type_until_killed(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
