"""Conflict, draft and start dialogs; the notification area."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QTextCursor

from editor_app.errors import ConflictError
from editor_app.ui.conflict_dialog import ConflictChoice, ConflictDialog
from editor_app.ui.draft_dialog import DraftChoice, DraftDialog
from editor_app.ui.notifications import NotificationArea
from editor_app.ui.start_dialog import RecentSites, SiteChoice, StartDialog

MINE = "---\ntitle: My title\n---\nBody\n"
THEIRS = "---\ntitle: Their title\n---\nBody\nTheir new line\n"


def test_conflict_dialog_shows_the_difference_between_both_versions(qtbot):
    dialog = ConflictDialog("content/posts/a.md", MINE, THEIRS)
    qtbot.addWidget(dialog)
    diff = dialog.diff_view.toPlainText()
    assert "-title: Their title" in diff
    assert "+title: My title" in diff
    assert "-Their new line" in diff


def test_keeping_mine_after_copying_a_line_from_theirs(qtbot):
    dialog = ConflictDialog("content/posts/a.md", MINE, THEIRS)
    qtbot.addWidget(dialog)
    cursor = dialog.theirs_view.textCursor()
    start = THEIRS.index("Their new line")
    cursor.setPosition(start)
    cursor.setPosition(start + len("Their new line\n"), QTextCursor.MoveMode.KeepAnchor)
    dialog.theirs_view.setTextCursor(cursor)
    end = dialog.mine_edit.textCursor()
    end.movePosition(QTextCursor.MoveOperation.End)
    dialog.mine_edit.setTextCursor(end)
    dialog.copy_button.click()
    dialog.keep_button.click()
    assert dialog.choice is ConflictChoice.KEEP_MINE
    assert dialog.mine == MINE + "Their new line\n"
    assert "-Their new line" not in dialog.diff_view.toPlainText()


def test_taking_theirs_is_refused_when_they_deleted_the_file(qtbot):
    dialog = ConflictDialog("content/posts/a.md", MINE, None)
    qtbot.addWidget(dialog)
    assert not dialog.take_button.isEnabled()
    dialog.keep_button.click()
    assert dialog.choice is ConflictChoice.KEEP_MINE


def test_draft_dialog_shows_changes_then_restores(qtbot):
    dialog = DraftDialog("content/posts/a.md", THEIRS, MINE, "10 minutes ago")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.changes_view.isVisible()
    dialog.show_button.click()
    assert dialog.changes_view.isVisible()
    assert "+title: My title" in dialog.changes_view.toPlainText()
    dialog.restore_button.click()
    assert dialog.choice is DraftChoice.RESTORE


def test_draft_dialog_discard(qtbot):
    dialog = DraftDialog("a.md", "a", "b")
    qtbot.addWidget(dialog)
    dialog.discard_button.click()
    assert dialog.choice is DraftChoice.DISCARD


def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_start_dialog_offers_the_sandbox_and_remembers_it(qtbot, tmp_path):
    recent = RecentSites(settings(tmp_path))
    dialog = StartDialog(recent)
    qtbot.addWidget(dialog)
    assert dialog.empty_label.text() == "No recent sites yet."
    with qtbot.waitSignal(dialog.site_chosen) as signal:
        dialog.sandbox_button.click()
    assert signal.args == [SiteChoice("sandbox")]
    assert recent.load() == [SiteChoice("sandbox")]


def test_start_dialog_lists_recent_sites_newest_first_and_opens_one(qtbot, tmp_path):
    recent = RecentSites(settings(tmp_path))
    recent.remember(SiteChoice("local", "/sites/garden"))
    recent.remember(SiteChoice("sandbox"))
    recent.remember(SiteChoice("local", "/sites/garden"))
    dialog = StartDialog(recent)
    qtbot.addWidget(dialog)
    labels = [dialog.recent_list.item(i).text() for i in range(dialog.recent_list.count())]
    assert labels == ["garden — /sites/garden", "Sandbox (sample site)"]
    dialog.recent_list.setCurrentRow(1)
    dialog.open_button.click()
    assert dialog.chosen == SiteChoice("sandbox")


def test_start_dialog_can_be_extended_with_more_ways_to_open_a_site(qtbot, tmp_path):
    dialog = StartDialog(RecentSites(settings(tmp_path)))
    qtbot.addWidget(dialog)
    clicked = []
    button = dialog.add_choice("Log in to GitHub…", "Open a repository on github.com", lambda: clicked.append(1))
    button.click()
    assert clicked == [1]


def test_an_app_error_shows_its_message_without_details(qtbot):
    area = NotificationArea()
    qtbot.addWidget(area)
    item = area.notify_error(ConflictError("posts/a.md changed on GitHub"), "Saving failed")
    assert item.message == "Saving failed: posts/a.md changed on GitHub"
    assert not item.details_button.isVisibleTo(item)


def test_an_unexpected_error_offers_details_with_the_traceback(qtbot):
    area = NotificationArea()
    qtbot.addWidget(area)
    try:
        {}["missing"]
    except KeyError as error:
        item = area.notify_error(error)
    assert item.message.startswith("Something unexpected went wrong (KeyError")
    assert item.details_button.isVisibleTo(item)
    assert "Traceback" in item.details_view.toPlainText()
    item.dismiss()
    assert area.notifications == []


def test_conflict_dialog_says_deleted_only_when_the_file_is_gone(qtbot):
    refused = ConflictDialog("content/posts/a.md", MINE, None, deleted=False,
                             reason="main: GitLab refused the commit (HTTP 400)")
    qtbot.addWidget(refused)
    assert "deleted" not in refused.intro.text()
    assert "refused" in refused.intro.text() and "GitLab refused the commit" in refused.intro.text()
    moved = ConflictDialog("content/posts/a.md", MINE, THEIRS, deleted=False)
    qtbot.addWidget(moved)
    assert "deleted" not in moved.intro.text()
    gone = ConflictDialog("content/posts/a.md", MINE, None, deleted=True)
    qtbot.addWidget(gone)
    assert "was deleted on the site" in gone.intro.text()
