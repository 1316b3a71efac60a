"""The shared HTTP layer: retries with backoff, rate-limit waits, error translation, no token anywhere."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from editor_app.backends.base import Credentials
from editor_app.backends.http import (
    USER_AGENT,
    RefreshingAuth,
    Requester,
    RetryPolicy,
    make_client,
    paginate,
    rate_limit_resume_at,
    safe_url,
)
from editor_app.errors import AuthError, ConflictError, EditorError, NetworkError, NotFoundError, RateLimitedError

TOKEN = "ghp_SeCrEtToKeN0123456789abcdefABCDEF"
T0 = 1_800_000_000.0


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A transport handler answering with `responses` in turn (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, seen


def requester(handler: Handler, clock: FakeClock, **kwargs: object) -> Requester:
    client = make_client("http://127.0.0.1:9/api", token=TOKEN, transport=httpx.MockTransport(handler))
    return Requester(client, sleep=clock.sleep, clock=clock.time, jitter=lambda: 0.5, **kwargs)  # type: ignore[arg-type]


def test_client_sends_user_agent_and_token_with_the_chosen_scheme() -> None:
    handler, seen = scripted(httpx.Response(200, json={}))
    for scheme in ("token", "Bearer"):
        client = make_client("http://127.0.0.1:9/api/", token=TOKEN, auth_scheme=scheme,
                             transport=httpx.MockTransport(handler))
        client.get("user")
        assert seen[-1].headers["Authorization"] == f"{scheme} {TOKEN}"
        assert seen[-1].headers["User-Agent"] == USER_AGENT
        assert str(seen[-1].url) == "http://127.0.0.1:9/api/user"


def test_client_without_token_sends_no_authorization() -> None:
    handler, seen = scripted(httpx.Response(200, json={}))
    make_client("http://127.0.0.1:9", transport=httpx.MockTransport(handler)).get("/x")
    assert "Authorization" not in seen[0].headers


def test_server_errors_are_retried_with_growing_bounded_backoff() -> None:
    clock = FakeClock()
    handler, seen = scripted(httpx.Response(502), httpx.Response(503), httpx.Response(200, json={"ok": True}))
    assert requester(handler, clock).json("GET", "/thing") == {"ok": True}
    assert len(seen) == 3
    assert clock.sleeps == [0.375, 0.75]  # base 0.5 doubled, times the jitter factor 0.75


def test_backoff_never_exceeds_its_ceiling() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=5.0)
    assert [policy.backoff(n, 0.999) for n in (1, 2, 3, 4, 10)] == pytest.approx([1.0, 2.0, 4.0, 5.0, 5.0], abs=0.01)
    assert all(policy.backoff(n, 0.0) >= policy.backoff(n, 0.999) / 2 for n in range(1, 8))


def test_server_errors_that_persist_are_a_network_error() -> None:
    clock = FakeClock()
    handler, seen = scripted(httpx.Response(500, json={"message": "boom"}))
    with pytest.raises(NetworkError, match="HTTP 500: boom"):
        requester(handler, clock, policy=RetryPolicy(attempts=3)).request("GET", "/thing")
    assert len(seen) == 3


def test_a_post_is_not_repeated_after_a_server_error_unless_marked_safe() -> None:
    clock = FakeClock()
    handler, seen = scripted(httpx.Response(502), httpx.Response(201, json={}))
    with pytest.raises(NetworkError):
        requester(handler, clock).request("POST", "/things", json={})
    assert len(seen) == 1
    handler, seen = scripted(httpx.Response(502), httpx.Response(200, json={}))
    requester(handler, clock).request("POST", "/graphql", json={}, retry_unsafe=True)
    assert len(seen) == 2


def test_a_refused_connection_is_retried_even_for_a_post() -> None:
    clock = FakeClock()
    handler, seen = scripted(httpx.ConnectError("refused"), httpx.Response(201, json={"sha": "x"}))
    assert requester(handler, clock).json("POST", "/things", json={}) == {"sha": "x"}
    assert len(seen) == 2


def test_timeouts_are_retried_then_reported_as_network_error() -> None:
    clock = FakeClock()
    handler, seen = scripted(httpx.ReadTimeout("slow"))
    with pytest.raises(NetworkError, match="timed out for list posts after 4 tries"):
        requester(handler, clock).request("GET", "/tree", what="list posts")
    assert len(seen) == 4


def test_primary_rate_limit_waits_until_reset_and_tells_the_user() -> None:
    clock = FakeClock()
    waits: list[tuple[float, str]] = []
    limited = httpx.Response(
        403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(T0 + 30))},
        json={"message": "API rate limit exceeded for user ID 1."},
    )
    handler, seen = scripted(limited, httpx.Response(200, json={"login": "ada"}))
    result = requester(handler, clock, on_wait=lambda at, why: waits.append((at, why))).json("GET", "/user")
    assert result == {"login": "ada"}
    assert waits == [(T0 + 30, "request quota used up")]
    assert clock.sleeps == [30.0]
    assert len(seen) == 2


def test_a_long_rate_limit_raises_with_the_resume_time_and_sends_nothing_more() -> None:
    clock = FakeClock()
    reset = T0 + 3600
    limited = httpx.Response(403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(reset))}, json={})
    handler, seen = scripted(limited)
    client = requester(handler, clock)
    with pytest.raises(RateLimitedError) as caught:
        client.request("GET", "/user")
    assert caught.value.resume_at == reset
    with pytest.raises(RateLimitedError):
        client.request("GET", "/other")
    assert len(seen) == 1  # the second call was refused without hammering the host
    assert clock.sleeps == []


def test_secondary_rate_limit_without_headers_waits_a_minute() -> None:
    clock = FakeClock()
    waits: list[tuple[float, str]] = []
    limited = httpx.Response(403, json={"message": "You have exceeded a secondary rate limit. Please wait."})
    handler, _seen = scripted(limited, httpx.Response(200, json={}))
    waiting = requester(handler, clock, on_wait=lambda at, why: waits.append((at, why)))
    waiting.request("POST", "/graphql", json={}, retry_unsafe=True)
    assert waits == [(T0 + 60, "secondary rate limit")]


def test_too_many_requests_honours_retry_after() -> None:
    clock = FakeClock()
    handler, _seen = scripted(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={}))
    requester(handler, clock).request("GET", "/x")
    assert clock.sleeps == [7.0]


def test_a_rate_limit_that_keeps_coming_back_gives_up() -> None:
    clock = FakeClock()
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "5"}))
    with pytest.raises(RateLimitedError):
        requester(handler, clock, policy=RetryPolicy(rate_limit_waits=2)).request("GET", "/x")
    assert len(seen) == 3


def test_the_last_request_of_a_quota_holds_back_the_next_one_until_reset() -> None:
    clock = FakeClock()
    last = httpx.Response(200, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(T0 + 12))}, json={})
    handler, seen = scripted(last, httpx.Response(200, json={}))
    client = requester(handler, clock)
    client.request("GET", "/a")
    client.request("GET", "/b")
    assert clock.sleeps == [12.0]
    assert len(seen) == 2


def test_plain_forbidden_is_not_a_rate_limit() -> None:
    response = httpx.Response(403, json={"message": "Resource not accessible by integration"})
    assert rate_limit_resume_at(response, T0) is None


@pytest.mark.parametrize(
    ("status", "error", "expired"),
    [(401, AuthError, True), (403, AuthError, False), (404, NotFoundError, None), (409, ConflictError, None),
     (422, ConflictError, None)],
)
def test_failures_become_app_errors(status: int, error: type[Exception], expired: bool | None) -> None:
    handler, _seen = scripted(httpx.Response(status, json={"message": "nope"}))
    with pytest.raises(error, match="nope") as caught:
        requester(handler, FakeClock()).request("GET", "/repos/o/r", what="read the repository")
    if expired is not None:
        assert caught.value.expired is expired  # type: ignore[attr-defined]
    assert "read the repository" in str(caught.value)


def test_allowed_statuses_come_back_to_the_caller() -> None:
    handler, _seen = scripted(httpx.Response(404, json={"message": "Not Found"}))
    assert requester(handler, FakeClock()).request("GET", "/x", allow=(404,)).status_code == 404


def test_pages_follow_next_links() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        headers = {"Link": f'<http://127.0.0.1:9/api/items?page={page + 1}>; rel="next"'} if page < 3 else {}
        return httpx.Response(200, headers=headers, json=[page])

    assert list(requester(handle, FakeClock()).pages("/items", params={"per_page": 1})) == [[1], [2], [3]]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"message": f"Bad credentials for token {TOKEN}"}),
        httpx.Response(403, json={"message": "Forbidden"}),
        httpx.Response(500, text=f"internal error, header was token {TOKEN}"),
        httpx.Response(429, headers={"Retry-After": "99999"}, json={"message": f"slow down {TOKEN}"}),
        httpx.ConnectError(f"cannot connect with {TOKEN}"),
        httpx.ReadTimeout("read timed out"),
    ],
    ids=["expired", "forbidden", "server-error", "rate-limited", "connect-error", "timeout"],
)
def test_the_token_appears_in_no_error_and_no_log_record(
    answer: httpx.Response | Exception, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    handler, seen = scripted(answer)
    with pytest.raises(Exception) as caught:
        requester(handler, FakeClock()).request("GET", "/user")
    assert seen and seen[0].headers["Authorization"] == f"token {TOKEN}"  # the token was really sent
    error = caught.value
    chain = [error, error.__cause__, error.__context__]
    for item in chain:
        if item is not None:
            assert TOKEN not in str(item)
            assert TOKEN not in repr(item)
            assert all(TOKEN not in repr(arg) for arg in item.args)
    assert error.__cause__ is None
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
    assert caplog.records, "requests are logged (without the token)"


def test_urls_in_messages_lose_query_and_user_info() -> None:
    assert safe_url("https://user:pw@127.0.0.1:9/api/x?access_token=abc#frag") == "https://127.0.0.1:9/api/x"


# --- paging ----------------------------------------------------------------------------------------------
def test_a_list_longer_than_the_page_bound_raises_instead_of_stopping_silently() -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        return httpx.Response(200, headers={"Link": f'<http://127.0.0.1:9/api/items?page={page + 1}>; rel="next"'},
                              json=[page])

    pages: list[object] = []
    with pytest.raises(EditorError, match="beyond 40 pages"):
        for page in requester(endless, FakeClock()).pages("/items", what="list items", limit=40):
            pages.append(page)
    assert pages == [[n] for n in range(1, 41)]  # everything read is handed over before the error


def test_the_default_bound_is_far_above_thirty_pages() -> None:
    def fifty(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        headers = {"Link": f'<http://127.0.0.1:9/api/items?page={page + 1}>; rel="next"'} if page < 50 else {}
        return httpx.Response(200, headers=headers, json=[page])

    assert len(list(requester(fifty, FakeClock()).pages("/items"))) == 50


def test_paginate_follows_what_next_page_names_and_stops_on_a_missing_list() -> None:
    sent: list[tuple[str, object]] = []

    def send(url: str, query: object) -> httpx.Response | None:
        sent.append((url, query))
        if url == "missing":
            return None
        return httpx.Response(200, json={"next": "b" if url == "a" else None},
                              request=httpx.Request("GET", f"http://127.0.0.1:9/{url}"))

    def following(response: httpx.Response) -> tuple[str, None] | None:
        name = response.json()["next"]
        return (name, None) if name else None

    assert [r.json() for r in paginate(send, "a", {"q": 1}, following, what="x")] == [{"next": "b"}, {"next": None}]
    assert sent == [("a", {"q": 1}), ("b", None)]
    assert list(paginate(send, "missing", None, following, what="x")) == []


# --- RefreshingAuth -----------------------------------------------------------------------------------------
def test_concurrent_refusals_renew_the_token_once_and_never_touch_the_clients_headers() -> None:
    refreshes: list[str] = []
    gate = threading.Barrier(8)

    def refresh(stale: Credentials) -> Credentials:
        refreshes.append(stale.refresh_token or "")
        time.sleep(0.05)  # a slow token endpoint: other threads pile up on the lock meanwhile
        return Credentials("new-token", refresh_token="r2")

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] != "Bearer new-token":
            return httpx.Response(401, json={"message": "expired"})
        return httpx.Response(200, json={"ok": True})

    auth = RefreshingAuth(Credentials("old-token", refresh_token="r1"), origins=["http://127.0.0.1:9/api/"],
                          refresh=refresh)
    client = make_client("http://127.0.0.1:9/api/", transport=httpx.MockTransport(handle), auth=auth)

    def call() -> int:
        gate.wait()
        return client.get("user").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: call(), range(8)))
    assert statuses == [200] * 8
    assert refreshes == ["r1"]  # a refresh token may work only once: one renewal for all threads
    assert auth.credentials.token == "new-token" and "Authorization" not in client.headers


def test_the_token_goes_only_to_the_apis_origin_and_never_over_a_requests_own_authorization() -> None:
    handler, seen = scripted(httpx.Response(200, json={}))
    auth = RefreshingAuth(Credentials(TOKEN), origins=["http://127.0.0.1:9/api/"])
    client = make_client("http://127.0.0.1:9/api/", transport=httpx.MockTransport(handler), auth=auth)
    client.get("user")
    client.get("http://127.0.0.2:9/storage/object")
    client.get("user", headers={"Authorization": "Basic bGZzOmtleQ=="})
    assert [r.headers.get("Authorization") for r in seen] == [f"Bearer {TOKEN}", None, "Basic bGZzOmtleQ=="]


def test_a_lapsed_token_that_cannot_be_renewed_is_refused_without_a_request() -> None:
    handler, seen = scripted(httpx.Response(200, json={}))
    now = [T0]
    auth = RefreshingAuth(Credentials(TOKEN, expires_at=T0 + 10), renew_within=0.0, clock=lambda: now[0],
                          expired_message=lambda at: "the login expired; log in again")
    client = make_client("http://127.0.0.1:9/api/", transport=httpx.MockTransport(handler), auth=auth)
    client.get("user")
    now[0] = T0 + 11
    with pytest.raises(AuthError, match="the login expired") as caught:
        client.get("user")
    assert caught.value.expired and len(seen) == 1


def test_a_refused_renewed_token_goes_back_to_the_caller_as_an_expired_login() -> None:
    handler, seen = scripted(httpx.Response(401, json={"message": "Bad credentials"}))
    auth = RefreshingAuth(Credentials(TOKEN, refresh_token="r1"),
                          refresh=lambda c: Credentials("t2", refresh_token="r2"))
    client = make_client("http://127.0.0.1:9/api/", transport=httpx.MockTransport(handler), auth=auth)
    with pytest.raises(AuthError) as caught:
        Requester(client).request("GET", "user")
    assert caught.value.expired and len(seen) == 2 and TOKEN not in str(caught.value)
