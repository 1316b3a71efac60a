"""The self-test's machinery: steps stop at the first failure; the embedded-browser step works headless."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from editor_app.ui.self_test import SelfTest

REPO = Path(__file__).resolve().parent.parent.parent


def test_a_failing_step_is_reported_with_its_reason_and_fails_the_run(qapp):
    lines: list[str] = []
    test = SelfTest(qapp, lines.append)
    assert test.step("first", lambda: "fine")
    assert not test.step("second", lambda: {}["missing"])
    assert test.exit_code() == 1
    assert lines[0].startswith("self-test: ok   first")
    assert lines[1].startswith("self-test: FAIL second") and "KeyError: 'missing'" in lines[1]


def test_all_steps_passing_exit_zero(qapp):
    test = SelfTest(qapp, lambda line: None)
    test.step("only", lambda: None)
    assert test.exit_code() == 0


def test_the_embedded_browser_loads_a_local_page_and_runs_javascript():
    script = (
        "from editor_app.app import _make_application\n"
        "from editor_app.ui.self_test import check_embedded_browser\n"
        "print(check_embedded_browser(_make_application()))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=env,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loaded a local page and ran JavaScript" in result.stdout
