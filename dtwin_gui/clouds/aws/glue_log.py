"""A function's log lines from CloudWatch Logs (part ``glue_log``; what Status reads of a
cross-cloud hop). On AWS Lambda writes them; in the sandbox the function host ships them to
moto's CloudWatch Logs the same way (``sandbox/log_shipper.py``)."""

from __future__ import annotations

#: The most lines read per function and refresh.
MAX_EVENTS = 5_000


def glue_log(connection, topology, function, since_s: float) -> list[str]:
    """The lines ``function`` logged since ``since_s`` (unix seconds), oldest first; ``[]``
    when its log group does not exist (yet)."""
    client = connection.client("logs")
    group = f"/aws/lambda/{topology.deployed_name(function)}"
    lines: list[str] = []
    kwargs = {"logGroupName": group, "startTime": int(since_s * 1000)}
    try:
        for page in client.get_paginator("filter_log_events").paginate(**kwargs):
            lines += [event["message"] for event in page.get("events", [])]
            if len(lines) >= MAX_EVENTS:
                break
    except client.exceptions.ResourceNotFoundException:
        return []
    return lines[-MAX_EVENTS:]
