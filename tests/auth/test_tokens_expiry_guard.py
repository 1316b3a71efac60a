"""Token store over the keyring (and without one), expiry warnings with a fake clock, and save-after-401 resume."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest

from editor_app.auth.expiry import ExpiryWatcher
from editor_app.auth.oauth import LoginError, refresh_oauth_token
from editor_app.auth.session_guard import SessionGuard
from editor_app.auth.target import LoginTarget
from editor_app.auth.token_store import SERVICE, TokenStore
from editor_app.auth.tokens import Session, Token
from editor_app.errors import AuthError


# -- token store ---------------------------------------------------------------------------------------
def test_tokens_are_saved_in_the_keyring_by_site_and_backend(memory_keyring, app_home):
    store = TokenStore()
    token = Token(access_token="tok-1", refresh_token="rt-1", expires_at=123.0, method="pkce")
    assert store.save("https://site.org", "gitlab", token) is True
    assert store.load("https://site.org", "gitlab") == token
    assert store.load("https://site.org", "github") is None
    assert store.load("https://other.org", "gitlab") is None
    assert list(memory_keyring.passwords) == [(SERVICE, "gitlab@https://site.org")]
    # and nowhere on disk
    assert not app_home.exists() or all(b"tok-1" not in p.read_bytes() for p in app_home.rglob("*") if p.is_file())


def test_sign_out_forgets_the_token(memory_keyring):
    store = TokenStore()
    store.save("s", "github", Token(access_token="tok"))
    store.forget("s", "github")
    assert store.load("s", "github") is None and memory_keyring.passwords == {}
    store.forget("s", "github")  # signing out twice is fine


def test_without_a_keyring_tokens_last_for_the_session_only():
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the memory_keyring fixture restores it
    store = TokenStore()
    token = Token(access_token="tok-secret")
    assert store.save("s", "github", token) is False
    assert not store.persistent
    assert "session only" in (store.keyring_problem or "") and "tok-secret" not in (store.keyring_problem or "")
    assert store.load("s", "github") == token
    assert TokenStore().load("s", "github") is None  # a new session (app start) has nothing
    store.forget("s", "github")
    assert store.load("s", "github") is None


def test_a_foreign_keyring_entry_is_no_login(memory_keyring):
    memory_keyring.passwords[(SERVICE, "github@s")] = "not json"
    assert TokenStore().load("s", "github") is None


# -- expiry warnings -----------------------------------------------------------------------------------
def test_bitbucket_hour_token_warns_at_ten_and_two_minutes_then_expired():
    now = [0.0]
    watcher = ExpiryWatcher(clock=lambda: now[0])
    watcher.watch(Token(access_token="t", expires_at=3600.0, method="implicit"))
    assert watcher.check() is None
    assert watcher.next_check_in() == 3000.0
    now[0] = 3000.0
    first = watcher.check()
    assert first is not None and first.threshold == 600 and "10 minutes" in first.text
    assert watcher.check() is None  # once only
    now[0] = 3480.0
    second = watcher.check()
    assert second is not None and second.threshold == 120 and "2 minutes" in second.text
    now[0] = 3600.0
    expired = watcher.check()
    assert expired is not None and expired.expired and "has expired" in expired.text
    assert watcher.check() is None and watcher.next_check_in() is None


def test_waking_up_late_gives_one_warning_not_three():
    now = [3590.0]
    watcher = ExpiryWatcher(clock=lambda: now[0])
    watcher.watch(Token(access_token="t", expires_at=3600.0))
    warning = watcher.check()
    assert warning is not None and warning.threshold == 120
    assert watcher.check() is None


def test_a_new_login_restarts_the_warnings_and_tokens_without_expiry_never_warn():
    now = [3000.0]
    watcher = ExpiryWatcher(clock=lambda: now[0])
    watcher.watch(Token(access_token="t", expires_at=3600.0))
    assert watcher.check() is not None
    watcher.watch(Token(access_token="t2", expires_at=7200.0))
    assert watcher.check() is None
    watcher.watch(Token(access_token="pat"))
    now[0] = 1e12
    assert watcher.check() is None and watcher.next_check_in() is None


# -- retry after re-login ------------------------------------------------------------------------------
class FakeHost:
    """A host that accepts one token; saving with any other raises AuthError(expired)."""

    def __init__(self) -> None:
        self.valid = "old"
        self.commits: list[tuple[str, str]] = []

    def commit(self, session: Session, message: str) -> str:
        if session.token.access_token != self.valid:
            raise AuthError("401: token expired", expired=True)
        self.commits.append((session.token.access_token, message))
        return f"commit-{len(self.commits)}"


def session(access: str, refresh: str | None = None) -> Session:
    return Session(site="s", backend="bitbucket", token=Token(access_token=access, refresh_token=refresh))


def test_save_after_401_asks_for_a_new_login_then_finishes_the_same_commit():
    host = FakeHost()
    asked: list[Session] = []
    changed: list[Session] = []

    def relogin(stale: Session) -> Session:
        asked.append(stale)
        host.valid = "new"  # the user logged in again in the embedded browser
        return session("new")

    guard = SessionGuard(session("old"), relogin=relogin, on_change=changed.append)
    host.valid = "rotated"  # the old token expired mid-edit
    assert guard.run(lambda s: host.commit(s, "Update post")) == "commit-1"
    assert host.commits == [("new", "Update post")]
    assert [s.token.access_token for s in asked] == ["old"]
    assert changed == [guard.session] and guard.session.token.access_token == "new"


def test_refresh_is_tried_before_asking_the_user(server, client):
    target = LoginTarget(
        backend="gitlab", auth_type="pkce", base_url=server.base_url, app_id=server.client_id, site_url=server.base_url
    )
    first = server._issue("pkce")
    token = Token.from_response(first, method="pkce")
    server.revoked.add(token.access_token)  # expired on the server

    def protected(s: Session) -> int:
        response = client.get(
            f"{server.base_url}/api/v4/projects/ok", headers={"Authorization": f"Bearer {s.token.access_token}"}
        )
        if response.status_code == 401 and response.json().get("error") == "invalid_token":
            raise AuthError("invalid_token", expired=True)
        return response.status_code

    def relogin(stale: Session) -> Session:
        raise AssertionError("the refresh token should have been enough")

    guard = SessionGuard(
        Session(site="s", backend="gitlab", token=token),
        relogin=relogin,
        refresh=lambda s: s.with_token(refresh_oauth_token(target, s.token, client)),
    )
    assert guard.run(protected) == 200
    assert guard.session.token.access_token == server.issued[-1]


def test_a_cancelled_relogin_leaves_the_error_to_the_caller():
    host = FakeHost()
    host.valid = "never"

    def relogin(stale: Session) -> Session:
        raise LoginError("login window closed", cancelled=True)

    guard = SessionGuard(session("old"), relogin=relogin)
    with pytest.raises(LoginError) as info:
        guard.run(lambda s: host.commit(s, "msg"))
    assert info.value.cancelled and host.commits == []


def test_errors_other_than_expiry_are_not_retried():
    calls = []

    def operation(s: Session) -> None:
        calls.append(s)
        raise AuthError("no push permission")

    guard = SessionGuard(session("old"), relogin=lambda s: pytest.fail("must not ask to log in"))
    with pytest.raises(AuthError, match="no push permission"):
        guard.run(operation)
    assert len(calls) == 1


def test_a_host_that_keeps_refusing_gives_up_after_the_allowed_attempts():
    host = FakeHost()
    host.valid = "never"
    logins = []
    guard = SessionGuard(session("old"), relogin=lambda s: logins.append(s) or session(f"new{len(logins)}"), attempts=2)
    with pytest.raises(AuthError, match="expired"):
        guard.run(lambda s: host.commit(s, "m"))
    assert len(logins) == 2
