"""SessionGuard: run an operation; when the login expired mid-way, log in again and re-run the same operation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from editor_app.auth.tokens import Session
from editor_app.errors import AuthError

T = TypeVar("T")


class SessionGuard(Generic[T]):
    """Holds the current session and retries operations that failed with AuthError(expired=True).

    `refresh` (optional) renews a session silently (refresh token, GoTrue refresh); `relogin` asks the user
    (embedded browser) and returns a new session or raises (e.g. LoginError(cancelled=True)).
    `on_change` is told every new session (to update the backend's credentials and the token store).
    """

    def __init__(
        self,
        session: Session,
        *,
        relogin: Callable[[Session], Session],
        refresh: Callable[[Session], Session] | None = None,
        on_change: Callable[[Session], None] | None = None,
        attempts: int = 2,
    ) -> None:
        self.session = session
        self.relogin = relogin
        self.refresh = refresh
        self.on_change = on_change
        self.attempts = attempts
        self._lock = threading.Lock()

    def _renew(self, stale: Session) -> Session:
        with self._lock:
            if self.session is not stale:  # another operation renewed it meanwhile
                return self.session
            new: Session | None = None
            if self.refresh is not None and stale.token.refresh_token:
                try:
                    new = self.refresh(stale)
                except AuthError:
                    new = None  # the refresh token is dead too: ask the user
            if new is None:
                new = self.relogin(stale)
            self.session = new
            if self.on_change is not None:
                self.on_change(new)
            return new

    def run(self, operation: Callable[[Session], T]) -> T:
        """`operation(session)`; on an expired login renew the session and run the same operation again."""
        session = self.session
        for attempt in range(self.attempts + 1):
            try:
                return operation(session)
            except AuthError as exc:
                if not exc.expired or attempt == self.attempts:
                    raise
                session = self._renew(session)
        raise AssertionError("unreachable")
