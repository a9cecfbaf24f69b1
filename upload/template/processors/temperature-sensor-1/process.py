"""Processor for temperature-sensor-1: rounds readings and adds a Fahrenheit value."""


def process(event: dict) -> dict:
    event["temperature"] = round(float(event["temperature"]), 2)
    event["temperature_f"] = round(event["temperature"] * 9 / 5 + 32, 2)
    return event
