"""Processor for temperature-sensor-2: passes readings through unchanged."""


def process(event: dict) -> dict:
    return event
