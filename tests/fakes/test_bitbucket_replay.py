"""The fake Bitbucket against Decap's recorded Bitbucket traffic and Bitbucket's OpenAPI description.

Run with `-s` to see the counts. How the replay seeds and compares is explained in
tests/fakes/replay_bitbucket.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.fakes.replay_bitbucket import Outcome, Replayer, derive_seed, load, replay_file

# After a merge with close_source_branch, Bitbucket deletes the source branch asynchronously: this recording
# still reads the entry branch (and diffs it) right after publishing, which the fake has already removed.
ASYNC_BRANCH_CLOSE = {
    ("BitBucket Backend Media Library - REST API__can publish entry with image.json", index) for index in (53, 55, 57)
}
BASELINE_MATCHED = 903
BASELINE_CONTENTS = 34


def recordings() -> list[Path]:
    files = sorted(shared_path("fixtures", "decap-e2e").glob("BitBucket Backend*.json"))
    assert files, "no Bitbucket recordings"
    return files


@pytest.fixture(scope="module")
def replays() -> list[tuple[Path, Replayer, list[Outcome], int]]:
    out = []
    for path in recordings():
        seed, replayer, outcomes, left_out = replay_file(path)
        assert seed.head and (seed.files or seed.sizes), f"{path.name}: nothing to seed from"
        out.append((path, replayer, outcomes, left_out))
    return out


def test_every_recorded_bitbucket_api_exchange_replays_with_the_same_status_and_shape(
        replays: list[tuple[Path, Replayer, list[Outcome], int]], capsys: pytest.CaptureFixture[str]) -> None:
    total = matched = inconsistent = contents = left = 0
    failures: list[str] = []
    for path, replayer, outcomes, left_out in replays:
        total += len(outcomes)
        left += left_out
        matched += sum(o.matched for o in outcomes)
        inconsistent += sum(o.inconsistent for o in outcomes)
        contents += replayer.contents_checked
        for index, outcome in enumerate(outcomes):
            if not outcome.matched and not outcome.inconsistent and (path.name, index) not in ASYNC_BRANCH_CLOSE:
                ex = outcome.exchange
                failures.append(f"{path.name} #{index} {ex.method} {ex.url[:90]}: {outcome.problems[:3]}")
    with capsys.disabled():
        print(f"\nBitbucket recordings: {len(replays)} files, {total} API exchanges replayed ({left} LFS/media "
              f"exchanges left out), {matched} match, {inconsistent} inconsistent in the recording, "
              f"{total - matched - inconsistent} differ ({len(ASYNC_BRANCH_CLOSE)} async branch close); "
              f"{contents} file reads equal to what was written")
    assert not failures, "\n".join(failures[:20])
    assert matched >= BASELINE_MATCHED
    assert inconsistent <= 2
    assert contents >= BASELINE_CONTENTS


def test_the_seed_holds_the_recorded_files_and_listing_sizes() -> None:
    path = shared_path("fixtures", "decap-e2e", "BitBucket Backend Editorial Workflow__can create an entry.json")
    seed = derive_seed([ex for ex in load(path) if ex.url.startswith("/2.0/")])
    assert seed.default_branch == "master" and len(seed.head) == 40
    assert "content/posts/2016-01-09---Perfecting-the-Art-of-Perfection.md" in seed.files
    assert seed.sizes["content/posts/2016-01-09---Perfecting-the-Art-of-Perfection.md"] == len(
        seed.files["content/posts/2016-01-09---Perfecting-the-Art-of-Perfection.md"])


def test_the_comparison_notices_a_fake_that_differs_from_bitbucket(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes import bitbucket

    original = bitbucket.FakeBitbucket.pr_json

    def without_comment_count(self: bitbucket.FakeBitbucket, pr: bitbucket.PullRequest) -> dict:
        data = original(self, pr)
        data.pop("comment_count")
        return data

    monkeypatch.setattr(bitbucket.FakeBitbucket, "pr_json", without_comment_count)
    path = shared_path("fixtures", "decap-e2e", "BitBucket Backend Editorial Workflow__can create an entry.json")
    _seed, _replayer, outcomes, _left = replay_file(path)
    assert any("comment_count: missing" in p for o in outcomes for p in o.problems)


def test_the_fakes_answers_during_the_replay_depart_from_the_description_only_as_bitbucket_does(
        replays: list[tuple[Path, Replayer, list[Outcome], int]]) -> None:
    from tests.backends.test_bitbucket import normalised, recorded_divergences
    from tests.fakes.bitbucket_openapi import load as load_spec

    spec = load_spec(shared_path("specs", "bitbucket", "bitbucket-cloud.swagger.v3.json"))
    allowed = recorded_divergences(spec)
    unexplained: set[str] = set()
    judged = 0
    for _path, _replayer, outcomes, _left in replays:
        for outcome in outcomes:
            if outcome.body is None or outcome.inconsistent:
                continue
            path = outcome.path.removeprefix("/2.0")
            found = spec.problems(outcome.exchange.method, path, outcome.status, outcome.body)
            if found is None:
                continue
            judged += 1
            unexplained |= {normalised(p) for p in found} - allowed
    assert judged > 500
    assert sorted(unexplained) == []
