"""Replay Decap's Git Gateway recordings through FakeGitGateway, in recorded order, and compare.

Each "Git Gateway (GitHub|GitLab)*.json" recording is one browser session against a Netlify site:
- identity and settings (`POST /.netlify/identity/token`, `GET /.netlify/identity/user`,
  `GET /.netlify/git/settings`) go to the gateway fake as recorded; the recording's access token is
  sanitised to the literal "access_token", so every later request carries the JWT the fake issued;
- host exchanges (`/.netlify/git/<host>/...`) are replayed by the host's own Replayer (replay_github,
  replay_gitlab: same seeding, id map and comparison), whose requests `ThroughGateway` sends to the
  gateway fake at their gateway URL with the JWT; the gateway forwards them to the seeded host fake;
- large media (`/.netlify/large-media/...` and the uploads to the storage URLs it hands out) has no
  fake, and the browser's own traffic to other sites (`/v1/pages/...`) is not the site's: both are
  counted as not replayed, with the reason.
Identity and settings answers match when the status is the same and the fake's JSON has every recorded
key with the same JSON type (the host replayers' comparison). Host answers are compared by the host's
Replayer and, where the recording has a page `Link`, its first link must have the recorded path (GitLab's
are relative to the gateway).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from tests.fakes import replay_github, replay_gitlab
from tests.fakes.git_gateway import GATEWAY, IDENTITY, FakeGitGateway, IdentityUser, repository_prefix

SITE = "https://site.example.test"
# The base URL each host's Replayer (and so each seeded host fake) uses.
HOST_BASE = {"github": "https://api.github.com", "gitlab": "https://gitlab.com"}
SITE_ROUTES = {("POST", f"{IDENTITY}/token"), ("GET", f"{IDENTITY}/user"), ("GET", f"{GATEWAY}/settings")}
LARGE_MEDIA = "large media"
NOT_THE_SITE = "not the site (browser traffic)"


def shape_problems(recorded: Any, actual: Any) -> list[str]:
    """Where `actual` lacks a key of `recorded` or holds another JSON type (the host replayers' rule)."""
    problems: list[str] = []
    # a scratch Replayer: its comparison learns ids as a side effect, which must not reach a real replay
    replay_github.Replayer(lambda request: httpx.Response(500), replay_github.Seed()).compare(
        recorded, actual, "$", problems
    )
    return problems


@dataclass
class ThroughGateway:
    """Stands in for the host fake in a Replayer: sends each host request to the gateway fake at its
    gateway URL, with the site user's JWT instead of the host token."""

    gateway: FakeGitGateway
    jwt: str = ""
    last: httpx.Response | None = None  # the gateway's latest answer (the Replayers compare bodies, not headers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        raw = request.url.raw_path.decode()
        prefix = repository_prefix(self.gateway.host, self.gateway.repo)
        if not (raw == prefix or raw.startswith((prefix + "/", prefix + "?"))):
            raise ValueError(f"{raw} is not under the gateway's repository {prefix}")
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("authorization", "host", "content-length")
        }
        headers["Authorization"] = f"Bearer {self.jwt}"
        url = f"{SITE}{GATEWAY}/{self.gateway.host}{raw[len(prefix):]}"
        self.last = self.gateway(httpx.Request(request.method, url, headers=headers, content=request.content))
        return self.last


@dataclass
class SiteOutcome:
    """The result of replaying one identity or settings exchange."""

    item: dict[str, Any]
    status: int
    problems: list[str]

    @property
    def matched(self) -> bool:
        return not self.problems


@dataclass
class Replay:
    """One recording replayed through the gateway fake."""

    path: Path
    host: str
    gateway: FakeGitGateway
    replayer: replay_github.Replayer | replay_gitlab.Replayer
    site: list[SiteOutcome] = field(default_factory=list)
    hosted: list[Any] = field(default_factory=list)  # replay_github.Outcome or replay_gitlab.Outcome
    not_replayed: Counter[str] = field(default_factory=Counter)  # reason -> exchanges
    links_checked: int = 0  # recorded page links the gateway's answer was compared with

    @property
    def total(self) -> int:
        return len(self.site) + len(self.hosted) + sum(self.not_replayed.values())

    @property
    def matched(self) -> int:
        return sum(o.matched for o in self.site) + sum(o.matched for o in self.hosted)


def _body(item: dict[str, Any]) -> Any:
    response = item.get("response")
    if isinstance(response, str):
        try:
            return json.loads(response)
        except ValueError:
            return response
    return response


def _first(items: list[dict[str, Any]], method: str, url: str) -> dict[str, Any]:
    found = next((i for i in items if i["method"] == method and i["url"].split("?", 1)[0] == url), None)
    if found is None:
        raise ValueError(f"the recording has no {method} {url}")
    return found


def replay(path: Path, host: str) -> Replay:
    """Seed the host fake as its replayer does, put a FakeGitGateway in front, and replay every exchange in order."""
    items = json.loads(path.read_text(encoding="utf-8"))
    login = dict(parse_qsl(_first(items, "POST", f"{IDENTITY}/token").get("body") or ""))
    roles = (_body(_first(items, "GET", f"{GATEWAY}/settings")) or {}).get("roles")
    seeded: list[Any] = []

    def keep(fake: Any) -> Any:
        # the gateway needs the seed's repository, known only once `prepare` returns: build it then, from this fake
        seeded.append(fake)
        return fake

    gateway_prefix = f"{GATEWAY}/{host}/"
    exchanges: list[Any]
    replayer: replay_github.Replayer | replay_gitlab.Replayer
    if host == "github":
        exchanges = replay_github.gateway_exchanges(path, gateway_prefix)
        github_seed, replayer = replay_github.prepare(exchanges, keep)
        repo, token, problems = f"{github_seed.owner}/{github_seed.repo}", replay_github.TOKEN, github_seed.problems
    elif host == "gitlab":
        exchanges = replay_gitlab.load(path, gateway_prefix)
        gitlab_seed, replayer = replay_gitlab.prepare(exchanges, keep)
        repo, token, problems = gitlab_seed.project, replay_gitlab.TOKEN, gitlab_seed.problems
    else:
        raise ValueError(f"no replayer for host {host!r}")
    if problems:
        raise ValueError(f"{path.name}: seeding from the recording failed: {problems}")
    gateway = FakeGitGateway(host, seeded[0], repo=repo, host_token=token, host_base=HOST_BASE[host],
                             users=[IdentityUser(login["username"], login["password"])], roles=roles)
    shim = ThroughGateway(gateway)
    replayer.fake = shim  # the Replayer's requests now reach the seeded host fake only through the gateway
    result = Replay(path, host, gateway, replayer)
    hosted = iter(exchanges)  # the host replayer's exchanges, in the recording's order
    for item in items:
        url = item["url"].split("?", 1)[0]
        if item["url"].startswith(gateway_prefix):
            shim.last = None
            outcome = replayer.run(next(hosted))
            if outcome.status == int(item.get("status") or 200) and shim.last is not None:
                links = link_problems(item, shim.last, replayer)
                result.links_checked += links is not None
                outcome.problems += links or []
            result.hosted.append(outcome)
        elif (item["method"], url) in SITE_ROUTES:
            result.site.append(_run_site(shim, item))
        elif url.startswith("/.netlify/large-media/") or "X-Amz-Signature=" in item["url"]:
            result.not_replayed[LARGE_MEDIA] += 1  # its API and the storage uploads it hands out
        elif url.startswith("/.netlify/"):
            raise ValueError(f"{path.name}: no fake and no reason for {item['method']} {item['url'][:100]}")
        else:
            result.not_replayed[NOT_THE_SITE] += 1
    if next(hosted, None) is not None:
        raise ValueError(f"{path.name}: the host replayer holds exchanges the recording does not show in order")
    return result


def link_problems(item: dict[str, Any], response: httpx.Response, replayer: Any) -> list[str] | None:
    """Page links must lead where the recorded ones do (the same path, relative to the gateway or not);
    their queries differ between hosts and fakes and are not compared. None: the recording has no Link."""
    recorded = {k.lower(): v for k, v in (item.get("headers") or {}).items()}.get("link")
    if not recorded:
        return None
    actual = response.headers.get("Link")
    if not actual:
        return ["Link: missing"]
    expected = replayer.rewrite(recorded.split(">", 1)[0].lstrip("<").split("?", 1)[0])
    found = actual.split(">", 1)[0].lstrip("<").split("?", 1)[0]
    return [] if found == expected else [f"Link: <{found}?...> != recorded <{expected}?...>"]


def _run_site(shim: ThroughGateway, item: dict[str, Any]) -> SiteOutcome:
    """Replay an identity or settings exchange; a token answer's JWT becomes the one later requests carry."""
    headers = {}
    if item["method"] == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif shim.jwt:
        headers["Authorization"] = f"Bearer {shim.jwt}"
    body = item.get("body")
    response = shim.gateway(httpx.Request(item["method"], SITE + item["url"], headers=headers,
                                          content=body.encode() if body else None))
    status = int(item.get("status") or 200)
    if response.status_code != status:
        return SiteOutcome(item, response.status_code, [f"status {response.status_code} != recorded {status}"])
    actual = response.json() if response.content else None
    if item["url"] == f"{IDENTITY}/token" and isinstance(actual, dict):
        shim.jwt = actual["access_token"]  # the recording's own token is sanitised to "access_token"
    return SiteOutcome(item, response.status_code, shape_problems(_body(item), actual))


def replay_all(paths: list[Path], host: str) -> list[Replay]:
    """Every recording of `paths` replayed through a gateway in front of `host`'s fake."""
    return [replay(path, host) for path in paths]
