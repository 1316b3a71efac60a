"""Shared pieces of the workspace tests: the sandbox site, a fixed clock, a request-counting backend, another
app instance holding the sandbox."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from editor_app.backends.base import Backend, BackendSettings
from editor_app.backends.test_repo import TestRepoBackend, sample_site_dir
from editor_app.config.loader import parse_site_config
from editor_app.config.site_config import SiteConfig
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace, backend_settings_from_config

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC).timestamp()
REPO = Path(__file__).resolve().parent.parent.parent
SANDBOX = SimpleNamespace(kind="sandbox", path="")  # what open_site needs of a SiteChoice for the sandbox

# A second app instance, without a window: opens the sandbox, saves one edit, then keeps the site open.
INSTANCE = """
import sys, time
from pathlib import Path
from editor_app.ui.site_login import open_site
from editor_app.paths import AppDirs
from types import SimpleNamespace
SANDBOX = SimpleNamespace(kind="sandbox", path="")
workspace = open_site(SANDBOX, AppDirs.under(Path(sys.argv[1])))
entry = workspace.open_entry("plants", "content/plants/basil.yml")
workspace.save_entry(entry.with_data(dict(entry.data, family="Saved by the first instance")))
print("ready", flush=True)
time.sleep(120)
"""


@contextmanager
def other_instance(home: Path) -> Iterator[subprocess.Popen[str]]:
    """Another app process holding the sandbox of `home` (killed -9 on exit if still running)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen([sys.executable, "-c", INSTANCE, str(home)], cwd=REPO, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", process.stderr.read() if process.stderr else line
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()




def sandbox_site(publish_mode: str = "simple") -> SiteConfig:
    """The sample site's config, in `publish_mode`."""
    site = parse_site_config((sample_site_dir() / "config.yml").read_text("utf-8"), "config.yml")
    return dataclasses.replace(site, publish_mode=publish_mode)


class CountingBackend:
    """Delegates to a backend and counts every method call by name; `fail` makes a method raise."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.fail: dict[str, BaseException] = {}

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if not callable(value) or name.startswith("_"):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if name in self.fail:
                raise self.fail[name]
            return value(*args, **kwargs)

        return counted

    @property
    def requests(self) -> int:
        """Calls that reach the host (everything but local look-ups: the settings' branch, the login's hash)."""
        return sum(n for name, n in self.calls.items() if name not in ("default_branch", "login_key"))


@dataclasses.dataclass
class Env:
    """A sandbox backend behind a counter, and what a workspace needs around it."""

    tmp: Path
    site: SiteConfig
    backend: TestRepoBackend
    counting: CountingBackend
    clock: list[float]

    def workspace(self, *, site: SiteConfig | None = None) -> Workspace:
        """A fresh workspace (as after a restart) sharing the cache and journal folders."""
        ws = Workspace(
            self.counting,  # type: ignore[arg-type]
            site or self.site,
            ContentCache(self.tmp / "cache"),
            DraftsJournal(self.tmp / "journal"),
            clock=lambda: self.clock[0],
        )
        ws.open()
        return ws


def make_env(tmp: Path, publish_mode: str = "simple") -> Env:
    site = sandbox_site(publish_mode)
    clock = [NOW]
    settings: BackendSettings = backend_settings_from_config(site)
    backend = TestRepoBackend(settings, clock=lambda: clock[0])
    return Env(tmp, site, backend, CountingBackend(backend), clock)
