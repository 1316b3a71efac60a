"""An adapter's choice between Git and its API for reading a site: tried once, remembered per site, told.

The adapter asks the route first; `None` means "use your API". Git is given up when the server refuses the
login (401/403), does not know the repository (404), or cannot serve the site within the bounds
(GitRouteUnavailable). The choice is written next to the site's store, so the next session does not try
again for a while, except after a 401: that may be an expired token, and the next login should try Git.
Other failures (connection lost, damaged pack, cancel) are errors the caller shows:
retrying them through the API would fetch the same data a second time.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from editor_app.backends.git.reader import (
    GitAuthRefused,
    GitProfile,
    GitReader,
    GitRouteUnavailable,
    make_git_client,
    store_for,
)
from editor_app.backends.git.site_store import TreeFile
from editor_app.errors import AuthError, NotFoundError

ROUTE_GIT = "git"
ROUTE_API = "api"
# A site that refused Git is retried after a week: tokens get new scopes, hosts change settings.
DEFAULT_RETRY_AFTER = 7 * 24 * 3600.0
# A head read through the route stands for the listing and reads that follow it in the same open.
DEFAULT_FRESH_SECONDS = 10.0
CHOICE_FILE = "editor-app-route.json"


class GitRoute:
    """Reads one site's branch through a `GitReader` while that works; remembers when it did not."""

    def __init__(
        self,
        reader: GitReader,
        *,
        repository_size: Callable[[], int | None] | None = None,
        retry_after: float = DEFAULT_RETRY_AFTER,
        fresh_seconds: float = DEFAULT_FRESH_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`repository_size` is asked (one API request) only on hosts without filters, before the first fetch."""
        self.reader = reader
        self._repository_size = repository_size
        self._retry_after = retry_after
        self._fresh_seconds = fresh_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._opened: dict[str, tuple[str, float]] = {}
        self._choice_path = reader.store.path / CHOICE_FILE
        self.reason = ""
        self.route = self._remembered()

    @property
    def uses_git(self) -> bool:
        return self.route == ROUTE_GIT

    def head(self, branch: str) -> str | None:
        """The branch head, its trees made local (1 request unchanged, 2 otherwise); None: use the API."""
        with self._lock:
            if not self.uses_git:
                return None
            try:
                size = None
                if not self.reader.profile.filters and self._repository_size is not None:
                    size = self._repository_size()
                head = self.reader.open(branch, repository_size=size)
            except (AuthError, NotFoundError, GitRouteUnavailable) as exc:
                self._give_up(exc)
                return None
            self._opened[branch] = (head, self._clock())
            return head

    def files(self, branch: str, folder: str, *, expected_head: str | None = None) -> tuple[str, list[TreeFile]] | None:
        """(head, files under `folder`) from the store, opening first unless a head was read just now; with
        `expected_head` (the head the adapter's API just reported) a different head read earlier is not reused."""
        with self._lock:
            opened = self._opened.get(branch)
            reusable = opened and self._clock() - opened[1] <= self._fresh_seconds
            if reusable and expected_head is not None and opened and opened[0] != expected_head:
                reusable = False
            head = opened[0] if opened and reusable else self.head(branch)
            if head is None:
                return None
            return head, self.reader.list_files(head, folder)

    def read(self, ids: Sequence[str]) -> dict[str, bytes] | None:
        """Contents by blob id (the missing ones fetched in one request); None: use the API."""
        with self._lock:
            if not self.uses_git:
                return None
            try:
                return self.reader.read_blobs(ids)
            except (AuthError, NotFoundError, GitRouteUnavailable) as exc:
                self._give_up(exc)
                return None

    # -- remembering ----------------------------------------------------------------------------------

    def _give_up(self, error: Exception) -> None:
        reason = str(error)
        self.route, self.reason = ROUTE_API, reason
        self._opened.clear()
        if isinstance(error, GitAuthRefused) and error.status == 401:
            return  # this session only: an expired token is no reason to avoid Git after the next login
        record = {"route": ROUTE_API, "reason": reason, "at": self._clock()}
        temp = self._choice_path.with_name(CHOICE_FILE + ".tmp")
        temp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temp, self._choice_path)

    def _remembered(self) -> str:
        try:
            record = json.loads(self._choice_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ROUTE_GIT
        if not isinstance(record, dict) or record.get("route") != ROUTE_API:
            return ROUTE_GIT
        at = record.get("at")
        if not isinstance(at, (int, float)) or self._clock() - at > self._retry_after:
            self._choice_path.unlink(missing_ok=True)
            return ROUTE_GIT
        self.reason = str(record.get("reason", ""))
        return ROUTE_API

    def invalidate(self) -> None:
        """Forget the heads read just now (the branch was written): the next listing asks the server."""
        with self._lock:
            self._opened.clear()

    def close(self) -> None:
        self.reader.client.close()
        self.reader.store.close()

    def forget(self) -> None:
        """Try Git again from the next read on (after a new login, say)."""
        with self._lock:
            self._choice_path.unlink(missing_ok=True)
            self.route, self.reason = ROUTE_GIT, ""



def web_git_url(api_root: str, api_path: str, repo: str) -> str:
    """`<web root>/<repo>.git` for a host whose API lives at `<web root><api_path>` (GitLab's `/api/v4`,
    Gitea's `/api/v1`): self-hosted instances serve Git on the web root, next to their API."""
    web = api_root.rstrip("/").removesuffix(api_path.rstrip("/"))
    return f"{web.rstrip('/')}/{repo.strip('/')}.git"


def open_route(
    url: str,
    auth: httpx.Auth,
    cache_dir: Path,
    profile: GitProfile,
    *,
    transport: httpx.BaseTransport | None = None,
    repository_size: Callable[[], int | None] | None = None,
) -> GitRoute:
    """A route reading the repository at `url` with `auth`, its object store below `cache_dir`."""
    reader = GitReader(make_git_client(transport), url, store_for(cache_dir, url), profile=profile, auth=auth)
    return GitRoute(reader, repository_size=repository_size)
