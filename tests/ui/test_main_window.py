"""MainWindow flows on an in-memory workspace: load, open, new, save, guard, drafts, conflicts, search."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence

from editor_app.ui.conflict_dialog import ConflictChoice
from editor_app.ui.main_window import MainWindow
from tests.ui.fakes import FakeEditor, FakeWorkspace, ScriptedPrompts, fake_entry, pending_draft


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings, runner):
    def make(workspace: FakeWorkspace | None = None, prompts: ScriptedPrompts | None = None) -> MainWindow:
        window = MainWindow(workspace or FakeWorkspace(), settings, runner, FakeEditor,
                            prompts or ScriptedPrompts())
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(window.site_loaded, timeout=5000):
            window.load_site()
        return window

    return make


def open_entry(qtbot, window: MainWindow, collection: str, path: str) -> None:
    with qtbot.waitSignal(window.entry_opened, timeout=5000):
        window.open_entry(collection, path)


def test_tree_lists_collections_with_counts_nested_folders_and_files(make_window):
    window = make_window()
    tree = window.collection_tree
    labels = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert labels == ["Posts  (3)", "Pages  (3)", "Settings"]
    pages = tree.item_for("pages")
    assert [pages.child(i).text(0) for i in range(pages.childCount())] == ["about", "visit"]
    assert pages.child(0).child(0).text(0) == "team"
    assert tree.item_for("settings").child(0).text(0) == "General"


def test_collections_load_on_worker_threads(make_window):
    workspace = FakeWorkspace()
    make_window(workspace)
    assert threading.get_ident() not in workspace.worker_threads
    assert workspace.worker_threads


def test_entry_list_has_summary_and_sortable_columns(make_window):
    window = make_window()
    model = window.entry_list.model
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert headers == ["Post", "Date", "Status"]
    assert model.rowCount() == 3


def test_search_box_filters_entries_through_the_workspace_search(make_window, qtbot):
    window = make_window()
    qtbot.keyClicks(window.entry_list.search_box, "post 1")
    assert [window.entry_list.model.key_at(r) for r in range(window.entry_list.model.rowCount())] == [
        "content/posts/post-1.md"
    ]


def test_new_entry_shows_the_path_it_will_create(make_window):
    window = make_window()
    window.new_action.trigger()
    assert window.status_label.text() == "New entry — will be saved as content/posts/untitled.md"
    assert window.is_dirty


def test_editing_then_save_makes_one_save_and_clears_the_unsaved_mark(make_window, qtbot):
    workspace = FakeWorkspace()
    window = make_window(workspace)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    assert window.editor_stack.currentWidget() is window.editor_page
    qtbot.keyClicks(window.editor.title, " (updated)")
    assert window.is_dirty
    assert window.entry_list.model.entry("content/posts/post-1.md").status == "unsaved"
    with qtbot.waitSignal(window.entry_saved, timeout=5000):
        qtbot.keySequence(window, QKeySequence.StandardKey.Save)
    assert [e.data["title"] for e in workspace.saved] == ["Post 1 (updated)"]
    assert not window.is_dirty
    assert window.entry_list.model.entry("content/posts/post-1.md").status == ""


def test_typing_is_journaled_after_a_pause(make_window, qtbot):
    workspace = FakeWorkspace()
    window = make_window(workspace)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, "abc")
    assert workspace.journal == []  # debounced: not per keystroke
    qtbot.waitUntil(lambda: len(workspace.journal) == 1, timeout=3000)
    assert workspace.journal[0].data["title"] == "Post 1abc"


def test_unsaved_guard_cancel_keeps_the_entry_open(make_window, qtbot):
    prompts = ScriptedPrompts(unsaved="cancel")
    window = make_window(prompts=prompts)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, "!")
    window.open_entry("posts", "content/posts/post-2.md")
    assert prompts.asked == [("unsaved", "Post 1!")]
    assert window.current_entry.path == "content/posts/post-1.md"
    assert window.is_dirty


def test_unsaved_guard_discard_switches_entries(make_window, qtbot):
    window = make_window(prompts=ScriptedPrompts(unsaved="discard"))
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, "!")
    open_entry(qtbot, window, "posts", "content/posts/post-2.md")
    assert window.current_entry.path == "content/posts/post-2.md"
    assert not window.is_dirty


def test_closing_with_unsaved_changes_asks_first(make_window, qtbot):
    prompts = ScriptedPrompts(unsaved="cancel")
    window = make_window(prompts=prompts)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, "!")
    window.close()
    assert window.isVisible()
    assert prompts.asked[-1] == ("unsaved", "Post 1!")


def test_a_journaled_draft_is_offered_and_restored(make_window, qtbot):
    workspace = FakeWorkspace()
    path = "content/posts/post-1.md"
    workspace.drafts[path] = pending_draft(fake_entry("posts", path, {"title": "Typed before the crash"}))
    prompts = ScriptedPrompts(draft="restore")
    window = make_window(workspace, prompts)
    open_entry(qtbot, window, "posts", path)
    assert ("draft", path) in prompts.asked
    assert window.editor.title.text() == "Typed before the crash"
    assert window.is_dirty


def test_a_discarded_draft_is_removed_from_the_journal(make_window, qtbot):
    workspace = FakeWorkspace()
    path = "content/posts/post-1.md"
    workspace.drafts[path] = pending_draft(fake_entry("posts", path, {"title": "Old idea"}))
    window = make_window(workspace, ScriptedPrompts(draft="discard"))
    open_entry(qtbot, window, "posts", path)
    assert window.editor.title.text() == "Post 1"
    assert path not in workspace.drafts


def test_a_conflict_on_save_opens_the_conflict_dialog_and_keep_mine_saves(make_window, qtbot):
    workspace = FakeWorkspace()
    window = make_window(workspace)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, " mine")
    workspace.conflict_on_next_save = b"title: Post 1 theirs\n"
    window.save_entry()
    qtbot.waitUntil(lambda: window.findChild(type(window), "") is None and _conflict_dialog(window) is not None,
                    timeout=5000)
    dialog = _conflict_dialog(window)
    assert "-title: Post 1 theirs" in dialog.diff_view.toPlainText()
    assert "+title: Post 1 mine" in dialog.diff_view.toPlainText()
    with qtbot.waitSignal(window.entry_saved, timeout=5000):
        dialog.keep_button.click()
    assert dialog.choice is ConflictChoice.KEEP_MINE
    assert workspace.saved[-1].data["title"] == "Post 1 mine"


def _conflict_dialog(window: MainWindow):
    from editor_app.ui.conflict_dialog import ConflictDialog

    return window.findChild(ConflictDialog)


def test_delete_asks_then_removes_the_entry(make_window, qtbot):
    workspace = FakeWorkspace()
    prompts = ScriptedPrompts(confirm=True)
    window = make_window(workspace, prompts)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: window.current_entry is None, timeout=5000)
    assert workspace.deleted == ["content/posts/post-1.md"]
    assert prompts.asked[0][0] == "confirm"
    assert window.entry_list.model.row_of("content/posts/post-1.md") == -1


def test_duplicate_opens_an_unsaved_copy(make_window, qtbot):
    window = make_window()
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    window.duplicate_action.trigger()
    assert window.current_entry.path == "content/posts/post-1-copy.md"
    assert window.is_dirty


def test_standard_shortcuts_are_bound(make_window):
    window = make_window()
    assert window.new_action.shortcut() == QKeySequence("Ctrl+N")
    assert window.save_action.shortcut() == QKeySequence("Ctrl+S")
    assert window.find_action.shortcut() == QKeySequence("Ctrl+F")
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert window.close_action.shortcut() == QKeySequence("Ctrl+W")


def test_window_geometry_and_splitter_are_remembered(make_window, settings, qtbot):
    window = make_window()
    window.resize(780, 500)  # room for the panes' minimum widths (tree 120, list 200, editor 360)
    window.splitter.setSizes([150, 250, 372])
    sizes = window.splitter.sizes()
    window.close()
    again = make_window()
    assert again.size().width() == 780
    assert again.splitter.sizes()[0] == sizes[0] == 150


def test_a_failed_load_shows_a_readable_notification(qtbot, settings, runner):
    from editor_app.errors import NetworkError

    workspace = FakeWorkspace()

    def fail(name, progress=None):
        raise NetworkError("github.com could not be reached")

    workspace.load_collection = fail
    window = MainWindow(workspace, settings, runner, FakeEditor, ScriptedPrompts())
    qtbot.addWidget(window)
    window.load_site()
    qtbot.waitUntil(lambda: bool(window.notifications.notifications), timeout=5000)
    qtbot.waitUntil(lambda: len(window.notifications.notifications) == 2, timeout=5000)
    messages = sorted(n.message for n in window.notifications.notifications)
    assert messages == [
        "Loading Pages failed: github.com could not be reached",
        "Loading Posts failed: github.com could not be reached",
    ]


def test_every_control_has_an_accessible_name_or_text(make_window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit

    window = make_window()
    unnamed = []
    for kind in (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView):
        for control in window.findChildren(kind):
            if control.window() is not window or not control.isVisibleTo(window):
                continue
            text = control.text() if isinstance(control, QAbstractButton) else ""
            if not (control.accessibleName() or text or control.toolTip()):
                unnamed.append(f"{type(control).__name__} {control.objectName()!r}")
    assert unnamed == []


def test_ctrl_f_puts_the_cursor_in_the_search_box(make_window, qtbot):
    window = make_window()
    window.activateWindow()
    window.find_action.trigger()
    assert window.entry_list.search_box.hasFocus() or window.focusWidget() is window.entry_list.search_box


def test_choosing_save_in_the_guard_saves_then_opens_the_other_entry(make_window, qtbot):
    workspace = FakeWorkspace()
    window = make_window(workspace, ScriptedPrompts(unsaved="save"))
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, "!")
    with qtbot.waitSignal(window.entry_opened, timeout=5000) as opened:
        window.open_entry("posts", "content/posts/post-2.md")
    assert opened.args == ["content/posts/post-2.md"]
    assert [e.data["title"] for e in workspace.saved] == ["Post 1!"]


def test_entries_of_a_collection_that_forbids_deleting_cannot_be_deleted(make_window, qtbot):
    workspace = FakeWorkspace()
    workspace.site.collections[0].delete = False
    window = make_window(workspace)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    assert not window.delete_action.isEnabled()


def test_taking_theirs_in_a_conflict_shows_their_version(make_window, qtbot):
    workspace = FakeWorkspace()
    window = make_window(workspace)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, " mine")
    workspace.conflict_on_next_save = b"title: Their title\n"
    window.save_entry()
    qtbot.waitUntil(lambda: _conflict_dialog(window) is not None, timeout=5000)
    with qtbot.waitSignal(window.entry_opened, timeout=5000):
        _conflict_dialog(window).take_button.click()
    assert window.editor.title.text() == "Their title"
    assert not window.is_dirty
    assert workspace.saved == []


def test_the_window_fits_a_small_screen(make_window):
    window = make_window()
    assert window.minimumSizeHint().width() <= 800


def test_a_file_inserted_from_the_media_library_goes_into_the_editor_by_its_public_path(make_window, qtbot):
    workspace = FakeWorkspace()
    workspace.media["static/images/uploads/compost.png"] = b"not really a png"
    window = make_window(workspace)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    dialog = window.show_media_library()
    qtbot.waitUntil(lambda: dialog.paths() == ["static/images/uploads/compost.png"], timeout=5000)
    dialog.select("static/images/uploads/compost.png")
    dialog.insert_button.click()
    assert window.editor.inserted == ["/images/uploads/compost.png"]


def test_the_status_bar_says_who_edits_which_repository(make_window):
    assert make_window().account_label.text() == "ed · GitHub riverside/garden"


def test_a_site_that_signs_commits_off_says_as_whom_in_the_status_bar(make_window):
    assert not make_window().signoff_label.isVisible()
    workspace = FakeWorkspace()
    workspace.signs_off_as = "Ed Gardener <ed@example.org>"
    label = make_window(workspace).signoff_label
    assert label.isVisible() and label.text() == "Signed off as Ed Gardener <ed@example.org>"


def test_the_status_bar_says_whether_the_site_is_read_over_git_or_through_the_api(make_window, qtbot):
    assert make_window().route_label.text() == "API"
    workspace = FakeWorkspace()
    workspace.route = "git"
    window = make_window(workspace)
    assert window.route_label.text() == "Git" and window.route_label.isVisible()

    workspace.route = "api"  # the host stopped taking Git (a revoked token): the adapter went back to its API
    with qtbot.waitSignal(window.site_loaded, timeout=5000):
        window.load_site()
    assert window.route_label.text() == "API"


def test_a_refused_branch_update_is_not_shown_as_a_deleted_file(make_window, qtbot):
    from editor_app.errors import ConflictError

    class RefusingWorkspace(FakeWorkspace):
        def save_entry(self, entry):
            raise ConflictError("main: GitLab refused the commit (HTTP 400: branch update rejected)",
                                path=entry.path)

    window = make_window(RefusingWorkspace())
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, " mine")
    window.save_entry()
    qtbot.waitUntil(lambda: _conflict_dialog(window) is not None, timeout=5000)
    intro = _conflict_dialog(window).intro.text()
    assert "deleted" not in intro
    assert "GitLab refused the commit" in intro


def test_a_save_whose_answer_was_lost_says_so(make_window, qtbot):
    import dataclasses

    class LostAnswerWorkspace(FakeWorkspace):
        def save_entry(self, entry):
            saved = super().save_entry(entry)
            return dataclasses.replace(saved, save_notice="saved; the host's answer was lost, but the commit is there")

    window = make_window(LostAnswerWorkspace())
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    qtbot.keyClicks(window.editor.title, " mine")
    with qtbot.waitSignal(window.entry_saved, timeout=5000):
        window.save_entry()
    assert "answer was lost" in window.status_label.text()
    assert any("answer was lost" in item.message_label.text() for item in window.notifications.notifications)


def test_continuous_typing_is_journaled_at_least_every_max_wait(make_window, qtbot):
    from editor_app.ui.typing_journal import JOURNAL_DELAY_MS, JOURNAL_MAX_WAIT_MS

    workspace = FakeWorkspace()
    window = make_window(workspace)
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    started = time.monotonic()
    # one keystroke every 100 ms: the typing never rests for JOURNAL_DELAY_MS
    while time.monotonic() - started < (JOURNAL_MAX_WAIT_MS + JOURNAL_DELAY_MS) / 1000:
        qtbot.keyClick(window.editor.title, "x")
        qtbot.wait(100)
    assert workspace.journal, "nothing was journaled during continuous typing"
    assert workspace.journal[0].data["title"].startswith("Post 1x")


def test_leaving_the_editor_journals_at_once(make_window, qtbot):
    workspace = FakeWorkspace()
    window = make_window(workspace)
    window.activateWindow()
    open_entry(qtbot, window, "posts", "content/posts/post-1.md")
    window.editor.title.setFocus()
    qtbot.waitUntil(lambda: window.editor.title.hasFocus(), timeout=2000)
    qtbot.keyClicks(window.editor.title, " draft")
    assert workspace.journal == []
    window.entry_list.search_box.setFocus()  # the user moves on to the list
    assert workspace.journal and workspace.journal[-1].data["title"] == "Post 1 draft"


def test_a_double_click_opens_the_entry_once_and_typing_right_after_is_kept(make_window, qtbot):
    import time as _time

    class SlowWorkspace(FakeWorkspace):
        opened = 0

        def open_entry(self, collection_name, key):
            SlowWorkspace.opened += 1
            _time.sleep(0.3)  # a host that takes a moment to answer
            return super().open_entry(collection_name, key)

    window = make_window(SlowWorkspace())
    window.collection_tree.select_collection("posts")
    table = window.entry_list.table
    centre = table.visualRect(window.entry_list.model.index(0, 0)).center()
    with qtbot.waitSignal(window.entry_opened, timeout=5000):
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.keyClicks(window.editor.title, " typed at once")
    qtbot.wait(700)  # longer than a second read would take to arrive
    assert SlowWorkspace.opened == 1
    assert window.editor.title.text().endswith(" typed at once") and window.is_dirty
