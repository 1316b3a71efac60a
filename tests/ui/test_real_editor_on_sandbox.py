"""The real editor pane in the main window on the sandbox, driven by clicks and keys; saved commits are checked.

The relation picker: a post's author comes from a files collection's list (`authors.*.id`, shown by
`authors.*.name`). Validation: what blocks a save is listed, follows the fixes, and is said once.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar

from editor_app.paths import AppDirs
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from editor_app.ui.widgets.relation_editor import RelationEditor
from tests.ui.fakes import ScriptedPrompts


@pytest.fixture
def window(qtbot, tmp_path, app_home, runner) -> MainWindow:
    workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, prompts=ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    return window


def open_first_post(window: MainWindow, qtbot) -> None:
    tree = window.collection_tree
    item = tree.item_for("posts")
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tree.visualItemRect(item).center())
    qtbot.waitUntil(lambda: window.entry_list.model.rowCount() > 0, timeout=10000)
    table = window.entry_list.table
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         table.visualRect(window.entry_list.model.index(0, 0)).center())


def press_ctrl(window: MainWindow, target, key: Qt.Key) -> None:
    """Ctrl+key in the window, as the active window (offscreen Qt has no window manager to make it so)."""
    if not window.isActiveWindow():
        window.activateWindow()
        QTest.qWaitForWindowActive(window, 5000)
    target.setFocus()
    QTest.keyClick(target, key, Qt.KeyboardModifier.ControlModifier)


def author_editor(window: MainWindow) -> RelationEditor:
    editor = window.editor.form.editor("author")
    assert isinstance(editor, RelationEditor)
    return editor


def shown(editor: RelationEditor) -> list[str]:
    return [editor.results.item(i).text() for i in range(editor.results.count())] if editor.results.isVisible() else []


def test_the_chosen_author_shows_by_name_not_by_stored_id(window, qtbot):
    open_first_post(window, qtbot)
    editor = author_editor(window)
    stored = window.current_entry.data["author"]
    qtbot.waitUntil(lambda: editor.chosen.count() == 1 and editor.chosen.item(0).text() != stored, timeout=10000)
    assert editor.chosen.item(0).text() in {"María Delgado", "Jonas Berg", "Amara Okafor"}
    assert editor.chosen.item(0).toolTip() == f"Stored as: {stored}"


def test_typing_part_of_a_name_finds_the_author_and_return_picks_it(window, qtbot):
    open_first_post(window, qtbot)
    editor = author_editor(window)
    qtbot.waitUntil(lambda: editor.chosen.count() == 1 and editor.chosen.item(0).text() != "maria", timeout=10000)
    editor.search.setFocus()
    QTest.keyClicks(editor.search, "mar")
    assert shown(editor) == ["María Delgado", "Amara Okafor"]  # both names contain "mar"
    editor.search.clear()
    QTest.keyClicks(editor.search, "Jo")
    assert shown(editor) == ["Jonas Berg"]
    QTest.keyClick(editor.search, Qt.Key.Key_Return)
    assert editor.chosen.item(0).text() == "Jonas Berg" and not editor.results.isVisible()
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        press_ctrl(window, editor.search, Qt.Key.Key_S)
    assert window.workspace.open_entry("posts", window.current_entry.path).data["author"] == "jonas"


def test_an_empty_or_unmatched_search_shows_no_blank_row(window, qtbot):
    open_first_post(window, qtbot)
    editor = author_editor(window)
    editor.search.setFocus()
    QTest.keyClicks(editor.search, "a")  # typed at once: the authors may still be loading
    qtbot.waitUntil(lambda: len(shown(editor)) == 3, timeout=10000)
    assert all(shown(editor))
    QTest.keyClick(editor.search, Qt.Key.Key_Backspace)
    assert shown(editor) == [] and editor.results.count() == 0
    QTest.keyClicks(editor.search, "zucchini")
    assert shown(editor) == [] and editor.no_match.isVisible()
    assert "zucchini" in editor.no_match.text()
    QTest.keyClick(editor.search, Qt.Key.Key_Escape)
    assert not editor.no_match.isVisible() or editor.results.count() == 0


def test_a_new_post_with_its_required_author_picked_by_keys_saves(window, qtbot):
    window.collection_tree.select_collection("posts")
    press_ctrl(window, window.entry_list.table, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.current_entry is not None and window.current_entry.is_new, timeout=5000)
    form = window.editor.form
    QTest.keyClicks(form.editor("title").line, "Frost fair")
    editor = author_editor(window)
    editor.search.setFocus()
    QTest.keyClicks(editor.search, "amara")
    qtbot.waitUntil(lambda: shown(editor) == ["Amara Okafor"], timeout=10000)  # once the authors have loaded
    QTest.keyClick(editor.search, Qt.Key.Key_Return)
    category = form.editor("category").combo
    category.setFocus()
    QTest.keyClicks(category, "News")  # typing in a closed combo box picks the option
    body = form.editor("body").editor.edit
    body.setFocus()
    QTest.keyClicks(body, "Bring warm gloves.")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        press_ctrl(window, body, Qt.Key.Key_S)
    saved = window.workspace.open_entry("posts", window.current_entry.path)
    assert saved.data["author"] == "amara" and saved.data["title"] == "Frost fair"
    assert saved.data["date"]  # a new entry's datetime starts at the current time, as in Decap


def new_post(window: MainWindow, qtbot) -> None:
    window.collection_tree.select_collection("posts")
    press_ctrl(window, window.entry_list.table, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.current_entry is not None and window.current_entry.is_new, timeout=5000)


def validation_notices(window: MainWindow) -> list[str]:
    return [n.message for n in window.notifications.notifications if n.message.startswith("Not saved")]


def test_what_blocks_a_save_is_listed_once_and_follows_the_fixes(window, qtbot):
    new_post(window, qtbot)
    title = window.editor.form.editor("title").line
    press_ctrl(window, title, Qt.Key.Key_S)
    press_ctrl(window, title, Qt.Key.Key_S)
    assert validation_notices(window) == ["Not saved: 4 fields need attention (listed above the form)."]
    assert window.editor.problem_messages() == ["Title is required.", "Author is required.",
                                                "Category is required.", "Body is required."]
    assert window.editor.form.row("title").error.isVisibleTo(window)
    QTest.keyClicks(title, "Frost fair")
    assert window.editor.problem_messages() == ["Author is required.", "Category is required.", "Body is required."]
    assert not window.editor.form.row("title").error.isVisibleTo(window)
    list_height = window.editor.problem_list.height()
    assert list_height <= 3 * window.editor.problem_list.sizeHintForRow(0) + 12  # no empty space under the lines


def test_the_not_saved_notice_goes_with_the_entry_it_spoke_of(window, qtbot):
    new_post(window, qtbot)
    press_ctrl(window, window.editor.form.editor("title").line, Qt.Key.Key_S)
    assert len(validation_notices(window)) == 1
    window.prompts.answers["unsaved"] = "discard"  # the unsaved-changes guard: Discard
    open_first_post(window, qtbot)
    assert validation_notices(window) == []
    assert window.editor.problem_messages() == []


def click_tool(window: MainWindow, action) -> None:
    """Click an action's button in the window's toolbar."""
    toolbar = window.findChild(QToolBar, "entry-toolbar")
    QTest.mouseClick(toolbar.widgetForAction(action), Qt.MouseButton.LeftButton)


def open_card(window: MainWindow, qtbot, key: str) -> None:
    """Open an unpublished entry from the workflow board by double-clicking its card."""
    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        press_ctrl(window, window, Qt.Key.Key_2)
    board = window.workflow_board
    column = next(c for c in board.columns.values() if c.index_of(key).isValid())
    centre = column.visualRect(column.index_of(key)).center()
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        QTest.mouseClick(column.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
        QTest.mouseDClick(column.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)


def test_deleting_a_never_published_draft_deletes_its_changes_and_closes_it(window, qtbot):
    open_card(window, qtbot, "plants/garlic")
    assert window.workflow_bar.status_box.isVisibleTo(window)
    with qtbot.waitSignal(window.workflow_changed, timeout=10000):
        click_tool(window, window.delete_action)
    question = window.prompts.asked[-1][1]
    assert question.startswith("Delete “Garlic") and "never published" in question
    assert window.prompts.actions[-1] == ("Delete changes", True)  # names its verb; Cancel is the default
    qtbot.waitUntil(lambda: window.current_entry is None, timeout=10000)
    assert window.editor_stack.currentWidget() is window.empty_label  # not shown as "Published"
    assert "plants/garlic" not in window.workflow_board.keys_in("draft")


def test_a_new_entry_is_labelled_new_and_discarding_it_names_it(window, qtbot):
    new_post(window, qtbot)
    assert window.workflow_bar.published_label.text().startswith("New — ")
    assert not window.delete_action.isEnabled()  # nothing saved, nothing to delete
    QTest.keyClicks(window.editor.form.editor("title").line, "Frost fair")
    click_tool(window, window.discard_action)
    assert window.prompts.asked[-1][1].startswith("Discard your unsaved changes to “Frost fair — ")  # its summary
    assert window.prompts.actions[-1] == ("Discard changes", True)
    assert window.current_entry is None


def test_a_saved_copy_is_the_row_highlighted_in_the_list(window, qtbot):
    open_first_post(window, qtbot)
    original = window.current_entry.path
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        press_ctrl(window, window.entry_list.table, Qt.Key.Key_D)
    assert window.current_entry.is_new
    assert window.workflow_bar.published_label.text().startswith("New — ")
    title = window.editor.form.editor("title").line
    title.selectAll()
    QTest.keyClicks(title, "A copied post")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        press_ctrl(window, title, Qt.Key.Key_S)
    selected = window.entry_list.table.selectionModel().selectedRows()
    assert [window.entry_list.model.key_at(index.row()) for index in selected] == [window.current_entry.path]
    assert window.current_entry.path != original


def test_a_new_entry_never_saved_before_a_crash_is_offered_back_at_the_next_start(window, qtbot, tmp_path, app_home,
                                                                                    runner):
    new_post(window, qtbot)
    QTest.keyClicks(window.editor.form.editor("title").line, "Frost fair")
    qtbot.waitUntil(lambda: any(d.entry.is_new for d in window.workspace.pending_drafts()), timeout=10000)
    # The app is gone without saving (a crash); the next start opens the site again.
    settings = QSettings(str(tmp_path / "again.ini"), QSettings.Format.IniFormat)
    again = MainWindow(open_site(SiteChoice("sandbox"), AppDirs.under(app_home)), settings, runner,
                       prompts=ScriptedPrompts(confirm=True))
    qtbot.addWidget(again)
    again.resize(1400, 900)
    again.show()
    with qtbot.waitSignal(again.site_loaded, timeout=20000):
        again.load_site()
    qtbot.waitUntil(lambda: any("had not saved" in n.message for n in again.notifications.notifications),
                    timeout=10000)
    notice = next(n for n in again.notifications.notifications if "had not saved" in n.message)
    assert "“Frost fair" in notice.message
    with qtbot.waitSignal(again.entry_opened, timeout=5000):
        QTest.mouseClick(notice.buttons[0], Qt.MouseButton.LeftButton)  # Open it
    assert again.current_entry.is_new and again.is_dirty
    assert again.editor.form.editor("title").line.text() == "Frost fair"


def test_heading_keys_in_the_body_do_not_clash_with_the_view_keys(window, qtbot):
    open_first_post(window, qtbot)
    body = window.editor.form.editor("body").editor.edit
    body.setFocus()
    body.moveCursor(body.textCursor().MoveOperation.Start)
    first_line = body.document().firstBlock().text()
    if not window.isActiveWindow():
        window.activateWindow()
        QTest.qWaitForWindowActive(window, 5000)
        body.setFocus()
    QTest.keyClick(body, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert body.document().firstBlock().text() == "## " + first_line.lstrip("# ")
    # Ctrl+2 is the Workflow view everywhere, in the body too (it was ambiguous there, and did nothing).
    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        QTest.keyClick(body, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.workflow_board


def test_the_preview_names_a_posts_author_not_the_stored_id(window, qtbot):
    open_first_post(window, qtbot)
    stored = window.current_entry.data["author"]
    editor = author_editor(window)
    qtbot.waitUntil(lambda: editor.chosen.count() == 1 and editor.chosen.item(0).text() != stored, timeout=10000)
    html = window.editor.preview.render_now()
    assert editor.chosen.item(0).text() in html and f">{stored}<" not in html
