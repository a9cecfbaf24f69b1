"""A terminal-grade log of a run: structured or raw, filtered, searchable, sticky at the end.

It follows new lines only while scrolled to the bottom; scrolling up stops following and
shows "Jump to latest". Lines live in a :class:`LogModel` (batched inserts), never in a
text widget that re-renders everything.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.run_events import Event
from dtwin_gui.ui.theme import monospace_font
from dtwin_gui.ui.widgets.log_model import LogModel

ALL_SOURCES = "All sources"
LEVEL_CHOICES = (
    ("All levels", "debug"),
    ("Info and above", "info"),
    ("Warnings and errors", "warning"),
    ("Errors only", "error"),
)


class LogView(QWidget):
    """The log of one run. ``saved(path)`` after a successful save."""

    saved = Signal(object)
    save_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LogModel(self)
        self._following = True

        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.structured_button = QPushButton("Structured")
        self.raw_button = QPushButton("Raw")
        modes = QButtonGroup(self)
        for button in (self.structured_button, self.raw_button):
            button.setCheckable(True)
            button.setProperty("role", "filter")
            modes.addButton(button)
            bar.addWidget(button)
        self.structured_button.setChecked(True)
        self.structured_button.setToolTip("Time, level, source and message in columns")
        self.raw_button.setToolTip("The lines as Terraform and the tools printed them")
        self.raw_button.toggled.connect(self.set_raw)

        self.source_box = QComboBox()
        self.source_box.addItem(ALL_SOURCES)
        self.source_box.setToolTip("Show the lines of one source only")
        self.source_box.currentTextChanged.connect(self._source_chosen)
        self.level_box = QComboBox()
        for label, level in LEVEL_CHOICES:
            self.level_box.addItem(label, level)
        self.level_box.currentIndexChanged.connect(
            lambda _i: self.model.set_filters(min_level=self.level_box.currentData())
        )
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search the log…")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda text: self.model.set_filters(search=text))
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selected lines (all shown lines if none)")
        self.copy_button.clicked.connect(self.copy)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the whole run as a .log text file or as .jsonl events")
        self.save_button.clicked.connect(self._ask_save)
        for widget in (self.source_box, self.level_box):
            bar.addWidget(widget)
        bar.addWidget(self.search_box, 1)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.save_button)

        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(False)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setFont(monospace_font(9))
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.view.header()
        header.setStretchLastSection(True)
        for column, width in ((0, 96), (1, 64), (2, 82)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
        bar_scroll = self.view.verticalScrollBar()
        bar_scroll.valueChanged.connect(self._scrolled)
        bar_scroll.rangeChanged.connect(self._range_changed)
        QShortcut(QKeySequence.StandardKey.Copy, self.view, self.copy)

        self.jump_button = QPushButton("↓ Jump to latest")
        self.jump_button.setProperty("primary", True)
        self.jump_button.clicked.connect(self.jump_to_latest)
        self.jump_button.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        jump_row = QHBoxLayout()
        jump_row.addStretch(1)
        jump_row.addWidget(self.jump_button)
        layout.addLayout(jump_row)

    # --- content -------------------------------------------------------------------------
    def clear(self) -> None:
        self.model.clear()
        self.source_box.blockSignals(True)
        self.source_box.clear()
        self.source_box.addItem(ALL_SOURCES)
        self.source_box.blockSignals(False)
        self.model.set_filters(source=None)
        self.jump_to_latest()

    def append_events(self, events: list[Event]) -> None:
        """Add a batch of events (new lines follow the end only while following)."""
        for source in self.model.append_events(events):
            self.source_box.addItem(source)

    # --- following the end ---------------------------------------------------------------
    @property
    def following(self) -> bool:
        return self._following

    def _at_bottom(self) -> bool:
        bar = self.view.verticalScrollBar()
        return bar.value() >= bar.maximum() - 1

    def _scrolled(self, _value: int) -> None:
        self._set_following(self._at_bottom())

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self._following:
            self.view.verticalScrollBar().setValue(maximum)

    def _set_following(self, following: bool) -> None:
        self._following = following
        self.jump_button.setVisible(not following)

    def jump_to_latest(self) -> None:
        self._set_following(True)
        self.view.scrollToBottom()
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.maximum())

    # --- filters -------------------------------------------------------------------------
    def set_raw(self, raw: bool) -> None:
        """Raw: the printed lines only, no columns; structured: time, level, source, message."""
        if self.raw_button.isChecked() != raw:
            (self.raw_button if raw else self.structured_button).setChecked(True)
        for column in (0, 1, 2):
            self.view.setColumnHidden(column, raw)
        self.view.setHeaderHidden(raw)
        self.model.set_filters(raw=raw)
        self._after_filter()

    def set_source(self, source: str | None) -> None:
        self.source_box.setCurrentText(source or ALL_SOURCES)

    def _source_chosen(self, text: str) -> None:
        self.model.set_filters(source=None if text in ("", ALL_SOURCES) else text)
        self._after_filter()

    def _after_filter(self) -> None:
        if self._following:
            self.jump_to_latest()

    # --- copy and save -------------------------------------------------------------------
    def selected_text(self) -> str:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        if not rows:
            return self.model.as_text()
        return self.model.as_text([self.model.line(row) for row in rows])

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.selected_text())

    def save_to(self, path: Path) -> bool:
        """Save the run's log; says why in ``save_failed`` when it cannot."""
        try:
            self.model.save(Path(path))
        except OSError as exc:
            self.save_failed.emit(
                f"The log could not be saved to {path}: {exc.strerror or exc}. "
                "Choose another folder."
            )
            return False
        self.saved.emit(Path(path))
        return True

    def _ask_save(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the log", "run.log", "Log text (*.log);;Events (*.jsonl)"
        )
        if path:
            self.save_to(Path(path))
