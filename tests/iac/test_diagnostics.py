"""Classification of Terraform's JSON diagnostics (structured fields only) and lock details."""

from __future__ import annotations

import pytest

from dtwin_gui.iac.diagnostics import (
    CATEGORIES,
    HINTS,
    classify,
    diagnostic_event,
    parse_lock_detail,
)

#: The detail Terraform 1.11 puts in its lock diagnostic (recorded from a real run).
LOCK_DETAIL = (
    "Error message: resource temporarily unavailable\nLock Info:\n"
    "  ID:        752835f4-95a9-4eea-86e0-069b9312f00a\n  Path:      terraform.tfstate\n"
    "  Operation: OperationTypeApply\n  Who:       root@vm\n  Version:   1.11.4\n"
    "  Created:   2026-11-25 19:01:52.658435703 +0000 UTC\n  Info:      \n\n\n"
    "Terraform acquires a state lock to protect the state from being written\nby multiple "
    "users at the same time. Please resolve the issue above and try\nagain. For most "
    'commands, you can disable locking with the "-lock=false"\nflag, but this is not '
    "recommended."
)
RESOURCE = 'module.aws_l2.aws_lambda_function.processor["temperature-sensor-1"]'
RANGE = {"filename": "main.tf.json", "start": {"line": 12, "column": 5}}


@pytest.mark.parametrize(
    ("summary", "detail", "category"),
    [
        ("Error acquiring the state lock", LOCK_DETAIL, "lock"),
        (
            "No valid credential sources found",
            "Please see https://registry.terraform.io/providers/hashicorp/aws\n\nError: failed "
            "to refresh cached credentials, no EC2 IMDS role found, dial tcp 169.254.169.254",
            "credentials",
        ),
        (
            "creating Lambda Function (twin-p): operation error Lambda: CreateFunction",
            "https response error StatusCode: 403, api error ExpiredToken: token expired",
            "credentials",
        ),
        ("reading IAM Role", "api error InvalidClientTokenId: The security token", "credentials"),
        (
            "creating IAM Role (twin-role)",
            "api error AccessDenied: User: arn:aws:iam::1:user/u is not authorized to perform",
            "permissions",
        ),
        (
            "updating Lambda Function (twin-p) code",
            "api error ResourceConflictException: The operation cannot be performed now",
            "conflict",
        ),
        ("creating S3 Bucket", "api error BucketAlreadyOwnedByYou: yours already", "conflict"),
        ("creating Rule", "api error ThrottlingException: Rate exceeded", "quota"),
        ("creating Function", "api error CodeStorageLimitExceeded: too big", "quota"),
        (
            "Failed to query available provider packages",
            "could not connect to registry.terraform.io: dial tcp: no such host",
            "provider",
        ),
        ("reading S3 Bucket", "Get http://127.0.0.1:1/b: dial tcp: connection refused", "network"),
        ("Invalid provider configuration", "requires explicit configuration", "config"),
        ("something unusual", "", "other"),
    ],
)
def test_classification_from_summary_and_detail(summary, detail, category):
    assert classify({"severity": "error", "summary": summary, "detail": detail}) == category
    assert category in CATEGORIES and HINTS[category]


def test_a_source_range_without_an_address_is_a_configuration_error():
    diagnostic = {"summary": "Unsupported argument", "detail": "", "range": RANGE}
    assert classify(diagnostic) == "config"
    # The same range on a resource that failed while applying is not a config problem.
    assert classify({**diagnostic, "address": RESOURCE}) == "other"
    # "<empty>" is Terraform's way of saying there is no source location.
    assert classify({"summary": "x", "range": {"filename": "<empty>"}}) == "other"


def test_event_carries_location_and_source_line():
    event = diagnostic_event(
        {
            "severity": "error",
            "summary": "Reference to undeclared input variable",
            "detail": 'An input variable with the name "nope" has not been declared.',
            "range": {"filename": "bad.tf", "start": {"line": 1, "column": 24}},
            "snippet": {"code": 'output "bad" { value = var.nope }', "start_line": 1},
        }
    )
    assert event.category == "config" and event.severity == "error"
    assert event.address == "bad.tf:1:24"
    assert event.detail.endswith('on bad.tf line 1: output "bad" { value = var.nope }')
    with_address = diagnostic_event({"summary": "s", "address": RESOURCE, "range": RANGE})
    assert with_address.address == RESOURCE and "on main.tf.json line 12" in with_address.detail


def test_lock_detail_is_parsed_from_the_diagnostic():
    lock = parse_lock_detail(LOCK_DETAIL)
    assert lock.lock_id == "752835f4-95a9-4eea-86e0-069b9312f00a"
    assert lock.who == "root@vm" and lock.operation == "OperationTypeApply"
    assert lock.created == "2026-11-25 19:01:52.658435703 +0000 UTC"
    assert lock.path == "terraform.tfstate" and lock.version == "1.11.4"
    assert parse_lock_detail("no lock block here") is None
    assert parse_lock_detail("Lock Info:\n  Who: x\n") is None  # no id: nothing to unlock
