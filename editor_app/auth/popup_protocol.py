"""The Netlify-style popup protocol, from the CMS window's side: the app plays `window.opener`."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from editor_app.auth.network import unreachable
from editor_app.auth.oauth import LoginError
from editor_app.auth.target import LoginTarget
from editor_app.auth.tokens import Clock, Token
from editor_app.errors import AuthError
from editor_app.hosts import NETLIFY_BASE_URL


def origin_of(url: str) -> str:
    """scheme://host[:port] of `url`, as a browser writes `event.origin` (default ports omitted)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{host}{port}"


@dataclass
class PopupLogin:
    """One popup login: `url` to open; feed each message from the page to `receive()`.

    `receive` returns the text to post back to the page (the `authorizing:<p>` echo) or None;
    once the page reported success, `token` is set; an error or a foreign origin raises LoginError.
    """

    target: LoginTarget
    clock: Clock = time.time
    token: Token | None = None
    raw: dict[str, Any] | None = None  # the success JSON minus the tokens (provider, login, ...)

    @property
    def provider(self) -> str:
        """The provider name the auth server expects."""
        return self.target.backend

    @property
    def url(self) -> str:
        """`{base_url}/{auth_endpoint}?provider=…&site_id=…&scope=…`."""
        if not self.target.site_id and self.target.popup_base_url == NETLIFY_BASE_URL:
            raise LoginError(
                "Netlify's auth server needs the site's domain: set backend.site_domain or site_url in config.yml"
            )
        endpoint = (self.target.auth_endpoint or "auth").strip("/")
        query = {"provider": self.provider, "site_id": self.target.site_id, "scope": self.target.popup_scope}
        return f"{self.target.popup_base_url}/{endpoint}?{urlencode(query)}"

    @property
    def expected_origin(self) -> str:
        """Messages are accepted only from base_url's origin (Decap checks `event.origin === base_url`)."""
        return origin_of(self.target.popup_base_url)

    def receive(self, message: object, origin: str) -> str | None:
        """Handle one postMessage from the page; see the class docstring."""
        if not isinstance(message, str) or not message.startswith(("authorizing:", "authorization:")):
            return None  # other messages (from any page on the way) are not part of the protocol
        if origin.rstrip("/") != self.expected_origin:
            raise LoginError(
                f"a login message came from {origin}, not from the auth server {self.expected_origin}; "
                "the login was stopped"
            )
        if message == f"authorizing:{self.provider}":
            return message
        success = re.match(rf"^authorization:{re.escape(self.provider)}:success:(.+)$", message, re.S)
        if success:
            try:
                data = json.loads(success.group(1))
            except ValueError:
                raise LoginError("the auth server's success message is not valid JSON") from None
            if not isinstance(data, dict):
                raise LoginError("the auth server's success message is not a JSON object")
            try:
                self.token = Token.from_response(data, method="popup", now=self.clock())
            except ValueError:
                raise LoginError("the auth server reported success but sent no token") from None
            self.raw = {k: v for k, v in data.items() if k not in ("token", "access_token", "refresh_token")}
            return None
        error = re.match(rf"^authorization:{re.escape(self.provider)}:error:(.*)$", message, re.S)
        if error:
            detail = error.group(1)
            try:
                parsed = json.loads(detail)
                if isinstance(parsed, dict):
                    detail = str(parsed.get("message") or parsed.get("error_description") or parsed.get("error")
                                 or parsed)
            except ValueError:
                pass
            raise LoginError(f"the auth server {self.expected_origin} refused the {self.provider} login: {detail}")
        return None


def refresh_popup_token(target: LoginTarget, token: Token, client: httpx.Client, *, clock: Clock = time.time) -> Token:
    """Renew a popup-protocol token (Bitbucket):
    POST `{base_url}/{auth_endpoint}/refresh?provider&site_id&refresh_token`."""
    if not token.refresh_token:
        raise AuthError(f"{target.backend}: this login cannot be renewed; log in again", expired=True)
    endpoint = (target.auth_endpoint or "auth").strip("/")
    url = f"{target.popup_base_url}/{endpoint}/refresh"
    query = {"provider": target.backend, "site_id": target.site_id, "refresh_token": token.refresh_token}
    try:
        response = client.post(url, params=query, content=b"")
    except httpx.HTTPError as exc:
        raise unreachable(url, exc) from None
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400 or not isinstance(data, dict):
        raise AuthError(f"{url} refused to renew the login (HTTP {response.status_code}); log in again", expired=True)
    try:
        new = Token.from_response(data, method="popup", now=clock())
    except ValueError:
        raise AuthError(f"{url} sent no token back; log in again", expired=True) from None
    return new if new.refresh_token else Token(**{**new.__dict__, "refresh_token": token.refresh_token})
