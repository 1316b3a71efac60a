"""Git Gateway: settings decide the host, roles gate the user, the JWT is renewed, commits name the user.

The shared contract and host-fault suites run against this adapter too ("git-gateway*" in conftest.py).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from editor_app.backends import BACKENDS
from editor_app.backends.base import BackendSettings, Credentials, FileChange
from editor_app.backends.git_gateway import gateway_root, split_host
from editor_app.errors import AuthError, ContentError
from tests.backends.conftest import FIXTURE_FILES
from tests.fakes.git_gateway_factories import EMAIL, SITE, connect, gotrue_refresh, login, make_fake_gateway, settings

POST = "content/posts/first.md"


def test_settings_choose_the_host_behind_the_gateway() -> None:
    for host in ("github", "gitlab", "bitbucket"):
        gateway = make_fake_gateway(host, FIXTURE_FILES)
        backend = connect(gateway, transport=httpx.MockTransport(gateway))
        assert backend.host == host
        assert backend.read_file(POST)[0] == FIXTURE_FILES[POST]
        assert gateway.log.count("GET", r"^/\.netlify/git/settings$") == 1
        assert gateway.log.count(None, rf"^/\.netlify/git/{host}/") >= 1
        backend.close()


def test_a_gateway_url_ending_in_the_host_skips_the_settings_call() -> None:
    gateway = make_fake_gateway("gitlab", FIXTURE_FILES)
    backend = BACKENDS["git-gateway"].connect(
        BackendSettings(name="git-gateway", branch="main", gateway_url=f"{SITE}/.netlify/git/gitlab"), login(gateway),
        transport=httpx.MockTransport(gateway))
    assert backend.host == "gitlab"
    assert backend.list_files("content/pages").files[0].path == "content/pages/about.md"
    assert gateway.log.count("GET", r"/settings$") == 0


def test_the_gateway_and_identity_default_to_the_site_url() -> None:
    assert gateway_root(BackendSettings(name="git-gateway", site_url="https://a.example/")) == "https://a.example/.netlify/git"
    assert gateway_root(BackendSettings(name="git-gateway", site_url="https://a.example", gateway_url="/gw")) == "https://a.example/gw"
    assert split_host("https://a.example/.netlify/git/bitbucket") == ("https://a.example/.netlify/git", "bitbucket")
    with pytest.raises(ContentError, match="site_url"):
        gateway_root(BackendSettings(name="git-gateway"))
    with pytest.raises(ContentError, match="http"):
        gateway_root(BackendSettings(name="git-gateway", gateway_url="ftp://a.example/git"))


def test_a_user_without_an_allowed_role_is_refused_before_anything_is_read() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES, roles=["admin", "publisher"])
    with pytest.raises(AuthError) as caught:
        connect(gateway, transport=httpx.MockTransport(gateway))
    message = str(caught.value)
    assert EMAIL in message and "admin, publisher" in message and "editor" in message
    assert not caught.value.expired
    assert gateway.forwarded == 0


def test_the_user_is_the_identity_user() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES)
    backend = connect(gateway, transport=httpx.MockTransport(gateway))
    user = backend.current_user()
    assert (user.login, user.email, user.name, user.can_write) == (EMAIL, EMAIL, "Ed Itor", True)


@pytest.mark.parametrize("host", ["github", "gitlab", "bitbucket"])
def test_commits_through_the_gateway_name_the_identity_user_as_author(host: str) -> None:
    gateway = make_fake_gateway(host, FIXTURE_FILES)
    backend = connect(gateway, transport=httpx.MockTransport(gateway))
    result = backend.commit(
        [FileChange(POST, b"---\ntitle: First\n---\nNew words.\n")], "Update Posts \u201cfirst\u201d"
    )
    store = gateway.host_fake.store if host != "github" else gateway.host_fake.repos["o/r"].store
    author = store.commit(result.commit).author
    assert (author.name, author.email) == ("Ed Itor", EMAIL)


def test_a_jwt_about_to_lapse_is_renewed_before_the_request() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES)
    transport = httpx.MockTransport(gateway)
    stale = login(gateway)
    stale = Credentials(stale.token, stale.refresh_token, gateway.clock() + 30)  # lapses within GoTrue's minute
    renewals: list[Credentials] = []
    refresh = gotrue_refresh(gateway, SITE, transport)

    def counting(credentials: Credentials) -> Credentials:
        renewals.append(refresh(credentials))
        return renewals[-1]

    backend = BACKENDS["git-gateway"].connect(settings(), stale, transport=transport, refresh=counting)
    assert len(renewals) == 1
    assert backend.credentials == renewals[0]
    assert backend.read_file(POST)[0] == FIXTURE_FILES[POST]
    assert len(renewals) == 1


def test_a_refused_jwt_is_renewed_once_for_all_threads_and_the_reads_go_on() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES)
    transport = httpx.MockTransport(gateway)
    refresh = gotrue_refresh(gateway, SITE, transport)
    renewals = []
    lock = threading.Lock()

    def counting(credentials: Credentials) -> Credentials:
        with lock:
            renewals.append(credentials)
        return refresh(credentials)

    backend = BACKENDS["git-gateway"].connect(settings(), login(gateway), transport=transport, refresh=counting)
    gateway.expire_all()  # the hour is over for every JWT issued so far
    paths = sorted(p for p in FIXTURE_FILES if p.endswith(".md"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        contents = list(pool.map(lambda p: backend.read_file(p)[0], paths))
    assert contents == [FIXTURE_FILES[p] for p in paths]
    assert len(renewals) == 1


def test_a_refused_jwt_without_a_refresh_token_asks_for_a_new_login() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES)
    backend = connect(gateway, transport=httpx.MockTransport(gateway), refresh=False)
    gateway.expire_all()
    with pytest.raises(AuthError) as caught:
        backend.read_file(POST)
    assert caught.value.expired


def test_page_links_naming_the_host_api_stay_on_the_gateway_with_the_jwt() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES)
    backend = connect(gateway, transport=httpx.MockTransport(gateway))
    answer = backend.inner.http.request("GET", f"https://api.github.com/repositories/{gateway.repository_id}/git/ref/heads/main")
    assert answer.json()["object"]["sha"] == backend.head()
    assert gateway.log.entries[-1].path == "/.netlify/git/github/git/ref/heads/main"


def test_the_jwt_never_goes_to_another_host() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES)
    seen: list[httpx.Request] = []

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host != "garden.example":
            seen.append(request)
            return httpx.Response(200, content=b"png")
        return gateway(request)

    backend = connect(gateway, transport=httpx.MockTransport(route))
    backend.inner.http.request("GET", "https://media.example.org/pixel.png")
    assert seen and "Authorization" not in seen[0].headers


def test_a_site_without_git_gateway_says_to_enable_it() -> None:
    def nothing_here(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"code": 404, "msg": "Not Found"})

    with pytest.raises(AuthError, match="enabled on your site"):
        BACKENDS["git-gateway"].connect(settings(), Credentials("jwt"), transport=httpx.MockTransport(nothing_here))


def test_settings_that_are_not_json_are_explained() -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>site</html>", headers={"Content-Type": "text/html"})

    with pytest.raises(AuthError, match="not returning valid settings"):
        BACKENDS["git-gateway"].connect(settings(), Credentials("jwt"), transport=httpx.MockTransport(html))


def test_the_host_refusing_the_gateway_token_asks_the_admin_to_reissue_it() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES)
    backend = connect(gateway, transport=httpx.MockTransport(gateway))
    gateway.host_token = "revoked-by-github"
    with pytest.raises(AuthError, match="reissue the Git Gateway token") as caught:
        backend.read_file(POST)
    assert not caught.value.expired


def test_the_site_branch_defaults_to_master_as_in_decap() -> None:
    gateway = make_fake_gateway("github", FIXTURE_FILES)
    gateway.host_fake.commit_files("o/r", "master", {"data/settings.yml": b"title: Master\n"}, "master branch")
    backend = BACKENDS["git-gateway"].connect(BackendSettings(name="git-gateway", site_url=SITE), login(gateway),
                                              transport=httpx.MockTransport(gateway))
    assert backend.default_branch() == "master"
    assert backend.read_file("data/settings.yml")[0] == b"title: Master\n"
