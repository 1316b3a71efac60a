"""HostSession: how the app turns a login into adapters, renews tokens for them, and swaps in a new login."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from editor_app.auth.service import LoginService
from editor_app.auth.target import LoginTarget
from editor_app.auth.token_store import TokenStore
from editor_app.auth.tokens import Session, Token
from editor_app.backends.aws_cognito_github_proxy import AwsCognitoGitHubProxyBackend
from editor_app.backends.base import BackendSettings, Credentials
from editor_app.backends.github import GitHubBackend
from editor_app.ui.host_session import HostSession
from tests.fakes.auth_servers import FakeAuthServer


@pytest.fixture
def server():
    fake = FakeAuthServer().start()
    yield fake
    fake.stop()


class RenewingAdapter:
    """Records what the app gives an adapter through `Backend.connect` (credentials, refresh, on_wait,
    read_cache)."""

    def __init__(self, settings, client, *, refresh=None, on_wait=None, read_cache=None) -> None:
        self.settings, self.client, self.refresh, self.on_wait = settings, client, refresh, on_wait
        self.read_cache = read_cache
        self.closed = False

    @classmethod
    def connect(cls, settings, credentials, transport=None, **kwargs):
        adapter = cls(settings, None, **kwargs)
        adapter.credentials = credentials
        return adapter

    def close(self) -> None:
        self.closed = True


def gitlab_session(server: FakeAuthServer, service: LoginService, refresh_token: str = "rt-seed"):
    server.refresh_tokens[refresh_token] = "pkce"
    target = LoginTarget(backend="gitlab", site="https://docs.example.org", repo="team/docs",
                         base_url=server.base_url, auth_type="pkce", app_id=server.client_id,
                         site_url="https://docs.example.org")
    token = Token(access_token="at-old", refresh_token=refresh_token, expires_at=1.0, method="pkce")
    return target, Session(site=target.site, backend="gitlab", token=token)


def test_an_adapter_gets_the_sessions_token_as_credentials_and_a_way_to_renew_it(server):
    service = LoginService(TokenStore())
    target, session = gitlab_session(server, service)
    host = HostSession(target, BackendSettings(name="gitlab", repo="team/docs"), RenewingAdapter, session, service)
    renewed: list[Session] = []
    host.on_renewed = renewed.append

    adapter = host.connect()
    assert adapter.credentials == Credentials(token="at-old", refresh_token="rt-seed", expires_at=1.0)
    fresh = adapter.refresh(adapter.credentials)

    assert fresh.token == server.issued[-1] and fresh.token != "at-old" and fresh.refresh_token != "rt-seed"
    assert host.session.token.access_token == fresh.token and renewed == [host.session]
    assert service.store.load(target.site, "gitlab").access_token == fresh.token  # kept for the next start
    service.close()


def test_every_adapter_is_built_through_the_one_connect_signature_github_sending_the_token_as_is():
    service = LoginService(TokenStore())
    target = LoginTarget(backend="github", site="https://blog.example.org", repo="octo/site")
    session = Session(site=target.site, backend="github", token=Token(access_token="ghp_x", method="pat"))
    host = HostSession(target, BackendSettings(name="github", repo="octo/site", api_root="http://127.0.0.1:9"),
                       GitHubBackend, session, service)

    adapter = host.connect()

    assert isinstance(adapter, GitHubBackend)
    assert adapter.http.client.headers["Authorization"] == "token ghp_x"
    adapter.close()
    service.close()


def test_a_new_login_replaces_the_open_workspaces_adapter_and_closes_the_old_one(server):
    service = LoginService(TokenStore())
    target, session = gitlab_session(server, service)
    host = HostSession(target, BackendSettings(name="gitlab", repo="team/docs"), RenewingAdapter, session, service)
    old = host.connect()
    workspace = SimpleNamespace(backend=old)
    new_session = session.with_token(Token(access_token="at-new", method="pkce"))

    host.renew(new_session, workspace)

    assert old.closed and workspace.backend is not old
    assert workspace.backend.credentials.token == "at-new"
    assert service.store.load(target.site, "gitlab").access_token == "at-new"
    service.close()


def test_a_refused_renewal_reads_as_an_expired_login_so_the_window_offers_to_log_in_again(server):
    from editor_app.errors import AuthError

    service = LoginService(TokenStore())
    target, session = gitlab_session(server, service)
    server.refresh_tokens.clear()  # the provider no longer knows the refresh token
    host = HostSession(target, BackendSettings(name="gitlab", repo="team/docs"), RenewingAdapter, session, service)
    adapter = host.connect()

    with pytest.raises(AuthError) as caught:
        adapter.refresh(adapter.credentials)

    assert caught.value.expired and "refresh token is invalid" in str(caught.value)
    assert host.session is session
    service.close()


def test_an_adapter_that_saw_the_old_token_gets_the_already_renewed_one_without_spending_another_refresh(server):
    service = LoginService(TokenStore())
    target, session = gitlab_session(server, service)
    host = HostSession(target, BackendSettings(name="gitlab", repo="team/docs"), RenewingAdapter, session, service)
    adapter = host.connect()
    stale = adapter.credentials

    renewed = host.refresh_now()  # the window renews the login before it lapses
    issued = len(server.issued)
    again = adapter.refresh(stale)  # then the adapter, still holding the old token, is refused once

    assert again.token == renewed.token.access_token and len(server.issued) == issued
    service.close()


def test_the_app_gives_adapters_its_git_cache_and_github_reads_over_git_with_a_store_below_it(tmp_path):
    service = LoginService(TokenStore())
    target = LoginTarget(backend="github", site="https://blog.example.org", repo="octo/site")
    session = Session(site=target.site, backend="github", token=Token(access_token="ghp_x", method="pat"))
    settings = BackendSettings(name="github", repo="octo/site", api_root="http://127.0.0.1:9/api/v3")
    cache = tmp_path / "cache"

    recorded = HostSession(target, settings, RenewingAdapter, session, service, read_cache=cache).connect()
    github = HostSession(target, settings, GitHubBackend, session, service, read_cache=cache).connect()
    plain = HostSession(target, settings, GitHubBackend, session, service).connect()

    assert recorded.read_cache == cache
    assert github.git_route is not None and github.read_route == "git"
    assert github.git_route.reader.url == "http://127.0.0.1:9/octo/site.git"
    assert github.git_route.reader.store.path.is_relative_to(cache)
    assert plain.git_route is None and plain.read_route == "api"  # no cache given: the API, as before
    github.close()
    plain.close()
    service.close()


def test_the_cognito_proxy_adapter_ignores_the_git_cache_and_reads_through_its_proxy(tmp_path):
    service = LoginService(TokenStore())
    target = LoginTarget(backend="aws-cognito-github-proxy", site="https://blog.example.org", repo="octo/site")
    session = Session(site=target.site, backend="aws-cognito-github-proxy",
                      token=Token(access_token="cognito-jwt", method="pkce"))
    settings = BackendSettings(name="aws-cognito-github-proxy", repo="octo/site",
                               api_root="https://proxy.example.org/github", base_url="https://auth.example.org")

    adapter = HostSession(target, settings, AwsCognitoGitHubProxyBackend, session, service,
                          read_cache=tmp_path / "cache").connect()

    assert adapter.git_route is None and adapter.read_route == "api"
    assert not (tmp_path / "cache").exists()
    adapter.close()
    service.close()
