"""EditorPane: an entry's form, its markdown preview, the raw-source view and the locale switcher.

Collaborators come in: the workspace (a `contracts.WorkspaceView`, for `set_entry`/`entry`), or explicitly the
fields, a `FormContext` (relation and media sources) and `to_raw(data) -> str` / `from_raw(text) -> data` for the
source view.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from editor_app.config.site_config import Collection, Field
from editor_app.content.entry_preview import preview_enabled, preview_style_path, title_field_name
from editor_app.content.spelling import SITE_WORDS_KEY, parse_word_list
from editor_app.content.text_search import count_words, reading_minutes
from editor_app.ui.contracts import EntryEditor, WorkspaceView
from editor_app.ui.signals import emit
from editor_app.ui.widgets.entry_form import Collapsible, EntryForm, MarkdownFieldEditor
from editor_app.ui.widgets.entry_preview import EntryPreview
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, Runner
from editor_app.ui.widgets.find_replace import FindReplaceBar
from editor_app.ui.widgets.relation_editor import RelationEditor
from editor_app.ui.widgets.spell_highlighter import CHECKED_WIDGETS, SpellChecking, user_spell_checking
from editor_app.ui.widgets.workspace_sources import WorkspaceSources
from editor_app.workspace.workspace import OpenEntry

COLUMN_MIN_WIDTH = 160  # a column narrower than this shows nothing readable
# how the pane's width is shared: (reference, form, preview), without and with the side-by-side reference
# (side by side, the default language takes the preview's place, as in Decap)
COLUMN_WEIGHTS = {False: (0, 3, 2), True: (1, 1, 0)}

ToRaw = Callable[[dict[str, Any]], str]
FromRaw = Callable[[str], dict[str, Any]]


class EditorPane(EntryEditor):
    """Edits one entry; emits `changed` as the user edits and `save_requested` when a valid save is asked."""

    validation_failed = Signal(list)
    locale_changed = Signal(str)

    def __init__(self, workspace: WorkspaceView | None = None, parent: QWidget | None = None, *,
                 context: FormContext | None = None, to_raw: ToRaw | None = None,
                 from_raw: FromRaw | None = None, runner: Runner | None = None,
                 spelling: SpellChecking | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        if context is None:
            sources = WorkspaceSources(workspace) if workspace is not None else None
            # the runner (the main window's) keeps media work off the GUI thread
            context = FormContext(relation_source=sources, media_source=sources, runner=runner)
        self.context = context
        self._to_raw = to_raw
        self._from_raw = from_raw
        self._entry: OpenEntry | None = None
        self._fields: list[Field] = []
        self._is_new = False
        self._locales: list[str] = []
        self._default_locale = ""
        self._current_locale = ""
        self._locale_data: dict[str, dict[str, Any]] = {}
        self._loading = False
        self._raw_dirty = False
        self._relation_loads: set[str] = set()
        self.form = EntryForm([], self.context)
        self.spelling = spelling if spelling is not None else user_spell_checking(parent=self)
        self.spelling.dictionary_missing.connect(lambda _locale, message: emit(self.notice, message, "info"))
        self._load_site_words()
        self.find_bar = FindReplaceBar(self._find_target)
        self.find_bar.setAccessibleName("Find and replace")
        self.replace_action = QAction("&Replace…", self)
        self.replace_action.setShortcut(QKeySequence("Ctrl+H"))
        self.replace_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.replace_action.triggered.connect(lambda: self.show_find(replace=True))
        self.addAction(self.replace_action)
        self._last_text_control: QPlainTextEdit | QLineEdit | None = None
        self.word_count_label = QLabel()
        self.word_count_label.setAccessibleName("Word count and reading time")
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(300)
        self._count_timer.timeout.connect(self.update_word_count)
        self._count_timer.timeout.connect(self._check_spelling)  # list items added since get checked too

        self.locale_label = QLabel("&Language:")
        self.locale_box = QComboBox()
        self.locale_box.setAccessibleName("Language of the entry")
        self.locale_label.setBuddy(self.locale_box)
        self.locale_box.currentIndexChanged.connect(self._on_locale_box_changed)
        self.side_button = QPushButton("Side by side")
        self.side_button.setCheckable(True)
        self.side_button.setAccessibleName("Show the default language next to the translation")
        self.side_button.setToolTip("While translating, show the default language's fields (read-only) on the left")
        self.side_button.toggled.connect(self._update_reference)
        self.spelling_button = QPushButton("Spelling")
        self.spelling_button.setCheckable(True)
        self.spelling_button.setChecked(self.spelling.enabled)
        self.spelling_button.setAccessibleName("Check spelling")
        self.spelling_button.setToolTip("Underline misspelt words in each language's dictionary")
        self.spelling_button.toggled.connect(self._on_spelling_button_toggled)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setCheckable(True)
        self.preview_button.setChecked(True)
        self.preview_button.setAccessibleName("Show the preview")
        self.preview_button.toggled.connect(self._on_preview_button_toggled)
        self.raw_button = QPushButton("Source")
        self.raw_button.setCheckable(True)
        self.raw_button.setAccessibleName("Show the whole file's source")
        self.raw_button.setToolTip("Show the whole file (front matter and body) as text")
        self.raw_button.toggled.connect(self._on_raw_button_toggled)
        # the source view shows one file: no switching locales under it
        self.raw_button.toggled.connect(lambda _raw: self.locale_box.setEnabled(not self.raw_button.isChecked()))
        self.save_button = QPushButton("Save")
        self.save_button.setAccessibleName("Save the entry")
        # no Ctrl+S here: the main window owns that shortcut and should call request_save()
        self.save_button.clicked.connect(self.request_save)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.addWidget(self.locale_label)
        bar.addWidget(self.locale_box)
        bar.addWidget(self.side_button)
        bar.addStretch(1)
        bar.addWidget(self.spelling_button)
        bar.addWidget(self.preview_button)
        bar.addWidget(self.raw_button)
        bar.addWidget(self.save_button)

        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setObjectName("editor-problems")  # coloured by the theme, per scheme
        self.problems.setAccessibleName("Problems that block saving")
        self.problems.hide()
        # a list, not one long label: a big entry can have dozens of problems and the form must stay usable
        self.problem_list = QListWidget()
        self.problem_list.setAccessibleName("Problems that block saving (activate one to go to its field)")
        self.problem_list.setObjectName("editor-problem-list")
        self.problem_list.itemActivated.connect(self._on_problem_list_activated)
        self.problem_list.hide()

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAccessibleName("Fields of the entry")
        # not a Tab stop of its own: Tab goes from field to field and the area scrolls to the focused one
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setWidget(self.form)
        self.preview = EntryPreview(self.context)
        self.preview_title = QLabel("Preview")
        self.preview_title.setForegroundRole(self.preview_title.foregroundRole().PlaceholderText)
        self.preview_box = QWidget()
        preview_layout = QVBoxLayout(self.preview_box)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.setSpacing(2)
        preview_layout.addWidget(self.preview_title)
        preview_layout.addWidget(self.preview, 1)
        # side by side: the default locale, read-only, left of the translation being edited
        self.reference_form: EntryForm | None = None
        self.reference_title = QLabel()
        self.reference_title.setForegroundRole(self.reference_title.foregroundRole().PlaceholderText)
        self.reference_scroll = QScrollArea()
        self.reference_scroll.setWidgetResizable(True)
        self.reference_scroll.setAccessibleName("The default language (read-only)")
        self.reference_box = QWidget()
        reference_layout = QVBoxLayout(self.reference_box)
        reference_layout.setContentsMargins(0, 0, 0, 0)
        reference_layout.setSpacing(2)
        reference_layout.addWidget(self.reference_title)
        reference_layout.addWidget(self.reference_scroll, 1)
        self.reference_box.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.reference_box)
        self.splitter.addWidget(self.scroll_area)
        self.splitter.addWidget(self.preview_box)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setChildrenCollapsible(False)
        for column in (self.reference_box, self.scroll_area, self.preview_box):
            column.setMinimumWidth(COLUMN_MIN_WIDTH)
        # the columns share the pane's width by COLUMN_WEIGHTS until the user drags a handle
        self._columns_moved = False
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        self.raw_edit = QPlainTextEdit()
        self.raw_edit.setAccessibleName("Source of the whole file")
        self.raw_edit.setFont(QFont("monospace"))
        self.raw_edit.setTabChangesFocus(True)  # no keyboard trap; front matter is indented with spaces anyway
        self.raw_edit.textChanged.connect(self._on_raw_edit_changed)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.raw_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.problems)
        layout.addWidget(self.problem_list)
        layout.addWidget(self.stack, 1)
        self._preview_editor: MarkdownFieldEditor | None = None
        self._preview_on = True
        self._styles: dict[str, str] = {}  # preview stylesheets read from the repository, by path
        self._update_controls()

    # --- loading ---

    def load(self, fields: list[Field], data: dict[str, Any] | None, *, is_new: bool = False,
             locales: list[str] | None = None, default_locale: str | None = None,
             locale_data: dict[str, dict[str, Any]] | None = None, editor: dict[str, Any] | None = None,
             identifier_field: str | None = None) -> None:
        """Show an entry: its fields, its data and, on i18n sites, the other locales' data.

        `editor` is the collection's `editor` options: `preview: false` hides the preview, `preview_style`
        names the site's preview stylesheet in the repository.
        """
        self._fields = fields
        self._is_new = is_new or data is None
        self._locales = list(locales or [])
        self._default_locale = default_locale or (self._locales[0] if self._locales else "")
        self._locale_data = {k: dict(v) for k, v in (locale_data or {}).items()}
        self._locale_data[self._default_locale] = dict(data or {})
        self._current_locale = self._default_locale
        same_form = fields is self.form.fields and self.form.fields
        scroll = self.scroll_area.verticalScrollBar().value()
        if not same_form:
            self._build_form()
        self._loading = True
        self.locale_box.clear()
        self.locale_box.addItems(self._locales)
        self.locale_box.setCurrentText(self._default_locale)
        self._loading = False
        self.form.set_value(data, is_new=self._is_new)
        self.form.set_read_only_fields(set(), "")
        self._show_problems([])
        if self.raw_button.isChecked():
            self.raw_button.setChecked(False)
        self._choose_preview_editor()
        self._set_preview(editor, identifier_field)
        self._update_controls()
        self._check_spelling()
        self.update_word_count()
        if same_form:
            # the same entry again (after a save): stay where the user was reading
            self.scroll_area.verticalScrollBar().setValue(scroll)

    def _build_form(self) -> None:
        self.reference_form = None  # rebuilt for the new fields when side by side is next shown
        old = self.form
        self.form = EntryForm(self._fields, self.context)
        self.form.changed.connect(self._on_form_changed)
        self.form.markdown_focused.connect(self._on_form_markdown_focused)
        for markdown in self.form.markdown_editors():
            markdown.editor.upload_notice.connect(lambda message: emit(self.notice, message, "info"))
            markdown.editor.upload_failed.connect(lambda message: emit(self.notice, message, "error"))
        self.scroll_area.setWidget(self.form)  # the scroll area deletes the old form
        del old

    def set_entry(self, entry: OpenEntry) -> None:
        """Show a workspace entry, with the fields its collection (or file) has in the workspace's site config."""
        workspace = self._workspace()
        self._entry = entry
        if isinstance(self.context.media_source, WorkspaceSources):
            self.context.media_source.entry = entry  # pasted and dropped files go to its media folder
        fields = self._fields_for(workspace, entry)
        found = workspace.entry_locales(entry)
        locales, default_locale = found if found is not None else (None, None)
        collection = workspace.site.collection_named(entry.collection)
        self.load(fields, dict(entry.data), is_new=entry.is_new, locales=locales, default_locale=default_locale,
                  locale_data=entry.locale_data if locales else None,
                  editor=_editor_options(collection, entry),
                  identifier_field=collection.identifier_field if collection is not None else None)
        self._load_relation_targets(workspace, fields)

    def _workspace(self) -> WorkspaceView:
        if self.workspace is None:
            raise RuntimeError("this editor shows fields given to load(); it has no workspace to read entries from")
        return self.workspace

    def _load_relation_targets(self, workspace: WorkspaceView, fields: list[Field]) -> None:
        """Index the collections relation fields point at, in the background, so their search finds entries."""
        runner = self.context.runner
        if runner is None:
            return
        for name in sorted(_relation_collections(fields)):
            if name in self._relation_loads or workspace.entries(name):
                continue
            self._relation_loads.add(name)
            runner.run(functools.partial(workspace.load_collection, name),
                       lambda _result: self._on_relation_target_loaded(),
                       functools.partial(self._on_relation_load_failed, name))

    def _on_relation_target_loaded(self) -> None:
        """Chosen relations that showed their stored value now show their display fields."""
        if shiboken6.isValid(self):
            for editor in self.findChildren(RelationEditor):
                editor.refresh_labels()

    def _on_relation_load_failed(self, name: str, _failure: object) -> None:
        self._relation_loads.discard(name)  # asked again the next time an entry needs it

    def entry(self) -> OpenEntry:
        """The shown workspace entry with the form's data."""
        if self._entry is None:
            raise RuntimeError("no entry is open in the editor")
        if self._locales:
            values = self.locale_values()
            data = values.pop(self._default_locale)
            return self._entry.with_data(data, values)
        return self._entry.with_data(self.value())

    @property
    def current_locale(self) -> str:
        """The locale being edited ("" on a site without i18n)."""
        return self._current_locale

    @staticmethod
    def _fields_for(workspace: WorkspaceView, entry: OpenEntry) -> list[Field]:
        collection = workspace.site.collection_named(entry.collection)
        if collection is None:
            return []
        if collection.files:
            for item in collection.files:
                if item.name == entry.file or item.file == entry.path:
                    return item.fields
            return []
        return collection.fields

    # --- values ---

    def value(self) -> dict[str, Any]:
        """The default locale's data (what is saved for a site without i18n)."""
        return self.locale_values()[self._default_locale] if self._locales else self.form.value()

    def locale_values(self) -> dict[str, dict[str, Any]]:
        """Every locale's data, with shared fields as the default locale has them."""
        self._store_current_locale()
        default = self._locale_data[self._default_locale]
        out = {}
        for locale, data in self._locale_data.items():
            out[locale] = data if locale == self._default_locale else self._with_shared(data, default)
        return out

    def _shared_names(self) -> set[str]:
        return {f.name for f in self._fields if f.i18n in (None, "none", "duplicate")}

    def _with_shared(self, data: dict[str, Any], default: dict[str, Any]) -> dict[str, Any]:
        result = dict(data)
        for fld in self._fields:
            if fld.i18n == "duplicate" and fld.name in default:
                result[fld.name] = default[fld.name]
        return result

    def _store_current_locale(self) -> None:
        if not self._locales:
            return
        value = self.form.value()
        if self._current_locale != self._default_locale:
            original = self._locale_data.get(self._current_locale, {})
            for name in self._shared_names():
                # shared fields are edited in the default locale; this locale keeps what its file had
                if name in original:
                    value[name] = original[name]
                else:
                    value.pop(name, None)
        self._locale_data[self._current_locale] = value

    def _on_locale_box_changed(self, _index: int) -> None:
        if self._loading or not self.locale_box.currentText():
            return
        self.switch_locale(self.locale_box.currentText())

    def switch_locale(self, locale: str) -> None:
        """Edit another locale's data; fields that are not translated stay as the default locale has them."""
        if locale == self._current_locale:
            return
        self._store_current_locale()
        self._current_locale = locale
        data = dict(self._locale_data.get(locale, {}))
        default = self._locale_data[self._default_locale]
        is_new_locale = locale not in self._locale_data
        if locale != self._default_locale:
            for name in self._shared_names():
                if name in default:
                    data[name] = default[name]
        self.form.set_value(data, is_new=is_new_locale and self._is_new)
        if locale != self._default_locale:
            self.form.set_read_only_fields(self._shared_names(),
                                           f"Shared by all languages; edit it in {self._default_locale}.")
        else:
            self.form.set_read_only_fields(set(), "")
        self._loading = True
        self.locale_box.setCurrentText(locale)
        self._loading = False
        self._choose_preview_editor()
        self._refresh_preview()
        self._update_reference()
        self._check_spelling()
        self.update_word_count()
        emit(self.locale_changed, locale)

    def _update_reference(self) -> None:
        """Show (or hide) the default locale next to the form: side by side, while editing a translation."""
        shown = (self.side_button.isChecked() and len(self._locales) > 1
                 and self._current_locale != self._default_locale)
        if shown:
            if self.reference_form is None or self.reference_form.fields is not self._fields:
                self.reference_form = EntryForm(self._fields, self.context)
                self.reference_scroll.setWidget(self.reference_form)  # the scroll area deletes the old one
            self.reference_form.set_value(self._locale_data.get(self._default_locale, {}))
            self.reference_form.set_read_only_fields({f.name for f in self._fields}, "")
            for row in self.reference_form.panel.rows:
                row.shared_note.hide()  # every field is locked here: no note needed under each
            self.reference_title.setText(f"{self._default_locale} (default language, read-only)")
            self.spelling.attach_form(self.reference_form, self._default_locale)
        self.reference_box.setVisible(shown)
        self.fit_columns()

    # --- validation and saving ---

    def validate(self) -> list[tuple[str, str]]:
        """Check the form; messages go next to their fields and into the list above the form."""
        if self.raw_button.isChecked() and not self._apply_raw():
            return [("(source)", self.problems.text())]
        problems = self.form.validate()
        self._show_problems(problems)
        return problems

    def request_save(self) -> None:
        """Save when the entry is valid; otherwise list what blocks the save."""
        problems = self.validate()
        if problems:
            emit(self.validation_failed, problems)
            return
        emit(self.save_requested)

    def _show_problems(self, problems: list[tuple[str, str]]) -> None:
        self.problem_list.clear()
        if not problems:
            self.problems.clear()
            self.problems.hide()
            self.problem_list.hide()
            return
        count = len(problems)
        self.problems.setText(f"This entry cannot be saved yet ({count} problem{'s' if count != 1 else ''}); "
                              "activate one to go to its field:")
        for path, message in problems:
            item = QListWidgetItem(message + (f"  ({path})" if "." in path or "[" in path else ""))
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.problem_list.addItem(item)
        # As tall as its lines (up to five, then it scrolls): no empty box under one problem.
        shown = min(count, 5)
        height = sum(self.problem_list.sizeHintForRow(row) for row in range(shown))
        self.problem_list.setFixedHeight(height + 2 * self.problem_list.frameWidth() + 2)
        self.problems.show()
        self.problem_list.show()

    def problem_messages(self) -> list[str]:
        """The lines of the problem list as shown."""
        return [self.problem_list.item(i).text() for i in range(self.problem_list.count())]

    def _on_problem_list_activated(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        try:
            row = self.form.row(path)
        except StopIteration:
            return
        self.stack.setCurrentWidget(self.splitter)
        parent = row.parentWidget()
        while parent is not None and parent is not self.form:
            # unfold collapsed objects and list items on the way to the field
            if isinstance(parent, Collapsible):
                parent.set_expanded(True)
            parent = parent.parentWidget()
        self.scroll_area.ensureWidgetVisible(row)
        row.editor.focus_target().setFocus()

    # --- preview ---

    def _choose_preview_editor(self) -> None:
        editors = self.form.markdown_editors()
        top = [e for e in editors if e.field in self._fields]
        body = next((e for e in top if e.field.name == "body"), None)
        self._set_preview_editor(body or (top[0] if top else (editors[0] if editors else None)))

    def _set_preview_editor(self, editor: MarkdownFieldEditor | None) -> None:
        """The markdown field that media from the library goes into (the one last focused)."""
        self._preview_editor = editor

    def _set_preview(self, editor: dict[str, Any] | None, identifier_field: str | None) -> None:
        """Preview the whole entry, unless the collection says `editor: {preview: false}`."""
        self._preview_on = preview_enabled(editor)
        self.preview_button.setVisible(self._preview_on)
        self.fit_columns()
        if not self._preview_on:
            self.preview.set_entry([], None)
            return
        self.preview_title.setText("Preview")
        self.preview.set_entry(self._fields, self.form.value,
                               title_field_name(self._fields, identifier_field))
        self._load_preview_style(preview_style_path(editor))

    def _load_preview_style(self, path: str | None) -> None:
        """Apply the site's preview stylesheet, read from the repository off the GUI thread."""
        if path is None:
            self.preview.set_site_style("")
            return
        if path in self._styles:
            self.preview.set_site_style(self._styles[path])
            return
        workspace = self.workspace
        if workspace is None:
            return  # fields given to load() without a site: there is no repository to read it from
        self.context.run(functools.partial(workspace.read_media, path),
                         functools.partial(self._on_preview_style_read, path),
                         functools.partial(self._on_preview_style_failed, path))

    def _on_preview_style_read(self, path: str, data: bytes) -> None:
        if not shiboken6.isValid(self):
            return
        self._styles[path] = data.decode("utf-8", errors="replace")
        self.preview.set_site_style(self._styles[path])

    def _on_preview_style_failed(self, path: str, failure: Any) -> None:
        if shiboken6.isValid(self):
            self._styles[path] = ""
            self.preview_title.setText(f"Preview (the site's preview_style {path} could not be read: {failure})")

    def _on_form_markdown_focused(self, editor: MarkdownFieldEditor) -> None:
        if editor is not self._preview_editor:
            self._set_preview_editor(editor)

    def _refresh_preview(self) -> None:
        if self._preview_on:
            self.preview.render_now()

    def preview_shown(self) -> bool:
        """Whether the collection has a preview and it is shown."""
        return self._preview_on and self.preview_button.isChecked()

    def render_preview(self) -> str:
        """Render the preview now and return its HTML."""
        return self.preview.render_now()

    def fit_columns(self) -> None:
        """Share the width between the columns shown (translation reference, form, preview) by their weights.

        The form gets the most; a side-by-side reference as much as the form. Once the user drags a handle,
        the split is theirs.
        """
        # The form column is never narrower than its fields: a button cut at its right edge cannot be used.
        scroll_bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        form_width = max(COLUMN_MIN_WIDTH, self.form.minimumSizeHint().width() + scroll_bar
                         + 2 * self.scroll_area.frameWidth())
        if self.scroll_area.minimumWidth() != form_width:
            self.scroll_area.setMinimumWidth(form_width)
        # The preview only where there is room for it next to the form, else it waits; side by side, the
        # default language is shown in its place.
        room = self.splitter.width() >= form_width + COLUMN_MIN_WIDTH + self.splitter.handleWidth() \
            or not self.isVisible()
        wanted = self._preview_on and self.preview_button.isChecked() and self.reference_box.isHidden()
        self.preview_box.setVisible(wanted and room)
        self.preview_button.setToolTip("" if room or not wanted else
                                       "No room for the preview at this width: widen the window, or hide the "
                                       "collections and entries (View menu)")
        if self._columns_moved:
            return
        columns = (self.reference_box, self.scroll_area, self.preview_box)
        shown = [not column.isHidden() for column in columns]
        weights = [weight if visible else 0 for weight, visible in zip(COLUMN_WEIGHTS[shown[0]], shown, strict=True)]
        width = max(0, self.splitter.width() - self.splitter.handleWidth() * (sum(shown) - 1))
        total = sum(weights) or 1
        self.splitter.setSizes([width * weight // total for weight in weights])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def _on_splitter_moved(self, _position: int, _index: int) -> None:
        self._columns_moved = True

    def _on_preview_button_toggled(self, shown: bool) -> None:
        self.fit_columns()

    def insert_media(self, public_path: str) -> None:
        """Put a media file into the markdown field being previewed (the one last focused)."""
        if self._preview_editor is not None:
            self._preview_editor.editor.insert_media(public_path)

    # --- raw source ---

    def _raw_converters(self) -> tuple[ToRaw | None, FromRaw | None]:
        """The source view's converters: the ones given, else the workspace's for the open entry."""
        workspace, entry = self.workspace, self._entry
        if workspace is None or entry is None:
            return self._to_raw, self._from_raw

        def entry_to_raw(data: dict[str, Any]) -> str:
            if not self._locales:
                return workspace.raw_text(entry.with_data(data))
            # the default locale's file, or the whole file when every locale lives in one (single_file)
            others = {k: v for k, v in self.locale_values().items() if k != self._default_locale}
            return workspace.raw_text(entry.with_data(data, others))

        def entry_from_raw(text: str) -> dict[str, Any]:
            parsed = workspace.parse_raw_text(entry, text)
            for locale, data in parsed.locale_data.items():
                if locale in self._locales and locale != self._default_locale:
                    self._locale_data[locale] = dict(data)  # a single_file source holds every locale
            return parsed.data

        return self._to_raw or entry_to_raw, self._from_raw or entry_from_raw

    def _on_raw_button_toggled(self, raw: bool) -> None:
        to_raw, _from_raw = self._raw_converters()
        if raw:
            if to_raw is None:
                self.raw_button.setChecked(False)
                return
            if self._locales and self._current_locale != self._default_locale:
                self.switch_locale(self._default_locale)  # the source is the default locale's file
            self._loading = True
            self.raw_edit.setPlainText(to_raw(self.value()))
            self.spelling.attach_source(self.raw_edit, self.spelling_locale())
            self._loading = False
            self._raw_dirty = False
            self.stack.setCurrentWidget(self.raw_edit)
            self.raw_edit.setFocus()
        else:
            if not self._apply_raw():
                self._loading = True
                self.raw_button.setChecked(True)
                self._loading = False
                return
            self.stack.setCurrentWidget(self.splitter)

    def _apply_raw(self) -> bool:
        """Read the edited source back into the form; False (and a message) when it does not parse."""
        if not self._raw_dirty:
            return True
        _to_raw, from_raw = self._raw_converters()
        if from_raw is None:
            return True
        try:
            data = from_raw(self.raw_edit.toPlainText())
        except ValueError as exc:  # ContentError and YAML/JSON/TOML errors are ValueErrors here
            self._show_problems([])
            self.problems.setText(f"The source cannot be read: {exc}")
            self.problems.show()
            return False
        self._locale_data[self._current_locale] = data
        self.form.set_value(data, is_new=False)
        self._raw_dirty = False
        self._show_problems([])
        self._choose_preview_editor()
        self._check_spelling()
        self._refresh_preview()
        return True

    def _on_raw_edit_changed(self) -> None:
        if self._loading:
            return
        self._raw_dirty = True
        emit(self.changed)

    # --- misc ---

    def _on_form_changed(self) -> None:
        self._count_timer.start()
        if not self.problem_list.isHidden():
            self.validate()  # the list shown must follow the fixes as they are made, not wait for Save
        if self._preview_on:
            self.preview.schedule()
        emit(self.changed)

    # --- writing tools ---

    def spelling_locale(self) -> str:
        """The language the form's text is checked in: the locale edited, else the site's `locale`."""
        site_locale = self.workspace.site.locale if self.workspace is not None else ""
        return self._current_locale or site_locale or "en"

    def _check_spelling(self) -> None:
        self.spelling.attach_form(self.form, self.spelling_locale())

    def _on_spelling_button_toggled(self, checked: bool) -> None:
        self.spelling.enabled = checked
        self._check_spelling()
        if self.reference_form is not None and self.reference_box.isVisibleTo(self):
            self.spelling.attach_form(self.reference_form, self._default_locale)
        if self.raw_button.isChecked():
            self.spelling.attach_source(self.raw_edit, self.spelling_locale())

    def _load_site_words(self) -> None:
        """Read the site's shared word list (config key `spelling_words`) in the background."""
        ws, spelling = self.workspace, self.spelling
        if ws is None:
            return
        path = (ws.site.raw or {}).get(SITE_WORDS_KEY)
        if not isinstance(path, str) or not path.strip():
            return
        spelling.save_site_word = lambda word: self.context.run(
            lambda: ws.add_site_word(path, word), spelling.set_site_words,
            lambda failure: emit(self.notice, f"“{word}” could not be added to {path}: {failure}", "error"))
        self.context.run(lambda: ws.read_media(path.strip().lstrip("/")),
                         lambda data: spelling.set_site_words(parse_word_list(bytes(data).decode("utf-8", "replace"))),
                         lambda failure: emit(self.notice, f"The site's word list {path} could not be read: {failure}",
                                              "warning"))

    def _text_controls(self) -> list[QPlainTextEdit | QLineEdit]:
        controls = []
        for editor in self.form.findChildren(FieldEditor):
            target = editor.focus_target()
            if editor.field.widget in CHECKED_WIDGETS and isinstance(target, (QPlainTextEdit, QLineEdit)):
                controls.append(target)
        return controls

    def _find_target(self) -> QPlainTextEdit | QLineEdit | None:
        """The field the user is in (or was last in), else the previewed markdown field."""
        focus = self.focusWidget()
        controls = self._text_controls()
        if isinstance(focus, (QPlainTextEdit, QLineEdit)) and focus in controls:
            self._last_text_control = focus
            return focus
        if self._last_text_control is not None and self._last_text_control in controls:
            return self._last_text_control
        if self._preview_editor is not None:
            return self._preview_editor.editor.edit
        return controls[0] if controls else None

    def show_find(self, replace: bool = False) -> bool:
        """Open the find (or find and replace) bar for the current field or the body."""
        self.find_bar.open(replace)
        return True

    def status_widget(self) -> QWidget | None:
        """The word count and reading time, for the window's status bar."""
        return self.word_count_label

    def update_word_count(self) -> None:
        """Word count and reading time of the entry's text fields, in the status label."""
        words = 0
        for control in self._text_controls():
            text = control.text() if isinstance(control, QLineEdit) else control.toPlainText()
            words += count_words(text)
        minutes = reading_minutes(words)
        self.word_count_label.setText(f"{words:,} word{'s' if words != 1 else ''} · {minutes} min read")

    def _update_controls(self) -> None:
        multi = len(self._locales) > 1
        self.locale_label.setVisible(multi)
        self.locale_box.setVisible(multi)
        self.side_button.setVisible(multi)
        self._update_reference()
        to_raw, _ = self._raw_converters()
        self.raw_button.setEnabled(to_raw is not None)


def _editor_options(collection: Collection | None, entry: OpenEntry) -> dict[str, Any] | None:
    """The `editor` options of the entry's collection, with those of its file in a files collection."""
    if collection is None:
        return None
    options = dict(collection.editor)
    for item in collection.files:
        if item.name == entry.file or item.file == entry.path:
            options.update(item.editor)
    return options


def _relation_collections(fields: list[Field]) -> set[str]:
    """Names of the collections that relation fields (at any depth) search."""
    names: set[str] = set()
    for fld in fields:
        if fld.widget == "relation" and isinstance(fld.options.get("collection"), str):
            names.add(fld.options["collection"])
        nested = list(fld.fields) + list(fld.types) + ([fld.field] if fld.field is not None else [])
        names |= _relation_collections(nested)
    return names
