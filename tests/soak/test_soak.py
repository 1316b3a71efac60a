"""Soak tests: long sessions on the real sandbox window, each in its own process and bounded to about a minute.

A crash in the Qt binding (PySide6 6.12.0 on Python 3.11 drops a reference to None on every void call until
Python aborts) only shows as the process dying, so each session runs `tests.soak.driver` as a child. Each
test asserts that the child lived to the end of its session, that it did all its work, that its resident
memory stayed bounded, and that Qt printed no warning about deleted objects. The figures are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# scenario, how many, memory growth allowed (MB)
SESSIONS = [
    ("typing", 50, 80.0),  # 50 pages of 3,000 characters, key by key, with spell-check-like underlining
    ("switching", 500, 40.0),  # 500 entries opened one after another from the list
    ("media-library", 200, 40.0),  # the media library opened (Ctrl+M) and closed (Escape) 200 times
    ("saving", 200, 40.0),  # 200 saves (Ctrl+S) of a sandbox post, each a commit
]
SESSION_SECONDS = 120  # the driver stops a scenario after this long (a hard bound; each takes 5-40 s alone)


@pytest.mark.parametrize(("scenario", "count", "growth_mb"), SESSIONS, ids=[s[0] for s in SESSIONS])
def test_a_long_session_keeps_the_app_alive_and_its_memory_bounded(scenario, count, growth_mb, tmp_path):
    out = tmp_path / "result.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "EDITOR_APP_HOME": str(tmp_path / "home")}
    child = subprocess.run(
        [sys.executable, "-m", "tests.soak.driver", scenario, "--count", str(count),
         "--seconds", str(SESSION_SECONDS), "--home", str(tmp_path / "home"), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SESSION_SECONDS + 120,
    )
    assert child.returncode == 0, f"the app died ({child.returncode}) during the {scenario} session:\n" + (
        child.stderr[-3000:])
    result = json.loads(out.read_text())
    growth = result["rss_after_mb"] - result["rss_before_mb"]
    print(f"\nsoak {scenario}: {json.dumps(result)}; memory grew {growth:.1f} MB")
    done_key = {"typing": "pages", "switching": "switches", "media-library": "cycles", "saving": "saves"}[scenario]
    assert result[done_key] >= count, f"the {scenario} session did only {result[done_key]} of {count}"
    assert result["warnings"] == [], result["warnings"]
    assert growth <= growth_mb, f"memory grew {growth:.1f} MB during the {scenario} session"
    assert result["none_refcount_change"] >= 0, "the Qt binding is losing references to None"
