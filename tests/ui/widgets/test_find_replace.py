"""Find (Ctrl+F) and replace (Ctrl+H) in the editor pane: options, replace all as one undo step, word count."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from editor_app.content.spelling import DictionaryCatalog
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.widgets.spell_highlighter import SpellChecking
from tests.ui.widgets.fakes import fields_of

DICTIONARIES = Path(__file__).resolve().parent.parent.parent / "content" / "dictionaries"
FIELDS = """
- {name: title, label: Title}
- {name: body, label: Body, widget: markdown}
"""
BODY = "The cat sat. A Cat and a category.\ncat 12, cat 7"


def make_pane(qtbot) -> EditorPane:
    pane = EditorPane(spelling=SpellChecking(DictionaryCatalog([DICTIONARIES])))
    qtbot.addWidget(pane)
    pane.load(fields_of(FIELDS), {"title": "A cat title", "body": BODY})
    pane.show()
    pane.activateWindow()
    qtbot.waitUntil(pane.isActiveWindow, timeout=2000)  # shortcuts need the active window
    return pane


def open_replace(qtbot, pane: EditorPane, control) -> None:
    control.setFocus()
    qtbot.keyClick(control, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert pane.find_bar.isVisible() and pane.find_bar.replace_box.isVisible()


def test_ctrl_h_replaces_all_whole_words_ignoring_case_in_one_undo_step(qtbot):
    pane = make_pane(qtbot)
    body = pane.form.editor("body").editor.edit
    open_replace(qtbot, pane, body)
    bar = pane.find_bar
    qtbot.keyClicks(bar.find_box, "cat")
    assert bar.status.text() == "5 matches"  # cat, Cat, cat(egory), cat, cat
    qtbot.mouseClick(bar.word_box, Qt.MouseButton.LeftButton)
    assert bar.status.text() == "4 matches"
    qtbot.keyClicks(bar.replace_box, "dog")
    qtbot.mouseClick(bar.replace_all_button, Qt.MouseButton.LeftButton)
    assert body.toPlainText() == "The dog sat. A dog and a category.\ndog 12, dog 7"
    assert bar.status.text() == "Replaced 4"
    assert pane.value()["body"] == body.toPlainText()
    assert pane.form.editor("title").line.text() == "A cat title"  # only the field searched
    body.setFocus()
    qtbot.keyClick(body, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert body.toPlainText() == BODY


def test_match_case_and_find_next_wrap_around(qtbot):
    pane = make_pane(qtbot)
    body = pane.form.editor("body").editor.edit
    open_replace(qtbot, pane, body)
    bar = pane.find_bar
    qtbot.mouseClick(bar.case_box, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(bar.find_box, "Cat")
    assert bar.status.text() == "1 match"
    qtbot.keyClick(bar.find_box, Qt.Key.Key_Return)
    assert body.textCursor().selectedText() == "Cat" and body.textCursor().selectionStart() == 15
    qtbot.mouseClick(bar.next_button, Qt.MouseButton.LeftButton)  # wraps to the same, only match
    assert body.textCursor().selectionStart() == 15 and bar.status.text() == "1 of 1"


def test_regular_expressions_with_groups_and_a_bad_pattern_says_so(qtbot):
    pane = make_pane(qtbot)
    body = pane.form.editor("body").editor.edit
    open_replace(qtbot, pane, body)
    bar = pane.find_bar
    qtbot.mouseClick(bar.regex_box, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(bar.find_box, r"cat (\d+")
    assert "not valid" in bar.status.text()
    assert bar.replace_all() == 0 and body.toPlainText() == BODY
    bar.find_box.clear()
    qtbot.keyClicks(bar.find_box, r"cat (\d+)")
    qtbot.keyClicks(bar.replace_box, r"\1 cats")
    qtbot.mouseClick(bar.replace_all_button, Qt.MouseButton.LeftButton)
    assert body.toPlainText().endswith("\n12 cats, 7 cats")


def test_replace_one_at_a_time_in_the_title_field(qtbot):
    pane = make_pane(qtbot)
    title = pane.form.editor("title").line
    open_replace(qtbot, pane, title)
    bar = pane.find_bar
    qtbot.keyClicks(bar.find_box, "cat")
    qtbot.keyClicks(bar.replace_box, "dog")
    qtbot.mouseClick(bar.replace_button, Qt.MouseButton.LeftButton)  # selects the first match
    qtbot.mouseClick(bar.replace_button, Qt.MouseButton.LeftButton)  # replaces it
    assert title.text() == "A dog title"
    assert pane.value()["title"] == "A dog title"
    assert pane.form.editor("body").editor.text() == BODY
    qtbot.keyClick(bar.find_box, Qt.Key.Key_Escape)
    assert not bar.isVisible() and title.hasFocus()


def test_the_selection_becomes_the_text_to_find(qtbot):
    pane = make_pane(qtbot)
    body = pane.form.editor("body").editor.edit
    cursor = body.document().find("category")
    body.setTextCursor(cursor)
    body.setFocus()
    pane.show_find()
    assert pane.find_bar.find_box.text() == "category" and not pane.find_bar.replace_box.isVisible()
    assert pane.find_bar.status.text() == "1 match"


def test_word_count_and_reading_time_follow_typing(qtbot):
    pane = make_pane(qtbot)
    assert pane.word_count_label.text() == "15 words · 1 min read"
    body = pane.form.editor("body").editor.edit
    body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(body, " " + " ".join(["word"] * 200))
    qtbot.waitUntil(lambda: pane.word_count_label.text() == "215 words · 2 min read", timeout=3000)
