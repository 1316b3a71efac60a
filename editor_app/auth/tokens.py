"""Tokens with expiry and the login session the rest of the app maps onto its own credentials."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

Clock = Callable[[], float]


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The (unverified) claims of a JWT, or None when `token` is not a JWT; used only to read `exp`."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


@dataclass(frozen=True)
class Token:
    """An access token, optionally with a refresh token and the moment it stops working."""

    access_token: str = field(repr=False)
    token_type: str = "bearer"
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None  # seconds since the epoch; None = unknown / does not expire
    scopes: tuple[str, ...] = ()
    method: str = ""  # "popup", "implicit", "pkce", "device", "pat", "gotrue"

    @classmethod
    def from_response(cls, data: dict[str, Any], *, method: str, now: float | None = None) -> Token:
        """A token from an OAuth/GoTrue JSON answer (`access_token` or Netlify's `token`, `expires_in`)."""
        access = data.get("access_token") or data.get("token")
        if not access or not isinstance(access, str):
            raise ValueError("the answer holds no access token")
        now = time.time() if now is None else now
        expires_at: float | None = None
        if data.get("expires_in") not in (None, ""):
            try:
                expires_at = now + float(data["expires_in"])
            except (TypeError, ValueError):
                expires_at = None
        if expires_at is None:
            claims = jwt_claims(access)
            if claims and isinstance(claims.get("exp"), (int, float)):
                expires_at = float(claims["exp"])
        scope = data.get("scope") or ""
        scopes = tuple(s for s in str(scope).replace(",", " ").split() if s)
        return cls(
            access_token=access,
            token_type=str(data.get("token_type") or "bearer"),
            refresh_token=data.get("refresh_token") or None,
            expires_at=expires_at,
            scopes=scopes,
            method=method,
        )

    def seconds_left(self, now: float) -> float | None:
        """Seconds until expiry at `now` (negative when expired), None when the expiry is unknown."""
        return None if self.expires_at is None else self.expires_at - now

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the token expires within `seconds` of `now` (never for tokens without expiry)."""
        left = self.seconds_left(now)
        return left is not None and left <= seconds

    def to_json(self) -> str:
        """The token as JSON, for the keyring only (never for files or logs)."""
        return json.dumps(
            {
                "access_token": self.access_token,
                "token_type": self.token_type,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at,
                "scopes": list(self.scopes),
                "method": self.method,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Token:
        """The inverse of to_json; raises ValueError for anything else."""
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise ValueError("not a stored token")
        return cls(
            access_token=data["access_token"],
            token_type=data.get("token_type") or "bearer",
            refresh_token=data.get("refresh_token"),
            expires_at=data.get("expires_at"),
            scopes=tuple(data.get("scopes") or ()),
            method=data.get("method") or "",
        )


@dataclass(frozen=True)
class Session:
    """A successful login: which site and backend, the token, and who logged in."""

    site: str  # the site's key (config path or site URL)
    backend: str  # "github", "gitlab", "bitbucket", "gitea", "git-gateway", ...
    token: Token
    user: str = ""  # login or email, for "last user" and the status bar
    host: str = ""  # for git-gateway: the Git host behind the gateway ("github", "gitlab", "bitbucket")
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def with_token(self, token: Token) -> Session:
        """The same session with a new token (after refresh or re-login)."""
        return replace(self, token=token)
