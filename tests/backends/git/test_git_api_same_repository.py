"""The fake host's API and its Git endpoint serve one repository: what the API writes, the next Git fetch reads."""

from __future__ import annotations

import httpx

from editor_app.backends.base import BackendSettings, Credentials, FileChange
from editor_app.backends.git import basic_auth
from editor_app.backends.github import GitHubBackend
from tests.backends.conftest import GITHUB_TOKEN, make_fake_github
from tests.backends.git.conftest import MakeReader, ServeHost, assert_fsck_clean, entry


def test_a_file_written_through_the_github_api_is_fetched_through_git_with_the_same_ids(
    serve_host: ServeHost, make_reader: MakeReader
) -> None:
    fake = make_fake_github({f"content/posts/post-{i}.md": entry(i) for i in range(5)})
    store = fake.repos["o/r"].store
    server = serve_host("github", store=store, repo="o/r.git", token=GITHUB_TOKEN)
    reader = make_reader(server, auth=basic_auth("x-access-token", GITHUB_TOKEN))
    api = GitHubBackend.connect(
        BackendSettings(name="github", repo="o/r", branch="main"), Credentials(GITHUB_TOKEN),
        transport=httpx.MockTransport(fake),
    )
    try:
        reader.open("main")
        new = b"---\ntitle: Written through the API\n---\nHello.\n"
        result = api.commit(
            [FileChange("content/posts/new.md", data=new), FileChange("content/posts/post-1.md", data=entry(1, "x"))],
            "Create new",
        )

        head = reader.open("main")
        git_files = {f.path: f.id for f in reader.list_files(head, "content/posts")}
        contents = reader.read_blobs(list(git_files.values()))
        api_listing = api.list_files("content/posts")
    finally:
        api.close()

    assert head == result.commit == api_listing.head
    assert git_files == {f.path: f.id for f in api_listing.files}
    assert git_files["content/posts/new.md"] == result.ids["content/posts/new.md"]
    assert contents[git_files["content/posts/new.md"]] == new
    assert contents[git_files["content/posts/post-1.md"]] == entry(1, "x")
    assert_fsck_clean(reader.store)
