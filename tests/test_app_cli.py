"""The command line: --version, argument checks, and the environment prepared for Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from editor_app import __version__
from editor_app.app import parse_arguments, prepare_environment


def run_app(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "editor_app", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_version_prints_the_version_without_starting_qt():
    result = run_app("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"editor-app {__version__}"


def test_a_missing_config_is_one_line_and_a_non_zero_exit_without_starting_qt(tmp_path):
    missing = tmp_path / "nowhere" / "config.yml"
    result = run_app("--config", str(missing))
    assert result.returncode == 2
    assert result.stderr == f"editor-app: cannot read config.yml at {missing}: no such file\n"
    result = run_app("--config", str(tmp_path))  # a folder is not a config file
    assert result.returncode == 2
    assert result.stderr == f"editor-app: cannot read config.yml at {tmp_path}: it is a folder, not a file\n"


def test_site_options_exclude_each_other():
    with pytest.raises(SystemExit):
        parse_arguments(["--sandbox", "--local", "/tmp/site"])


def test_local_takes_a_path():
    assert parse_arguments(["--local", "site"]).local == "site"


def test_root_on_linux_disables_the_webengine_sandbox():
    environ: dict[str, str] = {"DISPLAY": ":0"}
    prepare_environment(environ, "linux", 0)
    assert environ["QTWEBENGINE_DISABLE_SANDBOX"] == "1"


def test_an_explicit_webengine_sandbox_choice_is_kept():
    environ = {"QTWEBENGINE_DISABLE_SANDBOX": "0", "DISPLAY": ":0"}
    prepare_environment(environ, "linux", 0)
    assert environ["QTWEBENGINE_DISABLE_SANDBOX"] == "0"


def test_a_normal_user_keeps_the_sandbox():
    environ = {"DISPLAY": ":0"}
    prepare_environment(environ, "linux", 1000)
    assert "QTWEBENGINE_DISABLE_SANDBOX" not in environ


def test_headless_falls_back_to_offscreen_only_for_the_self_test():
    gui: dict[str, str] = {}
    prepare_environment(gui, "linux", 1000)
    assert "QT_QPA_PLATFORM" not in gui
    self_test: dict[str, str] = {}
    prepare_environment(self_test, "linux", 1000, self_test=True)
    assert self_test["QT_QPA_PLATFORM"] == "offscreen"


def test_a_display_means_no_offscreen_fallback():
    environ = {"WAYLAND_DISPLAY": "wayland-0"}
    prepare_environment(environ, "linux", 1000, self_test=True)
    assert "QT_QPA_PLATFORM" not in environ


def test_other_platforms_are_left_alone():
    environ: dict[str, str] = {}
    prepare_environment(environ, "win32", None, self_test=True)
    assert environ == {}


def test_self_test_opens_the_sandbox_renders_a_preview_loads_a_page_and_exits_zero(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    user_home = tmp_path / "user-home"
    env["EDITOR_APP_HOME"] = str(user_home)
    result = subprocess.run(
        [sys.executable, "-m", "editor_app", "--self-test"],
        capture_output=True, text=True, timeout=180, check=False, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    for step in ("open the main window on the sandbox", "open an entry", "render the entry's preview",
                 "load a local page in the embedded browser"):
        assert f"self-test: ok   {step}" in result.stdout
    assert not user_home.exists()  # a throw-away data dir: the user's data is never touched


def test_reset_sandbox_puts_the_sample_site_back(app_home):
    from editor_app.app import main
    from editor_app.backends.base import FileChange
    from editor_app.backends.test_repo import TestRepoBackend, sample_site_dir
    from editor_app.config.loader import load_site_config
    from editor_app.errors import NotFoundError
    from editor_app.paths import AppDirs
    from editor_app.workspace.workspace import backend_settings_from_config

    settings = backend_settings_from_config(load_site_config(sample_site_dir() / "config.yml"))
    sandbox = TestRepoBackend.for_app(settings, AppDirs.default())
    sample_head = sandbox.head()
    sandbox.commit([FileChange("content/posts/zz-note.md", data=b"an edit\n")], "Create note")
    assert TestRepoBackend.for_app(settings, AppDirs.default()).read_file("content/posts/zz-note.md")[0] == b"an edit\n"

    assert main(["reset-sandbox"]) == 0

    reopened = TestRepoBackend.for_app(settings, AppDirs.default())
    with pytest.raises(NotFoundError):
        reopened.read_file("content/posts/zz-note.md")
    assert reopened.head() == sample_head
