"""The rendered model-approved rule, run through moto's EventBridge (put_rule + put_events to
an SQS target): Approved packages of this project's group match; other groups, Rejected and
PendingManualApproval packages do not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import decode
from moto import mock_aws

from tests.helpers import example_answers, render

REGION = "eu-west-1"
ACCOUNT = "123456789012"


def _model_package_event(group: str, status: str, version: int = 3) -> dict[str, str]:
    """A SageMaker Model Package State Change event as EventBridge delivers it."""
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group}/{version}"
    detail = {
        "ModelPackageGroupName": group,
        "ModelPackageVersion": version,
        "ModelPackageArn": arn,
        "ModelPackageName": group,
        "CreationTime": 1732400000000,
        "ModelApprovalStatus": status,
        "ModelPackageStatus": "Completed",
        "InferenceSpecification": {"SupportedContentTypes": ["text/csv"]},
    }
    return {
        "Source": "aws.sagemaker",
        "DetailType": "SageMaker Model Package State Change",
        "Resources": [arn],
        "Detail": json.dumps(detail),
    }


def _deliver(pattern: str, target: dict[str, Any], event: dict[str, str]) -> list[dict]:
    """Put ``event`` on moto's default bus with one rule of ``pattern`` whose target (with
    ``target``'s extra settings) is an SQS queue; the messages the queue received."""
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="deliveries")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(Name="rule", EventPattern=pattern)
    events.put_targets(Rule="rule", Targets=[{"Id": "q", "Arn": queue_arn, **target}])
    assert events.put_events(Entries=[event])["FailedEntryCount"] == 0
    return list(sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []))


@pytest.fixture(scope="module")
def approved_pattern(tmp_path_factory: pytest.TempPathFactory) -> str:
    project = render(example_answers("canary"), tmp_path_factory.mktemp("rules"))
    template, matches = decode(str(Path(project) / "infra" / "retraining.yaml"))
    assert not matches and template is not None
    rule = template["Resources"]["ModelApprovedRule"]["Properties"]
    return json.dumps(rule["EventPattern"])


@pytest.mark.parametrize(
    ("group", "status", "delivered"),
    [
        ("customer-churn", "Approved", True),
        ("customer-churn", "Rejected", False),
        ("customer-churn", "PendingManualApproval", False),
        ("another-project", "Approved", False),
        ("customer-churn-v2", "Approved", False),
    ],
)
def test_only_approved_packages_of_this_group_start_a_deployment(
    approved_pattern: str, group: str, status: str, delivered: bool
) -> None:
    with mock_aws():
        messages = _deliver(approved_pattern, {}, _model_package_event(group, status))
        assert bool(messages) == delivered
        if delivered:
            body = json.loads(messages[0]["Body"])
            assert body["detail"]["ModelPackageGroupName"] == group


def test_github_dispatch_payload_is_what_repository_dispatch_takes(tmp_path) -> None:
    """The API destination target's input transformer, applied by moto to an SQS target, gives
    the body GitHub's repository_dispatch endpoint expects."""
    project = render(example_answers("github-actions-github-flow"), tmp_path)
    template, matches = decode(str(project / "infra" / "retraining.yaml"))
    assert not matches and template is not None
    rule = template["Resources"]["ModelApprovedRule"]["Properties"]
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["GitHubDispatchDestination", "Arn"]}
    destination = template["Resources"]["GitHubDispatchDestination"]["Properties"]
    assert destination["InvocationEndpoint"] == (
        "https://api.github.com/repos/acme/churn-scoring/dispatches"
    )
    assert destination["HttpMethod"] == "POST"
    with mock_aws():
        (message,) = _deliver(
            json.dumps(rule["EventPattern"]),
            {"InputTransformer": target["InputTransformer"]},
            _model_package_event("churn-scoring", "Approved", 7),
        )
    assert json.loads(message["Body"]) == {
        "event_type": "model-approved",
        "client_payload": {
            "model_package_arn": (
                f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/churn-scoring/7"
            ),
            "model_package_version": 7,
        },
    }
