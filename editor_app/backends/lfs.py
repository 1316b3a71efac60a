"""Git LFS for the host adapters, host-agnostic: pointer files, `.gitattributes` patterns and the batch API.

Batch API (basic transfer): https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md
Its requests are built by hand and sent with `client.send`, so none of an API client's default headers (its
token) goes to the LFS store's upload or download URLs: each gets only the headers named for it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

POINTER_PREFIX = b"version https://git-lfs.github.com/spec/v1\n"
POINTER_MAX = 1024  # git-lfs pointers are tiny; a big file that starts alike is content
MEDIA_TYPE = "application/vnd.git-lfs+json"


def is_pointer(data: bytes) -> bool:
    """True when `data` is a Git LFS pointer file (the repository holds it; the content lives in LFS)."""
    return len(data) <= POINTER_MAX and data.startswith(POINTER_PREFIX) and b"\noid sha256:" in data


def pointer_for(data: bytes) -> tuple[str, bytes]:
    """The Git LFS object id (sha256) of `data` and the pointer file that stands for it in the repository."""
    oid = hashlib.sha256(data).hexdigest()
    return oid, POINTER_PREFIX + b"oid sha256:%s\nsize %d\n" % (oid.encode(), len(data))


def parse_pointer(pointer: bytes) -> tuple[str, int]:
    """(object id, size) that a pointer file names."""
    fields = dict(line.split(" ", 1) for line in pointer.decode("ascii", "replace").splitlines() if " " in line)
    size = fields.get("size", "0")
    return fields.get("oid", "").removeprefix("sha256:"), int(size) if size.isdigit() else 0


def tracked_patterns(gitattributes: str) -> list[str]:
    """The patterns `.gitattributes` sends through Git LFS (`filter=lfs`)."""
    found = []
    for line in gitattributes.splitlines():
        parts = line.split()
        if len(parts) > 1 and not parts[0].startswith("#") and "filter=lfs" in parts[1:]:
            found.append(parts[0])
    return found


def is_tracked(path: str, patterns: Sequence[str]) -> bool:
    """True when `path` falls under one of the `.gitattributes` patterns (a pattern without a slash matches the
    file name anywhere, as git's do)."""
    name = path.rsplit("/", 1)[-1]
    for pattern in patterns:
        if "/" not in pattern.strip("/"):
            if fnmatch.fnmatchcase(name, pattern.strip("/")):
                return True
        elif fnmatch.fnmatchcase(path, pattern.lstrip("/").replace("**/", "*")):
            return True
    return False


def batch_actions(client: httpx.Client, root: str, operation: str, oid: str, size: int,
                  authorization: str) -> tuple[int, dict[str, Any]]:
    """POST `{root}/objects/batch` for one object: (HTTP status, that object's `actions`, empty when none)."""
    body = {"operation": operation, "transfers": ["basic"], "objects": [{"oid": oid, "size": size}]}
    answer = client.send(httpx.Request(
        "POST", f"{root.rstrip('/')}/objects/batch", content=json.dumps(body).encode(),
        headers={"Accept": MEDIA_TYPE, "Content-Type": MEDIA_TYPE, "Authorization": authorization,
                 "User-Agent": client.headers.get("User-Agent", "")},
    ))
    if answer.status_code != 200:
        return answer.status_code, {}
    found = (answer.json().get("objects") or [{}])[0]  # ValueError for a body that is not JSON
    return 200, dict(found.get("actions") or {})


def run_action(client: httpx.Client, action: Mapping[str, Any], method: str, *, content: bytes | None = None,
               headers: Mapping[str, str] | None = None) -> httpx.Response:
    """`method` to an action's `href` with `headers` and the action's own `header`, nothing else."""
    return client.send(httpx.Request(method, action["href"], content=content,
                                     headers={**(headers or {}), **dict(action.get("header") or {})}))
