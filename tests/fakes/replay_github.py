"""Replay recorded GitHub traffic (Decap's Cypress fixtures) against the fake and compare.

Seeding (the repository state a recording starts from) is derived from the recording's own
responses, before replaying anything:
- blobs: every blob a response shows the content of (REST git/blobs, GraphQL Blob.text) is
  stored, and must hash to the id GitHub gave it;
- directories: the first listing of each `<default branch>:<dir>` (REST trees, GraphQL Tree
  entries) made before anything moves the default branch, and not after GitHub answered that
  the directory did not exist, is stored as a tree, and must hash to GitHub's tree id;
- the root: if the recording posts a tree, GitHub's answer lists a whole root; its untouched
  entries are kept as they are (the store allows trees naming objects it does not hold), the
  top-level directories the post touched or that hold known listings are rebuilt from those. Otherwise the root holds
  just the known directories. One seed commit on the default branch holds that root.
Root trees and commits therefore differ from GitHub's; blob ids and listed directory ids do not.
Where a recording posts a blob whose body does not hash to the id in its own answer (the body
was re-recorded with another date format), the content GitHub stored is posted instead when
the recording shows it; otherwise the exchange is counted as inconsistent, not as a match.

Replaying: requests are sent in order; a map from recorded ids (commit/tree SHAs, PR numbers,
node ids) to the fake's is learned by walking each recorded response beside the fake's, and
later URLs and bodies are rewritten with it. An exchange matches when the status is the same,
the fake's JSON has every recorded key with the same JSON type (lists by first element; null
on either side accepted), and every deterministic id (blob SHAs, listed directory SHAs) is equal.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from tests.fakes.git_store import MODE_FILE, MODE_TREE, GitStore, TreeEntry
from tests.fakes.github import FakeGitHub, User

TOKEN = "replay-token"
Handler = Callable[[httpx.Request], httpx.Response]
HEX40 = re.compile(r"\b[0-9a-f]{40}\b")


@dataclass
class Exchange:
    """One recorded request and its answer."""

    method: str
    url: str
    body: str | None
    status: int
    response: Any

    @property
    def graphql(self) -> dict[str, Any] | None:
        return json.loads(self.body) if self.url == "/graphql" and self.body else None


def load(path: Path) -> list[Exchange]:
    """The exchanges of one recording file."""
    out = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        response = item.get("response")
        if isinstance(response, str):
            try:
                response = json.loads(response)
            except ValueError:
                pass
        out.append(Exchange(item["method"], item["url"], item.get("body"), int(item.get("status") or 200), response))
    return out


@dataclass
class Seed:
    """What the recording says the repository held at the start."""

    owner: str = "owner"
    repo: str = "repo"
    login: str = "owner"
    default_branch: str = "master"
    blobs: dict[str, bytes] = field(default_factory=dict)
    dirs: dict[str, list[TreeEntry]] = field(default_factory=dict)  # path -> entries
    dir_shas: dict[str, str] = field(default_factory=dict)  # path -> recorded tree sha
    root: list[TreeEntry] | None = None
    touched: set[str] = field(default_factory=set)  # top-level dirs the root post changed
    problems: list[str] = field(default_factory=list)


def derive_seed(exchanges: list[Exchange]) -> Seed:
    """Read the starting state out of the recorded responses (see module docstring)."""
    seed = Seed()
    for ex in exchanges:
        match = re.match(r"/repos/([^/]+)/([^/?]+)", ex.url)
        if match:
            seed.owner, seed.repo = match.groups()
            break
    for ex in exchanges:
        if ex.url == "/user" and isinstance(ex.response, dict):
            seed.login = ex.response.get("login", seed.login)
        if re.fullmatch(rf"/repos/{seed.owner}/{seed.repo}", ex.url) and isinstance(ex.response, dict):
            seed.default_branch = ex.response.get("default_branch", seed.default_branch)
    prefix = f"{seed.default_branch}:"
    missing: set[str] = set()  # listings GitHub answered 404 before they existed
    master_written = False
    for ex in exchanges:
        data = ex.response
        master_written = master_written or _writes_default_branch(ex, seed.default_branch)
        tree = re.search(r"/git/trees/([^?]+)", ex.url)
        if ex.status == 404 and tree and unquote(tree.group(1)).startswith(prefix):
            missing.add(unquote(tree.group(1))[len(prefix):])
        if ex.status != 200 and ex.status != 201:
            continue
        if ex.method == "GET" and "/git/blobs/" in ex.url and isinstance(data, dict) and "content" in data:
            seed.blobs[data["sha"]] = base64.b64decode(data["content"])
        if ex.method == "GET" and tree and isinstance(data, dict) and not master_written:
            expression = unquote(tree.group(1))
            path = expression[len(prefix):]
            if expression.startswith(prefix) and path.strip("/") and path not in seed.dirs and path not in missing:
                seed.dirs[path] = [TreeEntry(e["path"], e["mode"], e["sha"]) for e in data["tree"]]
                seed.dir_shas[path] = data["sha"]
        query = ex.graphql
        if query and isinstance(data, dict):
            variables = query.get("variables") or {}
            obj = ((data.get("data") or {}).get("repository") or {}).get("object")
            expression = variables.get("expression", "")
            if query.get("operationName") == "blob" and obj and obj.get("text") is not None:
                seed.blobs[expression] = obj["text"].encode()
            if query.get("operationName") == "files" and expression.startswith(prefix) and obj is None:
                missing.add(expression[len(prefix):])
            if query.get("operationName") == "files" and obj and expression.startswith(prefix) and not master_written:
                path = expression[len(prefix):]
                if path.strip("/") and path not in seed.dirs and path not in missing:
                    seed.dirs[path] = [TreeEntry(e["name"], MODE_TREE if e["type"] == "tree" else MODE_FILE, e["sha"])
                                       for e in obj["entries"]]
                    seed.dir_shas[path] = obj["sha"]
        if ex.method == "POST" and ex.url.endswith("/git/trees") and seed.root is None and isinstance(data, dict):
            posted = json.loads(ex.body or "{}")
            seed.touched = {item["path"].split("/", 1)[0] for item in posted.get("tree", [])}
            seed.root = [TreeEntry(e["path"], e["mode"], e["sha"]) for e in data["tree"]]
    return seed


def _writes_default_branch(ex: Exchange, branch: str) -> bool:
    """Whether an exchange moves the default branch (listings after it show a later state)."""
    if ex.method in ("PATCH", "DELETE") and re.search(rf"/git/refs/heads/{re.escape(branch)}$", ex.url):
        return True
    if ex.method == "PUT" and re.search(r"/pulls/\d+/merge$|/contents/", ex.url):
        return True
    query = ex.graphql
    return bool(query and re.search(r"\b(mergePullRequest|createCommitOnBranch)\b", query.get("query", "")))


def seeded_fake(seed: Seed, clock: Any = None) -> FakeGitHub:
    """A fake holding the seed's repository on its default branch (one commit)."""
    store = GitStore()
    fake = FakeGitHub(store, owner=seed.owner, repo=seed.repo, default_branch=seed.default_branch,
                      tokens={TOKEN: seed.login}, users=[User(seed.login, 1, seed.login)],
                      **({"clock": clock} if clock else {}))
    for sha, data in seed.blobs.items():
        if store.put_blob(data) != sha:
            seed.problems.append(f"blob {sha}: content hashes differently")
    for path in sorted(seed.dirs, key=lambda p: -p.count("/")):
        sha = store.put_tree(seed.dirs[path])
        if sha != seed.dir_shas[path]:
            seed.problems.append(f"tree {path}: {sha} != recorded {seed.dir_shas[path]}")
    rebuilt = seed.touched | {path.split("/", 1)[0] for path in seed.dirs}
    root_entries = [e for e in (seed.root or []) if e.name not in rebuilt]
    base = store.put_tree(root_entries)
    changes: dict[str, tuple[str, str] | None] = {}
    for path, entries in sorted(seed.dirs.items()):
        changes[path] = (MODE_TREE, store.put_tree(entries))
    # deeper known listings sit inside shallower ones: write shallow first, deep last wins
    tree = base
    for path in sorted(changes, key=lambda p: p.count("/")):
        tree = store.write_tree(tree, {path: changes[path]})
    commit = store.put_commit(tree, [], "initial commit", fake.signature(seed.login))
    store.set_ref(f"heads/{seed.default_branch}", commit, create=True)
    return fake


# ---- comparing -------------------------------------------------------------------------------
ID_KEYS = {"sha", "oid", "id", "node_id", "number", "headRefOid", "baseRefOid", "merge_commit_sha",
           "refId", "pullRequestId", "repositoryId"}


@dataclass
class Outcome:
    """The result of replaying one exchange."""

    exchange: Exchange
    status: int
    problems: list[str]
    inconsistent: bool = False  # the recording contradicts itself here (see Replayer._repair_blob)
    path: str = ""  # the fake's request path and answer, for the OpenAPI check
    body: Any = None

    @property
    def matched(self) -> bool:
        return not self.problems


@dataclass
class Replayer:
    """Replays exchanges in order against a fake, learning the id map."""

    fake: FakeGitHub | Handler
    seed: Seed
    ids: dict[Any, Any] = field(default_factory=dict)
    numbers: dict[int, int] = field(default_factory=dict)
    deterministic: set[str] = field(default_factory=set)
    repaired: int = 0
    ids_checked: int = 0  # deterministic ids (blob and directory SHAs) found equal

    def __post_init__(self) -> None:
        self.deterministic = set(self.seed.blobs) | set(self.seed.dir_shas.values())

    def rewrite(self, text: str) -> str:
        text = HEX40.sub(lambda m: self.ids.get(m.group(0), m.group(0)), text)
        text = re.sub(
            r"/(pulls|issues)/(\d+)", lambda m: f"/{m.group(1)}/{self.numbers.get(int(m.group(2)), m.group(2))}", text
        )
        for recorded, actual in self.ids.items():
            if isinstance(recorded, str) and not HEX40.fullmatch(recorded) and len(recorded) > 12:
                text = text.replace(recorded, actual)
        return text

    def run(self, exchange: Exchange) -> Outcome:
        url = self.rewrite(exchange.url)
        body = self.rewrite(exchange.body) if exchange.body else None
        inconsistent = False
        if exchange.method == "POST" and exchange.url.endswith("/git/blobs") and body:
            body, state = self._repair_blob(exchange, body)
            self.repaired += state == "repaired"
            inconsistent = state == "inconsistent"
        request = httpx.Request(exchange.method, "https://api.github.com" + url,
                                headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
                                content=body.encode() if body else None)
        response = self.fake(request)
        problems: list[str] = []
        if response.status_code != exchange.status:
            problems.append(f"status {response.status_code} != recorded {exchange.status}")
        actual = response.json() if response.content else None
        self._learn_deterministic(exchange)
        if inconsistent:
            # GitHub's id is of content this recording does not hold: follow the fake's id
            self.deterministic.discard(exchange.response["sha"])
            self.ids[exchange.response["sha"]] = actual["sha"]
            problems.append("recording inconsistent: the posted content does not hash to the recorded sha")
        elif exchange.response is not None and response.status_code == exchange.status:
            self.compare(exchange.response, actual, "$", problems)
        return Outcome(exchange, response.status_code, problems, inconsistent, request.url.path, actual)

    def _repair_blob(self, exchange: Exchange, body: str) -> tuple[str, str]:
        """Some recordings pair a request body with a response made from other content (Decap's
        date format changed between the runs). When the recording shows the content GitHub
        really stored, post that ("repaired"), so the replayed repository keeps GitHub's state;
        otherwise the exchange is "inconsistent" (and "ok" when body and answer agree)."""
        posted = json.loads(body)
        recorded = exchange.response.get("sha") if isinstance(exchange.response, dict) else None
        data = base64.b64decode(posted.get("content", "")) if posted.get("encoding") == "base64" else \
            str(posted.get("content", "")).encode()
        if recorded is None or GitStore().put_blob(data) == recorded:
            return body, "ok"
        if recorded not in self.seed.blobs:
            return body, "inconsistent"
        posted = {"content": base64.b64encode(self.seed.blobs[recorded]).decode(), "encoding": "base64"}
        return json.dumps(posted), "repaired"

    def _learn_deterministic(self, exchange: Exchange) -> None:
        """Blob ids the recording creates are content hashes: they must match, not be mapped."""
        data = exchange.response
        if exchange.method == "POST" and exchange.url.endswith("/git/blobs") and isinstance(data, dict):
            self.deterministic.add(data["sha"])
        if exchange.method == "POST" and exchange.url.endswith("/git/trees") and exchange.body:
            for item in json.loads(exchange.body).get("tree", []):
                if item.get("sha"):
                    self.deterministic.add(item["sha"])
        tree = re.search(r"/git/trees/[^?]*:[^?]+", exchange.url)
        if exchange.method == "GET" and tree and isinstance(data, dict) and "sha" in data:
            self.deterministic.add(data["sha"])  # a directory whose whole content the fake knows
        query = exchange.graphql
        if (
            query
            and query.get("operationName") == "files"
            and ":" in (query.get("variables") or {}).get("expression", "")
        ):
            obj = (((data or {}).get("data") or {}).get("repository") or {}).get("object")
            if obj:
                self.deterministic.add(obj["sha"])
        if exchange.method == "GET" and "/compare/" in exchange.url and isinstance(data, dict):
            self.deterministic.update(f["sha"] for f in data.get("files", []) if f.get("sha"))

    def compare(self, recorded: Any, actual: Any, where: str, problems: list[str], key: str = "") -> None:
        if recorded is None or actual is None:
            return
        if isinstance(recorded, dict):
            if not isinstance(actual, dict):
                problems.append(f"{where}: object expected, got {type(actual).__name__}")
                return
            for k, value in recorded.items():
                if k not in actual:
                    problems.append(f"{where}.{k}: missing")
                else:
                    self.compare(value, actual[k], f"{where}.{k}", problems, k)
            return
        if isinstance(recorded, list):
            if not isinstance(actual, list):
                problems.append(f"{where}: list expected, got {type(actual).__name__}")
                return
            if recorded and actual:
                self.compare(recorded[0], actual[0], f"{where}[0]", problems, key)
            for i, (r, a) in enumerate(zip(recorded[1:], actual[1:], strict=False), 1):  # shapes were checked on [0]
                self._check_ids(r, a, f"{where}[{i}]", problems, key)
            return
        if type(recorded) is not type(actual) and not (
            isinstance(recorded, (int, float)) and isinstance(actual, (int, float)) and not isinstance(recorded, bool)
        ):
            problems.append(f"{where}: {type(recorded).__name__} expected, got {type(actual).__name__}")
            return
        if recorded == actual:
            if isinstance(recorded, str) and recorded in self.deterministic:
                self.ids_checked += 1
            return
        if isinstance(recorded, str) and recorded in self.deterministic:
            problems.append(f"{where}: deterministic id {recorded} != {actual}")
            return
        if key in ID_KEYS or (isinstance(recorded, str) and HEX40.fullmatch(recorded)):
            self._bind(recorded, actual, key)

    def _check_ids(self, recorded: Any, actual: Any, where: str, problems: list[str], key: str) -> None:
        """Deterministic ids must be equal, other ids are learned; no shape checks."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for k in recorded.keys() & actual.keys():
                self._check_ids(recorded[k], actual[k], f"{where}.{k}", problems, k)
        elif isinstance(recorded, list) and isinstance(actual, list):
            for i, (r, a) in enumerate(zip(recorded, actual, strict=False)):
                self._check_ids(r, a, f"{where}[{i}]", problems, key)
        elif isinstance(recorded, str) and recorded in self.deterministic:
            if recorded == actual:
                self.ids_checked += 1
            else:
                problems.append(f"{where}: deterministic id {recorded} != {actual}")
        elif isinstance(recorded, (str, int)) and recorded != actual and key in ID_KEYS:
            self._bind(recorded, actual, key)

    def _bind(self, recorded: Any, actual: Any, key: str) -> None:
        if key == "number" and isinstance(recorded, int) and isinstance(actual, int):
            self.numbers.setdefault(recorded, actual)
        elif isinstance(recorded, str) and isinstance(actual, str):
            self.ids.setdefault(recorded, actual)


def gateway_exchanges(path: Path, prefix: str = "/.netlify/git/github/") -> list[Exchange]:
    """The GitHub part of a Git Gateway recording, as GitHub paths of owner/repo.

    Git Gateway passes GitHub's answers through under its own prefix; identity, settings and
    large-media exchanges belong to other fakes and are left out.
    """
    out = []
    for exchange in load(path):
        if exchange.url.startswith(prefix):
            exchange.url = "/repos/owner/repo/" + exchange.url[len(prefix):]
            out.append(exchange)
    return out


def replay_file(path: Path) -> tuple[Seed, Replayer, list[Outcome]]:
    """Seed a fake from a recording and replay it; returns the seed, the replayer and each outcome."""
    return replay_exchanges(load(path))


def replay_exchanges(exchanges: list[Exchange]) -> tuple[Seed, Replayer, list[Outcome]]:
    """Seed a fake from recorded exchanges and replay them in order."""
    seed, replayer = prepare(exchanges)
    return seed, replayer, [replayer.run(ex) for ex in exchanges]


def prepare(exchanges: list[Exchange], wrap: Callable[[FakeGitHub], Handler] | None = None) -> tuple[Seed, Replayer]:
    """The seed of recorded exchanges and a Replayer for a fake seeded with it; `wrap` may put something
    (e.g. a Git Gateway) in front of the fake, and the Replayer then sends its requests to that."""
    seed = derive_seed(exchanges)
    fake = seeded_fake(seed)
    replayer = Replayer(wrap(fake) if wrap else fake, seed)
    # the recorded head of the default branch is the fake's seed commit
    head = fake.repos[f"{seed.owner}/{seed.repo}"].store.branch(seed.default_branch)
    for ex in exchanges:
        data = ex.response
        if ex.url.startswith(f"/repos/{seed.owner}/{seed.repo}/branches/{seed.default_branch}") and isinstance(
            data, dict
        ):
            replayer.ids.setdefault(data["commit"]["sha"], head)
            break
    return seed, replayer
