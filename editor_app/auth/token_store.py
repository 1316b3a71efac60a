"""TokenStore: tokens in the OS keyring, keyed by site and backend; a session-only fallback without one."""

from __future__ import annotations

import logging

import keyring
import keyring.errors

from editor_app.auth.tokens import Token

SERVICE = "editor-app"
log = logging.getLogger(__name__)


def _key(site: str, backend: str) -> str:
    return f"{backend}@{site}"


class TokenStore:
    """Saves, loads and forgets tokens. Tokens never go to files, logs or error messages.

    When no keyring is usable (`NoKeyringError`, the fail backend, a locked or refused keyring),
    tokens are kept in memory for this session only and `keyring_problem` says why, for the UI.
    """

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._session_only: dict[str, Token] = {}
        self.keyring_problem: str | None = None

    @property
    def persistent(self) -> bool:
        """False once the keyring failed: tokens then last only until the app quits."""
        return self.keyring_problem is None

    def _fail(self, exc: Exception) -> None:
        # The exception text of keyring backends never contains the secret; keep only its kind and message.
        detail = str(exc).splitlines()[0] if str(exc) else "unavailable"
        log.info("keyring unavailable: %s: %s", type(exc).__name__, detail)
        self.keyring_problem = (
            f"No usable system keyring on this computer ({type(exc).__name__}), so your login cannot be saved: it is "
            "kept for this session only and you will be asked again next time. To stay logged in, install or unlock "
            "a keyring (GNOME Keyring or KWallet on Linux)."
        )

    def save(self, site: str, backend: str, token: Token) -> bool:
        """Store `token`; True when it went to the keyring, False when it is kept for this session only."""
        key = _key(site, backend)
        if self.persistent:
            try:
                keyring.set_password(self.service, key, token.to_json())
                self._session_only.pop(key, None)
                return True
            except keyring.errors.KeyringError as exc:
                self._fail(exc)
        self._session_only[key] = token
        return False

    def load(self, site: str, backend: str) -> Token | None:
        """The stored token, or None."""
        key = _key(site, backend)
        if key in self._session_only:
            return self._session_only[key]
        if not self.persistent:
            return None
        try:
            text = keyring.get_password(self.service, key)
        except keyring.errors.KeyringError as exc:
            self._fail(exc)
            return None
        if not text:
            return None
        try:
            return Token.from_json(text)
        except ValueError:
            return None  # an entry written by something else; treat as no login

    def forget(self, site: str, backend: str) -> None:
        """Sign out: remove the token from the keyring and from memory."""
        key = _key(site, backend)
        self._session_only.pop(key, None)
        if not self.persistent:
            return
        try:
            keyring.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: already signed out
        except keyring.errors.KeyringError as exc:
            self._fail(exc)
