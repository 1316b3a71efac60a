"""The main window on the real sandbox workspace (config loader, test-repo backend, workspace, cache, journal).

The editor is the small test editor, so these tests pin the window's wiring to the real layers below it.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from editor_app.backends.base import STATUS_DRAFT
from editor_app.paths import AppDirs
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from tests.ui.fakes import FakeEditor, ScriptedPrompts


@pytest.fixture
def window(qtbot, tmp_path, app_home, runner) -> MainWindow:
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, FakeEditor, ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    return window


def test_the_sandbox_collections_load_with_counts(window):
    tree = window.collection_tree
    posts = tree.item_for("posts")
    assert posts.text(0).startswith("Posts  (")
    pages = tree.item_for("pages")
    assert pages.childCount() >= 2  # nested folders
    settings = tree.item_for("settings")
    assert [settings.child(i).text(0) for i in range(settings.childCount())] == ["General settings", "Authors"]


def test_searching_the_sandbox_posts_uses_the_workspace_index(window, qtbot):
    window.collection_tree.select_collection("posts")
    total = window.entry_list.model.rowCount()
    qtbot.keyClicks(window.entry_list.search_box, "tomato")
    shown = window.entry_list.model.rowCount()
    assert 0 < shown < total


def revise_first_post(window, qtbot) -> str:
    """Open the first post, add " (revised)" to its title and save it; its key."""
    window.collection_tree.select_collection("posts")
    key = window.entry_list.model.key_at(0)
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", key)
    qtbot.keyClicks(window.editor.title, " (revised)")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        window.save_entry()
    return key


def test_opening_editing_and_saving_a_sandbox_post(window, qtbot):
    revise_first_post(window, qtbot)
    reopened = window.workspace.open_entry("posts", window.current_entry.path)
    assert reopened.data["title"].endswith(" (revised)")
    # The sandbox publishes through the editorial workflow: the save is an unpublished draft.
    assert reopened.status == STATUS_DRAFT
    assert window.workflow_bar.status_box.isVisibleTo(window)


def test_the_workflow_board_lists_the_sandbox_unpublished_entries(window, qtbot):
    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        window.workflow_view_action.trigger()
    board = window.workflow_board
    keys = [k for status in board.columns for k in board.keys_in(status)]
    assert "posts/2026-10-12-winter-cover-crops" in keys


def test_an_unpublished_entry_shows_its_status_above_the_editor(window, qtbot):
    window.collection_tree.select_collection("plants")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("plants", "garlic")
    bar = window.workflow_bar
    assert bar.isVisibleTo(window)
    assert bar.status_box.currentText() == "Draft"
    assert not bar.publish_button.isEnabled()  # only Ready entries publish


def test_a_published_entry_says_saving_makes_a_draft(window, qtbot):
    window.collection_tree.select_collection("posts")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", window.entry_list.model.key_at(0))
    assert window.workflow_bar.published_label.isVisibleTo(window)
    assert not window.workflow_bar.status_box.isVisibleTo(window)


def test_a_journaled_draft_is_offered_back_after_a_restart(window, qtbot, tmp_path, app_home, runner):
    window.collection_tree.select_collection("posts")
    key = window.entry_list.model.key_at(0)
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", key)
    qtbot.keyClicks(window.editor.title, " typed before a crash")
    qtbot.waitUntil(lambda: window.workspace.has_draft(key), timeout=5000)

    prompts = ScriptedPrompts(draft="restore")
    settings = QSettings(str(tmp_path / "again.ini"), QSettings.Format.IniFormat)
    again = MainWindow(open_site(SiteChoice("sandbox"), AppDirs.under(app_home)), settings, runner, FakeEditor,
                       prompts)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.site_loaded, timeout=20000):
        again.load_site()
    with qtbot.waitSignal(again.entry_opened, timeout=10000):
        again.open_entry("posts", key)
    assert ("draft", key) in prompts.asked
    assert again.editor.title.text().endswith(" typed before a crash")
    assert again.is_dirty


def test_a_conflicting_save_on_the_sandbox_shows_both_versions(window, qtbot):
    from editor_app.backends.base import FileChange
    from editor_app.ui.conflict_dialog import ConflictDialog

    window.collection_tree.select_collection("settings")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("settings", "general")
    path = window.current_entry.path
    backend = window.workspace.backend
    theirs, _id = backend.read_file(path)
    backend.commit([FileChange(path, theirs.replace(b"Riverside", b"Lakeside", 1))], "Someone else edits")
    qtbot.keyClicks(window.editor.title, " (mine)")
    window.save_entry()
    qtbot.waitUntil(lambda: window.findChild(ConflictDialog) is not None, timeout=10000)
    diff = window.findChild(ConflictDialog).diff_view.toPlainText()
    assert "Lakeside" in diff and "(mine)" in diff


def test_uploading_media_to_the_sandbox_lists_it_in_the_library(window, qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication

    dialog = window.show_media_library()
    qtbot.waitUntil(lambda: len(dialog.paths()) > 0, timeout=10000)
    before = len(dialog.paths())
    files = []
    for name in ("seedlings.svg", "rows.svg"):
        path = tmp_path / name
        path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
        files.append(path)
    with qtbot.waitSignal(dialog.uploaded, timeout=10000):
        dialog.upload_files(files)
    qtbot.waitUntil(lambda: len(dialog.paths()) == before + 2, timeout=10000)
    assert "static/images/uploads/seedlings.svg" in dialog.paths()
    dialog.close()
    QApplication.processEvents()


def test_entries_with_unpublished_changes_show_their_workflow_status_in_the_list(window, qtbot):
    key = revise_first_post(window, qtbot)
    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        window.refresh_workflow()
    model = window.entry_list.model
    assert model.index(model.row_of(key), model.columnCount() - 1).data() == "Draft"


def test_a_saved_draft_shows_its_status_in_the_list_at_once(window, qtbot):
    key = revise_first_post(window, qtbot)
    model = window.entry_list.model
    assert model.index(model.row_of(key), model.columnCount() - 1).data() == "Draft"


def test_a_new_post_shows_the_path_it_will_create_as_the_title_is_typed(window, qtbot):
    window.collection_tree.select_collection("posts")
    window.new_action.trigger()
    assert window.status_label.text().startswith("New entry")
    qtbot.keyClicks(window.editor.title, "Frost fair")
    qtbot.waitUntil(lambda: "frost-fair.md" in window.status_label.text(), timeout=5000)
    assert window.status_label.text().startswith("New entry — will be saved as content/posts/")


def click_tree_item(window, item) -> None:
    tree = window.collection_tree
    tree.scrollToItem(item)
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tree.visualItemRect(item).center())


def test_choosing_a_settings_file_lists_that_collections_files_and_their_rows_open(window, qtbot):
    click_tree_item(window, window.collection_tree.item_for("plants"))
    qtbot.waitUntil(lambda: window.entry_list.model.rowCount() > 0, timeout=10000)
    settings = window.collection_tree.item_for("settings")
    authors = next(settings.child(i) for i in range(settings.childCount()) if settings.child(i).text(0) == "Authors")
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        click_tree_item(window, authors)
    model = window.entry_list.model
    assert [model.index(row, 0).data() for row in range(model.rowCount())] == ["General settings", "Authors"]
    table = window.entry_list.table
    general = table.visualRect(model.index(0, 0)).center()
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, general)
    assert window.current_entry.collection == "settings"
    status = window.status_label.text()
    assert "failed" not in status and not status.startswith("Opening"), status
