"""The Git Gateway fake against reality: every Git Gateway recording in ../shared/fixtures/decap-e2e replayed
through FakeGitGateway (identity, settings, and the host traffic it forwards to the seeded host fake). Run with
`-s` to see the counts; how the replay works is in tests/fakes/replay_git_gateway.py."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.fakes.replay_git_gateway import LARGE_MEDIA, NOT_THE_SITE, Replay, replay_all

# Measured (GitHub): 640 exchanges in 16 recordings: 48 identity/settings, all matching; 571 forwarded to
# GitHub, 570 matching and 1 inconsistent in the recording (as in test_github_conformance); 21 large media
# (its API and the storage uploads it hands out) have no fake. Lower these only with a reason.
GITHUB_MATCHED = 618
GITHUB_INCONSISTENT = 1
GITHUB_LARGE_MEDIA = 21
# Measured (GitLab): 521 exchanges in 16 recordings: 48 identity/settings, all matching; 449 forwarded to
# GitLab, 440 matching, 1 merge request list emptied by something the recording does not hold, 8 in the
# recording that joins two runs (as in test_gitlab_conformance); 20 large media and 4 requests of the
# browser to other sites are not replayed.
GITLAB_MATCHED = 488
GITLAB_UNREPLAYABLE = 1
JOINED_RECORDING = "Git Gateway (GitLab) Backend Media Library - Large Media__can publish entry with image.json"
GITLAB_JOINED_FAILURES = 8
GITLAB_LARGE_MEDIA = 20
GITLAB_NOT_THE_SITE = 4
GITLAB_LINKS_CHECKED = 227  # recorded page links (relative to the gateway) the fake's answers were compared with


def recordings(pattern: str) -> list[Path]:
    folder = shared_path("fixtures", "decap-e2e")
    files = sorted(folder.glob(pattern))
    assert files, f"no recordings matching {pattern!r} in {folder}"
    return files


JOINED = "recording joins two runs"


def tally(replays: list[Replay], joined: str = "") -> tuple[int, int, Counter[str], list[str]]:
    """Exchanges, matches, the not-matching ones the recordings explain (by reason), and the other failures;
    what does not match in the recording named `joined` is explained by that recording joining two runs."""
    total = matched = 0
    explained: Counter[str] = Counter()
    failures: list[str] = []
    for result in replays:
        total += result.total
        matched += result.matched
        explained += result.not_replayed
        failures += [f"{result.path.name} {o.item['method']} {o.item['url']}: {o.problems[:3]}"
                     for o in result.site if not o.matched]
        for outcome in result.hosted:
            if outcome.matched:
                continue
            if getattr(outcome, "inconsistent", False):
                explained["inconsistent in the recording"] += 1
            elif getattr(outcome, "unreplayable", ""):
                explained[f"recording: {outcome.unreplayable}"] += 1
            elif result.path.name == joined:
                explained[JOINED] += 1
            else:
                ex = outcome.exchange
                failures.append(f"{result.path.name} {ex.method} {ex.url[:100]}: {outcome.problems[:3]}")
    return total, matched, explained, failures


def report(host: str, replays: list[Replay], capsys: pytest.CaptureFixture[str],
           joined: str = "") -> tuple[int, int, Counter[str], list[str]]:
    total, matched, explained, failures = tally(replays, joined)
    forwarded = sum(r.gateway.forwarded for r in replays)
    links = sum(r.links_checked for r in replays)
    with capsys.disabled():
        print(f"\nGit Gateway ({host}) recordings through the gateway fake: {len(replays)} files, {total} exchanges, "
              f"{matched} match, {forwarded} forwarded to the host fake, {links} page links compared; "
              f"not matched: {dict(explained)}, {len(failures)} other")
    return total, matched, explained, failures


def test_every_git_gateway_github_recording_replays_through_the_gateway_fake(
    capsys: pytest.CaptureFixture[str],
) -> None:
    replays = replay_all(recordings("Git Gateway (GitHub)*.json"), "github")
    total, matched, explained, failures = report("GitHub", replays, capsys)
    assert failures == [], "\n".join(failures[:20])
    assert matched >= GITHUB_MATCHED
    assert explained == {"inconsistent in the recording": GITHUB_INCONSISTENT, LARGE_MEDIA: GITHUB_LARGE_MEDIA}
    assert matched + sum(explained.values()) == total
    # every host exchange went through the gateway, none straight to the host fake
    assert sum(r.gateway.forwarded for r in replays) == sum(len(r.hosted) for r in replays)


def test_every_git_gateway_gitlab_recording_replays_through_the_gateway_fake(
    capsys: pytest.CaptureFixture[str],
) -> None:
    replays = replay_all(recordings("Git Gateway (GitLab)*.json"), "gitlab")
    total, matched, explained, failures = report("GitLab", replays, capsys, JOINED_RECORDING)
    assert failures == [], "\n".join(failures[:20])
    assert matched >= GITLAB_MATCHED
    assert explained[JOINED] <= GITLAB_JOINED_FAILURES
    assert explained - Counter({JOINED: explained[JOINED]}) == {
        "recording: outside": GITLAB_UNREPLAYABLE, LARGE_MEDIA: GITLAB_LARGE_MEDIA, NOT_THE_SITE: GITLAB_NOT_THE_SITE}
    assert matched + sum(explained.values()) == total
    assert sum(r.gateway.forwarded for r in replays) == sum(len(r.hosted) for r in replays)
    assert sum(r.links_checked for r in replays) >= GITLAB_LINKS_CHECKED


def test_identity_and_settings_answers_are_compared_and_a_missing_key_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.fakes import git_gateway

    original = git_gateway.FakeGitGateway.grant

    def without_expiry(self: git_gateway.FakeGitGateway, email: str) -> dict[str, object]:
        return {k: v for k, v in original(self, email).items() if k != "expires_in"}

    monkeypatch.setattr(git_gateway.FakeGitGateway, "grant", without_expiry)
    [result] = replay_all(recordings("Git Gateway (GitHub) Backend Simple Workflow__successfully loads.json"), "github")
    token = next(o for o in result.site if o.item["url"] == "/.netlify/identity/token")
    assert token.problems == ["$.expires_in: missing"]
    # the JWT the fake issued was still used: the user, the settings and the host exchanges were let through
    assert all(o.status == 200 for o in result.site) and result.gateway.forwarded == len(result.hosted) > 0


def test_a_gateway_that_leaves_gitlabs_page_links_absolute_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from tests.fakes import git_gateway

    original = git_gateway.FakeGitGateway._forward

    def absolute_links(self: git_gateway.FakeGitGateway, request: httpx.Request, rest: str) -> httpx.Response:
        answer = original(self, request, rest)
        if "Link" in answer.headers:
            answer.headers["Link"] = answer.headers["Link"].replace("</", f"<{self.host_base}{self.prefix}/")
        return answer

    monkeypatch.setattr(git_gateway.FakeGitGateway, "_forward", absolute_links)
    [result] = replay_all(recordings("Git Gateway (GitLab) Backend Simple Workflow__successfully loads.json"), "gitlab")
    problems = [p for o in result.hosted for p in o.problems]
    assert result.links_checked and any(p.startswith("Link: <https://gitlab.com/api/v4/projects/") for p in problems)
