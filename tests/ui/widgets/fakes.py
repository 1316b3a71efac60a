"""Fakes for the form's collaborators and a way to build fields from YAML."""

from __future__ import annotations

import shutil
from pathlib import Path

from editor_app.config.loader import parse_site_config
from editor_app.config.site_config import Field

# A 1x1 red PNG, for thumbnails and pasted images.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0"
    "00000301010018dd8db00000000049454e44ae426082"
)


def fields_of(yaml_fields: str) -> list[Field]:
    """The fields of a one-file config whose `fields:` block is given (YAML list)."""
    indented = "\n".join("          " + line for line in yaml_fields.strip().splitlines())
    text = ("backend: {name: test-repo}\nmedia_folder: static/img\npublic_folder: /img\ncollections:\n"
            "  - name: pages\n    label: Pages\n    files:\n"
            "      - name: page\n        label: Page\n        file: page.yml\n        fields:\n" + indented + "\n")
    return parse_site_config(text).collections[0].files[0].fields


class FakeRelationSource:
    """Searches a fixed list of entries per collection, substring match on the search fields."""

    def __init__(self, entries: dict[str, list[dict]]) -> None:
        self.entries = entries
        self.queries: list[tuple[str, str, tuple[str, ...], str | None]] = []

    def search(self, collection: str, query: str, search_fields: list[str], file: str | None) -> list[dict]:
        self.queries.append((collection, query, tuple(search_fields), file))
        found = []
        for entry in self.entries.get(collection, []):
            if not query or any(query.lower() in str(entry.get(f, "")).lower() for f in search_fields):
                found.append(entry)
        return found


class FakeMediaSource:
    """A media folder in a temporary directory; upload copies the file there."""

    def __init__(self, folder: Path, public: str = "/img") -> None:
        self.folder = folder
        self.public = public
        self.uploaded: list[str] = []
        folder.mkdir(parents=True, exist_ok=True)

    def list_media(self) -> list[str]:
        return sorted(f"{self.public}/{p.name}" for p in self.folder.iterdir())

    def upload(self, path: str) -> str:
        target = self.folder / Path(path).name
        shutil.copyfile(path, target)
        self.uploaded.append(path)
        return f"{self.public}/{target.name}"

    def thumbnail(self, public_path: str) -> bytes | None:
        target = self.folder / Path(public_path).name
        return target.read_bytes() if target.is_file() else None
