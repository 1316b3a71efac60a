"""The GitLab fake against reality: Decap's recorded GitLab traffic (also inside the Git Gateway (GitLab)
recordings). Run with `-s` to see the counts; how the replay seeds and compares is in tests/fakes/replay_gitlab.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from editor_app.backends.base import Credentials
from tests.conftest import shared_path
from tests.fakes.replay_gitlab import Outcome, Replayer, replay_file

# Measured: 447 recorded exchanges in 16 recordings. 16 are `/user` answers the recording tool rewrote
# (GitHub-style `login`), 4 are merge request lists emptied by something the recording does not hold.
# Every other one matches. Lower these only with a reason.
BASELINE_MATCHED = 427
BASELINE_BLOB_IDS_EQUAL = 193  # blob ids (tree entries, X-Gitlab-Blob-Id) found equal to GitLab's
MAX_UNREPLAYABLE = 20
GATEWAY_PREFIX = "/.netlify/git/gitlab/"


def recordings(pattern: str) -> list[Path]:
    folder = shared_path("fixtures", "decap-e2e")
    files = sorted(folder.glob(pattern))
    assert files, f"no recordings matching {pattern!r} in {folder}"
    return files


def replay_all(pattern: str, prefix: str = "/api/v4/") -> list[tuple[Path, Replayer, list[Outcome]]]:
    out = []
    for path in recordings(pattern):
        seed, replayer, outcomes = replay_file(path, prefix)
        assert not seed.problems, f"{path.name}: seeding from the recording failed: {seed.problems}"
        out.append((path, replayer, outcomes))
    return out


def summarise(replays: list[tuple[Path, Replayer, list[Outcome]]]) -> tuple[int, int, int, int, list[str]]:
    total = matched = unreplayable = ids = 0
    failures: list[str] = []
    for path, replayer, outcomes in replays:
        total += len(outcomes)
        ids += replayer.ids_checked
        for index, outcome in enumerate(outcomes):
            if outcome.matched:
                matched += 1
            elif outcome.unreplayable:
                unreplayable += 1
            else:
                ex = outcome.exchange
                failures.append(f"{path.name} #{index} {ex.method} {ex.url[:120]}: {outcome.problems[:3]}")
    return total, matched, unreplayable, ids, failures


@pytest.fixture(scope="module")
def gitlab_replays() -> list[tuple[Path, Replayer, list[Outcome]]]:
    return replay_all("GitLab Backend*.json")


def test_every_recorded_gitlab_exchange_replays_with_the_same_status_shape_and_blob_ids(
        gitlab_replays: list[tuple[Path, Replayer, list[Outcome]]], capsys: pytest.CaptureFixture[str]) -> None:
    total, matched, unreplayable, ids, failures = summarise(gitlab_replays)
    with capsys.disabled():
        print(f"\nGitLab recordings: replayed {matched} of {total}, {unreplayable} not replayable "
              f"(explained by the recording), {ids} blob ids equal")
    assert failures == []
    assert matched >= BASELINE_MATCHED
    assert unreplayable <= MAX_UNREPLAYABLE
    assert ids >= BASELINE_BLOB_IDS_EQUAL


# Measured: 449 GitLab exchanges in 16 Git Gateway (GitLab) recordings, 440 match. The other 9 are in one
# recording that joins two runs: after its merge request was merged (and its branch removed), it reads the
# branch and merges the same merge request again.
BASELINE_GATEWAY_MATCHED = 440
JOINED_RECORDING = "Git Gateway (GitLab) Backend Media Library - Large Media__can publish entry with image.json"


def test_the_gitlab_traffic_inside_git_gateway_recordings_replays_too(capsys: pytest.CaptureFixture[str]) -> None:
    total, matched, unreplayable, ids, failures = summarise(replay_all("Git Gateway (GitLab)*.json", GATEWAY_PREFIX))
    with capsys.disabled():
        print(f"\nGit Gateway (GitLab) recordings: replayed {matched} of {total}, {unreplayable} not replayable")
    assert [f for f in failures if not f.startswith(JOINED_RECORDING)] == []
    assert matched >= BASELINE_GATEWAY_MATCHED
    assert matched + unreplayable + len(failures) == total


def test_a_fake_that_answers_differently_is_caught(gitlab_replays: list[tuple[Path, Replayer, list[Outcome]]]) -> None:
    # The comparison itself must be able to fail: a missing key and a wrong blob id are both reported.
    _path, replayer, outcomes = gitlab_replays[0]
    listing = next(o for o in outcomes if o.exchange.path.endswith("/repository/tree") and o.exchange.response)
    recorded = listing.exchange.response
    problems: list[str] = []
    replayer.compare(recorded, [{k: v for k, v in recorded[0].items() if k != "mode"}], "$", problems)
    assert "$[0].mode: missing" in problems
    problems = []
    replayer.compare(recorded[:1], [{**recorded[0], "id": "0" * 40}], "$", problems)
    assert any("blob id" in p for p in problems)


# --- GitLab's OpenAPI description ------------------------------------------------------------------


def recorded_violations(spec: object) -> set[str]:
    """The kinds of violation of GitLab's description ("null", "boolean for string", ...) that GitLab's own
    recorded answers commit: the description's systematic flaws (every field typed string, none nullable)."""
    found: set[str] = set()
    for path in recordings("GitLab Backend*.json"):
        for exchange in json.loads(path.read_text(encoding="utf-8")):
            response = exchange.get("response")
            if not isinstance(response, str) or not response.startswith(("{", "[")):
                continue
            raw_path = exchange["url"].split("?", 1)[0]
            body = json.loads(response)
            seen = spec.violations(exchange["method"], raw_path, int(exchange.get("status") or 200), body)  # type: ignore[attr-defined]
            found |= {kind for _field, kind in seen or set()}
    return found


def test_the_fakes_answers_to_the_adapters_requests_follow_gitlabs_openapi_description(
        capsys: pytest.CaptureFixture[str]) -> None:
    import httpx

    from editor_app.backends.base import FileChange
    from editor_app.backends.gitlab import GitLabBackend
    from tests.backends.conftest import FIXTURE_FILES
    from tests.fakes.gitlab_factories import GITLAB_TOKEN, make_fake_gitlab, settings
    from tests.fakes.gitlab_openapi import load as load_openapi

    spec = load_openapi(shared_path("specs", "gitlab", "gitlab-openapi-v3.json"))
    excused = recorded_violations(spec)
    fake = make_fake_gitlab(FIXTURE_FILES)
    checked: list[str] = []
    problems: list[str] = []

    def validating(request: httpx.Request) -> httpx.Response:
        response = fake(request)
        raw_path = request.url.raw_path.decode().split("?", 1)[0]
        if response.headers.get("Content-Type", "").startswith("application/json") and request.method != "HEAD":
            found = spec.violations(request.method, raw_path, response.status_code, json.loads(response.content))
            if found is not None:
                operation = f"{request.method} {spec.operation(request.method, raw_path)} {response.status_code}"
                checked.append(operation)
                problems.extend(f"{operation}: {field}: {kind}" for field, kind in sorted(found) if kind not in excused)
        return response

    backend = GitLabBackend.connect(settings(), Credentials(GITLAB_TOKEN), transport=httpx.MockTransport(validating))
    backend.current_user()
    files = backend.list_files("content/posts").files
    backend.read_files(files)
    backend.file_meta("content/posts/first.md")
    backend.commit([FileChange("content/posts/new.md", b"new")], "New")
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"s")], "Create")
    backend.save_unpublished("posts", "spring", [FileChange("content/posts/spring.md", b"t")], "Update")
    backend.set_status("posts", "spring", "pending_publish")
    backend.list_unpublished()
    fake.add_status(backend.head("cms/posts/spring"), "deploy/netlify", "success", "https://preview.example")
    backend.deploy_preview("posts", "spring")
    backend.publish("posts", "spring")
    backend.save_unpublished("posts", "gone", [FileChange("content/posts/gone.md", b"g")], "Create")
    backend.delete_unpublished("posts", "gone")
    with capsys.disabled():
        print(f"\nGitLab OpenAPI: {len(checked)} answers of {len(set(checked))} operations validated, "
              f"excused kinds of violation that GitLab's recorded answers share: {sorted(excused)}")
    assert problems == [], "\n".join(problems)
    assert len(set(checked)) >= 10


def test_the_description_check_catches_a_field_of_the_wrong_type() -> None:
    from tests.fakes.gitlab_openapi import load as load_openapi

    spec = load_openapi(shared_path("specs", "gitlab", "gitlab-openapi-v3.json"))
    excused = recorded_violations(spec)
    project = {"id": "18082616", "name": "repo", "default_branch": "master"}  # GitLab's ids are integers
    found = spec.violations("GET", "/api/v4/projects/owner%2Frepo", 200, project)
    assert found is not None
    assert ("id", "string for integer") in found and "string for integer" not in excused
