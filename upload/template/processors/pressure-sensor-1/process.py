"""Processor for pressure-sensor-1: clamps impossible negative pressures to zero."""


def process(event: dict) -> dict:
    event["pressure"] = max(0.0, float(event["pressure"]))
    return event
