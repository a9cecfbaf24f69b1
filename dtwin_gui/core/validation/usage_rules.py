"""config_usage.json: the usage numbers of the cost estimate (optional file)."""

from __future__ import annotations

from dtwin_gui.core.schema import UsageFile
from dtwin_gui.core.usage import USAGE
from dtwin_gui.core.validation.context import Context
from dtwin_gui.core.validation.schema_check import check_schema


def check_usage(ctx: Context) -> None:
    """Every bad value of ``config_usage.json``, located (a missing file is fine: the
    defaults apply)."""
    doc = ctx.json(USAGE)
    if doc is not None:
        check_schema(ctx, USAGE, doc.value, UsageFile)
