"""Switching sites without restarting, and putting the sandbox's sample site back, from the main window."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import shiboken6
from PySide6.QtCore import QSettings

from editor_app.app import SiteWindows
from editor_app.paths import AppDirs
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from tests.ui.fakes import FakeEditor, ScriptedPrompts
from tests.ui.test_local_window import site  # noqa: F401 - the fixture is used


class Recent:
    def __init__(self) -> None:
        self.remembered: list[SiteChoice] = []

    def remember(self, choice: SiteChoice) -> None:
        self.remembered.append(choice)


created: list[SiteWindows] = []


@pytest.fixture(autouse=True)
def close_windows(runner):
    yield
    runner.wait()
    while created:
        window = created.pop().window
        if window is not None and shiboken6.isValid(window):
            window.discard_and_close()
            window.workspace.backend.close()
            shiboken6.delete(window)


def make_windows(qtbot, tmp_path, app_home, runner, picks, prompts=None):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    made: list[MainWindow] = []

    def make_window(workspace):
        window = MainWindow(workspace, settings, runner, FakeEditor, prompts or ScriptedPrompts(confirm=True))
        made.append(window)  # not given to qtbot: a replaced window is deleted by SiteWindows itself
        return window

    login = SimpleNamespace(host=None, opened=None, ask_identity=None)  # sandbox and local sites need no login
    recent = Recent()
    windows = SiteWindows(make_window, login, AppDirs.under(app_home), recent, lambda: picks.pop(0) if picks else None,
                          lambda *_: False, runner)
    windows.recent_log = recent
    created.append(windows)
    return windows, made


def test_opening_another_site_replaces_the_window_once_the_other_site_is_open(site, qtbot, tmp_path, app_home, runner):  # noqa: F811 - the fixture imported above
    windows, made = make_windows(qtbot, tmp_path, app_home, runner, [SiteChoice("local", str(site))])
    first = windows.show(open_site(SiteChoice("sandbox"), AppDirs.under(app_home)))
    qtbot.waitUntil(lambda: not first._loading, timeout=20000)

    first.open_another_action.trigger()

    assert windows.window is not first and len(made) == 2
    assert windows.window.workspace.backend.name == "local"
    assert not first.isVisible()
    assert windows.recent_log.remembered == [SiteChoice("local", str(site))]
    qtbot.waitUntil(lambda: not windows.window._loading, timeout=20000)
    assert windows.window.collection_tree.item_for("posts").text(0) == "Posts  (8)"


def test_choosing_no_other_site_keeps_the_open_one(qtbot, tmp_path, app_home, runner):
    windows, made = make_windows(qtbot, tmp_path, app_home, runner, [])
    first = windows.show(open_site(SiteChoice("sandbox"), AppDirs.under(app_home)))
    qtbot.waitUntil(lambda: not first._loading, timeout=20000)

    first.open_another_action.trigger()

    assert windows.window is first and first.isVisible() and len(made) == 1


def test_unsaved_changes_are_asked_about_before_another_site_is_chosen(qtbot, tmp_path, app_home, runner):
    prompts = ScriptedPrompts(confirm=True, unsaved="cancel")
    windows, made = make_windows(qtbot, tmp_path, app_home, runner, [SiteChoice("sandbox")], prompts)
    first = windows.show(open_site(SiteChoice("sandbox"), AppDirs.under(app_home)))
    qtbot.waitUntil(lambda: not first._loading, timeout=20000)
    first.collection_tree.select_collection("posts")
    with qtbot.waitSignal(first.entry_opened, timeout=10000):
        first.open_entry("posts", first.entry_list.model.key_at(0))
    qtbot.keyClicks(first.editor.title, " (typing)")

    first.open_another_action.trigger()

    assert ("unsaved", first.current_entry.path) in prompts.asked
    assert windows.window is first and len(made) == 1


def test_resetting_the_sandbox_puts_the_sample_site_back(qtbot, tmp_path, app_home, runner):
    windows, _made = make_windows(qtbot, tmp_path, app_home, runner, [])
    window = windows.show(open_site(SiteChoice("sandbox"), AppDirs.under(app_home)))
    qtbot.waitUntil(lambda: not window._loading, timeout=20000)
    assert window.reset_action.isVisible()
    assert window.account_label.text() == "Sandbox (sample site)"
    window.collection_tree.select_collection("posts")
    key = window.entry_list.model.key_at(0)
    before = window.workspace.open_entry("posts", key)
    with qtbot.waitSignal(window.entry_opened, timeout=10000):
        window.open_entry("posts", key)
    qtbot.keyClicks(window.editor.title, " (revised)")
    with qtbot.waitSignal(window.entry_saved, timeout=10000):
        window.save_entry()
    assert window.workspace.open_entry("posts", key).data["title"].endswith(" (revised)")

    with qtbot.waitSignal(window.site_loaded, timeout=20000):
        window.reset_action.trigger()

    after = window.workspace.open_entry("posts", key)
    assert (after.data["title"], after.status) == (before.data["title"], before.status)
    assert window.prompts.asked[-1][0] == "confirm" and "sample site" in window.prompts.asked[-1][1]
    model = window.entry_list.model
    assert model.index(model.row_of(key), 0).data() == window.workspace.summary(after)  # the list shows it again


def test_a_declined_reset_changes_nothing(qtbot, tmp_path, app_home, runner):
    windows, _made = make_windows(qtbot, tmp_path, app_home, runner, [], ScriptedPrompts(confirm=False))
    window = windows.show(open_site(SiteChoice("sandbox"), AppDirs.under(app_home)))
    qtbot.waitUntil(lambda: not window._loading, timeout=20000)
    head = window.workspace.head(refresh=True)
    window.reset_action.trigger()
    assert window.workspace.head(refresh=True) == head


def test_only_the_sandbox_offers_a_reset(site, qtbot, tmp_path, app_home, runner):  # noqa: F811 - the fixture imported above
    windows, _made = make_windows(qtbot, tmp_path, app_home, runner, [])
    window = windows.show(open_site(SiteChoice("local", str(site)), AppDirs.under(app_home)))
    qtbot.waitUntil(lambda: not window._loading, timeout=20000)
    assert not window.reset_action.isVisible() and window.open_another_action.isVisible()
    assert window.account_label.text().endswith(f"Git folder {site}")
