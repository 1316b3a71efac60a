"""Replay recorded GitLab traffic (Decap's Cypress fixtures) against FakeGitLab and compare.

Seeding (the repository state a recording starts from) comes from the recording's own answers,
before anything is replayed:
- the project path (`/projects/owner%2Frepo`), its default branch (`GET /projects/:id`) and the user;
- files: every raw read of the default branch answered 200 before anything wrote to that branch holds
  the file's bytes, which must hash to the `X-Gitlab-Blob-Id` GitLab sent with them;
- listings: every tree listing of the default branch made before anything wrote to it names blob ids
  (also of files whose bytes the recording never shows: the store keeps such ids without content).
One seed commit on the default branch holds those files. Commit ids therefore differ from GitLab's;
blob ids do not.

Replaying: requests are sent in order; recorded commit ids and merge request iids are mapped to the
fake's by walking each recorded answer beside the fake's, and later URLs and bodies are rewritten with
that map. An exchange matches when the status is the same and
- for JSON answers, the fake's JSON has every recorded key with the same JSON type (lists by their first
  element; null on either side accepted), and every blob id the recording fixes is equal;
- for raw file reads, the bytes are equal and so is `X-Gitlab-Blob-Id`;
- for HEAD probes, `X-Gitlab-Blob-Id` is equal.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from tests.fakes.git_store import MODE_FILE, GitStore
from tests.fakes.gitlab import FakeGitLab

TOKEN = "replay-token"
Handler = Callable[[httpx.Request], httpx.Response]
HEX40 = re.compile(r"\b[0-9a-f]{40}\b")
API = "/api/v4/"


@dataclass
class Exchange:
    """One recorded request and its answer (headers are the answer's)."""

    method: str
    url: str
    body: str | None
    status: int
    response: Any  # parsed JSON, str, bytes (base64 answers), or None
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.url).path)

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.url).query, keep_blank_values=True).items()}

    @property
    def raw(self) -> bool:
        return self.method == "GET" and bool(re.search(r"/repository/(files/[^?]+|blobs/[0-9a-f]+)/raw", self.url))

    @property
    def file_path(self) -> str | None:
        """The repository path a files-API request names."""
        match = re.search(r"/repository/files/([^/?]+)", self.url)
        return unquote(match.group(1)) if match else None


def load(path: Path, prefix: str = API) -> list[Exchange]:
    """The GitLab exchanges of one recording.

    `prefix` (e.g. Git Gateway's) is turned into /api/v4/projects/owner%2Frepo/.
    """
    out = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        url = item["url"]
        if not url.startswith(prefix):
            continue
        if prefix != API:
            url = "/api/v4/projects/owner%2Frepo/" + url[len(prefix):]
        response = item.get("response")
        if isinstance(response, dict) and response.get("encoding") == "base64":
            response = base64.b64decode(response["content"])
        elif isinstance(response, str) and (item.get("status") != 200 or not re.search(r"/raw(\?|$)", url)):
            try:
                response = json.loads(response)
            except ValueError:
                pass
        out.append(Exchange(item["method"], url, item.get("body"), int(item.get("status") or 200), response,
                            {k.lower(): v for k, v in (item.get("headers") or {}).items()}))
    return out


@dataclass
class Seed:
    """What the recording says the project held at the start."""

    project: str = "owner/repo"
    login: str = "owner"
    default_branch: str = "master"
    contents: dict[str, bytes] = field(default_factory=dict)  # path -> bytes
    listed: dict[str, str] = field(default_factory=dict)  # path -> blob id
    problems: list[str] = field(default_factory=list)


def _writes_default_branch(ex: Exchange, branch: str) -> bool:
    if ex.method == "POST" and ex.path.endswith("/repository/commits") and ex.body:
        return json.loads(ex.body).get("branch") == branch
    return ex.method == "PUT" and ex.path.endswith("/merge")


def derive_seed(exchanges: list[Exchange]) -> Seed:
    """Read the starting state out of the recorded answers (see the module docstring)."""
    seed = Seed()
    for ex in exchanges:
        match = re.match(r"/api/v4/projects/([^/?]+)", ex.url)
        if match:
            seed.project = unquote(match.group(1))
            break
    for ex in exchanges:
        if ex.url == "/api/v4/user" and isinstance(ex.response, dict):
            seed.login = ex.response.get("username") or seed.login
        if ex.path == f"/api/v4/projects/{seed.project}" and isinstance(ex.response, dict):
            seed.default_branch = ex.response.get("default_branch") or seed.default_branch
    written = False
    for ex in exchanges:
        written = written or _writes_default_branch(ex, seed.default_branch)
        if written or ex.status != 200 or ex.query.get("ref") != seed.default_branch:
            continue
        if ex.raw and "/files/" in ex.url:
            path = unquote(ex.path.split("/repository/files/", 1)[1].removesuffix("/raw"))
            data = ex.response if isinstance(ex.response, bytes) else str(ex.response).encode("utf-8")
            blob = ex.headers.get("x-gitlab-blob-id")
            if blob and GitStore().put_blob(data) != blob:
                seed.problems.append(f"{path}: recorded bytes do not hash to {blob}")
                continue
            seed.contents.setdefault(path, data)
            if blob:
                seed.listed.setdefault(path, blob)
        if ex.method == "GET" and ex.path.endswith("/repository/tree") and isinstance(ex.response, list):
            for entry in ex.response:
                if entry.get("type") == "blob":
                    seed.listed.setdefault(entry["path"], entry["id"])
    return seed


def seeded_fake(seed: Seed) -> FakeGitLab:
    """A fake holding the seed's files on its default branch (one commit)."""
    store = GitStore()
    fake = FakeGitLab(store, project=seed.project, default_branch=seed.default_branch, tokens={TOKEN: seed.login})
    files = dict(seed.listed)
    for path, data in seed.contents.items():
        files[path] = store.put_blob(data)
    tree = store.write_tree(None, {p: (MODE_FILE, sha) for p, sha in files.items()}) if files else store.put_tree([])
    commit = store.put_commit(tree, [], "initial commit", fake.signature(seed.login))
    store.set_ref(f"heads/{seed.default_branch}", commit, create=True)
    return fake


@dataclass
class Outcome:
    """The result of replaying one exchange."""

    exchange: Exchange
    status: int
    problems: list[str]
    body: Any = None
    unreplayable: str = ""  # why the recording itself cannot be matched here (see Replayer.classify)

    @property
    def matched(self) -> bool:
        return not self.problems


@dataclass
class Replayer:
    """Replays exchanges in order against a fake, learning the id map."""

    fake: FakeGitLab | Handler
    seed: Seed
    ids: dict[str, str] = field(default_factory=dict)
    iids: dict[int, int] = field(default_factory=dict)
    blob_ids: set[str] = field(default_factory=set)
    ids_checked: int = 0
    repaired: int = 0

    def __post_init__(self) -> None:
        self.blob_ids = set(self.seed.listed.values())

    def rewrite(self, text: str) -> str:
        text = HEX40.sub(lambda m: self.ids.get(m.group(0), m.group(0)), text)
        return re.sub(
            r"/merge_requests/(\d+)", lambda m: f"/merge_requests/{self.iids.get(int(m.group(1)), m.group(1))}", text
        )

    def run(self, exchange: Exchange) -> Outcome:
        url = self.rewrite(exchange.url)
        body = self.rewrite(exchange.body) if exchange.body else None
        self._learn_blobs(exchange)
        request = httpx.Request(exchange.method, "https://gitlab.com" + url,
                                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                                content=body.encode() if body else None)
        response = self.fake(request)
        problems: list[str] = []
        if response.status_code != exchange.status:
            problems.append(f"status {response.status_code} != recorded {exchange.status}")
            return Outcome(exchange, response.status_code, problems)
        recorded_blob = exchange.headers.get("x-gitlab-blob-id")
        if recorded_blob and exchange.status == 200:
            if response.headers.get("X-Gitlab-Blob-Id") != recorded_blob:
                problems.append(f"X-Gitlab-Blob-Id {response.headers.get('X-Gitlab-Blob-Id')} != {recorded_blob}")
            else:
                self.ids_checked += 1
        actual: Any = None
        if exchange.raw and exchange.status == 200:
            expected = exchange.response if isinstance(exchange.response, bytes) else str(exchange.response).encode()
            if response.content != expected:
                problems.append("raw content differs")
        elif response.content and exchange.method != "HEAD":
            try:
                actual = response.json()
            except ValueError:
                actual = response.text
            self.compare(exchange.response, actual, "$", problems)
        return Outcome(exchange, response.status_code, problems, actual, self.classify(exchange, actual, problems))

    @staticmethod
    def classify(exchange: Exchange, actual: Any, problems: list[str]) -> str:
        """Mismatches the recording explains itself, as opposed to the fake's faults:
        - "sanitised": the recording tool replaced GitLab's `/user` answer with a GitHub-style user (`login`),
          a key GitLab never sends;
        - "outside": the recording lists no open merge request where the replayed requests leave one
          open: something the recording does not hold (the test's cleanup) closed it."""
        if exchange.path == "/api/v4/user" and problems == ["$.login: missing"]:
            return "sanitised"
        if (exchange.path.endswith("/merge_requests") and exchange.response == [] and isinstance(actual, list)
                and actual and problems and all("items != recorded" in p for p in problems)):
            return "outside"
        return ""

    def _learn_blobs(self, exchange: Exchange) -> None:
        """Blob ids of content a request writes are content hashes: they must match, never be mapped."""
        if exchange.method == "POST" and exchange.path.endswith("/repository/commits") and exchange.body:
            for action in json.loads(exchange.body).get("actions", []):
                content = action.get("content")
                if content is None:
                    continue
                data = base64.b64decode(content) if action.get("encoding") == "base64" else str(content).encode()
                self.blob_ids.add(GitStore().put_blob(data))

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
            if len(recorded) != len(actual) and where == "$":
                problems.append(f"{where}: {len(actual)} items != recorded {len(recorded)}")
            for i, (r, a) in enumerate(zip(recorded, actual, strict=False)):
                if i == 0:
                    self.compare(r, a, f"{where}[0]", problems, key)
                else:
                    self._ids_only(r, a, f"{where}[{i}]", problems, key)
            return
        numbers = (
            isinstance(recorded, (int, float)) and isinstance(actual, (int, float)) and not isinstance(recorded, bool)
        )
        if type(recorded) is not type(actual) and not numbers:
            problems.append(f"{where}: {type(recorded).__name__} expected, got {type(actual).__name__}")
            return
        self._ids_only(recorded, actual, where, problems, key)

    def _ids_only(self, recorded: Any, actual: Any, where: str, problems: list[str], key: str) -> None:
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for k in recorded.keys() & actual.keys():
                self._ids_only(recorded[k], actual[k], f"{where}.{k}", problems, k)
        elif isinstance(recorded, list) and isinstance(actual, list):
            for i, (r, a) in enumerate(zip(recorded, actual, strict=False)):
                self._ids_only(r, a, f"{where}[{i}]", problems, key)
        elif isinstance(recorded, str) and recorded in self.blob_ids:
            if recorded == actual:
                self.ids_checked += 1
            else:
                problems.append(f"{where}: blob id {recorded} != {actual}")
        elif key == "iid" and isinstance(recorded, int) and isinstance(actual, int):
            self.iids.setdefault(recorded, actual)
        elif isinstance(recorded, str) and isinstance(actual, str) and HEX40.fullmatch(recorded) and recorded != actual:
            self.ids.setdefault(recorded, actual)


def repair_commits(exchanges: list[Exchange]) -> int:
    """Some recordings pair a commit's request body with answers made from other content (Decap's date
    format changed between two recording runs). When the next read of a written path on the same branch
    shows the bytes GitLab really stored (they hash to its `X-Gitlab-Blob-Id`), those bytes are posted
    instead, so the replayed repository keeps GitLab's state. Returns how many actions were repaired."""
    repaired = 0
    for index, ex in enumerate(exchanges):
        if not (ex.method == "POST" and ex.path.endswith("/repository/commits") and ex.body):
            continue
        body = json.loads(ex.body)
        changed = False
        for action in body.get("actions", []):
            if action.get("content") is None:
                continue
            data = base64.b64decode(action["content"]) if action.get("encoding") == "base64" else \
                str(action["content"]).encode()
            stored = _next_read(exchanges[index + 1:], action["file_path"], body.get("branch"))
            if stored is not None and GitStore().put_blob(stored) != GitStore().put_blob(data):
                action["content"], action["encoding"] = base64.b64encode(stored).decode(), "base64"
                changed = True
                repaired += 1
        if changed:
            ex.body = json.dumps(body)
    return repaired


def _next_read(later: list[Exchange], path: str, branch: str | None) -> bytes | None:
    """The bytes GitLab served for `path` on `branch` before anything else wrote it there, if they are exact."""
    for ex in later:
        if ex.method == "POST" and ex.path.endswith("/repository/commits") and ex.body:
            body = json.loads(ex.body)
            if body.get("branch") == branch and any(a.get("file_path") == path for a in body.get("actions", [])):
                return None
        if ex.raw and ex.status == 200 and ex.file_path == path and ex.query.get("ref") == branch:
            data = ex.response if isinstance(ex.response, bytes) else str(ex.response).encode()
            blob = ex.headers.get("x-gitlab-blob-id")
            return data if blob and GitStore().put_blob(data) == blob else None
    return None


def replay_exchanges(exchanges: list[Exchange]) -> tuple[Seed, Replayer, list[Outcome]]:
    """Seed a fake from recorded exchanges, repair self-contradicting commits, and replay them in order."""
    seed, replayer = prepare(exchanges)
    return seed, replayer, [replayer.run(ex) for ex in exchanges]


def prepare(exchanges: list[Exchange], wrap: Callable[[FakeGitLab], Handler] | None = None) -> tuple[Seed, Replayer]:
    """The seed of recorded exchanges, repaired, and a Replayer for a fake seeded with it; `wrap` may put
    something (e.g. a Git Gateway) in front of the fake, and the Replayer then sends its requests to that."""
    seed = derive_seed(exchanges)
    fake = seeded_fake(seed)
    replayer = Replayer(wrap(fake) if wrap else fake, seed)
    replayer.repaired = repair_commits(exchanges)
    head = fake.store.branch(seed.default_branch)
    for ex in exchanges:
        # The head of the default branch GitLab reported before any write is the fake's seed commit.
        commit = ex.headers.get("x-gitlab-commit-id")
        if commit and ex.query.get("ref") == seed.default_branch:
            replayer.ids.setdefault(commit, head)
            break
    return seed, replayer


def replay_file(path: Path, prefix: str = API) -> tuple[Seed, Replayer, list[Outcome]]:
    """Seed a fake from a recording file and replay it."""
    return replay_exchanges(load(path, prefix))
