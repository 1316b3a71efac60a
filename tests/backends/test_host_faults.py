"""What every Git host adapter does when its host misbehaves: retries, rate limits, expired tokens, lost answers.

Runs against every entry of HOSTED_FACTORIES (conftest.py), in process and over loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_app.backends.base import FileChange
from editor_app.config.loader import parse_site_config
from editor_app.errors import AuthError, ConflictError, EditorError, RateLimitedError
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import ANSWER_LOST_NOTICE, Workspace
from tests.backends.conftest import FIXTURE_FILES, T0, Hosted


def blob_id(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_server_errors_on_reads_are_retried_without_the_user_noticing(hosted: Hosted) -> None:
    hosted.faults.error(502, method="GET", times=2)
    assert [f.path for f in hosted.backend.list_files("data").files] == ["data/settings.yml"]
    assert hosted.backend.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]


def test_a_host_that_keeps_failing_is_an_error_not_a_hang(hosted: Hosted) -> None:
    hosted.faults.error(503, method="GET", times=None)
    with pytest.raises(EditorError):
        hosted.backend.read_file("data/settings.yml")


def test_a_short_rate_limit_is_waited_out_and_reported(hosted: Hosted) -> None:
    hosted.rate_limit(30, 1)
    assert hosted.backend.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]
    assert len(hosted.waits) == 1
    resume_at, reason = hosted.waits[0]
    assert T0 + 29 <= resume_at <= T0 + 31
    assert reason


def test_a_long_rate_limit_is_raised_with_its_end_and_not_hammered(hosted: Hosted) -> None:
    hosted.rate_limit(3600, None)
    with pytest.raises(RateLimitedError) as caught:
        hosted.backend.read_file("data/settings.yml")
    assert T0 + 3599 <= caught.value.resume_at <= T0 + 3601
    hosted.log.clear()
    with pytest.raises(RateLimitedError):
        hosted.backend.list_files("content")
    assert len(hosted.log) == 0


def test_an_expired_token_is_an_auth_error_that_says_so(hosted: Hosted) -> None:
    hosted.expire_token()
    with pytest.raises(AuthError) as caught:
        hosted.backend.list_files("content")
    assert caught.value.expired


def test_a_save_refused_by_an_expired_token_writes_nothing(hosted: Hosted) -> None:
    path = "content/posts/first.md"
    before = hosted.backend.head()
    hosted.expire_token()
    with pytest.raises(AuthError):
        hosted.backend.commit([FileChange(path, b"mine\n", expected_id=blob_id(FIXTURE_FILES[path]))], "Mine",
                              expected_head=before)
    hosted.faults.clear()
    assert hosted.backend.head() == before
    assert hosted.backend.read_file(path)[0] == FIXTURE_FILES[path]


# --- a save whose answer is lost ------------------------------------------------------------------------

LOST_ANSWER_SITE = """\
backend: {name: github, repo: o/r, branch: main}
media_folder: static/img
collections:
  - name: posts
    label: Posts
    folder: content/posts
    create: true
    fields:
      - {name: title, label: Title, widget: string}
      - {name: body, label: Body, widget: markdown}
"""


def _workspace(hosted: Hosted, tmp_path: Path) -> Workspace:
    site = parse_site_config(LOST_ANSWER_SITE, "config.yml")
    workspace = Workspace(hosted.backend, site, ContentCache(tmp_path / "cache"), DraftsJournal(tmp_path / "journal"))
    workspace.open()
    return workspace


@pytest.mark.parametrize("how", ["502", "reset", "timeout"])
def test_a_save_whose_answer_is_lost_after_the_commit_landed_is_saved_not_a_conflict(
    hosted: Hosted, tmp_path: Path, how: str
) -> None:
    workspace = _workspace(hosted, tmp_path)
    entry = workspace.open_entry("posts", "content/posts/first.md")
    mine = entry.with_data({**entry.data, "title": "Mine, typed while the proxy failed"})
    workspace.journal_draft(mine)
    before = hosted.site_head()
    assert before is not None
    landed: list[str | None] = []

    def commit_landed() -> bool:
        head = hosted.site_head()
        if head != before and not landed:
            landed.append(head)
        return head != before

    hosted.faults.lose_answer(how, commit_landed)
    saved = workspace.save_entry(mine)
    hosted.faults.clear()

    assert landed, "the fault never fired: the commit did not land"
    # The adapter may recover by itself (a compare-and-swap ref update repeated); else the workspace says so.
    assert saved.save_notice in ("", ANSWER_LOST_NOTICE)
    assert hosted.site_head() == landed[0]  # one commit: the lost answer made no second (empty) one
    text = workspace.raw_text(mine).encode("utf-8")
    assert hosted.backend.read_file("content/posts/first.md") == (text, blob_id(text))
    assert saved.base_id == blob_id(text) and saved.base_head == landed[0]
    assert workspace.draft_for(saved) is None and workspace.journal.pending() == []
    # Saving again right away changes nothing and commits nothing.
    assert workspace.save_entry(saved).base_id == blob_id(text)
    assert hosted.site_head() == landed[0]


def test_keep_mine_over_a_version_that_is_mine_makes_no_commit(hosted: Hosted, tmp_path: Path) -> None:
    workspace = _workspace(hosted, tmp_path)
    entry = workspace.open_entry("posts", "content/posts/first.md")
    mine = entry.with_data({**entry.data, "title": "Mine"})
    text = workspace.raw_text(mine).encode("utf-8")
    hosted.backend.commit([FileChange("content/posts/first.md", text, expected_id=entry.base_id)], "Mine elsewhere")
    head = hosted.site_head()
    error = ConflictError("moved", path="content/posts/first.md", theirs=text, theirs_id=blob_id(text), head=head)
    resolved = workspace.resolve_conflict(mine, text.decode("utf-8"), error)
    workspace.save_entry(resolved)
    assert hosted.site_head() == head
