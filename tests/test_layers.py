"""The code's checks hold: import-linter's layer contracts (DESIGN.md), ruff's rules and mypy's types.

Each tool reads its configuration from pyproject.toml and must report nothing; a failure shows its report.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)


def test_import_linter_contracts_are_kept():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = _run([lint])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing():
    result = _run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."])
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_at_the_configured_strictness():
    # pyproject.toml names the files (editor_app, the UI fakes) and the strict packages; the cache is gitignored
    result = _run([sys.executable, "-m", "mypy"])
    assert result.returncode == 0, result.stdout + result.stderr
