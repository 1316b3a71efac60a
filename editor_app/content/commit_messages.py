"""Commit messages from the `backend.commit_messages` templates, as Decap's `commitMessageFormatter` writes them.

`commit_message(kind, templates, *, collection=..., slug=..., path=..., author_login=..., author_name=...)`
with `kind` one of create, update, delete, uploadMedia, deleteMedia, openAuthoring. Variables:
`{{slug}}`, `{{path}}`, `{{collection}}` (the collection's `label_singular` or `label`),
`{{author-login}}`, `{{author-name}}`, and `{{message}}` for openAuthoring. Unknown variables are left as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFAULT_TEMPLATES: dict[str, str] = {
    "create": "Create {{collection}} \u201c{{slug}}\u201d",
    "update": "Update {{collection}} \u201c{{slug}}\u201d",
    "delete": "Delete {{collection}} \u201c{{slug}}\u201d",
    "uploadMedia": "Upload \u201c{{path}}\u201d",
    "deleteMedia": "Delete \u201c{{path}}\u201d",
    "openAuthoring": "{{message}}",
}
_VARIABLE = re.compile(r"{{([^}]+)}}")


def commit_message(
    kind: str,
    templates: Mapping[str, str] | None = None,
    *,
    collection: str = "",
    slug: str = "",
    path: str = "",
    author_login: str = "",
    author_name: str = "",
    message: str = "",
) -> str:
    """The commit message of one action, from the site's templates or Decap's defaults."""
    template = (templates or {}).get(kind) or DEFAULT_TEMPLATES.get(kind)
    if template is None:
        raise ValueError(f"unknown commit message kind {kind!r}")
    if kind == "openAuthoring":
        values = {"message": message, "author-login": author_login, "author-name": author_name}
    elif kind in ("uploadMedia", "deleteMedia"):
        values = {"path": path, "author-login": author_login, "author-name": author_name}
    else:
        values = {"slug": slug, "path": path, "collection": collection, "author-login": author_login,
                  "author-name": author_name}

    def replace(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        return values[key] if key in values else match.group(0)

    return _VARIABLE.sub(replace, template)


def signed_off(message: str, name: str, email: str) -> str:
    """`message` with the Signed-off-by trailer Decap adds when `signoff_commits` is true."""
    return f"{message}\n\nSigned-off-by: {name} <{email}>\n"
