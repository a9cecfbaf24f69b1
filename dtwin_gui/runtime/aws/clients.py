"""boto3 clients, created once per container. ``AWS_ENDPOINT_URL`` (the sandbox) is honoured
by boto3 itself."""

from __future__ import annotations

import functools

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5)


@functools.cache
def client(service: str):
    return boto3.client(service, config=_CONFIG)
