"""L2 event feedback: shapes the message (user's feedback()) and publishes it to the device."""

from dtwin_gui.runtime.aws.handlers.common import Function
from dtwin_gui.runtime.core.events import feedback_handler
from dtwin_gui.runtime.core.processing import load_feedback

FUNCTION = Function("event-feedback")
_USER_FILE = FUNCTION.user_file("feedback.py")
USER_FEEDBACK = load_feedback(_USER_FILE) if _USER_FILE.is_file() else None
PUBLISHER = FUNCTION.feedback_publisher()


def handler(event, context):
    return feedback_handler(
        event,
        config=FUNCTION.config,
        publisher=PUBLISHER,
        log=FUNCTION.log,
        user_feedback=USER_FEEDBACK,
    )
