"""A site on the fake GitHub (in process) under editorial workflow, for workspace and window tests."""

from __future__ import annotations

from pathlib import Path

import httpx

from editor_app.backends.base import Credentials
from editor_app.backends.github import GitHubBackend
from editor_app.config.loader import parse_site_config
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace, backend_settings_from_config
from tests.backends.conftest import FIXTURE_FILES, GITHUB_TOKEN, make_fake_github
from tests.fakes.github import FakeGitHub

CONFIG = """\
backend:
  name: github
  repo: o/r
  branch: main
publish_mode: editorial_workflow
site_url: https://garden.example.org
media_folder: static/img
collections:
  - name: posts
    label: Posts
    label_singular: Post
    folder: content/posts
    create: true
    preview_path: "blog/{{slug}}/"
    fields:
      - {name: title, label: Title, widget: string}
      - {name: body, label: Body, widget: markdown}
"""


def github_workspace(
    tmp: Path, config: str = CONFIG, files: dict[str, bytes] | None = None
) -> tuple[Workspace, FakeGitHub]:
    """An opened workspace over a FakeGitHub holding `files` (the backend fixtures by default)."""
    fake = make_fake_github(FIXTURE_FILES if files is None else files)
    site = parse_site_config(config, "config.yml")
    backend = GitHubBackend.connect(backend_settings_from_config(site), Credentials(GITHUB_TOKEN),
                                    transport=httpx.MockTransport(fake))
    workspace = Workspace(backend, site, ContentCache(tmp / "cache"), DraftsJournal(tmp / "journal"))
    workspace.open()
    return workspace, fake
