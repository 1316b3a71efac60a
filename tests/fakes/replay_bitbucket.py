"""Replay recorded Bitbucket traffic (Decap's Cypress fixtures) against FakeBitbucket and compare.

Only the REST API exchanges (`/2.0/...`) are replayed; Git LFS batch/verify, upload and download
exchanges of the Large Media recordings belong to other services and are counted as left out.

Seeding (the repository state a recording starts from) is read out of the recording itself:
- the default branch from `GET /repositories/{repo}` (`mainbranch`), its first head from the first
  `GET refs/branches/<default>`;
- files: every `src/<first head>/<dir>` listing names paths and sizes, every `src/<first head>/<file>`
  read gives content; a listed file never read is seeded with as many placeholder bytes as its size.
One seed commit on the default branch holds them; the recorded first head maps to it.

Replaying: requests are sent in order with recorded commit hashes and pull request ids rewritten to
the fake's (learned from `Location` headers of `POST /src`, from answers walked beside the fake's, and
from pull request ids). A multipart body is sent with the boundary its first line names. An exchange
matches when the status is the same and the fake's JSON has every recorded key with the same JSON type
(lists by their first element; null on either side accepted); a text answer must be text, and a file
read after the replay wrote that file must give the recorded bytes.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from tests.fakes.bitbucket import FakeBitbucket
from tests.fakes.git_store import GitStore

TOKEN = "replay-token"
HEX40 = re.compile(r"\b[0-9a-f]{40}\b")
API = "/2.0/"


@dataclass
class Exchange:
    """One recorded request and its answer."""

    method: str
    url: str
    body: str | None
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        if "json" not in self.headers.get("Content-Type", ""):
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return None


def load(path: Path) -> list[Exchange]:
    """The exchanges of one recording file."""
    out = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        response = item.get("response")
        text = response if isinstance(response, str) else json.dumps(response) if response is not None else ""
        out.append(Exchange(item["method"], item["url"], item.get("body"), int(item.get("status") or 200),
                            dict(item.get("headers") or {}), text))
    return out


@dataclass
class Seed:
    """What the recording says the repository held at the start."""

    repo: str = "owner/repo"
    nickname: str = "owner"
    default_branch: str = "master"
    head: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


def derive_seed(exchanges: list[Exchange]) -> Seed:
    """Read the starting state out of the recorded answers (see the module docstring)."""
    seed = Seed()
    for ex in exchanges:
        match = re.match(r"/2\.0/repositories/([^/?]+/[^/?]+)", ex.url)
        if match:
            seed.repo = match.group(1)
            break
    for ex in exchanges:
        data = ex.json
        if ex.url == f"/2.0/repositories/{seed.repo}" and isinstance(data, dict) and data.get("mainbranch"):
            seed.default_branch = data["mainbranch"]["name"]
        if ex.url == "/2.0/user" and isinstance(data, dict):
            seed.nickname = data.get("nickname") or seed.nickname
    for ex in exchanges:
        if ex.url.split("?")[0] == f"/2.0/repositories/{seed.repo}/refs/branches/{seed.default_branch}" and ex.json:
            seed.head = ex.json["target"]["hash"]
            break
    prefix = f"/2.0/repositories/{seed.repo}/src/{seed.head}/"
    for ex in exchanges:
        if ex.method != "GET" or not ex.url.startswith(prefix) or ex.status != 200:
            continue
        path = unquote(ex.url[len(prefix):].split("?", 1)[0])
        data = ex.json
        if isinstance(data, dict) and "values" in data and "pagelen" in data:
            for entry in data["values"]:
                if entry.get("type") == "commit_file":
                    seed.sizes.setdefault(entry["path"], int(entry.get("size") or 0))
        else:
            seed.files.setdefault(path, ex.text.encode("utf-8"))
    return seed


def seeded_fake(seed: Seed) -> FakeBitbucket:
    """A FakeBitbucket holding the seed on its default branch, accepting TOKEN as the recorded user."""
    fake = FakeBitbucket(GitStore(), repo=seed.repo, default_branch=seed.default_branch,
                         tokens={TOKEN: seed.nickname})
    files = {path: b"x" * size for path, size in seed.sizes.items()}
    files.update(seed.files)
    fake.commit_files(seed.default_branch, dict(files) or {".keep": b""}, "Seed from the recording")
    return fake


@dataclass
class Outcome:
    """The result of replaying one exchange."""

    exchange: Exchange
    status: int
    problems: list[str]
    path: str = ""
    body: Any = None
    inconsistent: bool = False

    @property
    def matched(self) -> bool:
        return not self.problems


@dataclass
class Replayer:
    """Replays exchanges in order against a fake, learning the id maps."""

    fake: FakeBitbucket
    seed: Seed
    commits: dict[str, str] = field(default_factory=dict)
    pr_ids: dict[int, int] = field(default_factory=dict)
    written: dict[str, bytes] = field(default_factory=dict)  # path -> bytes the replay itself wrote
    posted: set[tuple[str, str | None, str]] = field(default_factory=set)
    lossy: set[str] = field(default_factory=set)  # paths whose recorded upload lost bytes
    contents_checked: int = 0

    def rewrite(self, text: str) -> str:
        text = HEX40.sub(lambda m: self.commits.get(m.group(0), m.group(0)), text)
        return re.sub(r"/pullrequests/(\d+)", lambda m: f"/pullrequests/{self.pr_ids.get(int(m.group(1)), m.group(1))}",
                      text)

    def run(self, exchange: Exchange) -> Outcome:
        if exchange.method == "POST":
            key = (exchange.url, exchange.body, exchange.text)
            if key in self.posted and exchange.text:
                # A write answered twice alike (same new ids): the recording repeats an answer, not Bitbucket.
                return Outcome(
                    exchange, exchange.status, ["recording inconsistent: a repeated write answer"], inconsistent=True
                )
            self.posted.add(key)
        url = self.rewrite(exchange.url)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        body = exchange.body
        if body is not None:
            first = body.split("\r\n", 1)[0].split("\n", 1)[0]
            if first.startswith("--") and exchange.url.split("?")[0].endswith("/src"):
                headers["Content-Type"] = f"multipart/form-data; boundary={first[2:]}"
            else:
                headers["Content-Type"] = "application/json"
            body = self.rewrite(body)
        multipart = headers.get("Content-Type", "").startswith("multipart/")
        request = httpx.Request(exchange.method, "https://api.bitbucket.org" + url, headers=headers,
                                content=None if body is None else _multipart_bytes(body) if multipart else _raw(body))
        response = self.fake(request)
        problems: list[str] = []
        if response.status_code != exchange.status:
            problems.append(f"status {response.status_code} != recorded {exchange.status}")
        actual: Any = None
        if "json" in response.headers.get("Content-Type", ""):
            actual = response.json()
        recorded = exchange.json
        if response.status_code == exchange.status:
            if exchange.method == "POST" and exchange.url.endswith("/src") and response.status_code == 201:
                self._learn_commit(exchange, response)
                self._learn_written(exchange)
            if recorded is not None:
                self.compare(recorded, actual, "$", problems)
            elif exchange.text and exchange.status == 200:
                if actual is not None:
                    problems.append("text expected, got JSON")
                else:
                    self._check_content(exchange, response, problems)
        return Outcome(exchange, response.status_code, problems, request.url.path, actual)

    def _learn_commit(self, exchange: Exchange, response: httpx.Response) -> None:
        recorded = exchange.headers.get("Location", "").rsplit("/", 1)[-1]
        actual = response.headers.get("Location", "").rsplit("/", 1)[-1]
        if HEX40.fullmatch(recorded) and HEX40.fullmatch(actual):
            self.commits.setdefault(recorded, actual)

    def _learn_written(self, exchange: Exchange) -> None:
        text = exchange.body or ""
        delimiter = text.split("\r\n", 1)[0]
        for part in text.split(delimiter)[1:]:
            head, _, data = part.partition("\r\n\r\n")
            match = re.search(r'name="([^"]+)"; filename="', head)
            if not match:
                continue
            path = match.group(1).strip("/")
            if "\ufffd" in data:  # the recorder lost some of these bytes: nothing to check them against
                self.written.pop(path, None)
                self.lossy.add(path)
            else:
                self.written[path] = _raw(data).removesuffix(b"\r\n")
                self.lossy.discard(path)

    def _check_content(self, exchange: Exchange, response: httpx.Response, problems: list[str]) -> None:
        match = re.search(r"/src/[0-9a-f]{40}/([^?]+)", exchange.url)
        if not match:
            return
        path = unquote(match.group(1))
        if path in self.written:
            # What the replay wrote must come back; the recorded text too, unless the recorder lost binary bytes.
            recorded = _recorded_bytes(exchange.text)
            if response.content != self.written[path] or (recorded is not None and response.content != recorded):
                problems.append(f"{path}: content differs from what was written or recorded")
            else:
                self.contents_checked += 1

    def compare(self, recorded: Any, actual: Any, where: str, problems: list[str], key: str = "") -> None:
        if recorded is None or actual is None:
            return
        if isinstance(recorded, dict):
            if not isinstance(actual, dict):
                problems.append(f"{where}: object expected, got {type(actual).__name__}")
                return
            if recorded.get("type") == "pullrequest":
                self._bind(recorded, actual, key)
            for name, value in recorded.items():
                if name not in actual:
                    problems.append(f"{where}.{name}: missing")
                else:
                    self.compare(value, actual[name], f"{where}.{name}", problems, name)
            return
        if isinstance(recorded, list):
            if not isinstance(actual, list):
                problems.append(f"{where}: list expected, got {type(actual).__name__}")
                return
            if recorded and actual:
                self.compare(recorded[0], actual[0], f"{where}[0]", problems, key)
            for r, a in zip(recorded, actual, strict=False):
                self._bind(r, a, key)
            return
        numeric = (
            isinstance(recorded, (int, float)) and isinstance(actual, (int, float)) and not isinstance(recorded, bool)
        )
        if type(recorded) is not type(actual) and not numeric:
            problems.append(f"{where}: {type(recorded).__name__} expected, got {type(actual).__name__}")
            return
        self._bind(recorded, actual, key)

    def _bind(self, recorded: Any, actual: Any, key: str) -> None:
        """Learn commit hashes and pull request ids from answers walked side by side."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            if (
                recorded.get("type") == "pullrequest"
                and isinstance(recorded.get("id"), int)
                and isinstance(actual.get("id"), int)
            ):
                self.pr_ids.setdefault(recorded["id"], actual["id"])
            for name in recorded.keys() & actual.keys():
                if name == "hash":
                    self._bind(recorded[name], actual[name], name)
                elif isinstance(recorded[name], (dict, list)):
                    self._bind(recorded[name], actual[name], name)
        elif isinstance(recorded, list) and isinstance(actual, list):
            for r, a in zip(recorded, actual, strict=False):
                self._bind(r, a, key)
        elif key == "hash" and isinstance(recorded, str) and isinstance(actual, str):
            if HEX40.fullmatch(recorded) and HEX40.fullmatch(actual):
                self.commits.setdefault(recorded, actual)


def _recorded_bytes(text: str) -> bytes | None:
    """The bytes of a recorded file answer: binary ones were kept as {"encoding": "base64", ...}; None when
    the recorder lost them (replacement characters)."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("encoding") == "base64" and isinstance(data.get("content"), str):
        return base64.b64decode(data["content"])
    return None if "\ufffd" in text else text.encode("utf-8")


def _multipart_bytes(body: str) -> bytes:
    """A recorded multipart body as bytes, part by part (text parts were kept as Unicode, binary ones as Latin-1)."""
    delimiter = body.split("\r\n", 1)[0]
    return delimiter.encode().join(_raw(part) for part in body.split(delimiter))


def _raw(text: str) -> bytes:
    """The bytes a recorded body stood for: the recorder kept request bodies as Latin-1 decoded UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def api_exchanges(exchanges: list[Exchange]) -> tuple[list[Exchange], int]:
    """The REST API exchanges, and how many others (LFS, uploads, downloads) were left out."""
    kept = [ex for ex in exchanges if ex.url.startswith(API)]
    return kept, len(exchanges) - len(kept)


def replay_file(path: Path) -> tuple[Seed, Replayer, list[Outcome], int]:
    """Seed a fake from a recording and replay its API exchanges; (seed, replayer, outcomes, left out)."""
    exchanges, left_out = api_exchanges(load(path))
    seed = derive_seed(exchanges)
    fake = seeded_fake(seed)
    replayer = Replayer(fake, seed)
    if seed.head:
        replayer.commits[seed.head] = fake.store.branch(seed.default_branch)
    return seed, replayer, [replayer.run(ex) for ex in exchanges], left_out
