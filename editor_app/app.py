"""Composition root: command line, QApplication, and the wiring of layers. The only place layers meet."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import MutableMapping
from pathlib import Path

from editor_app import __version__


def main(argv: list[str]) -> int:
    """Dispatch the command line; returns the process exit code."""
    # Commands that need no GUI run before anything imports Qt.
    if argv and argv[0] == "check-config":
        from editor_app.config.check import main as check_config

        return check_config(argv[1:])
    args = parse_arguments(argv)
    if args.version:
        print(f"editor-app {__version__}")
        return 0
    prepare_environment(os.environ, sys.platform, _effective_uid(), self_test=args.self_test)
    if args.self_test:
        return run_self_test()
    return run_gui(args)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The GUI's options (`check-config` is dispatched before this)."""
    parser = argparse.ArgumentParser(
        prog="editor-app",
        description="Edit a static site's content (configured for Decap CMS) on the desktop.",
        epilog="Other command: editor-app check-config PATH — validate a site's config.yml.",
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


def _make_application(argv0: str = "editor-app"):  # noqa: ANN202 - Qt types are imported lazily
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    # QtWebEngine must be imported, and contexts shared, before the QApplication exists.
    import PySide6.QtWebEngineWidgets  # noqa: F401

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication([argv0])
    app.setApplicationName("editor-app")
    app.setOrganizationName("editor-app")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("editor-app")
    return app


def make_settings(dirs):  # noqa: ANN001, ANN201 - AppDirs -> QSettings
    """The app's QSettings, stored as an ini file in the user's config dir."""
    from PySide6.QtCore import QSettings

    dirs.config.mkdir(parents=True, exist_ok=True)
    return QSettings(str(dirs.config / "settings.ini"), QSettings.Format.IniFormat)


# Where sites usually keep Decap's config, relative to the site's folder (first match wins).
CONFIG_LOCATIONS = (
    "static/admin/config.yml",
    "public/admin/config.yml",
    "admin/config.yml",
    "src/admin/config.yml",
    "site/static/admin/config.yml",
    "config.yml",
)


def find_site_config(folder: Path) -> Path:
    """The config.yml of a site's working copy; EditorError naming the places looked at when there is none."""
    from editor_app.errors import NotFoundError

    for relative in CONFIG_LOCATIONS:
        candidate = folder / relative
        if candidate.is_file():
            return candidate
    looked = ", ".join(CONFIG_LOCATIONS)
    raise NotFoundError(f"no Decap CMS config.yml in {folder} (looked at {looked})")


def open_site(choice, dirs):  # noqa: ANN001, ANN201 - SiteChoice, AppDirs -> Workspace
    """Build the workspace for a chosen site: its config, the backend from the registry, cache and journal."""
    from dataclasses import replace

    from editor_app.backends import BACKENDS
    from editor_app.backends.test_repo import TestRepoBackend, sample_site_dir
    from editor_app.config.site_config import load_site_config
    from editor_app.errors import AuthError
    from editor_app.workspace.cache import ContentCache
    from editor_app.workspace.journal import DraftsJournal
    from editor_app.workspace.workspace import Workspace, backend_settings_from_config

    if choice.kind == "sandbox":
        site = load_site_config(sample_site_dir() / "config.yml")
        backend = TestRepoBackend.for_app(backend_settings_from_config(site), dirs)
    elif choice.kind == "local":
        folder = Path(choice.path)
        site = load_site_config(find_site_config(folder))
        # The working copy is the repository, whatever host the config names.
        settings = replace(backend_settings_from_config(site, local_path=str(folder)), name="local")
        backend = BACKENDS["local"](settings)
    else:
        config = Path(choice.path)
        site = load_site_config(config)
        name = site.backend.name
        if name == "test-repo":
            backend = TestRepoBackend.for_app(backend_settings_from_config(site), dirs)
        elif name in BACKENDS and name != "local":
            backend = BACKENDS[name](backend_settings_from_config(site))
        else:
            raise AuthError(
                f"{config}: opening a '{name}' site needs a login; open its working copy with --local, "
                "or log in from the start dialog"
            )
    workspace = Workspace(backend, site, ContentCache(dirs.cache / "content"), DraftsJournal(dirs.data / "drafts"))
    workspace.open()
    return workspace


def run_gui(args: argparse.Namespace) -> int:
    """Show the start dialog (or open the site given on the command line) and run the event loop."""
    from editor_app.paths import AppDirs
    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.notifications import describe_error
    from editor_app.ui.start_dialog import RecentSites, SiteChoice, StartDialog
    from editor_app.ui.tasks import TaskRunner
    from editor_app.ui.theme import apply_theme

    app = _make_application()
    apply_theme(app)
    dirs = AppDirs.default()
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
    while True:
        try:
            workspace = open_site(choice, dirs)
            break
        except Exception as error:  # a site that cannot be opened is reported, then the user picks another
            message, details = describe_error(error)
            print(f"editor-app: cannot open the site: {message}", file=sys.stderr)
            if details:
                print(details, file=sys.stderr)
            if not _report_open_failure(choice, message, details):
                return 2
            dialog = StartDialog(recent)
            if not dialog.exec() or dialog.chosen is None:
                return 2
            choice = dialog.chosen
    recent.remember(choice)
    window = MainWindow(workspace, settings, runner)
    window.show()
    window.load_site()
    code = app.exec()
    runner.wait()
    return code


def _report_open_failure(choice, message: str, details: str) -> bool:  # noqa: ANN001 - SiteChoice
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


def _run_self_test_in(dirs) -> int:  # noqa: ANN001
    from editor_app.ui.main_window import MainWindow
    from editor_app.ui.self_test import SelfTest, check_embedded_browser
    from editor_app.ui.start_dialog import SiteChoice
    from editor_app.ui.tasks import TaskRunner
    from editor_app.ui.theme import apply_theme

    app = _make_application()
    apply_theme(app)
    test = SelfTest(app)
    state: dict[str, object] = {}

    def open_main_window() -> str:
        workspace = open_site(SiteChoice("sandbox"), dirs)
        window = MainWindow(workspace, make_settings(dirs), TaskRunner())
        state["window"] = window
        window.show()
        window.load_site()
        window.wait_until_loaded()
        return f"{window.collection_tree.topLevelItemCount()} collections"

    def open_entry() -> str:
        window = state["window"]
        return window.open_first_entry_for_self_test()

    def render_preview() -> str:
        window = state["window"]
        return window.render_preview_for_self_test()

    ok = test.step("open the main window on the sandbox", open_main_window)
    ok = ok and test.step("open an entry", open_entry)
    ok = ok and test.step("render the entry's preview", render_preview)
    ok = ok and test.step("load a local page in the embedded browser", lambda: check_embedded_browser(app))
    window = state.get("window")
    if window is not None:
        window.discard_and_close()
    code = test.exit_code()
    print("self-test: passed" if code == 0 else "self-test: FAILED", flush=True)
    return code
