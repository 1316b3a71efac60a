"""The editor's preview pane: the whole entry, `editor: {preview: false}`, the site's stylesheet, images."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QSettings, Qt

from editor_app.errors import NotFoundError
from editor_app.paths import AppDirs
from editor_app.ui.editor_pane import EditorPane
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from editor_app.ui.widgets.field_editor import FormContext
from editor_app.workspace.workspace import OpenEntry
from tests.content.test_entry_preview import CONFIG
from tests.ui.fakes import FakeWorkspace, ScriptedPrompts, fake_entry
from tests.ui.widgets.fakes import PNG_1PX, FakeMediaSource

CSS = b".entry-title { color: #aa0000; }"


class PreviewWorkspace(FakeWorkspace):
    """The fake site with this file's config, and repository files the pane may read (the preview style)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__(config=CONFIG)
        self.files = files
        self.reads: list[str] = []

    def read_media(self, path: str) -> bytes:
        self.reads.append(path)
        if path not in self.files:
            raise NotFoundError(f"{path} is not in the repository")
        return self.files[path]


def entry(collection: str, data: dict, path: str = "content/posts/a.md", file: str | None = None) -> OpenEntry:
    return dataclasses.replace(fake_entry(collection, path, data), file=file)


def make_pane(qtbot, workspace, tmp_path) -> EditorPane:
    media = FakeMediaSource(tmp_path / "img")
    (tmp_path / "img" / "walnut.png").write_bytes(PNG_1PX)
    pane = EditorPane(workspace, context=FormContext(media_source=media))
    qtbot.addWidget(pane)
    pane.resize(1200, 800)
    pane.show()
    return pane


def test_preview_shows_the_title_and_every_field_and_follows_typing(qtbot, tmp_path):
    pane = make_pane(qtbot, PreviewWorkspace({"static/admin/preview.css": CSS}), tmp_path)
    pane.set_entry(entry("posts", {"title": "Walnuts", "summary": "Short", "cover": "/img/walnut.png",
                                   "body": "Some *text*"}))
    assert pane.preview_shown() and pane.preview_box.isVisible()
    html = pane.preview.html_text()
    assert '<h1 class="entry-title">Walnuts</h1>' in html
    assert "<b>Summary</b>" in html and "Short" in html and "<em>text</em>" in html
    summary = pane.form.editor("summary").edit
    summary.setFocus()
    summary.moveCursor(summary.textCursor().MoveOperation.End)
    qtbot.keyClicks(summary, " and sweet")
    qtbot.waitUntil(lambda: "Short and sweet" in pane.preview.html_text(), timeout=2000)


def test_preview_shows_media_images_from_the_media_source(qtbot, tmp_path):
    pane = make_pane(qtbot, PreviewWorkspace({}), tmp_path)
    pane.set_entry(entry("posts", {"title": "Walnuts", "cover": "/img/walnut.png"}))
    assert '<img src="/img/walnut.png"' in pane.preview.html_text()
    qtbot.waitUntil(lambda: pane.preview.image_count() == 1, timeout=2000)


def test_preview_is_hidden_for_a_collection_with_preview_false(qtbot, tmp_path):
    pane = make_pane(qtbot, PreviewWorkspace({}), tmp_path)
    pane.set_entry(entry("settings", {"site": "Garden"}, path="data/general.yml", file="general"))
    assert not pane.preview_shown()
    assert not pane.preview_box.isVisible() and not pane.preview_button.isVisible()
    qtbot.mouseClick(pane.save_button, Qt.MouseButton.LeftButton)  # still usable without a preview
    # back to a collection with a preview: it is shown again
    pane.set_entry(entry("posts", {"title": "Back"}))
    assert pane.preview_box.isVisible() and "Back" in pane.preview.html_text()


def test_preview_button_hides_and_shows_the_preview(qtbot, tmp_path):
    pane = make_pane(qtbot, PreviewWorkspace({}), tmp_path)
    pane.set_entry(entry("posts", {"title": "Walnuts"}))
    qtbot.mouseClick(pane.preview_button, Qt.MouseButton.LeftButton)
    assert not pane.preview_box.isVisible()
    qtbot.mouseClick(pane.preview_button, Qt.MouseButton.LeftButton)
    assert pane.preview_box.isVisible()


def test_site_preview_stylesheet_is_read_from_the_repository(qtbot, tmp_path):
    workspace = PreviewWorkspace({"static/admin/preview.css": CSS})
    pane = make_pane(qtbot, workspace, tmp_path)
    pane.set_entry(entry("posts", {"title": "Walnuts"}))
    assert workspace.reads == ["static/admin/preview.css"]
    assert pane.preview.site_style() == CSS.decode()
    assert CSS.decode() in pane.preview.document().defaultStyleSheet()
    pane.set_entry(entry("posts", {"title": "Other"}))
    assert workspace.reads == ["static/admin/preview.css"]  # read once per site


def test_a_missing_preview_stylesheet_is_named_in_the_preview_title(qtbot, tmp_path):
    pane = make_pane(qtbot, PreviewWorkspace({}), tmp_path)
    pane.set_entry(entry("posts", {"title": "Walnuts"}))
    assert "static/admin/preview.css could not be read" in pane.preview_title.text()
    assert "Walnuts" in pane.preview.html_text()  # the preview still works with the built-in style


@pytest.fixture
def sandbox_window(qtbot, tmp_path, app_home, runner):
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, prompts=ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    return window


def test_sandbox_settings_have_no_preview_and_an_event_previews_every_field(sandbox_window, qtbot):
    window = sandbox_window
    tree = window.collection_tree
    general = tree.item_for("settings").child(0)
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        tree.setCurrentItem(general)  # as a click on "General settings" does
    pane = window.editor
    assert not pane.preview_shown() and not pane.preview_box.isVisibleTo(window)  # editor: {preview: false}
    window.collection_tree.select_collection("events")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("events", "content/events/en/harvest-supper.md")
    assert pane.preview_box.isVisibleTo(window)
    html = pane.render_preview()
    assert "Harvest supper</h1>" in html  # the title
    assert "3 October 2026, 18:30" in html  # the start, as people read dates
    assert "Long table under the walnut tree" in html  # a list of objects
    assert "Bring a dish" in html  # the body
