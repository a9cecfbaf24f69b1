"""The engine's pure core: project model, validation, event grammar, topology, naming.

Nothing in this package imports Qt or a cloud SDK.
"""
