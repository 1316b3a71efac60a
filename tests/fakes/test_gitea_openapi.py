"""The Gitea fake's answers follow Gitea 1.22's OpenAPI description, for every operation the adapter uses.

There are no recorded Gitea sessions to replay (Decap's e2e fixtures have none), so the description is
the reference: a whole editing session through GiteaBackend runs against the fake, and every JSON answer
is checked against the response schema of its operation.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from editor_app.backends.base import NEW_FILE, STATUS_PENDING_REVIEW, Credentials, FileChange
from editor_app.backends.gitea import GiteaBackend
from tests.backends.conftest import FIXTURE_FILES
from tests.conftest import shared_path
from tests.fakes.gitea_factories import GITEA_TOKEN, make_fake_gitea, settings
from tests.fakes.github_openapi import OpenApiResponses

PREFIX = "/api/v1"
# Gitea really sends null in `FilesResponse.files` for a deleted path; its description marks nothing nullable.
KNOWN_GAPS = (
    re.compile(
        r"^POST /repos/\{owner\}/\{repo\}/contents 201: files/\d+: None (for not nullable|is not of type 'object')"
    ),
)


@pytest.fixture(scope="module")
def spec() -> OpenApiResponses:
    return OpenApiResponses(shared_path("specs", "gitea", "gitea-v1.22.oas3.json"))


def run_session() -> list[tuple[str, str, int, Any]]:
    """A whole editing session through the adapter; every exchange as (method, API path, status, JSON body)."""
    fake = make_fake_gitea(FIXTURE_FILES)
    exchanges: list[tuple[str, str, int, Any]] = []

    def recording(request: httpx.Request) -> httpx.Response:
        response = fake(request)
        response.read()
        body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else None
        exchanges.append((request.method, request.url.path.removeprefix(PREFIX), response.status_code, body))
        return response

    backend = GiteaBackend.connect(settings(), Credentials(GITEA_TOKEN), transport=httpx.MockTransport(recording))
    backend.current_user()
    backend.server_version()
    files = backend.list_files("content", extension="md").files
    backend.read_files(files)
    backend.read_file("static/img/pixel.png")
    backend.file_meta("content/posts/first.md")
    backend.commit([FileChange("content/posts/notes.txt", delete=True),
                    FileChange("content/posts/new.md", b"new\n", expected_id=NEW_FILE),
                    FileChange("content/posts/third.md", previous_path="content/posts/second.md")], "Tidy")
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s\n")], "Create")
    backend.save_unpublished("posts", "first", [FileChange("content/posts/first.md", b"f\n")], "Update")
    backend.list_unpublished()
    backend.set_status("posts", "spring", STATUS_PENDING_REVIEW)
    head = backend.read_unpublished("posts", "spring").head
    fake.add_status(head, "deploy/preview", "success", "https://preview.example/spring")
    assert backend.deploy_preview("posts", "spring") is not None
    backend.publish("posts", "spring")
    backend.delete_unpublished("posts", "first")
    backend.close()
    return exchanges


def test_fake_answers_follow_giteas_openapi_description(spec: OpenApiResponses) -> None:
    exchanges = run_session()
    problems: list[str] = []
    checked: set[str] = set()
    for method, path, status, body in exchanges:
        template = spec.operation(method, path)
        assert template is not None, f"{method} {path} is no operation of Gitea's API"
        assert str(status) in spec.spec["paths"][template][method.lower()]["responses"], (
            f"{method} {template} answered {status}, which the description does not list")
        found = spec.problems(method, path, status, body) if body is not None else None
        if found is not None:
            checked.add(f"{method} {template}")
            problems += [p for p in found if not any(gap.match(p) for gap in KNOWN_GAPS)]
    assert problems == []
    assert checked >= {
        "GET /user", "GET /version", "GET /repos/{owner}/{repo}", "GET /repos/{owner}/{repo}/branches/{branch}",
        "GET /repos/{owner}/{repo}/git/trees/{sha}", "GET /repos/{owner}/{repo}/git/blobs/{sha}",
        "GET /repos/{owner}/{repo}/commits", "POST /repos/{owner}/{repo}/contents",
        "GET /repos/{owner}/{repo}/pulls", "POST /repos/{owner}/{repo}/pulls",
        "GET /repos/{owner}/{repo}/pulls/{index}", "PATCH /repos/{owner}/{repo}/pulls/{index}",
        "GET /repos/{owner}/{repo}/pulls/{index}/files", "PUT /repos/{owner}/{repo}/issues/{index}/labels",
        "GET /repos/{owner}/{repo}/labels", "POST /repos/{owner}/{repo}/labels",
        "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
    }


def test_the_description_check_rejects_a_wrongly_typed_answer(spec: OpenApiResponses) -> None:
    fake = make_fake_gitea(FIXTURE_FILES)
    good = fake.get_tree(sha="main", query={})[1]
    assert spec.problems("GET", "/repos/garden/site/git/trees/main", 200, good) == []
    bad = {**good, "truncated": "no", "tree": [{**good["tree"][0], "size": "12"}]}
    assert len(spec.problems("GET", "/repos/garden/site/git/trees/main", 200, bad) or []) == 2
