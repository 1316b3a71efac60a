"""EntryForm: the form generated from a collection's fields, with objects, lists and markdown fields.

`set_value(data, is_new=...)` then `value()` returns the same data for untouched fields: keys not in the
config pass through, missing optional keys stay missing, and defaults are written only on new entries.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor_app.config.site_config import Field
from editor_app.content import widget_values as wv
from editor_app.ui import theme
from editor_app.ui.signals import emit
from editor_app.ui.widgets.choice_editors import BooleanEditor, SelectEditor
from editor_app.ui.widgets.code_editor import CodeEditor
from editor_app.ui.widgets.color_editor import ColorEditor
from editor_app.ui.widgets.datetime_editor import DateTimeEditor
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext
from editor_app.ui.widgets.map_editor import MapEditor
from editor_app.ui.widgets.markdown_editor import MarkdownEditor
from editor_app.ui.widgets.media_editor import MediaEditor
from editor_app.ui.widgets.raw_editors import HiddenEditor, RawYamlEditor
from editor_app.ui.widgets.relation_editor import RelationEditor
from editor_app.ui.widgets.text_editors import NumberEditor, StringEditor, TextEditor


class MarkdownFieldEditor(FieldEditor):
    """`markdown`/`richtext`: the markdown editor; `focused` tells the pane which text to preview."""

    focused = Signal(object)

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        buttons = fld.options.get("buttons") if isinstance(fld.options.get("buttons"), list) else None
        self.editor = MarkdownEditor(context.media_source, buttons, context=context)
        self.editor.edit.setAccessibleName(self._label())
        self.editor.changed.connect(self._edited)
        self.editor.focused.connect(lambda: emit(self.focused, self))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor)

    def _show(self, value: Any) -> None:
        self.editor.set_text("" if value is None else str(value))

    def _read(self) -> Any:
        return self.editor.text()

    def focus_target(self) -> QWidget:
        return self.editor.edit


class SimpleListEditor(FieldEditor):
    """A list without sub-fields: comma-separated strings."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.line = QLineEdit()
        self.line.setAccessibleName(self._label())
        self.line.setPlaceholderText("Separate items with commas")
        self.line.textEdited.connect(self._edited)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)

    def _show(self, value: Any) -> None:
        if isinstance(value, list):
            self.line.setText(", ".join("" if v is None else str(v) for v in value))
        else:
            self.line.setText("" if value is None else str(value))

    def _read(self) -> Any:
        return wv.parse_simple_list(self.line.text())

    def focus_target(self) -> QWidget:
        return self.line


class FieldRow(QWidget):
    """One field: label (buddy of the control), the editor, its hint and its error."""

    def __init__(self, fld: Field, editor: FieldEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = fld
        self.editor = editor
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 6)
        layout.setSpacing(3)
        text = fld.label or fld.name
        self.label = QLabel(text + ("" if fld.required or fld.widget == "boolean" else "  (optional)"))
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.label.setBuddy(editor.focus_target())
        self.label.setVisible(fld.widget not in ("boolean", "object", "list") or not fld.is_builtin_widget
                              or isinstance(editor, SimpleListEditor))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("field-error")  # coloured by the theme, per scheme
        self.error.setAccessibleName(f"{text}: error")
        self.error.hide()
        self.hint = QLabel(fld.hint or "")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.MarkdownText)
        self.hint.setOpenExternalLinks(True)
        self.hint.setForegroundRole(self.hint.foregroundRole().PlaceholderText)
        self.hint.setVisible(bool(fld.hint))
        layout.addWidget(self.label)
        layout.addWidget(editor)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        self.shared_note = QLabel()
        self.shared_note.setForegroundRole(self.shared_note.foregroundRole().PlaceholderText)
        self.shared_note.hide()
        layout.addWidget(self.shared_note)
        if isinstance(editor, HiddenEditor):
            self.hide()

    def set_errors(self, messages: list[str]) -> None:
        """Show (or clear) the field's error messages under it."""
        self.error.setText("\n".join(messages))
        self.error.setVisible(bool(messages))


class FieldsPanel(QWidget):
    """The rows of a list of fields, editing one mapping (top level, object, or list item)."""

    changed = Signal()
    markdown_focused = Signal(object)

    def __init__(self, fields: list[Field], context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = fields
        self.context = context
        self.rows: list[FieldRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for fld in fields:
            editor = make_editor(fld, context)
            editor.changed.connect(lambda: emit(self.changed))
            if isinstance(editor, MarkdownFieldEditor):
                editor.focused.connect(lambda e: emit(self.markdown_focused, e))
            elif isinstance(editor, (ObjectEditor, ListEditor)):
                editor.markdown_focused.connect(lambda e: emit(self.markdown_focused, e))
            row = FieldRow(fld, editor)
            self.rows.append(row)
            layout.addWidget(row)
        self._original: Any = None

    def load(self, data: Any, is_new: bool) -> None:
        """Show a mapping's values; on new entries fields with a default get it."""
        self._original = data
        mapping = data if isinstance(data, dict) else {}
        for row in self.rows:
            fld, editor = row.field, row.editor
            if fld.name in mapping:
                editor.load(mapping[fld.name], True)
            elif is_new and fld.has_default:
                editor.load(self._default_of(fld), True)
            elif is_new and fld.widget in ("datetime", "date"):
                # Decap's datetime widget starts a new entry at the current time unless `default: ''`.
                editor.load(wv.now_default(fld, self.context.now()), True)
            elif is_new and isinstance(editor, (ObjectEditor, ListEditor)):
                editor.load_new()
            else:
                editor.load(None, False)

    def _default_of(self, fld: Field) -> Any:
        if fld.widget in ("datetime", "date") and fld.default == "{{now}}":
            return wv.now_default(fld, self.context.now())
        return fld.default

    def value(self) -> dict[str, Any]:
        """The mapping with every field's value; unknown keys pass through in their place."""
        result = dict(self._original) if isinstance(self._original, dict) else {}
        for row in self.rows:
            name = row.field.name
            if row.editor.is_present():
                result[name] = row.editor.value()
            else:
                result.pop(name, None)
        return result

    def any_present(self) -> bool:
        """Whether any field has a value to write."""
        return any(row.editor.is_present() for row in self.rows)

    def any_touched(self) -> bool:
        """Whether the user changed any field."""
        return any(row.editor.is_touched() for row in self.rows)

    def walk(self, prefix: str = "") -> list[tuple[str, FieldRow]]:
        """Every row under this panel with its field path (`blocks[1].title`)."""
        out: list[tuple[str, FieldRow]] = []
        for row in self.rows:
            path = f"{prefix}{row.field.name}"
            out.append((path, row))
            out.extend(row.editor.walk(path) if isinstance(row.editor, (ObjectEditor, ListEditor)) else [])
        return out


class Collapsible(QFrame):
    """A framed box with a header button that folds its body."""

    def __init__(self, title: str, collapsed: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setChecked(not collapsed)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        # a heading that folds, not a pressed-looking button
        self.toggle.setObjectName("collapsible-toggle")
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self.header = QHBoxLayout()
        self.header.setContentsMargins(0, 0, 0, 0)
        self.header.addWidget(self.toggle)
        self.header.addStretch(1)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(12, 0, 4, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(self.header)
        layout.addWidget(self.body)
        self.set_title(title)
        self._on_toggle_toggled(not collapsed)

    def set_title(self, title: str) -> None:
        """The header text."""
        self.toggle.setText(title)
        self.toggle.setAccessibleName(f"{title} (expand or collapse)")

    def _on_toggle_toggled(self, expanded: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)

    def set_expanded(self, expanded: bool) -> None:
        """Unfold or fold the body."""
        self.toggle.setChecked(expanded)


class ObjectEditor(FieldEditor):
    """`object`: its fields in a collapsible box (`collapsed`, `summary`)."""

    markdown_focused = Signal(object)

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.box = Collapsible(self._label(), bool(fld.options.get("collapsed")))
        self.panel = FieldsPanel(fld.fields, context)
        self.panel.changed.connect(self._on_panel_changed)
        self.panel.markdown_focused.connect(lambda e: emit(self.markdown_focused, e))
        self.box.body_layout.addWidget(self.panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)

    def _show(self, value: Any) -> None:
        self.panel.load(value if isinstance(value, dict) else None, False)
        self._update_title()

    def load_new(self) -> None:
        """A new entry: nested defaults apply, the object is written only if something has a value."""
        self._original, self._present, self._touched = None, False, False
        self.panel.load(None, True)
        self._update_title()

    def _update_title(self) -> None:
        summary = self.field.options.get("summary")
        value = self.panel.value()
        text = wv.render_template(summary, value).strip() if isinstance(summary, str) else ""
        self.box.set_title(f"{self._label()} — {text}" if text else self._label())

    def _on_panel_changed(self) -> None:
        self._update_title()
        emit(self.changed)

    def value(self) -> Any:
        if not self.panel.any_touched() and not isinstance(self._original, dict) and self._present:
            return self._original
        return self.panel.value()

    def is_present(self) -> bool:
        return self._present or self.panel.any_present()

    def is_touched(self) -> bool:
        return self.panel.any_touched()

    def walk(self, path: str) -> list[tuple[str, FieldRow]]:
        """Rows of the object's fields."""
        return self.panel.walk(f"{path}.")

    def focus_target(self) -> QWidget:
        return self.box.toggle


class ListItem(QFrame):
    """One list item: a header with its summary and move/remove buttons, and its editor."""

    def __init__(self, owner: ListEditor, item_type: Field | None, collapsed: bool) -> None:
        super().__init__()
        self.owner = owner
        self.item_type = item_type
        fld = owner.field
        self.box = Collapsible("", collapsed)
        self.up = QToolButton()
        self.up.setArrowType(Qt.ArrowType.UpArrow)
        self.down = QToolButton()
        self.down.setArrowType(Qt.ArrowType.DownArrow)
        self.remove = QToolButton()
        self.remove.setIcon(theme.icon("x"))
        for button, what in ((self.up, "Move up"), (self.down, "Move down"), (self.remove, "Remove")):
            button.setAutoRaise(True)
            button.setToolTip(what)
            self.box.header.addWidget(button)
        self.up.setVisible(bool(fld.options.get("allow_reorder", True)))
        self.down.setVisible(bool(fld.options.get("allow_reorder", True)))
        self.remove.setVisible(bool(fld.options.get("allow_remove", True)))
        self.up.clicked.connect(lambda: owner.move_item(self, -1))
        self.down.clicked.connect(lambda: owner.move_item(self, 1))
        self.remove.clicked.connect(lambda: owner.remove_item(self))
        self.panel: FieldsPanel | None = None
        self.single: FieldEditor | None = None
        if fld.field is not None:
            self.single = make_editor(fld.field, owner.context)
            self.single.changed.connect(owner._on_item_changed)
            self.box.body_layout.addWidget(FieldRow(fld.field, self.single))
        else:
            fields = item_type.fields if item_type is not None else fld.fields
            self.panel = FieldsPanel(fields, owner.context)
            self.panel.changed.connect(owner._on_item_changed)
            self.panel.markdown_focused.connect(lambda e: emit(owner.markdown_focused, e))
            self.box.body_layout.addWidget(self.panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        self._original: Any = None

    def load(self, value: Any, is_new: bool) -> None:
        """Show the item's value (new items get defaults)."""
        self._original = value
        if self.single is not None:
            if is_new and self.single.field.has_default:
                self.single.load(self.single.field.default, True)
            else:
                self.single.load(value, not is_new)
        elif self.panel is not None:
            self.panel.load(value, is_new)

    def value(self) -> Any:
        """The item's value (type key first for `types` items)."""
        if self.single is not None:
            return self.single.value() if self.single.is_present() else None
        assert self.panel is not None
        data = self.panel.value()
        if self.item_type is not None:
            key = self.owner.field.type_key
            data = {key: self.item_type.name, **{k: v for k, v in data.items() if k != key}}
        return data

    def touched(self) -> bool:
        """Whether the user changed the item."""
        if self.single is not None:
            return self.single.is_touched()
        assert self.panel is not None
        return self.panel.any_touched()

    def update_title(self, index: int) -> None:
        """Header: `summary` template, else the first value; the type's label for typed lists."""
        value = self.value()
        if self.item_type is not None:
            value = {k: v for k, v in value.items() if k != self.owner.field.type_key}
            # a type's own `summary` wins over the list's (Decap reads it from the type)
            summary_field = self.item_type if self.item_type.options.get("summary") else self.owner.field
            title = f"{self.item_type.label or self.item_type.name}: " \
                    f"{wv.list_item_summary(summary_field, value, index)}"
        else:
            title = wv.list_item_summary(self.owner.field, value, index)
        self.box.set_title(title)
        self.up.setAccessibleName(f"Move {title} up")
        self.down.setAccessibleName(f"Move {title} down")
        self.remove.setAccessibleName(f"Remove {title}")


class ListEditor(FieldEditor):
    """`list` with `field`, `fields` or `types`: add, remove, reorder, collapse, `summary`, `min`/`max`."""

    markdown_focused = Signal(object)

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        self.items: list[ListItem] = []
        self._structure_changed = False
        self.box = Collapsible(self._label(), False)
        self.items_layout = QVBoxLayout()
        self.items_layout.setSpacing(4)
        self.box.body_layout.addLayout(self.items_layout)
        singular = fld.options.get("label_singular") or fld.label or fld.name
        self.add_button = QPushButton(f"Add {singular}")
        self.add_button.setAccessibleName(f"Add {singular} to {self._label()}")
        if fld.types:
            menu = QMenu(self.add_button)
            for item_type in fld.types:
                action = menu.addAction(item_type.label or item_type.name)
                action.triggered.connect(lambda _checked=False, t=item_type: self.add_item(t))
            self.add_button.setMenu(menu)
        else:
            self.add_button.clicked.connect(lambda: self.add_item())
        self.add_button.setVisible(bool(fld.options.get("allow_add", True)))
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        self.box.body_layout.addLayout(add_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)

    def _type_of(self, value: Any) -> Field | None:
        return wv.list_item_type(self.field, value) if self.field.types else None

    def _make_item(self, item_type: Field | None) -> ListItem:
        return ListItem(self, item_type, bool(self.field.options.get("collapsed")))

    def _clear(self) -> None:
        for item in self.items:
            self.items_layout.removeWidget(item)
            item.deleteLater()
        self.items = []

    def _show(self, value: Any) -> None:
        self._clear()
        self._structure_changed = False
        for entry in value if isinstance(value, list) else []:
            item = self._make_item(self._type_of(entry))
            item.load(entry, False)
            self.items.append(item)
            self.items_layout.addWidget(item)
        self._refresh()

    def load_new(self) -> None:
        """A new entry without a default: an empty list that is written only when items are added."""
        self.load(None, False)

    def add_item(self, item_type: Field | None = None) -> ListItem:
        """Append a new item (of a `types` variant), with its fields' defaults, expanded."""
        if self.field.types and item_type is None:
            item_type = self.field.types[0]
        item = self._make_item(item_type)
        item.load(None, True)
        item.box.set_expanded(True)
        position = 0 if self.field.options.get("add_to_top") else len(self.items)
        self.items.insert(position, item)
        self.items_layout.insertWidget(position, item)
        self._structure_changed = True
        self._refresh()
        self._edited()
        return item

    def remove_item(self, item: ListItem) -> None:
        """Remove an item."""
        self.items.remove(item)
        self.items_layout.removeWidget(item)
        item.deleteLater()
        self._structure_changed = True
        self._refresh()
        self._edited()

    def move_item(self, item: ListItem, delta: int) -> None:
        """Move an item up (-1) or down (+1)."""
        index = self.items.index(item)
        target = index + delta
        if not 0 <= target < len(self.items):
            return
        self.items.insert(target, self.items.pop(index))
        self.items_layout.removeWidget(item)
        self.items_layout.insertWidget(target, item)
        self._structure_changed = True
        self._refresh()
        self._edited()

    def _refresh(self) -> None:
        for index, item in enumerate(self.items):
            item.update_title(index)
            item.up.setEnabled(index > 0)
            item.down.setEnabled(index < len(self.items) - 1)
        high = self.field.options.get("max")
        self.add_button.setEnabled(not (isinstance(high, (int, float)) and len(self.items) >= high))
        count = len(self.items)
        self.box.set_title(f"{self._label()} ({count} item{'s' if count != 1 else ''})")

    def _on_item_changed(self) -> None:
        if self._loading:
            return
        self._touched = True
        self._refresh()
        emit(self.changed)

    def _read(self) -> Any:
        return [item.value() for item in self.items]

    def value(self) -> Any:
        if not self._structure_changed and not any(item.touched() for item in self.items):
            return self._original
        return self._read()

    def is_present(self) -> bool:
        return self._present or bool(self.items) or self._structure_changed

    def is_touched(self) -> bool:
        return self._structure_changed or any(item.touched() for item in self.items)

    def walk(self, path: str) -> list[tuple[str, FieldRow]]:
        """Rows of every item's fields (`path[index].name`)."""
        out: list[tuple[str, FieldRow]] = []
        for index, item in enumerate(self.items):
            if item.panel is not None:
                out.extend(item.panel.walk(f"{path}[{index}]."))
            elif item.single is not None:
                row = item.single.parentWidget()
                if isinstance(row, FieldRow):
                    out.append((f"{path}[{index}]", row))
        return out

    def focus_target(self) -> QWidget:
        return self.add_button


EDITORS: dict[str, type[FieldEditor]] = {
    "string": StringEditor,
    "text": TextEditor,
    "number": NumberEditor,
    "boolean": BooleanEditor,
    "datetime": DateTimeEditor,
    "date": DateTimeEditor,
    "select": SelectEditor,
    "image": MediaEditor,
    "file": MediaEditor,
    "markdown": MarkdownFieldEditor,
    "richtext": MarkdownFieldEditor,
    "object": ObjectEditor,
    "relation": RelationEditor,
    "map": MapEditor,
    "code": CodeEditor,
    "color": ColorEditor,
    "hidden": HiddenEditor,
}


def make_editor(fld: Field, context: FormContext) -> FieldEditor:
    """The editor of a field's widget; raw YAML for widgets that are not built in."""
    if not fld.is_builtin_widget or (fld.widget not in EDITORS and fld.widget != "list"):
        return RawYamlEditor(fld, context)
    if fld.widget == "list":
        if fld.field is None and not fld.fields and not fld.types:
            return SimpleListEditor(fld, context)
        return ListEditor(fld, context)
    return EDITORS[fld.widget](fld, context)


class EntryForm(QWidget):
    """The form of one entry: `set_value(data)`, `value()`, `validate()`; `changed` as the user edits."""

    changed = Signal()
    markdown_focused = Signal(object)

    def __init__(self, fields: list[Field], context: FormContext | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = fields
        self.context = context or FormContext()
        self.panel = FieldsPanel(fields, self.context)
        self.panel.changed.connect(lambda: emit(self.changed))
        self.panel.markdown_focused.connect(lambda e: emit(self.markdown_focused, e))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 12)
        layout.addWidget(self.panel)
        layout.addStretch(1)
        for row in self.panel.rows:
            if isinstance(row.editor, MarkdownFieldEditor):
                row.editor.editor.edit.setMinimumHeight(280)  # the entry's main text gets room

    def set_value(self, data: dict[str, Any] | None, *, is_new: bool = False) -> None:
        """Load an entry's data (None or `is_new`: a new entry, defaults applied)."""
        self.panel.load(data or {}, is_new or data is None)
        for _path, row in self.panel.walk():
            row.set_errors([])

    def value(self) -> dict[str, Any]:
        """The entry's data as it should be saved."""
        return self.panel.value()

    def editor(self, path: str) -> FieldEditor:
        """The editor of a field path (`title`, `authors[0].name`)."""
        for row_path, row in self.panel.walk():
            if row_path == path:
                return row.editor
        raise KeyError(f"no field {path!r} in this form")

    def row(self, path: str) -> FieldRow:
        """The row (label, editor, hint, error) of a field path."""
        return next(row for row_path, row in self.panel.walk() if row_path == path)

    def markdown_editors(self) -> list[MarkdownFieldEditor]:
        """Every markdown field editor, top level first."""
        return [row.editor for _p, row in self.panel.walk() if isinstance(row.editor, MarkdownFieldEditor)]

    def validate(self) -> list[tuple[str, str]]:
        """Check every field, show each message next to its field and return (field path, message)."""
        problems: list[tuple[str, str]] = []
        for path, row in self.panel.walk():
            editor = row.editor
            messages = editor.local_problems() or wv.validate_field(row.field, editor.value(), editor.is_present())
            row.set_errors(messages)
            problems.extend((path, m) for m in messages)
        return problems

    def set_read_only_fields(self, names: set[str], note: str) -> None:
        """Lock top-level fields (shared across locales) with a note under them; others unlock."""
        for row in self.panel.rows:
            locked = row.field.name in names
            row.editor.set_read_only(locked)
            row.shared_note.setText(note if locked else "")
            row.shared_note.setVisible(locked)
