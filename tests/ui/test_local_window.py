"""The main window on a local site: a git working copy with the config in admin/config.yml."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import QSettings

from editor_app.app import find_site_config, open_site
from editor_app.errors import NotFoundError
from editor_app.paths import AppDirs, resources_dir
from editor_app.ui.main_window import MainWindow
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
