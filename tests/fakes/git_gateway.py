"""A fake Netlify site: Identity (GoTrue) and Git Gateway in front of one fake Git host.

What Decap and the recordings in ../shared/fixtures/decap-e2e show of the real one:
- `POST /.netlify/identity/token` (form): `grant_type=password` (`username`, `password`) or
  `grant_type=refresh_token`; answers `{access_token, token_type: "bearer", expires_in, refresh_token}`.
  The access token is a JWT (HS256, signed here with the fake's secret) carrying `exp`, `sub`, `email`,
  `app_metadata` (`provider`, `roles`) and `user_metadata`; a refresh token works once.
- `GET /.netlify/identity/user` with the JWT: the GoTrue user; `POST /.netlify/identity/logout`;
  `GET /.netlify/identity/authorize?provider=&redirect_to=&state=`: an external provider's login, answered
  with a redirect to `redirect_to#access_token=...&state=...`.
- `GET /.netlify/git/settings` with the JWT: `{github_enabled, gitlab_enabled, bitbucket_enabled, roles}`.
- `/.netlify/git/<host>/<path>` with the JWT: the gateway checks the JWT (expired or forged ->
  `401 {"code": 401, "msg": "Invalid token: ..."}`), the path against the parts of the host's API it
  forwards and the user's roles against the site's (both refused with 401 "Access to endpoint not allowed"),
  then forwards `<path>` to the host under the repository's own prefix with the site's host token and
  passes the host's answer back. GitHub's pagination links keep pointing at api.github.com, as
  `https://api.github.com/repositories/<id>/...` (Decap rewrites them onto the gateway); GitLab's lose the
  project's API URL and so are relative to the gateway (`</repository/tree?...>`).
Every request goes through `faults` and is logged in `log`, as on the other fakes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import httpx

from tests.fakes.faults import Faults, RequestLog, timed

IDENTITY = "/.netlify/identity"
GATEWAY = "/.netlify/git"
JWT_LIFETIME = 3600
# The parts of each host's API the gateway forwards (netlify/git-gateway api/github.go, gitlab.go, bitbucket.go);
# everything else is refused with 401. Every gateway path in the recordings matches these.
ALLOWED_PATHS = {
    "github": re.compile(
        r"^/github/((git|contents|pulls|branches|merges|statuses|compare|commits)/?|(issues/(\d+)/labels))"
    ),
    "gitlab": re.compile(r"^/gitlab/(merge_requests|(repository/(files|commits|tree|compare|branches)))/?"),
    "bitbucket": re.compile(r"^/bitbucket/src/?"),
}
HOST_NAMES = {"github": "GitHub", "gitlab": "GitLab", "bitbucket": "BitBucket"}

Host = Callable[[httpx.Request], httpx.Response]


@dataclass
class IdentityUser:
    """One GoTrue account of the site."""

    email: str
    password: str
    roles: list[str] = field(default_factory=list)
    full_name: str = ""
    id: str = field(default_factory=lambda: f"{secrets.token_hex(4)}-a213-4f67-ab63-{secrets.token_hex(6)}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json", **(headers or {})})


def repository_prefix(host: str, repo: str) -> str:
    """Where `repo`'s API lives on each fake host (the gateway forwards `<path>` under it)."""
    if host == "github":
        return f"/repos/{repo}"
    if host == "gitlab":
        return f"/api/v4/projects/{quote(repo, safe='')}"
    if host == "bitbucket":
        return f"/2.0/repositories/{repo}"
    raise ValueError(f"no Git Gateway for host {host!r}")


class FakeGitGateway:
    """Identity + Git Gateway for one site whose repository `repo` lives on the fake `host_fake`."""

    def __init__(
        self,
        host: str,
        host_fake: Host,
        *,
        repo: str,
        host_token: str,
        host_base: str = "https://api.example.test",
        users: list[IdentityUser] | None = None,
        roles: list[str] | None = None,
        clock: Callable[[], float] = time.time,
        jwt_lifetime: int = JWT_LIFETIME,
        faults: Faults | None = None,
        repository_id: int = 255078910,
    ) -> None:
        self.host = host
        self.host_fake = host_fake
        self.repo = repo
        self.host_token = host_token
        self.host_base = host_base.rstrip("/")
        self.prefix = repository_prefix(host, repo)
        self.users = {u.email: u for u in (users or [IdentityUser("ed@example.org", "s3cret", ["editor"], "Ed Itor")])}
        self.roles = roles  # None: every logged-in user may use the gateway
        self.clock = clock
        self.jwt_lifetime = jwt_lifetime
        self.faults = faults or Faults(clock=clock)
        self.log = RequestLog()
        self.repository_id = repository_id
        self.external_providers = {"github"}  # external logins Identity offers (`/authorize?provider=`)
        self.identity_email = True  # whether Identity offers email + password logins
        self.secret = secrets.token_bytes(32)
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> email
        self.revoked: set[str] = set()  # JWTs the site no longer accepts (logout, tests)
        self.issued: list[str] = []
        self.forwarded = 0  # requests passed on to the Git host
        self._serial = itertools.count(1)
        self.lock = threading.Lock()

    # ---- tokens ----------------------------------------------------------------------------
    def jwt(self, email: str, *, expires_in: int | None = None) -> str:
        """A signed JWT for `email`, as GoTrue issues it."""
        user = self.users[email]
        now = int(self.clock())
        claims = {
            "exp": now + (self.jwt_lifetime if expires_in is None else expires_in),
            "iat": now,
            "sub": user.id,
            "email": email,
            "app_metadata": {"provider": "email", **({"roles": list(user.roles)} if user.roles else {})},
            "user_metadata": {"full_name": user.full_name} if user.full_name else {},
            "jti": str(next(self._serial)),
        }
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims).encode())
        signature = hmac.new(self.secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(signature)}"

    def grant(self, email: str) -> dict[str, Any]:
        """A token answer for `email` (what a login or refresh returns)."""
        token = self.jwt(email)
        refresh = secrets.token_urlsafe(16)
        with self.lock:
            self.refresh_tokens[refresh] = email
            self.issued.append(token)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.jwt_lifetime,
            "refresh_token": refresh,
        }

    def claims(self, token: str) -> dict[str, Any]:
        """The claims of a JWT this site signed and still accepts; raises ValueError why not."""
        parts = token.split(".")
        if len(parts) != 3:
            raise ValueError("token contains an invalid number of segments")
        expected = hmac.new(self.secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            raise ValueError("signature is invalid")
        claims = json.loads(_unb64(parts[1]))
        if token in self.revoked:
            raise ValueError("token has been revoked")
        if claims.get("exp", 0) <= self.clock():
            raise ValueError(f"token is expired by {int(self.clock() - claims.get('exp', 0))}s")
        return claims

    def expire_all(self) -> None:
        """Make every JWT issued so far unacceptable (as if their hour had passed)."""
        with self.lock:
            self.revoked.update(self.issued)

    # ---- dispatch ----------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        return timed(self._handle, self.faults, self.log, request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith(IDENTITY + "/"):
            return self._identity(request, path[len(IDENTITY) + 1:])
        if path == f"{GATEWAY}/settings" and request.method == "GET":
            claims, refused = self._check(request, roles=False)
            if refused is not None:
                return refused
            return _json(200, {f"{h}_enabled": h == self.host for h in ("github", "gitlab", "bitbucket")}
                         | {"roles": self.roles})
        prefix = f"{GATEWAY}/{self.host}"
        if path == prefix or path.startswith(prefix + "/"):
            claims, refused = self._check(request, roles=True)
            if refused is not None:
                return refused
            return self._forward(request, request.url.raw_path.decode()[len(prefix):])
        if path.startswith(GATEWAY + "/"):
            return _json(404, {"code": 404, "msg": "Unable to locate site configuration"})
        return _json(404, {"code": 404, "msg": f"Not found: {path}"})

    def _check(self, request: httpx.Request, *, roles: bool) -> tuple[dict[str, Any], httpx.Response | None]:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return {}, _json(401, {"code": 401, "msg": "Invalid token: no token found in the Authorization header"})
        try:
            claims = self.claims(token.strip())
        except ValueError as why:
            return {}, _json(401, {"code": 401, "msg": f"Invalid token: {why}"})
        if roles:
            rest = request.url.path[len(GATEWAY):]
            if not ALLOWED_PATHS[self.host].match(rest):
                return claims, _json(401, {"code": 401, "msg": "Access to endpoint not allowed: this part of "
                                                               f"{HOST_NAMES[self.host]}'s API has been restricted"})
        if roles and self.roles:
            mine = set((claims.get("app_metadata") or {}).get("roles") or ())
            if not mine & set(self.roles):
                return claims, _json(
                    401, {"code": 401, "msg": "Access to endpoint not allowed: your role doesn't allow access"}
                )
        return claims, None

    # ---- identity ----------------------------------------------------------------------------
    def _identity(self, request: httpx.Request, route: str) -> httpx.Response:
        if route == "token" and request.method == "POST":
            form = dict(parse_qsl(request.content.decode()))
            if form.get("grant_type") == "password":
                user = self.users.get(form.get("username", ""))
                if user is None or user.password != form.get("password"):
                    return _json(400, {"error": "invalid_grant", "error_description": "Invalid email or password"})
                return _json(200, self.grant(user.email))
            if form.get("grant_type") == "refresh_token":
                with self.lock:
                    email = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
                if email is None:
                    return _json(400, {"error": "invalid_grant", "error_description": "Invalid Refresh Token"})
                return _json(200, self.grant(email))
            return _json(400, {"error": "unsupported_grant_type"})
        if route == "user" and request.method == "GET":
            claims, refused = self._check(request, roles=False)
            if refused is not None:
                return refused
            user = self.users[claims["email"]]
            return _json(200, {
                "id": user.id, "aud": "", "role": "", "email": user.email, "confirmed_at": "2020-04-12T12:39:57Z",
                "app_metadata": claims.get("app_metadata") or {}, "user_metadata": claims.get("user_metadata") or {},
                "created_at": "2020-04-12T12:39:57Z", "updated_at": "2020-04-12T12:39:57Z",
            })
        if route == "logout" and request.method == "POST":
            claims, refused = self._check(request, roles=False)
            if refused is not None:
                return refused
            # GoTrue's logout ends the session: this JWT and every refresh token of the user
            with self.lock:
                self.revoked.add(request.headers["Authorization"].partition(" ")[2].strip())
                self.refresh_tokens = {r: e for r, e in self.refresh_tokens.items() if e != claims["email"]}
            return httpx.Response(204)
        if route == "settings" and request.method == "GET":
            external = {p: p in self.external_providers for p in ("github", "gitlab", "bitbucket", "google")}
            return _json(200, {"external": {"email": self.identity_email, **external}, "disable_signup": True,
                               "autoconfirm": False})
        if route == "authorize" and request.method == "GET":
            # An external provider's login (already approved here) sends the browser back to the site with
            # the tokens in the fragment, as GoTrue does.
            query = dict(parse_qsl(request.url.query.decode()))
            redirect = query.get("redirect_to") or "/"
            if query.get("provider") not in self.external_providers:
                fragment = urlencode({"error": "invalid_request", "error_description": "Unsupported provider"})
            else:
                grant = self.grant(next(iter(self.users)))
                fragment = urlencode(
                    {**{k: str(v) for k, v in grant.items()}, **({"state": query["state"]} if "state" in query else {})}
                )
            return httpx.Response(302, headers={"Location": f"{redirect}#{fragment}"})
        return _json(404, {"code": 404, "msg": "Not Found"})

    # ---- gateway -----------------------------------------------------------------------------
    def _forward(self, request: httpx.Request, rest: str) -> httpx.Response:
        """The host's answer to `rest` under the repository's prefix, with the site's host token."""
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("authorization", "host", "content-length", "accept-encoding", "connection")}
        headers["Authorization"] = f"Bearer {self.host_token}"
        upstream = httpx.Request(request.method, self.host_base + self.prefix + rest, headers=headers,
                                 content=request.content)
        with self.lock:
            self.forwarded += 1
        answer = self.host_fake(upstream)
        content = answer.read()
        out = {k: v for k, v in answer.headers.items()
               if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")}
        key = next((k for k in out if k.lower() == "link"), None)
        if self.host == "github" and key:
            # GitHub names the repository by id in its page links; the gateway passes them through.
            by_id = f"https://api.github.com/repositories/{self.repository_id}"
            out[key] = out[key].replace(self.host_base + self.prefix, by_id)
        elif self.host == "gitlab" and key:
            # The gateway strips the project's API URL from GitLab's page links: they are relative to the gateway
            # (`</repository/tree?...>`), as the recordings show and netlify/git-gateway's rewriteGitlabLinks does.
            out[key] = out[key].replace(f"<{self.host_base}{self.prefix}", "<")
        return httpx.Response(answer.status_code, content=content, headers=out)
