"""Fault injection and request logs for every fake Git host (host-agnostic).

A fake calls `Faults.intercept(request)` before doing real work: the first matching rule may
delay the request, answer in its place (5xx, 409, 422, rate limits, expired token) or raise
`httpx.ReadTimeout` (in process) / hang (served). Rules match on method and a path regex and
fire for a number of times (`times`, None = forever) after skipping `after` matching requests.

`lose_answer` is the other way round: the request does its work (a commit lands), then its answer is lost
(a 5xx instead of it, a connection reset, a timeout), as when a proxy or the network fails on the way back.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class LoggedRequest:
    """One request a fake answered."""

    method: str
    path: str
    query: str
    status: int
    started: float
    seconds: float


@dataclass
class RequestLog:
    """The requests a fake answered, in order; thread-safe."""

    entries: list[LoggedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, entry: LoggedRequest) -> None:
        with self.lock:
            self.entries.append(entry)

    def count(self, method: str | None = None, path_pattern: str | None = None) -> int:
        """How many logged requests match a method and a path regex (search)."""
        return len(self.matching(method, path_pattern))

    def matching(self, method: str | None = None, path_pattern: str | None = None) -> list[LoggedRequest]:
        """Logged requests matching a method and a path regex (search)."""
        with self.lock:
            entries = list(self.entries)
        return [e for e in entries if (method is None or e.method == method)
                and (path_pattern is None or re.search(path_pattern, e.path))]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)


class Drop(Exception):
    """Raised to a server adapter: close the connection without an answer (a reset, as the client sees it)."""


class Hang(Exception):
    """Raised to a server adapter: keep the connection open `seconds`, then drop it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"hang {seconds}s")
        self.seconds = seconds


@dataclass
class Rule:
    """One fault: which requests, how many, what happens."""

    action: Callable[[httpx.Request], httpx.Response | None]
    method: str | None = None
    path: str | None = None
    times: int | None = 1
    after: int = 0
    seen: int = 0
    fired: int = 0

    def matches(self, request: httpx.Request) -> bool:
        if self.method is not None and request.method != self.method.upper():
            return False
        return self.path is None or re.search(self.path, request.url.path) is not None


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})


@dataclass
class Faults:
    """The fault plan of one fake; add rules with the helper methods, all return the rule."""

    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    in_process: bool = True  # timeouts raise httpx.ReadTimeout instead of hanging
    rules: list[Rule] = field(default_factory=list)
    answer_rules: list[Callable[[httpx.Request, httpx.Response], httpx.Response]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, action: Callable[[httpx.Request], httpx.Response | None], *, method: str | None = None,
            path: str | None = None, times: int | None = 1, after: int = 0) -> Rule:
        """A custom rule; `action` returns a response to send instead, or None to go on."""
        rule = Rule(action, method, path, times, after)
        with self.lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.answer_rules.clear()

    def answer(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """Apply the `lose_answer` rules to the answer of a request the fake has carried out."""
        with self.lock:
            rules = list(self.answer_rules)
        for rule in rules:
            response = rule(request, response)
        return response

    def intercept(self, request: httpx.Request) -> httpx.Response | None:
        """Apply the rules to a request: a response to send instead, or None."""
        with self.lock:
            active = []
            for rule in self.rules:
                if not rule.matches(request):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after or (rule.times is not None and rule.fired >= rule.times):
                    continue
                rule.fired += 1
                active.append(rule)
        for rule in active:
            response = rule.action(request)
            if response is not None:
                return response
        return None

    # ---- ready-made faults ---------------------------------------------------------------
    def latency(self, ms: float, **match: object) -> Rule:
        """Delay matching requests by `ms` milliseconds (default: every request, forever)."""
        match.setdefault("times", None)

        def delay(_request: httpx.Request) -> None:
            self.sleep(ms / 1000)
            return None

        return self.add(delay, **match)  # type: ignore[arg-type]

    def error(self, status: int = 500, body: object | None = None, headers: dict[str, str] | None = None,
              **match: object) -> Rule:
        """Answer matching requests with `status` (5xx, 409, 422...) and a JSON body."""
        payload = body if body is not None else {"message": httpx.codes.get_reason_phrase(status) or "Error"}
        return self.add(lambda _r: _json(status, payload, headers), **match)  # type: ignore[arg-type]

    def timeout(self, seconds: float = 30.0, **match: object) -> Rule:
        """Never answer: in process raise httpx.ReadTimeout, served hang `seconds` then drop."""

        def hang(request: httpx.Request) -> None:
            if self.in_process:
                raise httpx.ReadTimeout("fake host did not answer", request=request)
            raise Hang(seconds)

        return self.add(hang, **match)  # type: ignore[arg-type]

    def lose_answer(self, how: str, landed: Callable[[], bool], *, times: int = 1) -> None:
        """Carry out requests, but lose the answer of the one during which `landed()` became true.

        `how`: "502" (any 5xx status: the answer is replaced by that error), "reset" (the connection is
        dropped: `httpx.ReadError` in process, closed without an answer when served) or "timeout"
        (`httpx.ReadTimeout` in process; served, the connection hangs briefly and is then dropped, which
        is what a client whose read timed out sees). Fires `times` times.
        """
        state = {"fired": 0, "before": landed()}

        def lose(request: httpx.Request, response: httpx.Response) -> httpx.Response:
            now = landed()
            became = now and not state["before"]
            state["before"] = now
            if not became or state["fired"] >= times:
                return response
            state["fired"] += 1
            if how == "reset":
                if self.in_process:
                    raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
                raise Drop()
            if how == "timeout":
                if self.in_process:
                    raise httpx.ReadTimeout("fake host did not answer", request=request)
                raise Hang(0.05)
            status = int(how)
            return _json(status, {"message": httpx.codes.get_reason_phrase(status) or "Error"})

        with self.lock:
            self.answer_rules.append(lose)

    def primary_rate_limit(self, *, limit: int = 5000, reset_in: int = 60,
                           message: str = "API rate limit exceeded for user ID 1.",
                           header_prefix: str = "X-RateLimit-", status: int = 403, **match: object) -> Rule:
        """Budget exhausted: `status` with Remaining 0 and a Reset time (GitHub style by default)."""
        match.setdefault("times", None)

        def limited(_request: httpx.Request) -> httpx.Response:
            reset = int(self.clock()) + reset_in
            headers = {f"{header_prefix}Limit": str(limit), f"{header_prefix}Remaining": "0",
                       f"{header_prefix}Reset": str(reset), f"{header_prefix}Used": str(limit)}
            return _json(status, {"message": message,
                                  "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"},
                         headers)

        return self.add(limited, **match)  # type: ignore[arg-type]

    def secondary_rate_limit(
        self,
        *,
        retry_after: int = 1,
        status: int = 403,
        message: str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        **match: object,
    ) -> Rule:
        """Abuse/secondary limit: 403 or 429 with Retry-After seconds."""
        return self.add(lambda _r: _json(status, {"message": message}, {"Retry-After": str(retry_after)}),
                        **match)  # type: ignore[arg-type]

    def expire_token(self, *, after_requests: int | None = None, at: float | None = None,
                     message: str = "Bad credentials", **match: object) -> Rule:
        """401 for every request after N more requests, or once the clock reaches `at` (revoked/expired)."""
        match.setdefault("times", None)
        state = {"seen": 0}

        def expired(_request: httpx.Request) -> httpx.Response | None:
            state["seen"] += 1
            if after_requests is not None and state["seen"] <= after_requests:
                return None
            if at is not None and self.clock() < at:
                return None
            return _json(401, {"message": message, "documentation_url": "https://docs.github.com/rest"})

        return self.add(expired, **match)  # type: ignore[arg-type]


def timed(handler: Callable[[httpx.Request], httpx.Response], faults: Faults, log: RequestLog,
          request: httpx.Request) -> httpx.Response:
    """Run `faults` then `handler` for a request and log the outcome (shared by every fake)."""
    started = time.time()
    t0 = time.perf_counter()
    status = 0
    try:
        response = faults.intercept(request)
        if response is None:
            response = faults.answer(request, handler(request))
        status = response.status_code
        return response
    except httpx.TimeoutException:
        status = 0
        raise
    except (Hang, Drop, httpx.TransportError):
        status = 0
        raise
    finally:
        log.add(LoggedRequest(request.method, request.url.path, request.url.query.decode(), status,
                              started, time.perf_counter() - t0))
