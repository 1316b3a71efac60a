"""Translating in the main window: the sandbox's events switch between English and French, and a save keeps both."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from editor_app.paths import AppDirs
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from tests.ui.fakes import ScriptedPrompts

EN = "content/events/en/harvest-supper.md"
FR = "content/events/fr/harvest-supper.md"


@pytest.fixture
def window(qtbot, tmp_path, app_home, runner) -> MainWindow:
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, prompts=ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("events")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("events", EN)
    return window


def pane_of(window: MainWindow) -> EditorPane:
    assert isinstance(window.editor, EditorPane)
    return window.editor


def test_a_translated_entry_shows_its_languages_and_the_preview_follows_the_chosen_one(window, qtbot):
    pane = pane_of(window)
    assert pane.locale_box.isVisibleTo(window)
    assert [pane.locale_box.itemText(i) for i in range(pane.locale_box.count())] == ["en", "fr"]
    assert pane.current_locale == "en"
    # the whole entry is previewed: the English title as the heading, the programme, the body
    preview = pane.render_preview()
    assert "Harvest supper</h1>" in preview and "walnut tree" in preview and "grew" in preview
    pane.locale_box.setCurrentText("fr")
    assert pane.form.editor("title").line.text() == "Dîner des récoltes"
    assert "Dîner des récoltes</h1>" in pane.render_preview() and "Harvest supper" not in pane.render_preview()
    # a duplicated field is the default locale's: shown, but edited in English only
    assert not pane.form.editor("starts").isEnabled()
    assert not window.is_dirty  # switching languages is not an edit


def test_editing_the_french_title_and_saving_changes_only_the_french_file(window, qtbot):
    pane = pane_of(window)
    workspace = window.workspace
    before = workspace.open_entry("events", EN)
    pane.locale_box.setCurrentText("fr")
    title = pane.form.editor("title").line
    title.end(False)
    qtbot.keyClicks(title, " d'automne")
    assert window.is_dirty
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        window.save_entry()
    assert not window.is_dirty
    reopened = workspace.open_entry("events", EN)
    assert reopened.locale_data["fr"]["title"] == "Dîner des récoltes d'automne"
    assert reopened.data == before.data and reopened.raw == before.raw  # English untouched
    french = reopened.locale_file("fr")
    assert french is not None and french.path == FR
    old, new = before.locale_file("fr").raw.splitlines(), french.raw.splitlines()
    assert len(old) == len(new)
    assert [b for a, b in zip(old, new, strict=True) if a != b] == ["title: Dîner des récoltes d'automne"]
    # the editor still shows the entry, and its French as saved
    pane.locale_box.setCurrentText("fr")
    assert pane.form.editor("title").line.text() == "Dîner des récoltes d'automne"


def test_a_conflict_over_the_french_file_shows_the_french_texts(window, qtbot):
    from editor_app.backends.base import FileChange
    from editor_app.ui.conflict_dialog import ConflictDialog

    pane = pane_of(window)
    backend = window.workspace.backend
    theirs = window.workspace.open_entry("events", EN).locale_file("fr").raw
    pane.locale_box.setCurrentText("fr")
    qtbot.keyClicks(pane.form.editor("title").line, " (mine)")
    # someone else changes the French file on the entry's branch meanwhile
    changed = theirs.replace("Grande tablée", "Longue tablée").encode()
    branch = window.current_entry.branch
    backend.commit([FileChange(FR, changed)], "Someone else edits", branch=branch)
    window.save_entry()
    qtbot.waitUntil(lambda: window.findChild(ConflictDialog) is not None, timeout=10000)
    dialog = window.findChild(ConflictDialog)
    assert "(mine)" in dialog.mine and "Apportez un plat" in dialog.mine
    assert "Longue tablée" in dialog.diff_view.toPlainText()
