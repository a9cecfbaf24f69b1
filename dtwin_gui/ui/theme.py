"""The light theme: palette, cloud colours and the application stylesheet.

Widgets mark themselves with dynamic properties (``role``, ``kind``, ``cloud``) and the
stylesheet below gives those a look, so no widget hard-codes colours it could share.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from dtwin_gui.core.providers import CLOUDS, Cloud

CLOUD_COLORS: dict[Cloud, str] = {
    Cloud.AWS: "#FF9900",
    Cloud.AZURE: "#0078D4",
    Cloud.GOOGLE: "#34A853",
}
#: Darker shades of the cloud colours, readable as text on white or on a tint.
CLOUD_TEXT_COLORS: dict[Cloud, str] = {
    Cloud.AWS: "#9A5B00",
    Cloud.AZURE: "#005A9E",
    Cloud.GOOGLE: "#1E7B37",
}

WINDOW = "#F4F6F8"
SURFACE = "#FFFFFF"
SIDEBAR = "#EBEEF2"
BORDER = "#D5DBE3"
TEXT = "#1F2933"
MUTED = "#5F6B7A"
ACCENT = "#2563EB"
ACCENT_DARK = "#1D4ED8"
ERROR = "#C62828"
ERROR_BG = "#FDECEC"
WARNING = "#A15C00"
WARNING_BG = "#FFF4E0"
OK = "#2E7D32"
OK_BG = "#E8F5E9"
INFO_BG = "#E8F0FE"
NEUTRAL = "#9AA5B1"
MONO_FAMILY = "DejaVu Sans Mono"


def tint(color: str | QColor, keep: float) -> QColor:
    """``color`` mixed with white; ``keep`` is the share of the colour (0..1)."""
    c = QColor(color)
    return QColor(
        round(255 + (c.red() - 255) * keep),
        round(255 + (c.green() - 255) * keep),
        round(255 + (c.blue() - 255) * keep),
    )


def cloud_color(cloud: Cloud | None) -> QColor:
    """The brand colour of ``cloud`` (neutral grey when no cloud is chosen)."""
    return QColor(CLOUD_COLORS[cloud]) if cloud else QColor(NEUTRAL)


def cloud_tint(cloud: Cloud | None, keep: float = 0.16) -> QColor:
    """A light background in the colour of ``cloud``."""
    return tint(cloud_color(cloud), keep)


def cloud_text_color(cloud: Cloud | None) -> QColor:
    return QColor(CLOUD_TEXT_COLORS[cloud]) if cloud else QColor(MUTED)


def monospace_font(point_size: float = 9.5) -> QFont:
    font = QFont(MONO_FAMILY)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(point_size)
    return font


def _cloud_cell_rules() -> str:
    rules = []
    for cloud in CLOUDS:
        color = CLOUD_COLORS[cloud]
        rules.append(
            f"""
QPushButton[role="choice"][cloud="{cloud}"]:hover {{
    border-color: {color}; background: {tint(color, 0.07).name()};
}}
QPushButton[role="choice"][cloud="{cloud}"]:checked {{
    background: {tint(color, 0.2).name()}; border: 2px solid {color};
    color: {CLOUD_TEXT_COLORS[cloud]}; font-weight: bold;
}}
QLabel[role="cloud-header"][cloud="{cloud}"] {{
    color: {CLOUD_TEXT_COLORS[cloud]}; border-bottom: 3px solid {color};
}}"""
        )
    return "".join(rules)


STYLESHEET = f"""
QMainWindow, QDialog {{ background: {WINDOW}; }}
QWidget {{ color: {TEXT}; }}
QToolTip {{
    background: {SURFACE}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px;
}}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ padding: 0 6px; }}

QFrame[role="header"] {{ background: {SURFACE}; border-bottom: 1px solid {BORDER}; }}
QFrame[role="footer"] {{ background: {SURFACE}; border-top: 1px solid {BORDER}; }}
QListWidget[role="steps"] {{
    background: {SIDEBAR}; border: none; border-right: 1px solid {BORDER}; outline: none;
}}

QFrame[role="card"] {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 10px;
}}
QFrame[role="card"]:hover {{ border-color: {ACCENT}; }}
QFrame[role="panel"] {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px;
}}

QLabel[role="page-title"] {{ font-size: 17pt; font-weight: bold; }}
QLabel[role="section"] {{ font-size: 11pt; font-weight: bold; }}
QLabel[role="card-title"] {{ font-size: 12pt; font-weight: bold; }}
QLabel[role="project-name"] {{ font-size: 15pt; font-weight: bold; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="error-count"] {{ color: {ERROR}; font-weight: bold; }}
QLabel[role="warning-count"] {{ color: {WARNING}; font-weight: bold; }}
QLabel[role="ok"] {{ color: {OK}; font-weight: bold; }}
QLabel[role="field-error"] {{ color: {ERROR}; }}

QFrame[role="banner"] {{ border-radius: 6px; padding: 2px; }}
QFrame[role="banner"][kind="error"] {{ background: {ERROR_BG}; border: 1px solid #F3B5B5; }}
QFrame[role="banner"][kind="info"] {{ background: {INFO_BG}; border: 1px solid #B9CEF7; }}
QFrame[role="banner"][kind="ok"] {{ background: {OK_BG}; border: 1px solid #B7DDB9; }}
QFrame[role="banner"] QLabel {{ background: transparent; border: none; }}

QPushButton {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px;
    padding: 6px 14px; min-height: 18px;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; }}
QPushButton:disabled {{ color: #A0A8B3; background: #F1F3F5; border-color: #E3E7EC; }}
QPushButton[primary="true"] {{
    background: {ACCENT}; color: white; border: 1px solid {ACCENT_DARK}; font-weight: bold;
}}
QPushButton[primary="true"]:hover {{ background: {ACCENT_DARK}; }}
QPushButton[primary="true"]:disabled {{
    background: #B8C7EA; border-color: #B8C7EA; color: white;
}}
QPushButton[role="filter"] {{ padding: 3px 10px; border-radius: 11px; }}
QPushButton[role="filter"]:checked {{ background: {INFO_BG}; border-color: {ACCENT}; }}
QPushButton[role="choice"] {{
    border-radius: 8px; padding: 4px 3px; min-height: 28px; text-align: center;
    font-size: 9.5pt;
}}
QPushButton[role="choice"]:disabled {{
    background: #EEF0F3; color: #8C96A3; border: 1px dashed #C3CAD3; font-style: italic;
}}
{_cloud_cell_rules()}

QLineEdit, QPlainTextEdit, QTextEdit {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px; padding: 4px;
    selection-background-color: {ACCENT};
}}
QLineEdit:focus {{ border: 2px solid {ACCENT}; }}
QTreeWidget, QTreeView, QListWidget, QListView, QTableWidget, QTableView {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px;
    alternate-background-color: #F8F9FB;
}}
QListWidget[role="recent"]::item {{ padding: 6px 4px; border-bottom: 1px solid #EEF0F3; }}
QListWidget[role="recent"]::item:selected {{ background: {INFO_BG}; color: {TEXT}; }}
QHeaderView::section {{
    background: #F1F3F6; border: none; border-bottom: 1px solid {BORDER};
    padding: 4px 6px; font-weight: bold; color: {MUTED};
}}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 6px; top: -1px; }}
QTabBar::tab {{
    background: transparent; padding: 6px 14px; border: none; color: {MUTED};
    border-bottom: 2px solid transparent;
}}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; font-weight: bold; }}
QSplitter::handle {{ background: {WINDOW}; }}
QScrollArea {{ background: transparent; border: none; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
"""


def apply_theme(app: QApplication) -> None:
    """Give ``app`` the light theme: Fusion style, a light palette, readable font sizes."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(WINDOW))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#F8F9FB"))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Button, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(NEUTRAL))
    app.setPalette(palette)
    font = app.font()
    font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
