"""GraphQL for the GitHub fake: queries are validated against GitHub's published schema and
executed with resolvers over the fake's store (graphql-core).

Objects are plain dicts; fields that take arguments are callables `(info, **args)`, which
graphql-core's default resolver calls. Interface/union members carry "__typename".
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_ast_schema,
    parse,
    validate,
)
from graphql import (
    execute as gql_execute,
)

from tests.fakes.git_store import MODE_FILE, MODE_TREE, StoreError
from tests.fakes.github import ApiError, PullRequest, Repo, iso, node_id

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub

SCHEMA_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "github" / "github-schema.graphql"


class TypedError(GraphQLError):
    """A GraphQL error carrying GitHub's "type" (NOT_FOUND, STALE_DATA, UNPROCESSABLE...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message, extensions={"type": kind})
        self.kind = kind


@functools.cache
def github_schema(path: Path = SCHEMA_PATH) -> GraphQLSchema:
    """GitHub's public schema, built once per process.

    The published SDL repeats some fields and deprecates interface fields only on some
    implementations; graphql-core rejects both and neither matters for validating queries,
    so the SDL checks are skipped and @deprecated is dropped.
    """
    text = re.sub(r'@deprecated\(reason: "(?:[^"\\]|\\.)*"\)', "", path.read_text(encoding="utf-8"))
    document = parse(text, no_location=True)
    return build_ast_schema(document, assume_valid_sdl=True)


def decode_node(value: str) -> tuple[str, str]:
    """(kind, key) from a node id made by `github.node_id`; NOT_FOUND otherwise."""
    try:
        text = base64.b64decode(value, validate=True).decode()
        size, _, rest = text.partition(":")
        length = int(size)
        return rest[:length], rest[length:]
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise TypedError("NOT_FOUND", f"Could not resolve to a node with the global id of '{value}'") from None


def execute(fake: FakeGitHub, body: dict[str, Any], login: str) -> dict[str, Any]:
    """Run one GraphQL request; returns GitHub's response body ({"data", "errors"})."""
    query = body.get("query")
    if not isinstance(query, str):
        return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
    schema = github_schema()
    try:
        document = parse(query)
    except GraphQLError as error:
        return {"errors": [{"message": error.message, "locations": _locations(error)}]}
    problems = validate(schema, document)
    if problems:
        return {"errors": [{"message": p.message, "locations": _locations(p),
                            "extensions": {"code": "graphqlValidation"}} for p in problems]}
    root = Resolvers(fake, login)
    result = gql_execute(schema, document, root_value=root.root(), variable_values=body.get("variables") or {},
                         operation_name=body.get("operationName"))
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [_error_json(e) for e in result.errors]
    return out


def _locations(error: GraphQLError) -> list[dict[str, int]]:
    return [{"line": loc.line, "column": loc.column} for loc in error.locations or []]


def _error_json(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    kind = None
    if isinstance(original, TypedError):
        kind = original.kind
    elif isinstance(original, ApiError):
        kind = {404: "NOT_FOUND", 409: "STALE_DATA", 403: "FORBIDDEN"}.get(original.status, "UNPROCESSABLE")
    elif error.extensions and "type" in error.extensions:
        kind = error.extensions["type"]
    data: dict[str, Any] = {}
    if kind:
        data["type"] = kind
    data.update({"path": error.path, "locations": _locations(error), "message": error.message})
    return data


def _connection(nodes: list[Any]) -> dict[str, Any]:
    return {"nodes": nodes, "edges": [{"node": n, "cursor": base64.b64encode(f"cursor:{i}".encode()).decode()}
                                      for i, n in enumerate(nodes)],
            "totalCount": len(nodes),
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}}


def _window(items: list[Any], first: int | None = None, last: int | None = None) -> list[Any]:
    if first is not None:
        items = items[:first]
    if last is not None:
        items = items[-last:] if last else []
    return items


class Resolvers:
    """Builds the dict objects a request's resolvers walk."""

    def __init__(self, fake: FakeGitHub, login: str) -> None:
        self.fake = fake
        self.login = login

    # ---- roots ---------------------------------------------------------------------------
    def root(self) -> dict[str, Any]:
        return {
            "viewer": lambda info: self.user(self.login),
            "repository": lambda info, owner, name, **_: self.repository(owner, name),
            "node": lambda info, id: self.node(id),
            "rateLimit": lambda info, **_: {
                "limit": self.fake.rate_limit, "cost": 1, "used": self.fake.rate_used,
                "remaining": max(self.fake.rate_limit - self.fake.rate_used, 0),
                "resetAt": iso(self.fake.clock() + 3600), "nodeCount": 0},
            "createRef": lambda info, input: self.create_ref(input),
            "updateRef": lambda info, input: self.update_ref(input),
            "deleteRef": lambda info, input: self.delete_ref(input),
            "createPullRequest": lambda info, input: self.create_pull(input),
            "closePullRequest": lambda info, input: self.close_pull(input),
            "reopenPullRequest": lambda info, input: self.reopen_pull(input),
            "updatePullRequest": lambda info, input: self.update_pull(input),
            "mergePullRequest": lambda info, input: self.merge_pull(input),
            "createCommitOnBranch": lambda info, input: self.create_commit_on_branch(input),
        }

    def node(self, value: str) -> dict[str, Any] | None:
        kind, key = decode_node(value)
        if kind == "Repository":
            repo = self._repo_by_id(value)
            return self.repository(repo.owner, repo.name)
        if kind == "PullRequest":
            repo, pr = self._pull_by_id(value)
            return self.pull(repo, pr)
        if kind == "Ref":
            repo, ref = self._ref_by_id(value)
            return self.ref(repo, ref)
        raise TypedError("NOT_FOUND", f"Could not resolve to a node with the global id of '{value}'")

    def user(self, login: str) -> dict[str, Any]:
        user = self.fake.user(login)
        return {"__typename": "User", "id": node_id("User", str(user.id)), "login": login, "name": user.name,
                "email": user.email or "", "databaseId": user.id,
                "avatarUrl": lambda info, **_: f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
                "url": f"https://github.com/{login}"}

    # ---- repository ----------------------------------------------------------------------
    def repository(self, owner: str, name: str) -> dict[str, Any] | None:
        repo = self.fake.repos.get(f"{owner}/{name}")
        if repo is None:
            raise TypedError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return self.repo(repo)

    def repo(self, repo: Repo) -> dict[str, Any]:
        permission = self.fake.role(repo, self.login).upper()
        return {
            "__typename": "Repository", "id": node_id("Repository", str(repo.id)), "databaseId": repo.id,
            "name": repo.name, "nameWithOwner": repo.full_name, "isFork": repo.parent is not None,
            "isPrivate": repo.private, "viewerPermission": permission,
            "owner": {"__typename": "User", "login": repo.owner, "id": node_id("User", repo.owner)},
            "url": f"https://github.com/{repo.full_name}",
            "parent": (lambda info: self.repo(self.fake.repos[repo.parent]) if repo.parent else None),
            "defaultBranchRef": lambda info: self.ref(repo, f"heads/{repo.default_branch}"),
            "object": lambda info, expression=None, oid=None: self.object(repo, expression, oid),
            "ref": lambda info, qualifiedName: self.ref(repo, qualifiedName),
            "refs": lambda info, refPrefix, first=None, last=None, query=None, **_: self.refs(
                repo, refPrefix, first, last, query),
            "pullRequests": lambda info, first=None, last=None, headRefName=None, baseRefName=None,
            states=None, labels=None, **_: self.pulls(repo, first, last, headRefName, baseRefName, states, labels),
            "pullRequest": lambda info, number: self._pull_or_none(repo, number),
        }

    # ---- git objects ---------------------------------------------------------------------
    def object(self, repo: Repo, expression: str | None, oid: str | None) -> dict[str, Any] | None:
        store = repo.store
        if oid is not None:
            return self.git_object(repo, oid, None)
        if expression is None:
            return None
        rev, sep, path = expression.partition(":")
        if not sep:
            try:
                if store.kind(rev):
                    return self.git_object(repo, rev, None)
                return self.git_object(repo, store.commitish(rev), None)
            except StoreError:
                return None
        try:
            entry = store.lookup(store.resolve(rev), path)
        except StoreError:
            return None
        if entry is None:
            return None
        return self.git_object(repo, entry.sha, entry.mode)

    def git_object(self, repo: Repo, sha: str, mode: str | None) -> dict[str, Any] | None:
        store = repo.store
        kind = store.kind(sha) or ({MODE_TREE: "tree"}.get(mode or "", None))
        if kind is None:
            return None
        base = {"id": node_id(kind.capitalize(), f"{repo.id}:{sha}"), "oid": sha, "abbreviatedOid": sha[:7],
                "repository": lambda info: self.repo(repo),
                "commitUrl": f"https://github.com/{repo.full_name}/commit/{sha}",
                "commitResourcePath": f"/{repo.full_name}/commit/{sha}"}
        if kind == "blob":
            data = store.blob(sha)
            try:
                text: str | None = data.decode()
                binary = b"\0" in data
            except UnicodeDecodeError:
                text, binary = None, True
            return {**base, "__typename": "Blob", "byteSize": len(data), "isBinary": binary,
                    "text": None if binary else text, "isTruncated": False}
        if kind == "tree":
            return {**base, "__typename": "Tree",
                    "entries": lambda info: [self.tree_entry(repo, e.name, e.mode, e.sha) for e in store.tree(sha)]}
        return self.commit(repo, sha)

    def tree_entry(self, repo: Repo, name: str, mode: str, sha: str) -> dict[str, Any]:
        kind = "tree" if mode == MODE_TREE else "commit" if mode == "160000" else "blob"
        size = len(repo.store.blobs[sha]) if sha in repo.store.blobs else 0
        return {"__typename": "TreeEntry", "name": name, "oid": sha, "type": kind, "mode": int(mode, 8),
                "path": name, "size": size, "extension": ("." + name.rsplit(".", 1)[1]) if "." in name else None,
                "isGenerated": False, "lineCount": None,
                "object": lambda info: self.git_object(repo, sha, mode),
                "repository": lambda info: self.repo(repo)}

    def commit(self, repo: Repo, sha: str) -> dict[str, Any]:
        store = repo.store
        commit = store.commit(sha)

        def actor(sig: Any) -> dict[str, Any]:
            login = self.fake._login_of(sig)
            return {"name": sig.name, "email": sig.email, "date": iso(sig.timestamp),
                    "user": self.user(login) if login else None}

        def status(info: Any) -> dict[str, Any] | None:
            items = self.fake.statuses.get((repo.full_name, sha), [])
            if not items:
                return None
            return {"id": node_id("Status", sha), "state": self.fake._combined_state(items).upper(),
                    "contexts": [{"id": s["node_id"], "context": s["context"], "state": s["state"].upper(),
                                  "targetUrl": s["target_url"], "description": s["description"]} for s in items]}

        def history(info: Any, first: int | None = None, path: str | None = None, **_: Any) -> dict[str, Any]:
            return _connection([self.commit(repo, c.sha) for c in _window(store.log(sha, path), first)])

        return {"__typename": "Commit", "id": node_id("Commit", f"{repo.id}:{sha}"), "oid": sha,
                "abbreviatedOid": sha[:7], "message": commit.message,
                "messageHeadline": commit.message.split("\n", 1)[0],
                "messageBody": commit.message.partition("\n\n")[2],
                "committedDate": iso(commit.committer.timestamp), "authoredDate": iso(commit.author.timestamp),
                "author": actor(commit.author), "committer": actor(commit.committer),
                "tree": lambda info: self.git_object(repo, commit.tree, MODE_TREE),
                "parents": lambda info, first=None, last=None, **_: _connection(
                    [self.commit(repo, p) for p in _window(list(commit.parents), first, last)]),
                "status": status, "history": history,
                "url": f"https://github.com/{repo.full_name}/commit/{sha}",
                "repository": lambda info: self.repo(repo)}

    # ---- refs ----------------------------------------------------------------------------
    def ref(self, repo: Repo, qualified: str) -> dict[str, Any] | None:
        name = qualified.removeprefix("refs/")
        if "/" not in name or not name.startswith(("heads/", "tags/")):
            name = f"heads/{name}"
        sha = repo.store.refs.get(name)
        if sha is None:
            return None
        prefix, _, short = name.partition("/")
        return {"__typename": "Ref", "id": node_id("Ref", f"{repo.id}:{name}"), "name": short,
                "prefix": f"refs/{prefix}/", "target": self.commit(repo, sha),
                "repository": lambda info: self.repo(repo),
                "associatedPullRequests": lambda info, first=None, last=None, states=None, **_: self.pulls(
                    repo, first, last, short, None, states, None)}

    def refs(self, repo: Repo, prefix: str, first: int | None, last: int | None, query: str | None) -> dict[str, Any]:
        wanted = prefix.removeprefix("refs/")
        names = sorted(r for r in repo.store.refs if r.startswith(wanted)
                       and (query is None or query in r[len(wanted):]))
        return _connection(_window([self.ref(repo, n) for n in names], first, last))

    def _ref_by_id(self, value: str) -> tuple[Repo, str]:
        kind, key = decode_node(value)
        repo_id, _, ref = key.partition(":")
        repo = next((r for r in self.fake.repos.values() if str(r.id) == repo_id), None)
        if kind != "Ref" or repo is None or ref not in repo.store.refs:
            raise TypedError("NOT_FOUND", f"Could not resolve to a node with the global id of '{value}'")
        return repo, ref

    def _repo_by_id(self, value: str) -> Repo:
        kind, key = decode_node(value)
        repo = next((r for r in self.fake.repos.values() if str(r.id) == key), None)
        if kind != "Repository" or repo is None:
            raise TypedError("NOT_FOUND", f"Could not resolve to a node with the global id of '{value}'")
        return repo

    # ---- pulls ---------------------------------------------------------------------------
    def pull(self, repo: Repo, pr: PullRequest) -> dict[str, Any]:
        state = "MERGED" if pr.merged_sha else pr.state.upper()
        head_repo = self.fake.repos.get(pr.head_repo)
        return {
            "__typename": "PullRequest", "id": node_id("PullRequest", str(pr.id)), "number": pr.number,
            "databaseId": pr.id, "title": pr.title, "body": pr.body or "", "state": state,
            "baseRefName": pr.base_ref, "baseRefOid": repo.store.refs.get(f"heads/{pr.base_ref}", pr.head_sha),
            "headRefName": pr.head_ref, "headRefOid": pr.head_sha,
            "mergedAt": iso(pr.merged_at) if pr.merged_at else None, "merged": pr.merged_sha is not None,
            "closed": pr.state == "closed", "closedAt": iso(pr.closed_at) if pr.closed_at else None,
            "createdAt": iso(pr.created), "updatedAt": iso(pr.updated), "isDraft": pr.draft,
            "isCrossRepository": pr.head_repo != repo.full_name,
            "url": f"https://github.com/{repo.full_name}/pull/{pr.number}",
            "author": self.user(pr.user.login), "repository": self.repo(repo),
            "headRepository": self.repo(head_repo) if head_repo else None,
            "headRepositoryOwner": {"__typename": "User", "login": head_repo.owner} if head_repo else None,
            "mergeCommit": (lambda info: self.commit(repo, pr.merged_sha) if pr.merged_sha else None),
            "labels": lambda info, first=None, last=None, **_: _connection(_window([
                {"__typename": "Label", "name": lab, "id": node_id("Label", lab), "color": "ededed"}
                for lab in self.fake.labels.get((repo.full_name, pr.number), [])], first, last)),
        }

    def pulls(self, repo: Repo, first: int | None, last: int | None, head: str | None, base: str | None,
              states: list[str] | None, labels: list[str] | None) -> dict[str, Any]:
        chosen = []
        for pr in sorted(self.fake._pulls(repo).values(), key=lambda p: p.number):
            state = "MERGED" if pr.merged_sha else pr.state.upper()
            if states and state not in states:
                continue
            if head is not None and pr.head_ref != head:
                continue
            if base is not None and pr.base_ref != base:
                continue
            if labels and not set(labels) & set(self.fake.labels.get((repo.full_name, pr.number), [])):
                continue
            chosen.append(self.pull(repo, pr))
        return _connection(_window(chosen, first, last))

    def _pull_or_none(self, repo: Repo, number: int) -> dict[str, Any] | None:
        pr = self.fake._pulls(repo).get(number)
        if pr is None:
            raise TypedError("NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}.")
        return self.pull(repo, pr)

    def _pull_by_id(self, value: str) -> tuple[Repo, PullRequest]:
        kind, key = decode_node(value)
        for full, pulls in self.fake.pulls.items():
            for pr in pulls.values():
                if str(pr.id) == key and kind == "PullRequest":
                    return self.fake.repos[full], pr
        raise TypedError("NOT_FOUND", f"Could not resolve to a node with the global id of '{value}'")

    # ---- mutations -----------------------------------------------------------------------
    def _rest(self, handler: Any, **kwargs: Any) -> Any:
        """Run a REST handler of the fake (same semantics), turning ApiError into GraphQL errors."""
        status, payload = handler(login=self.login, query={}, **kwargs)
        return payload

    def create_ref(self, data: dict[str, Any]) -> dict[str, Any]:
        repo = self._repo_by_id(data["repositoryId"])
        if data["oid"] not in repo.store.commits:
            raise TypedError("NOT_FOUND", f"Could not resolve to a commit with oid {data['oid']}")
        try:
            self._rest(
                self.fake.post_ref, owner=repo.owner, name=repo.name, body={"ref": data["name"], "sha": data["oid"]}
            )
        except ApiError as error:
            raise TypedError(
                "UNPROCESSABLE",
                f'A ref named "{data["name"]}" already exists in the repository.'
                if "exists" in str(error)
                else str(error),
            ) from None
        return {"clientMutationId": data.get("clientMutationId"), "ref": self.ref(repo, data["name"])}

    def update_ref(self, data: dict[str, Any]) -> dict[str, Any]:
        repo, ref = self._ref_by_id(data["refId"])
        self._rest(self.fake.patch_ref, owner=repo.owner, name=repo.name, ref=ref,
                   body={"sha": data["oid"], "force": bool(data.get("force"))})
        return {"clientMutationId": data.get("clientMutationId"), "ref": self.ref(repo, ref)}

    def delete_ref(self, data: dict[str, Any]) -> dict[str, Any]:
        repo, ref = self._ref_by_id(data["refId"])
        self._rest(self.fake.delete_ref, owner=repo.owner, name=repo.name, ref=ref)
        return {"clientMutationId": data.get("clientMutationId")}

    def create_pull(self, data: dict[str, Any]) -> dict[str, Any]:
        repo = self._repo_by_id(data["repositoryId"])
        head = data["headRefName"]
        if ":" not in head:
            head_repo = self._repo_by_id(data["headRepositoryId"]) if data.get("headRepositoryId") else repo
            head = f"{head_repo.owner}:{head}"
        try:
            payload = self._rest(self.fake.post_pull, owner=repo.owner, name=repo.name, body={
                "title": data["title"], "body": data.get("body"), "head": head, "base": data["baseRefName"],
                "draft": data.get("draft", False), "maintainer_can_modify": data.get("maintainerCanModify", False)})
        except ApiError as error:
            detail = error.body.get("errors", [{}])[0].get("message", str(error))
            raise TypedError("UNPROCESSABLE", detail) from None
        pr = self.fake._pulls(repo)[payload["number"]]
        return {"clientMutationId": data.get("clientMutationId"), "pullRequest": self.pull(repo, pr)}

    def close_pull(self, data: dict[str, Any]) -> dict[str, Any]:
        repo, pr = self._pull_by_id(data["pullRequestId"])
        self._rest(
            self.fake.patch_pull, owner=repo.owner, name=repo.name, number=str(pr.number), body={"state": "closed"}
        )
        return {"clientMutationId": data.get("clientMutationId"), "pullRequest": self.pull(repo, pr)}

    def reopen_pull(self, data: dict[str, Any]) -> dict[str, Any]:
        repo, pr = self._pull_by_id(data["pullRequestId"])
        if pr.merged_sha is not None:
            raise TypedError("UNPROCESSABLE", "Could not reopen the pull request: it is merged.")
        self._rest(
            self.fake.patch_pull, owner=repo.owner, name=repo.name, number=str(pr.number), body={"state": "open"}
        )
        return {"clientMutationId": data.get("clientMutationId"), "pullRequest": self.pull(repo, pr)}

    def update_pull(self, data: dict[str, Any]) -> dict[str, Any]:
        repo, pr = self._pull_by_id(data["pullRequestId"])
        body = {k: data[g] for k, g in (("title", "title"), ("body", "body"), ("base", "baseRefName")) if g in data}
        if data.get("state"):
            body["state"] = data["state"].lower()
        self._rest(self.fake.patch_pull, owner=repo.owner, name=repo.name, number=str(pr.number), body=body)
        return {"clientMutationId": data.get("clientMutationId"), "pullRequest": self.pull(repo, pr)}

    def merge_pull(self, data: dict[str, Any]) -> dict[str, Any]:
        repo, pr = self._pull_by_id(data["pullRequestId"])
        body = {"merge_method": (data.get("mergeMethod") or "MERGE").lower(), "sha": data.get("expectedHeadOid"),
                "commit_title": data.get("commitHeadline"), "commit_message": data.get("commitBody")}
        try:
            self._rest(self.fake.merge_pull, owner=repo.owner, name=repo.name, number=str(pr.number), body=body)
        except ApiError as error:
            if error.status == 409:
                raise TypedError("STALE_DATA", "Head branch was modified. Review and try the merge again.") from None
            raise TypedError("UNPROCESSABLE", "Pull request is not mergeable") from None
        return {"clientMutationId": data.get("clientMutationId"), "pullRequest": self.pull(repo, pr)}

    def create_commit_on_branch(self, data: dict[str, Any]) -> dict[str, Any]:
        branch_spec = data["branch"]
        if branch_spec.get("id"):
            repo, ref = self._ref_by_id(branch_spec["id"])
            branch = ref.removeprefix("heads/")
        else:
            owner, _, name = (branch_spec.get("repositoryNameWithOwner") or "").partition("/")
            repo = self.fake.repos.get(f"{owner}/{name}")
            if repo is None:
                raise TypedError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
            branch = branch_spec["branchName"].removeprefix("refs/heads/")
        store = repo.store
        if not self.fake.can_push(repo, self.login):
            raise TypedError(
                "FORBIDDEN", f"{self.login} does not have the correct permissions to execute `CreateCommitOnBranch`"
            )
        head = store.refs.get(f"heads/{branch}")
        if head is None:
            raise TypedError("NOT_FOUND", f"A ref named \"refs/heads/{branch}\" does not exist.")
        if head != data["expectedHeadOid"]:
            raise TypedError(
                "STALE_DATA",
                f'Expected branch to point to "{data["expectedHeadOid"]}" but it did not. Pull and try again.',
            )
        changes: dict[str, tuple[str, str] | None] = {}
        tree = store.commit(head).tree
        for deletion in (data.get("fileChanges") or {}).get("deletions") or []:
            if store.lookup(tree, deletion["path"]) is None:
                raise TypedError(
                    "UNPROCESSABLE", f"A path was requested for deletion which does not exist as of commit oid `{head}`"
                )
            changes[deletion["path"]] = None
        for addition in (data.get("fileChanges") or {}).get("additions") or []:
            try:
                content = base64.b64decode(addition["contents"], validate=True)
            except (binascii.Error, ValueError):
                raise TypedError("UNPROCESSABLE", f"Invalid Base64 contents for {addition['path']}") from None
            current = store.lookup(tree, addition["path"])
            mode = current.mode if current is not None and current.mode != MODE_TREE else MODE_FILE
            changes[addition["path"]] = (mode, store.put_blob(content))
        message = data["message"]["headline"] + (
            f"\n\n{data['message']['body']}" if data["message"].get("body") else ""
        )
        new_tree = store.write_tree(tree, changes)
        signature = self.fake.signature(self.login)
        sha = store.put_commit(new_tree, [head], message, signature)
        store.set_ref(f"heads/{branch}", sha, expected=head)
        self.fake._sync_pulls(repo)
        return {"clientMutationId": data.get("clientMutationId"), "commit": self.commit(repo, sha),
                "ref": self.ref(repo, f"heads/{branch}")}
