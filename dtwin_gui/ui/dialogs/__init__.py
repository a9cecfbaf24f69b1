"""Dialogs started from the wizard's pages."""
