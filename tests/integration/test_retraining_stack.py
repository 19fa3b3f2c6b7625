"""The rendered retraining stack, created by CloudFormation in moto: the rules, the guard, the
queue and the topic exist and are wired as designed (targets, inputs, retries, dead letters).

moto creates Events rules, SQS, SNS, IAM, Logs and Step Functions resources; it skips queue and
topic policies and alarms, and keeps neither a state machine's definition nor its logging and
tracing settings, nor a log group's key: those are asserted on the rendered template
(test_event_rules, cfn-lint, checkov) instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.aws_stacks import create_retraining_stack, physical_ids
from tests.helpers import render_example

REGION = "ap-southeast-2"  # the example's Region
PREFIX = "demand-forecast"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    project = render_example("all-at-once-scheduled", tmp_path_factory.mktemp("stack"))
    with mock_aws():
        stack = create_retraining_stack(project, PREFIX, REGION)
        yield physical_ids(stack, REGION)


def _targets(rule: str) -> list[dict[str, Any]]:
    events = boto3.client("events", region_name=REGION)
    return list(events.list_targets_by_rule(Rule=rule)["Targets"])


def test_the_stack_creates_every_rule_with_its_target(deployed: dict[str, str]) -> None:
    events = boto3.client("events", region_name=REGION)
    rules = {rule["Name"] for rule in events.list_rules(NamePrefix=PREFIX)["Rules"]}
    assert rules == {
        f"{PREFIX}-model-approved",
        f"{PREFIX}-retrain-schedule",
        f"{PREFIX}-new-data",
        f"{PREFIX}-drift-check",
        f"{PREFIX}-drift",
        f"{PREFIX}-training-failed",
    }
    guard = deployed["RetrainGuard"]
    assert guard == f"arn:aws:states:{REGION}:123456789012:stateMachine:{PREFIX}-retrain-guard"
    queue_arn = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=deployed["DeadLetterQueue"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    expected = {
        f"{PREFIX}-retrain-schedule": (guard, {"trigger": "schedule"}),
        f"{PREFIX}-new-data": (guard, {"trigger": "new-data"}),
        f"{PREFIX}-drift": (guard, {"trigger": "drift"}),
        f"{PREFIX}-drift-check": (
            f"arn:aws:sagemaker:{REGION}:123456789012:pipeline/{PREFIX}-drift-check",
            None,
        ),
        f"{PREFIX}-training-failed": (deployed["AlertsTopic"], None),
        f"{PREFIX}-model-approved": (
            f"arn:aws:codepipeline:{REGION}:123456789012:{PREFIX}-deploy",
            None,
        ),
    }
    for rule, (arn, payload) in expected.items():
        (target,) = _targets(rule)
        assert target["Arn"] == arn, rule
        assert target["DeadLetterConfig"] == {"Arn": queue_arn}, rule
        assert target["RetryPolicy"] == {
            "MaximumRetryAttempts": 8,
            "MaximumEventAgeInSeconds": 3600,
        }
        if payload is not None:
            assert json.loads(target["Input"]) == payload
        if arn != deployed["AlertsTopic"]:
            assert target["RoleArn"].endswith(deployed["EventsRole"])


def test_the_drift_rule_watches_the_drift_alarm(deployed: dict[str, str]) -> None:
    events = boto3.client("events", region_name=REGION)
    pattern = json.loads(events.describe_rule(Name=f"{PREFIX}-drift")["EventPattern"])
    assert pattern == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": [f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{PREFIX}-input-drift"],
        "detail": {"state": {"value": ["ALARM"]}},
    }
    (check,) = _targets(f"{PREFIX}-drift-check")
    assert check["SageMakerPipelineParameters"]["PipelineParameterList"] == [
        {"Name": "EndpointName", "Value": f"{PREFIX}-prod"},
        {"Name": "LookbackHours", "Value": "24"},
    ]


def test_the_new_data_rule_watches_the_platforms_data_bucket(deployed: dict[str, str]) -> None:
    events = boto3.client("events", region_name=REGION)
    pattern = json.loads(events.describe_rule(Name=f"{PREFIX}-new-data")["EventPattern"])
    bucket = boto3.client("cloudformation", region_name=REGION).list_exports()["Exports"]
    data_bucket = next(e["Value"] for e in bucket if e["Name"] == f"{PREFIX}-DataBucket")
    assert pattern["detail"]["bucket"]["name"] == [data_bucket]
    assert pattern["detail"]["object"]["key"] == [{"wildcard": "sales/daily/*.csv"}]


def test_the_dead_letter_queue_and_alerts_topic_use_the_project_key(
    deployed: dict[str, str],
) -> None:
    exports = boto3.client("cloudformation", region_name=REGION).list_exports()["Exports"]
    key = next(e["Value"] for e in exports if e["Name"] == f"{PREFIX}-ProjectKeyArn")
    queue = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=deployed["DeadLetterQueue"], AttributeNames=["All"]
    )["Attributes"]
    assert queue["KmsMasterKeyId"] == key
    assert queue["MessageRetentionPeriod"] == "1209600"
    topic = boto3.client("sns", region_name=REGION).get_topic_attributes(
        TopicArn=deployed["AlertsTopic"]
    )["Attributes"]
    assert topic["KmsMasterKeyId"] == key


def test_the_guard_logs_to_a_group_with_retention(deployed: dict[str, str]) -> None:
    """(moto keeps no KMS key on log groups it creates from a template; the key is checked on
    the rendered template by the storage test.)"""
    groups = boto3.client("logs", region_name=REGION).describe_log_groups(
        logGroupNamePrefix=f"/aws/vendedlogs/states/{PREFIX}"
    )["logGroups"]
    (group,) = groups
    assert group["logGroupName"] == f"/aws/vendedlogs/states/{PREFIX}-retrain-guard"
    assert group["retentionInDays"] == 90


@pytest.mark.parametrize("path", [Path("infra") / "retraining.yaml"])
def test_the_rendered_guard_role_is_limited_to_the_training_pipeline(
    tmp_path: Path, path: Path
) -> None:
    """The guard may only list and start this project's training pipeline."""
    from cfnlint.decode import decode

    project = render_example("all-at-once-scheduled", tmp_path)
    template, matches = decode(str(project / path))
    assert not matches and template is not None
    (policy,) = template["Resources"]["RetrainGuardRole"]["Properties"]["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    pipeline = statements["InspectAndStartTrainingPipeline"]
    assert pipeline["Action"] == [
        "sagemaker:ListPipelineExecutions",
        "sagemaker:StartPipelineExecution",
    ]
    assert pipeline["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:"
        f"pipeline/{PREFIX}-training"
    }
