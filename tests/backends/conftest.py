"""Adapters under the contract suite (`test_contract.py`), each over the same small repository.

HOW TO ADD AN ADAPTER: write a factory and add it to ADAPTER_FACTORIES under the adapter's id.
A factory is a context manager `factory(tmp_path, files) -> Backend`: it builds a fresh repository
(on a fake host, in a temp git repo, ...) whose branch `main` holds exactly `files` (path -> bytes,
committed as one commit), yields a backend over it with `main` as the site branch and the editorial
workflow enabled, and tears everything down on exit. Every contract test then runs against it:

    @contextmanager
    def make_github(tmp_path, files):
        with FakeGitHub.serving(files) as host:
            yield GitHubBackend(BackendSettings(name="github", repo="o/r", branch="main"), ...)

    ADAPTER_FACTORIES["github"] = make_github
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from editor_app.backends.base import Backend, BackendSettings, Credentials
from editor_app.backends.github import GitHubBackend
from editor_app.backends.local import LocalBackend
from editor_app.backends.test_repo import TestRepoBackend
from tests.decap_server.factories import make_proxy_fs, make_proxy_git
from tests.fakes.azure_factories import hosted_azure, hosted_azure_loopback, make_azure, make_azure_loopback
from tests.fakes.bitbucket_factories import (
    hosted_bitbucket,
    hosted_bitbucket_loopback,
    make_bitbucket,
    make_bitbucket_loopback,
)
from tests.fakes.cognito import hosted_cognito, hosted_cognito_loopback, make_cognito, make_cognito_loopback
from tests.fakes.git_gateway_factories import (
    hosted_git_gateway,
    hosted_git_gateway_bitbucket,
    hosted_git_gateway_gitlab,
    hosted_git_gateway_loopback,
    make_git_gateway,
    make_git_gateway_bitbucket,
    make_git_gateway_bitbucket_loopback,
    make_git_gateway_gitlab,
    make_git_gateway_gitlab_loopback,
    make_git_gateway_loopback,
)
from tests.fakes.gitea_factories import hosted_gitea, hosted_gitea_loopback, make_gitea, make_gitea_loopback
from tests.fakes.gitlab_factories import hosted_gitlab, hosted_gitlab_loopback, make_gitlab, make_gitlab_loopback

# A 1x1 PNG, with NUL and high bytes in it: binary media must round-trip byte for byte.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a1bc8a0000000049454e44ae426082"
)

FIXTURE_FILES: dict[str, bytes] = {
    "content/posts/first.md": b"---\ntitle: First post\n---\nHello from the garden.\n",
    "content/posts/second.md": b"---\ntitle: Second post\n---\nTomatoes are ripe.\n",
    "content/posts/2024/archived.md": b"---\ntitle: Archived\n---\nLast year.\n",
    "content/posts/notes.txt": b"not an entry\n",
    "content/pages/about.md": b"---\ntitle: About\n---\nWho we are.\n",
    "data/settings.yml": b"title: Riverside\n",
    "static/img/pixel.png": PIXEL_PNG,
}

Factory = Callable[[Path, Mapping[str, bytes]], AbstractContextManager[Backend]]


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its output; fails the test on error."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def make_git_site(
    folder: Path, files: Mapping[str, bytes], *, user: tuple[str, str] | None = ("Ada Gardener", "ada@example.org")
) -> Path:
    """A git working copy on branch `main` holding `files` as one commit (author set locally)."""
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.name", "Seed Author")
    git(folder, "config", "user.email", "seed@example.org")
    for path, data in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "--no-gpg-sign", "-m", "Initial content")
    if user is None:
        git(folder, "config", "--unset", "user.name")
        git(folder, "config", "--unset", "user.email")
    else:
        git(folder, "config", "user.name", user[0])
        git(folder, "config", "user.email", user[1])
    return folder


@contextmanager
def make_test_repo(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """The sandbox seeded with `files`, its state kept in a temp dir."""
    seed = tmp_path / "seed"
    for path, data in files.items():
        target = seed / "repo" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    backend = TestRepoBackend(
        BackendSettings(name="test-repo", branch="main"), seed_dir=seed, state_dir=tmp_path / "state"
    )
    yield backend
    backend.close()


@contextmanager
def make_local(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """A local git working copy on `main` holding `files`."""
    site = make_git_site(tmp_path / "site", files)
    backend = LocalBackend(BackendSettings(name="local", local_path=str(site)))
    yield backend
    backend.close()


GITHUB_TOKEN = "gho_contract-token"


def make_fake_github(files: Mapping[str, bytes]) -> Any:
    """A FakeGitHub holding `files` on `main` of `o/r`, accepting GITHUB_TOKEN as user `o`."""
    from tests.fakes.git_store import GitStore
    from tests.fakes.github import FakeGitHub

    fake = FakeGitHub(GitStore(), owner="o", repo="r", default_branch="main", tokens={GITHUB_TOKEN: "o"})
    fake.commit_files("o/r", "main", dict(files), "Initial content")
    return fake


@contextmanager
def make_github(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """GitHubBackend over FakeGitHub in process (httpx.MockTransport)."""
    import httpx

    fake = make_fake_github(files)
    settings = BackendSettings(name="github", repo="o/r", branch="main")
    backend = GitHubBackend.connect(settings, Credentials(GITHUB_TOKEN), transport=httpx.MockTransport(fake))
    yield backend
    backend.close()


@contextmanager
def make_github_graphql(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """GitHubBackend with `use_graphql: true` (commits through createCommitOnBranch), in process."""
    import httpx

    fake = make_fake_github(files)
    settings = BackendSettings(name="github", repo="o/r", branch="main", use_graphql=True)
    backend = GitHubBackend.connect(settings, Credentials(GITHUB_TOKEN), transport=httpx.MockTransport(fake))
    yield backend
    backend.close()


@contextmanager
def make_github_loopback(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """GitHubBackend over FakeGitHub served on 127.0.0.1."""
    from tests.fakes.server import serve

    fake = make_fake_github(files)
    with serve(fake) as url:
        settings = BackendSettings(name="github", repo="o/r", branch="main", api_root=url)
        backend = GitHubBackend.connect(settings, Credentials(GITHUB_TOKEN))
        yield backend
        backend.close()


ADAPTER_FACTORIES: dict[str, Factory] = {
    "azure": make_azure,
    "azure-loopback": make_azure_loopback,
    "aws-cognito-github-proxy": make_cognito,
    "aws-cognito-github-proxy-loopback": make_cognito_loopback,
    "bitbucket": make_bitbucket,
    "bitbucket-loopback": make_bitbucket_loopback,
    "gitea": make_gitea,
    "git-gateway": make_git_gateway,
    "git-gateway-bitbucket": make_git_gateway_bitbucket,
    "git-gateway-bitbucket-loopback": make_git_gateway_bitbucket_loopback,
    "git-gateway-gitlab": make_git_gateway_gitlab,
    "git-gateway-gitlab-loopback": make_git_gateway_gitlab_loopback,
    "git-gateway-loopback": make_git_gateway_loopback,
    "gitea-loopback": make_gitea_loopback,
    "gitlab": make_gitlab,
    "gitlab-loopback": make_gitlab_loopback,
    "test-repo": make_test_repo,
    "local": make_local,
    "proxy-fs": make_proxy_fs,
    "proxy-git": make_proxy_git,
    "github": make_github,
    "github-loopback": make_github_loopback,
    "github-graphql": make_github_graphql,
}


@pytest.fixture(params=sorted(ADAPTER_FACTORIES))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each registered adapter in turn, over a fresh repository holding FIXTURE_FILES on `main`."""
    with ADAPTER_FACTORIES[request.param](tmp_path, FIXTURE_FILES) as adapter:
        yield adapter


# --- hosted adapters: the same faults on every Git host ---------------------------------------------
#
# HOW TO ADD A HOST: write a HostedFactory and add it to HOSTED_FACTORIES (in process and "-loopback").
# `factory(tmp_path, files, clock)` yields a `Hosted` whose backend talks to a fake host holding `files`
# on `main`, with the fake's faults and the adapter's sleep/clock both on `clock` and the adapter's
# rate-limit waits recorded in `waits`. `rate_limit(seconds, times)` makes the host answer the way that
# host says "too many requests, come back in `seconds`"; `expire_token()` makes it answer every later
# request the way it says "this token has expired". `test_host_faults.py` runs against every entry.

T0 = 1_750_000_000.0


class FakeClock:
    """Time that moves only when someone sleeps (shared by a fake host and the adapter)."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)


@dataclass
class Hosted:
    """An adapter over a fake host, and the handles to make that host misbehave."""

    backend: Backend
    faults: Any  # tests.fakes.faults.Faults
    log: Any  # tests.fakes.faults.RequestLog
    waits: list[tuple[float, str]]
    rate_limit: Callable[[int, int | None], None]
    expire_token: Callable[[], None]
    site_head: Callable[[], str | None] = lambda: None  # `main`'s commit in the fake's store, read directly


HostedFactory = Callable[[Path, Mapping[str, bytes], FakeClock], AbstractContextManager[Hosted]]


def _github_hosted(fake: Any, clock: FakeClock, backend_for: Callable[..., Backend]) -> Hosted:
    fake.clock = clock.time
    fake.faults.clock = clock.time
    fake.faults.sleep = clock.sleep
    waits: list[tuple[float, str]] = []
    backend = backend_for(sleep=clock.sleep, clock=clock.time, on_wait=lambda at, why: waits.append((at, why)))
    return Hosted(
        backend=backend,
        faults=fake.faults,
        log=fake.log,
        waits=waits,
        rate_limit=lambda seconds, times: fake.faults.primary_rate_limit(reset_in=seconds, times=times),
        expire_token=lambda: fake.faults.expire_token(after_requests=0),
        site_head=lambda: fake.repos["o/r"].store.refs.get("heads/main"),
    )


@contextmanager
def hosted_github(tmp_path: Path, files: Mapping[str, bytes], clock: FakeClock) -> Iterator[Hosted]:
    """GitHubBackend over FakeGitHub in process."""
    import httpx

    fake = make_fake_github(files)
    settings = BackendSettings(name="github", repo="o/r", branch="main")
    hosted = _github_hosted(fake, clock, lambda **kw: GitHubBackend.connect(
        settings, Credentials(GITHUB_TOKEN), transport=httpx.MockTransport(fake), **kw))
    yield hosted
    hosted.backend.close()


@contextmanager
def hosted_github_graphql(tmp_path: Path, files: Mapping[str, bytes], clock: FakeClock) -> Iterator[Hosted]:
    """GitHubBackend with `use_graphql: true` over FakeGitHub in process."""
    import httpx

    fake = make_fake_github(files)
    settings = BackendSettings(name="github", repo="o/r", branch="main", use_graphql=True)
    hosted = _github_hosted(fake, clock, lambda **kw: GitHubBackend.connect(
        settings, Credentials(GITHUB_TOKEN), transport=httpx.MockTransport(fake), **kw))
    yield hosted
    hosted.backend.close()


@contextmanager
def hosted_github_loopback(tmp_path: Path, files: Mapping[str, bytes], clock: FakeClock) -> Iterator[Hosted]:
    """GitHubBackend over FakeGitHub served on 127.0.0.1."""
    from tests.fakes.server import serve

    fake = make_fake_github(files)
    with serve(fake) as url:
        settings = BackendSettings(name="github", repo="o/r", branch="main", api_root=url)
        hosted = _github_hosted(
            fake, clock, lambda **kw: GitHubBackend.connect(settings, Credentials(GITHUB_TOKEN), **kw)
        )
        yield hosted
        hosted.backend.close()


HOSTED_FACTORIES: dict[str, HostedFactory] = {
    "azure": hosted_azure,
    "azure-loopback": hosted_azure_loopback,
    "aws-cognito-github-proxy": hosted_cognito,
    "aws-cognito-github-proxy-loopback": hosted_cognito_loopback,
    "bitbucket": hosted_bitbucket,
    "bitbucket-loopback": hosted_bitbucket_loopback,
    "gitea": hosted_gitea,
    "git-gateway": hosted_git_gateway,
    "git-gateway-bitbucket": hosted_git_gateway_bitbucket,
    "git-gateway-gitlab": hosted_git_gateway_gitlab,
    "git-gateway-loopback": hosted_git_gateway_loopback,
    "gitea-loopback": hosted_gitea_loopback,
    "gitlab": hosted_gitlab,
    "gitlab-loopback": hosted_gitlab_loopback,
    "github": hosted_github,
    "github-graphql": hosted_github_graphql,
    "github-loopback": hosted_github_loopback,
}


@pytest.fixture(params=sorted(HOSTED_FACTORIES))
def hosted(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hosted]:
    """Each Git host adapter in turn over its fake, on a fake clock, holding FIXTURE_FILES on `main`."""
    clock = FakeClock()
    with HOSTED_FACTORIES[request.param](tmp_path, FIXTURE_FILES, clock) as adapter:
        yield adapter
