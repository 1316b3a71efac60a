"""A fake AWS Cognito user pool domain plus the API Gateway proxy in front of GitHub that its tokens open.

`FakeCognito` is an httpx.Request -> httpx.Response callable (serve it in process with MockTransport or
on 127.0.0.1 with `tests.fakes.server.serve`), holding:
- the hosted UI's OAuth 2 endpoints: `GET /oauth2/authorize` (authorization code + PKCE S256 only,
  as Cognito requires for public clients), `POST /oauth2/token` (form-encoded only: Cognito answers
  JSON bodies with 400 `invalid_request`), and `GET /oauth2/userInfo` (Bearer access token);
- the proxy under `proxy_prefix` (default `/proxy`): a Cognito-authorized API Gateway route that checks
  the Bearer token and forwards the rest of the path to a FakeGitHub with the proxy's own GitHub token.
  API Gateway's Cognito authorizer answers a missing or unknown token with 401 `{"message":"Unauthorized"}`
  and an expired one with 401 `{"message":"The incoming token has expired"}`; GitHub's answers (rate
  limits included) pass through unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from editor_app.backends.aws_cognito_github_proxy import AwsCognitoGitHubProxyBackend
from editor_app.backends.base import Backend, BackendSettings, Credentials
from tests.fakes.faults import Faults, RequestLog, timed

EXPIRED_MESSAGE = "The incoming token has expired"


@dataclass
class CognitoUser:
    """A user of the pool, as userInfo reports it."""

    username: str
    email: str
    sub: str = ""


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class FakeCognito:
    """Cognito's hosted UI endpoints and a Cognito-authorized proxy to `github` under `proxy_prefix`."""

    def __init__(
        self,
        github: Callable[[httpx.Request], httpx.Response],
        *,
        github_token: str,
        client_id: str = "cognito-app-client",
        user: CognitoUser | None = None,
        proxy_prefix: str = "/proxy",
        token_lifetime: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.github = github
        self.github_token = github_token
        self.client_id = client_id
        self.user = user or CognitoUser("ada", "ada@example.org", sub="5f2c-ada")
        self.proxy_prefix = "/" + proxy_prefix.strip("/")
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.faults = Faults(clock=clock)
        self.log = RequestLog()
        self.access_tokens: dict[str, float] = {}  # token -> expiry (clock seconds)
        self.refresh_tokens: set[str] = set()
        self.codes: dict[str, dict[str, str]] = {}
        self.token_bodies: list[tuple[str, str]] = []  # (content type, body) of each /oauth2/token call
        self._lock = threading.Lock()

    # ---- setup helpers ---------------------------------------------------------------------
    def issue(self) -> dict[str, Any]:
        """A fresh token answer, as Cognito's token endpoint gives it."""
        access = "cog-at-" + secrets.token_hex(12)
        refresh = "cog-rt-" + secrets.token_hex(12)
        with self._lock:
            self.access_tokens[access] = self.clock() + self.token_lifetime
            self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "id_token": "cog-id-" + secrets.token_hex(12),
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }

    def expire(self, token: str | None = None) -> None:
        """Let `token` (default: every issued token) expire now."""
        with self._lock:
            for key in [token] if token else list(self.access_tokens):
                self.access_tokens[key] = self.clock() - 1

    # ---- dispatch --------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        return timed(self._handle, self.faults, self.log, request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == self.proxy_prefix or path.startswith(self.proxy_prefix + "/"):
            return self._proxy(request, path[len(self.proxy_prefix):] or "/")
        if request.method == "GET" and path == "/oauth2/authorize":
            return self._authorize(request)
        if request.method == "POST" and path == "/oauth2/token":
            return self._token(request)
        if request.method == "GET" and path == "/oauth2/userInfo":
            return self._user_info(request)
        return _json(404, {"message": "Not Found"})

    def _check_bearer(self, request: httpx.Request) -> httpx.Response | None:
        """None when the request carries a live access token, else API Gateway's 401."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            expires = self.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if expires is None:
            return _json(401, {"message": "Unauthorized"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if self.clock() >= expires:
            return expired_answer()
        return None

    # ---- the proxy ---------------------------------------------------------------------------
    def _proxy(self, request: httpx.Request, rest: str) -> httpx.Response:
        refused = self._check_bearer(request)
        if refused is not None:
            return refused
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in ("authorization", "host")]
        headers.append(("Authorization", f"token {self.github_token}"))
        url = request.url.copy_with(path=rest)
        forwarded = httpx.Request(request.method, url, headers=headers, content=request.read())
        answer = self.github(forwarded)
        # The Link header's URLs name GitHub's paths; through the proxy they live under its prefix.
        out = httpx.Response(answer.status_code, headers=answer.headers, content=answer.read())
        link = answer.headers.get("Link")
        if link:
            origin = f"{url.scheme}://{url.netloc.decode()}"
            out.headers["Link"] = link.replace(origin + "/", origin + self.proxy_prefix + "/")
        return out

    # ---- the hosted UI's OAuth endpoints -----------------------------------------------------
    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = dict(request.url.params)
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != self.client_id or not redirect:
            return _json(400, {"error": "invalid_client"})
        if q.get("response_type") != "code":
            return _json(400, {"error": "unsupported_response_type"})
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return _json(400, {"error": "invalid_request", "error_description": "PKCE S256 required"})
        code = secrets.token_hex(8)
        self.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": redirect, "scope": q.get("scope", "")}
        location = f"{redirect}?{urlencode({'code': code, 'state': q.get('state', '')})}"
        return httpx.Response(302, headers={"Location": location})

    def _token(self, request: httpx.Request) -> httpx.Response:
        content_type = request.headers.get("Content-Type", "")
        text = request.read().decode()
        self.token_bodies.append((content_type, text))
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return _json(400, {"error": "invalid_request"})
        body = dict(parse_qsl(text))
        if body.get("client_id") != self.client_id:
            return _json(400, {"error": "invalid_client"})
        if body.get("grant_type") == "authorization_code":
            stored = self.codes.pop(body.get("code", ""), None)
            if stored is None:
                return _json(400, {"error": "invalid_grant"})
            digest = hashlib.sha256(body.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != stored["challenge"]:
                return _json(400, {"error": "invalid_grant"})
            if body.get("redirect_uri") != stored["redirect_uri"]:
                return _json(400, {"error": "invalid_grant"})
            return _json(200, self.issue())
        if body.get("grant_type") == "refresh_token":
            with self._lock:
                known = body.get("refresh_token", "") in self.refresh_tokens
            if not known:
                return _json(400, {"error": "invalid_grant"})
            answer = self.issue()
            answer.pop("refresh_token")  # Cognito keeps the refresh token; it sends no new one
            return _json(200, answer)
        return _json(400, {"error": "unsupported_grant_type"})

    def _user_info(self, request: httpx.Request) -> httpx.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            expires = self.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if expires is None or self.clock() >= expires:
            return _json(401, {"error": "invalid_token", "error_description": "Access token is expired"})
        user = self.user
        return _json(200, {"sub": user.sub or user.username, "email_verified": "true", "email": user.email,
                           "username": user.username})


def expired_answer() -> httpx.Response:
    """What API Gateway's Cognito authorizer answers for an expired access token."""
    return _json(401, {"message": EXPIRED_MESSAGE},
                 {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{EXPIRED_MESSAGE}"'})


# ---- contract-suite factories (registered in tests/backends/conftest.py) ------------------------------

GITHUB_TOKEN = "gho_proxy-owned-token"  # the proxy's own GitHub credentials; the app never sees them
BASE_PATH = "/proxy"


def make_fake_cognito(files: Mapping[str, bytes], clock: Callable[[], float] = time.time) -> tuple[FakeCognito, str]:
    """A FakeCognito in front of a FakeGitHub holding `files` on `main` of `o/r`, and an access token for it."""
    from tests.fakes.git_store import GitStore
    from tests.fakes.github import FakeGitHub

    github = FakeGitHub(GitStore(), owner="o", repo="r", default_branch="main", tokens={GITHUB_TOKEN: "o"},
                        clock=clock)
    github.commit_files("o/r", "main", dict(files), "Initial content")
    cognito = FakeCognito(github, github_token=GITHUB_TOKEN, proxy_prefix=BASE_PATH, clock=clock)
    return cognito, cognito.issue()["access_token"]


def cognito_settings(origin: str) -> BackendSettings:
    """The site's backend section: the proxy under `origin`/proxy, Cognito's domain at `origin`."""
    return BackendSettings(name="aws-cognito-github-proxy", repo="o/r", branch="main",
                           api_root=origin + BASE_PATH, base_url=origin)


IN_PROCESS_ORIGIN = "https://cms-auth.example.org"


@contextmanager
def make_cognito(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """AwsCognitoGitHubProxyBackend over FakeCognito + FakeGitHub in process."""
    fake, token = make_fake_cognito(files)
    backend = AwsCognitoGitHubProxyBackend.connect(
        cognito_settings(IN_PROCESS_ORIGIN), Credentials(token), transport=httpx.MockTransport(fake))
    yield backend
    backend.close()


@contextmanager
def make_cognito_loopback(tmp_path: Path, files: Mapping[str, bytes]) -> Iterator[Backend]:
    """AwsCognitoGitHubProxyBackend over FakeCognito + FakeGitHub served on 127.0.0.1."""
    from tests.fakes.server import serve

    fake, token = make_fake_cognito(files)
    with serve(fake) as url:
        backend = AwsCognitoGitHubProxyBackend.connect(cognito_settings(url), Credentials(token))
        yield backend
        backend.close()


def _hosted(fake: FakeCognito, clock: Any, backend_for: Callable[..., Backend]) -> Any:
    from tests.backends.conftest import Hosted

    fake.faults.sleep = clock.sleep
    waits: list[tuple[float, str]] = []
    backend = backend_for(sleep=clock.sleep, clock=clock.time, on_wait=lambda at, why: waits.append((at, why)))
    return Hosted(
        backend=backend, faults=fake.faults, log=fake.log, waits=waits,
        # The proxy relays GitHub's own rate-limit answers.
        rate_limit=lambda seconds, times: fake.faults.primary_rate_limit(reset_in=seconds, times=times),
        expire_token=lambda: fake.faults.add(lambda _r: expired_answer(), times=None),
        site_head=lambda: next(iter(fake.github.repos.values())).store.refs.get("heads/main"),
    )


@contextmanager
def hosted_cognito(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """The Cognito proxy adapter over its fakes in process, on a fake clock."""
    fake, token = make_fake_cognito(files, clock.time)
    hosted = _hosted(fake, clock, lambda **kw: AwsCognitoGitHubProxyBackend.connect(
        cognito_settings(IN_PROCESS_ORIGIN), Credentials(token), transport=httpx.MockTransport(fake), **kw))
    yield hosted
    hosted.backend.close()


@contextmanager
def hosted_cognito_loopback(tmp_path: Path, files: Mapping[str, bytes], clock: Any) -> Iterator[Any]:
    """The Cognito proxy adapter over its fakes served on 127.0.0.1, on a fake clock."""
    from tests.fakes.server import serve

    fake, token = make_fake_cognito(files, clock.time)
    with serve(fake) as url:
        hosted = _hosted(fake, clock, lambda **kw: AwsCognitoGitHubProxyBackend.connect(
            cognito_settings(url), Credentials(token), **kw))
        yield hosted
        hosted.backend.close()
