"""CodeEditor: `code` fields, a monospace editor with a language and light highlighting."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QComboBox, QPlainTextEdit, QWidget

from editor_app.config.site_config import Field
from editor_app.ui import theme
from editor_app.ui.widgets.field_editor import FieldEditor, FormContext, make_column, make_row


class CodeHighlighter(QSyntaxHighlighter):
    """A small language-agnostic highlighter: strings, numbers, comments and common keywords."""

    KEYWORDS = ("def class return if else elif for while import from function const let var async await "
                "true false null None True False new public private static void int float string").split()

    def __init__(self, document: Any) -> None:
        super().__init__(document)
        self.rules: list[tuple[QRegularExpression, QTextCharFormat]] = []

        def fmt(color: str, bold: bool = False) -> QTextCharFormat:
            f = QTextCharFormat()
            f.setForeground(QColor(color))
            if bold:
                f.setFontWeight(QFont.Weight.Bold)
            return f

        keywords = QRegularExpression(r"\b(" + "|".join(self.KEYWORDS) + r")\b")
        self.rules.append((keywords, fmt(theme.colour("syntax-heading"), True)))
        self.rules.append((QRegularExpression(r"\b\d+(\.\d+)?\b"), fmt(theme.colour("syntax-list"))))
        self.rules.append((QRegularExpression(r"\"[^\"]*\"|'[^']*'|`[^`]*`"), fmt(theme.colour("syntax-string"))))
        self.rules.append((QRegularExpression(r"(#|//|--).*$"), fmt(theme.colour("syntax-comment"))))

    def highlightBlock(self, text: str) -> None:
        for regex, fmt in self.rules:
            matches = regex.globalMatch(text)
            while matches.hasNext():
                match = matches.next()
                self.setFormat(match.capturedStart(), match.capturedLength(), fmt)


CODE_LANGUAGES = ["", "bash", "c", "cpp", "csharp", "css", "go", "html", "java", "javascript", "json",
                  "kotlin", "markdown", "php", "python", "ruby", "rust", "shell", "sql", "swift", "toml",
                  "typescript", "xml", "yaml"]


class CodeEditor(FieldEditor):
    """`code`: a monospace editor with a language selector; value `{code, lang}` or the code alone."""

    def __init__(self, fld: Field, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, context, parent)
        opts = fld.options
        keys = opts.get("keys")
        if not isinstance(keys, dict):
            keys = {}
        self.code_key = str(keys.get("code", "code"))
        self.lang_key = str(keys.get("lang", "lang"))
        self.code_only = bool(opts.get("output_code_only"))
        self.language = QComboBox()
        self.language.setAccessibleName(f"{self._label()}: language")
        self.language.addItems(CODE_LANGUAGES)
        self.language.setEditable(True)
        self.language.setVisible(bool(opts.get("allow_language_selection", True)) and not self.code_only)
        self.language.currentTextChanged.connect(self._edited)
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(self._label())
        self.edit.setTabChangesFocus(True)
        self.edit.setFont(QFont("monospace"))
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 8 + 12)
        self.edit.textChanged.connect(self._edited)
        self.highlighter = CodeHighlighter(self.edit.document())
        layout = make_column(self)
        layout.addLayout(make_row(self.language, None, stretch_first=False))
        layout.addWidget(self.edit)

    def _show(self, value: Any) -> None:
        if isinstance(value, dict):
            code, lang = value.get(self.code_key, ""), value.get(self.lang_key, "")
        else:
            code, lang = ("" if value is None else str(value)), self.field.options.get("default_language", "")
        self.language.setCurrentText(str(lang or ""))
        self.edit.setPlainText(str(code or ""))

    def _read(self) -> Any:
        if self.code_only or isinstance(self._original, str):
            return self.edit.toPlainText()
        base = dict(self._original) if isinstance(self._original, dict) else {}
        base[self.code_key] = self.edit.toPlainText()
        base[self.lang_key] = self.language.currentText()
        return base

    def focus_target(self) -> QWidget:
        return self.edit
