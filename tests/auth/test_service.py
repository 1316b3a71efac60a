"""LoginService: stored logins, renewing them before they expire, and the no-verify rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from editor_app.auth.service import LoginService
from editor_app.auth.target import LoginTarget
from editor_app.auth.token_store import TokenStore
from editor_app.auth.tokens import Session, Token
from editor_app.errors import AuthError


@pytest.fixture
def service(client):
    now = [1_000_000.0]
    svc = LoginService(TokenStore(), client, clock=lambda: now[0])
    svc.now = now  # type: ignore[attr-defined]
    return svc


def pkce_target(server) -> LoginTarget:
    return LoginTarget(
        backend="gitlab", site="https://s.org", auth_type="pkce", base_url=server.base_url, app_id=server.client_id,
        site_url="https://s.org",
    )


def test_a_stored_login_is_used_until_shortly_before_it_expires_then_refreshed(service, server):
    target = pkce_target(server)
    grant = server._issue("pkce")
    token = Token.from_response(grant, method="pkce", now=service.now[0])  # valid for 7200 s
    service.store.save(target.site, "gitlab", token)
    assert service.stored_session(target).token == token
    service.now[0] += 7200 - 60  # within the refresh margin
    renewed = service.stored_session(target)
    assert renewed is not None and renewed.token.access_token == server.issued[-1] != token.access_token
    assert service.store.load(target.site, "gitlab") == renewed.token  # the new token is kept


def test_an_expired_login_without_refresh_token_is_no_login(service, server):
    target = LoginTarget(backend="bitbucket", site="s", auth_type="implicit", site_url="https://s.org")
    service.store.save("s", "bitbucket", Token(access_token="t", expires_at=service.now[0] - 1, method="implicit"))
    assert service.stored_session(target) is None
    with pytest.raises(AuthError) as info:
        service.refresh(target, Session(site="s", backend="bitbucket", token=Token(access_token="t")))
    assert info.value.expired


def test_bitbucket_popup_login_is_renewed_through_the_auth_servers_refresh(service, server):
    target = LoginTarget(backend="bitbucket", site="s", base_url=server.base_url, site_domain="cms.example.org")
    grant = server._issue("popup")
    session = Session(
        site="s",
        backend="bitbucket",
        token=Token(access_token=grant["access_token"], refresh_token=grant["refresh_token"], method="popup"),
    )
    renewed = service.refresh(target, session)
    assert renewed.token.access_token == server.issued[-1] and renewed.token.refresh_token
    call = server.requests[-1]
    assert (call.method, call.path) == ("POST", "/auth/refresh")
    assert call.query["provider"] == "bitbucket" and call.query["site_id"] == "cms.example.org"


def test_git_gateway_login_is_renewed_through_gotrue(service, server):
    target = LoginTarget(backend="git-gateway", site=server.base_url, site_url=server.base_url)
    session = service.password_login(target, "ed@example.org", "s3cret")
    assert session.host == "github"
    renewed = service.refresh(target, session)
    assert renewed.token.access_token != session.token.access_token and renewed.host == "github"


def test_no_code_turns_certificate_verification_off():
    root = Path(__file__).resolve().parents[2] / "editor_app"
    offenders = [
        str(path.relative_to(root))
        for folder in ("auth", "ui")
        for path in (root / folder).rglob("*.py")
        if re.search(r"verify\s*=\s*False", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_git_gateway_pkce_login_reads_the_host_and_the_email_claim(service, server):
    from tests.fakes.auth_servers import make_jwt

    jwt = make_jwt({"exp": 2_000_000_000, "email": "oidc@example.org"})
    server.issued.append(jwt)  # the gateway accepts the provider's token
    target = LoginTarget(backend="git-gateway", site=server.base_url, site_url=server.base_url, auth_type="pkce")
    session = service.finish(target, Token(access_token=jwt, method="pkce"))
    assert (session.user, session.host) == ("oidc@example.org", "github")
    assert "/.netlify/identity/user" not in server.paths()
