"""Files pasted or dropped into a body: the entry's media folder, names from its slug, never overwriting,
optimised as the site asks; on the sandbox backend and on the GitHub fake."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image

from editor_app.config.loader import parse_site_config
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.media_upload import EntryMediaUploader
from editor_app.workspace.workspace import Workspace
from tests.backends.conftest import make_github
from tests.workspace.helpers import make_env

CONFIG = """\
backend: {name: github, repo: o/r, branch: main}
media_folder: static/media
public_folder: /media
media_libraries:
  default:
    config:
      transformations:
        raster_image: {format: webp, quality: 80, width: 64, height: 64}
collections:
  - name: posts
    label: Posts
    folder: content/posts
    create: true
    fields: [{name: title}, {name: body, widget: markdown}]
  - name: recipes
    label: Recipes
    folder: content/recipes
    media_folder: images
    public_folder: images
    create: true
    fields: [{name: title}, {name: body, widget: markdown}]
"""
FILES = {
    "content/posts/first-post.md": b"---\ntitle: First post\n---\nHello\n",
    "content/recipes/soup.md": b"---\ntitle: Soup\n---\nStir\n",
    "static/media/first-post.webp": b"already here",
}


def png(width: int = 200, height: int = 100) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def github_workspace(tmp_path: Path):
    site = parse_site_config(CONFIG, "config.yml")
    with make_github(tmp_path, FILES) as backend:
        ws = Workspace(backend, site, ContentCache(tmp_path / "cache"), DraftsJournal(tmp_path / "journal"))
        ws.open()
        yield ws


def test_a_pasted_image_is_named_after_the_slug_optimised_and_never_overwrites(github_workspace) -> None:
    ws = github_workspace
    entry = ws.open_entry("posts", "content/posts/first-post.md")
    uploaded = EntryMediaUploader(ws).upload(entry, [("image.png", png())], pasted=True)
    assert [u.repo_path for u in uploaded] == ["static/media/first-post-1.webp"]  # first-post.webp exists
    assert uploaded[0].public_path == "/media/first-post-1.webp"
    assert uploaded[0].markdown() == "![first-post-1](/media/first-post-1.webp)"
    assert uploaded[0].bytes_saved > 0 and any("saved" in n for n in uploaded[0].notices)
    stored = Image.open(io.BytesIO(ws.read_media("static/media/first-post-1.webp")))
    assert stored.format == "WEBP" and stored.size == (64, 32)
    assert ws.read_media("static/media/first-post.webp") == b"already here"


def test_per_collection_media_folders_and_dropped_non_images_are_linked(github_workspace) -> None:
    ws = github_workspace
    entry = ws.open_entry("recipes", "content/recipes/soup.md")
    uploader = EntryMediaUploader(ws)
    assert uploader.folders(entry) == ("content/recipes/images", "images")
    first = uploader.upload(entry, [("Menu Card.PDF", b"%PDF-1.4"), ("soup-photo.png", png(20, 20))])
    assert [u.repo_path for u in first] == ["content/recipes/images/soup-menu-card.pdf",
                                            "content/recipes/images/soup-photo.webp"]
    assert first[0].markdown() == "[soup-menu-card.pdf](images/soup-menu-card.pdf)"
    assert first[1].markdown() == "![soup-photo](images/soup-photo.webp)"
    again = uploader.upload(entry, [("Menu Card.PDF", b"%PDF-1.5")])
    assert again[0].repo_path == "content/recipes/images/soup-menu-card-1.pdf"
    assert ws.read_media("content/recipes/images/soup-menu-card.pdf") == b"%PDF-1.4"


def test_on_the_sandbox_without_transformations_files_go_up_as_they_are(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    ws = env.workspace()
    ws.load_collection("posts")
    indexed = ws.entries("posts")[0]
    entry = ws.open_entry("posts", indexed.path)
    data = png()
    uploaded = EntryMediaUploader(ws).upload(entry, [("pasted.png", data)], pasted=True)
    folder = ws.site.media_folder.strip("/")
    assert uploaded[0].repo_path == f"{folder}/{entry.slug}.png"
    assert uploaded[0].public_path == f"{ws.site.public_folder}/{entry.slug}.png"
    assert ws.read_media(uploaded[0].repo_path) == data and uploaded[0].notices == ()


def test_a_new_entry_without_a_slug_yet_gets_a_name_from_its_path(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    ws = env.workspace()
    entry = dataclasses.replace(ws.new_entry("posts"), slug="")
    name = EntryMediaUploader(ws).name_for(entry, "Photo 1.JPG", pasted=False)
    assert name.endswith("-photo-1.jpg") and not name.startswith("-")


def test_every_upload_through_the_workspace_is_optimised_media_library_included(github_workspace) -> None:
    ws = github_workspace
    items = ws.upload_media(None, [("big.png", png(640, 320))])
    assert items[0].path == "static/media/big.webp" and items[0].bytes_saved > 0 and items[0].notices
    assert Image.open(io.BytesIO(ws.read_media(items[0].path))).size == (64, 32)
