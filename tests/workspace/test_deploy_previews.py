"""Deploy previews of unpublished entries: the entry branch's status, then the entry's page on the deploy."""

from __future__ import annotations

from pathlib import Path

from editor_app.workspace.workspace import Workspace
from tests.fakes.github import FakeGitHub
from tests.workspace.github_site import CONFIG, github_workspace


def draft_first(workspace: Workspace) -> None:
    workspace.load_collection("posts")
    entry = workspace.open_entry("posts", "content/posts/first.md")
    workspace.save_entry(entry.with_data({**entry.data, "title": "First post, revised"}))


def pr_head(fake: FakeGitHub) -> str:
    (pr,) = fake.pulls["o/r"].values()
    return pr.head_sha


def status(fake: FakeGitHub, state: str, url: str) -> None:
    fake.post_status("o", "r", pr_head(fake), {"state": state, "context": "deploy/netlify", "target_url": url},
                     login="o")


def test_a_ready_preview_leads_to_the_entrys_page_on_the_deploy(tmp_path: Path) -> None:
    workspace, fake = github_workspace(tmp_path)
    draft_first(workspace)
    entry = workspace.open_entry("posts", "content/posts/first.md")
    assert entry.status == "draft"
    assert workspace.deploy_preview(entry) is None  # nothing deployed yet
    status(fake, "pending", "https://app.netlify.example/deploys/1")
    building = workspace.deploy_preview(entry)
    assert building is not None
    assert (building.state, building.url) == ("building", "https://app.netlify.example/deploys/1")
    status(fake, "success", "https://deploy-preview-1--garden.example.org")
    ready = workspace.deploy_preview(entry)
    assert ready is not None and ready.url == "https://deploy-preview-1--garden.example.org/blog/first/"


def test_a_published_entry_asks_the_host_nothing_and_keeps_its_live_link(tmp_path: Path) -> None:
    workspace, fake = github_workspace(tmp_path)
    workspace.load_collection("posts")
    entry = workspace.open_entry("posts", "content/posts/first.md")
    fake.log.clear()
    assert workspace.deploy_preview(entry) is None
    assert fake.log.entries == []
    assert workspace.entry_url(entry) == "https://garden.example.org/blog/first/"


def test_show_preview_links_false_turns_previews_off(tmp_path: Path) -> None:
    workspace, fake = github_workspace(tmp_path, CONFIG + "show_preview_links: false\n")
    draft_first(workspace)
    status(fake, "success", "https://deploy-preview-1--garden.example.org")
    assert workspace.deploy_preview(workspace.open_entry("posts", "content/posts/first.md")) is None


def test_the_boards_previews_are_fetched_for_each_card_up_to_a_bound(tmp_path: Path) -> None:
    workspace, fake = github_workspace(tmp_path)
    draft_first(workspace)
    status(fake, "success", "https://deploy-preview-1--garden.example.org")
    items = workspace.list_unpublished()
    found = workspace.deploy_previews(items)
    assert list(found) == ["posts/first"]
    first = found["posts/first"]
    assert first is not None and first.url == "https://deploy-preview-1--garden.example.org"


def test_the_board_asks_for_at_most_the_bound_and_a_failing_card_has_none() -> None:
    from editor_app.backends.base import DeployPreview
    from editor_app.errors import NetworkError
    from editor_app.workspace.previews import board_previews

    asked: list[tuple[str, str]] = []

    class Host:
        def deploy_preview(self, collection: str, slug: str) -> DeployPreview | None:
            asked.append((collection, slug))
            if slug == "bad":
                raise NetworkError("host down")
            return DeployPreview(f"https://{slug}.example", "ready")

    keys = [("posts", "bad")] + [("posts", f"p{i}") for i in range(60)]
    found = board_previews(Host(), keys, limit=10, workers=3)  # type: ignore[arg-type]
    assert len(asked) == 10 and len(found) == 10
    assert found[("posts", "bad")] is None and found[("posts", "p0")] == DeployPreview("https://p0.example", "ready")
