"""L2 event checker: evaluates the rules on each record and fires actions and feedback."""

from dtwin_gui.runtime.aws.handlers.common import Function
from dtwin_gui.runtime.core.events import EventChecker

FUNCTION = Function("event-checker")
CHECKER = EventChecker(FUNCTION.config)


def _workflow():
    arn = FUNCTION.env.get("DTWIN_WORKFLOW")
    if not arn:
        return None
    import json

    from dtwin_gui.runtime.aws.clients import client

    def start(message: dict) -> None:
        client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(message))

    return start


WORKFLOW = _workflow()


def handler(event, context):
    return CHECKER.handle(
        event,
        FUNCTION.invoker,
        FUNCTION.log,
        feedback_function=FUNCTION.env.get("DTWIN_FEEDBACK_FUNCTION"),
        workflow=WORKFLOW,
    )
