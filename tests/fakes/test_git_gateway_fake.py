"""The fake Git Gateway's own semantics (Identity, settings, the gateway's checks and forwarding), over HTTP."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.fakes.bitbucket import FakeBitbucket
from tests.fakes.git_gateway import FakeGitGateway, IdentityUser
from tests.fakes.git_store import GitStore
from tests.fakes.github import FakeGitHub
from tests.fakes.gitlab import FakeGitLab

SITE = "https://site.example.test"
HOST_TOKEN = "host-token"
EDITOR = IdentityUser("ed@example.org", "s3cret", ["editor"], "Ed Itor")
READER = IdentityUser("rea@example.org", "r3ad", ["reader"])


class Clock:
    """A settable clock, so tokens can expire without waiting."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def github() -> FakeGitHub:
    fake = FakeGitHub(GitStore(), owner="garden", repo="site", default_branch="main", tokens={HOST_TOKEN: "garden"})
    for i in range(3):
        fake.commit_files("garden/site", "main", {f"posts/p{i}.md": b"post %d\n" % i}, f"Post {i}")
    return fake


@pytest.fixture
def upstream() -> list[httpx.Request]:
    """The requests the gateway sent on to the host."""
    return []


@pytest.fixture
def gateway(github: FakeGitHub, clock: Clock, upstream: list[httpx.Request]) -> FakeGitGateway:
    def host(request: httpx.Request) -> httpx.Response:
        upstream.append(request)
        return github(request)

    return FakeGitGateway("github", host, repo="garden/site", host_token=HOST_TOKEN, host_base="https://api.github.com",
                          users=[EDITOR, READER], roles=["editor"], clock=clock)


def client(gateway: FakeGitGateway, jwt: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=SITE, transport=httpx.MockTransport(gateway),
                        headers={"Authorization": f"Bearer {jwt}"} if jwt else {})


def login(gateway: FakeGitGateway, user: IdentityUser = EDITOR) -> dict[str, Any]:
    answer = client(gateway).post("/.netlify/identity/token",
                                  data={"grant_type": "password", "username": user.email, "password": user.password})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_password_login_returns_a_bearer_jwt_that_opens_the_users_own_record(gateway: FakeGitGateway) -> None:
    grant = login(gateway)
    assert grant["token_type"] == "bearer" and grant["expires_in"] == 3600 and grant["refresh_token"]
    claims = json.loads(base64.urlsafe_b64decode(grant["access_token"].split(".")[1] + "=="))
    assert claims["email"] == EDITOR.email and claims["app_metadata"]["roles"] == ["editor"]
    user = client(gateway, grant["access_token"]).get("/.netlify/identity/user")
    assert user.status_code == 200
    assert user.json()["email"] == EDITOR.email and user.json()["user_metadata"] == {"full_name": "Ed Itor"}


def test_a_wrong_password_is_an_invalid_grant(gateway: FakeGitGateway) -> None:
    answer = client(gateway).post("/.netlify/identity/token",
                                  data={"grant_type": "password", "username": EDITOR.email, "password": "nope"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_a_refresh_token_works_once(gateway: FakeGitGateway) -> None:
    refresh = {"grant_type": "refresh_token", "refresh_token": login(gateway)["refresh_token"]}
    again = client(gateway).post("/.netlify/identity/token", data=refresh)
    assert again.status_code == 200
    assert client(gateway, again.json()["access_token"]).get("/.netlify/identity/user").status_code == 200
    replayed = client(gateway).post("/.netlify/identity/token", data=refresh)
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"


def test_an_expired_jwt_is_refused_with_401_invalid_token(gateway: FakeGitGateway, clock: Clock) -> None:
    jwt = login(gateway)["access_token"]
    assert client(gateway, jwt).get("/.netlify/git/github/branches/main").status_code == 200
    clock.now += 3601
    for path in ("/.netlify/git/github/branches/main", "/.netlify/identity/user", "/.netlify/git/settings"):
        answer = client(gateway, jwt).get(path)
        assert answer.status_code == 401, path
        assert answer.json()["code"] == 401 and answer.json()["msg"].startswith("Invalid token: ")


def test_a_forged_jwt_is_refused_with_401_invalid_token(gateway: FakeGitGateway) -> None:
    head, body, signature = login(gateway)["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    promoted = (
        base64.urlsafe_b64encode(json.dumps({**claims, "email": "boss@example.org"}).encode()).rstrip(b"=").decode()
    )
    forged = [f"{head}.{promoted}.{signature}", "not-a-jwt", f"{head}.{body}."]
    for jwt in forged:
        answer = client(gateway, jwt).get("/.netlify/git/github/branches/main")
        assert answer.status_code == 401, jwt
        assert answer.json()["code"] == 401 and answer.json()["msg"].startswith("Invalid token: ")
    assert gateway.forwarded == 0


def test_no_token_at_all_is_refused_with_401(gateway: FakeGitGateway) -> None:
    answer = client(gateway).get("/.netlify/git/github/branches/main")
    assert answer.status_code == 401 and answer.json()["msg"].startswith("Invalid token: ")


def test_a_user_without_the_sites_roles_is_refused_on_the_gateway_but_may_read_the_settings(
    gateway: FakeGitGateway,
) -> None:
    reader = client(gateway, login(gateway, READER)["access_token"])
    denied = reader.get("/.netlify/git/github/branches/main")
    assert denied.status_code == 401 and denied.json()["msg"].endswith("your role doesn't allow access")
    settings = reader.get("/.netlify/git/settings")
    assert settings.status_code == 200 and settings.json()["roles"] == ["editor"]
    assert gateway.forwarded == 0


@pytest.mark.parametrize("host", ["github", "gitlab", "bitbucket"])
def test_the_settings_enable_exactly_the_sites_host(host: str) -> None:
    gateway = FakeGitGateway(host, lambda request: httpx.Response(500), repo="garden/site", host_token=HOST_TOKEN,
                             users=[EDITOR])
    settings = client(gateway, login(gateway)["access_token"]).get("/.netlify/git/settings").json()
    assert settings == {"github_enabled": host == "github", "gitlab_enabled": host == "gitlab",
                        "bitbucket_enabled": host == "bitbucket", "roles": None}


def test_another_hosts_gateway_path_is_not_found(gateway: FakeGitGateway) -> None:
    answer = client(gateway, login(gateway)["access_token"]).get("/.netlify/git/gitlab/repository/tree")
    assert answer.status_code == 404 and gateway.forwarded == 0


def test_a_forwarded_github_list_pages_with_links_to_the_repository_by_id(
        gateway: FakeGitGateway, github: FakeGitHub, upstream: list[httpx.Request]) -> None:
    answer = client(gateway, login(gateway)["access_token"]).get("/.netlify/git/github/commits",
                                                                 params={"sha": "main", "per_page": "1"})
    assert answer.status_code == 200 and len(answer.json()) == 1
    assert answer.json()[0]["sha"] == github.repos["garden/site"].store.branch("main")
    link = answer.headers["Link"]
    assert f'<https://api.github.com/repositories/{gateway.repository_id}/commits?' in link
    assert 'rel="next"' in link and "page=2" in link and "/repos/garden/site" not in link
    # the host saw the repository's own path and the site's host token, not the user's JWT
    assert [(r.url.path, r.headers["Authorization"]) for r in upstream] == [
        ("/repos/garden/site/commits", f"Bearer {HOST_TOKEN}")]


def test_a_forwarded_write_reaches_the_host_under_the_repositorys_prefix(
    gateway: FakeGitGateway, github: FakeGitHub
) -> None:
    blob = client(gateway, login(gateway)["access_token"]).post("/.netlify/git/github/git/blobs",
                                                                json={"content": "hello\n", "encoding": "utf-8"})
    assert blob.status_code == 201
    assert github.repos["garden/site"].store.blob(blob.json()["sha"]) == b"hello\n"


def test_bitbucket_forwarding_works_with_the_bitbucket_fake() -> None:
    bitbucket = FakeBitbucket(GitStore(), repo="garden/site", default_branch="main", tokens={HOST_TOKEN: "ada"})
    head = bitbucket.commit_files("main", {"posts/a.md": b"a\n", "posts/b.md": b"b\n"}, "Seed")
    gateway = FakeGitGateway("bitbucket", bitbucket, repo="garden/site", host_token=HOST_TOKEN,
                             host_base="https://api.bitbucket.org", users=[EDITOR])
    site = client(gateway, login(gateway)["access_token"])
    listing = site.get(f"/.netlify/git/bitbucket/src/{head}/posts")
    assert listing.status_code == 200, listing.text
    assert sorted(v["path"] for v in listing.json()["values"]) == ["posts/a.md", "posts/b.md"]
    raw = site.get(f"/.netlify/git/bitbucket/src/{head}/posts/a.md")
    assert raw.status_code == 200 and raw.content == b"a\n"
    assert gateway.forwarded == 2


def test_a_forwarded_gitlab_list_pages_with_links_relative_to_the_gateway() -> None:
    gitlab = FakeGitLab(GitStore(), project="group/sub/site", default_branch="main", tokens={HOST_TOKEN: "owner"})
    gitlab.commit_files("main", {f"posts/p{i}.md": b"post %d\n" % i for i in range(3)}, "Seed")
    gateway = FakeGitGateway("gitlab", gitlab, repo="group/sub/site", host_token=HOST_TOKEN, host_base="https://gitlab.com",
                             users=[EDITOR])
    answer = client(gateway, login(gateway)["access_token"]).get(
        "/.netlify/git/gitlab/repository/tree", params={"path": "posts", "ref": "main", "per_page": "1"})
    assert answer.status_code == 200 and len(answer.json()) == 1 and answer.headers["X-Next-Page"] == "2"
    # as the Git Gateway (GitLab) recordings show: `</repository/tree?...>; rel="next"`, nothing of gitlab.com
    assert answer.links["next"]["url"].startswith("/repository/tree?") and "gitlab.com" not in answer.headers["Link"]


def test_logout_ends_the_jwt_and_the_users_refresh_tokens(gateway: FakeGitGateway) -> None:
    grant = login(gateway)
    assert client(gateway, grant["access_token"]).post("/.netlify/identity/logout").status_code == 204
    assert client(gateway, grant["access_token"]).get("/.netlify/identity/user").status_code == 401
    refreshed = client(gateway).post("/.netlify/identity/token",
                                     data={"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]})
    assert refreshed.status_code == 400
    assert client(gateway, "not-a-jwt").post("/.netlify/identity/logout").status_code == 401


def test_an_external_provider_login_redirects_back_with_the_tokens_in_the_fragment(gateway: FakeGitGateway) -> None:
    from urllib.parse import parse_qsl, urlsplit

    answer = client(gateway).get("/.netlify/identity/authorize",
                                 params={"provider": "github", "redirect_to": "https://site.example/", "state": "n1"})
    target = urlsplit(answer.headers["Location"])
    fragment = dict(parse_qsl(target.fragment))
    assert answer.status_code == 302 and target.netloc == "site.example"
    assert fragment["state"] == "n1" and fragment["token_type"] == "bearer"
    assert gateway.claims(fragment["access_token"])["email"]
    refused = client(gateway).get("/.netlify/identity/authorize", params={"provider": "google", "redirect_to": "https://site.example/"})
    assert "error=invalid_request" in refused.headers["Location"]
