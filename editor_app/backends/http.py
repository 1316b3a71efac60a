"""HTTP helpers shared by the host adapters: a configured client, credentials that renew themselves, a
careful requester and one paginator.

Host-agnostic on purpose (no host is named here): every adapter builds its client with `make_client`
(tokens that can be renewed go in as a `RefreshingAuth`), follows lists with `paginate` /
`Requester.responses`, and sends its calls through a `Requester`, which
- retries transient failures (5xx, connect errors, timeouts) with bounded exponential backoff and
  jitter, for idempotent methods only unless the caller says a request is safe to repeat;
- honours rate limits (429, or 403 with `X-RateLimit-Remaining: 0`, `Retry-After` or a "secondary rate
  limit" message): it waits until the host allows requests again when that is soon enough, telling the
  app through `on_wait(resume_at, reason)`, else raises RateLimitedError(resume_at); while paused, no
  thread sends anything (never hammer);
- translates failures into the app's errors at the edge (401/403 -> AuthError, 404 -> NotFoundError,
  409/422 -> ConflictError, network -> NetworkError) unless the adapter asks for a status back to
  decide itself;
- never puts the token into a message, an exception or a log record.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from editor_app import __version__
from editor_app.backends.base import BackendSettings, Credentials, OnWait, Refresh
from editor_app.errors import (
    AuthError,
    ConflictError,
    ContentError,
    EditorError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
)
from editor_app.hosts import api_root_for, display_name, require_secure_url

log = logging.getLogger(__name__)

USER_AGENT = f"editor-app/{__version__} (+desktop content editor for Decap CMS sites)"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# A rate limit without a reset time: GitHub documents "wait at least one minute" for secondary limits.
DEFAULT_RATE_LIMIT_WAIT = 60.0
SECONDARY_RATE_LIMIT = re.compile(r"secondary rate limit|abuse detection|rate limit exceeded", re.IGNORECASE)
# Pages one list may take. Far above any site (1000 pages of 100 items); a list longer than that raises
# instead of being cut short, so nothing is ever missing from a listing without the user being told.
MAX_PAGES = 1000


def make_client(
    base_url: str,
    *,
    token: str | None = None,
    auth_scheme: str = "token",
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | None = None,
) -> httpx.Client:
    """An httpx client for one host API: base URL, User-Agent, `Authorization: <scheme> <token>`.

    Redirects are followed (hosts redirect renamed repositories); httpx drops the Authorization
    header when a redirect leaves the origin, so the token never travels to another host. `auth` is for
    tokens that change while the client lives (renewed per request instead of a fixed header).
    """
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if headers:
        all_headers.update(headers)
    if token:
        all_headers["Authorization"] = f"{auth_scheme} {token}"
    return httpx.Client(
        base_url=base_url,
        headers=all_headers,
        transport=transport,
        timeout=timeout,
        follow_redirects=True,
        auth=auth,
    )


def login_key(client: httpx.Client, *where: str) -> str | None:
    """`Backend.login_key` of an adapter sending its token through `client`: a SHA-256 of the client's base URL,
    `where` (the repository) and the token it sends now (renewed ones included). Never the token itself; None
    when the client sends no token."""
    auth = client.auth
    token = auth.credentials.token if isinstance(auth, RefreshingAuth) else client.headers.get("Authorization")
    if not token:
        return None
    digest = hashlib.sha256()
    for part in (str(client.base_url), *where, token):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def site_api_root(host: str, settings: BackendSettings) -> str:
    """The API root of the site in `settings` (`hosts.api_root_for`), with a trailing slash for a client's base.

    ContentError when the host has no default and the config names none; InsecureUrlError for plain http
    off this computer (the token would travel in clear).
    """
    root = api_root_for(host, settings.api_root, settings.base_url)
    if not root:
        raise ContentError(f"backend.api_root must name the API of the {display_name(host)} site")
    return require_secure_url(root, "backend.api_root") + "/"


def require_credentials(credentials: Credentials | None, host: str) -> Credentials:
    """`credentials`, or AuthError: a Git host is never opened without a login."""
    if credentials is None:
        raise AuthError(f"opening a {display_name(host)} site needs a login")
    return credentials


def origin_of(url: httpx.URL | str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of `url`, the port spelled out."""
    parsed = httpx.URL(str(url))
    port = parsed.port or {"https": 443, "http": 80}.get(parsed.scheme)
    return parsed.scheme, parsed.host, port


def unauthorized(response: httpx.Response) -> bool:
    """The usual sign of a lapsed token: HTTP 401."""
    return response.status_code == 401


class RefreshingAuth(httpx.Auth):
    """A host token as an httpx.Auth: `Authorization: <scheme> <token>` on every request to the API's origins,
    renewed through `refresh` once for all threads (refresh tokens may work only once).

    - A response for which `renews_on(response)` holds (default: a 401) renews the token and repeats the
      request once; a second refusal goes back to the caller (the Requester makes it AuthError(expired)).
    - With `renew_within` (seconds), a token that lapses that soon is renewed before it is sent; one that
      has lapsed and cannot be renewed raises AuthError(expired) with `expired_message(expires_at)` when
      given, instead of spending a request on a certain refusal.
    - Requests to other origins (storage hosts of Git LFS, a download a host redirects to) and requests that
      carry their own Authorization get no token.
    Nothing here mutates a client's headers: the token lives in this object, guarded by one lock.
    """

    requires_response_body = True  # `renews_on` may read the body (GitLab says `invalid_token` there)

    def __init__(
        self,
        credentials: Credentials,
        *,
        origins: Iterable[str] = (),
        scheme: str = "Bearer",
        refresh: Refresh | None = None,
        renews_on: Callable[[httpx.Response], bool] = unauthorized,
        renew_within: float | None = None,
        expired_message: Callable[[float], str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._origins = {origin_of(url) for url in origins}
        self.scheme = scheme
        self._refresh = refresh
        self._renews_on = renews_on
        self._renew_within = renew_within
        self._expired_message = expired_message
        self._clock = clock
        self._lock = threading.Lock()
        self.generation = 0  # how many times the token was renewed

    @property
    def credentials(self) -> Credentials:
        """The credentials in use (renewed ones after a refresh), for the app to store."""
        with self._lock:
            return self._credentials

    def header(self) -> str:
        """The Authorization header value for the current token (for requests built by hand, e.g. Git LFS)."""
        return f"{self.scheme} {self.credentials.token}"

    def add_origin(self, url: str) -> None:
        """Send the token to `url`'s origin too (an API whose parts live on two hosts)."""
        self._origins.add(origin_of(url))

    def applies_to(self, request: httpx.Request) -> bool:
        """True when `request` should carry the token."""
        if "Authorization" in request.headers:
            return False
        return not self._origins or origin_of(request.url) in self._origins

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the current token; renew it and send once more when the host refuses it."""
        if not self.applies_to(request):
            yield request
            return
        token, generation = self._current()
        request.headers["Authorization"] = f"{self.scheme} {token}"
        response = yield request
        if self._renews_on(response):
            renewed = self._renewed(generation)
            if renewed is not None:
                request.headers["Authorization"] = f"{self.scheme} {renewed}"
                yield request

    def renew_now(self) -> Credentials:
        """Renew the token now (whatever its age); AuthError(expired) when it cannot be renewed."""
        with self._lock:
            if not self._can_renew():
                raise AuthError("the login cannot be renewed; log in again", expired=True)
            self._renew()
            return self._credentials

    def _current(self) -> tuple[str, int]:
        with self._lock:
            expires_at = self._credentials.expires_at
            if self._renew_within is not None and expires_at is not None \
                    and expires_at - self._clock() < self._renew_within:
                if self._can_renew():
                    self._renew()
                elif self._expired_message is not None and self._clock() >= expires_at:
                    raise AuthError(self._expired_message(expires_at), expired=True)
            return self._credentials.token, self.generation

    def _renewed(self, generation: int) -> str | None:
        with self._lock:
            if generation != self.generation:
                return self._credentials.token  # another thread renewed it meanwhile
            if not self._can_renew():
                return None
            self._renew()
            return self._credentials.token

    def _can_renew(self) -> bool:
        return self._refresh is not None and bool(self._credentials.refresh_token)

    def _renew(self) -> None:
        assert self._refresh is not None
        self._credentials = self._refresh(self._credentials)
        self.generation += 1

    def scrub(self, text: str) -> str:
        """`text` without this token in it."""
        return text.replace(self._credentials.token, "***") if self._credentials.token else text


def authorization_of(client: httpx.Client) -> str:
    """The Authorization header `client` sends to its API (fixed header, or its RefreshingAuth's token)."""
    auth = client.auth
    if isinstance(auth, RefreshingAuth):
        return auth.header()
    return str(client.headers.get("Authorization", ""))


PageSender = Callable[[str, "Mapping[str, Any] | None"], "httpx.Response | None"]
NextPage = Callable[[httpx.Response], "tuple[str, Mapping[str, Any] | None] | None"]


def next_link(response: httpx.Response) -> tuple[str, Mapping[str, Any] | None] | None:
    """The page after `response` from its `Link: <...>; rel="next"` header (the next link has its whole query)."""
    link = response.links.get("next")
    url = link.get("url") if link else None
    return (url, None) if url else None


def paginate(
    send: PageSender,
    url: str,
    params: Mapping[str, Any] | None,
    next_page: NextPage = next_link,
    *,
    what: str,
    limit: int = MAX_PAGES,
) -> Iterator[httpx.Response]:
    """Every page of a list: `send(url, params)` for the first, then what `next_page(response)` names.

    `send` may answer None (a list that does not exist: nothing to yield). A list longer than `limit` pages
    raises EditorError after the last page it yielded, never stops silently with part of the list.
    """
    following: tuple[str, Mapping[str, Any] | None] | None = (url, params)
    for _ in range(limit):
        if following is None:
            return
        response = send(*following)
        if response is None:
            return
        yield response
        following = next_page(response)
    if following is not None:
        raise EditorError(
            f"{what}: the list goes on beyond {limit} pages; stopped rather than show part of it as if it were all"
        )


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a Requester tries: attempts for transient failures, backoff bounds, longest rate-limit wait."""

    attempts: int = 4  # tries in all for a transient failure (first try included)
    backoff_base: float = 0.5  # seconds before the second try; doubles each time
    backoff_max: float = 8.0
    max_wait: float = 90.0  # a rate limit lifting later than this raises RateLimitedError instead
    rate_limit_waits: int = 3  # waits for one request before giving up with RateLimitedError

    def backoff(self, attempt: int, jitter: float) -> float:
        """Seconds to wait after failed try number `attempt` (1-based); `jitter` in [0, 1) spreads clients."""
        ceiling = min(self.backoff_max, self.backoff_base * (2.0 ** (attempt - 1)))
        return ceiling * (0.5 + jitter / 2)


def safe_url(url: httpx.URL | str) -> str:
    """A URL fit for messages and logs: no query string (some hosts take tokens there), no user info."""
    parsed = httpx.URL(str(url))
    return str(parsed.copy_with(query=None, fragment=None, username=None, password=None))


def error_message(response: httpx.Response) -> str:
    """The host's own error message from a JSON body (`message`, `error`, `msg`, ...) or a text snippet."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "msg"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value:
                return value
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            if isinstance(first, dict) and isinstance(first.get("message"), str):
                return str(first["message"])
    return ""


def rate_limit_resume_at(response: httpx.Response, now: float) -> float | None:
    """When the host allows requests again if `response` is a rate-limit refusal, else None."""
    status = response.status_code
    if status not in (403, 429):
        return None
    headers = response.headers
    retry_after = _retry_after(headers.get("Retry-After"), now)
    remaining = headers.get("X-RateLimit-Remaining") or headers.get("RateLimit-Remaining")
    reset = _reset_time(headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset"), now)
    limited = status == 429 or retry_after is not None or remaining == "0"
    if not limited and status == 403:
        limited = bool(SECONDARY_RATE_LIMIT.search(error_message(response)))
    if not limited:
        return None
    if retry_after is not None:
        return retry_after
    if remaining == "0" and reset is not None:
        return max(reset, now + 1.0)
    return now + DEFAULT_RATE_LIMIT_WAIT


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + float(value)
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(parsed.timestamp(), now)


def _reset_time(value: str | None, now: float) -> float | None:
    if not value or not value.strip().isdigit():
        return None
    number = float(value.strip())
    # GitHub sends an epoch time; some hosts (RateLimit-Reset draft) send seconds from now.
    return number if number > 1_000_000_000 else now + number


class Requester:
    """Sends requests through one httpx client with retries, rate-limit pauses and error translation.

    Thread-safe: a rate-limit pause learnt by one thread holds back every thread of this requester.
    `sleep`, `clock` and `jitter` are injectable so tests run without waiting.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        policy: RetryPolicy | None = None,
        on_wait: OnWait | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        host_label: str = "the host",
    ) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self.on_wait = on_wait
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self.host_label = host_label
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._pause_reason = ""
        self.request_count = 0  # requests actually sent (retries included), for benchmarks and tests

    def __repr__(self) -> str:
        return f"<Requester {safe_url(self.client.base_url)}>"

    # --- public -----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        allow: Collection[int] = (),
        retry_unsafe: bool = False,
        what: str = "",
    ) -> httpx.Response:
        """Send one request; returns 2xx/3xx responses and those whose status is in `allow`.

        `retry_unsafe` marks a POST/PATCH as safe to repeat (a query sent by POST, a compare-and-swap).
        `what` names the operation in error messages ("list content/posts").
        """
        method = method.upper()
        repeatable = retry_unsafe or method in IDEMPOTENT_METHODS
        failures = 0
        waits = 0
        while True:
            self._wait_for_pause()
            failure: httpx.TransportError | None = None
            try:
                response = self._send(method, url, params=params, json=json, content=content, headers=headers)
            except httpx.TransportError as exc:
                failure = exc
            if failure is not None:
                # Raised outside the `except` so the httpx exception (which holds the request and its
                # headers) is neither the cause nor the context of the app's error.
                failures += 1
                unsent = isinstance(failure, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                if (repeatable or unsent) and failures < self.policy.attempts:
                    self._backoff(failures, method, self._failed_url(failure, url), type(failure).__name__)
                    continue
                raise NetworkError(self._network_message(method, url, what, failure, failures))
            now = self._clock()
            resume_at = rate_limit_resume_at(response, now)
            if resume_at is not None:
                reason = self._rate_limit_reason(response)
                self._pause(resume_at, reason)
                waits += 1
                if waits > self.policy.rate_limit_waits or resume_at - now > self.policy.max_wait:
                    raise RateLimitedError(
                        f"{self.host_label} limits requests ({reason}); work can resume at "
                        f"{time.strftime('%H:%M:%S', time.localtime(resume_at))}",
                        resume_at=resume_at,
                    )
                continue  # _wait_for_pause sleeps until resume_at and tells on_wait
            self._note_remaining(response, now)
            if response.status_code in RETRYABLE_STATUSES and response.status_code not in allow:
                failures += 1
                if repeatable and failures < self.policy.attempts:
                    self._backoff(failures, method, str(response.request.url), f"HTTP {response.status_code}", response)
                    continue
            if response.is_success or response.is_redirect or response.status_code in allow:
                return response
            raise self.error_for(response, what or f"{method} {safe_url(response.request.url)}")

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        """`request` and decode the JSON body (None for an empty one); NetworkError for a garbled body."""
        response = self.request(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise NetworkError(
                f"{self.host_label} answered {method} {safe_url(response.request.url)} with a body that is not JSON"
            ) from None

    def responses(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        next_page: NextPage = next_link,
        missing_ok: bool = False,
        what: str = "",
        limit: int = MAX_PAGES,
    ) -> Iterator[httpx.Response]:
        """GET every page of a list (`paginate`); `missing_ok`: a 404 lists as empty."""

        def send(page_url: str, query: Mapping[str, Any] | None) -> httpx.Response | None:
            response = self.request("GET", page_url, params=query, allow=(404,) if missing_ok else (), what=what)
            return None if missing_ok and response.status_code == 404 else response

        return paginate(send, url, params, next_page, what=what or f"list {url}", limit=limit)

    def pages(self, url: str, *, params: Mapping[str, Any] | None = None, what: str = "",
              limit: int = MAX_PAGES) -> Iterator[Any]:
        """GET `url` and follow `Link: <...>; rel="next"`, yielding each page's JSON."""
        for response in self.responses(url, params=params, what=what, limit=limit):
            yield response.json()

    def error_for(self, response: httpx.Response, what: str) -> EditorError:
        """The app error for a failed response (used for statuses an adapter asked back and cannot handle)."""
        status = response.status_code
        detail = self._scrub(error_message(response))
        said = f": {detail}" if detail else ""
        if status == 401:
            return AuthError(
                f"{self.host_label} refused the login for {what} (HTTP 401{said}); it has expired or was revoked. "
                "Log in again.",
                expired=True,
            )
        if status == 403:
            return AuthError(
                f"{self.host_label} refused {what} (HTTP 403{said}): the account lacks permission for it"
            )
        if status == 404:
            return NotFoundError(f"{what}: not found on {self.host_label} (HTTP 404{said})")
        if status in (409, 412, 422):
            return ConflictError(f"{what}: refused by {self.host_label} (HTTP {status}{said})")
        if status >= 500:
            return NetworkError(f"{self.host_label} failed on {what} (HTTP {status}{said}); try again later")
        return EditorError(f"{self.host_label} refused {what} (HTTP {status}{said})")

    # --- internals --------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.monotonic()
        with self._lock:
            self.request_count += 1
        response = self.client.request(method, url, **{k: v for k, v in kwargs.items() if v is not None})
        log.debug(
            "%s %s -> %s in %.0f ms", method, safe_url(response.request.url), response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _wait_for_pause(self) -> None:
        while True:
            with self._lock:
                resume_at, reason = self._paused_until, self._pause_reason
            delay = resume_at - self._clock()
            if delay <= 0:
                return
            if delay > self.policy.max_wait:
                raise RateLimitedError(
                    f"{self.host_label} limits requests ({reason}); work can resume at "
                    f"{time.strftime('%H:%M:%S', time.localtime(resume_at))}",
                    resume_at=resume_at,
                )
            log.info("%s limits requests (%s); waiting %.0f s", self.host_label, reason, delay)
            if self.on_wait is not None:
                self.on_wait(resume_at, reason)
            self._sleep(delay)

    def _pause(self, resume_at: float, reason: str) -> None:
        with self._lock:
            if resume_at > self._paused_until:
                self._paused_until = resume_at
                self._pause_reason = reason

    def _note_remaining(self, response: httpx.Response, now: float) -> None:
        # The last request of a quota succeeded: hold the next ones back instead of earning a refusal.
        if response.headers.get("X-RateLimit-Remaining") == "0":
            reset = _reset_time(response.headers.get("X-RateLimit-Reset"), now)
            if reset is not None and reset > now:
                self._pause(reset, "request quota used up")

    def _backoff(
        self, failures: int, method: str, url: str, cause: str, response: httpx.Response | None = None
    ) -> None:
        delay = self.policy.backoff(failures, self._jitter())
        if response is not None:
            hinted = _retry_after(response.headers.get("Retry-After"), 0.0)
            if hinted is not None:
                delay = min(max(delay, hinted), self.policy.max_wait)
        log.info("%s %s failed (%s); retry %d in %.1f s", method, safe_url(url), cause, failures, delay)
        self._sleep(delay)

    def _rate_limit_reason(self, response: httpx.Response) -> str:
        message = self._scrub(error_message(response))
        if response.headers.get("X-RateLimit-Remaining") == "0":
            return "request quota used up"
        if SECONDARY_RATE_LIMIT.search(message) and "secondary" in message.lower():
            return "secondary rate limit"
        return message[:120] or f"HTTP {response.status_code}"

    def _network_message(self, method: str, url: str, what: str, exc: httpx.TransportError, tries: int) -> str:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not be reached"
        where = what or f"{method} {safe_url(self._failed_url(exc, url))}"
        detail = self._scrub(str(exc))
        return f"{self.host_label} {kind} for {where} after {tries} tries ({type(exc).__name__}: {detail})"

    @staticmethod
    def _failed_url(exc: httpx.TransportError, url: str) -> str:
        try:
            return str(exc.request.url)
        except RuntimeError:  # an exception raised without its request attached
            return url

    def _scrub(self, text: str) -> str:
        """Remove the credentials this client sends, should a host ever echo them back."""
        authorization = authorization_of(self.client)
        if authorization:
            secret = authorization.partition(" ")[2] or authorization
            text = text.replace(secret, "***")
        return text


def json_object(value: Any, what: str) -> dict[str, Any]:
    """A decoded JSON body that must be an object; NetworkError naming `what` when the host sent anything else."""
    if not isinstance(value, dict):
        raise NetworkError(f"{what}: the host answered with JSON that is not an object ({type(value).__name__})")
    return value
