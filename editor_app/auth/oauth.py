"""OAuth 2 in the embedded browser: implicit grant and authorization code with PKCE (S256), plus refresh."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from editor_app.auth.network import unreachable
from editor_app.auth.target import LoginTarget
from editor_app.auth.tokens import Clock, Token
from editor_app.errors import AuthError

VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"


class LoginError(AuthError):
    """A login did not complete: refused by the provider, a wrong state, or closed by the user."""

    def __init__(self, message: str, *, cancelled: bool = False) -> None:
        super().__init__(message)
        self.cancelled = cancelled


def new_nonce() -> str:
    """A random, URL-safe nonce (128 bits)."""
    return secrets.token_urlsafe(16)


def make_verifier(length: int = 128) -> str:
    """A PKCE code verifier of `length` (43..128) unreserved characters from a CSPRNG."""
    if not 43 <= length <= 128:
        raise ValueError("a PKCE verifier has 43 to 128 characters")
    return "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(length))


def s256_challenge(verifier: str) -> str:
    """base64url(SHA-256(verifier)) without padding (RFC 7636 S256)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def same_endpoint(url: str, redirect_uri: str) -> bool:
    """True when `url` is the redirect URI (same scheme, host, port and path; query/fragment ignored)."""
    a, b = urlsplit(url), urlsplit(redirect_uri)
    return (a.scheme, a.hostname, a.port, a.path.rstrip("/")) == (b.scheme, b.hostname, b.port, b.path.rstrip("/"))


def _state_nonce(state: str | None) -> str | None:
    """The nonce in Decap's JSON `state` (also tolerates `\\"`-escaped JSON); a plain state is its own nonce."""
    if not state:
        return None
    for text in (state, state.replace('\\"', '"')):
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, dict):
            return str(data.get("nonce") or "") or None
    return state


def _error_text(params: dict[str, str]) -> str:
    error = params.get("error", "")
    description = params.get("error_description", "")
    return f"{error}: {description}" if description else error


def _post_token(client: httpx.Client, url: str, body: dict[str, str], content_type: str) -> dict[str, Any]:
    try:
        if content_type.startswith("application/json"):
            response = client.post(url, json=body, headers={"Accept": "application/json"})
        else:
            response = client.post(url, data=body, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise unreachable(url, exc) from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if response.status_code >= 400 or data.get("error"):
        why = data.get("error_description") or data.get("error") or f"Failed to get token: {response.status_code}"
        raise AuthError(f"token endpoint {url} refused: {why}")
    return data


@dataclass
class ImplicitFlow:
    """Implicit grant: open `authorize_url`, then `complete()` the intercepted redirect (token in the fragment)."""

    target: LoginTarget
    clock: Clock = time.time
    nonce: str = field(default_factory=new_nonce)

    @property
    def redirect_uri(self) -> str:
        """The URI the browser must never load; its fragment carries the token."""
        return self.target.oauth_redirect_uri

    @property
    def authorize_url(self) -> str:
        """The provider's authorize page with client_id, redirect_uri, response_type=token, scope and state."""
        if not self.target.app_id:
            raise LoginError(f"backend {self.target.backend!r}: app_id is required for implicit login")
        auth_url, _token_url, scope = self.target.oauth_endpoints()
        query = {
            "client_id": self.target.app_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "token",
            "scope": scope,
            "state": json.dumps({"auth_type": "implicit", "nonce": self.nonce}),
            **self.target.authorize_extras(),
        }
        return f"{auth_url}?{urlencode(query)}"

    def complete(self, redirected_to: str) -> Token:
        """The token from the redirect URL's fragment, after checking the state's nonce."""
        fragment = urlsplit(redirected_to).fragment.lstrip("/")
        params = dict(parse_qsl(fragment, keep_blank_values=True))
        if params.get("error"):
            raise LoginError(f"{self.target.backend} refused the login: {_error_text(params)}")
        if not secrets.compare_digest(_state_nonce(params.get("state")) or "", self.nonce):
            raise LoginError("the login answer's state does not match this login (possible forgery); try again")
        if not params.get("access_token"):
            raise LoginError(f"{self.target.backend} sent no access token back")
        return Token.from_response(params, method="implicit", now=self.clock())


@dataclass
class PkceFlow:
    """Authorization code + PKCE (S256): open `authorize_url`, `complete()` the redirect, `refresh()` later."""

    target: LoginTarget
    client: httpx.Client
    clock: Clock = time.time
    nonce: str = field(default_factory=new_nonce)
    verifier: str = field(default_factory=make_verifier, repr=False)
    content_type: str = ""

    def __post_init__(self) -> None:
        if not self.content_type:
            # Decap's GitLab and Gitea pages send JSON; its git-gateway and Cognito PKCE pages send a form.
            self.content_type = self.target.token_content_type

    @property
    def redirect_uri(self) -> str:
        """The URI the browser must never load; its query carries the code."""
        return self.target.oauth_redirect_uri

    @property
    def authorize_url(self) -> str:
        """The provider's authorize page with response_type=code, state and the S256 challenge."""
        if not self.target.app_id:
            raise LoginError(f"backend {self.target.backend!r}: app_id is required for PKCE login")
        auth_url, _token_url, scope = self.target.oauth_endpoints()
        query = {
            "client_id": self.target.app_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": json.dumps({"auth_type": "pkce", "nonce": self.nonce}),
            "code_challenge_method": "S256",
            "code_challenge": s256_challenge(self.verifier),
        }
        return f"{auth_url}?{urlencode(query)}"

    def complete(self, redirected_to: str) -> Token:
        """Check the state, then exchange the code (with the verifier) for a token."""
        params = dict(parse_qsl(urlsplit(redirected_to).query, keep_blank_values=True))
        if params.get("error"):
            raise LoginError(f"{self.target.backend} refused the login: {_error_text(params)}")
        if not secrets.compare_digest(_state_nonce(params.get("state")) or "", self.nonce):
            raise LoginError("the login answer's state does not match this login (possible forgery); try again")
        code = params.get("code")
        if not code:
            raise LoginError(f"{self.target.backend} sent no authorization code back")
        _auth_url, token_url, _scope = self.target.oauth_endpoints()
        body = {
            "client_id": self.target.app_id,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
        }
        data = _post_token(self.client, token_url, body, self.content_type)
        return Token.from_response(data, method="pkce", now=self.clock())


def refresh_oauth_token(
    target: LoginTarget, token: Token, client: httpx.Client, *, clock: Clock = time.time, content_type: str = ""
) -> Token:
    """A new token from the refresh token (grant_type=refresh_token at the token endpoint)."""
    if not token.refresh_token:
        raise AuthError(f"{target.backend}: this login cannot be refreshed; log in again", expired=True)
    _auth_url, token_url, _scope = target.oauth_endpoints()
    if not content_type:
        content_type = target.token_content_type
    body = {
        "client_id": target.app_id,
        "grant_type": "refresh_token",
        "redirect_uri": target.oauth_redirect_uri,
        "refresh_token": token.refresh_token,
    }
    try:
        data = _post_token(client, token_url, body, content_type)
    except AuthError as exc:
        raise AuthError(str(exc), expired=True) from None
    new = Token.from_response(data, method=token.method or "pkce", now=clock())
    if new.refresh_token is None:  # some hosts keep the old refresh token valid
        new = Token(**{**new.__dict__, "refresh_token": token.refresh_token})
    return new
