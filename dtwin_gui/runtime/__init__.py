"""Code that runs inside cloud functions.

``core`` is provider-neutral and uses the standard library only (plus the shared event
grammar in :mod:`dtwin_gui.core.event_grammar`); one adapter package per cloud (``aws``, ...)
binds it to that cloud's services. Every function package contains ``dtwin_gui/__init__.py``,
``dtwin_gui/core/__init__.py``, ``dtwin_gui/core/event_grammar.py``, this package's ``core``
and the adapter of its cloud — so nothing here may import Qt, pydantic or the engine.
"""
