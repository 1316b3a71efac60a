"""Personal access tokens: what a check of a pasted token says, and the Token kept for it.

The check itself is the site's adapter (`backends.token_check.check_personal_token`, handed to the
LoginService by the app): the same `current_user()` that opening the site runs, never a second copy of
each host's rules here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from editor_app.auth.target import LoginTarget
from editor_app.auth.tokens import Token


@dataclass(frozen=True)
class TokenCheck:
    """Who the token belongs to and which scopes it carries (when the host says)."""

    user: str
    scopes: tuple[str, ...]


# Checks a pasted token for a site: TokenCheck, or AuthError naming what is wrong or missing.
TokenChecker = Callable[[LoginTarget, str], TokenCheck]


def personal_token(secret: str, check: TokenCheck) -> Token:
    """The Token stored for a validated personal access token (no expiry known)."""
    return Token(access_token=secret.strip(), scopes=check.scopes, method="pat")
