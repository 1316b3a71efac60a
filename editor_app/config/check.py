"""`editor-app check-config PATH`: validate a site's config.yml and print a summary or every error."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import TextIO

from editor_app.config.loader import load_site_config
from editor_app.config.site_config import Collection, SiteConfig
from editor_app.errors import ConfigError

EXIT_OK = 0
EXIT_INVALID = 2


# OS reasons in the words of the one-line error (others use the OS's own text).
_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
}


def cannot_read_message(path: str | Path, error: OSError) -> str:
    """The one-line error for a config that cannot be read: `editor-app: cannot read config.yml at PATH: why`."""
    reason = _REASONS.get(error.errno or 0) or (error.strerror or str(error)).lower()
    return f"editor-app: cannot read config.yml at {path}: {reason}"


def unreadable_config(path: str | Path) -> str | None:
    """The one-line error when the config file at `path` cannot be read, else None."""
    try:
        with open(path, "rb") as stream:
            stream.read(1)
    except OSError as error:
        return cannot_read_message(path, error)
    return None


def describe_collection(collection: Collection) -> str:
    """One summary line for a collection (where its entries live and how many fields they have)."""
    if collection.is_folder:
        kind = f"folder {collection.folder or '.'}/ ({collection.entry_extension})"
        if collection.nested:
            kind += f", nested depth {collection.nested.depth}"
        return f"  {collection.name}: {kind}, {len(collection.fields)} fields"
    files = ", ".join(f"{f.file} ({len(f.fields)} fields)" for f in collection.files)
    return f"  {collection.name}: files {files}"


def summarize(config: SiteConfig) -> str:
    """The short summary printed for a valid config."""
    backend = config.backend
    where = f" {backend.repo}" if backend.repo else ""
    branch = f" (branch {backend.branch})" if backend.branch else ""
    lines = [
        f"{config.source_file}: OK",
        f"backend: {backend.name}{where}{branch}, publish mode {config.publish_mode}",
        f"media: {config.media_folder or '-'} (public {config.public_folder or '-'})",
        f"collections ({len(config.collections)}):",
    ]
    lines += [describe_collection(c) for c in config.collections]
    if config.warnings:
        lines.append(f"warnings ({len(config.warnings)}):")
        lines += [f"  {w}" for w in config.warnings]
    return "\n".join(lines)


def main(argv: list[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command; 0 when the config is valid, 2 when it is not (each error as `file:line: message`)."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(prog="editor-app check-config", description="Validate a site's config.yml.")
    parser.add_argument("path", help="the config file (config.yml)")
    args = parser.parse_args(argv)
    try:
        config = load_site_config(args.path)
    except OSError as exc:
        print(cannot_read_message(args.path, exc), file=err)
        return EXIT_INVALID
    except UnicodeDecodeError as exc:
        print(f"{args.path}: not UTF-8 text: {exc.reason}", file=err)
        return EXIT_INVALID
    except ConfigError as exc:
        for problem in exc.problems:
            print(str(problem), file=err)
        print(f"{len(exc.problems)} error(s)", file=err)
        return EXIT_INVALID
    print(summarize(config), file=out)
    return EXIT_OK
