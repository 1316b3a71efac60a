"""Last author/date of entries ("Commit author", "Commit date"): batched, cached by blob id, only when asked."""

from __future__ import annotations

from pathlib import Path

from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace
from tests.benchmarks.entry_meta import run
from tests.workspace.github_site import github_workspace

POSTS = ["content/posts/first.md", "content/posts/second.md", "content/posts/2024/archived.md"]


def test_the_rows_asked_for_cost_one_graphql_query_and_a_reopen_costs_nothing(tmp_path: Path) -> None:
    workspace, fake = github_workspace(tmp_path)
    workspace.load_collection("posts")
    fake.commit_files("o/r", "main", {"data/other.yml": b"x: 1\n"}, "Unrelated", login="o")
    fake.log.clear()
    metas = workspace.entries_meta("posts", POSTS[:2])
    assert [(e.method, e.path) for e in fake.log.entries] == [("POST", "/graphql")]
    assert set(metas) == set(POSTS[:2]) and metas["content/posts/first.md"].author == "o"
    fake.log.clear()
    assert workspace.entries_meta("posts", POSTS[:2]) == metas
    assert fake.log.entries == []  # this session remembers

    again = Workspace(workspace.backend, workspace.site, ContentCache(tmp_path / "cache"),
                      DraftsJournal(tmp_path / "journal"))
    again.open()
    again.load_collection("posts")
    fake.log.clear()
    assert again.entries_meta("posts", POSTS[:2]) == metas
    assert not [e for e in fake.log.entries if e.path == "/graphql"]  # the disk cache, keyed by blob id


def test_a_changed_file_is_asked_again(tmp_path: Path) -> None:
    workspace, fake = github_workspace(tmp_path)
    workspace.load_collection("posts")
    before = workspace.entries_meta("posts", POSTS)
    entry = workspace.open_entry("posts", POSTS[0])
    workspace.save_entry(entry.with_data({**entry.data, "title": "First, edited"}))
    fake.log.clear()
    after = workspace.entries_meta("posts", POSTS)
    assert [(e.method, e.path) for e in fake.log.entries] == [("POST", "/graphql")]  # only the changed file
    assert after["content/posts/second.md"] == before["content/posts/second.md"]
    assert after[POSTS[0]].updated_on >= before[POSTS[0]].updated_on


def test_benchmark_visible_rows_then_sort_by_updated_on_github() -> None:
    figures = run("github", 120, 30)
    assert figures["visible_rows"]["requests"] == 1  # 30 rows: one GraphQL query
    assert figures["sort_by_updated"]["requests"] == 2  # the other 90: two queries of 50
    assert figures["reopen"]["requests"] == 0
