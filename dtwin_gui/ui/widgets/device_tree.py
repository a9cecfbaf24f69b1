"""Devices and their properties, as a tree."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from dtwin_gui.core.project import Device
from dtwin_gui.ui import theme


def _value_text(value: object) -> str:
    return "" if value is None else json.dumps(value)


class DeviceTree(QTreeWidget):
    """Device → properties (name, data type, initial value); constants marked as such."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Device / property", "Data type", "Initial value"])
        self.setAlternatingRowColors(True)
        self.setAccessibleName("Devices")
        self.setColumnWidth(0, 240)
        self.setColumnWidth(1, 100)

    def show_devices(self, devices: list[Device]) -> None:
        self.clear()
        bold = QFont()
        bold.setBold(True)
        for device in devices:
            count = len(device.properties)
            item = QTreeWidgetItem(
                [device.id, f"{count} propert{'y' if count == 1 else 'ies'}", ""]
            )
            item.setFont(0, bold)
            item.setForeground(1, QBrush(QColor(theme.MUTED)))
            item.setData(0, Qt.ItemDataRole.UserRole, device.id)
            for prop in device.properties:
                item.addChild(
                    QTreeWidgetItem([prop.name, prop.data_type, _value_text(prop.init_value)])
                )
            for const in device.const_properties:
                child = QTreeWidgetItem(
                    [f"{const.name} (constant)", const.data_type, _value_text(const.init_value)]
                )
                child.setForeground(0, QBrush(QColor(theme.MUTED)))
                item.addChild(child)
            self.addTopLevelItem(item)
        self.expandAll()

    def device_ids(self) -> list[str]:
        return [self.topLevelItem(i).text(0) for i in range(self.topLevelItemCount())]
