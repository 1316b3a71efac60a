"""HostSession: a Git-host site's login while the site is open — the session, adapters built from it
(through the one `Backend.connect` signature), silent token renewal for them, and re-login.

Qt-free; it lives in `ui/` because it joins the login (`auth`) to the adapters (`backends`) and the open
workspace, which only the layers above both may do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from editor_app.auth.service import LoginService
from editor_app.auth.target import LoginTarget
from editor_app.auth.tokens import Session
from editor_app.backends.base import Backend, BackendSettings, Credentials, OnWait, Transport
from editor_app.errors import AuthError


class OpenSite(Protocol):
    """What a re-login changes in the open site: its adapter (the Workspace has one)."""

    backend: Backend


class HostSession:
    """A Git-host site's login while the site is open: the session, adapters built from it, and re-login."""

    def __init__(
        self,
        target: LoginTarget,
        settings: BackendSettings,
        backend_class: type[Backend],
        session: Session,
        service: LoginService,
        *,
        transport: Transport | None = None,
        on_wait: OnWait | None = None,
        read_cache: Path | None = None,
    ) -> None:
        """`read_cache`: the app's folder for the Git object stores of sites read over Git (adapters that can)."""
        self.on_renewed: Callable[[Session], None] | None = None  # told the new Session after a silent refresh
        self.target = target
        self.settings = settings
        self.backend_class = backend_class
        self.session = session
        self.service = service
        self.transport = transport
        self.on_wait = on_wait
        self.read_cache = read_cache
        self._refresh_lock = threading.Lock()

    def credentials(self) -> Credentials:
        """The session's token as the adapters take it."""
        token = self.session.token
        return Credentials(
            token=token.access_token, refresh_token=token.refresh_token, expires_at=token.expires_at,
            token_type=token.token_type,
        )

    def connect(self) -> Backend:
        """A new adapter logged in with the current session (renewing tokens through the LoginService)."""
        return self.backend_class.connect(self.settings, self.credentials(), transport=self.transport,
                                          refresh=self._refresh, on_wait=self._waiting,
                                          read_cache=self.read_cache)

    def _waiting(self, resume_at: float, reason: str) -> None:
        # Called by the adapter's worker thread while the host makes it wait (rate limits); `on_wait` may be
        # set after the adapter was built (the window exists only once the site is open).
        if self.on_wait is not None:
            self.on_wait(resume_at, reason)

    def refresh_now(self) -> Session:
        """Renew the login with its refresh token now (worker thread); the adapters pick the new token up."""
        self._refresh(None)
        return self.session

    def _refresh(self, stale: Credentials | None) -> Credentials:
        """Renewed credentials for an adapter that was refused `stale` (None: renew now)."""
        # One renewal at a time: refresh tokens are often single-use (GoTrue's are), so a second thread that
        # saw the old token gets the renewed one instead of spending the old refresh token again.
        with self._refresh_lock:
            current = self.session.token
            if stale is not None and current.access_token != stale.token \
                    and not current.expires_within(60.0, self.service.clock()):
                return self.credentials()  # renewed meanwhile (the window renews refreshable logins before they lapse)
            try:
                self.session = self.service.refresh(self.target, self.session)
            except (AuthError, ValueError) as error:
                if isinstance(error, AuthError) and error.expired:
                    raise
                # A refused refresh (revoked grant, provider error) means the same to the user: log in again.
                raise AuthError(f"{self.target.backend}: renewing the login failed ({error}); log in again",
                                expired=True) from error
            session = self.session
        if self.on_renewed is not None:
            self.on_renewed(session)
        return self.credentials()

    def renew(self, session: Session, workspace: OpenSite) -> None:
        """After a re-login: keep the token, and give the open workspace an adapter that uses it."""
        self.service.remember(self.target, session)
        self.session = session
        stale, workspace.backend = workspace.backend, self.connect()
        stale.close()  # its token is dead: nothing useful can still run on it
