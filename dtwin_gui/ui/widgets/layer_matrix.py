"""The choice matrix: one row per slot, one exclusive cell per cloud, and a "None" cell on
the optional rows (L4 twin model, L5 dashboards) that leaves the layer out of the twin."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.providers import (
    CLOUD_TITLES,
    CLOUDS,
    LEFT_OUT_MEANING,
    NO_CLOUD,
    OPTIONAL_SLOTS,
    SLOT_INFO,
    SLOTS,
    Cloud,
    NoCloud,
    Slot,
    undeployable_reason,
    unsupported_reason,
)
from dtwin_gui.ui import theme
from dtwin_gui.ui.widgets.noted_button import NotedButton

CHECK = "✓ "
#: The mark of a chosen cell this version cannot deploy (instead of the tick).
UNDEPLOYABLE = "⚠ "
LABEL_WIDTH = 172
CELL_MIN_HEIGHT = 22
#: The column header and cell text of "leave this layer out".
NONE_TITLE = "None"
#: The matrix's columns: every cloud, then None.
COLUMNS: tuple[Cloud | NoCloud, ...] = (*CLOUDS, NO_CLOUD)


class LayerMatrix(QWidget):
    """Pick a cloud per slot. Cells a cloud cannot fill are disabled and say why; cells this
    version cannot deploy yet stay choosable, with a dashed border, a ⚠ when chosen and a
    tooltip that says so (``providers.DEPLOYABLE_CLOUDS``)."""

    choice_made = Signal(object, object)  # Slot, Cloud | NO_CLOUD — only for user clicks

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cells: dict[tuple[Slot, Cloud | NoCloud], QPushButton] = {}
        self._groups: dict[Slot, QButtonGroup] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        corner = QLabel("Layer")
        corner.setProperty("role", "muted")
        grid.addWidget(corner, 0, 0, Qt.AlignmentFlag.AlignBottom)
        for col, cloud in enumerate(COLUMNS, start=1):
            header = QLabel(NONE_TITLE if cloud is NO_CLOUD else CLOUD_TITLES[cloud])
            header.setProperty("role", "muted" if cloud is NO_CLOUD else "cloud-header")
            header.setProperty("cloud", str(cloud))
            header.setAlignment(Qt.AlignmentFlag.AlignCenter)
            header.setStyleSheet("font-weight: bold; padding-bottom: 4px;")
            if cloud is NO_CLOUD:
                header.setToolTip("Leave the layer out of the twin (L4 and L5 only)")
            grid.addWidget(header, 0, col)
        for row, slot in enumerate(SLOTS, start=1):
            grid.addWidget(self._slot_label(slot), row, 0)
            group = QButtonGroup(self)
            group.setExclusive(True)
            self._groups[slot] = group
            for col, cloud in enumerate(COLUMNS, start=1):
                if cloud is NO_CLOUD and slot not in OPTIONAL_SLOTS:
                    continue  # L1-L3: every twin has them
                cell = self._make_cell(slot, cloud)
                group.addButton(cell)
                grid.addWidget(cell, row, col)
                cell.clicked.connect(lambda _=False, s=slot, c=cloud: self._clicked(s, c))
        grid.setRowStretch(len(SLOTS) + 1, 1)  # rows packed at the top, none squeezed
        grid.setColumnMinimumWidth(0, LABEL_WIDTH)
        for col in range(1, len(CLOUDS) + 1):
            grid.setColumnStretch(col, 1)
        grid.setColumnStretch(len(COLUMNS), 0)  # None: as wide as its text needs

    @staticmethod
    def _slot_label(slot: Slot) -> QWidget:
        info = SLOT_INFO[slot]
        box = QWidget()
        box.setFixedWidth(LABEL_WIDTH)
        box.setToolTip(f"{info.title}: {info.role}")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(0)
        title = QLabel(info.title)
        title.setStyleSheet("font-weight: bold;")
        role = QLabel(info.role)  # whole: the roles are written to fit the column
        role.setObjectName(f"role:{slot}")
        role.setProperty("role", "muted")
        role.setStyleSheet("font-size: 8.5pt;")
        role.setWordWrap(True)  # never cut: a longer role takes a second line
        layout.addWidget(title)
        layout.addWidget(role)
        return box

    def _make_none_cell(self, slot: Slot) -> QPushButton:
        info = SLOT_INFO[slot]
        meaning = LEFT_OUT_MEANING[slot]
        cell = QPushButton(NONE_TITLE)
        cell.setCheckable(True)
        cell.setProperty("role", "choice")
        cell.setProperty("cloud", str(NO_CLOUD))
        cell.setProperty("service", NONE_TITLE)
        cell.setProperty("deployable", True)
        cell.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        cell.setMinimumWidth(72)
        cell.setToolTip(f"Leave {info.title} out of the twin: {meaning}")
        cell.setAccessibleName(f"{info.title}: none ({meaning})")
        cell.toggled.connect(lambda on, c=cell: self._mark(c, on))
        self._paint(cell)
        self._cells[slot, NO_CLOUD] = cell
        return cell

    def _make_cell(self, slot: Slot, cloud: Cloud | NoCloud) -> QPushButton:
        if cloud is NO_CLOUD:
            return self._make_none_cell(slot)
        info = SLOT_INFO[slot]
        reason = unsupported_reason(slot, cloud)
        service = info.services.get(cloud, "")
        cell = NotedButton(service if not reason else "not available")
        cell.setCheckable(True)
        cell.setProperty("role", "choice")
        cell.setProperty("cloud", str(cloud))
        cell.setProperty("service", service)
        cell.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        cell.setMinimumWidth(140)
        if reason:
            self._paint(cell)
            cell.setEnabled(False)
            cell.setToolTip(reason)
            cell.setAccessibleName(f"{info.title} on {CLOUD_TITLES[cloud]}: not available")
            cell.setAccessibleDescription(reason)
        else:
            cannot = undeployable_reason(slot, cloud)
            cell.setProperty("deployable", cannot is None)
            where = f"{info.title} on {CLOUD_TITLES[cloud]} ({service})"
            cell.setToolTip(f"{where}: {cannot}" if cannot else f"Run {where}")
            cell.setAccessibleName(
                f"{info.title} on {CLOUD_TITLES[cloud]}: {service}"
                + (" (cannot be deployed by this version)" if cannot else "")
            )
            if cannot:
                cell.setAccessibleDescription(cannot)
            cell.toggled.connect(lambda on, c=cell: self._mark(c, on))
            self._paint(cell)
        self._cells[slot, cloud] = cell
        return cell

    @classmethod
    def _mark(cls, cell: QPushButton, checked: bool) -> None:
        service = cell.property("service")
        mark = CHECK if cell.property("deployable") else UNDEPLOYABLE
        cell.setText(f"{mark}{service}" if checked else service)
        cls._paint(cell)

    @staticmethod
    def _paint(cell: QPushButton) -> None:
        """Compact cells (all seven rows fit above the diagram); a dashed border on cells
        this version cannot deploy, red once chosen."""
        sheet = f"QPushButton {{ min-height: {CELL_MIN_HEIGHT}px; padding: 2px 3px; }}"
        if cell.property("cloud") == str(NO_CLOUD):  # chosen None: neutral, as firm as a cloud
            sheet += (
                f"QPushButton:checked {{ border: 2px solid {theme.MUTED or '#5F6B7A'}; "
                f"background: {theme.ALT_BASE or '#EEF1F4'}; font-weight: bold; }}"
            )
        if cell.property("deployable") is False:
            sheet += f"QPushButton:enabled {{ border: 1px dashed {theme.MUTED or '#5F6B7A'}; }}"
            sheet += f"QPushButton:checked {{ border: 2px dashed {theme.ERROR or '#C62828'}; }}"
        if cell.styleSheet() != sheet:  # re-polishing is not free; refreshes are frequent
            cell.setStyleSheet(sheet)

    def _clicked(self, slot: Slot, cloud: Cloud | NoCloud) -> None:
        self.choice_made.emit(slot, cloud)

    # --- public API ------------------------------------------------------------------------
    def cell(self, slot: Slot, cloud: Cloud | NoCloud) -> QPushButton:
        """The cell of ``slot`` on ``cloud`` (``NO_CLOUD``: the None cell, L4/L5 only)."""
        return self._cells[slot, cloud]

    def has_cell(self, slot: Slot, cloud: Cloud | NoCloud) -> bool:
        return (slot, cloud) in self._cells

    def set_notes(self, notes: Mapping[tuple[Slot, Cloud], tuple[str, str]]) -> None:
        """A small line under each cloud cell (the Layers page's monthly cost) and its
        tooltip; cells not in ``notes`` show none."""
        for (slot, cloud), cell in self._cells.items():
            if isinstance(cell, NotedButton):
                text, tip = notes.get((slot, cloud), ("", ""))
                cell.set_note(text)
                cell.setProperty("note_tip", tip)
                base = cell.property("base_tip")
                if base is None:
                    base = cell.toolTip()
                    cell.setProperty("base_tip", base)
                cell.setToolTip(f"{base}\n\n{tip}" if tip else base)

    def note(self, slot: Slot, cloud: Cloud) -> str:
        """The line under the cell of ``slot`` on ``cloud`` ("" when none)."""
        cell = self._cells[slot, cloud]
        return cell.note() if isinstance(cell, NotedButton) else ""

    def is_marked_undeployable(self, slot: Slot, cloud: Cloud) -> bool:
        """The cell says this version cannot deploy ``slot`` on ``cloud``."""
        return self._cells[slot, cloud].property("deployable") is False

    def set_providers(self, choices: Mapping[Slot, Cloud | NoCloud | None]) -> None:
        """Show ``choices`` (``Project.choices()``: ``NO_CLOUD`` checks the None cell; no
        signals are emitted); slots without a choice show none."""
        for slot in SLOTS:
            group = self._groups[slot]
            chosen = choices.get(slot)
            group.setExclusive(False)
            for cloud in COLUMNS:
                cell = self._cells.get((slot, cloud))
                if cell is None:
                    continue
                supported = cloud is NO_CLOUD or unsupported_reason(slot, cloud) is None
                cell.setChecked(chosen is cloud and supported)
                self._paint(cell)  # the theme may have changed
            group.setExclusive(True)

    def providers(self) -> dict[Slot, Cloud | NoCloud | None]:
        """The choice the matrix shows (``NO_CLOUD`` where None is checked)."""
        out: dict[Slot, Cloud | NoCloud | None] = {}
        for slot in SLOTS:
            cells = ((c, self._cells.get((slot, c))) for c in COLUMNS)
            out[slot] = next((c for c, cell in cells if cell and cell.isChecked()), None)
        return out
