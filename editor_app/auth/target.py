"""LoginTarget: what to log in to and how, with Decap's defaults per backend and auth type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

NETLIFY_BASE_URL = "https://api.netlify.com"

# backend -> (base_url, auth_endpoint, token_endpoint, scope) for implicit / PKCE (Decap's auth pages).
OAUTH_DEFAULTS: dict[str, tuple[str, str, str, str]] = {
    "gitlab": ("https://gitlab.com", "oauth/authorize", "oauth/token", "api"),
    "bitbucket": ("https://bitbucket.org", "site/oauth2/authorize", "site/oauth2/access_token", "repository:write"),
    "gitea": ("https://try.gitea.io", "login/oauth/authorize", "login/oauth/access_token", "repository"),
    "git-gateway": ("", "oauth2/authorize", "oauth2/token", "openid email"),
    # Cognito's hosted UI at base_url (Decap's aws-cognito-github-proxy PKCE page).
    "aws-cognito-github-proxy": ("", "oauth2/authorize", "oauth2/token", "https://api.github.com/repo openid email"),
}
PKCE_ONLY_BACKENDS = ("gitea", "aws-cognito-github-proxy")  # Decap offers these no other login
IMPLICIT_ONLY_BACKENDS = ("azure",)  # Decap's Azure page: implicit grant at Microsoft's authorize endpoint
# Decap's Azure login: `https://login.microsoftonline.com/<tenant_id>/oauth2/authorize` for the Azure DevOps
# resource (its well-known application id) with these scopes, asking which account to use.
AZURE_LOGIN_BASE = "https://login.microsoftonline.com"
AZURE_DEVOPS_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"
AZURE_SCOPE = "vso.code_full,user.read"
# Token endpoints that take a form body (Cognito refuses JSON); the others get Decap's JSON.
FORM_TOKEN_BACKENDS = ("git-gateway", "aws-cognito-github-proxy")
NO_LOGIN_BACKENDS = ("test-repo", "proxy", "local")  # sandbox, decap-server, a working copy: nothing to log in to
POPUP_SCOPES = {"github": "repo", "gitlab": "api", "bitbucket": "repo"}
# Where each host lets a user create a personal access token, and the scopes the app needs.
PAT_PAGES = {
    "github": ("https://github.com/settings/tokens/new?scopes=repo&description=Content%20editor", "repo"),
    "gitlab": ("{base}/-/user_settings/personal_access_tokens?scopes=api&name=Content+editor", "api"),
    "bitbucket": ("https://bitbucket.org/account/settings/app-passwords/new", "repository:write, pullrequest:write"),
    "gitea": ("{base}/user/settings/applications", "write:repository, read:user"),
}
DEFAULT_API_ROOTS = {
    "github": "https://api.github.com",
    "gitlab": "https://gitlab.com/api/v4",
    "bitbucket": "https://api.bitbucket.org/2.0",
    "gitea": "https://try.gitea.io/api/v1",
    "azure": "https://dev.azure.com",
}


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
        if self.backend in NO_LOGIN_BACKENDS:
            return "none"
        if self.backend in IMPLICIT_ONLY_BACKENDS:
            return "implicit"
        if self.auth_type in ("implicit", "pkce"):
            return self.auth_type
        if self.backend in PKCE_ONLY_BACKENDS:
            return "pkce"  # Decap's Gitea and Cognito backends only speak PKCE
        if self.backend == "git-gateway":
            return "gotrue"
        return "popup"

    @property
    def token_content_type(self) -> str:
        """How the PKCE token endpoint wants its body: a form (git-gateway, Cognito) or Decap's JSON."""
        if self.backend in FORM_TOKEN_BACKENDS:
            return "application/x-www-form-urlencoded"
        return "application/json"

    @property
    def site_id(self) -> str:
        """site_domain, else the host of site_url (Decap's `site_id`)."""
        return self.site_domain or _host_of(self.site_url)

    @property
    def popup_base_url(self) -> str:
        """base_url for the Netlify-style popup flow (trailing slash trimmed)."""
        return (self.base_url or NETLIFY_BASE_URL).rstrip("/")

    @property
    def popup_scope(self) -> str:
        """The scope requested through the popup protocol."""
        if self.backend == "github":
            if self.scope:
                return self.scope
            return "public_repo" if self.open_authoring else "repo"
        return self.scope or POPUP_SCOPES.get(self.backend, "repo")

    def oauth_endpoints(self) -> tuple[str, str, str]:
        """(authorize URL, token URL, scope) for implicit/PKCE, from config or Decap's defaults."""
        if self.backend == "azure":
            return self.azure_endpoints()
        base, auth_ep, token_ep, scope = OAUTH_DEFAULTS.get(self.backend, ("", "oauth/authorize", "oauth/token", ""))
        if self.backend == "git-gateway" and not base:
            base = self.identity
        base = (self.base_url or base).rstrip("/")
        if not base:
            raise ValueError(f"backend {self.backend!r}: base_url is required for {self.method} login")
        auth = f"{base}/{(self.auth_endpoint or auth_ep).lstrip('/')}"
        token = f"{base}/{(self.auth_token_endpoint or token_ep).lstrip('/')}"
        return auth, token, self.scope or scope

    def azure_endpoints(self) -> tuple[str, str, str]:
        """Azure's implicit grant: `<base>/<tenant_id>/oauth2/authorize` (no token endpoint), Decap's scope."""
        if not self.tenant_id:
            raise ValueError("backend 'azure': tenant_id is required to log in (the Microsoft Entra tenant of the app)")
        base = f"{(self.base_url or AZURE_LOGIN_BASE).rstrip('/')}/{self.tenant_id}"
        auth = f"{base}/{(self.auth_endpoint or 'oauth2/authorize').lstrip('/')}"
        return auth, "", self.scope or AZURE_SCOPE

    def authorize_extras(self) -> dict[str, str]:
        """Query parameters a host's authorize page needs beyond the standard ones (Azure: resource, prompt)."""
        if self.backend == "azure":
            return {"resource": AZURE_DEVOPS_RESOURCE, "prompt": "select_account"}
        return {}

    @property
    def identity(self) -> str:
        """GoTrue's URL: identity_url, else `<site_url>/.netlify/identity`."""
        if self.identity_url:
            return self.identity_url.rstrip("/")
        if not self.site_url:
            raise ValueError("git-gateway: identity_url or site_url is required to log in")
        return f"{self.site_url.rstrip('/')}/.netlify/identity"

    @property
    def gateway(self) -> str:
        """The Git Gateway URL: gateway_url (a path is on the site), else `<site_url>/.netlify/git`."""
        if self.gateway_url and not (self.gateway_url.startswith("/") and self.site_url):
            return self.gateway_url.rstrip("/")
        if self.gateway_url and self.site_url:
            return self.site_url.rstrip("/") + self.gateway_url.rstrip("/")
        if not self.site_url:
            raise ValueError("git-gateway: gateway_url or site_url is required")
        return f"{self.site_url.rstrip('/')}/.netlify/git"

    @property
    def api(self) -> str:
        """The host's REST API root (api_root, else the public host's default)."""
        if self.api_root:
            return self.api_root.rstrip("/")
        if self.backend == "gitea" and self.base_url:
            return f"{self.base_url.rstrip('/')}/api/v1"
        return DEFAULT_API_ROOTS.get(self.backend, "")

    def token_page(self) -> tuple[str, str]:
        """(URL where the host creates a personal access token, scopes it needs)."""
        page, scopes = PAT_PAGES.get(self.backend, ("", ""))
        api = self.api
        base = api.rsplit("/api/", 1)[0] if "/api/" in api else (self.base_url or "").rstrip("/")
        return page.replace("{base}", base or "https://gitlab.com"), scopes


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
