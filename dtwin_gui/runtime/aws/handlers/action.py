"""L2 event action: the user's action(event, rule)."""

from dtwin_gui.runtime.aws.handlers.common import Function
from dtwin_gui.runtime.core.events import run_action
from dtwin_gui.runtime.core.processing import load_action

FUNCTION = Function("action")
ACTION = load_action(FUNCTION.user_file("action.py"))


def handler(event, context):
    return run_action(event, ACTION, name=FUNCTION.config.action or "", log=FUNCTION.log)
