"""A second app instance on a site held by another one: the window opens read-only and says who holds it."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from editor_app.paths import AppDirs
from editor_app.ui.main_window import MainWindow
from editor_app.ui.site_login import open_site
from editor_app.ui.start_dialog import SiteChoice
from tests.ui.fakes import FakeEditor, ScriptedPrompts
from tests.workspace.helpers import other_instance


def test_the_second_window_on_a_held_sandbox_is_read_only_and_names_the_holder(qtbot, tmp_path, app_home, runner):
    with other_instance(app_home) as first:
        workspace = open_site(SiteChoice("sandbox"), AppDirs.under(app_home))
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(workspace, settings, runner, FakeEditor, ScriptedPrompts(confirm=True))
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(window.site_loaded, timeout=20000):
            window.load_site()
        (notice,) = [n for n in window.notifications.notifications if "Read-only" in n.message_label.text()]
        assert f"process {first.pid}" in notice.message_label.text()
        assert "(read-only)" in window.windowTitle()
        window.collection_tree.select_collection("posts")
        with qtbot.waitSignal(window.entry_opened, timeout=10000):
            window.open_entry("posts", window.entry_list.model.key_at(0))
        assert not window.editor.isEnabled()
        assert not window.save_action.isEnabled() and not window.new_action.isEnabled()
        workspace.close()
