"""Use cases shared by the two front ends: the GUI (``ui/``) and the ``dtwin`` command
(``cli/``). Qt-free and print-free: they return results or raise, and each front end says it
its own way.

- :mod:`~dtwin_gui.app.connections`: where a deployment's Connections come from (the one
  place the sandbox's and the real clouds' connections are made)
- :mod:`~dtwin_gui.app.deploy`: open a Deployment, unlock a stuck state, simulate telemetry
- :mod:`~dtwin_gui.app.query`: read back the newest records of a deployed twin
- :mod:`~dtwin_gui.app.secrets`: rotate the glue secrets of a deployment
"""
