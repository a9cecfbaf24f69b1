"""Event action: records an alert when a rule fires.

Return a dict to have it logged with the event, or None.
"""


def action(event: dict, rule: dict) -> dict | None:
    return {
        "alert": "threshold exceeded",
        "device_id": event["device_id"],
        "condition": rule.get("condition"),
        "at": event["timestamp"],
    }
