"""Compatibility patches: what the aws provider and our SDK steps call but moto lacks.

Each module exposes ``install(gateway, emulator)`` and answers its requests as a gateway
interceptor, keeping moto itself untouched.
"""

from __future__ import annotations

import importlib

#: Patch modules, installed in this order.
MODULES = (
    "iot_tags",
    "stepfunctions",
    "twinmaker",
    "grafana",
    "iot_rules",
    "scheduler",
    "iam_simulate",
    "s3_conditional",
)


def install_all(gateway, emulator) -> list[str]:
    """Install every patch module present; returns the names installed."""
    installed = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.install(gateway, emulator)
        installed.append(name)
    return installed
