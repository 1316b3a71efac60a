"""Small translated sites for the i18n tests: one per structure, with files as Decap CMS writes them."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from pathlib import Path

from editor_app.backends.base import Backend
from editor_app.backends.local import LocalBackend
from editor_app.backends.test_repo import TestRepoBackend
from editor_app.config.loader import parse_site_config
from editor_app.config.site_config import SiteConfig
from editor_app.errors import NotFoundError
from editor_app.workspace.cache import ContentCache
from editor_app.workspace.journal import DraftsJournal
from editor_app.workspace.workspace import Workspace, backend_settings_from_config
from tests.workspace.helpers import NOW, CountingBackend

STRUCTURES = ("multiple_folders", "multiple_files", "single_file")
BACKEND_KINDS = ("test-repo", "local")

CONFIG = """\
backend:
  name: test-repo
publish_mode: {publish_mode}
media_folder: static/media
i18n:
  structure: {structure}
  locales: [en, fr, de]
  default_locale: en
collections:
  - name: posts
    label: Posts
    folder: content/posts
    create: true
    i18n: true
    fields:
      - {{label: Title, name: title, widget: string, i18n: true}}
      - {{label: Date, name: date, widget: string, i18n: duplicate}}
      - {{label: Draft, name: draft, widget: boolean, required: false}}
      - {{label: Body, name: body, widget: markdown, i18n: true}}
  - name: pages
    label: Pages
    i18n:
      structure: single_file
    files:
      - name: home
        label: Home
        file: data/home.json
        i18n: true
        fields:
          - {{label: Heading, name: heading, widget: string, i18n: true}}
          - {{label: Colour, name: colour, widget: string, i18n: duplicate}}
"""

# Decap's frontmatter writer (gray-matter): "---\n", the YAML, "---\n", then the body and a newline.
EN_HELLO = "---\ntitle: Hello world\ndate: 2024-03-01T09:00:00.000Z\ndraft: false\n---\nHello from the garden.\n"
FR_HELLO = "---\ntitle: Bonjour le monde\ndate: 2024-03-01T09:00:00.000Z\n---\nBonjour du jardin.\n"
DE_HELLO = "---\ntitle: Hallo Welt\ndate: 2024-03-01T09:00:00.000Z\n---\nHallo aus dem Garten.\n"
EN_BEANS = "---\ntitle: Beans\ndate: 2024-04-01T09:00:00.000Z\ndraft: true\n---\nRunner beans climb.\n"
FR_BEANS = "---\ntitle: Haricots\ndate: 2024-04-01T09:00:00.000Z\n---\nLes haricots grimpent.\n"
# single_file: every locale's fields (body too) nested under the locale in the front matter, no body after it.
SINGLE_HELLO = (
    "---\nen:\n  title: Hello world\n  date: 2024-03-01T09:00:00.000Z\n  draft: false\n"
    "  body: Hello from the garden.\nfr:\n  title: Bonjour le monde\n  date: 2024-03-01T09:00:00.000Z\n"
    "  body: Bonjour du jardin.\nde:\n  title: Hallo Welt\n  date: 2024-03-01T09:00:00.000Z\n"
    "  body: Hallo aus dem Garten.\n---\n"
)
SINGLE_BEANS = (
    "---\nen:\n  title: Beans\n  date: 2024-04-01T09:00:00.000Z\n  draft: true\n  body: Runner beans climb.\n"
    "fr:\n  title: Haricots\n  date: 2024-04-01T09:00:00.000Z\n  body: Les haricots grimpent.\n---\n"
)
# Decap's JSON writer: JSON.stringify(data, null, 2), no newline at the end.
HOME_JSON = (
    '{\n  "en": {\n    "heading": "Welcome",\n    "colour": "green"\n  },\n'
    '  "fr": {\n    "heading": "Bienvenue",\n    "colour": "green"\n  }\n}'
)

FILES = {
    "multiple_folders": {
        "content/posts/en/hello.md": EN_HELLO, "content/posts/fr/hello.md": FR_HELLO,
        "content/posts/de/hello.md": DE_HELLO,
        "content/posts/en/beans.md": EN_BEANS, "content/posts/fr/beans.md": FR_BEANS,
    },
    "multiple_files": {
        "content/posts/hello.en.md": EN_HELLO, "content/posts/hello.fr.md": FR_HELLO,
        "content/posts/hello.de.md": DE_HELLO,
        "content/posts/beans.en.md": EN_BEANS, "content/posts/beans.fr.md": FR_BEANS,
    },
    "single_file": {"content/posts/hello.md": SINGLE_HELLO, "content/posts/beans.md": SINGLE_BEANS},
}

# Where each locale of an entry lives, per structure.
PATHS = {
    "multiple_folders": lambda slug, locale: f"content/posts/{locale}/{slug}.md",
    "multiple_files": lambda slug, locale: f"content/posts/{slug}.{locale}.md",
    "single_file": lambda slug, locale: f"content/posts/{slug}.md",
}

GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


@dataclasses.dataclass
class Site:
    """A translated site behind a counting backend; `workspace()` opens it as after a restart."""

    tmp: Path
    structure: str
    config: SiteConfig
    counting: CountingBackend
    inner: Backend

    def workspace(self) -> Workspace:
        """A workspace on the site (cache and journal shared between calls)."""
        ws = Workspace(self.counting, self.config, ContentCache(self.tmp / "cache"),  # type: ignore[arg-type]
                       DraftsJournal(self.tmp / "journal"), clock=lambda: NOW)
        ws.open()
        return ws

    def read(self, path: str, branch: str | None = None) -> bytes | None:
        """The file's bytes on the site's branch (or `branch`), None when it does not exist."""
        try:
            return self.inner.read_file(path, branch=branch)[0]
        except NotFoundError:
            return None

    def path(self, slug: str, locale: str) -> str:
        """The file holding `locale` of entry `slug`."""
        return PATHS[self.structure](slug, locale)


def make_site(tmp: Path, structure: str, kind: str = "test-repo", publish_mode: str = "simple") -> Site:
    """The translated site in `structure`, served by the sandbox backend or a git working copy."""
    config = parse_site_config(CONFIG.format(structure=structure, publish_mode=publish_mode), "config.yml")
    files = dict(FILES[structure], **{"data/home.json": HOME_JSON})
    seed = tmp / "seed"
    for path, text in files.items():
        target = seed / "repo" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    settings = backend_settings_from_config(config)
    inner: Backend
    if kind == "test-repo":
        inner = TestRepoBackend(settings, seed_dir=seed, clock=lambda: NOW)
    else:
        folder = seed / "repo"
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "seed"]):
            subprocess.run(["git", *args], cwd=folder, check=True, env=GIT_ENV)
        settings = dataclasses.replace(backend_settings_from_config(config, local_path=str(folder)), name="local")
        inner = LocalBackend(settings)
    return Site(tmp, structure, config, CountingBackend(inner), inner)


SiteFactory = Callable[..., Site]
