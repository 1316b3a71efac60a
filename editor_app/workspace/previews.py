"""Deploy previews of unpublished entries (Decap's "View preview"), read from the entry branch's commit statuses.

An unpublished entry's preview comes from its host (`Backend.deploy_preview`); once the deploy is ready, the
collection's `preview_path` is appended to the deploy's address, as Decap's `previewUrlFormatter` does.
Published entries have no backend call here: their "View live" link is `site_url` + `preview_path`
(`Workspace.entry_url`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from editor_app.backends.base import Backend, DeployPreview
from editor_app.errors import EditorError

BOARD_PREVIEW_LIMIT = 40  # cards whose previews the board asks for at once (each costs the host 2-3 requests)
BOARD_PREVIEW_WORKERS = 4  # requests in flight at once for the board's cards


def entry_preview(backend: Backend, collection: str, slug: str, page: Callable[[str], str]) -> DeployPreview | None:
    """The entry's deploy preview; a ready deploy's URL leads to the entry's page (`page(deploy_url)`)."""
    preview = backend.deploy_preview(collection, slug)
    if preview is None or not preview.ready or not preview.url:
        return preview  # a building or failed deploy's URL is its log, not the site
    return replace(preview, url=page(preview.url))


def board_previews(
    backend: Backend,
    entries: Sequence[tuple[str, str]],
    *,
    limit: int = BOARD_PREVIEW_LIMIT,
    workers: int = BOARD_PREVIEW_WORKERS,
) -> dict[tuple[str, str], DeployPreview | None]:
    """Previews of the first `limit` (collection, slug) pairs, `workers` at a time; a failing one is None."""

    def one(key: tuple[str, str]) -> DeployPreview | None:
        try:
            return backend.deploy_preview(*key)
        except EditorError:
            return None  # the card shows no preview; the editor's Refresh shows the error for one entry

    wanted = list(dict.fromkeys(entries))[: max(0, limit)]
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(wanted)))) as pool:
        return dict(zip(wanted, pool.map(one, wanted), strict=True))
