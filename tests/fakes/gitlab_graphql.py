"""GraphQL for the GitLab fake: the part of GitLab's schema an adapter reads (`Repository.blobs`),
validated and executed with graphql-core over the fake's store.

The type and field names are GitLab's own (https://docs.gitlab.com/api/graphql/reference/):
`Query.project(fullPath:)`, `Project.repository`, `Repository.blobs(paths:, ref:)` ->
`RepositoryBlobConnection.nodes` of `RepositoryBlob { id oid path name size rawSize rawBlob rawTextBlob }`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLSchema, build_schema, parse, validate
from graphql import execute as gql_execute

from tests.fakes.git_store import StoreError
from tests.fakes.gitlab import ApiError, iso

if TYPE_CHECKING:
    from tests.fakes.gitlab import FakeGitLab

SDL = """
scalar BigInt
type Query { project(fullPath: ID!): Project }
type Project { id: ID! fullPath: ID! name: String! repository: Repository }
type Repository { rootRef: String empty: Boolean! exists: Boolean!
  blobs(paths: [String!]!, ref: String, after: String, before: String, first: Int, last: Int):
    RepositoryBlobConnection }
type RepositoryBlobConnection { count: Int! nodes: [RepositoryBlob] pageInfo: PageInfo! }
type PageInfo { endCursor: String hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String }
type RepositoryBlob { id: ID! oid: String! path: String! name: String size: BigInt rawSize: BigInt
  rawBlob: String rawTextBlob: String mode: String }
extend type Repository { tree(path: String = "", recursive: Boolean = false, ref: String, refType: String): Tree }
scalar Time
type Tree { lastCommit: Commit }
type Commit { id: ID! sha: String! shortId: String! title: String message: String authorName: String
  authorEmail: String authoredDate: Time committedDate: Time webUrl: String! }
"""
MAX_PATHS = 100  # GitLab: "Too many paths" beyond this


@functools.cache
def gitlab_schema() -> GraphQLSchema:
    """The subset of GitLab's schema the fake serves, built once per process."""
    return build_schema(SDL)


def execute(fake: FakeGitLab, body: dict[str, Any], username: str) -> dict[str, Any]:
    """Run one GraphQL request; returns GitLab's response body ({"data", "errors"})."""
    query = body.get("query")
    if not isinstance(query, str):
        return {"errors": [{"message": "No query string was present"}]}
    try:
        document = parse(query)
    except GraphQLError as error:
        return {"errors": [{"message": error.message}]}
    problems = validate(gitlab_schema(), document)
    if problems:
        return {"errors": [{"message": p.message} for p in problems]}
    result = gql_execute(
        gitlab_schema(),
        document,
        root_value={"project": lambda _info, fullPath: _project(fake, fullPath)},
        variable_values=body.get("variables") or {},
        operation_name=body.get("operationName"),
    )
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [{"message": e.message, "path": e.path} for e in result.errors]
    return out


def _project(fake: FakeGitLab, full_path: str) -> dict[str, Any] | None:
    if full_path != fake.project_path:
        return None  # GitLab answers null for a project the user cannot see
    return {"id": f"gid://gitlab/Project/{fake.project_id}", "fullPath": full_path,
            "name": full_path.rsplit("/", 1)[-1], "repository": _repository(fake)}


def _repository(fake: FakeGitLab) -> dict[str, Any]:
    def blobs(_info: Any, paths: list[str], ref: str | None = None, **_: Any) -> dict[str, Any]:
        if len(paths) > MAX_PATHS:
            raise GraphQLError(f"Too many paths: at most {MAX_PATHS} per query")
        try:
            commit = fake.store.commitish(ref or fake.default_branch)
        except StoreError:
            return {"count": 0, "nodes": [], "pageInfo": _page_info()}
        tree = fake.store.commit(commit).tree
        nodes = []
        for path in paths:
            entry = fake.store.lookup(tree, path)
            if entry is None or entry.type != "blob":
                continue  # GitLab leaves missing paths out
            data = fake.store.blob(entry.sha)
            text = data.decode("utf-8", errors="replace")
            nodes.append({"id": f"gid://gitlab/Blob/{entry.sha}", "oid": entry.sha, "path": path,
                          "name": path.rsplit("/", 1)[-1], "size": str(len(data)), "rawSize": str(len(data)),
                          "rawBlob": text, "rawTextBlob": text, "mode": entry.mode})
        return {"count": len(nodes), "nodes": nodes, "pageInfo": _page_info()}

    def tree(_info: Any, path: str = "", ref: str | None = None, **_: Any) -> dict[str, Any] | None:
        try:
            head = fake._commit_of(ref or fake.default_branch)
        except ApiError:  # an unknown ref: GitLab answers null
            return None
        commits = fake.store.log(head, path.strip("/") or None)
        if not commits:
            return None  # GitLab: a path the ref does not have has no tree

        def last_commit(_info: Any) -> dict[str, Any]:
            commit = commits[0]
            return {"id": f"gid://gitlab/CommitPresenter/{commit.sha}", "sha": commit.sha, "shortId": commit.sha[:8],
                    "title": commit.message.split("\n", 1)[0], "message": commit.message,
                    "authorName": commit.author.name, "authorEmail": commit.author.email,
                    "authoredDate": graphql_time(commit.author.timestamp),
                    "committedDate": graphql_time(commit.committer.timestamp),
                    "webUrl": f"https://gitlab.example/-/commit/{commit.sha}"}

        return {"lastCommit": last_commit}

    return {"rootRef": fake.default_branch, "empty": False, "exists": True, "blobs": blobs, "tree": tree}


def graphql_time(timestamp: float) -> str:
    """GitLab GraphQL's `Time`: ISO 8601 in UTC, to the second (`2026-11-22T12:00:00Z`)."""
    return iso(timestamp).replace(".000Z", "Z")


def _page_info() -> dict[str, Any]:
    return {"endCursor": None, "hasNextPage": False, "hasPreviousPage": False, "startCursor": None}
