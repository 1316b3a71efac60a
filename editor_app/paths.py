"""Where things live: bundled resources (checkout or frozen bundle) and the user's data, cache and config dirs;
and the two file helpers every layer shares: an atomic writer and a file-name cleaner."""

from __future__ import annotations

import os
import posixpath
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "editor-app"
APP_AUTHOR = "editor-app"

# Tests and portable installs point every user dir below one folder with this variable.
HOME_OVERRIDE_VARIABLE = "EDITOR_APP_HOME"


def resources_dir() -> Path:
    """The `resources/` folder: next to the package in a checkout, inside the bundle when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


@dataclass(frozen=True)
class AppDirs:
    """The user's directories for this app; pass one around instead of reading globals."""

    data: Path
    cache: Path
    config: Path

    @classmethod
    def default(cls) -> AppDirs:
        """Platform dirs, or all below $EDITOR_APP_HOME when it is set."""
        override = os.environ.get(HOME_OVERRIDE_VARIABLE)
        if override:
            return cls.under(Path(override))
        # Imported here: the file helpers below must import with the standard library alone (the journal's
        # crash test runs its writer without site-packages).
        import platformdirs

        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
            config=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        )

    @classmethod
    def under(cls, root: Path) -> AppDirs:
        """All dirs below one folder (tests, portable mode)."""
        return cls(data=root / "data", cache=root / "cache", config=root / "config")


# Temporary files of `write_atomically` start with this (a folder's stale ones can be found and removed).
TEMP_PREFIX = ".tmp-"


def write_atomically(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `target` so that readers see the old file or the new one, never a part of it.

    A temporary file beside `target` is written, then renamed over it. `durable` also syncs the file and
    its folder to disk before and after the rename (drafts, the sandbox: a power cut keeps the old or the
    new file); caches pass False (a torn cache file fails its checksum and is fetched again, and syncing
    every blob made a cold 10,000-entry load 8x slower).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    if durable:
        sync_folder(target.parent)


def sync_folder(folder: Path) -> None:
    """Make a rename or removal in `folder` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename itself is still atomic
    finally:
        os.close(fd)


# Decap's `sanitize-filename` rules: characters no file system takes, control characters, names made of
# dots, Windows' reserved device names and its trailing dots and spaces.
_FILENAME_ILLEGAL = re.compile(r'[/?<>\\:*|"]')
_FILENAME_CONTROL = re.compile(r"[\x00-\x1f\x80-\x9f]")
_RESERVED = re.compile(r"^\.+$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_WINDOWS_TRAILING = re.compile(r"[. ]+$")
_UNSAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


def sanitize_file_name(text: str, replacement: str) -> str:
    """`text` as a name every file system takes (Decap's `sanitize-filename`): what no system allows becomes
    `replacement`, and the name is cut to 255 bytes of UTF-8."""
    text = _FILENAME_ILLEGAL.sub(replacement, text)
    text = _FILENAME_CONTROL.sub(replacement, text)
    text = _RESERVED.sub(replacement, text)
    text = _WINDOWS_RESERVED.sub(replacement, text)
    text = _WINDOWS_TRAILING.sub(replacement, text)
    encoded = text.encode("utf-8")
    if len(encoded) > 255:
        text = encoded[:255].decode("utf-8", errors="ignore")
    return text


def clean_file_name(name: str) -> str:
    """A safe file name from what a user or a host gave (an uploaded file's name): the last path part, runs of
    anything but letters, digits, `.`, `_` and `-` made one `-`, then `sanitize_file_name`'s rules, no leading
    or trailing dots or dashes; "file" when nothing is left."""
    base = posixpath.basename(name.replace("\\", "/")).strip()
    cleaned = sanitize_file_name(_UNSAFE_NAME.sub("-", base), "-").strip("-.")
    return cleaned or "file"
