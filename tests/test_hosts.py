"""The host table: one description per backend, read alike by the login and the adapters."""

from __future__ import annotations

import httpx
import pytest

from editor_app.auth.target import LoginTarget
from editor_app.backends import BACKENDS
from editor_app.backends.base import BackendSettings, Credentials
from editor_app.hosts import HOST_NAMES, HOSTS, LOGIN_HOSTS, InsecureUrlError, api_root_for


def test_every_registered_backend_is_described_once_with_a_name():
    assert set(BACKENDS) == set(HOSTS)
    assert HOST_NAMES["azure"] == "Azure DevOps" and HOST_NAMES["test-repo"] == "sandbox"
    assert set(LOGIN_HOSTS) == set(HOSTS) - {"test-repo", "local", "proxy"}


def test_a_gitea_site_named_by_base_url_logs_in_and_edits_on_the_same_server():
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"permissions": {"push": True}, "login": "tea", "default_branch": "main"})

    target = LoginTarget(backend="gitea", repo="owner/site", base_url="https://git.example.org/")
    settings = BackendSettings(name="gitea", repo="owner/site", base_url="https://git.example.org/")
    backend = BACKENDS["gitea"].connect(settings, Credentials("t"), transport=httpx.MockTransport(answer))
    backend.current_user()
    backend.close()
    assert target.api == "https://git.example.org/api/v1"
    assert {url.split("/api/v1/")[0] for url in seen} == {"https://git.example.org"}
    assert target.token_page()[0] == "https://git.example.org/user/settings/applications"


def test_without_api_root_or_base_url_the_public_hosts_default_is_used_by_both():
    for name in ("github", "gitlab", "bitbucket", "gitea", "azure"):
        assert LoginTarget(backend=name).api == api_root_for(name, None) == HOSTS[name].api_root


@pytest.mark.parametrize(
    ("target", "what"),
    [
        (LoginTarget(backend="gitlab", auth_type="pkce", base_url="http://gitlab.example.org"), "authorize endpoint"),
        (LoginTarget(backend="git-gateway", auth_type="pkce", site_url="http://blog.example.org"), "Identity URL"),
        (LoginTarget(backend="git-gateway", auth_type="pkce", identity_url="http://id.example.org"), "identity_url"),
        (LoginTarget(backend="azure", tenant_id="t", base_url="http://login.example.org"), "authorize endpoint"),
    ],
)
def test_a_login_refuses_plain_http_endpoints(target: LoginTarget, what: str):
    with pytest.raises(InsecureUrlError, match=what) as refused:
        target.oauth_endpoints()
    assert "sent in clear" in str(refused.value)


def test_a_login_refuses_a_plain_http_popup_server_identity_or_gateway():
    with pytest.raises(InsecureUrlError, match="base_url"):
        _ = LoginTarget(backend="github", base_url="http://auth.example.org").popup_base_url
    with pytest.raises(InsecureUrlError):
        _ = LoginTarget(backend="git-gateway", site_url="http://blog.example.org").identity
    with pytest.raises(InsecureUrlError):
        LoginTarget(backend="git-gateway", gateway_url="http://blog.example.org/.netlify/git").check_addresses()
    with pytest.raises(InsecureUrlError, match="api_root"):
        LoginTarget(backend="gitlab", api_root="http://gitlab.example.org/api/v4").check_addresses()


def test_loopback_logins_are_allowed():
    target = LoginTarget(backend="gitlab", auth_type="pkce", base_url="http://127.0.0.1:9",
                         api_root="http://localhost:9/api/v4")
    assert target.oauth_endpoints()[0] == "http://127.0.0.1:9/oauth/authorize"
    target.check_addresses()
    assert LoginTarget(backend="github", base_url="http://[::1]:9").popup_base_url == "http://[::1]:9"
