"""MarkdownEditor: toolbar commands, shortcuts, and images pasted or dropped become uploaded links."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage, QTextCursor
from PySide6.QtWidgets import QApplication

from editor_app.errors import NetworkError
from editor_app.ui.widgets.field_editor import FormContext
from editor_app.ui.widgets.markdown_editor import MarkdownEditor
from tests.ui.widgets.fakes import PNG_1PX, FakeMediaSource


def make_editor(qtbot, text: str = "", media=None) -> MarkdownEditor:
    editor = MarkdownEditor(media)
    qtbot.addWidget(editor)
    editor.set_text(text)
    editor.show()
    qtbot.waitExposed(editor)
    editor.edit.setFocus()
    return editor


def select(editor: MarkdownEditor, start: int, end: int) -> None:
    cursor = editor.edit.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    editor.edit.setTextCursor(cursor)


def test_bold_and_italic_shortcuts_wrap_the_selection(qtbot):
    editor = make_editor(qtbot, "make this strong")
    select(editor, 5, 9)
    qtbot.keyClick(editor.edit, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert editor.text() == "make **this** strong"
    select(editor, 0, 4)
    qtbot.keyClick(editor.edit, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert editor.text() == "*make* **this** strong"


def test_bold_without_selection_puts_the_cursor_between_markers(qtbot):
    editor = make_editor(qtbot, "")
    editor.actions_by_name["bold"].trigger()
    qtbot.keyClicks(editor.edit, "x")
    assert editor.text() == "**x**"


def test_link_shortcut_selects_the_url_for_typing(qtbot):
    editor = make_editor(qtbot, "see docs")
    select(editor, 4, 8)
    qtbot.keyClick(editor.edit, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor.edit, "https://example.org")
    assert editor.text() == "see [docs](https://example.org)"


def test_headings_lists_quote_and_code_from_the_toolbar(qtbot):
    editor = make_editor(qtbot, "Title\none\ntwo")
    editor.actions_by_name["heading-two"].trigger()
    assert editor.text() == "## Title\none\ntwo"
    editor.actions_by_name["heading-two"].trigger()
    assert editor.text() == "Title\none\ntwo"
    select(editor, 6, 13)
    editor.actions_by_name["bulleted-list"].trigger()
    assert editor.text() == "Title\n- one\n- two"
    select(editor, 6, 17)
    editor.actions_by_name["bulleted-list"].trigger()
    assert editor.text() == "Title\none\ntwo"
    select(editor, 6, 13)
    editor.actions_by_name["numbered-list"].trigger()
    assert editor.text() == "Title\n1. one\n2. two"
    editor.set_text("wise")
    editor.actions_by_name["quote"].trigger()
    assert editor.text() == "> wise"
    editor.set_text("x = 1")
    select(editor, 0, 5)
    editor.actions_by_name["code-block"].trigger()
    assert editor.text() == "```\nx = 1\n```"
    editor.set_text("f")
    select(editor, 0, 1)
    editor.actions_by_name["code"].trigger()
    assert editor.text() == "`f`"


def test_buttons_option_limits_the_toolbar(qtbot):
    editor = MarkdownEditor(None, ["bold", "italic"])
    qtbot.addWidget(editor)
    assert set(editor.actions_by_name) == {"bold", "italic", "image", "code-block"}


def test_pasting_an_image_uploads_it_and_inserts_the_link(qtbot, tmp_path):
    media = FakeMediaSource(tmp_path / "media")
    editor = make_editor(qtbot, "Look: ", media)
    editor.edit.moveCursor(QTextCursor.MoveOperation.End)
    image = QImage()
    assert image.loadFromData(PNG_1PX)
    QApplication.clipboard().setImage(image)
    editor.edit.paste()
    assert editor.text() == "Look: ![pasted-image-1](/img/pasted-image-1.png)"
    assert (media.folder / "pasted-image-1.png").is_file()


def test_dropping_an_image_file_uploads_it(qtbot, tmp_path):
    media = FakeMediaSource(tmp_path / "media")
    local = tmp_path / "photo.png"
    local.write_bytes(PNG_1PX)
    editor = make_editor(qtbot, "", media)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(local))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    editor.edit.dropEvent(event)
    assert editor.text() == "![photo](/img/photo.png)"
    assert media.uploaded == [str(local)]


def test_plain_text_paste_is_unchanged(qtbot, tmp_path):
    editor = make_editor(qtbot, "", FakeMediaSource(tmp_path / "media"))
    QApplication.clipboard().setText("just text")
    editor.edit.paste()
    assert editor.text() == "just text"


def test_highlighter_formats_headings(qtbot):
    editor = make_editor(qtbot, "# Heading\nplain")
    block = editor.edit.document().firstBlock()
    formats = block.layout().formats()
    assert formats and formats[0].format.fontWeight() > 400
    assert not editor.edit.document().lastBlock().layout().formats()


def test_pasted_image_uploads_in_the_background_behind_a_placeholder(qtbot, tmp_path, runner):
    media = FakeMediaSource(tmp_path / "media")
    editor = MarkdownEditor(media, context=FormContext(media_source=media, runner=runner))
    qtbot.addWidget(editor)
    image = QImage()
    assert image.loadFromData(PNG_1PX)
    mime = QMimeData()
    mime.setImageData(image)
    editor.edit.insertFromMimeData(mime)
    qtbot.waitUntil(lambda: editor.text() == "![pasted-image-1](/img/pasted-image-1.png)", timeout=5000)


def test_failed_upload_removes_the_placeholder_and_says_why(qtbot, tmp_path):
    class BrokenSource(FakeMediaSource):
        def upload(self, path: str) -> str:
            raise NetworkError("the host did not answer")

    local = tmp_path / "photo.png"
    local.write_bytes(PNG_1PX)
    editor = MarkdownEditor(BrokenSource(tmp_path / "media"))
    qtbot.addWidget(editor)
    editor.set_text("x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(local))])
    with qtbot.waitSignal(editor.upload_failed) as failed:
        editor.edit.insertFromMimeData(mime)
    assert failed.args == ["Could not upload photo.png: the host did not answer"]
    assert editor.text() == "x"
