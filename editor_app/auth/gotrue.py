"""Git Gateway login through GoTrue (Netlify Identity): password, external providers, refresh, roles."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from editor_app.auth.network import unreachable
from editor_app.auth.oauth import LoginError, new_nonce
from editor_app.auth.target import LoginTarget
from editor_app.auth.tokens import Clock, Token
from editor_app.errors import AuthError

HOST_FLAGS = (("github", "github_enabled"), ("gitlab", "gitlab_enabled"), ("bitbucket", "bitbucket_enabled"))


@dataclass(frozen=True)
class GatewaySettings:
    """What `/.netlify/git/settings` says: the Git host behind the gateway and the roles allowed to use it."""

    host: str
    roles: tuple[str, ...] = ()


class GoTrue:
    """A small GoTrue client for one site (`target.identity`), with the gateway's settings."""

    def __init__(self, target: LoginTarget, client: httpx.Client, *, clock: Clock = time.time) -> None:
        self.target = target
        self.client = client
        self.clock = clock

    def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise unreachable(url, exc) from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if response.status_code >= 400:
            why = (data.get("error_description") or data.get("msg") or data.get("error")
                   or f"HTTP {response.status_code}")
            raise AuthError(f"{url}: {why}", expired=response.status_code == 401)
        return data

    def login_password(self, email: str, password: str) -> Token:
        """POST /token grant_type=password."""
        if not email or not password:
            raise LoginError("enter the email and the password of your site account")
        url = f"{self.target.identity}/token"
        try:
            data = self._request("POST", url, data={"grant_type": "password", "username": email, "password": password})
        except AuthError as exc:
            raise LoginError(f"Netlify Identity refused the login for {email}: {str(exc).split(': ', 1)[-1]}") from None
        return Token.from_response(data, method="gotrue", now=self.clock())

    def refresh(self, token: Token) -> Token:
        """POST /token grant_type=refresh_token; the new JWT keeps working for another hour."""
        if not token.refresh_token:
            raise AuthError("this Git Gateway login cannot be refreshed; log in again", expired=True)
        url = f"{self.target.identity}/token"
        try:
            body = {"grant_type": "refresh_token", "refresh_token": token.refresh_token}
            data = self._request("POST", url, data=body)
        except AuthError as exc:
            raise AuthError(f"refreshing the Git Gateway login failed: {exc}", expired=True) from None
        return Token.from_response(data, method="gotrue", now=self.clock())

    def fresh(self, token: Token, *, margin: float = 60.0) -> Token:
        """`token`, or a refreshed one when it expires within `margin` seconds (GoTrue's `jwt()` rule)."""
        return self.refresh(token) if token.expires_within(margin, self.clock()) else token

    def external_providers(self) -> dict[str, bool]:
        """GET `<identity>/settings` (public): which logins the site's Identity offers (`email`, `github`, ...)."""
        data = self._request("GET", f"{self.target.identity}/settings")
        external = data.get("external")
        return {str(k): bool(v) for k, v in external.items()} if isinstance(external, dict) else {}

    def user(self, token: Token) -> dict[str, Any]:
        """GET /user: id, email, app_metadata (roles), user_metadata."""
        headers = {"Authorization": f"Bearer {token.access_token}"}
        return self._request("GET", f"{self.target.identity}/user", headers=headers)

    def settings(self, token: Token) -> GatewaySettings:
        """GET `<gateway>/settings`: which host is enabled and the roles allowed."""
        fixed = self.target.gateway.rpartition("/")[2]
        if fixed in dict(HOST_FLAGS):
            return GatewaySettings(host=fixed)  # a gateway URL ending in the host names it (Decap skips the call)
        url = f"{self.target.gateway}/settings"
        data = self._request("GET", url, headers={"Authorization": f"Bearer {token.access_token}"})
        hosts = [name for name, flag in HOST_FLAGS if data.get(flag)]
        if not hosts:
            raise AuthError(f"{url}: Git Gateway has no Git host enabled for this site (ask the site's admin)")
        return GatewaySettings(host=hosts[0], roles=tuple(data.get("roles") or ()))

    def check_roles(self, user: dict[str, Any], settings: GatewaySettings) -> None:
        """Refuse a user whose app_metadata.roles share none of the gateway's roles (when it lists any)."""
        if not settings.roles:
            return
        roles = set((user.get("app_metadata") or {}).get("roles") or ())
        if not roles & set(settings.roles):
            who = user.get("email") or "this user"
            raise AuthError(
                f"{who} may not edit this site: Git Gateway allows roles {', '.join(settings.roles)}, "
                f"the account has {', '.join(sorted(roles)) or 'none'}"
            )


@dataclass
class ExternalLogin:
    """Login through an external provider: open `url`, `complete()` the redirect to the site with #access_token."""

    target: LoginTarget
    provider: str
    clock: Clock = time.time
    nonce: str = field(default_factory=new_nonce)

    @property
    def redirect_uri(self) -> str:
        """GoTrue sends the browser back to the site; that load is intercepted."""
        return self.target.site_url.rstrip("/") + "/" if self.target.site_url else self.target.identity

    @property
    def url(self) -> str:
        """`<identity>/authorize?provider=…` (GoTrue redirects back with the token in the fragment)."""
        query = {"provider": self.provider, "redirect_to": self.redirect_uri, "state": self.nonce}
        return f"{self.target.identity}/authorize?{urlencode(query)}"

    def is_redirect(self, url: str) -> bool:
        """True for the redirect back that carries the token or an error in the fragment."""
        fragment = dict(parse_qsl(urlsplit(url).fragment.lstrip("/")))
        return urlsplit(url).hostname == urlsplit(self.redirect_uri).hostname and (
            "access_token" in fragment or "error" in fragment
        )

    def complete(self, url: str) -> Token:
        """The token from the fragment; a state GoTrue echoes must match."""
        params = dict(parse_qsl(urlsplit(url).fragment.lstrip("/"), keep_blank_values=True))
        if params.get("error"):
            why = params.get("error_description") or params["error"]
            raise LoginError(f"{self.provider} login through Netlify Identity failed: {why}")
        state = params.get("state")
        if state is not None and not secrets.compare_digest(state, self.nonce):
            raise LoginError("the login answer's state does not match this login (possible forgery); try again")
        if not params.get("access_token"):
            raise LoginError("Netlify Identity sent no access token back")
        return Token.from_response(params, method="gotrue", now=self.clock())
