"""Shared pieces of the workspace tests: the sandbox site, a fixed clock, a request-counting backend."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from editor_app.backends.base import Backend, BackendSettings
from editor_app.backends.test_repo import TestRepoBackend, sample_site_dir
from editor_app.config.site_config import SiteConfig, parse_site_config
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace, backend_settings_from_config

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC).timestamp()


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
        """Calls that reach the host (everything but local settings look-ups)."""
        return sum(n for name, n in self.calls.items() if name != "default_branch")


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
