"""Reading a site over Git's smart HTTP protocol (dulwich for packs and objects; httpx for the requests)."""

from editor_app.backends.git.reader import (
    DEFAULT_MAX_FULL_TREE_BYTES,
    BearerAuth,
    CurrentTokenBasicAuth,
    GitAuthRefused,
    GitProfile,
    GitProgress,
    GitReader,
    GitRouteUnavailable,
    GitSettings,
    GitStats,
    basic_auth,
    make_git_client,
    store_for,
)
from editor_app.backends.git.route import ROUTE_API, ROUTE_GIT, GitRoute, open_route, web_git_url
from editor_app.backends.git.site_store import (
    DEFAULT_MAX_STORE_BYTES,
    CorruptPackError,
    SiteObjectStore,
    TreeFile,
    site_store_dir,
)

__all__ = [
    "DEFAULT_MAX_FULL_TREE_BYTES",
    "DEFAULT_MAX_STORE_BYTES",
    "ROUTE_API",
    "ROUTE_GIT",
    "BearerAuth",
    "CorruptPackError",
    "CurrentTokenBasicAuth",
    "GitAuthRefused",
    "GitProfile",
    "GitProgress",
    "GitReader",
    "GitRoute",
    "GitRouteUnavailable",
    "GitSettings",
    "GitStats",
    "SiteObjectStore",
    "TreeFile",
    "basic_auth",
    "make_git_client",
    "open_route",
    "site_store_dir",
    "store_for",
    "web_git_url",
]
