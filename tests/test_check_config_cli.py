"""`editor-app check-config PATH`: a summary and exit 0 for a valid config, every error and exit 2 otherwise."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from editor_app.config.check import main
from tests.conftest import shared_path

REPO = Path(__file__).resolve().parent.parent

BROKEN = """\
backend:
  name: github
  open_authoring: maybe
media_folder: m
collections:
  - name: posts
    label: Posts
    folder: posts
    fields:
      - {name: title, label: Title}
      - {name: n, label: N, widget: number, max: lots}
"""


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_valid_config_prints_a_summary_and_exits_0():
    path = shared_path("fixtures", "decap-dev-test", "config.yml")
    code, out, _ = run([str(path)])
    assert code == 0
    assert "backend: test-repo, publish mode editorial_workflow" in out
    assert "  posts: folder _posts/ (md), 7 fields" in out
    assert "  settings: files _data/settings.json (2 fields), _data/authors.yml (1 fields)" in out
    assert "warnings (8):" in out and "relationKitchenSinkPost" in out
    # Decap's own demo passes 'tagname' to its preview templates: no dialect documents it, so it is named.
    assert f"{path}:43:60: collections[0].fields[0].tagname: 'tagname' is not an option of the string widget in " \
           "Decap CMS, Static CMS or Sveltia CMS; it is ignored" in out


def test_invalid_config_prints_every_error_with_file_and_line_and_exits_2(tmp_path):
    path = tmp_path / "config.yml"
    path.write_text(BROKEN, encoding="utf-8")
    code, out, err = run([str(path)])
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert f"{path}:3:3: backend.open_authoring: must be true or false, not string" in lines
    assert f"{path}:11:45: collections[0].fields[1].max: must be a number, not string" in lines
    assert lines[-1] == "2 error(s)"


def test_missing_file_exits_2(tmp_path):
    code, _, err = run([str(tmp_path / "nope.yml")])
    assert code == 2 and "cannot read" in err


def test_a_missing_or_unreadable_config_is_one_line_without_a_traceback(tmp_path):
    missing = tmp_path / "nope.yml"
    result = subprocess.run([sys.executable, "-m", "editor_app", "check-config", str(missing)],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 2
    assert result.stderr == f"editor-app: cannot read config.yml at {missing}: no such file\n"
    code, _, err = run([str(tmp_path)])
    assert code == 2 and err == f"editor-app: cannot read config.yml at {tmp_path}: it is a folder, not a file\n"


def test_check_config_through_the_module_entry_point(tmp_path):
    good = shared_path("fixtures", "decap-dev-test", "backends", "github", "config.yml")
    result = subprocess.run([sys.executable, "-m", "editor_app", "check-config", str(good)],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "backend: github" in result.stdout
    bad = tmp_path / "config.yml"
    bad.write_text(BROKEN, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "editor_app", "check-config", str(bad)],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 2
    assert f"{bad}:3:3: backend.open_authoring: must be true or false, not string" in result.stderr
