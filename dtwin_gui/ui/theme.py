"""The themes (light, dark, following the system): palette, cloud colours, the stylesheet.

Widgets mark themselves with dynamic properties (``role``, ``kind``, ``cloud``) and the
stylesheet below gives those a look, so no widget hard-codes colours it could share.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
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

#: The light scheme (the original look). Names are the module constants below.
LIGHT: dict[str, str] = {
    "WINDOW": "#F4F6F8",
    "SURFACE": "#FFFFFF",
    "SIDEBAR": "#EBEEF2",
    "BORDER": "#D5DBE3",
    "TEXT": "#1F2933",
    "MUTED": "#5F6B7A",
    "ACCENT": "#2563EB",
    "ACCENT_DARK": "#1D4ED8",
    "ERROR": "#C62828",
    "ERROR_BG": "#FDECEC",
    "ERROR_BORDER": "#F3B5B5",
    "WARNING": "#A15C00",
    "WARNING_BG": "#FFF4E0",
    "OK": "#2E7D32",
    "OK_BG": "#E8F5E9",
    "OK_BORDER": "#B7DDB9",
    "INFO_BG": "#E8F0FE",
    "INFO_BORDER": "#B9CEF7",
    "NEUTRAL": "#9AA5B1",
    "ALT_BASE": "#F8F9FB",
    "HEADER_BG": "#F1F3F6",
    "ROW_RULE": "#EEF0F3",
    "DISABLED_TEXT": "#A0A8B3",
    "DISABLED_BG": "#F1F3F5",
    "DISABLED_BORDER": "#E3E7EC",
    "PRIMARY_DISABLED": "#B8C7EA",
    "CHOICE_OFF_BG": "#EEF0F3",
    "CHOICE_OFF_TEXT": "#8C96A3",
    "CHOICE_OFF_BORDER": "#C3CAD3",
    "TINT_BASE": "#FFFFFF",
}
#: The dark scheme: same roles, low-glare surfaces, lighter text and state colours.
DARK: dict[str, str] = {
    "WINDOW": "#15191E",
    "SURFACE": "#1E242B",
    "SIDEBAR": "#191E24",
    "BORDER": "#343D47",
    "TEXT": "#E4E8ED",
    "MUTED": "#9AA6B4",
    "ACCENT": "#4C8DFF",
    "ACCENT_DARK": "#2F6FE4",
    "ERROR": "#FF6B6B",
    "ERROR_BG": "#3A2022",
    "ERROR_BORDER": "#6E3034",
    "WARNING": "#F0B35A",
    "WARNING_BG": "#3A2E1A",
    "OK": "#6CCB73",
    "OK_BG": "#1E3322",
    "OK_BORDER": "#2F5A35",
    "INFO_BG": "#1C2A42",
    "INFO_BORDER": "#2D4A7A",
    "NEUTRAL": "#6B7785",
    "ALT_BASE": "#232A32",
    "HEADER_BG": "#252C34",
    "ROW_RULE": "#2A323B",
    "DISABLED_TEXT": "#66717E",
    "DISABLED_BG": "#22282F",
    "DISABLED_BORDER": "#2C343D",
    "PRIMARY_DISABLED": "#2E3F5E",
    "CHOICE_OFF_BG": "#20262D",
    "CHOICE_OFF_TEXT": "#6B7785",
    "CHOICE_OFF_BORDER": "#3A434D",
    "TINT_BASE": "#1E242B",
}
#: Cloud colours as text, readable on the dark scheme's surfaces.
DARK_CLOUD_TEXT_COLORS: dict[Cloud, str] = {
    Cloud.AWS: "#FFB547",
    Cloud.AZURE: "#5AB0FF",
    Cloud.GOOGLE: "#6CD38A",
}
_LIGHT_CLOUD_TEXT_COLORS = dict(CLOUD_TEXT_COLORS)
THEMES = ("system", "light", "dark")

# The active scheme's colours as module constants: widgets read ``theme.SURFACE`` etc. when
# they paint, so :func:`apply_theme` rebinds these and a repaint follows the new scheme.
WINDOW = SURFACE = SIDEBAR = BORDER = TEXT = MUTED = ACCENT = ACCENT_DARK = ""
ERROR = ERROR_BG = ERROR_BORDER = WARNING = WARNING_BG = OK = OK_BG = OK_BORDER = ""
INFO_BG = INFO_BORDER = NEUTRAL = ALT_BASE = HEADER_BG = ROW_RULE = ""
DISABLED_TEXT = DISABLED_BG = DISABLED_BORDER = PRIMARY_DISABLED = ""
CHOICE_OFF_BG = CHOICE_OFF_TEXT = CHOICE_OFF_BORDER = TINT_BASE = ""
globals().update(LIGHT)
ACTIVE = "light"
MONO_FAMILY = "DejaVu Sans Mono"


def tint(color: str | QColor, keep: float) -> QColor:
    """``color`` mixed with the scheme's surface (white in the light scheme); ``keep`` is the
    share of the colour (0..1)."""
    c, base = QColor(color), QColor(TINT_BASE)
    return QColor(
        round(base.red() + (c.red() - base.red()) * keep),
        round(base.green() + (c.green() - base.green()) * keep),
        round(base.blue() + (c.blue() - base.blue()) * keep),
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
    color: {CLOUD_TEXT_COLORS[cloud]};
}}
QLabel[role="cloud-header"][cloud="{cloud}"] {{
    color: {CLOUD_TEXT_COLORS[cloud]}; border-bottom: 3px solid {color};
}}"""
        )
    return "".join(rules)


def stylesheet() -> str:
    """The application stylesheet in the active scheme's colours."""
    return f"""
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
QFrame[role="banner"][kind="error"] {{ background: {ERROR_BG}; border: 1px solid {ERROR_BORDER}; }}
QFrame[role="banner"][kind="info"] {{ background: {INFO_BG}; border: 1px solid {INFO_BORDER}; }}
QFrame[role="banner"][kind="ok"] {{ background: {OK_BG}; border: 1px solid {OK_BORDER}; }}
QFrame[role="banner"] QLabel {{ background: transparent; border: none; }}

QPushButton {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px;
    padding: 6px 14px; min-height: 18px;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; }}
QPushButton:disabled {{
    color: {DISABLED_TEXT}; background: {DISABLED_BG}; border-color: {DISABLED_BORDER};
}}
QPushButton[primary="true"] {{
    background: {ACCENT}; color: white; border: 1px solid {ACCENT_DARK}; font-weight: bold;
}}
QPushButton[primary="true"]:hover {{ background: {ACCENT_DARK}; }}
QPushButton[primary="true"]:disabled {{
    background: {PRIMARY_DISABLED}; border-color: {PRIMARY_DISABLED}; color: white;
}}
QPushButton[role="filter"] {{ padding: 3px 10px; border-radius: 11px; }}
QPushButton[role="filter"]:checked {{ background: {INFO_BG}; border-color: {ACCENT}; }}
QPushButton[role="choice"] {{
    border-radius: 8px; padding: 4px 3px; min-height: 28px; text-align: center;
    font-size: 9.5pt;
}}
QPushButton[role="choice"]:disabled {{
    background: {CHOICE_OFF_BG}; color: {CHOICE_OFF_TEXT}; border: 1px dashed {CHOICE_OFF_BORDER};
    font-style: italic;
}}
{_cloud_cell_rules()}

QLineEdit, QPlainTextEdit, QTextEdit {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px; padding: 4px;
    selection-background-color: {ACCENT};
}}
QLineEdit:focus {{ border: 2px solid {ACCENT}; }}
QTreeWidget, QTreeView, QListWidget, QListView, QTableWidget, QTableView {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px;
    alternate-background-color: {ALT_BASE};
}}
QListWidget[role="recent"]::item {{ padding: 6px 4px; border-bottom: 1px solid {ROW_RULE}; }}
QListWidget[role="recent"]::item:selected {{ background: {INFO_BG}; color: {TEXT}; }}
QHeaderView::section {{
    background: {HEADER_BG}; border: none; border-bottom: 1px solid {BORDER};
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
QScrollBar:vertical {{ background: {WINDOW}; width: 12px; margin: 0; border: none; }}
QScrollBar:horizontal {{ background: {WINDOW}; height: 12px; margin: 0; border: none; }}
QScrollBar::handle {{ background: {NEUTRAL}; border-radius: 4px; margin: 2px; }}
QScrollBar::handle:vertical {{ min-height: 28px; }}
QScrollBar::handle:horizontal {{ min-width: 28px; }}
QScrollBar::handle:hover, QScrollBar::handle:pressed {{ background: {MUTED}; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
"""


def resolve_theme(name: str, app: QGuiApplication | None = None) -> str:
    """``"light"`` or ``"dark"``: ``"system"`` follows the desktop's colour scheme (light
    when the desktop does not say)."""
    if name in ("light", "dark"):
        return name
    app = app or QGuiApplication.instance()
    hints = app.styleHints() if app is not None else None
    if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark:
        return "dark"
    return "light"


def _use_scheme(name: str) -> None:
    global ACTIVE
    globals().update(DARK if name == "dark" else LIGHT)
    CLOUD_TEXT_COLORS.clear()
    CLOUD_TEXT_COLORS.update(DARK_CLOUD_TEXT_COLORS if name == "dark" else _LIGHT_CLOUD_TEXT_COLORS)
    ACTIVE = name


def _palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for which, color in (
        (role.Window, WINDOW),
        (role.WindowText, TEXT),
        (role.Base, SURFACE),
        (role.AlternateBase, ALT_BASE),
        (role.Text, TEXT),
        (role.Button, SURFACE),
        (role.ButtonText, TEXT),
        (role.Highlight, ACCENT),
        (role.HighlightedText, "#FFFFFF"),
        (role.ToolTipBase, SURFACE),
        (role.ToolTipText, TEXT),
        (role.PlaceholderText, NEUTRAL),
        (role.Link, ACCENT),
        (role.BrightText, "#FFFFFF"),
    ):
        palette.setColor(which, QColor(color))
    disabled = QPalette.ColorGroup.Disabled
    for which in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, which, QColor(DISABLED_TEXT))
    return palette


def apply_theme(app: QApplication, theme: str = "light") -> str:
    """Give ``app`` a theme (``"light"``, ``"dark"`` or ``"system"``): Fusion style, palette,
    readable font sizes and the stylesheet. Works on a running app (no restart): every widget
    is restyled and repainted. Returns the scheme used (``"light"`` or ``"dark"``)."""
    name = resolve_theme(theme, app)
    _use_scheme(name)
    app.setStyle("Fusion")
    app.setPalette(_palette())
    font = app.font()
    font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(stylesheet())
    for widget in app.allWidgets():
        widget.update()
    return name
