"""Images pasted or dropped into the body go to the entry's media folder (named after its slug), with
progress, optimisation notices, and links for other files; on the GitHub fake and on the sandbox."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage, QTextCursor
from PySide6.QtWidgets import QApplication

from editor_app.config.loader import parse_site_config
from editor_app.content.spelling import DictionaryCatalog
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.widgets.spell_highlighter import SpellChecking
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace
from tests.backends.conftest import make_github
from tests.workspace.helpers import make_env
from tests.workspace.test_media_upload import CONFIG, FILES


@pytest.fixture
def github_workspace(tmp_path: Path):
    with make_github(tmp_path, FILES) as backend:
        ws = Workspace(backend, parse_site_config(CONFIG, "config.yml"), ContentCache(tmp_path / "cache"),
                       DraftsJournal(tmp_path / "journal"))
        ws.open()
        yield ws


def make_pane(qtbot, ws, runner) -> EditorPane:
    pane = EditorPane(ws, runner=runner, spelling=SpellChecking(DictionaryCatalog([])))
    qtbot.addWidget(pane)
    pane.show()
    return pane


def drop(edit, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    edit.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier))


def test_pasting_an_image_uploads_it_optimised_with_progress_and_a_notice(qtbot, runner, github_workspace):
    ws = github_workspace
    pane = make_pane(qtbot, ws, runner)
    notices = []
    pane.notice.connect(lambda message, level: notices.append((message, level)))
    pane.set_entry(ws.open_entry("posts", "content/posts/first-post.md"))
    markdown = pane.form.editor("body").editor
    body = markdown.edit
    body.moveCursor(QTextCursor.MoveOperation.End)
    image = QImage(300, 150, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkGreen)
    QApplication.clipboard().setImage(image)
    body.setFocus()
    qtbot.keyClick(body, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert markdown.progress.isVisible() and "Uploading" in body.toPlainText()
    qtbot.waitUntil(lambda: body.toPlainText() == "Hello\n![first-post-1](/media/first-post-1.webp)", timeout=10000)
    assert not markdown.progress.isVisible()
    assert any("saved" in message for message, _level in notices)
    stored = Image.open(io.BytesIO(ws.read_media("static/media/first-post-1.webp")))
    assert stored.size == (64, 32)
    assert pane.value()["body"].endswith("(/media/first-post-1.webp)")


def test_dropping_files_links_them_in_the_collection_media_folder(qtbot, runner, github_workspace, tmp_path):
    ws = github_workspace
    pane = make_pane(qtbot, ws, runner)
    pane.set_entry(ws.open_entry("recipes", "content/recipes/soup.md"))
    body = pane.form.editor("body").editor.edit
    body.moveCursor(QTextCursor.MoveOperation.End)
    card = tmp_path / "Menu Card.pdf"
    card.write_bytes(b"%PDF-1.4")
    drop(body, card)
    qtbot.waitUntil(lambda: "[soup-menu-card.pdf](images/soup-menu-card.pdf)" in body.toPlainText(), timeout=10000)
    assert ws.read_media("content/recipes/images/soup-menu-card.pdf") == b"%PDF-1.4"
    drop(body, card)  # the same file again: a new name, the first one is kept
    qtbot.waitUntil(lambda: "(images/soup-menu-card-1.pdf)" in body.toPlainText(), timeout=10000)


def test_dropping_an_image_on_a_sandbox_post(qtbot, runner, tmp_path):
    env = make_env(tmp_path)
    ws = env.workspace()
    indexed = ws.load_collection("posts")[0]
    entry = ws.open_entry("posts", indexed.path)
    pane = make_pane(qtbot, ws, runner)
    pane.set_entry(entry)
    body = pane.form.editor("body").editor.edit
    body.moveCursor(QTextCursor.MoveOperation.End)
    photo = tmp_path / "tomatoes.png"
    Image.new("RGB", (8, 8), (200, 0, 0)).save(photo, "PNG")
    drop(body, photo)
    expected = f"![{entry.slug}-tomatoes]({ws.site.public_folder}/{entry.slug}-tomatoes.png)"
    qtbot.waitUntil(lambda: expected in body.toPlainText(), timeout=10000)
    assert ws.read_media(f"{ws.site.media_folder}/{entry.slug}-tomatoes.png") == photo.read_bytes()
