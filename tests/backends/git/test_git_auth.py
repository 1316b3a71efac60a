"""Tokens reach the Git endpoint in each host's documented form (checked by the server on every request)."""

from __future__ import annotations

import base64

import pytest

from editor_app.backends.git import BearerAuth, basic_auth
from editor_app.errors import AuthError
from tests.backends.git.conftest import TOKEN, MakeReader, ServeHost


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("github", basic("x-access-token", TOKEN)),
        ("gitlab", basic("oauth2", TOKEN)),
        ("bitbucket", basic("x-token-auth", TOKEN)),
        ("gitea", basic("editor", TOKEN)),
        ("azure", f"Bearer {TOKEN}"),
    ],
)
def test_every_request_carries_the_token_in_the_hosts_form(host: str, expected: str, serve_host: ServeHost,
                                                           make_reader: MakeReader) -> None:
    server = serve_host(host)
    reader = make_reader(server)

    head = reader.open("main", repository_size=5_000_000)
    reader.read_blobs([f.id for f in reader.list_files(head, "content/posts")])

    assert server.requests and all(r.status == 200 for r in server.requests)
    assert {r.authorization for r in server.requests} == {expected}


@pytest.mark.parametrize(
    ("host", "auth"),
    [
        ("github", BearerAuth(TOKEN)),  # GitHub answers Bearer on Git with 401
        ("gitlab", basic("someone", TOKEN)),
        ("bitbucket", basic("someone", TOKEN)),
        ("github", basic("x-access-token", "wrong-token")),
    ],
)
def test_a_token_in_the_wrong_form_is_an_auth_error_without_the_token_in_it(
    host: str, auth: object, serve_host: ServeHost, make_reader: MakeReader
) -> None:
    server = serve_host(host)
    if isinstance(auth, str):
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        auth = basic_auth(user, password)
    reader = make_reader(server, auth=auth)

    with pytest.raises(AuthError, match="401") as caught:
        reader.open("main", repository_size=5_000_000)

    assert TOKEN not in str(caught.value) and [r.status for r in server.requests] == [401]


def test_gitea_and_azure_also_take_other_documented_forms(serve_host: ServeHost, make_reader: MakeReader) -> None:
    gitea = serve_host("gitea")
    make_reader(gitea, auth=BearerAuth(TOKEN)).open("main")
    azure = serve_host("azure")
    make_reader(azure, auth=basic_auth("any-user", TOKEN)).open("main", repository_size=5_000_000)

    assert gitea.requests[0].authorization == f"Bearer {TOKEN}"
    assert azure.requests[0].authorization == basic("any-user", TOKEN)


def test_the_token_is_never_written_into_the_store(serve_host: ServeHost, make_reader: MakeReader) -> None:
    server = serve_host("github")
    reader = make_reader(server)
    head = reader.open("main")
    reader.read_blobs([f.id for f in reader.list_files(head, "content/posts")])

    written = b"".join(p.read_bytes() for p in reader.store.path.rglob("*") if p.is_file())
    assert TOKEN.encode() not in written
    assert (reader.store.path / "config").read_text().count(server.url) == 1
