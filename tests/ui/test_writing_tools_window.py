"""Writing tools in the main window on the sandbox: Ctrl+F finds in the editor or in the entry list, the
status bar counts the entry's words."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from editor_app.content.spelling import DictionaryCatalog
from editor_app.paths import AppDirs
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from editor_app.ui.widgets.spell_highlighter import SpellChecking
from tests.ui.fakes import ScriptedPrompts

DICTIONARIES = Path(__file__).resolve().parent.parent / "content" / "dictionaries"


@pytest.fixture
def window(qtbot, tmp_path, app_home, runner) -> MainWindow:
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

    def editor(ws, parent):
        return EditorPane(ws, parent, spelling=SpellChecking(DictionaryCatalog([DICTIONARIES])))

    window = MainWindow(workspace, settings, runner, editor, ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("posts")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", window.entry_list.model.key_at(0))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)  # shortcuts need the active window
    return window


def test_ctrl_f_in_the_body_opens_the_editor_find_bar(window, qtbot):
    body = window.editor.form.editor("body").editor.edit
    body.setFocus()
    qtbot.keyClick(body, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.editor.find_bar
    assert bar.isVisible() and bar.find_box.hasFocus() and not bar.replace_box.isVisible()
    assert bar.control is body
    assert not window.entry_list.search_box.hasFocus()
    word = body.toPlainText().split()[0]
    qtbot.keyClicks(bar.find_box, word)
    qtbot.keyClick(bar.find_box, Qt.Key.Key_Return)
    assert body.textCursor().selectedText().lower() == word.lower()


def test_ctrl_f_outside_the_editor_searches_the_entry_list(window, qtbot):
    window.entry_list.setFocus()
    focus = window.focusWidget()
    qtbot.keyClick(focus, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.entry_list.search_box.hasFocus()
    assert not window.editor.find_bar.isVisible()


def test_the_status_bar_shows_the_entry_word_count_and_reading_time(window, qtbot):
    label = window.editor.word_count_label
    assert label in window.statusBar().findChildren(type(label)) and label.isVisible()
    before = int(label.text().split()[0].replace(",", ""))
    assert before > 0 and label.text().endswith("min read")
    body = window.editor.form.editor("body").editor.edit
    body.setFocus()
    qtbot.keyClicks(body, "one two three ")
    qtbot.waitUntil(lambda: label.text().startswith(f"{before + 3:,} words"), timeout=3000)


def test_a_language_without_dictionary_is_named_once_in_the_notification_area(qtbot, tmp_path, app_home, runner):
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

    def editor(ws, parent):
        return EditorPane(ws, parent, spelling=SpellChecking(DictionaryCatalog([tmp_path / "no-dictionaries"])))

    window = MainWindow(workspace, settings, runner, editor, ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("posts")
    for row in (0, 1):
        with qtbot.waitSignal(window.entry_opened, timeout=10000):
            window.open_entry("posts", window.entry_list.model.key_at(row))
    messages = [n.message for n in window.notifications.notifications]
    assert len([m for m in messages if "No spelling dictionary for “en”" in m]) == 1
