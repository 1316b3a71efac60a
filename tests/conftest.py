"""Test-wide guards: no traffic beyond loopback, no real keyring, no real user dirs, no machine git identity,
and one rule for material from ../shared."""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import socket
import tempfile
from collections.abc import Generator
from pathlib import Path

import keyring
import keyring.backend
import pytest

from tests.shared_material import SHARED, reason, shared_path, take_missing

__all__ = ["SHARED", "TEST_GIT_IDENTITY", "shared_path"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

# The tests' own git identity, in os.environ so it also reaches every subprocess the tests start (git,
# decap-server, served fakes). A bare machine has no ~/.gitconfig, and a developer's one must not change
# results (an identity, or commit.gpgsign): git reads this file instead of ~/.gitconfig, so `git config
# user.name` (what the local backend asks) answers too, and GIT_AUTHOR_*/GIT_COMMITTER_* cover commits.
# Tests about a missing identity remove both (tests/backends/test_local.py).
TEST_GIT_IDENTITY = ("Editor App Tests", "tests@editor-app.invalid")
_GIT_CONFIG_DIR = tempfile.mkdtemp(prefix="editor-app-tests-git-")
atexit.register(shutil.rmtree, _GIT_CONFIG_DIR, True)
_GIT_CONFIG = Path(_GIT_CONFIG_DIR) / "gitconfig"
_GIT_CONFIG.write_text(f"[user]\n\tname = {TEST_GIT_IDENTITY[0]}\n\temail = {TEST_GIT_IDENTITY[1]}\n", encoding="utf-8")
os.environ["GIT_CONFIG_GLOBAL"] = str(_GIT_CONFIG)
for _role in ("AUTHOR", "COMMITTER"):
    os.environ[f"GIT_{_role}_NAME"], os.environ[f"GIT_{_role}_EMAIL"] = TEST_GIT_IDENTITY


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    """A test during which a fake found ../shared material missing (tests/shared_material.py) is skipped with
    that one reason, or failed with it under CI, whatever error the missing file caused on its way."""
    outcome = yield
    report = outcome.get_result()
    missing: list[Path] = item.__dict__.setdefault("_shared_missing", [])
    missing.extend(path for path in take_missing() if path not in missing)
    if not missing or report.skipped or (report.passed and call.when != "call"):
        return
    why = reason(missing[0])
    if os.environ.get("CI"):
        if report.passed or why not in str(report.longrepr):
            report.outcome = "failed"
            report.longrepr = why if report.passed else f"{why}\n\n{report.longrepr}"
        return
    if item.__dict__.get("_shared_skipped"):
        report.outcome, report.longrepr = "passed", None  # the teardown's echo of the same missing file
        return
    item.__dict__["_shared_skipped"] = True
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, f"Skipped: {why}")


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:
        return True  # AF_UNIX and friends
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise OSError(f"tests may reach only loopback addresses, not {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise OSError(f"tests may reach only loopback addresses, not {address!r}")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring for tests."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    """Every test gets a fresh in-memory keyring instead of the machine's."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """User data, cache and config dirs below the test's tmp dir."""
    home = tmp_path / "app-home"
    monkeypatch.setenv("EDITOR_APP_HOME", str(home))
    return home
