"""The main window on a local site: a git working copy with the config in admin/config.yml."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from editor_app.errors import AuthError, NotFoundError
from editor_app.paths import AppDirs, resources_dir
from editor_app.ui.identity_dialog import IdentityDialog
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import SiteLogin, find_site_config, make_site_login, open_site
from editor_app.ui.start_dialog import SiteChoice
from tests.ui.fakes import FakeEditor, ScriptedPrompts


def git(folder, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": str(folder)}
    return subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "garden"
    shutil.copytree(resources_dir() / "sandbox" / "repo", folder)
    (folder / "admin").mkdir()
    config = (resources_dir() / "sandbox" / "config.yml").read_text(encoding="utf-8")
    # A local site publishes directly: keep the sample's collections, drop the workflow.
    (folder / "admin" / "config.yml").write_text(config.replace("publish_mode: editorial_workflow\n", ""), "utf-8")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "Garden site")
    return folder


def test_the_config_is_found_in_the_usual_places(site):
    assert find_site_config(site) == site / "admin" / "config.yml"


def test_a_folder_without_a_config_says_where_it_looked(tmp_path):
    with pytest.raises(NotFoundError, match="static/admin/config.yml"):
        find_site_config(tmp_path)


def test_editing_and_saving_on_a_local_site_makes_a_git_commit(site, qtbot, tmp_path, app_home, runner):
    workspace = open_site(SiteChoice("local", str(site)), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, FakeEditor, ScriptedPrompts())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    assert window.collection_tree.item_for("posts").text(0) == "Posts  (8)"
    window.collection_tree.select_collection("posts")
    key = window.entry_list.model.key_at(0)
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", key)
    qtbot.keyClicks(window.editor.title, " (local edit)")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        window.save_entry()
    assert git(site, "rev-list", "--count", "HEAD").strip() == "2"
    assert "(local edit)" in (site / key).read_text(encoding="utf-8")


def test_the_editorial_workflow_on_a_local_site_from_save_to_publish(site, qtbot, tmp_path, app_home, runner):
    from editor_app.backends.base import STATUS_DRAFT, STATUS_PENDING_PUBLISH

    config = resources_dir() / "sandbox" / "config.yml"
    (site / "admin" / "config.yml").write_text(config.read_text(encoding="utf-8"), "utf-8")
    git(site, "commit", "-q", "-am", "Editorial workflow")
    workspace = open_site(SiteChoice("local", str(site)), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    def family_editor(ws, parent):
        return FakeEditor(ws, parent, field="family")
    window = MainWindow(workspace, settings, runner, family_editor, ScriptedPrompts(confirm=True))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("plants")
    key = "content/plants/basil.yml"
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("plants", key)
    qtbot.keyClicks(window.editor.title, " (mint family)")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        window.save_entry()
    assert "mint family" not in (site / key).read_text(encoding="utf-8")  # still unpublished

    with qtbot.waitSignal(window.workflow_loaded, timeout=10000):
        window.workflow_view_action.trigger()
    board = window.workflow_board
    assert "plants/basil" in board.keys_in(STATUS_DRAFT)
    for _ in range(2):
        board.select("plants/basil")
        with qtbot.waitSignal(window.workflow_changed, timeout=10000):
            board.forward_button.click()
    assert "plants/basil" in board.keys_in(STATUS_PENDING_PUBLISH)
    board.select("plants/basil")
    with qtbot.waitSignal(window.workflow_changed, timeout=10000):
        board.publish_button.click()
    git(site, "checkout", "-q", "main")
    assert "mint family" in (site / key).read_text(encoding="utf-8")


def open_window(site, qtbot, tmp_path, app_home, runner, prompts=None):
    workspace = open_site(SiteChoice("local", str(site)), AppDirs.under(app_home))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, runner, FakeEditor, prompts or ScriptedPrompts())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("posts")
    return window


def test_a_stale_lock_blocking_a_save_is_explained_and_removed_from_the_dialog(site, qtbot, tmp_path, app_home, runner):
    git(site, "config", "user.name", "Ada Gardener")
    git(site, "config", "user.email", "ada@example.org")
    window = open_window(site, qtbot, tmp_path, app_home, runner)
    key = window.entry_list.model.key_at(0)
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", key)
    qtbot.keyClicks(window.editor.title, " (after a crash)")
    lock = site / ".git" / "index.lock"
    lock.write_bytes(b"")  # what a git command killed while writing the index leaves behind

    window.save_entry()
    qtbot.waitUntil(lambda: window.lock_dialog is not None and window.lock_dialog.isVisible(), timeout=10000)
    dialog = window.lock_dialog
    assert "index.lock" in dialog.informativeText() and "no git process holds it" in dialog.informativeText()
    assert git(site, "rev-list", "--count", "HEAD").strip() == "1"  # nothing was committed
    assert dialog.remove_button is not None and dialog.remove_button.isVisible()
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert not lock.exists()
    assert git(site, "rev-list", "--count", "HEAD").strip() == "2"
    assert "(after a crash)" in (site / key).read_text(encoding="utf-8")
    assert git(site, "status", "--porcelain") == ""


def test_an_entry_linked_outside_the_repository_is_listed_as_skipped(site, qtbot, tmp_path, app_home, runner):
    outside = tmp_path / "private.md"
    outside.write_text("---\ntitle: Private notes\n---\nnot for the site\n", encoding="utf-8")
    (site / "content" / "posts" / "notes-link.md").symlink_to(outside)
    window = open_window(site, qtbot, tmp_path, app_home, runner)
    model = window.entry_list.model
    row = model.entry("content/posts/notes-link.md")
    assert row is not None and row.status == "skipped"
    index = model.index(model.row_of("content/posts/notes-link.md"), model.columnCount() - 1)
    assert model.data(index) == "⚠ Skipped"
    assert "outside the repository" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "Private notes" not in " ".join(row.cells)  # its content was never read
    assert window.collection_tree.item_for("posts").text(0) == "Posts  (9)"  # 8 entries + the skipped one


def test_a_local_site_without_a_git_identity_asks_once_and_keeps_it(site, qtbot, tmp_path, app_home, runner,
                                                                     monkeypatch):
    home = tmp_path / "empty-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # no ~/.gitconfig: no global identity
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("EMAIL", "gardener@example.org")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(AuthError, match="no commit author"):
        open_site(SiteChoice("local", str(site)), AppDirs.under(app_home))  # without a way to ask: the old error

    asked = []

    def answer_the_dialog():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, IdentityDialog)
        asked.append((dialog.name_edit.text(), dialog.email_edit.text()))
        dialog.name_edit.clear()
        assert not dialog.ok_button.isEnabled()
        qtbot.keyClicks(dialog.name_edit, "Ada Gardener")
        dialog.email_edit.clear()
        qtbot.keyClicks(dialog.email_edit, "not an address")
        assert not dialog.ok_button.isEnabled()
        dialog.email_edit.clear()
        qtbot.keyClicks(dialog.email_edit, "ada@example.org")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    login = make_site_login(runner, settings)  # the app's own wiring, with the real dialog
    QTimer.singleShot(0, answer_the_dialog)
    try:
        workspace = open_site(SiteChoice("local", str(site)), AppDirs.under(app_home), login)
    finally:
        login.service.close()
    assert asked and asked[0][1] == "gardener@example.org"  # offered the logged-in user's e-mail
    assert asked[0][0]  # and name (the account's full name, else its login name)
    assert workspace.user.name == "Ada Gardener"
    assert git(site, "config", "--local", "user.email").strip() == "ada@example.org"
    workspace.backend.close()

    def fail_if_asked(*_args):
        raise AssertionError("asked again although the repository has an author now")

    again = open_site(SiteChoice("local", str(site)), AppDirs.under(app_home), SiteLogin(None, None, None,
                                                                                         ask_identity=fail_if_asked))
    window = MainWindow(again, settings, runner, FakeEditor, ScriptedPrompts())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.load_site()
    window.collection_tree.select_collection("posts")
    key = window.entry_list.model.key_at(0)
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", key)
    qtbot.keyClicks(window.editor.title, " (signed)")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        window.save_entry()
    assert subprocess.run(["git", "log", "-1", "--format=%an <%ae>"], cwd=site, capture_output=True, text=True,
                          check=True).stdout.strip() == "Ada Gardener <ada@example.org>"


def test_cancelling_the_identity_question_keeps_the_explanation(site, app_home, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    login = SiteLogin(None, None, None, ask_identity=lambda folder, name, email: None)
    with pytest.raises(AuthError, match="user.name"):
        open_site(SiteChoice("local", str(site)), AppDirs.under(app_home), login)
    assert subprocess.run(["git", "config", "--local", "user.name"], cwd=site).returncode == 1
