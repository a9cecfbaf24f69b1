"""IoT resource tags (missing in moto), and the Terraform resources that need them."""

from __future__ import annotations

import json

import pytest
from helpers_sandbox import Terraform, require_terraform

RULE_ARN = "arn:aws:iot:us-east-1:123456789012:rule/{}"
POLICY_DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}],
    }
)


def tags_of(aws, arn: str) -> dict[str, str]:
    tags = aws.client("iot").list_tags_for_resource(resourceArn=arn)["tags"]
    return {t["Key"]: t["Value"] for t in tags}


def create_rule(aws, name: str, **extra) -> None:
    aws.client("iot").create_topic_rule(
        ruleName=name,
        topicRulePayload={"sql": "SELECT * FROM 'a/b'", "actions": []},
        **extra,
    )


def test_tag_list_untag(aws):
    create_rule(aws, "r1")
    arn = RULE_ARN.format("r1")
    iot = aws.client("iot")
    assert tags_of(aws, arn) == {}
    iot.tag_resource(
        resourceArn=arn, tags=[{"Key": "twin", "Value": "t"}, {"Key": "x", "Value": "1"}]
    )
    iot.tag_resource(resourceArn=arn, tags=[{"Key": "x", "Value": "2"}])
    assert tags_of(aws, arn) == {"twin": "t", "x": "2"}
    iot.untag_resource(resourceArn=arn, tagKeys=["x", "never-set"])
    assert tags_of(aws, arn) == {"twin": "t"}


def test_tags_given_at_creation_are_kept_and_dropped_with_the_resource(aws):
    iot = aws.client("iot")
    create_rule(aws, "r2", tags="twin=t&team=ops")
    iot.create_policy(
        policyName="p1", policyDocument=POLICY_DOCUMENT, tags=[{"Key": "twin", "Value": "t"}]
    )
    policy_arn = "arn:aws:iot:us-east-1:123456789012:policy/p1"
    assert tags_of(aws, RULE_ARN.format("r2")) == {"twin": "t", "team": "ops"}
    assert tags_of(aws, policy_arn) == {"twin": "t"}
    # moto still does the resource's own work
    assert iot.get_topic_rule(ruleName="r2")["rule"]["sql"] == "SELECT * FROM 'a/b'"
    iot.delete_topic_rule(ruleName="r2")
    iot.delete_policy(policyName="p1")
    assert tags_of(aws, RULE_ARN.format("r2")) == {}
    assert tags_of(aws, policy_arn) == {}


def test_failed_creation_records_no_tags(aws):
    create_rule(aws, "r3")
    iot = aws.client("iot")
    with pytest.raises(iot.exceptions.ResourceAlreadyExistsException):
        create_rule(aws, "r3", tags="late=yes")
    assert tags_of(aws, RULE_ARN.format("r3")) == {}


def test_other_services_tags_are_not_intercepted(aws):
    # Lambda also has a /tags path; it must still reach moto.
    from helpers_sandbox import create_function

    arn = create_function(aws, "f", "def handler(e, c):\n    return 1\n")
    aws.client("lambda").tag_resource(Resource=arn, Tags={"k": "v"})
    assert aws.client("lambda").list_tags(Resource=arn)["Tags"] == {"k": "v"}


@pytest.mark.slow
def test_terraform_applies_and_destroys_topic_rule_policy_and_thing(aws, tmp_path):
    require_terraform()
    tf = Terraform(tmp_path / "tf", aws.endpoint, aws.region)
    tf.write(
        """
resource "aws_iot_thing" "device" {
  name = "d1"
}

resource "aws_iot_policy" "devices" {
  name   = "dtwin-devices"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iot:Publish"], Resource = ["*"] }]
  })
  tags = { twin = "t" }
}

resource "aws_iot_topic_rule" "telemetry" {
  name        = "dtwin_telemetry"
  enabled     = true
  sql         = "SELECT *, topic(3) AS device_id FROM 'dtwin/t/+/telemetry'"
  sql_version = "2016-03-23"
  tags        = { twin = "t" }
}
"""
    )
    tf.init()
    tf.apply()
    iot = aws.client("iot")
    assert iot.describe_thing(thingName="d1")["thingName"] == "d1"
    assert iot.get_policy(policyName="dtwin-devices")["policyName"] == "dtwin-devices"
    assert tags_of(aws, RULE_ARN.format("dtwin_telemetry")) == {"twin": "t"}
    assert tf.plan_is_empty()
    tf.destroy()
    assert iot.list_topic_rules()["rules"] == []
    assert iot.list_policies()["policies"] == []
    assert iot.list_things()["things"] == []
