"""Tests of the Qt face (``dtwin_gui.ui``), run offscreen."""
