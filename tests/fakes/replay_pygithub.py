"""Compare the GitHub fake's answers with PyGithub's recorded GitHub answers, by shape.

The PyGithub recordings come from many unrelated repositories, so they cannot be replayed in
order; instead, for each operation an adapter uses, the newest recorded 2xx answer is compared
with the fake's answer to the same kind of request on a seeded repository: every recorded key
must be present with the same JSON type (null on either side accepted; lists by first element).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.git_store import GitStore
from tests.fakes.github import FakeGitHub

TOKEN = "pygithub-token"


def newest_answers(path: Path) -> dict[tuple[str, str, int], Any]:
    """(method, operation, status) -> the newest recorded JSON answer."""
    best: dict[tuple[str, str, int], tuple[float, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if not item.get("operation") or not item.get("resp_body"):
            continue
        try:
            body = json.loads(item["resp_body"])
        except ValueError:
            continue
        headers = {k.lower(): v for k, v in (item.get("resp_headers") or {}).items()}
        try:
            when = parsedate_to_datetime(headers["date"]).timestamp()
        except (KeyError, TypeError, ValueError):
            when = 0.0
        key = (item["method"], item["operation"], int(item["status"]))
        if key not in best or when >= best[key][0]:
            best[key] = (when, body)
    return {k: v[1] for k, v in best.items()}


def shape_problems(recorded: Any, actual: Any, where: str = "$") -> list[str]:
    """Recorded keys missing from `actual` or holding another JSON type."""
    if recorded is None or actual is None:
        return []
    if isinstance(recorded, dict):
        if not isinstance(actual, dict):
            return [f"{where}: object expected"]
        out = []
        for key, value in recorded.items():
            if key not in actual:
                out.append(f"{where}.{key}: missing")
            else:
                out += shape_problems(value, actual[key], f"{where}.{key}")
        return out
    if isinstance(recorded, list):
        if not isinstance(actual, list):
            return [f"{where}: list expected"]
        return shape_problems(recorded[0], actual[0], f"{where}[0]") if recorded and actual else []
    numbers = (int, float)
    if type(recorded) is not type(actual) and not (isinstance(recorded, numbers) and isinstance(actual, numbers)
                                                  and not isinstance(recorded, bool) and not isinstance(actual, bool)):
        return [f"{where}: {type(recorded).__name__} expected, got {type(actual).__name__}"]
    return []


def scenario() -> tuple[FakeGitHub, httpx.Client, dict[str, Any]]:
    """A fake with a repository, a branch with a pull request and a status, and a client."""
    fake = FakeGitHub(GitStore(), owner="owner", repo="repo", default_branch="main", tokens={TOKEN: "owner"})
    first = fake.commit_files("owner/repo", "main", {"README.md": b"readme\n", "docs/a.md": b"a\n"}, "initial")
    api = httpx.Client(transport=httpx.MockTransport(fake), base_url="https://api.github.com",
                       headers={"Authorization": f"token {TOKEN}"})
    blob = api.post("/repos/owner/repo/git/blobs", json={"content": "YgoK", "encoding": "base64"}).json()["sha"]
    tree = api.post(
        "/repos/owner/repo/git/trees",
        json={"base_tree": first, "tree": [{"path": "docs/b.md", "mode": "100644", "type": "blob", "sha": blob}]},
    ).json()["sha"]
    commit = api.post("/repos/owner/repo/git/commits", json={"message": "b", "tree": tree, "parents": [first]}).json()[
        "sha"
    ]
    api.post("/repos/owner/repo/git/refs", json={"ref": "refs/heads/feature", "sha": commit})
    api.post(f"/repos/owner/repo/statuses/{commit}", json={"state": "success", "context": "ci"})
    pull = api.post(
        "/repos/owner/repo/pulls", json={"title": "t", "body": "b", "head": "owner:feature", "base": "main"}
    ).json()
    return fake, api, {"first": first, "blob": blob, "tree": tree, "commit": commit, "pull": pull["number"]}


Request = Callable[[httpx.Client, dict[str, Any]], httpx.Response]

# operation as PyGithub's recording names it -> the same kind of request on the scenario
REQUESTS: dict[tuple[str, str, int], Request] = {
    ("GET", "/user", 200): lambda api, ids: api.get("/user"),
    ("GET", "/repos/{owner}/{repo}", 200): lambda api, ids: api.get("/repos/owner/repo"),
    ("GET", "/repos/{owner}/{repo}/branches/{branch}", 200): lambda api, ids: api.get(
        "/repos/owner/repo/branches/main"
    ),
    ("GET", "/repos/{owner}/{repo}/commits", 200): lambda api, ids: api.get(
        "/repos/owner/repo/commits", params={"sha": "main"}
    ),
    ("GET", "/repos/{owner}/{repo}/commits/{ref}", 200): lambda api, ids: api.get(
        f"/repos/owner/repo/commits/{ids['commit']}"
    ),
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/status", 200): lambda api, ids: api.get(
        f"/repos/owner/repo/commits/{ids['commit']}/status"
    ),
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", 200): lambda api, ids: api.get(
        f"/repos/owner/repo/commits/{ids['commit']}/check-runs"
    ),
    ("GET", "/repos/{owner}/{repo}/compare/{base}...{head}", 200): lambda api, ids: api.get(
        "/repos/owner/repo/compare/main...feature"
    ),
    ("GET", "/repos/{owner}/{repo}/contents/{path}", 200): lambda api, ids: api.get(
        "/repos/owner/repo/contents/docs", params={"ref": "main"}
    ),
    ("PUT", "/repos/{owner}/{repo}/contents/{path}", 201): lambda api, ids: api.put(
        "/repos/owner/repo/contents/new.md",
        json={"message": "m", "content": base64.b64encode(b"n").decode(), "branch": "main"},
    ),
    ("PUT", "/repos/{owner}/{repo}/contents/{path}", 200): lambda api, ids: api.put(
        "/repos/owner/repo/contents/README.md",
        json={
            "message": "m",
            "content": base64.b64encode(b"r").decode(),
            "branch": "main",
            "sha": api.get("/repos/owner/repo/contents/README.md").json()["sha"],
        },
    ),
    ("DELETE", "/repos/{owner}/{repo}/contents/{path}", 200): lambda api, ids: api.request(
        "DELETE",
        "/repos/owner/repo/contents/docs/a.md",
        json={"message": "m", "branch": "main", "sha": api.get("/repos/owner/repo/contents/docs/a.md").json()["sha"]},
    ),
    ("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", 200): lambda api, ids: api.get(
        f"/repos/owner/repo/git/blobs/{ids['blob']}"
    ),
    ("POST", "/repos/{owner}/{repo}/git/blobs", 201): lambda api, ids: api.post(
        "/repos/owner/repo/git/blobs", json={"content": "x"}
    ),
    ("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}", 200): lambda api, ids: api.get(
        f"/repos/owner/repo/git/commits/{ids['commit']}"
    ),
    ("POST", "/repos/{owner}/{repo}/git/commits", 201): lambda api, ids: api.post(
        "/repos/owner/repo/git/commits", json={"message": "again", "tree": ids["tree"], "parents": [ids["commit"]]}
    ),
    ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}", 200): lambda api, ids: api.get(
        f"/repos/owner/repo/git/trees/{ids['tree']}"
    ),
    ("POST", "/repos/{owner}/{repo}/git/trees", 201): lambda api, ids: api.post(
        "/repos/owner/repo/git/trees",
        json={
            "base_tree": ids["tree"],
            "tree": [{"path": "c.md", "mode": "100644", "type": "blob", "sha": ids["blob"]}],
        },
    ),
    ("GET", "/repos/{owner}/{repo}/git/ref/{ref}", 200): lambda api, ids: api.get(
        "/repos/owner/repo/git/ref/heads/main"
    ),
    ("GET", "/repos/{owner}/{repo}/git/refs/{ref}", 200): lambda api, ids: api.get(
        "/repos/owner/repo/git/refs/heads/main"
    ),
    ("POST", "/repos/{owner}/{repo}/git/refs", 201): lambda api, ids: api.post(
        "/repos/owner/repo/git/refs", json={"ref": "refs/heads/other", "sha": ids["commit"]}
    ),
    ("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}", 200): lambda api, ids: api.patch(
        "/repos/owner/repo/git/refs/heads/feature", json={"sha": ids["commit"], "force": True}
    ),
    ("PATCH", "/repos/{owner}/{repo}/git/ref/{ref}", 200): lambda api, ids: api.patch(
        "/repos/owner/repo/git/ref/heads/feature", json={"sha": ids["commit"], "force": True}
    ),
    ("GET", "/repos/{owner}/{repo}/pulls", 200): lambda api, ids: api.get("/repos/owner/repo/pulls"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 200): lambda api, ids: api.get(
        f"/repos/owner/repo/pulls/{ids['pull']}"
    ),
    ("POST", "/repos/{owner}/{repo}/pulls", 201): lambda api, ids: api.post(
        "/repos/owner/repo/pulls", json={"title": "t2", "head": "owner:other", "base": "main"}
    ),
    ("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", 200): lambda api, ids: api.patch(
        f"/repos/owner/repo/pulls/{ids['pull']}", json={"title": "t3"}
    ),
    ("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", 200): lambda api, ids: api.put(
        f"/repos/owner/repo/pulls/{ids['pull']}/merge", json={}
    ),
    ("POST", "/repos/{owner}/{repo}/statuses/{sha}", 201): lambda api, ids: api.post(
        f"/repos/owner/repo/statuses/{ids['commit']}", json={"state": "pending", "context": "deploy"}
    ),
}


def compare_all(path: Path) -> dict[tuple[str, str, int], list[str]]:
    """Shape problems per operation (only operations both recorded and served by the fake)."""
    recorded = newest_answers(path)
    _fake, api, ids = scenario()
    out: dict[tuple[str, str, int], list[str]] = {}
    for key, make in REQUESTS.items():  # dict order: reads before the writes that change state
        if key not in recorded:
            continue
        response = make(api, ids)
        if response.status_code != key[2]:
            out[key] = [f"status {response.status_code} != {key[2]}"]
            continue
        out[key] = shape_problems(recorded[key], response.json())
    return out
