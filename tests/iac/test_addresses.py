"""Every resource address maps to its layer, also inside the shared submodules."""

from __future__ import annotations

import pytest

from dtwin_gui.deploy.run_model import resource_labels, short_address
from dtwin_gui.iac.addresses import cloud_of, component_of, layer_of


@pytest.mark.parametrize(
    ("address", "layer", "component"),
    [
        ('module.aws_l2.aws_lambda_function.processor["pump"]', "L2", "aws_lambda_function"),
        (
            'module.aws_l2.module.functions.aws_iam_role.function["persister"]',
            "L2",
            "aws_iam_role",
        ),
        (
            'module.aws_l3_hot.module.functions.aws_iam_role_policy.logs["hot-reader"]',
            "L3_hot",
            "aws_iam_role_policy",
        ),
        ("module.aws_l3_cold.module.bucket.aws_s3_bucket.bucket", "L3_cold", "aws_s3_bucket"),
        (
            "module.aws_setup.module.bucket.aws_s3_bucket_policy.bucket[0]",
            "setup",
            "aws_s3_bucket_policy",
        ),
        (
            'module.aws_l4.module.functions.data.aws_iam_policy_document.logs["hot-reader-proxy"]',
            "L4",
            "data.aws_iam_policy_document",
        ),
        ("data.aws_iot_endpoint.data", None, "data.aws_iot_endpoint"),
    ],
)
def test_the_layer_and_type_of_an_address(address, layer, component):
    assert layer_of(address) == layer
    assert component_of(address) == component
    assert cloud_of(address) == ("aws" if layer else None)


def test_shared_module_rows_keep_the_labels_of_the_layer_modules():
    # The Status tree shows the address without its modules: the same block names as before
    # the roles and log groups moved into _function, so the same labels.
    moved = 'module.aws_l1.module.functions.aws_iam_role.function["dispatcher"]'
    assert short_address(moved) == 'aws_iam_role.function["dispatcher"]'
    labels = resource_labels(
        [
            moved,
            'module.aws_l1.module.functions.aws_iam_role.function["connector"]',
            'module.aws_l1.module.functions.aws_iam_role_policy.logs["dispatcher"]',
            "module.aws_l1.aws_iam_role_policy.dispatcher[0]",
        ]
    )
    assert labels[moved] == "dispatcher"
    assert labels["module.aws_l1.aws_iam_role_policy.dispatcher[0]"] == "dispatcher[0]"
