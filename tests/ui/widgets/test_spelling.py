"""Spell checking in the form: underlines as the user types, per locale, and the suggestions menu."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from editor_app.content.spelling import DictionaryCatalog, WordList
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.widgets.spell_highlighter import SpellChecking
from tests.ui.widgets.fakes import fields_of

DICTIONARIES = Path(__file__).resolve().parent.parent.parent / "content" / "dictionaries"
FIELDS = """
- {name: title, label: Title}
- {name: summary, label: Summary, widget: text}
- {name: body, label: Body, widget: markdown}
- {name: code, label: Code, widget: code, required: false}
"""


def make_pane(qtbot, tmp_path: Path, **kwargs) -> EditorPane:
    catalog = DictionaryCatalog([DICTIONARIES], WordList(tmp_path / "spelling" / "words.txt"))
    pane = EditorPane(spelling=SpellChecking(catalog), **kwargs)
    qtbot.addWidget(pane)
    return pane


def point_of(edit, text: str):
    """Viewport position of the middle of the first occurrence of `text` in a plain-text edit."""
    cursor = edit.document().find(text)
    cursor.setPosition(cursor.selectionStart() + 1)
    return edit.cursorRect(cursor).center()


def test_misspelt_words_are_underlined_as_the_user_types_but_not_code_or_urls(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "hello wrold", "summary": "the quick fox", "body": "the dog",
                                  "code": "badd code"})
    spelling = pane.spelling
    body = pane.form.editor("body").editor.edit
    summary = pane.form.editor("summary").edit
    title = pane.form.editor("title").line
    assert spelling.misspelt_words(title) == ["wrold"]
    assert spelling.misspelt_words(summary) == []
    body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(body, " jumpd over `codde` https://exampel.org {{< figgure >}}")
    assert spelling.misspelt_words(body) == ["jumpd"]
    summary.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(summary, " brwn")
    assert spelling.misspelt_words(summary) == ["brwn"]
    title.end(False)
    qtbot.keyClicks(title, " dogz")
    assert spelling.misspelt_words(title) == ["wrold", "dogz"]
    code = pane.form.editor("code").edit
    assert code not in [e for e, _m in spelling._markers]


def test_the_context_menu_offers_suggestions_and_replaces_in_one_undo_step(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "t", "summary": "", "body": "hello wrold and the dog"})
    pane.show()
    body = pane.form.editor("body").editor.edit
    with qtbot.waitSignal(pane.spelling.menu_shown) as shown:
        body.customContextMenuRequested.emit(point_of(body, "wrold"))
    menu = shown.args[0]
    texts = [a.text() for a in menu.actions()]
    assert texts[:3] == ["world", "Add “wrold” to dictionary", "Ignore"]
    assert "&Copy" in "".join(texts) or any("Copy" in t for t in texts)  # the standard entries stay below
    menu.actions()[0].trigger()
    assert body.toPlainText() == "hello world and the dog"
    assert pane.spelling.misspelt_words(body) == []
    assert pane.value()["body"] == "hello world and the dog"
    body.undo()
    assert body.toPlainText() == "hello wrold and the dog"


def test_add_to_dictionary_saves_the_word_and_clears_the_underline_everywhere(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "Sveltia rocks", "summary": "", "body": "Sveltia and Decap"})
    pane.show()
    body = pane.form.editor("body").editor.edit
    title = pane.form.editor("title").line
    assert pane.spelling.misspelt_words(body) == ["Sveltia", "Decap"]
    menu = pane.spelling.show_menu(body, point_of(body, "Sveltia"))
    next(a for a in menu.actions() if a.text().startswith("Add")).trigger()
    assert pane.spelling.misspelt_words(body) == ["Decap"]
    assert pane.spelling.misspelt_words(title) == ["rocks"]
    assert (tmp_path / "spelling" / "words.txt").read_text(encoding="utf-8") == "Sveltia\n"
    menu = pane.spelling.show_menu(body, point_of(body, "Decap"))
    next(a for a in menu.actions() if a.text() == "Ignore").trigger()
    assert pane.spelling.misspelt_words(body) == []
    assert "Decap" not in (tmp_path / "spelling" / "words.txt").read_text(encoding="utf-8")


def test_the_line_edit_menu_replaces_the_word_and_touches_the_field(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "hello wrold", "summary": "", "body": ""})
    pane.show()
    title = pane.form.editor("title").line
    x = title.fontMetrics().horizontalAdvance("hello wr") + 4
    with qtbot.waitSignal(pane.spelling.menu_shown) as shown:
        title.customContextMenuRequested.emit(QPoint(x, title.height() // 2))
    shown.args[0].actions()[0].trigger()
    assert title.text() == "hello world"
    assert pane.value()["title"] == "hello world"
    assert pane.spelling.misspelt_words(title) == []


def test_a_word_right_in_the_dictionary_gets_the_standard_menu_only(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "t", "summary": "", "body": "hello world"})
    pane.show()
    body = pane.form.editor("body").editor.edit
    menu = pane.spelling.build_menu(body, point_of(body, "world"))
    assert not any(a.text().startswith("Add") for a in menu.actions())


def test_a_context_menu_event_on_the_text_opens_the_spelling_menu(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "t", "summary": "", "body": "wrold"})
    pane.show()
    body = pane.form.editor("body").editor.edit
    body.setFocus()
    body.moveCursor(QTextCursor.MoveOperation.Start)
    pos = body.cursorRect().center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, body.viewport().mapToGlobal(pos))
    with qtbot.waitSignal(pane.spelling.menu_shown, timeout=2000) as shown:
        QApplication.sendEvent(body.viewport(), event)
    assert shown.args[0].actions()[0].text() == "world"
    shown.args[0].close()


def test_each_locale_of_a_translated_entry_is_checked_in_its_language_side_by_side(qtbot, runner, tmp_path):
    from tests.workspace.i18n_sites import make_site

    site = make_site(tmp_path, "multiple_files")
    ws = site.workspace()
    pane = make_pane(qtbot, tmp_path, workspace=ws, runner=runner)
    notices = []
    pane.notice.connect(lambda message, level: notices.append((message, level)))
    pane.show()
    pane.set_entry(ws.open_entry("posts", site.path("hello", "en")))
    spelling = pane.spelling
    title, body = pane.form.editor("title").line, pane.form.editor("body").editor.edit
    assert spelling.checker_of(body).dictionary == "en_US"
    assert spelling.misspelt_words(body) == ["from", "garden"]  # the test dictionary is tiny
    pane.side_button.setChecked(True)
    pane.locale_box.setCurrentText("fr")
    assert spelling.checker_of(title).dictionary == "fr_FR"
    assert spelling.misspelt_words(title) == ["monde"]
    assert spelling.misspelt_words(body) == ["du", "jardin"]
    reference_body = pane.reference_form.editor("body").editor.edit
    assert spelling.checker_of(reference_body).dictionary == "en_US"
    assert spelling.misspelt_words(reference_body) == ["from", "garden"]
    body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(body, " Le chat noir et ")
    body.insertPlainText("l’été")  # QTest types ASCII only
    qtbot.keyClicks(body, " avec un homme")
    assert spelling.misspelt_words(body) == ["du", "jardin"]
    assert notices == []
    pane.locale_box.setCurrentText("de")  # no German dictionary: said once, nothing underlined, no crash
    assert spelling.checker_of(body) is None and spelling.misspelt_words(body) == []
    assert len(notices) == 1 and "“de”" in notices[0][0]
    pane.locale_box.setCurrentText("en")
    pane.locale_box.setCurrentText("de")
    assert len(notices) == 1


def test_checking_and_rechecking_is_not_an_edit(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "hello wrold", "summary": "the wrold", "body": "the wrold"})
    pane.show()
    changes = []
    pane.changed.connect(lambda: changes.append(1))
    body = pane.form.editor("body").editor.edit
    french = pane.spelling.checker_for("fr")
    for edit in (body, pane.form.editor("summary").edit, pane.form.editor("title").line):
        pane.spelling.attach(edit, french)
    pane.spelling.ignore_word("wrold")
    assert changes == []
    assert not any(pane.form.editor(name).is_touched() for name in ("title", "summary", "body"))


def test_a_long_text_is_checked_in_slices_after_it_is_shown(qtbot, tmp_path, monkeypatch):
    from editor_app.ui.widgets.spell_highlighter import BlockMarker

    monkeypatch.setattr(BlockMarker, "BUDGET_S", 0.0)  # every block after the first waits for a later turn
    pane = make_pane(qtbot, tmp_path)
    body_text = "\n\n".join(f"the wrold {i}" for i in range(50))
    pane.load(fields_of(FIELDS), {"title": "t", "summary": "", "body": body_text})
    body = pane.form.editor("body").editor.edit
    marker = pane.form.editor("body").editor.highlighter.spelling
    assert marker.pending() > 0 and len(pane.spelling.misspelt_words(body)) < 50
    qtbot.waitUntil(lambda: marker.pending() == 0, timeout=5000)
    assert pane.spelling.misspelt_words(body) == ["wrold"] * 50
    assert not pane.form.editor("body").is_touched()


def test_a_list_item_added_after_loading_is_checked_too(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    fields = fields_of("- {name: notes, label: Notes, widget: list, fields: [{name: note, label: Note}]}")
    pane.load(fields, {"notes": [{"note": "the wrold"}]})
    pane.show()
    notes = pane.form.editor("notes")
    before = len(pane._text_controls())
    qtbot.mouseClick(notes.add_button, Qt.MouseButton.LeftButton)
    controls = pane._text_controls()
    assert len(controls) == before + 1
    new_line = controls[-1]
    qtbot.keyClicks(new_line, "a brwn fox")
    qtbot.waitUntil(lambda: pane.spelling.misspelt_words(new_line) == ["brwn"], timeout=3000)


def test_the_sites_shared_word_list_is_read_from_the_path_the_config_names(qtbot, runner, tmp_path):
    import dataclasses

    from tests.workspace.helpers import make_env

    env = make_env(tmp_path)
    setup = env.workspace()
    setup.upload_media(".cms", [("words.txt", b"# names we use\nRiverside\nLettucefest\n")])
    site = dataclasses.replace(env.site, raw={**env.site.raw, "spelling_words": ".cms/words.txt"})
    ws = env.workspace(site=site)
    pane = make_pane(qtbot, tmp_path, workspace=ws, runner=runner)
    pane.load(fields_of(FIELDS), {"title": "Riverside Lettucefest wrold", "summary": "", "body": "Riverside"})
    title = pane.form.editor("title").line
    qtbot.waitUntil(lambda: pane.spelling.misspelt_words(title) == ["wrold"], timeout=5000)
    assert pane.spelling.misspelt_words(pane.form.editor("body").editor.edit) == []


def test_a_missing_site_word_list_is_a_warning_not_a_crash(qtbot, runner, tmp_path):
    import dataclasses

    from tests.workspace.helpers import make_env

    env = make_env(tmp_path)
    site = dataclasses.replace(env.site, raw={**env.site.raw, "spelling_words": "nowhere/words.txt"})
    catalog = DictionaryCatalog([DICTIONARIES])
    spelling = SpellChecking(catalog)
    notices = []
    # the notice is emitted from the background read: collect it from the pane's signal
    pane = EditorPane(env.workspace(site=site), runner=runner, spelling=spelling)
    qtbot.addWidget(pane)
    pane.notice.connect(lambda message, level: notices.append((message, level)))
    qtbot.waitUntil(lambda: bool(notices), timeout=5000)
    assert notices[0][1] == "warning" and "nowhere/words.txt" in notices[0][0]


def test_a_dictionary_that_fails_to_load_is_said_once_and_nothing_breaks(qtbot, tmp_path):
    def broken_engine(folder, name):
        raise OSError("cannot read")

    pane = EditorPane(spelling=SpellChecking(DictionaryCatalog([DICTIONARIES], engine=broken_engine)))
    qtbot.addWidget(pane)
    notices = []
    pane.notice.connect(lambda message, level: notices.append(message))
    pane.load(fields_of(FIELDS), {"title": "wrold", "summary": "", "body": "wrold"})
    pane.load(fields_of(FIELDS), {"title": "wrold", "summary": "", "body": "wrold"})
    assert len(notices) == 1 and "not checked" in notices[0] and "cannot read" in notices[0]
    assert pane.spelling.misspelt_words(pane.form.editor("body").editor.edit) == []


def test_underlines_and_suggestions_land_on_the_word_after_emoji(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "😀😀 wrold", "summary": "", "body": "🌱🌱 the wrold 🌱"})
    pane.show()
    body = pane.form.editor("body").editor.edit
    block = body.document().firstBlock()
    ranges = [(r.start, r.length) for r in block.layout().formats()
              if r.format.underlineStyle() == r.format.UnderlineStyle.SpellCheckUnderline]
    assert ranges == [(9, 5)]  # UTF-16: two emoji are four units
    menu = pane.spelling.show_menu(body, point_of(body, "wrold"))
    menu.actions()[0].trigger()
    assert body.toPlainText() == "🌱🌱 the world 🌱"
    title = pane.form.editor("title").line
    assert pane.spelling.misspelt_words(title) == ["wrold"]


def test_the_block_being_typed_in_is_checked_at_once_even_when_checking_is_behind(qtbot, tmp_path, monkeypatch):
    from editor_app.ui.widgets.spell_highlighter import BlockMarker

    monkeypatch.setattr(BlockMarker, "BUDGET_S", 0.0)
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "t", "summary": "", "body": "the dog\n\nthe fox"})
    body = pane.form.editor("body").editor.edit
    body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(body, " jumpd")  # no turn of the event loop in between: the budget is long spent
    assert "jumpd" in pane.spelling.misspelt_words(body)


def test_the_source_view_checks_front_matter_values_and_the_body_but_not_the_keys(qtbot, tmp_path):
    from tests.ui.widgets.test_editor_pane import from_raw, to_raw

    pane = make_pane(qtbot, tmp_path, to_raw=to_raw, from_raw=from_raw)
    pane.load(fields_of(FIELDS), {"title": "the wrold", "summary": "hello", "body": "a brwn dog\n```\nbadd\n```"})
    pane.show()
    qtbot.mouseClick(pane.raw_button, Qt.MouseButton.LeftButton)
    raw = pane.raw_edit
    assert raw.toPlainText().startswith("---\ntitle: the wrold\nsummary: hello\n")
    assert pane.spelling.misspelt_words(raw) == ["wrold", "brwn"]  # not "summary", "title", nor the code
    menu = pane.spelling.show_menu(raw, point_of(raw, "wrold"))
    menu.actions()[0].trigger()
    assert "title: the world" in raw.toPlainText()


def test_add_to_the_sites_word_list_commits_the_word_for_every_editor(qtbot, runner, tmp_path):
    import dataclasses

    from tests.workspace.helpers import make_env

    env = make_env(tmp_path)
    env.workspace().upload_media(".cms", [("words.txt", b"# names we use\nRiverside\n")])
    site = dataclasses.replace(env.site, raw={**env.site.raw, "spelling_words": ".cms/words.txt"})
    ws = env.workspace(site=site)
    pane = make_pane(qtbot, tmp_path, workspace=ws, runner=runner)
    pane.load(fields_of(FIELDS), {"title": "t", "summary": "", "body": "Riverside Lettucefest"})
    pane.show()
    body = pane.form.editor("body").editor.edit
    qtbot.waitUntil(lambda: pane.spelling.misspelt_words(body) == ["Lettucefest"], timeout=5000)
    menu = pane.spelling.show_menu(body, point_of(body, "Lettucefest"))
    next(a for a in menu.actions() if a.text() == "Add to the site's word list").trigger()
    qtbot.waitUntil(lambda: pane.spelling.misspelt_words(body) == [], timeout=5000)
    saved, _blob = env.backend.read_file(".cms/words.txt")
    assert saved == b"# names we use\nRiverside\nLettucefest\n"
    assert not (tmp_path / "spelling" / "words.txt").exists()  # not the user's own list


def test_the_spelling_button_turns_checking_off_and_on_without_editing(qtbot, tmp_path):
    pane = make_pane(qtbot, tmp_path)
    pane.load(fields_of(FIELDS), {"title": "hello wrold", "summary": "brwn", "body": "the wrold"})
    pane.show()
    changes = []
    pane.changed.connect(lambda: changes.append(1))
    controls = [pane.form.editor("title").line, pane.form.editor("summary").edit, pane.form.editor("body").editor.edit]
    assert [pane.spelling.misspelt_words(c) for c in controls] == [["wrold"], ["brwn"], ["wrold"]]
    qtbot.mouseClick(pane.spelling_button, Qt.MouseButton.LeftButton)
    assert [pane.spelling.misspelt_words(c) for c in controls] == [[], [], []]
    qtbot.mouseClick(pane.spelling_button, Qt.MouseButton.LeftButton)
    assert [pane.spelling.misspelt_words(c) for c in controls] == [["wrold"], ["brwn"], ["wrold"]]
    assert changes == []
