"""The GitHub fake against reality: Decap's recorded GitHub traffic and GitHub's OpenAPI description.

Run with `-s` to see the counts. How the replay seeds and compares is explained in
tests/fakes/replay_github.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.fakes.github_openapi import load as load_openapi
from tests.fakes.replay_github import (
    Outcome,
    Replayer,
    derive_seed,
    gateway_exchanges,
    load,
    replay_exchanges,
    replay_file,
    seeded_fake,
)

# Measured: 1044 recorded exchanges in 33 recordings; 2 are "inconsistent" (the recording's
# request body does not hash to the blob id in its own answer, and the real content is not in
# the recording). Every other one matches. Lower these only with a reason.
BASELINE_MATCHED = 1042
BASELINE_IDS_EQUAL = 587  # blob and directory SHAs found equal to GitHub's
BASELINE_OPENAPI_CHECKED = 693  # fake REST answers validated against the operation's schema
MAX_INCONSISTENT = 2
# Git Gateway (GitHub) recordings, GitHub part only: 571 exchanges in 16 files, 1 inconsistent.
BASELINE_GATEWAY_MATCHED = 570


def recordings() -> list[Path]:
    folder = shared_path("fixtures", "decap-e2e")
    files = sorted(folder.glob("GitHub Backend*.json"))
    assert files, f"no GitHub recordings in {folder}"
    return files


@pytest.fixture(scope="module")
def replays() -> list[tuple[Path, Replayer, list[Outcome]]]:
    out = []
    for path in recordings():
        seed, replayer, outcomes = replay_file(path)
        assert not seed.problems, f"{path.name}: seeding from the recording failed: {seed.problems}"
        out.append((path, replayer, outcomes))
    return out


def test_every_recorded_github_exchange_replays_with_the_same_status_shape_and_ids(
        replays: list[tuple[Path, Replayer, list[Outcome]]], capsys: pytest.CaptureFixture[str]) -> None:
    total = matched = inconsistent = ids_equal = repaired = 0
    failures: list[str] = []
    for path, replayer, outcomes in replays:
        total += len(outcomes)
        matched += sum(o.matched for o in outcomes)
        inconsistent += sum(o.inconsistent for o in outcomes)
        ids_equal += replayer.ids_checked
        repaired += replayer.repaired
        for index, outcome in enumerate(outcomes):
            if not outcome.matched and not outcome.inconsistent:
                ex = outcome.exchange
                failures.append(f"{path.name} #{index} {ex.method} {ex.url[:80]}: {outcome.problems[:3]}")
    with capsys.disabled():
        print(f"\nGitHub recordings: {len(replays)} files, {total} exchanges, {matched} match, "
              f"{inconsistent} inconsistent in the recording, {total - matched - inconsistent} mismatch; "
              f"{ids_equal} blob/directory SHAs equal; {repaired} posted blobs taken from the recording")
    assert matched >= BASELINE_MATCHED, "\n".join(failures[:20])
    assert inconsistent <= MAX_INCONSISTENT
    assert ids_equal >= BASELINE_IDS_EQUAL
    assert not failures, "\n".join(failures[:20])


def test_seeded_repository_has_githubs_blob_and_directory_ids() -> None:
    path = shared_path(
        "fixtures", "decap-e2e", "GitHub Backend Editorial Workflow - REST API__can create an entry.json"
    )
    seed = derive_seed(load(path))
    fake = seeded_fake(seed)
    store = fake.repos["owner/repo"].store
    root = store.resolve("master")
    assert store.lookup(root, "content/posts").sha == seed.dir_shas["content/posts"]
    assert set(store.files(store.lookup(root, "content/posts").sha).values()) <= set(seed.blobs)
    assert len(seed.blobs) >= 5 and not seed.problems


def test_the_comparison_notices_a_fake_that_differs_from_github(monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_path(
        "fixtures", "decap-e2e", "GitHub Backend Editorial Workflow - REST API__can create an entry.json"
    )
    from tests.fakes import github

    original = github.FakeGitHub.repo_json

    def without_permissions(self: github.FakeGitHub, *args: object, **kwargs: object) -> dict:
        data = original(self, *args, **kwargs)
        data.pop("permissions", None)
        return data

    monkeypatch.setattr(github.FakeGitHub, "repo_json", without_permissions)
    original_blob = github.FakeGitHub.post_blob

    def wrong_blob_id(self: github.FakeGitHub, **kwargs: object) -> tuple[int, dict]:
        status, payload = original_blob(self, **kwargs)
        return status, {**payload, "sha": "f" * 40}

    monkeypatch.setattr(github.FakeGitHub, "post_blob", wrong_blob_id)
    _seed, _replayer, outcomes = replay_file(path)
    problems = [p for o in outcomes for p in o.problems]
    assert any(p.endswith(".permissions: missing") for p in problems)
    assert any("deterministic id" in p for p in problems)


def test_fake_rest_answers_follow_githubs_openapi_description(
        replays: list[tuple[Path, Replayer, list[Outcome]]], capsys: pytest.CaptureFixture[str]) -> None:
    spec = load_openapi(shared_path("specs", "github", "api.github.com.json"))
    checked = unjudged = 0
    violations: list[str] = []
    for _path, _replayer, outcomes in replays:
        for outcome in outcomes:
            if outcome.exchange.url == "/graphql":
                continue
            problems = spec.problems(outcome.exchange.method, outcome.path, outcome.status, outcome.body)
            if problems is None:
                unjudged += 1  # e.g. 204 without a body
                continue
            checked += 1
            violations += problems
    with capsys.disabled():
        print(f"\nOpenAPI: {checked} fake REST answers validated, {unjudged} without a schema, "
              f"{len(violations)} violations")
    assert checked >= BASELINE_OPENAPI_CHECKED
    assert not violations, "\n".join(sorted(set(violations))[:20])


def test_openapi_check_rejects_an_answer_missing_required_fields() -> None:
    spec = load_openapi(shared_path("specs", "github", "api.github.com.json"))
    problems = spec.problems("GET", "/repos/owner/repo/git/blobs/" + "a" * 40, 200, {"sha": "a" * 40})
    assert problems and any("required" in p for p in problems)


def test_graphql_recordings_validate_against_githubs_schema() -> None:
    from graphql import parse, validate

    from tests.fakes.github_graphql import github_schema

    schema = github_schema()
    queries = set()
    for path in recordings():
        for exchange in load(path):
            if exchange.url == "/graphql" and exchange.body:
                queries.add(json.loads(exchange.body)["query"])
    assert len(queries) >= 10
    for query in queries:
        assert validate(schema, parse(query)) == [], query[:200]


def test_fake_answers_have_every_key_pygithubs_recorded_github_answers_have(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.fakes.replay_pygithub import compare_all

    results = compare_all(shared_path("recordings", "pygithub-cms-subset.jsonl"))
    problems = {key: found for key, found in results.items() if found}
    # a fork's repository has parent/source; the scenario's repository is not a fork
    if ("GET", "/repos/{owner}/{repo}", 200) in problems:
        rest = [
            p
            for p in problems[("GET", "/repos/{owner}/{repo}", 200)]
            if p not in ("$.parent: missing", "$.source: missing")
        ]
        problems[("GET", "/repos/{owner}/{repo}", 200)] = rest
    problems = {key: found for key, found in problems.items() if found}
    with capsys.disabled():
        print(f"\nPyGithub recordings: {len(results)} operations compared, {len(results) - len(problems)} same shape")
    assert len(results) >= 29
    assert not problems, problems


def test_github_traffic_inside_git_gateway_recordings_replays_too(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(shared_path("fixtures", "decap-e2e").glob("Git Gateway (GitHub)*.json"))
    assert files
    total = matched = inconsistent = 0
    failures = []
    for path in files:
        seed, _replayer, outcomes = replay_exchanges(gateway_exchanges(path))
        assert not seed.problems, f"{path.name}: {seed.problems}"
        total += len(outcomes)
        matched += sum(o.matched for o in outcomes)
        inconsistent += sum(o.inconsistent for o in outcomes)
        failures += [f"{path.name} {o.exchange.method} {o.exchange.url[:80]}: {o.problems[:3]}"
                     for o in outcomes if not o.matched and not o.inconsistent]
    with capsys.disabled():
        print(f"\nGit Gateway (GitHub) recordings: {len(files)} files, {total} GitHub exchanges, {matched} match, "
              f"{inconsistent} inconsistent in the recording")
    assert matched >= BASELINE_GATEWAY_MATCHED, "\n".join(failures[:20])
    assert not failures, "\n".join(failures[:20])
