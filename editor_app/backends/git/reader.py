"""Read a site's branch over Git's smart HTTP protocol into its `SiteObjectStore`, in as few requests as possible.

Requests per open (each command is one HTTP request; protocol v2 needs no capability GET first because the
host profile says what the server supports):

- hosts with filters (protocol v2, `filter` and wants by id): `ls-refs` (1), then the commit and its trees,
  depth 1, `filter=blob:none`, offering the heads already held as haves (2), then exactly the blobs asked
  for that the store lacks, by id (3). An unchanged head costs the `ls-refs` alone.
- hosts without filters (v0/v1): the ref advertisement (1), then a depth-1 fetch of the whole tree with
  haves (2), refused up front when the caller says the repository is larger than
  `GitSettings.max_full_tree_bytes`.

Errors: 401/403 -> AuthError, 404 -> NotFoundError (the caller falls back to its API), a connection lost or
a damaged pack -> NetworkError (CorruptPackError), cancellation -> Cancelled. The store only ever receives
verified packs.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from dulwich.objects import Commit, ShaFile, Tree

from editor_app import __version__
from editor_app.backends.git import wire
from editor_app.backends.git.site_store import CorruptPackError, SiteObjectStore, TreeFile, site_store_dir
from editor_app.errors import AuthError, Cancelled, EditorError, NetworkError, NotFoundError

# On hosts without filters the whole tree of the head travels. Above this size (as the host's API reports
# the repository) the API route is used instead: 100 MiB takes about 30 s at 25 Mbit/s, roughly what a
# cold API open of a 1,000-entry site costs at Bitbucket's pace, and it keeps the store well inside its bound.
DEFAULT_MAX_FULL_TREE_BYTES = 100 * 1024 * 1024
UPLOAD_PACK = "git-upload-pack"
# How far before the oldest head held a warm fetch cuts history: committer clocks disagree by minutes,
# rarely hours; a day keeps a slightly skewed new head inside the cut.
DEEPEN_SINCE_MARGIN = 24 * 3600


class GitAuthRefused(AuthError):
    """The Git endpoint refused the token: `status` 401 (missing, expired, wrong form) or 403 (no access)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class GitRouteUnavailable(EditorError):
    """Git cannot serve this site here (too large for a whole-tree fetch, no filters, refused); use the API."""


@dataclass(frozen=True)
class GitProfile:
    """What a host's Git endpoint supports: protocol v2, and `filter` with wants by id (partial clone)."""

    protocol_v2: bool
    filters: bool


@dataclass(frozen=True)
class GitSettings:
    """Limits of the Git route (see the constants for the defaults' reasons)."""

    max_full_tree_bytes: int = DEFAULT_MAX_FULL_TREE_BYTES
    chunk_bytes: int = 64 * 1024


@dataclass(frozen=True)
class GitProgress:
    """Where a fetch is: stage ("refs", "download", "index"), objects done/total, bytes received so far."""

    stage: str
    objects: int = 0
    total_objects: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class GitStats:
    """Requests sent and bytes received (response bodies) by one reader."""

    requests: int
    bytes_received: int


class GitReader:
    """Reads one repository's branch heads, trees and blobs over smart HTTP into a `SiteObjectStore`.

    `client` is an httpx client (its transport decides where requests go); `auth` carries the token in the
    host's documented form for Git over HTTPS (see `basic_auth`/`bearer_auth`). Calls are thread-safe.
    """

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        store: SiteObjectStore,
        *,
        profile: GitProfile,
        auth: httpx.Auth | None = None,
        settings: GitSettings | None = None,
        progress: Callable[[GitProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.client = client
        self.url = url.rstrip("/")
        self.store = store
        self.profile = profile
        self.auth = auth
        self.settings = settings or GitSettings()
        self.progress = progress
        self.cancelled = cancelled
        self._lock = threading.RLock()
        self._requests = 0
        self._bytes = 0
        self.last_fetch_objects: set[str] = set()  # ids of the objects the last fetch brought
        store.remove_stale_temporaries()

    @property
    def stats(self) -> GitStats:
        return GitStats(self._requests, self._bytes)

    # -- public operations --------------------------------------------------------------------------------

    def remote_head(self, branch: str) -> str:
        """The branch's current commit on the server (one request)."""
        self._check_cancelled()
        advertisement = self._advertise(branch)
        ref = f"refs/heads/{branch}"
        if ref not in advertisement.refs:
            raise NotFoundError(f"branch {branch!r} not found in {self.url}")
        return advertisement.refs[ref]

    def open(self, branch: str, *, repository_size: int | None = None) -> str:
        """Make the store hold `branch`'s head commit and all its trees; return the head.

        One request when the head is unchanged, two otherwise (only new objects travel: the heads held are
        sent as haves). On hosts without filters the whole tree comes along, and `repository_size` (bytes,
        from the host's API) must be known and within the bound, else GitRouteUnavailable.
        """
        with self._lock:
            if not self.profile.filters:
                if repository_size is None or repository_size > self.settings.max_full_tree_bytes:
                    size = "unknown" if repository_size is None else f"{repository_size} bytes"
                    raise GitRouteUnavailable(
                        f"{self.url}: the host cannot leave out file contents and the repository size is {size}"
                        f" (the whole-tree bound is {self.settings.max_full_tree_bytes} bytes)"
                    )
            if self.store.over_bound():
                self.store.reset()
            for attempt in (1, 2):
                head = self.remote_head(branch)
                if self.store.contains(head) and self.store.has_trees(head):
                    self.store.set_head(branch, head)
                    return head
                try:
                    self._fetch_head(head)
                except wire.RemoteError as exc:
                    # The branch moved (and its old head became unreachable) between listing and fetching.
                    if attempt == 1 and _looks_unadvertised(str(exc)):
                        continue
                    raise NetworkError(f"{self.url}: the server refused the fetch: {exc}") from exc
                self.store.set_head(branch, head)
                return head
            raise AssertionError("unreachable")

    def list_files(self, head: str, folder: str = "") -> list[TreeFile]:
        """Files under `folder` in the commit `head` (which `open` fetched)."""
        return self.store.tree_files(head, folder)

    def fetch_blobs(self, ids: Iterable[str]) -> list[str]:
        """Fetch the blobs among `ids` that the store lacks, in one request; return the ids fetched."""
        return list(self._fetch_blobs(ids))

    def _fetch_blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        with self._lock:
            wanted = self.store.missing(ids)
            if not wanted:
                return {}
            if not self.profile.filters:
                raise GitRouteUnavailable(f"{self.url}: the host does not serve single files by id over Git")
            try:
                _, contents = self._fetch(
                    wire.FetchRequest(wants=tuple(wanted)), wanted, promisor=True, expect_commit=None, keep=wanted
                )
            except wire.RemoteError as exc:
                raise NetworkError(f"{self.url}: the server refused to send {len(wanted)} file(s): {exc}") from exc
            return {oid: contents[oid] for oid in wanted}

    def read_blobs(self, ids: Sequence[str]) -> dict[str, bytes]:
        """The contents of `ids` (fetching those missing first, one request at most)."""
        fetched = self._fetch_blobs(ids)
        held = self.store.read_blobs(oid for oid in ids if oid not in fetched)
        return {oid: fetched[oid] if oid in fetched else held[oid] for oid in ids}

    # -- fetching -----------------------------------------------------------------------------------------

    def _fetch_head(self, head: str) -> None:
        """Fetch `head` with its trees (and, without filters, its blobs), sending the heads held as haves.

        A cold store asks for depth 1. A warm one must not: upload-pack treats a depth-1 commit as having no
        parents, so nothing is excluded by the haves and every tree (every blob on hosts without filters)
        would travel again. It asks instead for the commits since shortly before the oldest head held
        (`deepen-since`): on a branch that moved forward that is exactly the new commits, minus what the haves
        exclude; on a rewritten branch the cut keeps the download to recent history, never the whole of it.
        A v0/v1 server without `deepen-since` gets plain haves: only new objects travel on a branch that moved
        forward, and a rewritten one costs at most the repository's size, which was checked against the bound.
        """
        shallow = self.store.shallow()
        haves = tuple(self.store.haves())
        filter_spec = "blob:none" if self.profile.filters else None
        since = self._since(haves)
        if not haves:
            request = wire.FetchRequest(wants=(head,), depth=1, filter_spec=filter_spec)
        elif since is not None:
            request = wire.FetchRequest(
                wants=(head,), haves=haves, shallow=tuple(sorted(shallow)), deepen_since=since, filter_spec=filter_spec
            )
        else:
            request = wire.FetchRequest(wants=(head,), haves=haves, shallow=tuple(sorted(shallow)),
                                        filter_spec=filter_spec)
        try:
            parser, _ = self._fetch(request, [head], promisor=self.profile.filters, expect_commit=head)
        except wire.RemoteError:
            if since is None:
                raise
            # A clock-skewed head older than the cut: depth 1 after all.
            request = wire.FetchRequest(wants=(head,), haves=haves, shallow=tuple(sorted(shallow)), depth=1,
                                        filter_spec=filter_spec)
            parser, _ = self._fetch(request, [head], promisor=self.profile.filters, expect_commit=head)
        added = set(parser.shallow)
        if request.depth == 1 and not added and head not in shallow:
            added = {head}
        self.store.update_shallow(added, parser.unshallow)

    def _since(self, haves: Sequence[str]) -> int | None:
        if not haves:
            return None
        if not self.profile.protocol_v2 and b"deepen-since" not in self._v1_capabilities:
            return None
        times = []
        for have in haves:
            commit = self.store.get(have)
            if isinstance(commit, Commit):
                times.append(commit.commit_time)
        return min(times) - DEEPEN_SINCE_MARGIN if times else None

    def _fetch(
        self,
        request: wire.FetchRequest,
        wanted: Sequence[str],
        *,
        promisor: bool,
        expect_commit: str | None,
        keep: Sequence[str] = (),
    ) -> tuple[wire.FetchResponseParser, dict[str, bytes]]:
        self._check_cancelled()
        if self.profile.protocol_v2:
            body = wire.fetch_v2(request)
        else:
            try:
                body = wire.fetch_v1(request, self._v1_capabilities)
            except wire.WireError as exc:
                raise GitRouteUnavailable(f"{self.url}: cannot fetch over Git here: {exc}") from exc
        parser = wire.FetchResponseParser(protocol_v2=self.profile.protocol_v2)
        temp = self.store.new_pack_path()
        received = 0
        try:
            with temp.open("wb") as sink:
                pack_bytes = 0
                for packet in self._post(body, stage="download"):
                    try:
                        data = parser.take(packet)
                    except wire.WireError as exc:
                        raise CorruptPackError(f"{self.url}: malformed fetch response: {exc}") from exc
                    if data:
                        sink.write(data)
                        pack_bytes += len(data)
                received = pack_bytes
            if not parser.done:
                raise CorruptPackError(
                    f"{self.url}: the pack ended early ({received} bytes received, no end marker): truncated"
                )

            def verify(ids: set[str], get: Callable[[str], ShaFile]) -> None:
                self._verify(ids, get, wanted, expect_commit)

            def on_object(done: int, total: int) -> None:
                self._check_cancelled()
                self._report(GitProgress("index", done, total, self._bytes))

            self.last_fetch_objects, contents = self.store.install_pack(
                temp, promisor=promisor, verify=verify, keep=keep, on_object=on_object
            )
        finally:
            temp.unlink(missing_ok=True)
        return parser, contents

    def _verify(
        self, ids: set[str], get: Callable[[str], ShaFile], wanted: Sequence[str], expect_commit: str | None
    ) -> None:
        """Refuse a pack that lacks what was asked for, or whose commit's trees are incomplete."""
        def have(oid: str) -> bool:
            return oid in ids or self.store.contains(oid)

        missing = [oid for oid in wanted if not have(oid)]
        if missing:
            raise CorruptPackError(
                f"{self.url}: the pack lacks {len(missing)} object(s) asked for (first {missing[0]}); it holds"
                f" {len(ids)} other object(s) whose content does not hash to the ids asked for"
            )
        if expect_commit is None:
            return

        def load(oid: str) -> ShaFile:
            return get(oid) if oid in ids else self.store.get(oid)

        commit = load(expect_commit)
        if not isinstance(commit, Commit):
            raise CorruptPackError(f"{self.url}: {expect_commit} is not a commit")
        pending = [commit.tree.decode("ascii")]
        while pending:
            oid = pending.pop()
            if not have(oid):
                raise CorruptPackError(f"{self.url}: the pack lacks tree {oid} of commit {expect_commit}")
            tree = load(oid)
            if not isinstance(tree, Tree):
                raise CorruptPackError(f"{self.url}: {oid} is not a tree")
            pending += [entry.sha.decode("ascii") for entry in tree.items() if entry.mode == 0o040000]

    # -- HTTP ---------------------------------------------------------------------------------------------

    def _advertise(self, branch: str) -> wire.Advertisement:
        version = "v2" if self.profile.protocol_v2 else "v0/v1"
        try:
            if self.profile.protocol_v2:
                packets = list(self._post(wire.ls_refs_v2([f"refs/heads/{branch}"]), stage="refs"))
                return wire.parse_ls_refs_v2(packets)
            packets = list(self._get_refs_v1())
            advertisement = wire.parse_advertisement_v1(packets)
        except wire.WireError as exc:
            raise NetworkError(f"{self.url}: unexpected answer to a protocol {version} ref listing: {exc}") from exc
        except wire.RemoteError as exc:
            raise NetworkError(f"{self.url}: the server refused to list refs: {exc}") from exc
        self._v1_capabilities = advertisement.capabilities
        return advertisement

    _v1_capabilities: frozenset[bytes] = frozenset()

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": f"application/x-{UPLOAD_PACK}-result", "Accept-Encoding": "identity"}
        if self.profile.protocol_v2:
            headers["Git-Protocol"] = "version=2"
        return headers

    def _get_refs_v1(self) -> Iterable[bytes | str]:
        request = self.client.build_request(
            "GET", f"{self.url}/info/refs", params={"service": UPLOAD_PACK}, headers={"Accept": "*/*"}
        )
        return self._send(request, stage="refs")

    def _post(self, body: bytes, *, stage: str) -> Iterable[bytes | str]:
        headers = self._headers()
        headers["Content-Type"] = f"application/x-{UPLOAD_PACK}-request"
        request = self.client.build_request("POST", f"{self.url}/{UPLOAD_PACK}", content=body, headers=headers)
        return self._send(request, stage=stage)

    def _send(self, request: httpx.Request, *, stage: str) -> Iterable[bytes | str]:
        """Send one request and yield its pkt-lines as they arrive (checking for cancel between chunks)."""
        self._check_cancelled()
        self._requests += 1
        reader = wire.PktReader()
        received = 0
        try:
            response = self.client.send(request, auth=self.auth or httpx.USE_CLIENT_DEFAULT, stream=True)
        except httpx.TransportError as exc:
            raise NetworkError(f"{self.url}: cannot reach the Git server ({type(exc).__name__})") from exc
        try:
            self._raise_for_status(response)
            started = time.monotonic()
            try:
                for chunk in response.iter_raw(self.settings.chunk_bytes):
                    received += len(chunk)
                    self._bytes += len(chunk)
                    self._check_cancelled()
                    self._report(GitProgress(stage, 0, 0, self._bytes))
                    yield from reader.feed(chunk)
            except httpx.TransportError as exc:
                raise NetworkError(
                    f"{self.url}: the connection dropped after {received} bytes"
                    f" ({time.monotonic() - started:.1f} s): {type(exc).__name__}"
                ) from exc
            except wire.WireError as exc:
                raise CorruptPackError(f"{self.url}: malformed response: {exc}") from exc
            if reader.pending:
                raise CorruptPackError(
                    f"{self.url}: the response ended inside a packet ({reader.pending} stray bytes): truncated"
                )
        finally:
            response.close()

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        where = f"{self.url} (Git over HTTPS)"
        if status == 401:
            raise GitAuthRefused(f"{where}: the login was refused (401); the token may be missing or expired", 401)
        if status == 403:
            raise GitAuthRefused(
                f"{where}: access denied (403); the token lacks permission to read the repository", 403
            )
        if status == 404:
            raise NotFoundError(f"{where}: repository not found (404)")
        raise NetworkError(f"{where}: the server answered {status}")

    def _report(self, progress: GitProgress) -> None:
        if self.progress is not None:
            self.progress(progress)

    def _check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled(f"{self.url}: reading over Git was cancelled")


def _looks_unadvertised(message: str) -> bool:
    return "not our ref" in message or "not valid" in message or "unadvertised" in message


def basic_auth(username: str, token: str) -> httpx.Auth:
    """HTTP Basic with the token as password: GitHub (any user), GitLab (`oauth2`), Bitbucket (`x-token-auth`)."""
    return httpx.BasicAuth(username, token)


class CurrentTokenBasicAuth(httpx.Auth):
    """HTTP Basic with the API client's current token as password, read per request: a token the adapter
    renews (GitLab's PKCE, Gitea's OAuth) is the one Git gets too."""

    def __init__(self, username: str, token: Callable[[], str]) -> None:
        self._username = username
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        pair = f"{self._username}:{self._token()}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        yield request


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>` (Azure DevOps with Entra tokens, Gitea)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


def store_for(cache_dir: Path, url: str) -> SiteObjectStore:
    """The store of the repository at `url`, below the app's cache dir."""
    return SiteObjectStore(site_store_dir(cache_dir, url), remote_url=url)


def make_git_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client for Git requests: redirects followed (httpx drops credentials across origins)."""
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(60.0, connect=10.0),
        follow_redirects=True,
        headers={"User-Agent": f"git/2.0 (editor-app {__version__})"},
    )
