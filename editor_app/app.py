"""Composition root: command line, QApplication, and the wiring of layers. The only place layers meet."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING

from editor_app import __version__

if TYPE_CHECKING:
    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.site_login import SiteLogin
    from editor_app.workspace.temp_folders import RunningInstance
    from editor_app.workspace.workspace import Workspace


def main(argv: list[str]) -> int:
    """Dispatch the command line; returns the process exit code."""
    # Commands that need no GUI run before anything imports Qt.
    if argv and argv[0] == "check-config":
        from editor_app.config.check import main as check_config

        return check_config(argv[1:])
    if argv and argv[0] == "reset-sandbox":
        return reset_sandbox()
    args = parse_arguments(argv)
    if args.version:
        print(f"editor-app {__version__}")
        return 0
    if args.config:
        from editor_app.config.check import unreadable_config

        problem = unreadable_config(args.config)
        if problem is not None:  # one line, before any window: nothing to choose from
            print(problem, file=sys.stderr)
            return 2
    prepare_environment(os.environ, sys.platform, _effective_uid(), self_test=args.self_test)
    if args.self_test:
        return run_self_test()
    return run_gui(args)


def reset_sandbox() -> int:
    """Drop every sandbox edit and workflow entry and put the sample site back; exit code."""
    from editor_app.backends.test_repo import TestRepoBackend, sample_site_dir
    from editor_app.config.loader import load_site_config
    from editor_app.paths import AppDirs
    from editor_app.workspace.workspace import backend_settings_from_config

    dirs = AppDirs.default()
    site = load_site_config(sample_site_dir() / "config.yml")
    TestRepoBackend.for_app(backend_settings_from_config(site), dirs).reset()
    print("editor-app: the sandbox is back to the sample site")
    return 0


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The GUI's options (`check-config` is dispatched before this)."""
    parser = argparse.ArgumentParser(
        prog="editor-app",
        description="Edit a static site's content (configured for Decap CMS) on the desktop.",
        epilog=(
            "Other commands: editor-app check-config PATH — validate a site's config.yml; "
            "editor-app reset-sandbox — put the sandbox's sample site back."
        ),
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--sandbox", action="store_true", help="open the built-in sample site")
    where.add_argument("--local", metavar="PATH", help="open a site's Git working copy")
    where.add_argument("--config", metavar="PATH", help="open the site described by this config.yml")
    where.add_argument("--self-test", action="store_true", help="check that this installation works, then exit")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser.parse_args(argv)


def _effective_uid() -> int | None:
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid else None


def prepare_environment(
    environ: MutableMapping[str, str], platform: str, uid: int | None, *, self_test: bool = False
) -> None:
    """Environment Qt reads at start-up: WebEngine's sandbox as root, offscreen only for a headless self-test."""
    if platform.startswith("linux"):
        # Chromium refuses to start its sandbox as root; respect an explicit choice either way.
        if uid == 0 and "QTWEBENGINE_DISABLE_SANDBOX" not in environ:
            environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
        headless = not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY")
        if self_test and headless and "QT_QPA_PLATFORM" not in environ:
            environ["QT_QPA_PLATFORM"] = "offscreen"


def _make_application(argv0: str = "editor-app"):
    # QtWebEngine must be imported, and contexts shared, before the QApplication exists.
    import PySide6.QtWebEngineWidgets  # noqa: F401
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication([argv0])
    app.setApplicationName("editor-app")
    app.setOrganizationName("editor-app")
    app.setApplicationVersion(__version__)
    QApplication.setDesktopFileName("editor-app")
    return app


def make_settings(dirs):
    """The app's QSettings, stored as an ini file in the user's config dir."""
    from PySide6.QtCore import QSettings

    dirs.config.mkdir(parents=True, exist_ok=True)
    return QSettings(str(dirs.config / "settings.ini"), QSettings.Format.IniFormat)


class SiteWindows:
    """The app's main window, one site at a time: another site replaces it only once that site is open.

    `make_window(workspace)` builds a MainWindow; `pick_another()` asks for a SiteChoice (None: stay);
    `report_failure` is open_until_chosen's.
    """

    def __init__(self, make_window, login: SiteLogin, dirs, recent, pick_another, report_failure, runner) -> None:
        self.make_window = make_window
        self.login = login
        self.dirs = dirs
        self.recent = recent
        self.pick_another = pick_another
        self.report_failure = report_failure
        self.runner = runner
        self.window: MainWindow | None = None
        self.workspace: Workspace | None = None  # the window's; its backend closes with the window

    def show(self, workspace):
        """A window for `workspace`, in place of the current one (whose tasks end and backend closes first)."""
        from editor_app.ui.site_login import attach_host_login

        window = self.make_window(workspace)
        if self.login.host is not None:
            attach_host_login(window, self.login.host, self.login.make_dialog)
        window.open_another_requested.connect(self.open_another)
        previous, self.window = self.window, window
        previous_workspace, self.workspace = self.workspace, workspace
        window.show()
        if previous is not None:
            self.runner.wait()
            previous.discard_and_close()  # its open entry was saved or discarded when the user asked
            previous.deleteLater()
        if previous_workspace is not None:
            previous_workspace.backend.close()
            previous_workspace.close()  # its queued draft writes finish, and its site's lock is given up
        window.load_site()
        return window

    def open_another(self) -> None:
        """Ask for another site and open it; the current one stays when the user cancels or gives up."""
        choice = self.pick_another()
        if choice is None:
            return
        workspace = open_until_chosen(choice, self.dirs, self.login, self.pick_another, self.report_failure)
        if workspace is None:
            return
        self.recent.remember(self.login.opened or choice)
        self.show(workspace)


def run_gui(args: argparse.Namespace) -> int:
    """Show the start dialog (or open the site given on the command line) and run the event loop."""
    from editor_app.paths import AppDirs
    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.site_login import make_site_login
    from editor_app.ui.start_dialog import RecentSites, SiteChoice, StartDialog
    from editor_app.ui.tasks import TaskRunner
    from editor_app.ui.theme import apply_theme

    app = _make_application()
    apply_theme(app)
    dirs = AppDirs.default()
    instance = _sweep_temp_folders()
    settings = make_settings(dirs)
    recent = RecentSites(settings)
    if args.sandbox:
        choice = SiteChoice("sandbox")
    elif args.local:
        choice = SiteChoice("local", str(Path(args.local).resolve()))
    elif args.config:
        choice = SiteChoice("config", str(Path(args.config).resolve()))
    else:
        dialog = StartDialog(recent)
        if not dialog.exec() or dialog.chosen is None:
            return 0
        choice = dialog.chosen
    runner = TaskRunner()
    login = make_site_login(runner, settings)

    def pick_another() -> SiteChoice | None:
        dialog = StartDialog(recent)
        return dialog.chosen if dialog.exec() else None

    workspace = open_until_chosen(choice, dirs, login, pick_another, _report_open_failure)
    if workspace is None:
        login.service.close()
        return 2
    recent.remember(login.opened or choice)
    windows = SiteWindows(lambda ws: MainWindow(ws, settings, runner), login, dirs, recent, pick_another,
                          _report_open_failure, runner)
    windows.show(workspace)
    code = app.exec()
    runner.wait()
    if windows.workspace is not None:
        windows.workspace.backend.close()
        windows.workspace.close()  # queued draft writes finish, and the site's lock goes for another instance
    instance.release()
    login.service.close()
    return code


def _sweep_temp_folders() -> RunningInstance:
    """Mark this process as a running instance, then remove the temporary folders crashed instances left."""
    from editor_app.workspace.temp_folders import RunningInstance, sweep_stale_temp_folders

    instance = RunningInstance.register()
    removed = sweep_stale_temp_folders()
    if removed:
        print(f"editor-app: removed {len(removed)} temporary folder(s) left by an earlier crash", file=sys.stderr)
    return instance


def open_until_chosen(choice, dirs, login: SiteLogin, pick_another, report_failure):
    """Open `choice`; when that fails (reported through `report_failure(choice, message, details)`, which
    says whether to go on) or its login is cancelled, open what `pick_another()` returns. None when the
    user gives up."""
    from editor_app.ui.notifications import describe_error
    from editor_app.ui.site_login import OpenCancelled, open_site

    while choice is not None:
        try:
            return open_site(choice, dirs, login)
        except OpenCancelled:
            pass  # the user closed the login: let them pick again
        except Exception as error:  # a site that cannot be opened is reported, then the user picks another
            message, details = describe_error(error)
            print(f"editor-app: cannot open the site: {message}", file=sys.stderr)
            if details:
                print(details, file=sys.stderr)
            if not report_failure(choice, message, details):
                return None
        choice = pick_another()
    return None


def _report_open_failure(choice, message: str, details: str) -> bool:
    """Tell the user why a site did not open; True when they want to choose another one."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open the site", f"{choice.label} could not be opened.")
    box.setInformativeText(message)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Retry).setText("Choose another site…")
    return box.exec() == QMessageBox.StandardButton.Retry


def run_self_test() -> int:
    """Open the sandbox in a throw-away data dir, open an entry, render its preview, load a page; exit code."""
    from editor_app.paths import HOME_OVERRIDE_VARIABLE, AppDirs

    with tempfile.TemporaryDirectory(prefix="editor-app-self-test-") as home:
        # Every module that asks for the user's dirs gets the temporary ones: user data is never touched.
        previous = os.environ.get(HOME_OVERRIDE_VARIABLE)
        os.environ[HOME_OVERRIDE_VARIABLE] = home
        try:
            return _run_self_test_in(AppDirs.under(Path(home)))
        finally:
            if previous is None:
                os.environ.pop(HOME_OVERRIDE_VARIABLE, None)
            else:
                os.environ[HOME_OVERRIDE_VARIABLE] = previous


def _run_self_test_in(dirs) -> int:
    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.self_test import SelfTest, check_embedded_browser
    from editor_app.ui.site_login import open_site
    from editor_app.ui.start_dialog import SiteChoice
    from editor_app.ui.tasks import TaskRunner
    from editor_app.ui.theme import apply_theme

    app = _make_application()
    apply_theme(app)
    test = SelfTest(app)
    windows: list[MainWindow] = []

    def open_main_window() -> str:
        workspace = open_site(SiteChoice("sandbox"), dirs)
        window = MainWindow(workspace, make_settings(dirs), TaskRunner())
        windows.append(window)
        window.show()
        window.load_site()
        window.wait_until_loaded()
        return f"{window.collection_tree.topLevelItemCount()} collections"

    def open_entry() -> str:
        return windows[0].open_first_entry_for_self_test()

    def render_preview() -> str:
        return windows[0].render_preview_for_self_test()

    ok = test.step("open the main window on the sandbox", open_main_window)
    ok = ok and test.step("open an entry", open_entry)
    ok = ok and test.step("render the entry's preview", render_preview)
    ok = ok and test.step("load a local page in the embedded browser", lambda: check_embedded_browser(app))
    for window in windows:
        window.discard_and_close()
    code = test.exit_code()
    print("self-test: passed" if code == 0 else "self-test: FAILED", flush=True)
    return code
