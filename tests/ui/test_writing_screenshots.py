"""Screenshots of the writing tools for a person to look at (in `screenshots/`, gitignored): misspellings
underlined in English and French side by side, the suggestions menu, and the find and replace bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter, QTextCursor
from PySide6.QtWidgets import QApplication

from editor_app.content.spelling import DictionaryCatalog, default_dictionary_folders
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.theme import apply_theme
from editor_app.ui.widgets.spell_highlighter import SpellChecking
from tests.ui.test_gallery import SCREENSHOTS, save
from tests.workspace.i18n_sites import make_site

TEST_DICTIONARIES = Path(__file__).resolve().parent.parent / "content" / "dictionaries"


def test_screenshots_of_spelling_and_find(qtbot, runner, tmp_path):
    apply_theme(QApplication.instance())
    site = make_site(tmp_path, "multiple_files")
    ws = site.workspace()
    # the real en_US dictionary (chunspell-next's) and the tests' small French one
    catalog = DictionaryCatalog(default_dictionary_folders(None, None) + [TEST_DICTIONARIES])
    pane = EditorPane(ws, runner=runner, spelling=SpellChecking(catalog))
    qtbot.addWidget(pane)
    pane.resize(1300, 560)
    pane.show()
    pane.set_entry(ws.open_entry("posts", site.path("hello", "en")))
    body = pane.form.editor("body").editor.edit
    body.setPlainText("Hello from the garden. The tomatos are **ripe** and the `codde` is skipped.\n\n"
                      "See https://exampel.org for the recieved seeds.")
    pane.side_button.setChecked(True)
    pane.locale_box.setCurrentText("fr")
    french = pane.form.editor("body").editor.edit
    french.setPlainText("Bonjour le chat noir et l’été avec un homme. La maisonn et le cafe.")
    pane.form.editor("title").line.setText("Bonjour le mond")
    pane.preview_button.setChecked(False)
    pane.splitter.setSizes([640, 660, 0])
    QApplication.processEvents()
    underline = save(pane, "spelling-underline")
    assert pane.spelling.misspelt_words(french) == ["maisonn", "cafe"]
    assert pane.spelling.misspelt_words(pane.form.editor("title").line) == ["mond"]

    cursor = french.document().find("maisonn")
    cursor.setPosition(cursor.selectionStart() + 2)
    pos = french.cursorRect(cursor).center()
    menu = pane.spelling.show_menu(french, pos)
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    QApplication.processEvents()
    shot = pane.grab()
    painter = QPainter(shot)
    # offscreen, the menu is kept inside a small virtual screen: draw it where it opens on a real one
    painter.drawPixmap(french.viewport().mapTo(pane, pos) + QPoint(2, 2), menu.grab())
    painter.end()
    SCREENSHOTS.mkdir(exist_ok=True)
    menu_path = SCREENSHOTS / "spelling-menu.png"
    assert shot.save(str(menu_path))
    assert [a.text() for a in menu.actions()][:2] == ["maison", "maisons"]
    menu.close()

    french.moveCursor(QTextCursor.MoveOperation.Start)
    french.setFocus()
    pane.show_find(replace=True)
    qtbot.keyClicks(pane.find_bar.find_box, "le")
    pane.find_bar.word_box.setChecked(True)
    pane.find_bar.find_next()
    find = save(pane, "find-replace")
    assert underline.is_file() and menu_path.is_file() and find.is_file()
