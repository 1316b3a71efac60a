"""Screenshots for a person to look at: main window with an entry open, media library, start dialog.

They go to `screenshots/` at the repository root (gitignored). The test checks that each image was written
and is not blank.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

from editor_app.paths import AppDirs
from editor_app.ui.main_window import MainWindow
from editor_app.ui.media_library import MediaLibraryDialog
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import RecentSites, SiteChoice, StartDialog
from editor_app.ui.theme import apply_theme
from tests.ui.fakes import FakeEditor, FakeWorkspace, ScriptedPrompts

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "screenshots"


def save(widget: QWidget, name: str) -> Path:
    QApplication.processEvents()
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    colours = {image.pixelColor(x, y).rgb() for x in range(0, image.width(), 17) for y in range(0, image.height(), 17)}
    assert len(colours) > 5, f"{path} looks blank"
    return path


def png(colour: str) -> bytes:
    image = QImage(160, 120, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


@pytest.fixture(autouse=True)
def themed(qapp):
    apply_theme(qapp)


def test_screenshot_of_the_main_window_with_an_entry_open(qtbot, tmp_path, app_home, runner):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    window = MainWindow(workspace, settings, runner, prompts=ScriptedPrompts())  # the real editor pane
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("posts")
    key = "content/posts/2026-07-14-tomato-diary.md"
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", key)
    window.editor.render_preview()
    save(window, "main-window")


def test_screenshot_of_the_workflow_board(qtbot, tmp_path, app_home, runner):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    window = MainWindow(workspace, settings, runner, FakeEditor, ScriptedPrompts())
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        window.workflow_view_action.trigger()
    save(window, "workflow-board")


def test_screenshot_of_the_media_library(qtbot, runner):
    workspace = FakeWorkspace()
    for name, colour in (("tomatoes", "#c0392b"), ("compost", "#6e4b2a"), ("beds-at-dawn", "#f5b041"),
                         ("seed-swap", "#27ae60")):
        workspace.media[f"static/images/uploads/{name}.png"] = png(colour)
    workspace.media["static/images/uploads/growing-sheet.pdf"] = b"%PDF-1.4"
    dialog = MediaLibraryDialog(workspace, runner, ScriptedPrompts())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.refresh()
    qtbot.waitUntil(lambda: len(dialog.paths()) == 5, timeout=5000)
    runner.wait()
    qtbot.waitUntil(lambda: runner.running == 0, timeout=5000)
    dialog.select("static/images/uploads/tomatoes.png")
    save(dialog, "media-library")


def test_screenshot_of_the_start_dialog(qtbot, tmp_path):
    recent = RecentSites(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    recent.remember(SiteChoice("sandbox"))
    recent.remember(SiteChoice("local", "/home/editor/sites/riverside-garden"))
    dialog = StartDialog(recent)
    qtbot.addWidget(dialog)
    dialog.show()
    save(dialog, "start-dialog")
