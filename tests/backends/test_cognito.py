"""aws-cognito-github-proxy: a PKCE login against Cognito's hosted UI, then GitHub through the proxy with that token.

The contract and host-fault suites run this adapter too (conftest.py); these tests cover what differs
from GitHub: the login, the user from Cognito, Bearer tokens, and every GitHub call under the proxy's path.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from editor_app.auth.oauth import PkceFlow, refresh_oauth_token
from editor_app.auth.service import LoginService
from editor_app.auth.target import target_from_config
from editor_app.auth.token_store import TokenStore
from editor_app.auth.tokens import Token
from editor_app.backends import BACKENDS
from editor_app.backends.aws_cognito_github_proxy import AwsCognitoGitHubProxyBackend
from editor_app.backends.base import BackendSettings, Credentials, FileChange
from editor_app.errors import AuthError, ContentError
from tests.backends.conftest import FIXTURE_FILES
from tests.fakes.cognito import BASE_PATH, FakeCognito, cognito_settings, make_fake_cognito
from tests.fakes.server import serve

SCOPE = "https://api.github.com/repo openid email"


@pytest.fixture
def cognito() -> Iterator[tuple[FakeCognito, str]]:
    """The fake Cognito domain + proxy on 127.0.0.1, and its origin."""
    fake, _token = make_fake_cognito(FIXTURE_FILES)
    with serve(fake) as url:
        yield fake, url


def site_config(origin: str) -> dict[str, object]:
    return {
        "site_url": "https://garden.example.org",
        "backend": {
            "name": "aws-cognito-github-proxy", "repo": "o/r", "branch": "main",
            "api_root": origin + BASE_PATH, "base_url": origin, "app_id": "cognito-app-client",
        },
    }


def log_in(fake: FakeCognito, origin: str, client: httpx.Client) -> tuple[PkceFlow, object]:
    """Drive the hosted UI as the embedded browser would: open authorize_url, catch the redirect, complete."""
    target = target_from_config(site_config(origin))
    flow = LoginService(TokenStore(), client).browser_flow(target)
    assert isinstance(flow, PkceFlow)
    answer = client.get(flow.authorize_url)
    assert answer.status_code == 302
    token = flow.complete(answer.headers["Location"])
    return flow, token


def test_the_config_implies_a_pkce_login_against_the_cognito_domain() -> None:
    target = target_from_config(site_config("https://auth.garden.example.org"))
    assert target.method == "pkce"
    assert target.oauth_endpoints() == (
        "https://auth.garden.example.org/oauth2/authorize",
        "https://auth.garden.example.org/oauth2/token",
        SCOPE,
    )
    assert target.token_content_type == "application/x-www-form-urlencoded"


def test_pkce_login_asks_for_github_scopes_with_an_s256_challenge(cognito) -> None:
    fake, origin = cognito
    target = target_from_config(site_config(origin))
    with httpx.Client() as client:
        flow = LoginService(TokenStore(), client).browser_flow(target)
        query = parse_qs(urlsplit(flow.authorize_url).query)
    assert query["client_id"] == ["cognito-app-client"]
    assert query["response_type"] == ["code"]
    assert query["scope"] == [SCOPE]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["https://garden.example.org/admin/"]


def test_a_pkce_login_gives_a_token_that_opens_the_repository_through_the_proxy(cognito) -> None:
    fake, origin = cognito
    with httpx.Client() as client:
        _flow, token = log_in(fake, origin, client)
    # Cognito's token endpoint takes only a form: the code and the verifier went as one.
    content_type, body = fake.token_bodies[-1]
    assert content_type.startswith("application/x-www-form-urlencoded")
    assert {"grant_type", "code", "code_verifier", "client_id", "redirect_uri"} <= set(parse_qs(body))
    assert token.refresh_token and token.expires_at
    adapter = BACKENDS["aws-cognito-github-proxy"]
    assert adapter is AwsCognitoGitHubProxyBackend
    backend = adapter.connect(cognito_settings(origin), Credentials(token.access_token))
    try:
        user = backend.current_user()
        assert (user.login, user.email, user.can_write) == ("ada", "ada@example.org", True)
        assert backend.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]
    finally:
        backend.close()


def test_a_refreshed_cognito_token_keeps_its_refresh_token(cognito) -> None:
    fake, origin = cognito
    with httpx.Client() as client:
        _flow, token = log_in(fake, origin, client)
        renewed = refresh_oauth_token(target_from_config(site_config(origin)), token, client)
    assert renewed.access_token != token.access_token
    # Cognito sends no new refresh token: the old one stays usable.
    assert renewed.refresh_token == token.refresh_token
    assert fake.token_bodies[-1][0].startswith("application/x-www-form-urlencoded")


def test_every_github_call_goes_under_the_proxy_path_with_the_bearer_token(cognito) -> None:
    fake, origin = cognito
    token = fake.issue()["access_token"]
    backend = AwsCognitoGitHubProxyBackend.connect(cognito_settings(origin), Credentials(token))
    try:
        backend.current_user()
        backend.read_files(backend.list_files("content/posts", extension="md").files)
        backend.commit([FileChange("content/posts/new.md", b"new\n", expected_id="")], "Create Post “new”")
    finally:
        backend.close()
    paths = [entry.path for entry in fake.log.matching()]
    assert paths[0] == "/oauth2/userInfo"
    assert paths[1:] and all(path.startswith(BASE_PATH + "/") for path in paths[1:])
    assert "/proxy/graphql" in paths  # batched reads use GitHub's GraphQL behind the proxy too
    # The proxy's own GitHub credentials did the writing; GitHub never saw the Cognito token.
    assert fake.github.log.count("POST", r"/repos/o/r/git/commits") == 1


def test_the_user_comes_from_cognito_without_a_write_access_check(cognito) -> None:
    fake, origin = cognito
    backend = AwsCognitoGitHubProxyBackend.connect(cognito_settings(origin), Credentials(fake.issue()["access_token"]))
    try:
        backend.current_user()
    finally:
        backend.close()
    assert fake.github.log.count("GET", r"/repos/o/r$") == 0
    assert fake.github.log.count("GET", r"/user") == 0


def test_a_token_cognito_does_not_know_is_an_auth_error(cognito) -> None:
    fake, origin = cognito
    backend = AwsCognitoGitHubProxyBackend.connect(cognito_settings(origin), Credentials("cog-at-forged"))
    try:
        with pytest.raises(AuthError) as user_refused:
            backend.current_user()
        with pytest.raises(AuthError) as proxy_refused:
            backend.list_files("content")
    finally:
        backend.close()
    assert user_refused.value.expired and proxy_refused.value.expired
    assert "cog-at-forged" not in str(proxy_refused.value)


def test_an_expired_token_is_refused_by_the_proxy_as_expired(cognito) -> None:
    fake, origin = cognito
    token = fake.issue()["access_token"]
    backend = AwsCognitoGitHubProxyBackend.connect(cognito_settings(origin), Credentials(token))
    try:
        backend.head()
        fake.expire(token)
        with pytest.raises(AuthError, match="expired") as caught:
            backend.head()
    finally:
        backend.close()
    assert caught.value.expired


@pytest.mark.parametrize("missing", ["api_root", "base_url"])
def test_the_proxy_and_the_cognito_domain_are_required(missing: str) -> None:
    values = {"api_root": "https://proxy.example.org/prod", "base_url": "https://auth.example.org"}
    values[missing] = ""
    settings = BackendSettings(name="aws-cognito-github-proxy", repo="o/r", **values)  # type: ignore[arg-type]
    with pytest.raises(ContentError, match=missing):
        AwsCognitoGitHubProxyBackend.connect(
            settings, Credentials("t"), transport=httpx.MockTransport(lambda r: httpx.Response(500))
        )


def test_an_expired_cognito_token_is_renewed_once_and_the_request_repeated(cognito) -> None:
    fake, origin = cognito
    target = target_from_config(site_config(origin))
    with httpx.Client() as client:
        _flow, token = log_in(fake, origin, client)
        renewals: list[str] = []

        def refresh(stale: Credentials) -> Credentials:
            renewed = refresh_oauth_token(
                target, Token(stale.token, refresh_token=stale.refresh_token, method="pkce"), client
            )
            renewals.append(renewed.access_token)
            return Credentials(renewed.access_token, refresh_token=renewed.refresh_token, expires_at=renewed.expires_at)

        backend = AwsCognitoGitHubProxyBackend.connect(
            cognito_settings(origin),
            Credentials(token.access_token, refresh_token=token.refresh_token),
            refresh=refresh,
        )
        try:
            fake.expire(token.access_token)
            assert backend.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]
            assert backend.current_user().login == "ada"
        finally:
            backend.close()
    assert len(renewals) == 1
    assert backend.credentials is not None and backend.credentials.token == renewals[0]
    assert backend.credentials.refresh_token == token.refresh_token
