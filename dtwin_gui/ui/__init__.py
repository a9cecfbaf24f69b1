"""The desktop face of dtwin: the Qt application, wizard pages, widgets and workers.

Only this package imports Qt. It reads and writes projects through :mod:`dtwin_gui.core`
and never recomputes a rule the engine owns.
"""

from dtwin_gui.ui.pyside_fixes import protect_singletons

protect_singletons()
