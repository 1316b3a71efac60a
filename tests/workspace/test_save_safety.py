"""Saves that end badly: a lost answer after the commit landed, a refused branch update, a crash before the
draft's removal. Nothing is lost, nothing is duplicated, and the user is told what really happened."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from editor_app.backends.base import CommitResult, FileChange
from editor_app.errors import ConflictError, NetworkError
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import ANSWER_LOST_NOTICE
from tests.workspace.helpers import CountingBackend, Env, make_env

BASIL = "content/plants/basil.yml"


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    return make_env(tmp_path)


class AnswerLost(CountingBackend):
    """Commits really land, then the caller gets a network error instead of the answer."""

    def commit(self, changes: Sequence[FileChange], message: str, **kwargs: Any) -> CommitResult:
        self.calls["commit"] += 1
        self.inner.commit(changes, message, **kwargs)
        raise NetworkError("GitLab failed on POST /commits (HTTP 502: Bad Gateway); try again later")


def test_a_lost_answer_after_the_commit_landed_is_a_save_that_says_so(env: Env) -> None:
    env.counting = AnswerLost(env.backend)
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    mine = entry.with_data(dict(entry.data, family="Mine"))
    ws.journal_draft(mine)
    saved = ws.save_entry(mine)
    assert saved.save_notice == ANSWER_LOST_NOTICE
    assert saved.base_id == env.backend.read_file(BASIL)[1]
    assert saved.base_head == env.backend.head()
    assert ws.pending_drafts() == []
    head = env.backend.head()
    assert ws.save_entry(saved).commit == saved.commit  # nothing more to save
    assert env.backend.head() == head


def test_a_new_entry_whose_answer_was_lost_is_not_saved_twice(env: Env) -> None:
    env.counting = AnswerLost(env.backend)
    ws = env.workspace()
    ws.load_collection("plants")
    entry = ws.new_entry("plants", {"name": "Chard", "family": "Amaranthaceae"})
    saved = ws.save_entry(entry)
    assert saved.save_notice == ANSWER_LOST_NOTICE and not saved.is_new
    listed = [f.path for f in env.backend.list_files("content/plants").files if "chard" in f.path]
    assert listed == [saved.path]


def test_a_refused_branch_update_conflict_shows_the_file_as_it_is_not_deleted(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    env.counting.fail["commit"] = ConflictError("main: GitLab refused the commit (HTTP 400)")
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(entry.with_data(dict(entry.data, family="Mine")))
    error = caught.value
    assert not error.deleted
    assert error.path == BASIL
    assert error.theirs == env.backend.read_file(BASIL)[0]
    assert "refused" in str(error) and "unchanged" in str(error)


def test_a_file_really_deleted_on_the_site_is_reported_deleted(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    env.backend.commit([FileChange(BASIL, delete=True)], "Delete basil elsewhere")
    env.counting.fail["commit"] = ConflictError("main: refused")
    with pytest.raises(ConflictError) as caught:
        ws.save_entry(entry.with_data(dict(entry.data, family="Mine")))
    assert caught.value.deleted and caught.value.theirs is None


def test_a_draft_left_by_a_crash_after_its_commit_is_dropped_silently(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    mine = entry.with_data(dict(entry.data, family="Mine"))
    ws.journal_draft(mine)
    # The commit lands; the process dies before the draft is removed.
    env.backend.commit([FileChange(BASIL, ws.raw_text(mine).encode("utf-8"), expected_id=entry.base_id)], "Mine")
    restarted = env.workspace()
    restarted.load_collection("plants")
    assert not restarted.has_draft(BASIL)
    assert restarted.pending_drafts() == []
    assert restarted.draft_for(restarted.open_entry("plants", BASIL)) is None


def test_opening_an_entry_drops_its_draft_when_the_text_is_already_saved(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    mine = entry.with_data(dict(entry.data, family="Mine"))
    ws.journal_draft(mine)
    env.backend.commit([FileChange(BASIL, ws.raw_text(mine).encode("utf-8"), expected_id=entry.base_id)], "Mine")
    restarted = env.workspace()  # the collection is not loaded: the entry is opened straight away
    assert restarted.draft_for(restarted.open_entry("plants", BASIL)) is None
    assert restarted.journal.pending() == []


def test_a_draft_with_more_than_the_saved_text_is_still_offered(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    ws.save_entry(entry.with_data(dict(entry.data, family="Saved")))
    ws.journal_draft(entry.with_data(dict(entry.data, family="Saved, then typed more")))
    restarted = env.workspace()
    restarted.load_collection("plants")
    assert restarted.has_draft(BASIL)
    offered = restarted.draft_for(restarted.open_entry("plants", BASIL))
    assert offered is not None and offered.entry.data["family"] == "Saved, then typed more"


def test_keep_mine_when_theirs_is_mine_commits_nothing(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    mine = entry.with_data(dict(entry.data, family="Mine"))
    text = ws.raw_text(mine)
    env.backend.commit([FileChange(BASIL, text.encode("utf-8"))], "Mine, saved before the answer got lost")
    head = env.backend.head()
    data, blob = env.backend.read_file(BASIL)
    error = ConflictError("moved", path=BASIL, theirs=data, theirs_id=blob, head=head)
    resolved = ws.resolve_conflict(mine, text, error)
    ws.save_entry(resolved)
    assert env.backend.head() == head


class WorkflowAnswerLost(CountingBackend):
    """Workflow saves really land (branch and pull request), then the caller gets a timeout instead."""

    def save_unpublished(self, *args: Any, **kwargs: Any) -> CommitResult:
        self.calls["save_unpublished"] += 1
        self.inner.save_unpublished(*args, **kwargs)
        raise NetworkError("GitHub did not answer POST /graphql in time")


def test_a_workflow_save_whose_answer_was_lost_is_saved_on_its_branch(tmp_path: Path) -> None:
    env = make_env(tmp_path, "editorial_workflow")
    env.counting = WorkflowAnswerLost(env.backend)
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    saved = ws.save_entry(entry.with_data(dict(entry.data, family="Mine, in review")))
    assert saved.save_notice == ANSWER_LOST_NOTICE
    unpublished = env.backend.read_unpublished("plants", "basil")
    assert saved.branch == unpublished.branch
    assert b"Mine, in review" in env.backend.read_file(BASIL, branch=unpublished.branch)[0]


def test_a_draft_queued_while_typing_is_written_in_order_and_not_after_its_removal(env: Env) -> None:
    ws = env.workspace()
    entry = ws.open_entry("plants", BASIL)
    for n in range(20):
        ws.journal_draft_soon(entry.with_data(dict(entry.data, family=f"typed {n}")))
    ws.discard_draft(entry)  # waits for the queued writes, then removes the draft: it stays removed
    assert ws.journal.pending() == []
    ws.journal_draft_soon(entry.with_data(dict(entry.data, family="typed last")))
    ws.close()  # writes what is still queued
    (draft,) = ws.journal.pending()
    assert draft.data is not None and draft.data["family"] == "typed last"
    ws.journal_draft_soon(entry.with_data(dict(entry.data, family="after close")))  # a late timer
    (draft,) = ws.journal.pending()
    assert draft.data is not None and draft.data["family"] == "after close"


def test_a_background_draft_write_that_fails_is_reported_not_lost_silently(env: Env, tmp_path: Path) -> None:
    ws = env.workspace()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the journal folder should be")
    ws.journal = DraftsJournal(blocked)
    entry = ws.open_entry("plants", BASIL)
    ws.journal_draft_soon(entry.with_data(dict(entry.data, family="x")))
    ws._drain_journal()
    assert isinstance(ws.journal_error, OSError)
    ws.journal = DraftsJournal(tmp_path / "journal-ok")
    ws.journal_draft_soon(entry.with_data(dict(entry.data, family="y")))
    ws._drain_journal()
    assert ws.journal_error is None
