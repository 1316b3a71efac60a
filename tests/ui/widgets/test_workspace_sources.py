"""WorkspaceSources: relation search over the loaded index, media through the workspace."""

from __future__ import annotations

from dataclasses import dataclass, field

from editor_app.ui.widgets.workspace_sources import WorkspaceSources


@dataclass
class Indexed:
    slug: str
    data: dict
    file: str | None = None


@dataclass
class Media:
    path: str
    public_path: str


@dataclass
class FakeWorkspace:
    index: dict = field(default_factory=dict)
    media: dict = field(default_factory=dict)
    commits: list = field(default_factory=list)

    def entries(self, name):
        return self.index.get(name, [])

    def list_media(self):
        return [Media(path, "/" + path.split("/", 1)[1]) for path in sorted(self.media)]

    def upload_media(self, folder, files):
        self.commits.append([name for name, _data in files])
        items = []
        for name, data in files:
            self.media[f"static/{name}"] = data
            items.append(Media(f"static/{name}", f"/{name}"))
        return items

    def read_media(self, path):
        return self.media[path]


def test_search_matches_the_search_fields_and_adds_the_slug():
    ws = FakeWorkspace(index={"authors": [Indexed("ann", {"name": "Ann Lee", "bio": "writes"}),
                                          Indexed("bob", {"name": "Bob", "bio": "ann's friend"})]})
    sources = WorkspaceSources(ws)
    assert sources.search("authors", "ANN", ["name"], None) == [{"name": "Ann Lee", "bio": "writes", "slug": "ann"}]
    assert [e["slug"] for e in sources.search("authors", "ann", ["name", "bio"], None)] == ["ann", "bob"]
    assert [e["slug"] for e in sources.search("authors", "", ["name"], None)] == ["ann", "bob"]
    assert sources.search("missing", "", ["name"], None) == []


def test_media_list_upload_and_thumbnail_go_through_the_workspace(tmp_path):
    ws = FakeWorkspace(media={"static/cat.png": b"png"})
    sources = WorkspaceSources(ws)
    assert sources.list_media() == ["/cat.png"]
    assert sources.thumbnail("/cat.png") == b"png"
    assert sources.thumbnail("https://elsewhere.example/x.png") is None
    local = tmp_path / "dog.png"
    local.write_bytes(b"dog")
    assert sources.upload(str(local)) == "/dog.png"
    assert ws.commits == [["dog.png"]] and sources.thumbnail("/dog.png") == b"dog"


def test_an_entry_opened_before_the_media_library_still_gets_its_thumbnail():
    ws = FakeWorkspace(media={"static/cat.png": b"png"})
    sources = WorkspaceSources(ws)
    assert sources.thumbnail("/cat.png") == b"png"
    ws.media["static/late.png"] = b"late"
    assert sources.thumbnail("/late.png") is None  # the media folder is listed once, not on every miss
