"""The OAuth flows without a browser: URLs they open, what they accept back, token exchange and refresh."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from editor_app.auth.oauth import ImplicitFlow, LoginError, PkceFlow, make_verifier, refresh_oauth_token, s256_challenge
from editor_app.auth.popup_protocol import PopupLogin
from editor_app.auth.target import LoginTarget, target_from_config
from editor_app.auth.tokens import Token, jwt_claims
from editor_app.errors import AuthError
from tests.fakes.auth_servers import make_jwt


def provider_target(server, backend="gitlab", auth_type="implicit", **kw) -> LoginTarget:
    return LoginTarget(
        backend=backend,
        site=server.base_url,
        repo="octo/site",
        base_url=server.base_url,
        auth_endpoint="oauth/authorize",
        auth_token_endpoint="oauth/token",
        auth_type=auth_type,
        app_id=server.client_id,
        site_url=server.base_url,
        **kw,
    )


def follow_to_redirect(url: str, redirect_uri: str) -> str:
    """What the embedded browser does: follow the provider until it points at the redirect URI."""
    with httpx.Client(timeout=5) as c:
        response = c.get(url)
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        assert location.startswith(redirect_uri)
        return location


# -- tokens and targets -------------------------------------------------------------------------------
def test_token_expiry_comes_from_expires_in_else_from_the_jwt_exp():
    assert Token.from_response({"access_token": "a", "expires_in": 3600}, method="pkce", now=1000).expires_at == 4600
    jwt = make_jwt({"exp": 999999})
    assert Token.from_response({"access_token": jwt}, method="gotrue", now=0).expires_at == 999999
    assert Token.from_response({"token": "plain"}, method="popup", now=0).expires_at is None
    assert jwt_claims("not.a-jwt") is None


def test_token_repr_never_shows_secrets():
    token = Token(access_token="SECRET-A", refresh_token="SECRET-R", expires_at=5)
    assert "SECRET" not in repr(token)
    assert Token.from_json(token.to_json()) == token


def test_target_defaults_follow_decap():
    github = LoginTarget(backend="github", site_url="https://www.example.org/blog")
    assert github.method == "popup"
    assert github.popup_base_url == "https://api.netlify.com"
    assert github.site_id == "www.example.org"
    assert github.popup_scope == "repo"
    assert LoginTarget(backend="github", open_authoring=True).popup_scope == "public_repo"
    assert LoginTarget(backend="github", scope="public_repo,user").popup_scope == "public_repo,user"
    assert LoginTarget(backend="gitlab").popup_scope == "api"
    assert LoginTarget(backend="gitea").method == "pkce"
    assert LoginTarget(backend="git-gateway", site_url="https://s.org").identity == "https://s.org/.netlify/identity"
    assert LoginTarget(backend="git-gateway", site_url="https://s.org").gateway == "https://s.org/.netlify/git"
    bitbucket = LoginTarget(backend="bitbucket", auth_type="implicit", site_url="https://s.org")
    assert bitbucket.oauth_endpoints() == (
        "https://bitbucket.org/site/oauth2/authorize",
        "https://bitbucket.org/site/oauth2/access_token",
        "repository:write",
    )
    assert bitbucket.oauth_redirect_uri == "https://s.org/admin/"


def test_target_from_a_raw_config_mapping():
    config = {
        "backend": {"name": "gitlab", "repo": "grp/site", "auth_type": "pkce", "app_id": "abc", "base_url": "https://git.example.org"},
        "site_url": "https://site.example.org",
    }
    target = target_from_config(config)
    assert (target.backend, target.repo, target.method, target.app_id) == ("gitlab", "grp/site", "pkce", "abc")
    assert target.oauth_endpoints()[0] == "https://git.example.org/oauth/authorize"
    assert target.site == "https://site.example.org"
    with pytest.raises(ValueError, match="backend.name"):
        target_from_config({"backend": {"repo": "x/y"}})


def test_target_from_the_typed_site_config():
    from editor_app.config.site_config import BackendConfig, SiteConfig

    config = SiteConfig(
        backend=BackendConfig(
            name="bitbucket", repo="team/site", auth_type="implicit", app_id="bb-app", branch=None,
            raw={"name": "bitbucket", "redirect_uri": "https://site.example.org/admin/callback"},
        ),
        collections=[],
        site_url="https://site.example.org",
    )
    target = target_from_config(config, device_client_id="ignored-for-bitbucket")
    assert (target.backend, target.repo, target.method, target.app_id, target.branch) == (
        "bitbucket", "team/site", "implicit", "bb-app", "main",
    )
    assert target.oauth_redirect_uri == "https://site.example.org/admin/callback"
    assert target.site == "https://site.example.org" and target.site_id == "site.example.org"


# -- popup protocol ----------------------------------------------------------------------------------
def test_popup_url_and_handshake():
    login = PopupLogin(
        LoginTarget(backend="github", base_url="https://auth.example.org/", site_domain="cms.example.org")
    )
    url = urlsplit(login.url)
    assert (url.scheme, url.hostname, url.path) == ("https", "auth.example.org", "/auth")
    assert dict(parse_qsl(url.query)) == {"provider": "github", "site_id": "cms.example.org", "scope": "repo"}
    origin = "https://auth.example.org"
    assert login.receive("authorizing:github", origin) == "authorizing:github"
    assert login.receive({"not": "protocol"}, origin) is None
    assert login.receive('authorization:github:success:{"token":"tok","provider":"github"}', origin) is None
    assert login.token is not None and login.token.access_token == "tok"
    assert login.raw == {"provider": "github"}


def test_popup_refuses_messages_from_another_origin():
    login = PopupLogin(LoginTarget(backend="github", base_url="https://auth.example.org"))
    with pytest.raises(LoginError, match="https://evil.example.com"):
        login.receive('authorization:github:success:{"token":"tok"}', "https://evil.example.com")
    assert login.token is None


def test_popup_ignores_unrelated_messages_from_pages_on_the_way():
    login = PopupLogin(LoginTarget(backend="github", base_url="https://auth.example.org"))
    assert login.receive("analytics:ready", "https://github.com") is None
    assert login.receive({"type": "resize"}, "https://github.com") is None
    assert login.token is None


def test_popup_reports_the_servers_error_message():
    login = PopupLogin(LoginTarget(backend="gitlab", base_url="https://auth.example.org"))
    with pytest.raises(LoginError, match="access_denied: the user refused"):
        login.receive('authorization:gitlab:error:{"message":"access_denied: the user refused"}', "https://auth.example.org")


def test_popup_ignores_another_providers_messages_and_rejects_bad_json():
    login = PopupLogin(LoginTarget(backend="github", base_url="https://a.org"))
    assert login.receive('authorization:gitlab:success:{"token":"x"}', "https://a.org") is None
    assert login.token is None
    with pytest.raises(LoginError, match="not valid JSON"):
        login.receive("authorization:github:success:{oops", "https://a.org")


# -- implicit ----------------------------------------------------------------------------------------
def test_implicit_login_takes_the_token_from_the_fragment(server):
    flow = ImplicitFlow(provider_target(server))
    query = dict(parse_qsl(urlsplit(flow.authorize_url).query))
    assert query["response_type"] == "token" and query["client_id"] == "app-123" and query["scope"] == "api"
    assert json.loads(query["state"]) == {"auth_type": "implicit", "nonce": flow.nonce}
    token = flow.complete(follow_to_redirect(flow.authorize_url, flow.redirect_uri))
    assert token.access_token == server.issued[-1]
    assert token.expires_at is not None and token.method == "implicit" and token.refresh_token is None


def test_implicit_login_refuses_a_wrong_state(server):
    server.wrong_state = True
    flow = ImplicitFlow(provider_target(server))
    with pytest.raises(LoginError, match="state does not match"):
        flow.complete(follow_to_redirect(flow.authorize_url, flow.redirect_uri))


def test_implicit_login_reports_the_providers_error(server):
    server.provider_error = "access_denied"
    flow = ImplicitFlow(provider_target(server))
    with pytest.raises(LoginError, match="access_denied: The user denied access"):
        flow.complete(follow_to_redirect(flow.authorize_url, flow.redirect_uri))


def test_implicit_login_needs_an_app_id():
    with pytest.raises(LoginError, match="app_id"):
        _ = ImplicitFlow(LoginTarget(backend="bitbucket", auth_type="implicit", site_url="https://s.org")).authorize_url


def test_every_login_gets_a_fresh_nonce(server):
    assert ImplicitFlow(provider_target(server)).nonce != ImplicitFlow(provider_target(server)).nonce


# -- PKCE --------------------------------------------------------------------------------------------
def test_pkce_verifier_and_s256_challenge():
    verifier = make_verifier()
    assert len(verifier) == 128 and verifier != make_verifier()
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert s256_challenge(verifier) == expected
    # RFC 7636 appendix B example
    assert (
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_pkce_login_exchanges_the_code_with_the_verifier_and_refreshes(server, client):
    target = provider_target(server, auth_type="pkce")
    flow = PkceFlow(target, client)
    query = dict(parse_qsl(urlsplit(flow.authorize_url).query))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] == s256_challenge(flow.verifier)
    token = flow.complete(follow_to_redirect(flow.authorize_url, flow.redirect_uri))
    assert token.access_token == server.issued[-1] and token.refresh_token and token.method == "pkce"
    exchange = server.requests[-1]
    assert exchange.body["grant_type"] == "authorization_code" and exchange.body["code_verifier"] == flow.verifier
    assert exchange.headers["Content-Type"].startswith("application/json")

    renewed = refresh_oauth_token(target, token, client)
    assert renewed.access_token == server.issued[-1] != token.access_token
    assert server.requests[-1].body["grant_type"] == "refresh_token"
    with pytest.raises(AuthError) as info:  # the old refresh token was used up
        refresh_oauth_token(target, token, client)
    assert info.value.expired


def test_pkce_login_fails_when_the_verifier_is_wrong(server, client):
    flow = PkceFlow(provider_target(server, auth_type="pkce"), client)
    location = follow_to_redirect(flow.authorize_url, flow.redirect_uri)
    flow.verifier = make_verifier()
    with pytest.raises(AuthError, match="PKCE verification failed"):
        flow.complete(location)


def test_pkce_login_refuses_a_wrong_state_before_exchanging_the_code(server, client):
    server.wrong_state = True
    flow = PkceFlow(provider_target(server, auth_type="pkce"), client)
    with pytest.raises(LoginError, match="state does not match"):
        flow.complete(follow_to_redirect(flow.authorize_url, flow.redirect_uri))
    assert "/oauth/token" not in server.paths()


def test_git_gateway_pkce_sends_a_form(server, client):
    flow = PkceFlow(provider_target(server, backend="git-gateway", auth_type="pkce"), client)
    flow.complete(follow_to_redirect(flow.authorize_url, flow.redirect_uri))
    assert server.requests[-1].headers["Content-Type"].startswith("application/x-www-form-urlencoded")


def test_netlify_popup_needs_a_site_domain():
    with pytest.raises(LoginError, match="site_domain or site_url"):
        _ = PopupLogin(LoginTarget(backend="github")).url


def test_sandbox_proxy_and_local_backends_need_no_login():
    assert {LoginTarget(backend=b).method for b in ("test-repo", "proxy", "local")} == {"none"}


def test_failed_logins_keep_secrets_out_of_messages_and_tracebacks(server, client):
    import traceback

    flow = PkceFlow(provider_target(server, auth_type="pkce"), client)
    location = follow_to_redirect(flow.authorize_url, flow.redirect_uri)
    code = dict(parse_qsl(urlsplit(location).query))["code"]
    real_verifier = flow.verifier
    flow.verifier = make_verifier()  # the exchange fails
    with pytest.raises(AuthError) as info:
        flow.complete(location)
    report = "".join(traceback.format_exception(info.value))  # what a crash report would hold
    for secret in (code, flow.verifier, real_verifier):
        assert secret not in report and secret not in repr(flow)

    server.wrong_state = True
    implicit = ImplicitFlow(provider_target(server))
    location = follow_to_redirect(implicit.authorize_url, implicit.redirect_uri)
    token = dict(parse_qsl(urlsplit(location).fragment))["access_token"]
    with pytest.raises(LoginError) as info:
        implicit.complete(location)
    assert token not in "".join(traceback.format_exception(info.value))
