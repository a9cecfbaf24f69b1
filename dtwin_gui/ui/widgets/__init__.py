"""Reusable widgets of the wizard (matrix, diagram, lists, viewers)."""
