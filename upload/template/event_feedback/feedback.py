"""Shapes the feedback message sent back to a device when a rule fires."""


def feedback(event: dict, payload: dict) -> dict:
    message = dict(payload)
    message["triggered_by"] = event["trace_id"] if "trace_id" in event else event["timestamp"]
    return message
