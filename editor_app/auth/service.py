"""LoginService: the Qt-free side of the login dialog. Owns the HTTP client, builds flows, finishes logins
into Sessions (Git Gateway: host and roles), validates personal tokens, and keeps tokens in the TokenStore."""

from __future__ import annotations

import time

import httpx

from editor_app.auth.device_flow import GITHUB_WEB, DeviceFlow
from editor_app.auth.gotrue import ExternalLogin, GoTrue
from editor_app.auth.oauth import ImplicitFlow, LoginError, PkceFlow, refresh_oauth_token
from editor_app.auth.personal_tokens import TokenChecker, personal_token
from editor_app.auth.popup_protocol import PopupLogin, refresh_popup_token
from editor_app.auth.target import LoginTarget
from editor_app.auth.token_store import TokenStore
from editor_app.auth.tokens import Clock, Session, Token, jwt_claims
from editor_app.errors import AuthError

# Refresh this long before expiry, so a save never starts with a token about to lapse.
REFRESH_MARGIN = 120.0


class LoginService:
    """Builds and finishes logins for one app; pass one instance to every login dialog."""

    def __init__(
        self,
        store: TokenStore,
        client: httpx.Client | None = None,
        *,
        clock: Clock = time.time,
        github_web_url: str = GITHUB_WEB,
        check_token: TokenChecker | None = None,
    ) -> None:
        """`check_token` validates pasted personal tokens (the app passes the adapters' check; without one,
        logging in with a personal token is refused with a message)."""
        self.store = store
        self.check_token = check_token
        # Certificates are always verified: httpx does so by default and nothing here turns it off.
        self.client = client or httpx.Client(timeout=httpx.Timeout(20.0), follow_redirects=False)
        self.clock = clock
        self.github_web_url = github_web_url

    # -- flows the embedded browser drives --------------------------------------------------------
    def browser_flow(self, target: LoginTarget) -> PopupLogin | ImplicitFlow | PkceFlow:
        """The flow the site's config implies (popup, implicit or PKCE)."""
        method = target.method
        if method == "implicit":
            return ImplicitFlow(target, clock=self.clock)
        if method == "pkce":
            return PkceFlow(target, self.client, clock=self.clock)
        if method == "popup":
            return PopupLogin(target, clock=self.clock)
        if method == "none":
            raise LoginError(f"backend {target.backend!r} needs no login")
        raise LoginError(f"backend {target.backend!r} logs in with {method}, not in the browser")

    def external_login(self, target: LoginTarget, provider: str) -> ExternalLogin:
        """Git Gateway login through an external provider (GitHub, GitLab, Bitbucket, Google) of GoTrue."""
        return ExternalLogin(target, provider, clock=self.clock)

    def identity_providers(self, target: LoginTarget) -> dict[str, bool]:
        """Git Gateway: the logins the site's Netlify Identity offers (email/password and external providers)."""
        return GoTrue(target, self.client, clock=self.clock).external_providers()

    def device_flow(self, target: LoginTarget) -> DeviceFlow:
        """GitHub's device flow with the client id from settings or config."""
        return DeviceFlow(target.device_client_id, self.client, scope=target.popup_scope,
                          web_url=self.github_web_url, clock=self.clock)

    # -- blocking steps (run them off the GUI thread) ----------------------------------------------
    def password_login(self, target: LoginTarget, email: str, password: str) -> Session:
        """Git Gateway: GoTrue password login, then the gateway's host and roles."""
        token = GoTrue(target, self.client, clock=self.clock).login_password(email, password)
        return self.finish(target, token)

    def personal_token_login(self, target: LoginTarget, secret: str) -> Session:
        """Validate a personal access token with the site's adapter; the session carries the token's user."""
        if self.check_token is None:
            raise AuthError("this login cannot check personal access tokens; log in in the browser instead")
        check = self.check_token(target, secret)
        return Session(site=target.site, backend=target.backend, token=personal_token(secret, check), user=check.user)

    def finish(self, target: LoginTarget, token: Token, user: str = "") -> Session:
        """A Session from a fresh token; for Git Gateway also read the user, the host and check roles."""
        if target.backend != "git-gateway":
            return Session(site=target.site, backend=target.backend, token=token, user=user)
        gotrue = GoTrue(target, self.client, clock=self.clock)
        if token.method == "pkce":
            # An OIDC provider's token (Decap's git-gateway PKCE page): no GoTrue user; the email is a claim.
            claims = jwt_claims(token.access_token) or {}
            settings = gotrue.settings(token)
            return Session(site=target.site, backend=target.backend, token=token,
                           user=str(claims.get("email") or ""), host=settings.host)
        info = gotrue.user(token)
        settings = gotrue.settings(token)
        gotrue.check_roles(info, settings)
        return Session(site=target.site, backend=target.backend, token=token, user=str(info.get("email") or ""),
                       host=settings.host)

    def refresh(self, target: LoginTarget, session: Session) -> Session:
        """Renew a session with its refresh token (GoTrue or OAuth); raises AuthError(expired) when impossible."""
        if not session.token.refresh_token:
            raise AuthError(f"{target.backend}: the login expired and cannot be renewed; log in again", expired=True)
        if target.backend == "git-gateway" and session.token.method == "gotrue":
            token = GoTrue(target, self.client, clock=self.clock).refresh(session.token)
        elif session.token.method == "popup":
            token = refresh_popup_token(target, session.token, self.client, clock=self.clock)
        else:
            token = refresh_oauth_token(target, session.token, self.client, clock=self.clock)
        renewed = session.with_token(token)
        self.store.save(target.site, target.backend, token)
        return renewed

    # -- stored logins -----------------------------------------------------------------------------
    def stored_session(self, target: LoginTarget, user: str = "") -> Session | None:
        """The stored login when it is still usable (refreshed when it is about to expire), else None."""
        token = self.store.load(target.site, target.backend)
        if token is None:
            return None
        try:
            return self.fresh(target, Session(site=target.site, backend=target.backend, token=token, user=user))
        except (AuthError, LoginError):
            return None

    def fresh(self, target: LoginTarget, session: Session) -> Session:
        """`session`, or a renewed one when its token expires within REFRESH_MARGIN (call before each save)."""
        if session.token.expires_within(REFRESH_MARGIN, self.clock()):
            return self.refresh(target, session)
        return session

    def remember(self, target: LoginTarget, session: Session) -> bool:
        """Keep the session's token; False when it lasts for this app session only (no keyring)."""
        return self.store.save(target.site, target.backend, session.token)

    def sign_out(self, target: LoginTarget) -> None:
        """Forget the site's token."""
        self.store.forget(target.site, target.backend)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()
