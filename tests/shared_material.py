"""The one rule for material from ../shared (recordings, specs, fixtures) that a clone of the project alone lacks.

A test that needs it is skipped with one clear reason when it is absent, and fails when `CI` is set (CI must
run everything). Tests ask through `shared_path`. Fakes need some of it too (the GitHub fake validates
GraphQL against GitHub's schema), often in a server thread where a skip cannot reach the test; they ask
through `shared_file`, which raises `SharedMaterialMissing` and records the path, and tests/conftest.py
turns the outcome of a test during which that happened into the same skip (or CI failure). A served child
process cannot record anything here, so its parent asks `shared_path` before starting it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

# EDITOR_APP_TESTS_SHARED points elsewhere (tests/test_harness.py uses it to prove the rule without ../shared).
SHARED = Path(os.environ.get("EDITOR_APP_TESTS_SHARED") or Path(__file__).resolve().parent.parent.parent / "shared")

_lock = threading.Lock()
_missing: list[Path] = []


class SharedMaterialMissing(FileNotFoundError):
    """A fake needed a file from ../shared that is not there."""


def reason(path: Path) -> str:
    """The one message for absent material: skipped without CI, failed with it."""
    if os.environ.get("CI"):
        return f"missing shared material: {path}"
    return f"shared material not present: {path} (a checkout of ../shared beside the project has it)"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; skips the test when it is missing, fails it under CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        record_missing(path)
        if os.environ.get("CI"):
            pytest.fail(reason(path))
        pytest.skip(reason(path))
    return path


def shared_file(*parts: str) -> Path:
    """A path under ../shared for a fake, from any thread: SharedMaterialMissing (recorded) when missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        record_missing(path)
        raise SharedMaterialMissing(reason(path))
    return path


def record_missing(path: Path) -> None:
    with _lock:
        if path not in _missing:
            _missing.append(path)


def take_missing() -> list[Path]:
    """The paths found missing since the last call (tests/conftest.py asks once per test phase)."""
    with _lock:
        found = list(_missing)
        _missing.clear()
    return found
