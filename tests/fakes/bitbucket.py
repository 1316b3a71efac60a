"""A fake Bitbucket Cloud REST 2.0 API over the in-memory git store.

`FakeBitbucket(store)` is a plain callable httpx.Request -> httpx.Response: use it as
`httpx.MockTransport(fake)` in process or with `tests.fakes.server.serve(fake)` on 127.0.0.1.
Branches, `src` (paginated listings with `max_depth`, raw reads, the multipart/urlencoded `POST /src`
with `files` deletions and the `parents` tip assertion that answers 409), commits, diffstat, diff and
pull requests (BBQL `q` filters, comments, merge with merge_commit/squash/fast_forward, decline,
statuses) follow Bitbucket's documented semantics, computed from the store, not scripted.
Error bodies are Bitbucket's: `{"type": "error", "error": {"message": ...}}`.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from tests.fakes.faults import Faults, RequestLog, timed
from tests.fakes.git_store import MODE_FILE, MODE_TREE, Commit, GitStore, Signature, StoreError, lfs_oid

WEB = "https://bitbucket.org"
EXPIRED_TOKEN_MESSAGE = "Access token expired. Use your refresh token to obtain a new access token."
RATE_LIMIT_MESSAGE = "Rate limit for this resource has been exceeded"
META_FIELDS = {"message", "author", "parents", "files", "branch"}
MERGE_STRATEGIES = ("merge_commit", "squash", "fast_forward")
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
MEDIA = "https://api.media.atlassian.com"


class ApiError(Exception):
    """An error answer: HTTP status and Bitbucket's error message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(message)


def error_body(message: str) -> dict[str, Any]:
    """Bitbucket's JSON error shape."""
    return {"type": "error", "error": {"message": message}}


def iso(timestamp: float) -> str:
    """Bitbucket's timestamp format (microseconds, +00:00)."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


@dataclass
class Account:
    """A user of the fake."""

    nickname: str
    display_name: str
    uuid: str
    account_id: str
    email: str


@dataclass
class PullRequest:
    """A pull request of the repository."""

    id: int
    title: str
    description: str
    source_branch: str
    destination_branch: str
    author: Account
    created: float
    updated: float
    source_sha: str
    destination_sha: str
    close_source_branch: bool = False
    state: str = "OPEN"
    merge_commit: str | None = None
    closed_by: Account | None = None
    comments: list[dict[str, Any]] = field(default_factory=list)


Route = tuple[str, re.Pattern[str], Callable[..., Any]]


class FakeBitbucket:
    """A fake api.bitbucket.org: call it with an httpx.Request, get an httpx.Response."""

    def __init__(self, store: GitStore, *, repo: str = "owner/repo", default_branch: str = "main",
                 tokens: dict[str, str] | None = None, clock: Callable[[], float] = time.time,
                 faults: Faults | None = None, api_prefix: str = "/2.0",
                 api_base: str = "https://api.bitbucket.org", repository_paths: bool = True) -> None:
        """`tokens` maps accepted tokens to user nicknames (default {"token": <workspace>}); without
        `repository_paths` the API answers for its one repository without `/repositories/{repo}` in the
        paths, as Git Gateway's /.netlify/git/bitbucket proxy does."""
        self.repository_paths = repository_paths
        self.store = store
        self.repo = repo
        self.workspace, self.slug = repo.split("/", 1)
        self.default_branch = default_branch
        self.clock = clock
        self.tokens = tokens if tokens is not None else {"token": self.workspace}
        self.expired: set[str] = set()
        self.accounts: dict[str, Account] = {}
        self.faults = faults or Faults(clock=clock)
        self.log = RequestLog()
        self.api_prefix = api_prefix.rstrip("/")
        self.api_base = api_base.rstrip("/")
        self.lock = threading.RLock()
        self.lfs_objects: dict[str, bytes] = {}  # sha256 -> content of the Git LFS objects the repository holds
        self.lfs_uploads: dict[str, tuple[str, bytes]] = {}  # upload id -> (oid, bytes PUT so far)
        self.pull_requests: dict[int, PullRequest] = {}
        self.pr_ids = itertools.count(1)
        self.comment_ids = itertools.count(144752541)
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.routes: list[Route] = []
        self._register_routes()

    # ---- setup helpers ---------------------------------------------------------------------
    def account(self, nickname: str) -> Account:
        """The user with `nickname` (created on first use)."""
        if nickname not in self.accounts:
            n = len(self.accounts) + 1
            self.accounts[nickname] = Account(nickname, nickname.title(), f"{{00000000-0000-4000-8000-{n:012d}}}",
                                              f"557058:{n:08d}-0000-4000-8000-000000000000", f"{nickname}@example.org")
        return self.accounts[nickname]

    def signature(self, nickname: str) -> Signature:
        account = self.account(nickname)
        return Signature(account.display_name, account.email, int(self.clock()))

    def commit_files(self, branch: str, files: dict[str, bytes | None], message: str,
                     nickname: str | None = None) -> str:
        """Seed helper: commit `files` (path -> bytes, None deletes) on a branch (created if new)."""
        store = self.store
        ref = f"heads/{branch}"
        parent = store.refs.get(ref)
        base = store.commit(parent).tree if parent else None
        changes = {p: (None if d is None else (MODE_FILE, store.put_blob(d))) for p, d in files.items()}
        tree = store.write_tree(base, changes)
        sha = store.put_commit(tree, [parent] if parent else [], message, self.signature(nickname or self.workspace))
        store.set_ref(ref, sha, create=parent is None)
        return sha

    def add_status(self, sha: str, key: str, state: str, url: str) -> None:
        """A build status (CI or deploy preview) on a commit."""
        now = iso(self.clock())
        self.statuses.setdefault(sha, []).append(
            {"type": "build", "key": key, "state": state, "url": url, "name": key, "description": "",
             "refname": None, "created_on": now, "updated_on": now,
             "links": {"self": {"href": f"{self._repo_api()}/commit/{sha}/statuses/build/{key}"}}})

    # ---- dispatch ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        return timed(self._handle, self.faults, self.log, request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:  # one request at a time past the faults: a ref moves atomically
            return self._handle_locked(request)

    def _handle_locked(self, request: httpx.Request) -> httpx.Response:
        lfs = self._lfs(request)
        if lfs is not None:
            return lfs
        headers: dict[str, str] = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN",
                                   "Vary": "Authorization"}
        try:
            nickname = self._authenticate(request)
            path = request.url.raw_path.decode().split("?", 1)[0]
            query = {k: v for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
            if not path.startswith(self.api_prefix + "/") and path != self.api_prefix:
                raise ApiError(404, "Resource not found")
            path = path[len(self.api_prefix):]
            for method, pattern, handler in self.routes:
                match = pattern.fullmatch(path)
                if match and method == request.method:
                    args = {k: unquote(v) for k, v in match.groupdict().items()}
                    if "workspace" in args:
                        self._repository(args.pop("workspace"), args.pop("slug"))
                    status, payload = handler(nickname=nickname, query=query, headers=headers, request=request,
                                              **args)
                    break
            else:
                raise ApiError(404, "Resource not found")
        except ApiError as error:
            status, payload = error.status, error.body
        except StoreError as error:
            status, payload = (404, error_body(str(error))) if error.kind == "not_found" else (
                400, error_body(str(error)))
        if status == 204:
            return httpx.Response(204, headers=headers)
        if isinstance(payload, bytes):
            headers.setdefault("Content-Type", "text/plain")
            return httpx.Response(status, content=payload, headers=headers)
        headers["Content-Type"] = "application/json; charset=utf-8"
        return httpx.Response(status, content=json.dumps(payload).encode(), headers=headers)

    # ---- Git LFS: bitbucket.org/<repo>/info/lfs (batch API) and the media store behind it ----------
    def _lfs(self, request: httpx.Request) -> httpx.Response | None:
        """Bitbucket's LFS server and media store, as Decap's recordings show them (uploads: batch, PUT, verify)."""
        path = request.url.path
        origin = f"{request.url.scheme}://{request.url.netloc.decode()}"
        if path == f"/{self.repo}/info/lfs/objects/batch" and request.method == "POST":
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or token.strip() not in self.tokens:
                return httpx.Response(401, json={"message": "Authentication required"})
            body = json.loads(request.content)
            objects = []
            for wanted in body.get("objects") or []:
                oid, size = wanted.get("oid", ""), wanted.get("size")
                item: dict[str, Any] = {"oid": oid, "size": size}
                if body.get("operation") == "upload" and oid not in self.lfs_objects:
                    upload = f"{next(self.comment_ids):x}-{oid[:8]}"
                    self.lfs_uploads[upload] = (oid, b"")
                    item["actions"] = {
                        "upload": {"href": f"{origin}/upload/{upload}/binary?hashAlgorithm=sha256",
                                   "header": {"Authorization": f"Bearer media-{upload}", "X-Client-ID": "fake-client"}},
                        "verify": {"href": f"{origin}/{self.repo}/info/lfs/object/verify?upload_id={upload}"},
                    }
                elif body.get("operation") == "download":
                    if oid in self.lfs_objects:
                        item["actions"] = {"download": {"href": f"{origin}/file/{self._media_id(oid)}/binary"}}
                    else:
                        item["error"] = {"code": 404, "message": "Object does not exist"}
                objects.append(item)
            return httpx.Response(
                200, json={"objects": objects}, headers={"Content-Type": "application/vnd.git-lfs+json"}
            )
        uploading = re.fullmatch(r"/upload/(?P<id>[^/]+)/binary", path)
        if uploading and request.method == "PUT":
            upload = uploading.group("id")
            if upload not in self.lfs_uploads or request.headers.get("Authorization") != f"Bearer media-{upload}":
                return httpx.Response(403, json={"error": "not allowed"})
            self.lfs_uploads[upload] = (self.lfs_uploads[upload][0], request.content)
            return httpx.Response(200, json={"data": {"id": upload}})
        if path == f"/{self.repo}/info/lfs/object/verify" and request.method == "POST":
            upload = request.url.params.get("upload_id", "")
            oid, data = self.lfs_uploads.pop(upload, ("", b""))
            claimed = json.loads(request.content or b"{}")
            if not oid or hashlib.sha256(data).hexdigest() != claimed.get("oid") or len(data) != claimed.get("size"):
                return httpx.Response(422, json={"message": "the uploaded object does not match"})
            self.lfs_objects[oid] = data
            return httpx.Response(200, content=b"null", headers={"Content-Type": "application/json"})
        media = re.fullmatch(r"/file/(?P<id>[^/]+)/binary", path)
        if media and request.method == "GET":
            oid = next((o for o in self.lfs_objects if self._media_id(o) == media.group("id")), None)
            if oid is None:
                return httpx.Response(404, json={"error": "file not found"})
            return httpx.Response(
                200, content=self.lfs_objects[oid], headers={"Content-Type": "application/octet-stream"}
            )
        return None

    @staticmethod
    def _media_id(oid: str) -> str:
        token = oid[:32]
        return f"{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:20]}-{token[20:32]}"

    def _authenticate(self, request: httpx.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        # Decap's one-off default-branch lookup sends `token <t>`; every other call `Bearer <t>`.
        if scheme.lower() in ("bearer", "token") and token in self.expired:
            raise ApiError(401, EXPIRED_TOKEN_MESSAGE)
        if scheme.lower() not in ("bearer", "token") or token not in self.tokens:
            raise ApiError(401, "Invalid access token")
        return self.tokens[token]

    def _repository(self, workspace: str, slug: str) -> None:
        if f"{workspace}/{slug}".lower() != self.repo.lower():
            raise ApiError(404, f"Repository {workspace}/{slug} not found")

    def _register_routes(self) -> None:
        r = r"/repositories/(?P<workspace>[^/]+)/(?P<slug>[^/]+)" if self.repository_paths else ""
        pr = r + r"/pullrequests/(?P<pr_id>\d+)"
        table: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/user", self.get_user),
            ("GET", r or "/?", self.get_repository),
            ("GET", r + r"/refs/branches/(?P<name>.+)", self.get_branch),
            ("DELETE", r + r"/refs/branches/(?P<name>.+)", self.delete_branch),
            ("GET", r + r"/src/(?P<commit>[^/]+)/?(?P<path>.*)", self.get_src),
            ("POST", r + r"/src", self.post_src),
            ("GET", r + r"/commits", self.list_commits),
            ("GET", r + r"/commits/(?P<revision>[^/]+)", self.list_commits),
            ("GET", r + r"/diffstat/(?P<spec>.+)", self.get_diffstat),
            ("GET", r + r"/diff/(?P<spec>.+)", self.get_diff),
            ("GET", r + r"/pullrequests", self.list_pull_requests),
            ("POST", r + r"/pullrequests", self.post_pull_request),
            ("GET", pr, self.get_pull_request),
            ("GET", pr + r"/comments", self.list_comments),
            ("POST", pr + r"/comments", self.post_comment),
            ("POST", pr + r"/merge", self.merge_pull_request),
            ("POST", pr + r"/decline", self.decline_pull_request),
            ("GET", pr + r"/statuses", self.list_statuses),
        ]
        self.routes = [(m, re.compile(pattern), handler) for m, pattern, handler in table]

    # ---- shapes --------------------------------------------------------------------------
    def _repo_api(self) -> str:
        return f"{self.api_base}{self.api_prefix}/repositories/{self.repo}"

    def user_json(self, nickname: str) -> dict[str, Any]:
        account = self.account(nickname)
        return {"type": "user", "display_name": account.display_name, "nickname": account.nickname,
                "uuid": account.uuid, "account_id": account.account_id,
                "links": {"self": {"href": f"{self.api_base}{self.api_prefix}/users/{account.uuid}"},
                          "html": {"href": f"{WEB}/{account.uuid}/"},
                          "avatar": {"href": f"https://avatar.example.org/{account.nickname}.png"}}}

    def repository_json(self) -> dict[str, Any]:
        return {"type": "repository", "full_name": self.repo, "name": self.slug,
                "uuid": "{cc1da263-9f3b-41f1-95d8-4ad5402c0ffd}",
                "links": {"self": {"href": self._repo_api()}, "html": {"href": f"{WEB}/{self.repo}"},
                          "avatar": {"href": f"{WEB}/{self.repo}/avatar"}}}

    def commit_json(self, commit: Commit) -> dict[str, Any]:
        author = commit.author
        account = next((a for a in self.accounts.values() if a.email == author.email), None)
        author_json: dict[str, Any] = {"type": "author", "raw": f"{author.name} <{author.email}>"}
        if account is not None:
            author_json["user"] = self.user_json(account.nickname)
        api = f"{self._repo_api()}/commit/{commit.sha}"
        return {"type": "commit", "hash": commit.sha, "date": iso(author.timestamp), "message": commit.message,
                "author": author_json, "parents": [self.commit_ref(p) for p in commit.parents],
                "repository": self.repository_json(),
                "links": {"self": {"href": api}, "html": {"href": f"{WEB}/{self.repo}/commits/{commit.sha}"},
                          "comments": {"href": f"{api}/comments"}, "approve": {"href": f"{api}/approve"},
                          "statuses": {"href": f"{api}/statuses"},
                          "diff": {"href": f"{self._repo_api()}/diff/{commit.sha}"},
                          "patch": {"href": f"{self._repo_api()}/patch/{commit.sha}"}}}

    def listed_commit_json(self, commit: Commit) -> dict[str, Any]:
        """A commit in a list: with its rendered message and summary, as `GET /commits` gives them."""
        rendered = {"type": "rendered", "raw": commit.message, "markup": "markdown",
                    "html": f"<p>{commit.message.strip()}</p>"}
        return {**self.commit_json(commit), "summary": rendered, "rendered": {"message": rendered}}

    def merge_commit_json(self, sha: str) -> dict[str, Any]:
        """A merged PR's `merge_commit` as Bitbucket embeds it (no parents or repository; a rendered summary)."""
        full = self.commit_json(self.store.commit(sha))
        message = full["message"]
        return {"hash": sha, "type": "commit", "links": full["links"], "author": full["author"], "date": full["date"],
                "message": message, "summary": {"type": "rendered", "raw": message, "markup": "markdown",
                                                "html": f"<p>{message.strip()}</p>"}}

    def commit_ref(self, sha: str, *, short: bool = False) -> dict[str, Any]:
        return {"type": "commit", "hash": sha[:12] if short else sha,
                "links": {"self": {"href": f"{self._repo_api()}/commit/{sha}"},
                          "html": {"href": f"{WEB}/{self.repo}/commits/{sha}"}}}

    def branch_json(self, name: str) -> dict[str, Any]:
        sha = self.store.branch(name)
        return {"type": "branch", "name": name, "target": self.commit_json(self.store.commit(sha)),
                "default_merge_strategy": "merge_commit", "merge_strategies": list(MERGE_STRATEGIES),
                "links": {"self": {"href": f"{self._repo_api()}/refs/branches/{name}"},
                          "commits": {"href": f"{self._repo_api()}/commits/{name}"},
                          "html": {"href": f"{WEB}/{self.repo}/branch/{name}"}}}

    def file_json(self, commit: str, path: str, size: int | None, directory: bool = False) -> dict[str, Any]:
        base = f"{self._repo_api()}/src/{commit}/{path}"
        entry: dict[str, Any] = {"type": "commit_directory" if directory else "commit_file", "path": path,
                                 "commit": self.commit_ref(commit), "links": {"self": {"href": base},
                                                                              "meta": {"href": base + "?format=meta"}}}
        if not directory:
            entry.update({"size": size, "attributes": [], "escaped_path": path, "mimetype": None})
            entry["links"]["history"] = {"href": f"{self._repo_api()}/filehistory/{commit}/{path}"}
        return entry

    def _page(self, request: httpx.Request, query: dict[str, list[str]], items: list[Any], *,
              default: int = 10, maximum: int = 100) -> dict[str, Any]:
        """Bitbucket's paged list: pagelen/values/page/size, and `next` while more remain."""
        try:
            pagelen = min(max(int(_one(query, "pagelen") or default), 1), maximum)
            page = max(int(_one(query, "page") or 1), 1)
        except ValueError:
            raise ApiError(400, "Invalid page or pagelen") from None
        body: dict[str, Any] = {"pagelen": pagelen, "size": len(items), "page": page,
                                "values": items[(page - 1) * pagelen: page * pagelen]}
        if page * pagelen < len(items):
            body["next"] = str(request.url.copy_set_param("page", str(page + 1)))
        if page > 1:
            body["previous"] = str(request.url.copy_set_param("page", str(page - 1)))
        return body

    # ---- user, repository, branches ------------------------------------------------------
    def get_user(self, nickname: str, **_: Any) -> tuple[int, Any]:
        account = self.account(nickname)
        return 200, {**self.user_json(nickname), "name": account.display_name, "created_on": iso(0),
                     "is_staff": False, "has_2fa_enabled": None}

    def get_repository(self, **_: Any) -> tuple[int, Any]:
        api = self._repo_api()
        links = self.repository_json()["links"] | {
            name: {"href": f"{api}/{path}"} for name, path in (
                ("watchers", "watchers"), ("branches", "refs/branches"), ("tags", "refs/tags"), ("commits", "commits"),
                ("source", "src"), ("hooks", "hooks"), ("forks", "forks"), ("downloads", "downloads"),
                ("pullrequests", "pullrequests"))}
        links["clone"] = [{"name": "https", "href": f"https://{self.workspace}@bitbucket.org/{self.repo}.git"},
                          {"name": "ssh", "href": f"git@bitbucket.org:{self.repo}.git"}]
        return 200, {**self.repository_json(), "links": links, "scm": "git", "website": None, "has_wiki": False,
                     "has_issues": False, "fork_policy": "allow_forks", "language": "", "description": "",
                     "slug": self.slug, "size": sum(len(b) for b in self.store.blobs.values()), "is_private": True,
                     "mainbranch": {"type": "branch", "name": self.default_branch},
                     "owner": self.user_json(self.workspace), "created_on": iso(0), "updated_on": iso(self.clock())}

    def get_branch(self, name: str, **_: Any) -> tuple[int, Any]:
        if f"heads/{name}" not in self.store.refs:
            raise ApiError(404, f"Branch \"{name}\" does not exist")
        return 200, self.branch_json(name)

    def delete_branch(self, name: str, **_: Any) -> tuple[int, Any]:
        if f"heads/{name}" not in self.store.refs:
            raise ApiError(404, f"Branch \"{name}\" does not exist")
        if name == self.default_branch:
            raise ApiError(400, "You can't delete the main branch")
        self.store.delete_ref(f"heads/{name}")
        return 204, None

    # ---- source --------------------------------------------------------------------------
    def _commit_of(self, revision: str) -> str:
        try:
            return self.store.commitish(revision)
        except StoreError:
            raise ApiError(404, f"Commit not found: {revision}") from None

    def get_src(self, commit: str, path: str, query: dict[str, list[str]], request: httpx.Request,
                headers: dict[str, str], **_: Any) -> tuple[int, Any]:
        sha = self._commit_of(commit)
        tree = self.store.commit(sha).tree
        path = path.strip("/")
        entry = self.store.lookup(tree, path)
        if entry is None:
            raise ApiError(404, f"No such file or directory: {path}")
        if entry.mode == MODE_TREE:
            if _one(query, "format") == "meta":
                return 200, self.file_json(sha, path, None, directory=True)
            depth = int(_one(query, "max_depth") or 1)
            items = []
            for listed in self.store.walk(entry.sha, path + "/" if path else ""):
                relative = listed.path[len(path) + 1:] if path else listed.path
                if relative.count("/") + 1 > depth:
                    continue
                if listed.type == "tree":
                    items.append(self.file_json(sha, listed.path, None, directory=True))
                elif listed.type == "blob":
                    items.append(self.file_json(sha, listed.path, len(self.store.blob(listed.sha))))
            return 200, self._page(request, query, items, default=10, maximum=100)
        data = self.store.blob(entry.sha)
        if _one(query, "format") == "meta":
            return 200, self.file_json(sha, path, len(data))
        if data.startswith(LFS_POINTER):
            # Bitbucket sends reads of a Git LFS file to the media store that holds its content (this fake
            # serves that store itself when it holds the object, so loopback tests stay on 127.0.0.1).
            found = lfs_oid(data) or entry.sha
            media = f"{request.url.scheme}://{request.url.netloc.decode()}" if found in self.lfs_objects else MEDIA
            headers["Location"] = f"{media}/file/{self._media_id(found)}/binary?dl=1&name={path.rsplit('/', 1)[-1]}"
            return 302, b""
        headers["Content-Type"] = "text/plain" if _is_text(data) else "application/octet-stream"
        return 200, data

    def post_src(self, nickname: str, request: httpx.Request, headers: dict[str, str], **_: Any) -> tuple[int, Any]:
        fields, uploads = _form_fields(request)
        branch = _last(fields.get("branch")) or self.default_branch
        parents = [p for value in fields.get("parents", []) for p in value.split(",") if p.strip()]
        if len(parents) > 1:
            raise ApiError(400, "Only a single parent commit is supported")
        store = self.store
        ref = f"heads/{branch}"
        current = store.refs.get(ref)
        if current is not None:
            if parents and parents[0] != current:
                raise ApiError(409, f"Parent commit {parents[0][:12]} is not the tip of branch {branch}")
            base = current
        elif parents:
            base = self._commit_of(parents[0])
        else:
            base = store.branch(self.default_branch)
        changes: dict[str, tuple[str, str] | None] = {}
        for path in fields.get("files", []):
            clean = path.strip("/")
            if clean not in uploads:
                changes[clean] = None
        for path, data in uploads.items():
            changes[path] = (MODE_FILE, store.put_blob(data))
        tree = store.write_tree(store.commit(base).tree, changes)
        author_raw = _last(fields.get("author"))
        signature = self.signature(nickname)
        if author_raw:
            match = re.fullmatch(r"\s*(.*?)\s*<([^>]*)>\s*", author_raw)
            if match:
                signature = Signature(match.group(1), match.group(2), int(self.clock()))
        message = _last(fields.get("message")) or "Edited online with Bitbucket"
        sha = store.put_commit(tree, [base], message, signature, self.signature(nickname))
        store.set_ref(ref, sha, expected=current, create=current is None)
        headers["Location"] = f"{self._repo_api()}/commit/{sha}"
        headers["Content-Type"] = "text/html; charset=utf-8"
        return 201, b""

    def list_commits(self, query: dict[str, list[str]], request: httpx.Request, revision: str | None = None,
                     **_: Any) -> tuple[int, Any]:
        include = query.get("include") or ([revision] if revision else [self.default_branch])
        heads = [self._commit_of(rev) for rev in include]
        exclude = {c for rev in query.get("exclude", []) for c in self.store.ancestors(self._commit_of(rev))}
        path = _one(query, "path")
        seen: dict[str, Commit] = {}
        for head in heads:
            for commit in self.store.log(head, path):
                if commit.sha not in exclude:
                    seen.setdefault(commit.sha, commit)
        ordered = sorted(seen.values(), key=lambda c: -c.committer.timestamp)
        return 200, self._page(request, query, [self.listed_commit_json(c) for c in ordered], default=30, maximum=100)

    def _spec(self, spec: str, topic: bool) -> tuple[str | None, str]:
        """(old tree, new tree) of a diff spec: `a..b` (three-dot when `topic`) or one commit vs its parent."""
        if ".." in spec:
            new_rev, old_rev = spec.split("..", 1)
            new = self._commit_of(new_rev)
            old = self._commit_of(old_rev)
            if topic:
                base = self.store.merge_base(new, old)
                old_tree = self.store.commit(base).tree if base else None
            else:
                old_tree = self.store.commit(old).tree
            return old_tree, self.store.commit(new).tree
        commit = self.store.commit(self._commit_of(spec))
        parent = self.store.commit(commit.parents[0]).tree if commit.parents else None
        return parent, commit.tree

    def get_diffstat(self, spec: str, query: dict[str, list[str]], request: httpx.Request, **_: Any) -> tuple[int, Any]:
        topic = (_one(query, "topic") or "true").lower() != "false"
        old_tree, new_tree = self._spec(spec, topic)
        new_head = self._commit_of(spec.split("..", 1)[0])
        items = []
        for path, status, old, new in self.store.diff(old_tree, new_tree):
            old_data = self.store.blob(old) if old else b""
            new_data = self.store.blob(new) if new else b""
            added, removed = _line_counts(old_data, new_data)
            side = {"type": "commit_file", "path": path, "escaped_path": path,
                    "links": {"self": {"href": f"{self._repo_api()}/src/{new_head}/{path}"}}}
            item: dict[str, Any] = {"type": "diffstat", "status": status, "lines_added": added,
                                    "lines_removed": removed}
            if old is not None:  # the description has no null sides: an added file has no `old`
                item["old"] = dict(side)
            if new is not None:
                item["new"] = dict(side)
            items.append(item)
        return 200, self._page(request, query, items, default=500, maximum=500)

    def get_diff(self, spec: str, query: dict[str, list[str]], headers: dict[str, str], **_: Any) -> tuple[int, Any]:
        topic = (_one(query, "topic") or "true").lower() != "false"
        old_tree, new_tree = self._spec(spec, topic)
        binary = (_one(query, "binary") or "true").lower() != "false"
        out: list[str] = []
        for path, status, old, new in self.store.diff(old_tree, new_tree):
            old_data = self.store.blob(old) if old else b""
            new_data = self.store.blob(new) if new else b""
            out.append(f"diff --git a/{path} b/{path}\n")
            if status == "added":
                out.append(f"new file mode 100644\nindex 0000000..{new[:7]}\n")  # type: ignore[index]
            elif status == "removed":
                out.append(f"deleted file mode 100644\nindex {old[:7]}..0000000\n")  # type: ignore[index]
            else:
                out.append(f"index {old[:7]}..{new[:7]} 100644\n")  # type: ignore[index]
            if not (_is_text(old_data) and _is_text(new_data)):
                if binary:
                    out.append(f"Binary files a/{path} and b/{path} differ\n")
                continue
            before = old_data.decode().splitlines(keepends=True)
            after = new_data.decode().splitlines(keepends=True)
            lines = list(difflib.unified_diff(before, after, "/dev/null" if old is None else f"a/{path}",
                                              "/dev/null" if new is None else f"b/{path}"))
            out.extend(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
        headers["Content-Type"] = "text/plain"
        return 200, "".join(out).encode()

    # ---- pull requests -------------------------------------------------------------------
    def _sync(self, pr: PullRequest) -> None:
        """An open PR follows its branches' tips (kept when a branch is gone)."""
        if pr.state != "OPEN":
            return
        for attr, branch in (("source_sha", pr.source_branch), ("destination_sha", pr.destination_branch)):
            sha = self.store.refs.get(f"heads/{branch}")
            if sha and sha != getattr(pr, attr):
                setattr(pr, attr, sha)
                if attr == "source_sha":
                    pr.updated = self.clock()

    def pr_json(self, pr: PullRequest) -> dict[str, Any]:
        self._sync(pr)
        link = f"{self._repo_api()}/pullrequests/{pr.id}"
        visible = [c for c in pr.comments if not c.get("deleted")]
        return {
            "type": "pullrequest",
            "id": pr.id,
            "title": pr.title,
            "description": pr.description,
            "summary": {
                "type": "rendered",
                "raw": pr.description,
                "markup": "markdown",
                "html": f"<p>{pr.description}</p>",
            },
            "state": pr.state,
            "author": self.user_json(pr.author.nickname),
            "source": {
                "branch": {"name": pr.source_branch},
                "commit": self.commit_ref(pr.source_sha, short=True),
                "repository": self.repository_json(),
            },
            "destination": {
                "branch": {"name": pr.destination_branch},
                "commit": self.commit_ref(pr.destination_sha, short=True),
                "repository": self.repository_json(),
            },
            "merge_commit": None if pr.merge_commit is None else self.merge_commit_json(pr.merge_commit),
            "comment_count": len(visible),
            "task_count": 0,
            "close_source_branch": pr.close_source_branch,
            "closed_by": None if pr.closed_by is None else self.user_json(pr.closed_by.nickname),
            "reason": "",
            "created_on": iso(pr.created),
            "updated_on": iso(pr.updated),
            "rendered": {
                name: {"type": "rendered", "raw": text, "markup": "markdown", "html": f"<p>{text}</p>"}
                for name, text in (("title", pr.title), ("description", pr.description))
            },
            **({"closed_on": iso(pr.updated)} if pr.state != "OPEN" else {}),
            "reviewers": [],
            "participants": [],
            "links": {
                name: {"href": f"{link}/{name}" if name != "self" else link}
                for name in (
                    "self",
                    "comments",
                    "merge",
                    "decline",
                    "statuses",
                    "commits",
                    "activity",
                    "approve",
                    "diff",
                    "diffstat",
                )
            }
            | {"html": {"href": f"{WEB}/{self.repo}/pull-requests/{pr.id}"}},
        }

    def _pr(self, pr_id: str) -> PullRequest:
        pr = self.pull_requests.get(int(pr_id))
        if pr is None:
            raise ApiError(404, f"Pull request {pr_id} not found")
        self._sync(pr)
        return pr

    def _field(self, pr: PullRequest, name: str) -> Any:
        values = {"id": pr.id, "state": pr.state, "title": pr.title, "source.branch.name": pr.source_branch,
                  "destination.branch.name": pr.destination_branch, "source.repository.full_name": self.repo,
                  "destination.repository.full_name": self.repo,
                  "comment_count": len([c for c in pr.comments if not c.get("deleted")]),
                  "author.nickname": pr.author.nickname}
        if name not in values:
            raise ApiError(400, f"Invalid field name: {name}")
        return values[name]

    def _matches(self, pr: PullRequest, q: str) -> bool:
        """BBQL conjunctions: `field op value` joined by AND (=, !=, ~, !~, >, >=, <, <=)."""
        for clause in re.split(r"\s+AND\s+", q.strip()):
            match = re.fullmatch(r'\s*([\w.]+)\s*(!=|>=|<=|=|!~|~|>|<)\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false|null)\s*',
                                 clause)
            if match is None or re.search(r"\sOR\s", clause):
                raise ApiError(400, f"Invalid query: {q}")
            name, op, raw = match.groups()
            value: Any = json.loads(raw)
            actual = self._field(pr, name)
            if op in ("~", "!~"):
                hit = str(value).lower() in str(actual).lower()
                ok = hit if op == "~" else not hit
            elif op in ("=", "!="):
                ok = (actual == value) if op == "=" else (actual != value)
            else:
                ok = {">": actual > value, ">=": actual >= value, "<": actual < value, "<=": actual <= value}[op]
            if not ok:
                return False
        return True

    def list_pull_requests(self, query: dict[str, list[str]], request: httpx.Request, **_: Any) -> tuple[int, Any]:
        states = [s.upper() for s in query.get("state", [])]
        q = _one(query, "q")
        found = []
        for pr in sorted(self.pull_requests.values(), key=lambda p: -p.id):
            self._sync(pr)
            if q is None and pr.state not in (states or ["OPEN"]):
                continue
            if q is not None and states and pr.state not in states:
                continue
            if q is not None and not self._matches(pr, q):
                continue
            found.append(self.pr_json(pr))
        return 200, self._page(request, query, found, default=10, maximum=50)

    def post_pull_request(self, nickname: str, request: httpx.Request, headers: dict[str, str],
                          **_: Any) -> tuple[int, Any]:
        body = _json_body(request)
        source = (((body.get("source") or {}).get("branch")) or {}).get("name")
        destination = (((body.get("destination") or {}).get("branch")) or {}).get("name") or self.default_branch
        if not body.get("title"):
            raise ApiError(400, "title: This field is required.")
        if not source or f"heads/{source}" not in self.store.refs:
            raise ApiError(400, f"source: Branch not found: {source}")
        if f"heads/{destination}" not in self.store.refs:
            raise ApiError(400, f"destination: Branch not found: {destination}")
        for existing in self.pull_requests.values():
            if (existing.state == "OPEN" and existing.source_branch == source
                    and existing.destination_branch == destination):
                return 200, self.pr_json(existing)  # Bitbucket answers with the open PR for that pair
        now = self.clock()
        pr = PullRequest(id=next(self.pr_ids), title=body["title"], description=body.get("description") or "",
                         source_branch=source, destination_branch=destination, author=self.account(nickname),
                         created=now, updated=now, source_sha=self.store.branch(source),
                         destination_sha=self.store.branch(destination),
                         close_source_branch=bool(body.get("close_source_branch")))
        self.pull_requests[pr.id] = pr
        headers["Location"] = f"{self._repo_api()}/pullrequests/{pr.id}"
        return 201, self.pr_json(pr)

    def get_pull_request(self, pr_id: str, **_: Any) -> tuple[int, Any]:
        return 200, self.pr_json(self._pr(pr_id))

    def comment_json(self, pr: PullRequest, comment: dict[str, Any]) -> dict[str, Any]:
        link = f"{self._repo_api()}/pullrequests/{pr.id}/comments/{comment['id']}"
        return {"type": "pullrequest_comment", "id": comment["id"], "deleted": bool(comment.get("deleted")),
                "content": {"type": "rendered", "raw": comment["raw"], "markup": "markdown",
                            "html": f"<p>{comment['raw']}</p>"},
                "user": self.user_json(comment["user"]), "created_on": iso(comment["created"]),
                "updated_on": iso(comment["created"]),
                "pullrequest": {"type": "pullrequest", "id": pr.id, "title": pr.title,
                                "links": {"self": {"href": f"{self._repo_api()}/pullrequests/{pr.id}"},
                                          "html": {"href": f"{WEB}/{self.repo}/pull-requests/{pr.id}"}}},
                "links": {"self": {"href": link}, "html": {"href": f"{WEB}/{self.repo}/pull-requests/{pr.id}"}}}

    def list_comments(
        self, pr_id: str, query: dict[str, list[str]], request: httpx.Request, **_: Any
    ) -> tuple[int, Any]:
        pr = self._pr(pr_id)
        return 200, self._page(request, query, [self.comment_json(pr, c) for c in pr.comments], default=10,
                               maximum=100)

    def post_comment(self, pr_id: str, nickname: str, request: httpx.Request, headers: dict[str, str],
                     **_: Any) -> tuple[int, Any]:
        pr = self._pr(pr_id)
        raw = ((_json_body(request).get("content") or {}).get("raw"))
        if not isinstance(raw, str) or not raw:
            raise ApiError(400, "content.raw: This field is required.")
        comment = {"id": next(self.comment_ids), "raw": raw, "user": nickname, "created": self.clock()}
        pr.comments.append(comment)
        pr.updated = self.clock()
        headers["Location"] = f"{self._repo_api()}/pullrequests/{pr.id}/comments/{comment['id']}"
        return 201, self.comment_json(pr, comment)

    def merge_pull_request(self, pr_id: str, nickname: str, request: httpx.Request, **_: Any) -> tuple[int, Any]:
        pr = self._pr(pr_id)
        body = _json_body(request) if request.content else {}
        if pr.state != "OPEN":
            raise ApiError(400, "You can't merge a pull request that is not open")
        strategy = body.get("merge_strategy") or "merge_commit"
        if strategy not in MERGE_STRATEGIES:
            raise ApiError(400, f"merge_strategy: {strategy} is not a valid merge strategy")
        store = self.store
        ours = store.branch(pr.destination_branch)
        theirs = store.branch(pr.source_branch)
        base = store.merge_base(ours, theirs)
        author = self.signature(nickname)
        message = body.get("message") or f"Merged in {pr.source_branch} (pull request #{pr.id})\n\n{pr.title}"
        if strategy == "fast_forward":
            if base != ours:
                raise ApiError(400, "Fast-forward merge is not possible: the branches have diverged")
            sha = theirs
        else:
            merged = _three_way(store, base, ours, theirs)
            if merged is None:
                raise ApiError(409, "You can't merge until you resolve all merge conflicts.")
            parents = [ours] if strategy == "squash" else [ours, theirs]
            sha = store.put_commit(merged, parents, message, author)
        store.set_ref(f"heads/{pr.destination_branch}", sha, expected=ours)
        now = self.clock()
        pr.state, pr.merge_commit, pr.updated, pr.closed_by = "MERGED", sha, now, self.account(nickname)
        pr.destination_sha = sha
        close = body["close_source_branch"] if "close_source_branch" in body else pr.close_source_branch
        if close and f"heads/{pr.source_branch}" in store.refs:
            store.delete_ref(f"heads/{pr.source_branch}")
        return 200, self.pr_json(pr)

    def decline_pull_request(self, pr_id: str, nickname: str, **_: Any) -> tuple[int, Any]:
        pr = self._pr(pr_id)
        if pr.state != "OPEN":
            raise ApiError(400, "You can't decline a pull request that is not open")
        pr.state, pr.updated, pr.closed_by = "DECLINED", self.clock(), self.account(nickname)
        return 200, self.pr_json(pr)

    def list_statuses(
        self, pr_id: str, query: dict[str, list[str]], request: httpx.Request, **_: Any
    ) -> tuple[int, Any]:
        pr = self._pr(pr_id)
        return 200, self._page(request, query, list(self.statuses.get(pr.source_sha, [])), default=10, maximum=100)


def _three_way(store: GitStore, base: str | None, ours: str, theirs: str) -> str | None:
    """The merged tree of `theirs` into `ours`, None when both changed a path differently."""
    base_files = store.files(store.commit(base).tree) if base else {}
    our_files = store.files(store.commit(ours).tree)
    their_files = store.files(store.commit(theirs).tree)
    changes: dict[str, tuple[str, str] | None] = {}
    for path in set(base_files) | set(our_files) | set(their_files):
        b, o, t = base_files.get(path), our_files.get(path), their_files.get(path)
        if o == t or t == b:
            continue
        if o == b:
            changes[path] = None if t is None else (MODE_FILE, t)
            continue
        return None
    return store.write_tree(store.commit(ours).tree, changes)


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _last(values: list[str] | None) -> str | None:
    return values[-1] if values else None


def _json_body(request: httpx.Request) -> dict[str, Any]:
    try:
        body = json.loads(request.content or b"{}")
    except ValueError:
        raise ApiError(400, "Malformed JSON body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Malformed JSON body")
    return body


def _is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _line_counts(old: bytes, new: bytes) -> tuple[int, int]:
    if not (_is_text(old) and _is_text(new)):
        return 0, 0
    added = removed = 0
    for line in difflib.ndiff(old.decode().splitlines(), new.decode().splitlines()):
        if line.startswith("+ "):
            added += 1
        elif line.startswith("- "):
            removed += 1
    return added, removed


def _form_fields(request: httpx.Request) -> tuple[dict[str, list[str]], dict[str, bytes]]:
    """(meta fields, path -> uploaded bytes) of a `POST /src` body, multipart or urlencoded."""
    content_type = request.headers.get("Content-Type", "")
    fields: dict[str, list[str]] = {}
    uploads: dict[str, bytes] = {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        for name, values in parse_qs(request.content.decode(), keep_blank_values=True).items():
            if name in META_FIELDS:
                fields[name] = values
            else:
                uploads[name.strip("/")] = values[-1].encode()
        return fields, uploads
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.startswith("multipart/form-data") or match is None:
        raise ApiError(400, "Unsupported content type: expected multipart/form-data or x-www-form-urlencoded")
    delimiter = b"--" + match.group(1).encode()
    body = request.content
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ApiError(400, "Malformed multipart body")
        data = data[:-2] if data.endswith(b"\r\n") else data
        disposition = next((line for line in head.decode("utf-8", "replace").split("\r\n")
                            if line.lower().startswith("content-disposition:")), "")
        name_match = re.search(r'\bname="([^"]*)"', disposition)
        if name_match is None:
            raise ApiError(400, "A multipart field without a name")
        name = name_match.group(1).replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")
        is_file = re.search(r'\bfilename="', disposition) is not None
        if not is_file and name in META_FIELDS:
            fields.setdefault(name, []).append(data.decode("utf-8"))
        else:
            uploads[name.strip("/")] = data
    return fields, uploads
