"""Contract-suite factories for the Git Gateway adapter (registered in tests/backends/conftest.py).

"git-gateway" runs GitGatewayBackend over FakeGitGateway in front of FakeGitHub in process,
"git-gateway-loopback" the same served on 127.0.0.1 (the site's `site_url` pointing there);
"git-gateway-gitlab" and "git-gateway-bitbucket" (and their "-loopback") put FakeGitLab and FakeBitbucket
behind the gateway.
The hosted variants: a rate limit is GitHub's own answer passed through by the gateway, an expired login
is the gateway refusing the JWT (`401 {"code": 401, "msg": "Invalid token: ..."}`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from editor_app.backends import BACKENDS
from editor_app.backends.base import Backend, BackendSettings, Credentials
from tests.fakes.git_gateway import FakeGitGateway, IdentityUser
from tests.fakes.git_store import GitStore

EMAIL = "ed@example.org"
PASSWORD = "s3cret"
SITE = "https://garden.example"
HOST_TOKEN = "gateway-host-token"  # the site owner's token the gateway holds, never seen by the app
REPOS = {"github": "o/r", "gitlab": "group/sub/site", "bitbucket": "garden/site"}
HOST_BASES = {"github": "https://api.github.com", "gitlab": "https://gitlab.com", "bitbucket": "https://api.bitbucket.org"}


def make_host_fake(host: str, files: Mapping[str, bytes], clock: Callable[[], float] = time.time) -> Any:
    """A fake `host` holding `files` on `main`, accepting HOST_TOKEN."""
    if host == "github":
        from tests.fakes.github import FakeGitHub

        fake: Any = FakeGitHub(
            GitStore(), owner="o", repo="r", default_branch="main", tokens={HOST_TOKEN: "o"}, clock=clock
        )
        fake.commit_files("o/r", "main", dict(files), "Initial content")
    elif host == "gitlab":
        from tests.fakes.gitlab import FakeGitLab

        fake = FakeGitLab(
            GitStore(), project=REPOS["gitlab"], default_branch="main", tokens={HOST_TOKEN: "owner"}, clock=clock
        )
        fake.commit_files("main", dict(files), "Initial content")
    else:
        from tests.fakes.bitbucket import FakeBitbucket

        fake = FakeBitbucket(
            GitStore(), repo=REPOS["bitbucket"], default_branch="main", tokens={HOST_TOKEN: "owner"}, clock=clock
        )
        fake.commit_files("main", dict(files), "Initial content")
    return fake


def make_fake_gateway(host: str, files: Mapping[str, bytes], *, roles: list[str] | None = None,
                      clock: Callable[[], float] = time.time, **kwargs: Any) -> FakeGitGateway:
    """A FakeGitGateway with one Identity user (role `editor`) in front of a fake `host` holding `files`."""
    return FakeGitGateway(host, make_host_fake(host, files, clock), repo=REPOS[host], host_token=HOST_TOKEN,
                          host_base=HOST_BASES[host], users=[IdentityUser(EMAIL, PASSWORD, ["editor"], "Ed Itor")],
                          roles=roles, clock=clock, **kwargs)


def login(gateway: FakeGitGateway) -> Credentials:
    """The Identity user's credentials, as a password login returns them."""
    grant = gateway.grant(EMAIL)
    return Credentials(grant["access_token"], grant["refresh_token"], gateway.clock() + grant["expires_in"])


def gotrue_refresh(
    gateway: FakeGitGateway, site: str, transport: httpx.BaseTransport | None
) -> Callable[[Credentials], Credentials]:
    """What the app's refresh callback does for Git Gateway: GoTrue's refresh-token grant at the site."""

    def refresh(stale: Credentials) -> Credentials:
        with httpx.Client(transport=transport) as client:
            answer = client.post(f"{site}/.netlify/identity/token",
                                 data={"grant_type": "refresh_token", "refresh_token": stale.refresh_token or ""})
        data = answer.json()
        if answer.status_code != 200:
            from editor_app.errors import AuthError

            raise AuthError(f"refresh refused: {data}", expired=True)
        return Credentials(data["access_token"], data["refresh_token"], gateway.clock() + data["expires_in"])

    return refresh


def settings(site: str = SITE, **kwargs: Any) -> BackendSettings:
    """A git-gateway config: the site's address and branch `main`."""
    kwargs.setdefault("branch", "main")
    return BackendSettings(name="git-gateway", site_url=site, **kwargs)


def connect(gateway: FakeGitGateway, site: str = SITE, *, transport: httpx.BaseTransport | None = None,
            refresh: bool = True, **kwargs: Any) -> Backend:
    """GitGatewayBackend logged in as the Identity user (with GoTrue refresh unless `refresh` is False)."""
    options: dict[str, Any] = dict(kwargs)
    if refresh:
        options["refresh"] = gotrue_refresh(gateway, site, transport)
    return BACKENDS["git-gateway"].connect(settings(site), login(gateway), transport=transport, **options)


def _in_process(host: str) -> Callable[[Path, Mapping[str, bytes]], Any]:
    @contextmanager
    def factory(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
        gateway = make_fake_gateway(host, files, roles=["editor"])
        backend = connect(gateway, transport=httpx.MockTransport(gateway))
        yield backend
        backend.close()

    factory.__doc__ = f"GitGatewayBackend over FakeGitGateway in front of the {host} fake, in process."
    return factory


make_git_gateway = _in_process("github")
make_git_gateway_gitlab = _in_process("gitlab")
make_git_gateway_bitbucket = _in_process("bitbucket")


def _loopback(host: str) -> Callable[[Path, Mapping[str, bytes]], Any]:
    @contextmanager
    def factory(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
        from tests.fakes.server import serve

        gateway = make_fake_gateway(host, files, roles=["editor"])
        with serve(gateway) as url:
            backend = connect(gateway, url)
            yield backend
            backend.close()

    factory.__doc__ = f"GitGatewayBackend over FakeGitGateway ({host} behind) served on 127.0.0.1."
    return factory


make_git_gateway_loopback = _loopback("github")
make_git_gateway_gitlab_loopback = _loopback("gitlab")
make_git_gateway_bitbucket_loopback = _loopback("bitbucket")


def _rate_limit(gateway: FakeGitGateway, clock: Any) -> Callable[[int, int | None], Any]:
    """The host's own "too many requests", which the gateway passes through."""
    path = rf"^/\.netlify/git/{gateway.host}/"
    if gateway.host == "github":
        return lambda seconds, times: gateway.faults.primary_rate_limit(reset_in=seconds, times=times, path=path)
    if gateway.host == "gitlab":
        from tests.fakes.gitlab_factories import rate_limit_response as gitlab_limit

        return lambda seconds, times: gateway.faults.add(
            lambda _r: gitlab_limit(clock.time, seconds), times=times, path=path
        )
    from tests.fakes.bitbucket_factories import rate_limit_response as bitbucket_limit

    return lambda seconds, times: gateway.faults.add(lambda _r: bitbucket_limit(seconds), times=times, path=path)


def _host_store(host_fake: Any) -> Any:
    """The git object store of the fake host behind the gateway (FakeGitHub keeps one per repository)."""
    repos = getattr(host_fake, "repos", None)
    return next(iter(repos.values())).store if isinstance(repos, dict) else host_fake.store


def _hosted(gateway: FakeGitGateway, clock: Any, backend_for: Callable[..., Backend]) -> Any:
    from tests.backends.conftest import Hosted

    gateway.faults.clock = clock.time
    gateway.faults.sleep = clock.sleep
    waits: list[tuple[float, str]] = []
    backend = backend_for(sleep=clock.sleep, clock=clock.time, on_wait=lambda at, why: waits.append((at, why)))
    return Hosted(
        backend=backend,
        faults=gateway.faults,
        log=gateway.log,
        waits=waits,
        rate_limit=_rate_limit(gateway, clock),
        expire_token=lambda: gateway.faults.add(
            lambda _r: expired_jwt_response(), path=r"^/\.netlify/git/", times=None
        ),
        site_head=lambda: _host_store(gateway.host_fake).refs.get("heads/main"),
    )


def expired_jwt_response() -> httpx.Response:
    """The gateway's answer to a JWT whose hour is over."""
    return httpx.Response(401, json={"code": 401, "msg": "Invalid token: token is expired by 1m0s"})


def _hosted_in_process(host: str) -> Callable[[Path, Mapping[str, bytes], Any], Any]:
    @contextmanager
    def factory(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
        gateway = make_fake_gateway(host, files, clock=clock.time)
        transport = httpx.MockTransport(gateway)
        hosted = _hosted(gateway, clock, lambda **kw: connect(gateway, transport=transport, refresh=False, **kw))
        yield hosted
        hosted.backend.close()

    factory.__doc__ = f"GitGatewayBackend ({host} behind) in process, on a fake clock, without a refresh callback."
    return factory


hosted_git_gateway = _hosted_in_process("github")
hosted_git_gateway_gitlab = _hosted_in_process("gitlab")
hosted_git_gateway_bitbucket = _hosted_in_process("bitbucket")


@contextmanager
def hosted_git_gateway_loopback(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """GitGatewayBackend (GitHub behind) served on 127.0.0.1, on a fake clock."""
    from tests.fakes.server import serve

    gateway = make_fake_gateway("github", files, clock=clock.time)
    with serve(gateway) as url:
        hosted = _hosted(gateway, clock, lambda **kw: connect(gateway, url, refresh=False, **kw))
        yield hosted
        hosted.backend.close()
