"""`aws-cognito-github-proxy`: the GitHub adapter behind a proxy `api_root` that an AWS Cognito login opens.

Decap's `decap-cms-backend-aws-cognito-github-proxy` is GitHub's backend with three changes, and so is
this module (decap-internals.md §2.9):
- the token is a Cognito access token sent as `Authorization: Bearer <token>` to `api_root`, a proxy
  (API Gateway + a function holding the GitHub credentials) that forwards the GitHub REST/GraphQL calls;
- the user is read from Cognito (`GET {base_url}/oauth2/userInfo`), not from GitHub's `/user`;
- there is no write-access check: the proxy's own GitHub credentials decide, and Cognito decides who
  may use the proxy.

Exception to "host adapters never import each other": this is not another Git host but GitHub itself
reached through a proxy, exactly as Decap subclasses its GitHub backend. Everything else (reads, commits,
conflicts, editorial workflow, rate limits) is GitHubBackend's, unchanged; nothing here is copied from it.
The login (PKCE against the Cognito hosted UI at `base_url`) lives in `auth/` (LoginTarget's defaults).
"""

from __future__ import annotations

from typing import Any

import httpx

from editor_app.backends.base import BackendSettings, Credentials, User
from editor_app.backends.github import GitHubBackend
from editor_app.backends.http import make_client
from editor_app.errors import AuthError, ContentError

USER_INFO_PATH = "oauth2/userInfo"


def _require_proxy_settings(settings: BackendSettings) -> None:
    """Neither address has a default: without them the adapter would talk to GitHub or Cognito directly."""
    if not settings.api_root:
        raise ContentError("backend.api_root must name the proxy that forwards to GitHub (aws-cognito-github-proxy)")
    if not settings.base_url:
        raise ContentError("backend.base_url must name the Cognito domain (aws-cognito-github-proxy)")


class AwsCognitoGitHubProxyBackend(GitHubBackend):
    """A GitHub repository reached through a Cognito-protected proxy at `api_root`."""

    name = "aws-cognito-github-proxy"

    def __init__(self, settings: BackendSettings, client: httpx.Client, **kwargs: Any) -> None:
        _require_proxy_settings(settings)
        super().__init__(settings, client, **kwargs)
        self.http.host_label = "the GitHub proxy"

    @classmethod
    def connect(
        cls,
        settings: BackendSettings,
        credentials: Credentials,
        transport: httpx.BaseTransport | None = None,
        **kwargs: Any,
    ) -> AwsCognitoGitHubProxyBackend:
        """An adapter whose client sends the Cognito token as a Bearer token to the proxy."""
        _require_proxy_settings(settings)
        client = make_client(
            (settings.api_root or "").rstrip("/") + "/", token=credentials.token, auth_scheme="Bearer", transport=transport,
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
        )
        backend = cls(settings, client, **kwargs)
        if settings.open_authoring:
            backend.use_fork()
        return backend

    def user_info_url(self) -> str:
        """Cognito's userInfo endpoint under `base_url`."""
        return f"{(self.settings.base_url or '').rstrip('/')}/{USER_INFO_PATH}"

    def current_user(self) -> User:
        """The Cognito user (`GET {base_url}/oauth2/userInfo`); 401 means the login ended (Decap logs out)."""
        response = self.http.request("GET", self.user_info_url(), allow=(401,), what="read the logged-in user from Cognito")
        if response.status_code == 401:
            raise AuthError("Cognito no longer accepts this login (HTTP 401); log in again.", expired=True)
        data = response.json() or {}
        login = str(data.get("username") or data.get("email") or data.get("sub") or "")
        if not login:
            raise AuthError("Cognito's userInfo named no user for this login; log in again.", expired=True)
        self._login = login
        return User(
            login=login,
            name=str(data.get("name") or data.get("email") or login),
            email=str(data.get("email") or ""),
            avatar_url=str(data.get("picture") or ""),
            can_write=True,  # Decap skips the check: the proxy's GitHub credentials decide
        )
