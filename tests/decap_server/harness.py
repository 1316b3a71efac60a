"""Start the real decap-server (installed from npm into tests/decap_server/) on 127.0.0.1 for a test."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ENTRY = HERE / "node_modules" / "decap-server" / "dist" / "index.js"


NPM_TIMEOUT = 240  # seconds for the one `npm ci` of a test run

_install_problem: list[str] = []  # why installing failed once this run (not retried for every test)


def install_decap_server() -> str | None:
    """Install decap-server (package-lock.json's version) into tests/decap_server with `npm ci` when it is not
    there yet; None when it is ready, else why not (no node or npm on PATH, npm failed)."""
    if ENTRY.exists() and shutil.which("node"):
        return None
    if _install_problem:
        return _install_problem[0]
    missing = [tool for tool in ("node", "npm") if not shutil.which(tool)]
    if missing:
        return (f"decap-server tests need Node.js: {' and '.join(missing)} not found on PATH "
                "(Debian: apt-get install nodejs npm)")
    command = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        result = subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        _install_problem.append(f"`{' '.join(command)}` in {HERE} took over {NPM_TIMEOUT} s")
        return _install_problem[0]
    if result.returncode != 0 or not ENTRY.exists():
        output = (result.stderr or result.stdout).strip()[-1500:]
        _install_problem.append(f"`{' '.join(command)}` in {HERE} failed (exit {result.returncode}): {output}")
        return _install_problem[0]
    return None


def require_decap_server() -> Path:
    """The server's entry script, installed by npm on first use; skips with the reason when that cannot
    happen (no node/npm, no registry), fails instead under CI."""
    problem = install_decap_server()
    if problem is None:
        return ENTRY
    if os.environ.get("CI"):
        pytest.fail(problem)
    pytest.skip(problem)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def init_site_repo(root: Path, files: dict[str, bytes], branch: str = "main") -> Path:
    """A git repository with `files` committed on `branch`, and a local identity for decap-server's commits."""
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)

    git("init", "-q", "-b", branch)
    git("config", "user.name", "Site Owner")
    git("config", "user.email", "owner@example.invalid")
    git("config", "commit.gpgsign", "false")
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    git("add", ".")
    git("commit", "-q", "-m", "Initial content")
    return root


@contextlib.contextmanager
def run_decap_server(repo: Path, mode: str) -> Iterator[str]:
    """Run decap-server in `mode` (fs or git) over `repo`; yields its `/api/v1` URL, stops it by pid."""
    entry = require_decap_server()
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(repo.parent),
        "MODE": mode,
        "GIT_REPO_DIRECTORY": str(repo),
        "PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "LOG_LEVEL": "error",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    log = (repo.parent / f"decap-server-{mode}.log").open("wb")
    process = subprocess.Popen(["node", str(entry)], cwd=str(repo.parent), env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"decap-server exited with {process.returncode}: see {log.name}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("decap-server did not start listening within 20 s")
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
