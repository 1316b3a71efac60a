"""A long editing session on the real sandbox window, run as its own process by the soak tests.

`python -m tests.soak.driver SCENARIO --seconds S --out RESULT.json` opens the sample site in the real
`MainWindow` (real editor pane, real workspace, journal and cache), drives it by keys and clicks for one
scenario, and writes what it measured: how much work was done, resident memory at the start and the end,
and every Qt message that warns about deleted objects. A refcount bug in the Qt binding shows as the process
aborting, which only a separate process can observe; the parent test reads the exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QTextCharFormat
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from editor_app.app import _make_application
from editor_app.paths import AppDirs
from editor_app.ui.main_window import MainWindow
from editor_app.ui.media_library import MediaLibraryDialog
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from editor_app.ui.tasks import TaskRunner
from editor_app.ui.widgets.markdown_editor import MarkdownEditor, MarkdownHighlighter

# Qt's words for a widget or object used after it was deleted; any of them fails a soak run.
DELETED_OBJECT_WARNING = re.compile(r"deleted|destroyed|dangling|already been deleted", re.IGNORECASE)
# A page of prose: about 500 words.
PAGE_CHARACTERS = 3000
PAGE_TEXT = (
    "Cover crops keep the soil *alive* over winter: their roots hold it, and the **green manure** feeds the next "
    "season's beds. See [the planting guide](/guides/planting) and `mulch` notes.\n"
    "- Sow rye or vetch in late autumn, after the last harvest.\n"
    "> Volunteers often ask whether clover is worth it; it fixes nitrogen and flowers for the bees.\n"
)


class SpellLikeHighlighter(MarkdownHighlighter):
    """The markdown highlighter plus a wavy underline under every long word, as a spell checker draws."""

    def __init__(self, document: object) -> None:
        super().__init__(document)
        self.misspelled = QTextCharFormat()
        self.misspelled.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
        self.misspelled.setUnderlineColor(Qt.GlobalColor.red)

    def highlightBlock(self, text: str) -> None:
        super().highlightBlock(text)
        for match in re.finditer(r"[A-Za-z]{7,}", text):
            self.setFormat(match.start(), match.end() - match.start(), self.misspelled)


def resident_mb() -> float:
    """This process's resident memory in MB (Linux /proc; peak RSS elsewhere)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def wait_until(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Process events until `condition` holds; RuntimeError after the timeout."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for the window")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.002)


class Session:
    """The sandbox's main window and the helpers that drive it as a user does."""

    def __init__(self, home: Path) -> None:
        self.app = _make_application()
        dirs = AppDirs.under(home)
        self.runner = TaskRunner()
        settings = QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat)
        self.window = MainWindow(open_site(SiteChoice("sandbox"), dirs), settings, self.runner)
        self.window.resize(1280, 800)
        self.window.show()
        self.window.activateWindow()
        QTest.qWaitForWindowActive(self.window, 5000)
        loaded: list[bool] = []
        self.window.site_loaded.connect(lambda: loaded.append(True))
        self.window.load_site()
        wait_until(lambda: bool(loaded), 60)

    def select_collection(self, name: str) -> None:
        """Click the collection in the tree, and wait for its entries."""
        tree = self.window.collection_tree
        item = tree.item_for(name)
        tree.scrollToItem(item)
        rect = tree.visualItemRect(item)
        QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
        wait_until(lambda: self.window.entry_list.model.rowCount() > 0)

    def open_row(self, row: int) -> None:
        """Double-click a row of the entry list and wait until its entry is shown."""
        view = self.window.entry_list.table
        index = view.model().index(row, 0)
        view.scrollTo(index)
        rect = view.visualRect(index)
        opened: list[object] = []
        self.window.entry_opened.connect(opened.append)
        try:
            QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
            QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                              rect.center())
            wait_until(lambda: bool(opened))
        finally:
            self.window.entry_opened.disconnect(opened.append)

    def body_editor(self) -> MarkdownEditor:
        """The markdown editor of the open entry's body."""
        editors = [e for e in self.window.findChildren(MarkdownEditor) if e.isVisibleTo(self.window)]
        if not editors:
            raise RuntimeError("the open entry shows no markdown editor")
        return editors[-1]

    def shortcut(self, target: QWidget, key: Qt.Key) -> None:
        """Ctrl+`key` on `target`, in the main window as the active window.

        Offscreen Qt has no window manager: once a dialog or popup closed, nothing makes the main window active
        again, and its shortcuts would stay silent. A user's click on the window does that; so does this.
        """
        if not self.window.isActiveWindow():
            self.window.activateWindow()
            QTest.qWaitForWindowActive(self.window, 5000)
            target.setFocus()
        QTest.keyClick(target, key, Qt.KeyboardModifier.ControlModifier)


def type_pages(session: Session, pages: int, seconds: float) -> dict[str, object]:
    """Type `pages` pages into a post's body, one key at a time, with spell-check-like underlining on."""
    session.select_collection("posts")
    session.open_row(0)
    editor = session.body_editor()
    editor.highlighter.setDocument(None)
    editor.highlighter = SpellLikeHighlighter(editor.edit.document())
    editor.edit.setFocus()
    editor.edit.moveCursor(editor.edit.textCursor().MoveOperation.End)
    typed = 0
    target = pages * PAGE_CHARACTERS
    started = time.monotonic()
    while typed < target and time.monotonic() - started < seconds:
        chunk = PAGE_TEXT[: target - typed]
        for line in chunk.splitlines(keepends=True):
            QTest.keyClicks(editor.edit, line.rstrip("\n"))
            if line.endswith("\n"):
                QTest.keyClick(editor.edit, Qt.Key.Key_Return)
        typed += len(chunk)
        QApplication.processEvents()
    return {"characters": typed, "pages": round(typed / PAGE_CHARACTERS, 1),
            "in_body": len(editor.text()) >= typed}


def switch_entries(session: Session, switches: int, seconds: float) -> dict[str, object]:
    """Open one entry after another from the list by double clicks, `switches` times."""
    session.select_collection("plants")
    rows = session.window.entry_list.model.rowCount()
    done = 0
    started = time.monotonic()
    while done < switches and time.monotonic() - started < seconds:
        session.open_row(done % rows)
        done += 1
    return {"switches": done, "rows": rows}


def media_library_cycles(session: Session, cycles: int, seconds: float) -> dict[str, object]:
    """Open the media library with its shortcut and close it with Escape, `cycles` times."""
    done = 0
    started = time.monotonic()
    while done < cycles and time.monotonic() - started < seconds:
        session.shortcut(session.window, Qt.Key.Key_M)
        wait_until(lambda: _open_library(session) is not None)
        dialog = _open_library(session)
        assert dialog is not None
        wait_until(lambda shown=dialog: shown.list.count() > 0)
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        wait_until(lambda: _open_library(session) is None)
        done += 1
    return {"cycles": done}


def _open_library(session: Session) -> MediaLibraryDialog | None:
    shown = [d for d in session.window.findChildren(MediaLibraryDialog) if d.isVisible()]
    return shown[0] if shown else None


def save_many(session: Session, saves: int, seconds: float) -> dict[str, object]:
    """Type into a post's title and press Ctrl+S, `saves` times; each save is one commit."""
    session.select_collection("posts")
    session.open_row(0)
    saved: list[object] = []
    session.window.entry_saved.connect(saved.append)
    title = session.window.editor.form.editor("title").line
    done = 0
    started = time.monotonic()
    while done < saves and time.monotonic() - started < seconds:
        title.setFocus()
        QTest.keyClicks(title, str(done % 10))
        session.shortcut(title, Qt.Key.Key_S)
        wait_until(lambda before=done: len(saved) > before)
        done += 1
    return {"saves": done, "title": title.text()[-20:]}


SCENARIOS: dict[str, Callable[[Session, int, float], dict[str, object]]] = {
    "typing": type_pages,
    "switching": switch_entries,
    "media-library": media_library_cycles,
    "saving": save_many,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--count", type=int, required=True, help="pages, switches, cycles or saves")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long even if not done")
    parser.add_argument("--home", type=Path, required=True, help="the app's data folder for this run")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    warnings: list[str] = []

    def on_message(kind: QtMsgType, _context: object, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg and DELETED_OBJECT_WARNING.search(message):
            warnings.append(message)
        sys.stderr.write(message + "\n")

    qInstallMessageHandler(on_message)
    session = Session(args.home)
    for _ in range(20):  # let start-up work settle before the baseline
        QApplication.processEvents()
    none_before = sys.getrefcount(None)
    rss_before = resident_mb()
    started = time.monotonic()
    figures = SCENARIOS[args.scenario](session, args.count, args.seconds)
    elapsed = time.monotonic() - started
    QTimer.singleShot(0, lambda: None)
    QApplication.processEvents()
    result = {
        "scenario": args.scenario,
        "seconds": round(elapsed, 2),
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(resident_mb(), 1),
        "none_refcount_change": sys.getrefcount(None) - none_before,
        "warnings": warnings,
        **figures,
    }
    args.out.write_text(json.dumps(result))
    for dialog in session.window.findChildren(QDialog):
        dialog.reject()
    session.window.discard_and_close()
    wait_until(lambda: session.runner.running == 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
