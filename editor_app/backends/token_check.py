"""Checking a pasted personal access token with the site's own adapter: the same `current_user()` (plus
`check_token()`'s scope checks) that opening the site runs, so a token that passes here opens the site.

Lives in `backends/` because it builds an adapter from the registry; the login (in `auth/`, below this
layer) receives it as `LoginService(check_token=check_personal_token)` from the app's wiring.
"""

from __future__ import annotations

from editor_app.auth.personal_tokens import TokenCheck
from editor_app.auth.target import LoginTarget
from editor_app.backends import BACKENDS
from editor_app.backends.base import BackendSettings, Credentials, Transport
from editor_app.errors import AuthError
from editor_app.hosts import TOKEN, display_name, host_spec


def check_personal_token(target: LoginTarget, secret: str, *, transport: Transport | None = None) -> TokenCheck:
    """Who `secret` belongs to on `target`'s host and its scopes; AuthError saying exactly what is wrong."""
    secret = secret.strip()
    if not secret:
        raise AuthError("paste a personal access token first")
    if TOKEN not in host_spec(target.backend).login_methods or target.backend not in BACKENDS:
        raise AuthError(f"backend {target.backend!r} does not log in with a personal access token")
    settings = BackendSettings(name=target.backend, repo=target.repo, api_root=target.api_root,
                               base_url=target.base_url)
    backend = BACKENDS[target.backend].connect(settings, Credentials(secret), transport=transport)
    try:
        user = backend.check_token()
    except AuthError as error:
        if error.expired:  # the host answered 401: the token itself is refused
            raise AuthError(f"the token was refused by {display_name(target.backend)}: it is wrong, expired or "
                            "revoked") from None
        raise
    finally:
        backend.close()
    return TokenCheck(user.login, user.scopes)
