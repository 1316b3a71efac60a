"""Contract-suite factories "proxy-fs" and "proxy-git": ProxyBackend over the real decap-server on 127.0.0.1.

Starting node for every test would cost a second each, so each mode runs one server for the whole test
session (started on first use, stopped by its pid when the interpreter exits) over one directory that
every factory call resets to a fresh site holding exactly the given files: a git repository on `main`
for MODE=git, a plain folder for MODE=fs (decap-server reads and writes files there; no git at all).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from editor_app.backends.base import Backend, BackendSettings
from editor_app.backends.proxy import ProxyBackend
from tests.decap_server.harness import init_site_repo, require_decap_server, run_decap_server


class SharedServer:
    """One decap-server in `mode` over `root/site`, reset between uses."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.root = Path(tempfile.mkdtemp(prefix=f"decap-server-{mode}-"))
        self.site = self.root / "site"
        self.url: str | None = None
        self._stack = ExitStack()

    def reset(self, files: Mapping[str, bytes]) -> Path:
        """Make the site hold exactly `files` (and, in MODE=git, one commit of them on `main`)."""
        if self.site.exists():
            shutil.rmtree(self.site)
        if self.mode == "git":
            return init_site_repo(self.site, dict(files))
        for path, data in files.items():
            target = self.site / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        self.site.mkdir(parents=True, exist_ok=True)
        return self.site

    def start(self) -> str:
        """Start the server (the site must exist); its `/api/v1` URL."""
        if self.url is None:
            self.url = self._stack.enter_context(run_decap_server(self.site, self.mode))
            atexit.register(self.stop)
        return self.url

    def stop(self) -> None:
        """Stop the server by its pid and remove its directory."""
        self._stack.close()
        self.url = None
        shutil.rmtree(self.root, ignore_errors=True)


_servers: dict[str, SharedServer] = {}
_servers_lock = threading.Lock()


@contextmanager
def _proxy(mode: str, files: Mapping[str, bytes]) -> Iterator[Backend]:
    require_decap_server()
    with _servers_lock:
        server = _servers.get(mode)
        if server is None:
            server = _servers[mode] = SharedServer(mode)
    server.reset(files)
    url = server.start()
    backend = ProxyBackend.connect(BackendSettings(name="proxy", proxy_url=url))
    try:
        yield backend
    finally:
        backend.close()


@contextmanager
def make_proxy_fs(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """ProxyBackend over decap-server in MODE=fs (simple publishing only)."""
    with _proxy("fs", files) as backend:
        yield backend


@contextmanager
def make_proxy_git(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """ProxyBackend over decap-server in MODE=git (commits, editorial workflow)."""
    with _proxy("git", files) as backend:
        yield backend
