"""Deploy previews in the window, on the fake GitHub: the editor's preview bar and the workflow board's cards.

An unpublished entry shows its preview's state beside the workflow status; Refresh asks the host again, a save
does too, and the link opens the entry's page on the deploy through the injected opener (no browser starts).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from editor_app.ui.deploy_preview_bar import CHECKING_TEXT, NO_PREVIEW_TEXT
from editor_app.ui.main_window import MainWindow
from editor_app.ui.theme import apply_theme
from editor_app.workspace.workspace import Workspace
from tests.fakes.github import FakeGitHub
from tests.ui.fakes import FakeEditor, ScriptedPrompts
from tests.workspace.github_site import CONFIG, github_workspace

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "screenshots"
DEPLOY = "https://deploy-preview-1--garden.example.org"


def draft(workspace: Workspace, path: str, title: str) -> None:
    workspace.load_collection("posts")
    entry = workspace.open_entry("posts", path)
    workspace.save_entry(entry.with_data({**entry.data, "title": title}))


def head_of(fake: FakeGitHub, branch: str) -> str:
    return next(pr.head_sha for pr in fake.pulls["o/r"].values() if pr.head_ref == branch)


def post_status(fake: FakeGitHub, sha: str, state: str, url: str, context: str = "deploy/netlify") -> None:
    fake.post_status("o", "r", sha, {"state": state, "context": context, "target_url": url}, login="o")


@pytest.fixture
def site(tmp_path):
    workspace, fake = github_workspace(tmp_path)
    draft(workspace, "content/posts/first.md", "First post, revised")
    yield workspace, fake
    workspace.backend.close()


def make_window(qtbot, tmp_path, runner, workspace, opened, editor=FakeEditor) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, editor, ScriptedPrompts(confirm=True), url_opener=opened.append)
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    return window


def click_row(window: MainWindow, qtbot, path: str) -> None:
    table = window.entry_list.table
    row = window.entry_list.model.row_of(path)
    assert row >= 0
    with qtbot.waitSignal(window.preview_bar.preview_shown, timeout=10000):
        with qtbot.waitSignal(window.entry_opened, timeout=10000):
            QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             table.visualRect(window.entry_list.model.index(row, 0)).center())


def open_posts(window: MainWindow, qtbot) -> None:
    window.collection_tree.select_collection("posts")
    qtbot.waitUntil(lambda: window.entry_list.model.rowCount() > 0, timeout=10000)


def test_an_unpublished_entry_shows_its_preview_state_and_refresh_asks_again(site, qtbot, tmp_path, runner):
    workspace, fake = site
    post_status(fake, head_of(fake, "cms/posts/first"), "pending", "https://app.netlify.example/deploys/1")
    opened: list[str] = []
    window = make_window(qtbot, tmp_path, runner, workspace, opened)
    open_posts(window, qtbot)
    click_row(window, qtbot, "content/posts/first.md")
    bar = window.preview_bar
    assert bar.isVisible() and bar.state_label.text() == "Preview building…"
    assert bar.link_button.isVisible() and bar.link_button.text() == "View build"

    post_status(fake, head_of(fake, "cms/posts/first"), "success", DEPLOY)
    with qtbot.waitSignal(bar.preview_shown, timeout=10000):
        QTest.mouseClick(bar.refresh_button, Qt.MouseButton.LeftButton)
        assert bar.state_label.text() == CHECKING_TEXT and not bar.refresh_button.isEnabled()
    assert bar.state_label.text() == "Preview ready" and bar.link_button.text() == "View preview"
    QTest.mouseClick(bar.link_button, Qt.MouseButton.LeftButton)
    assert opened == [f"{DEPLOY}/blog/first/"]  # the entry's page (preview_path) on the deploy

    post_status(fake, head_of(fake, "cms/posts/first"), "failure", "https://app.netlify.example/deploys/1/log")
    with qtbot.waitSignal(bar.preview_shown, timeout=10000):
        QTest.mouseClick(bar.refresh_button, Qt.MouseButton.LeftButton)
    assert bar.state_label.text() == "Preview failed" and bar.link_button.text() == "View build log"


def test_a_save_asks_for_the_preview_of_the_new_commit(site, qtbot, tmp_path, runner):
    workspace, fake = site
    post_status(fake, head_of(fake, "cms/posts/first"), "success", DEPLOY)
    window = make_window(qtbot, tmp_path, runner, workspace, [])
    open_posts(window, qtbot)
    click_row(window, qtbot, "content/posts/first.md")
    assert window.preview_bar.state_label.text() == "Preview ready"
    window.editor.title.selectAll()
    QTest.keyClicks(window.editor.title, "First post, third take")
    with qtbot.waitSignal(window.preview_bar.preview_shown, timeout=10000):
        with qtbot.waitSignal(window.entry_saved, timeout=10000):
            window.save_action.trigger()
    assert window.preview_bar.state_label.text() == NO_PREVIEW_TEXT  # the new head has no deploy yet
    assert not window.preview_bar.link_button.isVisible()


def test_a_published_entry_has_no_preview_bar_and_asks_the_host_nothing(site, qtbot, tmp_path, runner):
    workspace, fake = site
    window = make_window(qtbot, tmp_path, runner, workspace, [])
    open_posts(window, qtbot)
    fake.log.clear()
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", "content/posts/second.md")
    assert not window.preview_bar.isVisible()
    assert not any("/status" in e.path or "check-runs" in e.path for e in fake.log.entries)


def test_the_board_shows_each_cards_preview_and_opens_the_selected_one(site, qtbot, tmp_path, runner):
    workspace, fake = site
    draft(workspace, "content/posts/second.md", "Second post, revised")
    post_status(fake, head_of(fake, "cms/posts/first"), "success", DEPLOY)
    post_status(fake, head_of(fake, "cms/posts/second"), "pending", "https://app.netlify.example/deploys/2")
    opened: list[str] = []
    window = make_window(qtbot, tmp_path, runner, workspace, opened)
    with qtbot.waitSignal(window.workflow_previews_loaded, timeout=10000):
        window.workflow_view_action.trigger()
    board = window.workflow_board
    first, second = board.card("posts/first"), board.card("posts/second")
    assert (first.preview_text, first.preview_url) == ("Preview ready", DEPLOY)
    assert second.preview_text == "Preview building…"
    column = board.columns["draft"]
    rect = column.visualRect(column.index_of("posts/first"))
    QTest.mouseClick(column.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    assert board.preview_button.isEnabled()
    QTest.mouseClick(board.preview_button, Qt.MouseButton.LeftButton)
    assert opened == [DEPLOY]
    SCREENSHOTS.mkdir(exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "workflow-board-previews.png"))


def test_screenshot_of_the_editor_with_a_ready_preview_on_a_site_that_signs_off(qtbot, tmp_path, runner, qapp):
    signing = CONFIG.replace("  branch: main\n", "  branch: main\n  signoff_commits: true\n")
    workspace, fake = github_workspace(tmp_path, signing)
    draft(workspace, "content/posts/first.md", "First post, revised")
    post_status(fake, head_of(fake, "cms/posts/first"), "success", DEPLOY)
    apply_theme(qapp)
    window = make_window(qtbot, tmp_path, runner, workspace, [], editor=None)  # the real editor pane
    with qtbot.waitSignal(window.meta_loader.loaded, timeout=10000):  # the list's commit date/author columns
        open_posts(window, qtbot)
    click_row(window, qtbot, "content/posts/first.md")
    assert window.preview_bar.link_button.isVisible()
    assert window.signoff_label.isVisible() and window.signoff_label.text().startswith("Signed off as ")
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / "editor-deploy-preview.png"
    assert window.grab().save(str(path))
    workspace.backend.close()


def test_opening_the_site_on_its_entries_asks_no_card_previews(site, qtbot, tmp_path, runner):
    workspace, fake = site
    fake.log.clear()
    window = make_window(qtbot, tmp_path, runner, workspace, [])
    qtbot.waitUntil(lambda: runner.running == 0, timeout=10000)
    assert window.workflow_board.model.rowCount() == 1  # the board knows its cards (the list shows their status)
    assert not any("/status" in e.path or "check-runs" in e.path for e in fake.log.entries)


def test_a_building_preview_is_asked_again_until_it_is_ready_and_then_no_more(qtbot, runner):
    from editor_app.backends.base import DeployPreview
    from editor_app.ui.deploy_preview_bar import DeployPreviewBar

    answers = [DeployPreview("https://log.example/1", "building"), DeployPreview("https://log.example/1", "building"),
               DeployPreview(DEPLOY, "ready")]
    asked: list[int] = []

    def source():
        asked.append(1)
        return answers[min(len(asked), len(answers)) - 1]

    bar = DeployPreviewBar(runner, [].append, poll_interval_ms=50, poll_attempts=5)
    qtbot.addWidget(bar)
    bar.show()
    bar.watch(source)
    qtbot.waitUntil(lambda: bar.state_label.text() == "Preview ready", timeout=5000)
    qtbot.wait(300)
    assert len(asked) == 3  # two polls while building, none once ready

    stuck: list[int] = []
    bar.watch(lambda: stuck.append(1) or DeployPreview("https://log.example/2", "building"))
    qtbot.waitUntil(lambda: len(stuck) == 6, timeout=5000)  # the first check and `poll_attempts` more
    qtbot.wait(400)
    assert len(stuck) == 6 and bar.state_label.text() == "Preview building…"  # then only Refresh asks
    assert bar.refresh_button.isEnabled()
