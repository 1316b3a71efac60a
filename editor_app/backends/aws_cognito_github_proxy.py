"""`aws-cognito-github-proxy`: the GitHub adapter behind a proxy `api_root` that an AWS Cognito login opens.

Decap's `decap-cms-backend-aws-cognito-github-proxy` is GitHub's backend with three changes, and so is
this module (decap-internals.md §2.9):
- the token is a Cognito access token sent as `Authorization: Bearer <token>` to `api_root`, a proxy
  (API Gateway + a function holding the GitHub credentials) that forwards the GitHub REST/GraphQL calls;
- the user is read from Cognito (`GET {base_url}/oauth2/userInfo`), not from GitHub's `/user`;
- there is no write-access check: the proxy's own GitHub credentials decide, and Cognito decides who
  may use the proxy.
A Cognito access token lasts an hour: a 401 renews it once through the app's `refresh` callback (the
refresh token at the Cognito domain) and repeats the request.

Exception to "host adapters never import each other": this is not another Git host but GitHub itself
reached through a proxy, exactly as Decap subclasses its GitHub backend. Everything else (reads, commits,
conflicts, editorial workflow, rate limits) is GitHubBackend's, unchanged; nothing here is copied from it.
The login (PKCE against the Cognito hosted UI at `base_url`) lives in `auth/` (LoginTarget's defaults).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from editor_app.backends.base import Backend, BackendSettings, Credentials, OnWait, OpenedSite, Refresh, User
from editor_app.backends.github import API_HEADERS, GitHubBackend
from editor_app.backends.http import RefreshingAuth, RetryPolicy, make_client, require_credentials, site_api_root
from editor_app.errors import AuthError, ContentError
from editor_app.hosts import require_secure_url

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

    def __init__(
        self,
        settings: BackendSettings,
        client: httpx.Client,
        *,
        on_wait: OnWait | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _require_proxy_settings(settings)
        super().__init__(settings, client, on_wait=on_wait, policy=policy, sleep=sleep, clock=clock)
        self.http.host_label = "the GitHub proxy"
        if isinstance(client.auth, RefreshingAuth):
            client.auth.add_origin(self.user_info_url())  # the Cognito domain answers who is logged in

    @property
    def credentials(self) -> Credentials | None:
        """The credentials in use (renewed ones after a refresh), for the app to store."""
        auth = self.http.client.auth
        return auth.credentials if isinstance(auth, RefreshingAuth) else None

    @classmethod
    def connect(
        cls,
        settings: BackendSettings,
        credentials: Credentials | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        refresh: Refresh | None = None,
        on_wait: OnWait | None = None,
        read_cache: Path | None = None,
        **options: Any,
    ) -> AwsCognitoGitHubProxyBackend:
        """An adapter whose client sends the Cognito token as a Bearer token to the proxy; `refresh` renews it
        on a 401 (Cognito access tokens last an hour). `read_cache` is not used: GitHub's Git endpoint does not
        take the Cognito token, so everything is read through the proxy. `options`: `__init__`'s keyword options."""
        _require_proxy_settings(settings)
        root = site_api_root(cls.name, settings)
        require_secure_url(settings.base_url or "", "backend.base_url (the Cognito domain)")
        auth = RefreshingAuth(require_credentials(credentials, cls.name), origins=[root], refresh=refresh)
        client = make_client(root, transport=transport, auth=auth, headers=API_HEADERS)
        backend = cls(settings, client, on_wait=on_wait, **options)
        if settings.open_authoring:
            backend.use_fork()
        return backend

    def user_info_url(self) -> str:
        """Cognito's userInfo endpoint under `base_url`."""
        return f"{(self.settings.base_url or '').rstrip('/')}/{USER_INFO_PATH}"

    def current_user(self) -> User:
        """The Cognito user (`GET {base_url}/oauth2/userInfo`); a 401 that no renewal cures ends the login
        (Decap logs out)."""
        data = self.http.json("GET", self.user_info_url(), what="read the logged-in user from Cognito") or {}
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

    def open_site(self, remembered: User | None = None) -> OpenedSite:
        """Who is logged in is Cognito's to say, not the proxy's GraphQL (whose viewer is the proxy's own
        account): the user remembered for this token and the head in one request, else the full check."""
        if self.settings.open_authoring:
            return Backend.open_site(self)
        return self._open_by_head(remembered, self._branch)
