"""AWS IoT TwinMaker, emulated in memory (moto has none): the calls dtwin's SDK steps make.

:mod:`.model` holds the objects and their rules, :mod:`.api` answers each operation,
:mod:`.routing` maps the REST paths to the operations and hooks into the gateway.
"""

from __future__ import annotations

from dtwin_gui.clouds.aws.sandbox.patches.twinmaker.api import TwinMakerBackend
from dtwin_gui.clouds.aws.sandbox.patches.twinmaker.model import ApiError
from dtwin_gui.clouds.aws.sandbox.patches.twinmaker.routing import handle, install, is_twinmaker

__all__ = ["ApiError", "TwinMakerBackend", "handle", "install", "is_twinmaker"]
