"""A fake Azure DevOps Git REST API (the parts an adapter uses) over the in-memory git store.

`FakeAzure(store)` is a plain callable httpx.Request -> httpx.Response: use it as
`httpx.MockTransport(fake)` in process or with `tests.fakes.server.serve(fake)` on 127.0.0.1.
Everything lives under `/{org}/{project}/_apis/git/repositories/{repo}` and needs `api-version`
(HTTP 400 without it, as Azure answers). Refs (`filter` is a prefix match; POST updates with
`oldObjectId` checks, all zeros deletes), items (one item, a folder listing with `recursionLevel`, or
the raw bytes with `$format=octetStream`), trees (`recursive`, entries with sizes), blobs (one as
octet stream, many as a zip named by id), commits by item path, commit statuses, pushes (one commit
of add/edit/delete/rename changes; a stale `oldObjectId` is 409 TF401028, an add over an existing
path 409, an edit or delete of a missing path 404 TF401174, all or nothing), pull requests (labels,
search criteria, completion with squash/noFastForward guarded by `lastMergeSourceCommit`, merge
conflicts reported as `mergeStatus: conflicts`, abandon) and commit diffs follow Azure's documented
semantics, computed from the store, not scripted. Errors are Azure's
`{"$id": "1", "innerException": null, "message": ..., "typeName": ..., "typeKey": ..., "errorCode": 0,
"eventId": 3000}`. An unknown or expired token is 401 TF400813 with `WWW-Authenticate: Bearer`.
"""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import json
import re
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from tests.fakes.faults import Faults, RequestLog, timed
from tests.fakes.git_store import MODE_FILE, MODE_TREE, GitStore, Signature, StoreError

WEB = "https://dev.azure.com"
ZERO_ID = "0" * 40
UNAUTHORIZED_MESSAGE = "TF400813: The user '' is not authorized to access this resource."


class ApiError(Exception):
    """An error answer: HTTP status, Azure's message and exception type."""

    def __init__(self, status: int, message: str, type_key: str = "InvalidArgumentValueException") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type_key = type_key


def error_body(message: str, type_key: str) -> dict[str, Any]:
    """Azure DevOps's error shape."""
    return {"$id": "1", "innerException": None, "message": message,
            "typeName": f"Microsoft.TeamFoundation.Git.Server.{type_key}, Microsoft.TeamFoundation.Git.Server",
            "typeKey": type_key, "errorCode": 0, "eventId": 3000}


def iso(timestamp: float) -> str:
    """Azure's timestamp format."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class PullRequest:
    """A pull request of the repository."""

    id: int
    title: str
    description: str
    source: str  # refs/heads/...
    target: str
    created_by: str
    created: float
    labels: list[dict[str, Any]] = field(default_factory=list)
    status: str = "active"
    merge_status: str = "succeeded"
    closed: float | None = None
    last_source: str = ""
    last_target: str = ""
    merge_commit: str | None = None
    pending: dict[str, Any] | None = None  # a completion Azure has queued, not yet done


class FakeAzure:
    """A fake Azure DevOps Git API: call it with an httpx.Request, get an httpx.Response."""

    def __init__(self, store: GitStore, *, org: str = "org", project: str = "project", repo: str = "repo",
                 default_branch: str = "main", tokens: dict[str, str] | None = None,
                 clock: Callable[[], float] = time.time, faults: Faults | None = None, prefix: str = "") -> None:
        """`tokens` maps accepted Bearer tokens to user e-mail addresses; `prefix` is the api_root's path."""
        self.store = store
        self.org, self.project, self.repo = org, project, repo
        self.default_branch = default_branch
        self.tokens = tokens if tokens is not None else {"token": "ada@example.org"}
        self.clock = clock
        self.faults = faults or Faults(clock=clock)
        self.log = RequestLog()
        self.prefix = prefix.rstrip("/")
        self.lock = threading.RLock()
        self.pulls: dict[int, PullRequest] = {}
        self.ids = itertools.count(1)
        self.label_ids = itertools.count(1)
        self.pr_ids = itertools.count(1)  # pull request ids run on their own in a collection
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.api_versions: list[str] = []
        self.queued_polls = 0  # reads of a PR answering `mergeStatus: queued` after a completion request
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = []
        self._register_routes()

    # ---- setup helpers ---------------------------------------------------------------------
    def signature(self, email: str) -> Signature:
        name = email.split("@")[0].capitalize()
        return Signature(name, email, int(self.clock()))

    def commit_files(
        self, branch: str, files: dict[str, bytes | None], message: str, email: str = "seed@example.org"
    ) -> str:
        """Seed helper: commit `files` (path -> bytes, None deletes) on a branch (created if new)."""
        store = self.store
        parent = store.refs.get(f"heads/{branch}")
        base = store.commit(parent).tree if parent else None
        tree = store.write_tree(
            base, {p: (None if d is None else (MODE_FILE, store.put_blob(d))) for p, d in files.items()}
        )
        sha = store.put_commit(tree, [parent] if parent else [], message, self.signature(email))
        store.set_ref(f"heads/{branch}", sha, create=parent is None)
        return sha

    def add_status(self, sha: str, context: str, state: str, target_url: str) -> None:
        """A commit status (a deploy preview) on a commit; `state` is succeeded, pending, failed..."""
        self.statuses.setdefault(sha, []).insert(0, {
            "id": next(self.ids), "state": state, "description": "", "targetUrl": target_url,
            "context": {"name": context, "genre": "continuous-deployment"}, "creationDate": iso(self.clock()),
            "createdBy": self.identity("ada@example.org")})

    # ---- dispatch ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        return timed(self._handle, self.faults, self.log, request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            return self._handle_locked(request)

    def _handle_locked(self, request: httpx.Request) -> httpx.Response:
        headers = {"X-TFS-ProcessId": "00000000-0000-0000-0000-000000000000", "X-VSS-UserData": ""}
        try:
            email = self._authenticate(request, headers)
            raw = request.url.raw_path.decode().split("?", 1)[0]
            if not raw.startswith(self.prefix + "/"):
                raise ApiError(404, "Page not found.", "NotFoundException")
            path = raw[len(self.prefix):]
            query = {k: v[-1] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
            if not query.get("api-version"):
                raise ApiError(400, f"No api-version was supplied for the \"{request.method}\" request. "
                                    "A version must be supplied when the request is not a GET request or is "
                                    "for a preview resource.", "VssVersionNotSpecifiedException")
            self.api_versions.append(query["api-version"])
            body: Any = None
            if request.content:
                try:
                    body = json.loads(request.content)
                except ValueError:
                    raise ApiError(
                        400, "The request body is not valid JSON.", "InvalidArgumentValueException"
                    ) from None
            for method, pattern, handler in self.routes:
                match = pattern.fullmatch(path)
                if match and method == request.method:
                    args = {k: unquote(v) for k, v in match.groupdict().items()}
                    if handler in self.preview_handlers and "-preview" not in query["api-version"]:
                        raise ApiError(400, f"The requested version \"{query['api-version']}\" of the resource is "
                                            "under preview. The -preview flag must be supplied in the api-version "
                                            "for such requests.", "VssInvalidPreviewVersionException")
                    if "project" in args:
                        self._repository(args.pop("org"), args.pop("project"), args.pop("repo"))
                    elif "org" in args and args.pop("org").lower() != self.org.lower():
                        raise ApiError(404, "Page not found.", "NotFoundException")
                    status, payload = handler(email=email, query=query, body=body, headers=headers,
                                              request=request, **args)
                    break
            else:
                raise ApiError(404, "Page not found.", "NotFoundException")
        except ApiError as error:
            status, payload = error.status, error_body(error.message, error.type_key)
        except StoreError as error:
            status = 404 if error.kind == "not_found" else 409
            payload = error_body(str(error), "GitObjectNotFoundException")
        if status == 204 or payload is None:
            return httpx.Response(status, headers=headers)
        if isinstance(payload, bytes):
            headers.setdefault("Content-Type", "application/octet-stream")
            return httpx.Response(status, content=payload, headers=headers)
        headers["Content-Type"] = "application/json; charset=utf-8; api-version=" + self.api_versions[-1] \
            if self.api_versions else "application/json; charset=utf-8"
        return httpx.Response(status, content=json.dumps(payload).encode(), headers=headers)

    def _authenticate(self, request: httpx.Request, headers: dict[str, str]) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() not in self.tokens:
            headers["WWW-Authenticate"] = 'Bearer authorization_uri=https://login.microsoftonline.com/common'
            raise ApiError(401, UNAUTHORIZED_MESSAGE, "UnauthorizedRequestException")
        return self.tokens[token.strip()]

    def _repository(self, org: str, project: str, repo: str) -> None:
        if (org.lower(), project.lower(), repo.lower()) != (self.org.lower(), self.project.lower(), self.repo.lower()):
            raise ApiError(404, f"TF401019: The Git repository with name or identifier {repo} does not exist or "
                                "you do not have permissions for the operation you are attempting.",
                           "GitRepositoryNotFoundException")

    def _register_routes(self) -> None:
        r = r"/(?P<org>[^/_][^/]*)/(?P<project>[^/_][^/]*)/_apis/git/repositories/(?P<repo>[^/]+)"
        table: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/(?P<org>[^/]+)/_apis/connectionData", self.connection_data),
            ("GET", r, self.get_repository),
            ("GET", r + r"/refs", self.list_refs),
            ("POST", r + r"/refs", self.update_refs),
            ("GET", r + r"/items/?", self.get_items),
            ("GET", r + r"/trees/(?P<sha>[0-9a-f]{40})", self.get_tree),
            ("GET", r + r"/blobs/(?P<sha>[0-9a-f]{40})", self.get_blob),
            ("POST", r + r"/blobs", self.get_blobs_zip),
            ("GET", r + r"/commits/?", self.list_commits),
            ("GET", r + r"/commits/(?P<sha>[0-9a-f]{40})/statuses", self.list_statuses),
            ("POST", r + r"/pushes", self.create_push),
            ("GET", r + r"/pullrequests/?", self.list_pulls),
            ("POST", r + r"/pullrequests/?", self.create_pull),
            ("GET", r + r"/pullrequests/(?P<number>\d+)", self.get_pull),
            ("PATCH", r + r"/pullrequests/(?P<number>\d+)", self.update_pull),
            ("GET", r + r"/pullrequests/(?P<number>\d+)/commits", self.pull_commits),
            ("POST", r + r"/pullrequests/(?P<number>\d+)/labels", self.add_label),
            ("DELETE", r + r"/pullrequests/(?P<number>\d+)/labels/(?P<label>[^/]+)", self.remove_label),
            ("GET", r + r"/diffs/commits", self.diff_commits),
        ]
        self.routes = [(m, re.compile(p), h) for m, p, h in table]
        # Resources Azure still serves as previews only (its 7.1 reference marks them "[Preview API]").
        self.preview_handlers = {self.connection_data, self.get_blobs_zip, self.add_label, self.remove_label}

    # ---- JSON shapes ---------------------------------------------------------------------
    @property
    def repo_url(self) -> str:
        return f"{WEB}/{self.org}/{self.project}/_apis/git/repositories/{self.repo}"

    def identity(self, email: str) -> dict[str, Any]:
        return {"displayName": email.split("@")[0].capitalize(), "uniqueName": email,
                "id": f"id-{email}", "url": f"{WEB}/{self.org}/_apis/Identities/id-{email}",
                "imageUrl": f"{WEB}/{self.org}/_api/_common/identityImage?id=id-{email}"}

    def repository_json(self) -> dict[str, Any]:
        return {
            "id": "repo-guid",
            "name": self.repo,
            "url": self.repo_url,
            "project": {
                "id": "project-guid",
                "name": self.project,
                "state": "wellFormed",
                "visibility": "private",
                "url": f"{WEB}/{self.org}/_apis/projects/project-guid",
            },
            "defaultBranch": f"refs/heads/{self.default_branch}",
            "size": sum(len(b) for b in self.store.blobs.values()),
            "remoteUrl": f"https://{self.org}@dev.azure.com/{self.org}/{self.project}/_git/{self.repo}",
            "sshUrl": f"git@ssh.dev.azure.com:v3/{self.org}/{self.project}/{self.repo}",
            "webUrl": f"{WEB}/{self.org}/{self.project}/_git/{self.repo}",
            "isDisabled": False,
        }

    def item_json(self, path: str, sha: str, kind: str, commit: str) -> dict[str, Any]:
        item: dict[str, Any] = {"objectId": sha, "gitObjectType": kind, "commitId": commit, "path": path or "/",
                                "url": f"{self.repo_url}/items{path or '/'}?versionType=Commit&version={commit}"}
        if kind == "tree":
            item["isFolder"] = True
        return item

    def commit_json(self, sha: str) -> dict[str, Any]:
        commit = self.store.commit(sha)
        def sig(s: Signature) -> dict[str, Any]:
            return {"name": s.name, "email": s.email, "date": iso(s.timestamp)}

        return {"commitId": sha, "author": sig(commit.author), "committer": sig(commit.committer),
                "comment": commit.message, "parents": list(commit.parents), "url": f"{self.repo_url}/commits/{sha}"}

    def pull_json(self, pr: PullRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "repository": self.repository_json(), "pullRequestId": pr.id, "codeReviewId": pr.id,
            "status": pr.status, "createdBy": self.identity(pr.created_by), "creationDate": iso(pr.created),
            "title": pr.title, "description": pr.description, "sourceRefName": pr.source, "targetRefName": pr.target,
            "mergeStatus": pr.merge_status, "isDraft": False, "mergeId": f"merge-{pr.id}",
            "lastMergeSourceCommit": {"commitId": pr.last_source, "url": f"{self.repo_url}/commits/{pr.last_source}"},
            "lastMergeTargetCommit": {"commitId": pr.last_target, "url": f"{self.repo_url}/commits/{pr.last_target}"},
            "reviewers": [], "labels": [dict(label) for label in pr.labels],
            "url": f"{self.repo_url}/pullRequests/{pr.id}", "supportsIterations": False,
        }
        if pr.closed is not None:
            body["closedDate"] = iso(pr.closed)
        if pr.merge_commit:
            body["lastMergeCommit"] = {"commitId": pr.merge_commit, "url": f"{self.repo_url}/commits/{pr.merge_commit}"}
        return body

    # ---- handlers: who, repository, refs -----------------------------------------------------
    def connection_data(self, email: str, **_: Any) -> tuple[int, Any]:
        user = {"id": f"id-{email}", "descriptor": f"aad.{email}", "subjectDescriptor": f"aad.{email}",
                "providerDisplayName": email.split("@")[0].capitalize(), "isActive": True,
                "properties": {"Account": {"$type": "System.String", "$value": email}},
                "resourceVersion": 2, "metaTypeId": 0}
        return 200, {"authenticatedUser": user, "authorizedUser": user, "instanceId": "instance-guid",
                     "deploymentId": "deployment-guid", "deploymentType": "hosted",
                     "locationServiceData": {"serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
                                             "defaultAccessMappingMoniker": "PublicAccessMapping",
                                             "lastChangeId": 1, "lastChangeId64": 1}}

    def get_repository(self, **_: Any) -> tuple[int, Any]:
        return 200, self.repository_json()

    def list_refs(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        wanted = "refs/" + query.get("filter", "").removeprefix("refs/")
        refs = [{"name": f"refs/{name}", "objectId": sha, "creator": self.identity("seed@example.org"),
                 "url": f"{self.repo_url}/refs?filter={name}"}
                for name, sha in sorted(self.store.refs.items()) if f"refs/{name}".startswith(wanted)]
        top = int(query.get("$top") or 1000)
        return 200, {"value": refs[:top], "count": len(refs[:top])}

    def update_refs(self, body: Any, **_: Any) -> tuple[int, Any]:
        if not isinstance(body, list) or not body:
            raise ApiError(400, "refUpdates must be a non-empty list")
        results = []
        for update in body:
            name = str(update.get("name") or "")
            ref = name.removeprefix("refs/")
            old, new = update.get("oldObjectId") or ZERO_ID, update.get("newObjectId") or ZERO_ID
            current = self.store.refs.get(ref)
            ok = (current or ZERO_ID) == old
            if ok and new == ZERO_ID:
                if current is not None:
                    self.store.delete_ref(ref)
            elif ok:
                self.store.set_ref(ref, new, create=current is None)
            results.append({"name": name, "oldObjectId": old, "newObjectId": new, "success": ok,
                            "updateStatus": "succeeded" if ok else "staleOldObjectId", "isLocked": False,
                            "repositoryId": "repo-guid"})
        return 200, {"value": results, "count": len(results)}

    # ---- handlers: reading -------------------------------------------------------------------
    def _commit_for(self, query: dict[str, str], prefix: str = "versionDescriptor.", suffix: str = "version") -> str:
        version = query.get(prefix + suffix) or self.default_branch
        kind = (query.get(prefix + suffix + "Type") or "branch").lower()
        if kind == "commit":
            if version not in self.store.commits:
                raise ApiError(404, f"TF401175: The version descriptor <Commit: {version}> could not be resolved "
                                    "to a version in the repository", "GitUnresolvableToCommitException")
            return version
        sha = self.store.refs.get(f"heads/{version}")
        if sha is None:
            raise ApiError(404, f"TF401175: The version descriptor <Branch: {version}> could not be resolved to a "
                                "version in the repository", "GitUnresolvableToCommitException")
        return sha

    def get_items(self, query: dict[str, str], request: httpx.Request, **_: Any) -> tuple[int, Any]:
        commit = self._commit_for(query)
        path = "/" + (query.get("path") or query.get("scopePath") or "/").strip("/")
        root = self.store.commit(commit).tree
        entry = self.store.lookup(root, path)
        if entry is None:
            raise ApiError(404, f"TF401174: The item '{path}' could not be found in the repository '{self.repo}' "
                                f"at the version specified by '<Commit: {commit}>'.", "GitItemNotFoundException")
        kind = "tree" if entry.mode == MODE_TREE else "blob"
        raw = (query.get("$format") or "").lower() == "octetstream" or query.get("download") == "true" or \
            "application/octet-stream" in request.headers.get("Accept", "")
        if raw:
            if kind != "blob":
                raise ApiError(
                    400, f"The item '{path}' is a folder; request it as a zip.", "InvalidArgumentValueException"
                )
            return 200, self.store.blob(entry.sha)
        level = (query.get("recursionLevel") or "none").lower()
        if level == "none" and "scopePath" not in query:
            return 200, self.item_json("" if path == "/" else path, entry.sha, kind, commit)
        items = [self.item_json("" if path == "/" else path, entry.sha, kind, commit)]
        if kind == "tree" and level in ("onelevel", "full"):
            base = "" if path == "/" else path
            for listed in self.store.walk(entry.sha):
                if level == "onelevel" and "/" in listed.path:
                    continue
                items.append(self.item_json(f"{base}/{listed.path}", listed.sha,
                                            "tree" if listed.mode == MODE_TREE else "blob", commit))
        return 200, {"count": len(items), "value": items}

    def get_tree(self, sha: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        if sha not in self.store.trees:
            raise ApiError(404, f"TF401029: The Git object {sha} could not be found.", "GitObjectNotFoundException")
        recursive = query.get("recursive", "").lower() == "true"
        entries = []
        for listed in self.store.walk(sha):
            if not recursive and "/" in listed.path:
                continue
            kind = "tree" if listed.mode == MODE_TREE else "blob"
            # Azure writes a tree's mode without git's leading zero ("40000").
            entries.append({"objectId": listed.sha, "relativePath": listed.path, "mode": listed.mode.lstrip("0"),
                            "gitObjectType": kind, "size": listed.size if listed.size is not None else 0,
                            "url": f"{self.repo_url}/{'trees' if kind == 'tree' else 'blobs'}/{listed.sha}"})
        return 200, {
            "objectId": sha,
            "url": f"{self.repo_url}/trees/{sha}",
            "size": len(entries),
            "treeEntries": entries,
        }

    def get_blob(self, sha: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        if sha not in self.store.blobs:
            raise ApiError(404, f"TF401029: The Git object {sha} could not be found.", "GitObjectNotFoundException")
        data = self.store.blob(sha)
        if (query.get("$format") or "").lower() == "octetstream":
            return 200, data
        return 200, {"objectId": sha, "size": len(data), "url": f"{self.repo_url}/blobs/{sha}"}

    def get_blobs_zip(self, body: Any, **_: Any) -> tuple[int, Any]:
        if not isinstance(body, list) or not all(isinstance(i, str) for i in body):
            raise ApiError(400, "The request body must be a list of blob ids.")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for sha in dict.fromkeys(body):
                if sha not in self.store.blobs:
                    raise ApiError(404, f"TF401029: The Git object {sha} could not be found.",
                                   "GitObjectNotFoundException")
                archive.writestr(sha, self.store.blob(sha))
        return 200, buffer.getvalue()

    def list_commits(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        head = self._commit_for(query, "searchCriteria.itemVersion.")
        path = (query.get("searchCriteria.itemPath") or "").strip("/") or None
        commits = self.store.log(head, path)
        top = int(query.get("searchCriteria.$top") or 100)
        value = [self.commit_json(c.sha) for c in commits[:top]]
        return 200, {"count": len(value), "value": value}

    def list_statuses(self, sha: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        statuses = list(self.statuses.get(sha, []))
        if query.get("latestOnly", "").lower() == "true":
            seen: set[str] = set()
            latest = []
            for status in statuses:
                if status["context"]["name"] not in seen:
                    seen.add(status["context"]["name"])
                    latest.append(status)
            statuses = latest
        return 200, {"count": len(statuses), "value": statuses}

    # ---- handlers: pushes --------------------------------------------------------------------
    def create_push(self, email: str, body: Any, **_: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or len(body.get("refUpdates") or []) != 1 or not body.get("commits"):
            raise ApiError(400, "A push needs one refUpdate and at least one commit.")
        update = body["refUpdates"][0]
        name = str(update.get("name") or "")
        if not name.startswith("refs/heads/"):
            raise ApiError(400, f"TF401025: '{name}' is not a valid name for a Git ref.", "InvalidGitRefNameException")
        ref = name.removeprefix("refs/")
        old = update.get("oldObjectId") or ZERO_ID
        current = self.store.refs.get(ref)
        if current is not None and current != old:
            raise ApiError(409, f"TF401028: The reference '{name}' has already been updated by another client, so "
                                "you cannot update it. Please try again.", "GitReferenceStaleException")
        if current is None and old != ZERO_ID and old not in self.store.commits:
            raise ApiError(404, f"TF401029: The Git object {old} could not be found.", "GitObjectNotFoundException")
        parent = current or (old if old != ZERO_ID else None)
        if current is None and any(r.startswith(ref + "/") or ref.startswith(r + "/") for r in self.store.refs):
            raise ApiError(
                409, f"TF401030: The ref '{name}' conflicts with an existing ref.", "GitRefNameConflictException"
            )
        first_parent = parent
        pushed = []
        for commit in body["commits"]:
            parents = commit.get("parents") or ([parent] if parent else [])
            files = self.store.files(self.store.commit(parents[0]).tree) if parents else {}
            for change in commit.get("changes") or []:
                self._apply_change(files, change)
            tree = self.store.write_tree(None, {p: (MODE_FILE, s) for p, s in files.items()}) if files \
                else self.store.put_tree([])
            parent = self.store.put_commit(tree, parents, commit.get("comment") or "", self.signature(email))
            pushed.append(parent)
        assert parent is not None
        self.store.set_ref(ref, parent, create=current is None, expected=current)
        self._sync_pulls()
        return 201, {
            "commits": [{**self.commit_json(sha), "treeId": self.store.commit(sha).tree} for sha in pushed],
            "refUpdates": [
                {
                    "repositoryId": "repo-guid",
                    "name": name,
                    "oldObjectId": first_parent if current else ZERO_ID,
                    "newObjectId": parent,
                }
            ],
            "repository": self.repository_json(),
            "pushedBy": self.identity(email),
            "pushId": next(self.ids),
            "date": iso(self.clock()),
            "url": f"{self.repo_url}/pushes",
        }

    def _apply_change(self, files: dict[str, str], change: dict[str, Any]) -> None:
        kind = str(change.get("changeType") or "").lower()
        path = str((change.get("item") or {}).get("path") or "").strip("/")
        if not path or any(part in (".", "..") for part in path.split("/")):
            raise ApiError(400, f"TF401019: The path '{path}' is not valid.", "InvalidArgumentValueException")
        missing = ApiError(404, f"TF401174: The item '/{path}' could not be found in the repository '{self.repo}'.",
                           "GitItemNotFoundException")
        if kind in ("add", "edit"):
            content = change.get("newContent") or {}
            if content.get("contentType") == "base64encoded":
                try:
                    data = base64.b64decode(content.get("content") or "", validate=True)
                except binascii.Error:
                    raise ApiError(400, "The content is not valid base64.") from None
            elif content.get("contentType") == "rawtext":
                data = str(content.get("content") or "").encode()
            else:
                raise ApiError(400, "newContent.contentType must be base64encoded or rawtext.")
            if kind == "add" and path in files:
                raise ApiError(409, f"TF401282: The path '/{path}' specified in the add operation already exists. "
                                    "Please specify a new path.", "GitItemAlreadyExistsException")
            if kind == "edit" and path not in files:
                raise missing
            files[path] = self.store.put_blob(data)
        elif kind == "delete":
            if path not in files:
                raise missing
            del files[path]
        elif kind == "rename":
            source = str(change.get("sourceServerItem") or "").strip("/")
            if source not in files:
                raise missing
            if path in files:
                raise ApiError(409, f"TF401282: The path '/{path}' specified in the rename operation already exists.",
                               "GitItemAlreadyExistsException")
            files[path] = files.pop(source)
        else:
            raise ApiError(400, f"changeType {kind!r} is not supported here")

    # ---- handlers: pull requests --------------------------------------------------------------
    def _sync_pulls(self) -> None:
        for pr in self.pulls.values():
            if pr.status == "active" and pr.pending is None:
                pr.last_source = self.store.refs.get(pr.source.removeprefix("refs/"), pr.last_source)
                pr.last_target = self.store.refs.get(pr.target.removeprefix("refs/"), pr.last_target)
                pr.merge_status = "succeeded" if self._merged_tree(pr) is not None else "conflicts"

    def _pull(self, number: str) -> PullRequest:
        pr = self.pulls.get(int(number))
        if pr is None:
            raise ApiError(
                404, "TF401180: The requested pull request was not found.", "GitPullRequestNotFoundException"
            )
        return pr

    def list_pulls(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        self._sync_pulls()
        status = (query.get("searchCriteria.status") or "active").lower()
        found = [p for p in sorted(self.pulls.values(), key=lambda p: -p.id)
                 if (status == "all" or p.status == status)
                 and query.get("searchCriteria.targetRefName", p.target) == p.target
                 and query.get("searchCriteria.sourceRefName", p.source) == p.source]
        skip, top = int(query.get("$skip") or 0), int(query.get("$top") or 101)
        page = [self.pull_json(p) for p in found[skip:skip + top]]
        return 200, {"value": page, "count": len(page)}

    def create_pull(self, email: str, body: Any, **_: Any) -> tuple[int, Any]:
        body = body if isinstance(body, dict) else {}
        source, target, title = body.get("sourceRefName"), body.get("targetRefName"), body.get("title")
        if not source or not target or not title:
            raise ApiError(400, "sourceRefName, targetRefName and title are required.")
        for ref in (source, target):
            if ref.removeprefix("refs/") not in self.store.refs:
                raise ApiError(404, "TF401398: The pull request cannot be activated because the source and/or the "
                                    "target branch no longer exists, or the requested refs are not branches",
                               "GitPullRequestNotFoundException")
        if any(p.status == "active" and p.source == source and p.target == target for p in self.pulls.values()):
            raise ApiError(409, "TF401179: An active pull request for the source and target branch already exists.",
                           "GitPullRequestExistsException")
        pr = PullRequest(id=next(self.pr_ids), title=title, description=body.get("description") or "", source=source,
                         target=target, created_by=email, created=self.clock())
        for label in body.get("labels") or []:
            self._label(pr, str(label.get("name") or ""))
        self.pulls[pr.id] = pr
        self._sync_pulls()
        return 201, self.pull_json(pr)

    def get_pull(self, number: str, email: str, **_: Any) -> tuple[int, Any]:
        self._sync_pulls()
        pr = self._pull(number)
        if pr.pending is not None:
            pr.pending["polls"] -= 1
            if pr.pending["polls"] <= 0:
                body = pr.pending["body"]
                pr.pending = None
                self._complete(pr, email, body)
        return 200, self.pull_json(pr)

    def _merged_tree(self, pr: PullRequest) -> str | None:
        """The tree of merging the PR's source into its target; None on a conflict."""
        store = self.store
        ours, theirs = store.refs.get(pr.target.removeprefix("refs/")), store.refs.get(pr.source.removeprefix("refs/"))
        if ours is None or theirs is None:
            return None
        base = store.merge_base(ours, theirs)
        base_files = store.files(store.commit(base).tree) if base else {}
        our_files, their_files = store.files(store.commit(ours).tree), store.files(store.commit(theirs).tree)
        changes: dict[str, tuple[str, str] | None] = {}
        for path in set(base_files) | set(our_files) | set(their_files):
            b, o, t = base_files.get(path), our_files.get(path), their_files.get(path)
            if o == t or t == b:
                continue
            if o == b:
                changes[path] = None if t is None else (MODE_FILE, t)
                continue
            return None
        return store.write_tree(store.commit(ours).tree, changes) if changes else store.commit(ours).tree

    def update_pull(self, number: str, email: str, body: Any, **_: Any) -> tuple[int, Any]:
        self._sync_pulls()
        pr = self._pull(number)
        body = body if isinstance(body, dict) else {}
        status = body.get("status")
        if body.get("title"):
            pr.title = body["title"]
        if status == "abandoned":
            if pr.status != "active":
                raise ApiError(400, "TF401181: The pull request cannot be edited due to its state.",
                               "InvalidArgumentValueException")
            pr.status, pr.closed = "abandoned", self.clock()
        elif status == "completed":
            if pr.status != "active":
                raise ApiError(400, "TF401181: The pull request cannot be edited due to its state.",
                               "InvalidArgumentValueException")
            given = (body.get("lastMergeSourceCommit") or {}).get("commitId")
            if not given:
                raise ApiError(400, "lastMergeSourceCommit is required to complete a pull request.")
            if given != pr.last_source:
                raise ApiError(409, "TF401192: The pull request source commit has changed since the pull request "
                                    "was last updated.", "GitPullRequestStaleException")
            if self.queued_polls > 0:
                # Azure queues the merge: the PR stays active with mergeStatus queued until it is done.
                pr.pending, pr.merge_status = {"polls": self.queued_polls, "body": body}, "queued"
                return 200, self.pull_json(pr)
            self._complete(pr, email, body)
        return 200, self.pull_json(pr)

    def _complete(self, pr: PullRequest, email: str, body: dict[str, Any]) -> None:
        """Merge the PR's source into its target as the completion options say (or report conflicts)."""
        tree = self._merged_tree(pr)
        if tree is None:
            pr.merge_status = "conflicts"  # Azure leaves the PR active and reports the conflicts
            return
        options = body.get("completionOptions") or {}
        strategy = options.get("mergeStrategy") or "noFastForward"
        if strategy not in ("noFastForward", "squash", "rebase", "rebaseMerge"):
            raise ApiError(400, f"mergeStrategy {strategy!r} is not valid")
        ours = pr.last_target
        parents = [ours] if strategy == "squash" else [ours, pr.last_source]
        message = options.get("mergeCommitMessage") or f"Merged PR {pr.id}: {pr.title}"
        sha = self.store.put_commit(tree, parents, message, self.signature(email))
        self.store.set_ref(pr.target.removeprefix("refs/"), sha, expected=ours)
        pr.status, pr.closed, pr.merge_commit, pr.merge_status = "completed", self.clock(), sha, "succeeded"
        if options.get("deleteSourceBranch") and pr.source.removeprefix("refs/") in self.store.refs:
            self.store.delete_ref(pr.source.removeprefix("refs/"))

    def pull_commits(self, number: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        self._sync_pulls()
        pr = self._pull(number)
        base = self.store.merge_base(pr.last_target, pr.last_source) if pr.last_target else None
        shas = [s for s in sorted(self.store.ancestors(pr.last_source).items(), key=lambda kv: kv[1])
                if base is None or not self.store.is_ancestor(s[0], base)]
        top = int(query.get("$top") or 100)
        value = [self.commit_json(sha) for sha, _ in shas[:top]]
        return 200, {"count": len(value), "value": value}

    def _label(self, pr: PullRequest, name: str) -> dict[str, Any]:
        if not name:
            raise ApiError(400, "A label needs a name.")
        for label in pr.labels:
            if label["name"] == name:
                return label
        label = {"id": f"label-{next(self.label_ids)}", "name": name, "active": True,
                 "url": f"{self.repo_url}/pullRequests/{pr.id}/labels/{name}"}
        pr.labels.append(label)
        return label

    def add_label(self, number: str, body: Any, **_: Any) -> tuple[int, Any]:
        pr = self._pull(number)
        return 200, dict(self._label(pr, str((body or {}).get("name") or "")))

    def remove_label(self, number: str, label: str, **_: Any) -> tuple[int, Any]:
        pr = self._pull(number)
        kept = [lab for lab in pr.labels if label not in (lab["id"], lab["name"])]
        if len(kept) == len(pr.labels):
            raise ApiError(404, f"The label '{label}' was not found on pull request {pr.id}.", "NotFoundException")
        pr.labels = kept
        return 204, None

    def diff_commits(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        base = self._commit_for(query, "base", "Version")
        target = self._commit_for(query, "target", "Version")
        store = self.store
        common = store.merge_base(base, target)
        changes = []
        for path, status, old, new in store.diff(
            store.commit(common).tree if common else None, store.commit(target).tree
        ):
            kind = {"added": "add", "removed": "delete"}.get(status, "edit")
            item: dict[str, Any] = {"objectId": new or old, "gitObjectType": "blob", "commitId": target,
                                    "path": "/" + path, "url": f"{self.repo_url}/items/{path}?versionType=Commit"}
            if old:
                item["originalObjectId"] = old
            changes.append({"item": item, "changeType": kind})
        ahead = [c for c in store.ancestors(target) if c not in store.ancestors(base)]
        behind = [c for c in store.ancestors(base) if c not in store.ancestors(target)]
        return 200, {"allChangesIncluded": True, "changeCounts": {}, "changes": changes,
                     "commonCommit": common, "baseCommit": base, "targetCommit": target,
                     "aheadCount": len(ahead), "behindCount": len(behind)}
