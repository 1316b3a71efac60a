"""The entry list's details on the sandbox, driven by clicks and keys: the tree's counts follow the list, row
statuses follow publishing, grouping shows group headers, relation columns show display values."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from editor_app.ui.media_library import MediaLibraryDialog
from tests.ui.test_real_editor_on_sandbox import click_tool, new_post, open_first_post, press_ctrl, window

__all__ = ["window"]


def tree_count(window, collection: str) -> int:
    found = re.search(r"\((\d+)\)$", window.collection_tree.item_for(collection).text(0))
    assert found, window.collection_tree.item_for(collection).text(0)
    return int(found.group(1))


def status_of(window, path: str) -> str:
    model = window.entry_list.model
    row = model.row_of(path)
    return model.index(row, model.columnCount() - 1).data()


def test_the_tree_counts_the_rows_the_list_shows_after_new_and_delete(window, qtbot):
    window.collection_tree.select_collection("posts")
    qtbot.waitUntil(lambda: window.entry_list.model.total > 0, timeout=10000)
    assert tree_count(window, "posts") == window.entry_list.model.total == 8
    new_post(window, qtbot)
    QTest.keyClicks(window.editor.form.editor("title").line, "Frost fair")
    editor = window.editor.form.editor("author")
    editor.search.setFocus()
    QTest.keyClicks(editor.search, "amara")
    qtbot.waitUntil(lambda: editor.results.isVisible() and editor.results.count() == 1, timeout=10000)
    QTest.keyClick(editor.search, Qt.Key.Key_Return)
    category = window.editor.form.editor("category").combo
    category.setFocus()
    QTest.keyClicks(category, "News")
    body = window.editor.form.editor("body").editor.edit
    body.setFocus()
    QTest.keyClicks(body, "Gloves.")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        press_ctrl(window, body, Qt.Key.Key_S)
    assert window.entry_list.model.total == 9
    assert tree_count(window, "posts") == 9


def test_the_tree_count_drops_when_a_published_entry_is_deleted(window, qtbot):
    open_first_post(window, qtbot)
    with qtbot.waitSignal(window.workflow_changed, timeout=10000, raising=False):
        click_tool(window, window.delete_action)
    qtbot.waitUntil(lambda: window.current_entry is None, timeout=10000)
    assert window.entry_list.model.total == 7
    assert tree_count(window, "posts") == 7


def test_a_published_entry_loses_its_draft_status_on_the_list(window, qtbot):
    open_first_post(window, qtbot)
    path = window.current_entry.path
    title = window.editor.form.editor("title").line
    QTest.keyClicks(title, " again")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        press_ctrl(window, title, Qt.Key.Key_S)
    assert status_of(window, path) == "Draft"
    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        press_ctrl(window, window, Qt.Key.Key_2)
    board = window.workflow_board
    slug = path.rsplit("/", 1)[1].removesuffix(".md")
    board.select(f"posts/{slug}")
    for _ in range(2):
        with qtbot.waitSignal(window.workflow_changed, timeout=10000):
            QTest.mouseClick(board.forward_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.workflow_changed, timeout=10000):
        QTest.mouseClick(board.publish_button, Qt.MouseButton.LeftButton)
    press_ctrl(window, window, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: window.entry_list.model.row_of(path) >= 0 and not window.browser.loading, timeout=10000)
    assert status_of(window, path) == ""


def test_publishing_a_new_entry_from_the_board_adds_its_row_and_count(window, qtbot):
    window.collection_tree.select_collection("posts")
    qtbot.waitUntil(lambda: window.entry_list.model.total == 8, timeout=10000)
    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        press_ctrl(window, window, Qt.Key.Key_2)
    board = window.workflow_board
    board.select("posts/2026-10-12-winter-cover-crops")
    with qtbot.waitSignal(window.workflow_changed, timeout=10000):
        QTest.mouseClick(board.forward_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.workflow_changed, timeout=10000):
        QTest.mouseClick(board.publish_button, Qt.MouseButton.LeftButton)
    press_ctrl(window, window, Qt.Key.Key_1)
    path = "content/posts/2026-10-12-winter-cover-crops.md"
    qtbot.waitUntil(lambda: window.entry_list.model.row_of(path) >= 0 and not window.browser.loading, timeout=10000)
    assert status_of(window, path) == ""
    assert tree_count(window, "posts") == 9


def test_grouping_by_year_shows_group_headings_over_the_rows(window, qtbot):
    window.collection_tree.select_collection("posts")
    qtbot.waitUntil(lambda: window.entry_list.model.total == 8, timeout=10000)
    columns = window.entry_list.model.columnCount()
    box = window.entry_list.group_box
    box.setFocus()
    QTest.keyClick(box, Qt.Key.Key_Down)  # "No grouping" -> "Year"
    assert box.currentText() == "Year"
    model = window.entry_list.model
    assert model.columnCount() == columns  # no column of raw values
    assert model.index(0, 0).data() == "Year 2026 (8)"
    assert window.entry_list.table.columnSpan(0, 0) == columns
    QTest.keyClick(box, Qt.Key.Key_Down)  # "Category"
    headings = [model.index(r, 0).data() for r in model.heading_rows()]
    assert headings == ["Category harvest (2)", "Category news (3)", "Category volunteers (1)",
                        "Category workshops (2)"]
    first_entry = model.heading_rows()[0] + 1
    table = window.entry_list.table
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         table.visualRect(model.index(first_entry, 0)).center())
    assert window.current_entry.path == model.key_at(first_entry)


def test_the_author_column_shows_authors_by_name(window, qtbot):
    window.collection_tree.select_collection("posts")
    model = window.entry_list.model
    qtbot.waitUntil(lambda: model.total == 8, timeout=10000)
    column = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())].index("Author")
    names = {"María Delgado", "Jonas Berg", "Amara Okafor"}
    qtbot.waitUntil(lambda: all(model.index(r, column).data() in names for r in range(model.rowCount())),
                    timeout=10000)
    window.entry_list.search_box.setFocus()
    QTest.keyClicks(window.entry_list.search_box, "tomato")
    assert model.index(0, column).data() in names
    # the authors' files collection was loaded for the names: its tree row still reads as before
    assert window.collection_tree.item_for("settings").text(0) == "Settings"


def test_a_site_without_history_shows_no_empty_commit_columns(window, qtbot):
    tree = window.collection_tree
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tree.visualItemRect(tree.item_for("pages")).center())
    model = window.entry_list.model
    qtbot.waitUntil(lambda: model.total > 0, timeout=10000)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "Commit date" not in headers and "Commit author" not in headers
    assert headers == ["Page", "Status"]


def test_a_search_without_hits_says_so_and_escape_brings_the_entries_back(window, qtbot):
    window.collection_tree.select_collection("posts")
    model = window.entry_list.model
    qtbot.waitUntil(lambda: model.total == 8, timeout=10000)
    box = window.entry_list.search_box
    box.setFocus()
    QTest.keyClicks(box, "zucchini")
    empty = window.entry_list.empty_label
    assert model.shown == 0 and empty.isVisibleTo(window)
    assert empty.text().startswith("No entries match “zucchini”.") and "Esc" in empty.text()
    QTest.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == "" and model.shown == 8 and not empty.isVisibleTo(window)


def test_an_empty_media_folder_says_how_to_add_files(window, qtbot):
    press_ctrl(window, window, Qt.Key.Key_M)
    dialog = window.findChild(MediaLibraryDialog)
    qtbot.waitUntil(lambda: len(dialog.paths()) > 0, timeout=10000)
    assert not dialog.empty_label.isVisibleTo(dialog)
    dialog.search_box.setFocus()
    QTest.keyClicks(dialog.search_box, "zucchini")
    assert dialog.empty_label.isVisibleTo(dialog)
    assert dialog.empty_label.text().startswith("No media matches “zucchini”.")
    for path in list(dialog.paths()):
        dialog.select(path)
        with qtbot.waitSignal(dialog.deleted, timeout=10000):
            QTest.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    dialog.search_box.clear()
    assert dialog.empty_label.isVisibleTo(dialog)
    assert dialog.empty_label.text().startswith(f"No media in {dialog.folder} yet.")
    dialog.close()
