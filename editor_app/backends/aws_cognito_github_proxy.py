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

import threading
import time
from collections.abc import Callable, Collection
from typing import Any

import httpx

from editor_app.backends.base import BackendSettings, Credentials, User
from editor_app.backends.github import GitHubBackend
from editor_app.backends.http import OnWait, Requester, RetryPolicy, make_client
from editor_app.errors import AuthError, ContentError

USER_INFO_PATH = "oauth2/userInfo"
Refresh = Callable[[Credentials], Credentials]


class _RenewingRequester(Requester):
    """A Requester that, on a 401, has the adapter renew the Cognito token once and repeats the request.

    Cognito access tokens last an hour; the app's `refresh` callback trades the refresh token for a new
    one (PKCE refresh at the Cognito domain) without the user noticing.
    """

    def __init__(self, client: httpx.Client, *, renew: Callable[[int], bool], generation: Callable[[], int],
                 **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self._renew = renew
        self._generation = generation

    def request(self, method: str, url: str, *, allow: Collection[int] = (), **kwargs: Any) -> httpx.Response:
        """`Requester.request`, plus one token renewal and retry on a 401."""
        if 401 in allow:
            return super().request(method, url, allow=allow, **kwargs)
        generation = self._generation()
        response = super().request(method, url, allow=(*allow, 401), **kwargs)
        if response.status_code != 401:
            return response
        if self._renew(generation):
            response = super().request(method, url, allow=(*allow, 401), **kwargs)
            if response.status_code != 401:
                return response
        raise self.error_for(response, kwargs.get("what") or f"{method} {url}")


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
        credentials: Credentials | None = None,
        refresh: Refresh | None = None,
    ) -> None:
        _require_proxy_settings(settings)
        super().__init__(settings, client, on_wait=on_wait, policy=policy, sleep=sleep, clock=clock)
        self._auth_lock = threading.Lock()
        self._credentials = credentials
        self._refresh = refresh
        self._token_generation = 0
        self.http = _RenewingRequester(
            client, renew=self._renew, generation=lambda: self._token_generation,
            policy=policy, on_wait=on_wait, sleep=sleep, clock=clock, host_label="the GitHub proxy",
        )

    @property
    def credentials(self) -> Credentials | None:
        """The credentials in use (renewed ones after a refresh), for the app to store."""
        return self._credentials

    def _renew(self, generation: int) -> bool:
        """Renew the token once for all threads that saw it refused; False when it cannot be renewed."""
        with self._auth_lock:
            if generation != self._token_generation:
                return True  # another thread renewed it meanwhile
            credentials = self._credentials
            if self._refresh is None or credentials is None or not credentials.refresh_token:
                return False
            renewed = self._refresh(credentials)
            self._credentials = renewed
            self.http.client.headers["Authorization"] = f"Bearer {renewed.token}"
            self._token_generation += 1
            return True

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
            (settings.api_root or "").rstrip("/") + "/",
            token=credentials.token,
            auth_scheme="Bearer",
            transport=transport,
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
        )
        backend = cls(settings, client, credentials=credentials, **kwargs)
        if settings.open_authoring:
            backend.use_fork()
        return backend

    def user_info_url(self) -> str:
        """Cognito's userInfo endpoint under `base_url`."""
        return f"{(self.settings.base_url or '').rstrip('/')}/{USER_INFO_PATH}"

    def current_user(self) -> User:
        """The Cognito user (`GET {base_url}/oauth2/userInfo`).

        A 401 that no renewal cures ends the login (Decap logs out).
        """
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
