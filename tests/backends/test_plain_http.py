"""Tokens never go over plain HTTP: every Git host refuses an `http://` API root, gateway or Cognito domain
unless it is this computer (127.0.0.0/8, ::1, localhost), before a single request is sent."""

from __future__ import annotations

import httpx
import pytest

from editor_app.backends import BACKENDS
from editor_app.backends.base import BackendSettings, Credentials
from editor_app.hosts import LOGIN_HOSTS, InsecureUrlError, is_secure_url

REPOS = {"azure": "org/project/repo", "git-gateway": ""}


def settings_for(name: str, root: str) -> BackendSettings:
    """A site on `root`: the API root, or for Git Gateway the gateway (its GitLab flavour asks nothing at connect)."""
    if name == "git-gateway":
        return BackendSettings(name=name, gateway_url=f"{root}/.netlify/git/gitlab")
    if name == "aws-cognito-github-proxy":
        return BackendSettings(name=name, repo="owner/site", api_root=root, base_url="https://auth.example.org")
    return BackendSettings(name=name, repo=REPOS.get(name, "owner/site"), api_root=root)


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent to {request.url}")


@pytest.mark.parametrize("name", LOGIN_HOSTS)
def test_a_plain_http_api_root_is_refused_for_every_host_before_any_request(name: str) -> None:
    with pytest.raises(InsecureUrlError) as refused:
        BACKENDS[name].connect(settings_for(name, "http://git.example.com/api/v1"), Credentials("secret-token"),
                               transport=httpx.MockTransport(never_called))
    message = str(refused.value)
    assert "http://git.example.com" in message and "sent in clear" in message and "secret-token" not in message


@pytest.mark.parametrize("name", LOGIN_HOSTS)
@pytest.mark.parametrize("root", ["http://127.0.0.1:8080/api/v1", "http://localhost:3000/api/v1", "http://[::1]:9/api/v1"])
def test_plain_http_on_this_computer_is_allowed(name: str, root: str) -> None:
    backend = BACKENDS[name].connect(settings_for(name, root), Credentials("secret-token"),
                                     transport=httpx.MockTransport(never_called))
    backend.close()


def test_cognitos_domain_must_be_https_too() -> None:
    settings = BackendSettings(name="aws-cognito-github-proxy", repo="owner/site", api_root="https://proxy.example.org",
                               base_url="http://auth.example.org")
    with pytest.raises(InsecureUrlError, match="Cognito domain"):
        BACKENDS["aws-cognito-github-proxy"].connect(settings, Credentials("t"),
                                                     transport=httpx.MockTransport(never_called))


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("https://gitlab.example.org", True),
        ("http://127.0.0.1:9", True),
        ("http://127.8.9.10", True),
        ("http://localhost:9", True),
        ("http://[::1]:9", True),
        ("http://gitlab.example.org", False),
        ("http://localhost.example.org", False),
        ("http://10.0.0.2", False),
        ("ftp://gitlab.example.org", False),
        ("https://", False),
    ],
)
def test_only_https_and_loopback_http_may_carry_tokens(url: str, secure: bool) -> None:
    assert is_secure_url(url) is secure
