"""Fake auth servers on 127.0.0.1: a Netlify-style popup auth page, an OAuth provider (implicit, PKCE,
refresh, GitHub device flow), GoTrue + Git Gateway settings, and the token-check endpoints of the hosts.

One `FakeAuthServer` serves all of them under one origin; `base_url` is its `http://127.0.0.1:<port>`.
Every request is logged (`requests`), and switches on the instance inject failures.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

POPUP_PAGE = """<!doctype html><html><head><title>Fake auth</title></head><body><p id="status">authorizing</p>
<script>
(function () {
  var provider = %(provider)s, mode = %(mode)s, payload = %(payload)s;
  function receive(e) {
    if (e.data !== "authorizing:" + provider) return;
    window.removeEventListener("message", receive, false);
    document.getElementById("status").textContent = "answering";
    if (mode === "error") {
      var refused = JSON.stringify({message: "access_denied: the user refused"});
      window.opener.postMessage("authorization:" + provider + ":error:" + refused, e.origin);
    } else {
      window.opener.postMessage("authorization:" + provider + ":success:" + JSON.stringify(payload), e.origin);
    }
  }
  window.addEventListener("message", receive, false);
  if (mode === "close") { window.close(); return; }
  if (!window.opener) { document.getElementById("status").textContent = "no opener"; return; }
  window.opener.postMessage("authorizing:" + provider, "*");
})();
</script></body></html>"""


def make_jwt(claims: dict[str, Any]) -> str:
    """An unsigned-looking JWT (signature is random bytes): the app only reads `exp`."""

    def part(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_urlsafe(16)}"


class _Server(ThreadingHTTPServer):
    """Quiet about browsers that drop a connection (a stopped page); other handler errors are kept."""

    daemon_threads = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.errors: list[BaseException] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, (BrokenPipeError, ConnectionResetError)) and error is not None:
            self.errors.append(error)


@dataclass
class LoggedRequest:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    body: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeAuthServer:
    """The fake servers' state and switches; see the module docstring."""

    provider: str = "github"
    popup_mode: str = "success"  # "success", "error", "close"
    popup_redirect_to: str | None = None  # serve the popup page from elsewhere (wrong-origin tests)
    popup_token: str = "popup-token-1"
    client_id: str = "app-123"
    token_lifetime: int = 7200
    wrong_state: bool = False  # the provider answers with another state
    provider_error: str | None = None  # e.g. "access_denied"
    gotrue_users: dict[str, tuple[str, list[str]]] = field(
        default_factory=lambda: {"ed@example.org": ("s3cret", ["editor"])}
    )
    gateway_roles: list[str] = field(default_factory=lambda: ["editor"])
    device_approve_after: int = 1  # polls answered authorization_pending before the token
    device_interval: int = 5  # seconds between polls GitHub asks for
    github_scopes: str = "repo, user"
    gitlab_scopes: list[str] = field(default_factory=lambda: ["api"])
    push: bool = True
    requests: list[LoggedRequest] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> grant it belongs to
    issued: list[str] = field(default_factory=list)  # access tokens issued, oldest first
    revoked: set[str] = field(default_factory=set)
    _device_polls: int = 0
    _httpd: _Server | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> FakeAuthServer:
        """Serve on an ephemeral port of 127.0.0.1 in a daemon thread."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._dispatch(self, "GET")

            def do_POST(self) -> None:
                server._dispatch(self, "POST")

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; a handler that crashed fails the test here."""
        if self._httpd is not None:
            errors = self._httpd.errors
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
            if errors:
                raise AssertionError(f"the fake auth server failed while handling a request: {errors[0]!r}")

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        return [r.path for r in self.requests]

    # -- plumbing ----------------------------------------------------------------------------------
    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type") or ""
        if raw and content_type.startswith("application/json"):
            body = {k: str(v) for k, v in json.loads(raw).items()}
        else:
            body = dict(parse_qsl(raw.decode()))
        request = LoggedRequest(method, parts.path, dict(parse_qsl(parts.query)), body, dict(handler.headers.items()))
        self.requests.append(request)
        route = getattr(self, "_route_" + method.lower() + re.sub(r"[^A-Za-z0-9]", "_", parts.path), None)
        if route is None:
            status, headers, payload = 404, {"Content-Type": "application/json"}, b'{"message":"Not Found"}'
        else:
            status, headers, payload = route(request)
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    @staticmethod
    def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(data).encode()

    @staticmethod
    def _html(text: str) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/html; charset=utf-8"}, text.encode()

    @staticmethod
    def _redirect(location: str) -> tuple[int, dict[str, str], bytes]:
        return 302, {"Location": location}, b""

    def _issue(self, grant: str, *, jwt: bool = False, email: str = "") -> dict[str, Any]:
        now = int(time.time())
        access = (
            make_jwt({"exp": now + self.token_lifetime, "sub": email, "email": email})
            if jwt
            else f"at-{secrets.token_hex(8)}"
        )
        refresh = f"rt-{secrets.token_hex(8)}"
        self.issued.append(access)
        self.refresh_tokens[refresh] = grant
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
            "refresh_token": refresh,
        }

    def _bearer(self, request: LoggedRequest) -> str:
        value = request.headers.get("Authorization") or ""
        return value.split(" ", 1)[1] if " " in value else ""

    # -- Netlify-style popup auth ------------------------------------------------------------------
    def _route_get_auth(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        if self.popup_redirect_to:
            return self._redirect(self.popup_redirect_to + "/popup-page?" + urlencode(request.query))
        return self._popup_page(request)

    def _route_post_auth_refresh(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        """Netlify-style refresh (Bitbucket): refresh_token in the query, empty body."""
        grant = self.refresh_tokens.pop(request.query.get("refresh_token", ""), None)
        if grant is None:
            return self._json(401, {"error": "invalid refresh token"})
        issued = self._issue(grant)
        return self._json(200, {"token": issued["access_token"], "refresh_token": issued["refresh_token"]})

    def _route_get_popup_page(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        return self._popup_page(request)

    def _popup_page(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        provider = request.query.get("provider", "")
        payload = {"token": self.popup_token, "provider": provider}
        self.issued.append(self.popup_token)
        page = POPUP_PAGE % {
            "provider": json.dumps(provider),
            "mode": json.dumps(self.popup_mode),
            "payload": json.dumps(payload),
        }
        return self._html(page)

    # -- OAuth provider: implicit, code + PKCE, refresh ----------------------------------------------
    def _route_get_oauth_authorize(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        q = request.query
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != self.client_id or not redirect:
            return self._json(400, {"error": "invalid_client"})
        state = "forged" if self.wrong_state else q.get("state", "")
        if self.provider_error:
            params = {"error": self.provider_error, "error_description": "The user denied access", "state": state}
            sep = "#" if q.get("response_type") == "token" else "?"
            return self._redirect(f"{redirect}{sep}{urlencode(params)}")
        if q.get("response_type") == "token":
            grant = self._issue("implicit")
            grant.pop("refresh_token")  # implicit grants carry no refresh token
            return self._redirect(f"{redirect}#{urlencode({**grant, 'state': state})}")
        if q.get("response_type") == "code":
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                return self._json(400, {"error": "invalid_request", "error_description": "PKCE S256 required"})
            code = secrets.token_hex(8)
            self.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": redirect}
            return self._redirect(f"{redirect}?{urlencode({'code': code, 'state': state})}")
        return self._json(400, {"error": "unsupported_response_type"})

    def _route_post_oauth_token(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        body = request.body
        if body.get("client_id") != self.client_id:
            return self._json(401, {"error": "invalid_client"})
        if body.get("grant_type") == "authorization_code":
            stored = self.codes.pop(body.get("code", ""), None)
            if stored is None:
                return self._json(400, {"error": "invalid_grant", "error_description": "unknown or used code"})
            digest = hashlib.sha256(body.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != stored["challenge"]:
                return self._json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
            if body.get("redirect_uri") != stored["redirect_uri"]:
                return self._json(400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"})
            return self._json(200, {**self._issue("pkce"), "scope": "api"})
        if body.get("grant_type") == "refresh_token":
            grant = self.refresh_tokens.pop(body.get("refresh_token", ""), None)
            if grant is None:
                return self._json(400, {"error": "invalid_grant", "error_description": "refresh token is invalid"})
            return self._json(200, self._issue(grant))
        return self._json(400, {"error": "unsupported_grant_type"})

    def _route_get_admin_(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        return self._html("<p>The redirect page: the app must never load this.</p>")

    def _route_get_api_v4_projects_ok(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        """A protected call used by refresh-on-401 tests."""
        token = self._bearer(request)
        if token not in self.issued or token in self.revoked:
            return self._json(401, {"error": "invalid_token"})
        return self._json(200, {"ok": True})

    # -- GitHub device flow ------------------------------------------------------------------------
    def _route_post_login_device_code(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        if request.body.get("client_id") != self.client_id:
            return self._json(200, {"error": "incorrect_client_credentials"})
        self._device_polls = 0
        return self._json(
            200,
            {
                "device_code": "dev-code-1",
                "user_code": "WDJB-MJHT",
                "verification_uri": f"{self.base_url}/login/device",
                "expires_in": 900,
                "interval": self.device_interval,
            },
        )

    def _route_post_login_oauth_access_token(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        if request.body.get("device_code") != "dev-code-1":
            return self._json(200, {"error": "incorrect_device_code"})
        if self.provider_error:
            return self._json(200, {"error": self.provider_error})
        self._device_polls += 1
        if self._device_polls <= self.device_approve_after:
            return self._json(200, {"error": "authorization_pending"})
        token = f"gho_{secrets.token_hex(8)}"
        self.issued.append(token)
        return self._json(200, {"access_token": token, "token_type": "bearer", "scope": "repo"})

    # -- GoTrue and Git Gateway --------------------------------------------------------------------
    def _route_post__netlify_identity_token(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        body = request.body
        if body.get("grant_type") == "password":
            user = self.gotrue_users.get(body.get("username", ""))
            if user is None or user[0] != body.get("password"):
                return self._json(400, {"error": "invalid_grant", "error_description": "Invalid email or password"})
            return self._json(200, self._issue(body["username"], jwt=True, email=body["username"]))
        if body.get("grant_type") == "refresh_token":
            email = self.refresh_tokens.pop(body.get("refresh_token", ""), None)
            if email is None:
                return self._json(400, {"error": "invalid_grant", "error_description": "Invalid Refresh Token"})
            return self._json(200, self._issue(email, jwt=True, email=email))
        return self._json(400, {"error": "unsupported_grant_type"})

    def _route_get__netlify_identity_user(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        token = self._bearer(request)
        if token not in self.issued:
            return self._json(401, {"msg": "Invalid token"})
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        email = claims.get("email", "")
        roles = self.gotrue_users.get(email, ("", []))[1]
        return self._json(
            200,
            {
                "id": "u1",
                "email": email,
                "role": "",
                "app_metadata": {"provider": "email", "roles": roles},
                "user_metadata": {"full_name": "Ed Itor"},
            },
        )

    def _route_get__netlify_identity_authorize(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        redirect = request.query.get("redirect_to") or self.base_url + "/"
        if self.provider_error:
            return self._redirect(
                f"{redirect}#{urlencode({'error': self.provider_error, 'error_description': 'denied'})}"
            )
        email = next(iter(self.gotrue_users))
        grant = self._issue(email, jwt=True, email=email)
        state = "forged" if self.wrong_state else request.query.get("state", "")
        return self._redirect(f"{redirect}#{urlencode({**grant, 'state': state})}")

    def _route_get__netlify_git_settings(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        if self._bearer(request) not in self.issued:
            return self._json(401, {"msg": "Invalid token"})
        return self._json(
            200,
            {"github_enabled": True, "gitlab_enabled": False, "bitbucket_enabled": False, "roles": self.gateway_roles},
        )

    def _route_get_goto(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        """A page that navigates to `?to=` (window.open when `?window=1`): for URL-policy tests."""
        call = "window.open(%s, '_blank')" if request.query.get("window") else "location.href = %s"
        return self._html("<p>moving on</p><script>" + call % json.dumps(request.query.get("to", "")) + "</script>")

    def _route_get_links(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        """A page with one link to `?to=` (for the embedded browser's host policy)."""
        target = html.escape(request.query.get("to", ""), quote=True)
        return self._html(f'<p>Read the <a id="out" href="{target}">terms</a>.</p>')

    def _route_get_bounce(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        """A server redirect to `?to=` (an OAuth provider handing the browser to its identity provider)."""
        return self._redirect(request.query.get("to", "/"))

    def _route_get_image_page(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        """A page with an image on plain http elsewhere (blocked as a sub-resource)."""
        return self._html('<p>picture</p><img src="http://example.com/logo.png">')

    def _route_get_(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        return self._html("<p>The site's home page.</p>")

    # -- token checks (GitHub, GitLab, Gitea) ------------------------------------------------------
    def _route_get_github_user(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        if self._bearer(request) != "ghp_good":
            return self._json(401, {"message": "Bad credentials"})
        return self._json(200, {"login": "octo"}, {"X-OAuth-Scopes": self.github_scopes})

    def _route_get_github_repos_octo_site(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        return self._json(
            200, {"full_name": "octo/site", "permissions": {"pull": True, "push": self.push, "admin": False}}
        )

    def _route_get_gitlab_personal_access_tokens_self(
        self, request: LoggedRequest
    ) -> tuple[int, dict[str, str], bytes]:
        if self._bearer(request) != "glpat-good":
            return self._json(401, {"message": "401 Unauthorized"})
        return self._json(200, {"name": "editor", "scopes": self.gitlab_scopes, "active": True, "revoked": False})

    def _route_get_gitlab_user(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        return self._json(200, {"username": "gl-user"})

    def _route_get_gitlab_projects_octo_2Fsite(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        level = 30 if self.push else 20
        return self._json(200, {"permissions": {"project_access": {"access_level": level}, "group_access": None}})

    def _route_get_gitea_user(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        if self._bearer(request) != "gitea-good":
            return self._json(401, {"message": "token is required"})
        return self._json(200, {"login": "tea"})

    def _route_get_gitea_repos_octo_site(self, request: LoggedRequest) -> tuple[int, dict[str, str], bytes]:
        return self._json(200, {"permissions": {"pull": True, "push": self.push, "admin": False}})
