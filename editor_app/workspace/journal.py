"""DraftsJournal: every edit of an open entry, on disk as it is typed, until the commit containing it succeeds.

One file per draft (named by a hash of its key) in the journal folder. Each write goes to a temp file in the
same folder, is fsynced, then renamed over the old file (and the folder is fsynced): after a crash, a kill
or a power cut the journal holds the previous complete draft or the new one, never a mix. A file that does
not parse (written by something else, damaged on disk) is set aside as `*.damaged`, never deleted, and not
offered. Only the standard library is used, so the journal has nothing to fail at import.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from editor_app.paths import TEMP_PREFIX, sync_folder, write_atomically

JOURNAL_FORMAT = 1
_SUFFIX = ".draft.json"
_TEMP_PREFIX = TEMP_PREFIX


@dataclass(frozen=True)
class DraftKey:
    """What a draft belongs to: a site, a collection and an entry (slug, or path for a new entry)."""

    site: str
    collection: str
    entry: str

    def file_name(self) -> str:
        """The journal file name of this key (a hash: sites and slugs may hold any character)."""
        text = json.dumps([self.site, self.collection, self.entry])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40] + _SUFFIX


@dataclass(frozen=True)
class Draft:
    """An unsaved edit: the entry's text (and/or form data), what it started from, and when it was written.

    `base_id` is the blob id of the file the edit started from ("" for a new entry), `base_head` the branch
    head then. `saved_at` is seconds since the epoch.
    """

    key: DraftKey
    path: str
    raw: str | None = None
    data: dict[str, Any] | None = None
    base_id: str | None = None
    base_head: str | None = None
    saved_at: float = 0.0
    is_new: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def when(self) -> _dt.datetime:
        """`saved_at` as an aware UTC datetime."""
        return _dt.datetime.fromtimestamp(self.saved_at, tz=_dt.UTC)


class DraftsJournal:
    """Drafts on disk under `root`, one atomic file each; safe to use from several threads."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._remove_stale_temp_files()

    def _path(self, key: DraftKey) -> Path:
        return self.root / key.file_name()

    def write(self, key: DraftKey, draft: Draft) -> None:
        """Store `draft` under `key`, atomically: afterwards the journal holds it even if the process dies."""
        if draft.key != key:
            raise ValueError(f"draft for {draft.key} written under {key}")
        body = {
            "format": JOURNAL_FORMAT,
            "key": [key.site, key.collection, key.entry],
            "path": draft.path,
            "raw": draft.raw,
            "data": _to_json(draft.data),
            "base_id": draft.base_id,
            "base_head": draft.base_head,
            "saved_at": draft.saved_at,
            "is_new": draft.is_new,
            "extra": _to_json(draft.extra),
        }
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        envelope = json.dumps({"sha256": hashlib.sha256(payload.encode("utf-8")).hexdigest(), "payload": payload})
        write_atomically(self._path(key), envelope.encode("utf-8"))

    def read(self, key: DraftKey) -> Draft | None:
        """The draft stored under `key`, or None."""
        return self._read_file(self._path(key))

    def pending(self, site: str | None = None) -> list[Draft]:
        """Every stored draft (of `site` when given), oldest first: what to offer back after a restart."""
        if not self.root.is_dir():
            return []
        drafts = []
        for path in sorted(self.root.glob("*" + _SUFFIX)):
            draft = self._read_file(path)
            if draft is not None and (site is None or draft.key.site == site):
                drafts.append(draft)
        return sorted(drafts, key=lambda d: d.saved_at)

    def discard(self, key: DraftKey) -> None:
        """Forget the draft under `key` (after its commit succeeded, or when the editor throws it away)."""
        _remove_quietly(self._path(key))
        sync_folder(self.root)

    def _read_file(self, path: Path) -> Draft | None:
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            return None
        try:
            envelope = json.loads(text)
            payload = envelope["payload"]
            if hashlib.sha256(payload.encode("utf-8")).hexdigest() != envelope["sha256"]:
                raise ValueError("checksum mismatch")
            body = json.loads(payload)
            site, collection, entry = body["key"]
            return Draft(
                key=DraftKey(site, collection, entry),
                path=body["path"],
                raw=body["raw"],
                data=_from_json(body["data"]),
                base_id=body["base_id"],
                base_head=body["base_head"],
                saved_at=float(body["saved_at"]),
                is_new=bool(body["is_new"]),
                extra=_from_json(body.get("extra")) or {},
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            # Keep what cannot be read (someone may still recover it by hand) but stop offering it.
            try:
                os.replace(path, path.with_name(path.name + f".{int(time.time())}.damaged"))
            except OSError:
                pass
            return None

    def _remove_stale_temp_files(self) -> None:
        # Temp files are only left by a process that died mid-write; the previous draft is intact beside them.
        if self.root.is_dir():
            now = time.time()
            for path in self.root.glob(_TEMP_PREFIX + "*"):
                try:
                    stale = now - path.stat().st_mtime > 60  # younger ones may belong to a live writer
                except OSError:
                    continue
                if stale:
                    _remove_quietly(path)


# Form data may hold dates and bytes (YAML timestamps, binary); JSON gets them tagged and gives them back.
_TAG = "__editor_app_type__"


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, _dt.datetime):
        return {_TAG: "datetime", "value": value.isoformat()}
    if isinstance(value, _dt.date):
        return {_TAG: "date", "value": value.isoformat()}
    if isinstance(value, bytes):
        return {_TAG: "bytes", "value": base64.b64encode(value).decode("ascii")}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        tag = value.get(_TAG)
        if tag == "datetime":
            return _dt.datetime.fromisoformat(value["value"])
        if tag == "date":
            return _dt.date.fromisoformat(value["value"])
        if tag == "bytes":
            return base64.b64decode(value["value"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


