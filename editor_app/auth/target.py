"""LoginTarget: what to log in to and how, with Decap's defaults per backend and auth type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from editor_app.hosts import (
    NETLIFY_BASE_URL,
    NONE,
    InsecureUrlError,
    api_root_for,
    host_spec,
    require_secure_url,
    web_root_for,
)

# How each host logs in, its endpoints, scopes and default roots: `editor_app.hosts` (one table for all layers).


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or "" if url else ""


@dataclass(frozen=True)
class LoginTarget:
    """Everything a login needs from the site's config: backend, repository and the auth settings."""

    backend: str
    site: str = ""  # the key tokens are stored under (site URL or config path)
    repo: str = ""
    base_url: str | None = None
    auth_endpoint: str | None = None
    auth_token_endpoint: str | None = None
    auth_type: str = ""  # "", "implicit", "pkce"
    app_id: str = ""
    api_root: str | None = None
    site_domain: str = ""
    site_url: str = ""
    identity_url: str = ""
    gateway_url: str = ""
    scope: str = ""  # auth_scope from the config
    open_authoring: bool = False
    device_client_id: str = ""  # GitHub OAuth app client id for the device flow (settings or config)
    branch: str = "main"
    redirect_uri: str = ""  # the OAuth app's redirect URI; default `<site_url>/admin/` like Decap's page
    tenant_id: str = ""  # Azure: the Microsoft Entra tenant whose authorize endpoint logs in

    @property
    def oauth_redirect_uri(self) -> str:
        """Where the provider sends the browser back to; intercepted, never loaded."""
        if self.redirect_uri:
            return self.redirect_uri
        if not self.site_url:
            raise ValueError(
                f"backend {self.backend!r}: site_url or a redirect URI is required for {self.method} login"
            )
        return f"{self.site_url.rstrip('/')}/admin/"

    @property
    def method(self) -> str:
        """The auth method the config implies: "popup", "implicit", "pkce", "gotrue" or "none"."""
        spec = host_spec(self.backend)
        if spec.default_method != NONE and self.auth_type in spec.config_auth_types:
            return self.auth_type
        return spec.default_method

    @property
    def token_content_type(self) -> str:
        """How the PKCE token endpoint wants its body: a form (git-gateway, Cognito) or Decap's JSON."""
        oauth = host_spec(self.backend).oauth
        if oauth is not None and oauth.form_token_body:
            return "application/x-www-form-urlencoded"
        return "application/json"

    @property
    def site_id(self) -> str:
        """site_domain, else the host of site_url (Decap's `site_id`)."""
        return self.site_domain or _host_of(self.site_url)

    @property
    def popup_base_url(self) -> str:
        """base_url for the Netlify-style popup flow (trailing slash trimmed); only https or loopback."""
        return require_secure_url((self.base_url or NETLIFY_BASE_URL).rstrip("/"), "backend.base_url")

    @property
    def popup_scope(self) -> str:
        """The scope requested through the popup protocol."""
        if self.backend == "github":
            if self.scope:
                return self.scope
            return "public_repo" if self.open_authoring else "repo"
        return self.scope or host_spec(self.backend).popup_scope or "repo"

    def oauth_endpoints(self) -> tuple[str, str, str]:
        """(authorize URL, token URL, scope) for implicit/PKCE, from config or Decap's defaults.

        Only https (or loopback http) endpoints: the code exchange and the token travel through them.
        """
        if self.backend == "azure":
            return self.azure_endpoints()
        oauth = host_spec(self.backend).oauth
        base = oauth.base_url if oauth is not None else ""
        auth_ep = oauth.authorize_path if oauth is not None else "oauth/authorize"
        token_ep = oauth.token_path if oauth is not None else "oauth/token"
        if self.backend == "git-gateway" and not base:
            base = self.identity
        base = (self.base_url or base).rstrip("/")
        if not base:
            raise ValueError(f"backend {self.backend!r}: base_url is required for {self.method} login")
        auth = require_secure_url(f"{base}/{(self.auth_endpoint or auth_ep).lstrip('/')}",
                                  "the login's authorize endpoint")
        token = require_secure_url(f"{base}/{(self.auth_token_endpoint or token_ep).lstrip('/')}",
                                   "the login's token endpoint")
        return auth, token, self.scope or (oauth.scope if oauth is not None else "")

    def azure_endpoints(self) -> tuple[str, str, str]:
        """Azure's implicit grant: `<base>/<tenant_id>/oauth2/authorize` (no token endpoint), Decap's scope."""
        if not self.tenant_id:
            raise ValueError("backend 'azure': tenant_id is required to log in (the Microsoft Entra tenant of the app)")
        oauth = host_spec("azure").oauth
        assert oauth is not None
        base = f"{(self.base_url or oauth.base_url).rstrip('/')}/{self.tenant_id}"
        auth = require_secure_url(f"{base}/{(self.auth_endpoint or oauth.authorize_path).lstrip('/')}",
                                  "the login's authorize endpoint")
        return auth, "", self.scope or oauth.scope

    def authorize_extras(self) -> dict[str, str]:
        """Query parameters a host's authorize page needs beyond the standard ones (Azure: resource, prompt)."""
        oauth = host_spec(self.backend).oauth
        return dict(oauth.authorize_extras) if oauth is not None else {}

    @property
    def identity(self) -> str:
        """GoTrue's URL: identity_url, else `<site_url>/.netlify/identity`; only https or loopback."""
        if self.identity_url:
            return require_secure_url(self.identity_url.rstrip("/"), "backend.identity_url")
        if not self.site_url:
            raise ValueError("git-gateway: identity_url or site_url is required to log in")
        return require_secure_url(f"{self.site_url.rstrip('/')}/.netlify/identity", "the Identity URL (site_url)")

    @property
    def gateway(self) -> str:
        """The Git Gateway URL: gateway_url (a path is on the site), else `<site_url>/.netlify/git`."""
        if self.gateway_url and not (self.gateway_url.startswith("/") and self.site_url):
            url = self.gateway_url.rstrip("/")
        elif self.gateway_url and self.site_url:
            url = self.site_url.rstrip("/") + self.gateway_url.rstrip("/")
        elif not self.site_url:
            raise ValueError("git-gateway: gateway_url or site_url is required")
        else:
            url = f"{self.site_url.rstrip('/')}/.netlify/git"
        return require_secure_url(url, "the Git Gateway URL")

    @property
    def api(self) -> str:
        """The host's REST API root (the same rule the adapters use: `hosts.api_root_for`); https or loopback."""
        root = api_root_for(self.backend, self.api_root, self.base_url)
        return require_secure_url(root, "backend.api_root") if root else root

    def browser_hosts(self) -> tuple[str, ...]:
        """The hosts the embedded browser may show for this login from the start: the auth server (popup
        `base_url`, OAuth authorize endpoint), the Identity service, and the Git host's web address."""
        candidates: list[str] = []
        method = self.method
        addresses: list[Callable[[], str]] = [lambda: web_root_for(self.backend, self.api)]
        if method == "popup":
            addresses.append(lambda: self.popup_base_url)
        if method in ("implicit", "pkce"):
            addresses.append(lambda: self.oauth_endpoints()[0])
        if self.backend == "git-gateway":
            addresses.append(lambda: self.identity)
        for address in addresses:
            try:
                candidates.append(address())
            except (ValueError, InsecureUrlError):
                continue  # not part of this login (no such setting), or refused when the login starts
        hosts = dict.fromkeys(_host_of(url).lower() for url in candidates)
        return tuple(host for host in hosts if host)

    def check_addresses(self) -> None:
        """Refuse (InsecureUrlError) a config whose API root or gateway is plain http off this computer, before
        a login starts: a token obtained for it would be sent in clear."""
        if self.backend == "git-gateway":
            if self.site_url or self.gateway_url:
                _ = self.gateway
            return
        _ = self.api

    def token_page(self) -> tuple[str, str]:
        """(URL where the host creates a personal access token, scopes it needs)."""
        spec = host_spec(self.backend)
        return spec.token_page.replace("{web}", web_root_for(self.backend, self.api)), spec.token_scopes


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """An option from a mapping, or from a config object's attribute, else from its `raw` mapping."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    value = getattr(obj, name, None)
    if value is None:
        raw = getattr(obj, "raw", None)
        value = raw.get(name) if isinstance(raw, dict) else None
    return default if value is None else value


def target_from_config(config: Any, *, site: str = "", device_client_id: str = "") -> LoginTarget:
    """A LoginTarget from a `config.site_config.SiteConfig` (or the raw config mapping: `backend:` + top level).

    `site` is the key tokens are stored under (default: site_url, else display_url); `device_client_id`
    the GitHub OAuth app for the device flow from the app's settings (the config's backend may name one too).
    """
    backend = _get(config, "backend")
    if backend is None:
        raise ValueError("the site config has no backend section")
    name = _get(backend, "name") or ""
    if not name:
        raise ValueError("backend.name is missing in the site config")

    def text(key: str, *sources: Any) -> str:
        for source in sources:
            value = _get(source, key)
            if value not in (None, ""):
                return str(value)
        return ""

    return LoginTarget(
        backend=str(name),
        site=site or text("site_url", config) or text("display_url", config),
        repo=text("repo", backend),
        base_url=text("base_url", backend) or None,
        auth_endpoint=text("auth_endpoint", backend) or None,
        auth_token_endpoint=text("auth_token_endpoint", backend) or None,
        auth_type=text("auth_type", backend),
        app_id=text("app_id", backend),
        api_root=text("api_root", backend) or None,
        site_domain=text("site_domain", backend) or text("site_id", config),
        site_url=text("site_url", config) or text("display_url", config),
        identity_url=text("identity_url", backend),
        gateway_url=text("gateway_url", backend),
        scope=text("auth_scope", backend) or text("auth_scope", config),
        open_authoring=bool(_get(backend, "open_authoring", False)),
        device_client_id=device_client_id or text("device_client_id", backend),
        branch=text("branch", backend) or "main",
        redirect_uri=text("redirect_uri", backend),
        tenant_id=text("tenant_id", backend),
    )


@dataclass(frozen=True)
class LoginProblem:
    """Something in the config's login settings that stops the login, and how the site owner fixes it.

    `asks_site_domain`: the login dialog can supply the missing value itself (Decap reads it from the
    page's address, which a desktop app does not have).
    """

    what: str
    fix: str
    asks_site_domain: bool = False


def login_problems(target: LoginTarget) -> list[LoginProblem]:
    """What would stop the login the config implies, found before anything is sent (the dialog shows it)."""
    method = target.method
    host = host_spec(target.backend).display_name
    problems: list[LoginProblem] = []
    if method == "popup":
        try:
            base = target.popup_base_url
        except ValueError as exc:
            problems.append(LoginProblem(str(exc), "Use an https:// address for backend.base_url in config.yml."))
            base = ""
        if base == NETLIFY_BASE_URL and not target.site_id:
            problems.append(LoginProblem(
                "Netlify's login server needs the domain the site is published at (Decap reads it from the "
                "address of its admin page).",
                "Enter the site's domain below; it is remembered for this site. (Or set backend.site_domain "
                "or site_url in config.yml.)", asks_site_domain=True))
    elif method in ("implicit", "pkce"):
        if not target.app_id:
            problems.append(LoginProblem(
                f"{host} login ({method}) needs the ID of the OAuth application registered for the site.",
                f"Add backend.app_id to config.yml: the application ID shown on {host} for the site's app."))
        try:
            target.oauth_endpoints()
            target.oauth_redirect_uri  # noqa: B018 - the property checks that there is one
        except ValueError as exc:
            problems.append(LoginProblem(str(exc), "Add the missing setting to config.yml (see the message)."))
    elif method == "gotrue":
        try:
            target.identity  # noqa: B018 - the property checks that there is one
        except ValueError as exc:
            problems.append(LoginProblem(
                str(exc), "Add site_url (or backend.identity_url) to config.yml: the address of the Netlify site."))
    return problems
