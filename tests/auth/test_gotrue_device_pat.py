"""Git Gateway (GoTrue), GitHub's device flow and personal access tokens against the fake servers."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from editor_app.auth.device_flow import DeviceFlow
from editor_app.auth.gotrue import ExternalLogin, GoTrue
from editor_app.auth.oauth import LoginError
from editor_app.auth.personal_tokens import personal_token
from editor_app.auth.target import LoginTarget
from editor_app.backends.token_check import check_personal_token
from editor_app.errors import AuthError


def gateway_target(server) -> LoginTarget:
    return LoginTarget(backend="git-gateway", site=server.base_url, site_url=server.base_url)


# -- GoTrue --------------------------------------------------------------------------------------------
def test_gotrue_password_login_reads_the_user_and_the_gateway_host(server, client):
    gotrue = GoTrue(gateway_target(server), client)
    token = gotrue.login_password("ed@example.org", "s3cret")
    assert token.expires_at is not None and token.refresh_token and token.method == "gotrue"
    user = gotrue.user(token)
    settings = gotrue.settings(token)
    assert user["email"] == "ed@example.org"
    assert (settings.host, settings.roles) == ("github", ("editor",))
    gotrue.check_roles(user, settings)  # allowed


def test_gotrue_wrong_password_says_so_without_echoing_it(server, client):
    with pytest.raises(LoginError) as info:
        GoTrue(gateway_target(server), client).login_password("ed@example.org", "wrong-pw")
    assert "Invalid email or password" in str(info.value) and "wrong-pw" not in str(info.value)


def test_gotrue_refuses_a_user_without_an_allowed_role(server, client):
    server.gateway_roles = ["admin"]
    gotrue = GoTrue(gateway_target(server), client)
    token = gotrue.login_password("ed@example.org", "s3cret")
    with pytest.raises(AuthError, match="roles admin, the account has editor"):
        gotrue.check_roles(gotrue.user(token), gotrue.settings(token))


def test_gotrue_refreshes_the_jwt_shortly_before_expiry(server, client):
    now = [0.0]
    gotrue = GoTrue(gateway_target(server), client, clock=lambda: now[0])
    token = gotrue.login_password("ed@example.org", "s3cret")  # expires_in 7200 from t=0
    now[0] = 7000
    assert gotrue.fresh(token) is token
    now[0] = 7150
    renewed = gotrue.fresh(token)
    assert renewed.access_token != token.access_token
    assert server.requests[-1].body["grant_type"] == "refresh_token"


def test_gotrue_external_provider_redirect_carries_the_token(server, client):
    login = ExternalLogin(gateway_target(server), "github")
    query = dict(parse_qsl(urlsplit(login.url).query))
    assert query["provider"] == "github"
    location = client.get(login.url).headers["Location"]
    assert login.is_redirect(location)
    token = login.complete(location)
    assert token.access_token == server.issued[-1]


def test_gotrue_external_provider_wrong_state_is_refused(server, client):
    server.wrong_state = True
    login = ExternalLogin(gateway_target(server), "github")
    with pytest.raises(LoginError, match="state does not match"):
        login.complete(client.get(login.url).headers["Location"])


# -- device flow ---------------------------------------------------------------------------------------
def test_device_flow_shows_a_code_and_polls_at_the_asked_interval(server, client):
    slept: list[float] = []
    flow = DeviceFlow(server.client_id, client, web_url=server.base_url, sleep=slept.append)
    code = flow.start()
    assert code.user_code == "WDJB-MJHT" and code.verification_uri.endswith("/login/device")
    token = flow.wait(code)
    assert token.access_token == server.issued[-1] and token.scopes == ("repo",)
    assert slept == [5.0]


def test_device_flow_denied_and_expired(server, client):
    now = [0.0]
    flow = DeviceFlow(server.client_id, client, web_url=server.base_url, clock=lambda: now[0], sleep=lambda s: None)
    code = flow.start()
    server.provider_error = "access_denied"
    with pytest.raises(LoginError, match="cancelled on GitHub"):
        flow.poll_once(code)
    now[0] = 10_000
    with pytest.raises(LoginError, match="expired"):
        flow.poll_once(code)


def test_device_flow_needs_a_client_id(client):
    with pytest.raises(LoginError, match="client id"):
        DeviceFlow("", client)


# -- personal access tokens ------------------------------------------------------------------------------
def pat_target(server, backend: str) -> LoginTarget:
    return LoginTarget(backend=backend, repo="octo/site", api_root=f"{server.base_url}/{backend}")


def test_github_token_with_repo_scope_and_push_is_accepted(server, client):
    check = check_personal_token(pat_target(server, "github"), " ghp_good ")
    assert check.user == "octo" and "repo" in check.scopes
    assert personal_token(" ghp_good ", check).access_token == "ghp_good"


def test_github_token_without_repo_scope_names_the_missing_scope(server, client):
    server.github_scopes = "gist, read:user"
    with pytest.raises(AuthError, match=r"lacks the scope 'repo'.*it has: gist, read:user"):
        check_personal_token(pat_target(server, "github"), "ghp_good")


def test_github_token_without_push_permission_is_refused(server, client):
    server.push = False
    with pytest.raises(AuthError, match=r"octo does not have access to this repo \(octo/site\)"):
        check_personal_token(pat_target(server, "github"), "ghp_good")


def test_a_wrong_token_is_refused_and_never_echoed(server, client):
    with pytest.raises(AuthError) as info:
        check_personal_token(pat_target(server, "github"), "ghp_wrong_secret")
    assert "wrong, expired or revoked" in str(info.value) and "ghp_wrong_secret" not in str(info.value)


def test_gitlab_token_needs_api_scope_and_developer_access(server, client):
    assert check_personal_token(pat_target(server, "gitlab"), "glpat-good").user == "gl-user"
    server.gitlab_scopes = ["read_api", "read_repository"]
    with pytest.raises(AuthError, match="lacks the scope 'api'; it has: read_api, read_repository"):
        check_personal_token(pat_target(server, "gitlab"), "glpat-good")
    server.gitlab_scopes = ["api"]
    server.push = False
    with pytest.raises(AuthError, match=r"gl-user does not have access to this repo \(octo/site\)"):
        check_personal_token(pat_target(server, "gitlab"), "glpat-good")


def test_gitea_token_checks_user_and_push(server, client):
    assert check_personal_token(pat_target(server, "gitea"), "gitea-good").user == "tea"
    server.push = False
    with pytest.raises(AuthError, match=r"tea does not have write access to this repo \(octo/site\)"):
        check_personal_token(pat_target(server, "gitea"), "gitea-good")


def test_bitbucket_app_password_checks_repository_permission():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/2.0/user":
            return httpx.Response(200, json={"username": "bb"})
        return httpx.Response(200, json={"values": [{"permission": "read"}]})

    with pytest.raises(AuthError, match="bb has no write permission on the Bitbucket repository octo/site \\(read\\)"):
        check_personal_token(LoginTarget(backend="bitbucket", repo="octo/site"), "bb:app-pass",
                             transport=httpx.MockTransport(handler))
    assert {r.headers["Authorization"] for r in seen} == {"Basic YmI6YXBwLXBhc3M="}  # base64 of bb:app-pass
    asked = [r for r in seen if r.url.path == "/2.0/user/permissions/repositories"]
    assert asked and 'repository.full_name="octo/site"' in str(asked[0].url.params["q"])
