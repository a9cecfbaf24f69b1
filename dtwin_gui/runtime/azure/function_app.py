"""The Function App's entry point (Azure Functions Python v2 model).

Static: the same file in every dtwin app package. What the app holds is read from the
package's ``dtwin_app.json`` manifest (see dtwin_gui/runtime/azure/app.py).
"""

from pathlib import Path

import azure.functions as func

from dtwin_gui.runtime.azure.app import build_app

app = build_app(func, Path(__file__).resolve().parent)
