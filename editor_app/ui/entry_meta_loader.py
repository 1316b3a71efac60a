"""EntryMetaLoader: fills the entry list's "Commit date" and "Commit author" columns, lazily and in batches.

Only the rows on screen are asked for (after each scroll, resize, filter or sort settles), never the whole
collection — except to sort by one of those columns, and then only where the host answers many files per
request (GitHub GraphQL, GitLab GraphQL, a local git log walk). Elsewhere (one request per file) sorting
uses the dates known so far and says so. The workspace caches answers by blob id, so rows seen before cost
nothing. Fetching runs off the GUI thread; one batch is in flight at a time and the next one waits for it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import QObject, Signal

from editor_app.backends.base import FileMeta
from editor_app.ui.entry_list import EntryListView
from editor_app.ui.signals import emit
from editor_app.ui.tasks import TaskFailure, TaskRunner, run_in_background

MetaFetch = Callable[[str, Sequence[str]], dict[str, FileMeta]]  # (collection, paths) -> path -> meta
NO_HISTORY = "—"  # shown for a row whose file has no history on the host (so it is not asked again)


def date_text(iso: str) -> str:
    """An ISO 8601 moment as the list shows and sorts it: local time to the minute ("2026-11-22 13:05")."""
    try:
        moment = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


class EntryMetaLoader(QObject):
    """Keeps the commit date/author cells of the rows on screen filled in."""

    loaded = Signal()  # a batch arrived and is shown
    notice = Signal(str)  # something the user should know (a sort that uses partial dates, a failure)

    def __init__(
        self, entry_list: EntryListView, runner: TaskRunner, fetch: MetaFetch, batch: Callable[[], int],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._list = entry_list
        self._runner = runner
        self._fetch = fetch
        self._batch = batch
        self._collection: str | None = None
        self._date_column: int | None = None
        self._author_column: int | None = None
        self._in_flight: set[str] = set()
        self._queued: list[str] = []
        self._generation = 0
        entry_list.rows_shown.connect(self._on_entry_list_rows_shown)
        entry_list.sort_changed.connect(self._on_entry_list_sort_changed)

    @property
    def active(self) -> bool:
        """Whether the shown collection has commit columns and the site's host keeps history."""
        return self._collection is not None and (self._date_column, self._author_column) != (None, None)

    def show_collection(self, name: str | None, date_column: int | None, author_column: int | None) -> None:
        """The list now shows `name` with these columns (indexes of the model's headers; None: not shown)."""
        self._generation += 1
        self._in_flight.clear()
        self._queued = []
        if name is None or self._batch() <= 0:
            self._collection, self._date_column, self._author_column = None, None, None
            return
        self._collection, self._date_column, self._author_column = name, date_column, author_column
        self._list.announce_rows_shown()  # asked once the new rows are laid out: which are on screen is known then

    def _missing(self, keys: Sequence[str]) -> list[str]:
        column = self._date_column if self._date_column is not None else self._author_column
        assert column is not None
        model = self._list.model
        return [key for key in keys if not model.cell(key, column) and key not in self._in_flight]

    def _request(self, keys: Sequence[str]) -> None:
        if not self.active:
            return
        missing = self._missing(keys)
        if not missing:
            return
        if self._in_flight:  # one batch at a time: the next one is what is missing once this one is in
            self._queued = list(dict.fromkeys(self._queued + missing))
            return
        self._start(missing)

    def _start(self, keys: list[str]) -> None:
        collection, generation = self._collection, self._generation
        assert collection is not None
        self._in_flight = set(keys)
        run_in_background(
            self._runner,
            lambda: self._fetch(collection, keys),
            lambda metas: self._on_fetched(generation, keys, metas),
            lambda failure: self._on_fetch_failed(generation, failure),
        )

    def _current(self, generation: int) -> bool:
        # an answer for another collection, or arriving after the window (and this loader) went away, is dropped
        return generation == self._generation and shiboken6.isValid(self) and shiboken6.isValid(self._list)

    def _on_fetched(self, generation: int, keys: list[str], metas: dict[str, FileMeta]) -> None:
        if not self._current(generation):
            return
        self._in_flight.clear()
        values: dict[str, dict[int, str]] = {}
        for key in keys:
            meta = metas.get(key)
            cells: dict[int, str] = {}
            if self._date_column is not None:
                cells[self._date_column] = date_text(meta.updated_on) if meta is not None else NO_HISTORY
            if self._author_column is not None:
                cells[self._author_column] = (meta.author or NO_HISTORY) if meta is not None else NO_HISTORY
            values[key] = cells
        self._list.model.set_cells(values)
        emit(self.loaded)
        queued, self._queued = self._queued, []
        self._request(queued + self._list.visible_keys())

    def _on_fetch_failed(self, generation: int, failure: TaskFailure) -> None:
        if not self._current(generation):
            return
        self._in_flight.clear()
        self._queued = []
        emit(self.notice, f"Commit dates could not be read: {failure}")

    def _on_entry_list_rows_shown(self) -> None:
        self._request(self._list.visible_keys())

    def _on_entry_list_sort_changed(self, column: int) -> None:
        if not self.active or column < 0 or column not in (self._date_column, self._author_column):
            return
        model = self._list.model
        every = [key for row in range(model.rowCount()) if (key := model.key_at(row)) is not None]
        if self._batch() > 1:
            self._request(every)  # batched hosts: every row's date, a few requests for the whole collection
            return
        self._request(self._list.visible_keys())
        known = sum(1 for key in every if model.cell(key, column))
        emit(self.notice, f"Sorted by the {known} of {len(every)} commit dates known so far: this host answers one "
                          "file per request, so dates are read for the rows you scroll to.")
