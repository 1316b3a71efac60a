"""Editorial workflow from the main window: the board lists unpublished entries, moves and publishes them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from editor_app.backends.base import STATUS_DRAFT, STATUS_PENDING_PUBLISH, STATUS_PENDING_REVIEW
from editor_app.ui.main_window import MainWindow
from tests.ui.fakes import FakeEditor, FakeWorkspace, ScriptedPrompts, workflow_item


def workflow_site() -> FakeWorkspace:
    workspace = FakeWorkspace(publish_mode="editorial_workflow")
    for slug, status in (("cover-crops", STATUS_DRAFT), ("frost", STATUS_PENDING_PUBLISH)):
        workspace.unpublished[("posts", slug)] = workflow_item("posts", slug, status, "2026-11-01T10:00:00Z")
    return workspace


@pytest.fixture
def window(qtbot, tmp_path, runner) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workflow_site(), settings, runner, FakeEditor, ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=5000):
        window.load_site()
    with qtbot.waitSignal(window.workflow_loaded, timeout=5000):
        window.workflow_view_action.trigger()
    return window


def test_the_workflow_view_lists_unpublished_entries_by_status(window):
    assert window.pages.currentWidget() is window.workflow_board
    assert window.workflow_board.keys_in(STATUS_DRAFT) == ["posts/cover-crops"]
    assert window.workflow_board.keys_in(STATUS_PENDING_PUBLISH) == ["posts/frost"]


def test_moving_a_card_changes_the_status_in_the_workspace(window, qtbot):
    board = window.workflow_board
    board.select("posts/cover-crops")
    with qtbot.waitSignal(window.workflow_changed, timeout=5000):
        board.forward_button.click()
    assert window.workspace.unpublished[("posts", "cover-crops")].status == STATUS_PENDING_REVIEW
    assert board.keys_in(STATUS_PENDING_REVIEW) == ["posts/cover-crops"]


def test_publishing_a_ready_entry_removes_it_from_the_board(window, qtbot):
    board = window.workflow_board
    board.select("posts/frost")
    with qtbot.waitSignal(window.workflow_changed, timeout=5000):
        board.publish_button.click()
    assert window.workspace.published == ["posts/frost"]
    assert board.keys_in(STATUS_PENDING_PUBLISH) == []


def test_the_workflow_view_is_hidden_for_simple_publishing(qtbot, tmp_path, runner):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(FakeWorkspace(), settings, runner, FakeEditor, ScriptedPrompts())
    qtbot.addWidget(window)
    assert not window.workflow_view_action.isVisible()
