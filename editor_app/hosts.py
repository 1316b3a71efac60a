"""One description per Git host: display name, default API and web roots, login methods, OAuth endpoints,
token scopes; and the one rule for plain-HTTP addresses that every host follows.

Auth (login flows, personal-token pages), the UI (names, which login buttons show) and the adapters
(default API roots) read `HOSTS`; none keeps a copy of these facts.

Decisions:
- Where: a pure-data module low in the layers (below `auth`, above `paths`), not in `backends/` as
  DESIGN.md first put it. `auth/` sits below `backends/` in the import-linter layer contract (app > ui >
  workspace > backends|content > auth > config > hosts > paths > errors) and needs the login endpoints,
  scopes and default roots, so a table in `backends/` could not be read by auth without passing every fact
  in from the app. Here every layer can read it. It imports neither httpx nor Qt: it holds data and the
  URL rule, no behaviour of an adapter (how a token is checked is each adapter's `current_user()`).
- The default API root of each host is written once, here. A self-hosted Gitea named only by `base_url`
  (its OAuth server is the Gitea itself) edits and logs in at `<base_url>/api/v1`, both through
  `api_root_for`; before, the login used one default host and the adapter another.
- Plain HTTP: `require_secure_url` refuses `http://` for API roots, token, auth and gateway endpoints
  except on loopback addresses (127.0.0.0/8, ::1, localhost), because a token sent there travels in clear.
  Adapters apply it when they connect, `LoginTarget` when a login starts.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from editor_app.errors import EditorError

# Login methods (`HostSpec.login_methods`; the first is what a config without `auth_type` uses).
POPUP = "popup"  # Netlify-style popup protocol at base_url/auth_endpoint
IMPLICIT = "implicit"  # OAuth implicit grant in the embedded browser
PKCE = "pkce"  # OAuth authorization code + PKCE in the embedded browser
GOTRUE = "gotrue"  # Netlify Identity (email + password, or its external providers)
DEVICE = "device"  # GitHub's device flow (a desktop extra)
TOKEN = "token"  # a pasted personal access token / app password (a desktop extra)
NONE = "none"  # sandbox, local folder, decap-server: nothing to log in to
BROWSER_METHODS = (POPUP, IMPLICIT, PKCE)

NETLIFY_BASE_URL = "https://api.netlify.com"  # Decap's default `base_url` for the popup protocol
AZURE_DEVOPS_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"  # Azure DevOps' well-known application id


class InsecureUrlError(EditorError):
    """An address that would carry a token in clear (plain http to a host that is not this computer)."""


@dataclass(frozen=True)
class OAuthSpec:
    """Decap's implicit/PKCE defaults for a host: OAuth server, endpoint paths, scope, token body."""

    base_url: str  # "" when the site names it (git-gateway: the Identity URL; Cognito: its domain)
    authorize_path: str
    token_path: str
    scope: str
    form_token_body: bool = False  # the token endpoint takes a form (Cognito refuses JSON); else Decap's JSON
    authorize_extras: tuple[tuple[str, str], ...] = ()  # query parameters beyond the standard ones


@dataclass(frozen=True)
class HostSpec:
    """What the app knows of one `backend.name`."""

    name: str
    display_name: str
    api_root: str = ""  # default REST API root; "" when the site must name it (or it derives from the site)
    web_root: str = ""  # the public host's web address
    self_hosted_api_path: str = ""  # without api_root, `<base_url><path>` is the API of a self-hosted server
    login_methods: tuple[str, ...] = (NONE,)
    config_auth_types: tuple[str, ...] = ()  # which `auth_type` values of the config may replace the default
    oauth: OAuthSpec | None = None
    popup_scope: str = ""
    token_page: str = ""  # where a personal token is created; `{web}` is the host's web root
    token_scopes: str = ""  # what that token needs, as the host's settings page names it

    @property
    def needs_login(self) -> bool:
        """False for the sandbox, a working copy and decap-server."""
        return self.login_methods != (NONE,)

    @property
    def default_method(self) -> str:
        """How a config without `auth_type` logs in."""
        return self.login_methods[0]


_CHANGEABLE = (IMPLICIT, PKCE)

HOSTS: dict[str, HostSpec] = {
    "github": HostSpec(
        "github", "GitHub", api_root="https://api.github.com", web_root="https://github.com",
        login_methods=(POPUP, DEVICE, TOKEN), config_auth_types=_CHANGEABLE, popup_scope="repo",
        token_page="https://github.com/settings/tokens/new?scopes=repo&description=Content%20editor",
        token_scopes="repo",
    ),
    "gitlab": HostSpec(
        "gitlab", "GitLab", api_root="https://gitlab.com/api/v4", web_root="https://gitlab.com",
        login_methods=(POPUP, TOKEN), config_auth_types=_CHANGEABLE, popup_scope="api",
        oauth=OAuthSpec("https://gitlab.com", "oauth/authorize", "oauth/token", "api"),
        token_page="{web}/-/user_settings/personal_access_tokens?scopes=api&name=Content+editor", token_scopes="api",
    ),
    "bitbucket": HostSpec(
        "bitbucket", "Bitbucket", api_root="https://api.bitbucket.org/2.0", web_root="https://bitbucket.org",
        login_methods=(POPUP, TOKEN), config_auth_types=_CHANGEABLE, popup_scope="repo",
        oauth=OAuthSpec("https://bitbucket.org", "site/oauth2/authorize", "site/oauth2/access_token",
                        "repository:write"),
        token_page="https://bitbucket.org/account/settings/app-passwords/new",
        token_scopes="repository:write, pullrequest:write",
    ),
    "gitea": HostSpec(
        "gitea", "Gitea", api_root="https://gitea.com/api/v1", web_root="https://gitea.com",
        self_hosted_api_path="/api/v1",
        # Decap's Gitea backend speaks PKCE only.
        login_methods=(PKCE, TOKEN), config_auth_types=_CHANGEABLE,
        oauth=OAuthSpec("https://gitea.com", "login/oauth/authorize", "login/oauth/access_token", "repository"),
        token_page="{web}/user/settings/applications", token_scopes="write:repository, read:user",
    ),
    "azure": HostSpec(
        # Decap's Azure page: implicit grant at `<login base>/<tenant_id>/oauth2/authorize` for the Azure DevOps
        # resource (its well-known application id), asking which account to use.
        "azure", "Azure DevOps", api_root="https://dev.azure.com", web_root="https://dev.azure.com",
        login_methods=(IMPLICIT,),
        oauth=OAuthSpec(
            "https://login.microsoftonline.com", "oauth2/authorize", "", "vso.code_full,user.read",
            authorize_extras=(("resource", AZURE_DEVOPS_RESOURCE), ("prompt", "select_account")),
        ),
    ),
    "git-gateway": HostSpec(
        # The Identity URL (default `<site_url>/.netlify/identity`) is the OAuth server of its PKCE login.
        "git-gateway", "Git Gateway", login_methods=(GOTRUE,), config_auth_types=_CHANGEABLE,
        oauth=OAuthSpec("", "oauth2/authorize", "oauth2/token", "openid email", form_token_body=True),
    ),
    "aws-cognito-github-proxy": HostSpec(
        # Cognito's hosted UI at base_url (Decap's aws-cognito-github-proxy PKCE page); api_root is the proxy.
        "aws-cognito-github-proxy", "GitHub via AWS Cognito", login_methods=(PKCE,), config_auth_types=_CHANGEABLE,
        oauth=OAuthSpec("", "oauth2/authorize", "oauth2/token", "https://api.github.com/repo openid email",
                        form_token_body=True),
    ),
    "proxy": HostSpec("proxy", "local server"),
    "test-repo": HostSpec("test-repo", "sandbox"),
    "local": HostSpec("local", "Git folder"),
}

HOST_NAMES: dict[str, str] = {name: spec.display_name for name, spec in HOSTS.items()}
# The Git hosts the app logs in to.
LOGIN_HOSTS: tuple[str, ...] = tuple(name for name, spec in HOSTS.items() if spec.needs_login)


def host_spec(name: str) -> HostSpec:
    """The description of `backend.name`; an unknown name gets a bare one (its name, no defaults)."""
    return HOSTS.get(name) or HostSpec(name, name, login_methods=(POPUP,), config_auth_types=_CHANGEABLE)


def display_name(name: str) -> str:
    """How the UI names the host of `backend.name`."""
    return HOST_NAMES.get(name, name)


def api_root_for(name: str, api_root: str | None, base_url: str | None = None) -> str:
    """The REST API root a site's host is reached at, trailing slash trimmed: `api_root`, else the API of a
    self-hosted server named by `base_url` (Gitea), else the public host's default ("" when it has none)."""
    spec = host_spec(name)
    if api_root:
        return api_root.rstrip("/")
    if spec.self_hosted_api_path and base_url:
        return base_url.rstrip("/") + spec.self_hosted_api_path
    return spec.api_root


def web_root_for(name: str, api_root: str) -> str:
    """The web address beside an API root: `<host>/api/...` -> `<host>`, the public host's own otherwise."""
    spec = host_spec(name)
    if api_root and api_root != spec.api_root and "/api/" in api_root:
        return api_root.rsplit("/api/", 1)[0]
    return spec.web_root


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost."""
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_secure_url(url: str) -> bool:
    """True for https (and wss), and for http (ws) to a loopback address."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("https", "wss"):
        return bool(parts.hostname)
    if scheme in ("http", "ws"):
        return is_loopback_host(parts.hostname or "")
    return False


def require_secure_url(url: str, what: str) -> str:
    """`url` when tokens may be sent to it (https, or http on this computer); InsecureUrlError saying why else.

    `what` names the setting ("backend.api_root", "the token endpoint") so the message says where to fix it.
    """
    if is_secure_url(url):
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "ws"):
        raise InsecureUrlError(
            f"{what} {url!r} uses plain http: the login token would be sent in clear to {parts.hostname}. "
            "Use its https:// address (plain http is allowed only for this computer: localhost, 127.0.0.1, ::1)."
        )
    raise InsecureUrlError(f"{what} must be an https:// address, got {url!r}")
