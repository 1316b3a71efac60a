"""Reading a site over Git's smart HTTP protocol (dulwich for packs and objects; httpx for the requests)."""

from editor_app.backends.git.reader import (
    DEFAULT_MAX_FULL_TREE_BYTES,
    BearerAuth,
    GitProfile,
    GitProgress,
    GitReader,
    GitRouteUnavailable,
    GitSettings,
    GitStats,
    basic_auth,
    store_for,
)
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
    "BearerAuth",
    "CorruptPackError",
    "GitProfile",
    "GitProgress",
    "GitReader",
    "GitRouteUnavailable",
    "GitSettings",
    "GitStats",
    "SiteObjectStore",
    "TreeFile",
    "basic_auth",
    "site_store_dir",
    "store_for",
]
