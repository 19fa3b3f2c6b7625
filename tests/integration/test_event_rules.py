"""The rendered EventBridge rules, run through moto's EventBridge (put_rule + put_events to an
SQS target) with events shaped as AWS documents them: the model-approved rule matches only
Approved packages of this project's group; the new-data rule only new objects under the data
prefix and suffix of the data bucket; the drift rule only the project's drift alarm going into
ALARM; the training-failed rule only failed runs of this project's training pipeline. Every
retraining trigger goes through the no-pile-up guard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import decode
from moto import mock_aws

from tests.aws_stacks import create_retraining_stack
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


# --- Retraining triggers and failure alerts (the all-at-once-scheduled example) -------------

RETRAINING_REGION = "ap-southeast-2"  # the example's Region
PIPELINE = "demand-forecast-training"


@pytest.fixture(scope="module")
def retraining(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = render(
        example_answers("all-at-once-scheduled"), tmp_path_factory.mktemp("retraining")
    )
    template, matches = decode(str(project / "infra" / "retraining.yaml"))
    assert not matches and template is not None
    return dict(template["Resources"])


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The rules' event patterns as CloudFormation (moto's) created them, imports resolved, and
    the data bucket the platform stand-in exported."""
    project = render(example_answers("all-at-once-scheduled"), tmp_path_factory.mktemp("deploy"))
    with mock_aws():
        create_retraining_stack(project, "demand-forecast", RETRAINING_REGION)
        events = boto3.client("events", region_name=RETRAINING_REGION)
        exports = boto3.client("cloudformation", region_name=RETRAINING_REGION).list_exports()
        return {
            "bucket": next(
                e["Value"] for e in exports["Exports"] if e["Name"] == "demand-forecast-DataBucket"
            ),
            **{
                rule: events.describe_rule(Name=f"demand-forecast-{rule}")["EventPattern"]
                for rule in ("new-data", "training-failed", "drift")
            },
        }


def _object_created(bucket: str, key: str, detail_type: str = "Object Created") -> dict:
    """An S3 event as EventBridge delivers it from a bucket with EventBridge enabled."""
    detail = {
        "version": "0",
        "bucket": {"name": bucket},
        "object": {
            "key": key,
            "size": 5120,
            "etag": "b1946ac92492d2347c6235b4d2611184",
            "sequencer": "00617F08299329D189",
        },
        "request-id": "N4N7GDK58NMKJ12R",
        "requester": ACCOUNT,
        "source-ip-address": "203.0.113.15",
        "reason": "PutObject",
    }
    return {
        "Source": "aws.s3",
        "DetailType": detail_type,
        "Resources": [f"arn:aws:s3:::{bucket}"],
        "Detail": json.dumps(detail),
    }


@pytest.mark.parametrize(
    ("ours", "key", "detail_type", "delivered"),
    [
        (True, "sales/daily/2026-11-24.csv", "Object Created", True),
        (True, "sales/daily/stores/0042.csv", "Object Created", True),
        (True, "sales/daily/2026-11-24.parquet", "Object Created", False),
        (True, "sales/weekly/2026-W47.csv", "Object Created", False),
        (True, "archive/sales/daily/2026-11-24.csv", "Object Created", False),
        (True, "sales/daily/2026-11-24.csv", "Object Deleted", False),
        (False, "sales/daily/2026-11-24.csv", "Object Created", False),
    ],
)
def test_new_data_under_the_prefix_and_suffix_of_the_data_bucket_starts_retraining(
    deployed: dict[str, str], ours: bool, key: str, detail_type: str, delivered: bool
) -> None:
    bucket = deployed["bucket"] if ours else "another-bucket"
    with mock_aws():
        messages = _deliver(
            deployed["new-data"],
            {},  # moto's SQS targets ignore a constant Input; the pattern is what is tested
            _object_created(bucket, key, detail_type),
        )
    assert bool(messages) == delivered
    if delivered:
        assert json.loads(messages[0]["Body"])["detail"]["object"]["key"] == key


def _pipeline_status(pipeline: str, status: str) -> dict:
    """A SageMaker Model Building Pipeline Execution Status Change event."""
    pipeline_arn = f"arn:aws:sagemaker:{RETRAINING_REGION}:{ACCOUNT}:pipeline/{pipeline}"
    execution_arn = f"{pipeline_arn}/execution/4wzd1m8ymkk3"
    detail = {
        "pipelineExecutionDisplayName": "execution-1732400000000",
        "currentPipelineExecutionStatus": status,
        "previousPipelineExecutionStatus": "Executing",
        "executionStartTime": "2026-11-24T03:00:05Z",
        "executionEndTime": "2026-11-24T03:41:17Z",
        "pipelineExecutionDescription": "",
        "pipelineArn": pipeline_arn,
        "pipelineExecutionArn": execution_arn,
    }
    return {
        "Source": "aws.sagemaker",
        "DetailType": "SageMaker Model Building Pipeline Execution Status Change",
        "Resources": [pipeline_arn, execution_arn],
        "Detail": json.dumps(detail),
    }


@pytest.mark.parametrize(
    ("pipeline", "status", "delivered"),
    [
        (PIPELINE, "Failed", True),
        (PIPELINE, "Succeeded", False),
        (PIPELINE, "Stopped", False),
        (PIPELINE, "Executing", False),
        ("another-project-training", "Failed", False),
        (f"{PIPELINE}-v2", "Failed", False),
    ],
)
def test_only_a_failed_run_of_this_training_pipeline_alerts(
    retraining: dict[str, Any],
    deployed: dict[str, str],
    pipeline: str,
    status: str,
    delivered: bool,
) -> None:
    rule = retraining["TrainingFailedRule"]["Properties"]
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "AlertsTopic"}
    with mock_aws():
        messages = _deliver(
            deployed["training-failed"],
            {"InputTransformer": target["InputTransformer"]},
            _pipeline_status(pipeline, status),
        )
    assert bool(messages) == delivered
    if delivered:
        assert json.loads(messages[0]["Body"]) == (
            f"The training pipeline execution arn:aws:sagemaker:{RETRAINING_REGION}:{ACCOUNT}:"
            "pipeline/"
            f"{PIPELINE}/execution/4wzd1m8ymkk3 failed."
        )


def _alarm_state_change(alarm: str, state: str, previous: str) -> dict:
    """A CloudWatch Alarm State Change event as EventBridge delivers it."""
    arn = f"arn:aws:cloudwatch:{RETRAINING_REGION}:{ACCOUNT}:alarm:{alarm}"
    detail = {
        "alarmName": alarm,
        "state": {
            "value": state,
            "reason": "Threshold Crossed: 1 datapoint [3.0] was >= the threshold (1.0).",
            "timestamp": "2026-11-24T04:41:05.000+0000",
        },
        "previousState": {
            "value": previous,
            "reason": "Threshold Crossed: no datapoints were received for 1 period.",
            "timestamp": "2026-11-23T04:41:05.000+0000",
        },
        "configuration": {
            "metrics": [
                {
                    "id": "m1",
                    "metricStat": {
                        "metric": {
                            "namespace": "demand-forecast/Drift",
                            "name": "FeaturesDrifted",
                            "dimensions": {"EndpointName": "demand-forecast-prod"},
                        },
                        "period": 3600,
                        "stat": "Maximum",
                    },
                    "returnData": True,
                }
            ]
        },
    }
    return {
        "Source": "aws.cloudwatch",
        "DetailType": "CloudWatch Alarm State Change",
        "Resources": [arn],
        "Detail": json.dumps(detail),
    }


@pytest.mark.parametrize(
    ("alarm", "state", "previous", "delivered"),
    [
        ("demand-forecast-input-drift", "ALARM", "OK", True),
        ("demand-forecast-input-drift", "ALARM", "INSUFFICIENT_DATA", True),
        ("demand-forecast-input-drift", "OK", "ALARM", False),
        ("demand-forecast-input-drift", "INSUFFICIENT_DATA", "OK", False),
        ("demand-forecast-events-dead-letters", "ALARM", "OK", False),
        ("demand-forecast-prod-5xx-errors", "ALARM", "OK", False),
        ("another-project-input-drift", "ALARM", "OK", False),
    ],
)
def test_only_the_drift_alarm_going_into_alarm_starts_retraining(
    deployed: dict[str, str], alarm: str, state: str, previous: str, delivered: bool
) -> None:
    with mock_aws():
        messages = _deliver(deployed["drift"], {}, _alarm_state_change(alarm, state, previous))
    assert bool(messages) == delivered


def test_the_drift_check_runs_the_check_pipeline_on_the_production_endpoint(
    retraining: dict[str, Any],
) -> None:
    rule = retraining["DriftCheckRule"]["Properties"]
    assert rule["ScheduleExpression"] == "cron(30 4 * * ? *)"
    (target,) = rule["Targets"]
    assert target["Arn"]["Fn::Sub"].endswith(":pipeline/demand-forecast-drift-check")
    parameters = {
        p["Name"]: p["Value"]
        for p in target["SageMakerPipelineParameters"]["PipelineParameterList"]
    }
    assert parameters == {"EndpointName": "demand-forecast-prod", "LookbackHours": "24"}
    alarm = retraining["DriftAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("demand-forecast/Drift", "FeaturesDrifted")
    assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": "demand-forecast-prod"}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert alarm["TreatMissingData"] == "notBreaching"


def test_every_retraining_trigger_goes_through_the_guard(retraining: dict[str, Any]) -> None:
    rules = {
        name: resource["Properties"]
        for name, resource in retraining.items()
        if resource["Type"] == "AWS::Events::Rule"
    }
    assert set(rules) == {
        "ModelApprovedRule",
        "RetrainScheduleRule",
        "NewDataRule",
        "DriftCheckRule",
        "DriftRule",
        "TrainingFailedRule",
    }
    triggers = {}
    for name in ("RetrainScheduleRule", "NewDataRule", "DriftRule"):
        (target,) = rules[name]["Targets"]
        assert target["Arn"] == {"Ref": "RetrainGuard"}
        triggers[name] = json.loads(target["Input"])["trigger"]
    assert triggers == {
        "RetrainScheduleRule": "schedule",
        "NewDataRule": "new-data",
        "DriftRule": "drift",
    }
    # Every target of every rule retries and dead-letters to the alarmed queue.
    for properties in rules.values():
        for target in properties["Targets"]:
            assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
            assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    policy = retraining["DeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]
    allowed = policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert sorted(a["Fn::GetAtt"][0] for a in allowed) == sorted(rules)


def test_the_guard_skips_while_the_latest_run_executes(retraining: dict[str, Any]) -> None:
    """The state machine's logic, read from its definition: list the latest execution, skip
    when it is Executing, otherwise start the pipeline with the trigger as TriggeredBy."""
    machine = retraining["RetrainGuard"]["Properties"]
    states = machine["Definition"]["States"]
    assert machine["Definition"]["StartAt"] == "LatestExecution"
    latest = states["LatestExecution"]
    assert latest["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:states:::aws-sdk:sagemaker:listPipelineExecutions"
    }
    assert latest["Parameters"] == {
        "PipelineName": PIPELINE,
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
        "MaxResults": 1,
    }
    (choice,) = states[latest["Next"]]["Choices"]
    status_path = "$.latest.PipelineExecutionSummaries[0].PipelineExecutionStatus"
    assert choice["And"] == [
        {"Variable": status_path, "IsPresent": True},
        {"Variable": status_path, "StringEquals": "Executing"},
    ]
    assert states[choice["Next"]] == {"Type": "Succeed"}
    start = states[states[latest["Next"]]["Default"]]
    assert start["Parameters"]["PipelineName"] == PIPELINE
    assert start["Parameters"]["PipelineParameters"] == [
        {"Name": "TriggeredBy", "Value.$": "$.trigger"}
    ]
    assert start["End"] is True


# --- Batch scoring triggers and failure alerts (the batch example) ---------------------------

BATCH_REGION = "eu-west-1"  # the example's Region
BATCH_PREFIX = "claims-scoring"


@pytest.fixture(scope="module")
def batch_rules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The batch rules as CloudFormation (moto's) created them: patterns and targets with the
    imports resolved, the data bucket the platform stand-in exported, and the template."""
    project = render(example_answers("batch"), tmp_path_factory.mktemp("batch"))
    template, matches = decode(str(project / "infra" / "retraining.yaml"))
    assert not matches and template is not None
    with mock_aws():
        create_retraining_stack(project, BATCH_PREFIX, BATCH_REGION)
        events = boto3.client("events", region_name=BATCH_REGION)
        exports = boto3.client("cloudformation", region_name=BATCH_REGION).list_exports()
        rules = {
            rule: (
                events.describe_rule(Name=f"{BATCH_PREFIX}-{rule}"),
                events.list_targets_by_rule(Rule=f"{BATCH_PREFIX}-{rule}")["Targets"],
            )
            for rule in (
                "staging-batch-input",
                "prod-batch-input",
                "batch-schedule",
                "batch-failed",
            )
        }
        return {
            "bucket": next(
                e["Value"] for e in exports["Exports"] if e["Name"] == f"{BATCH_PREFIX}-DataBucket"
            ),
            "rules": rules,
            "template": dict(template["Resources"]),
        }


@pytest.mark.parametrize(
    ("rule_stage", "ours", "key", "size", "detail_type", "delivered"),
    [
        ("prod", True, "batch/prod/input/claims-2026-11-24.csv", 5120, "Object Created", True),
        ("prod", True, "batch/prod/input/east/claims.csv", 5120, "Object Created", True),
        ("staging", True, "batch/staging/input/sample.csv", 5120, "Object Created", True),
        ("prod", True, "batch/staging/input/sample.csv", 5120, "Object Created", False),
        ("staging", True, "batch/prod/input/claims.csv", 5120, "Object Created", False),
        ("prod", True, "batch/prod/output/abc/claims.csv.out", 5120, "Object Created", False),
        ("staging", True, "batch/staging/smoke/0123.csv", 5120, "Object Created", False),
        ("prod", True, "batch/prod/input/", 0, "Object Created", False),
        ("prod", True, "batch/prod/input/claims.csv", 5120, "Object Deleted", False),
        ("prod", False, "batch/prod/input/claims.csv", 5120, "Object Created", False),
    ],
)
def test_a_new_object_in_a_stages_input_prefix_starts_that_stages_scoring_run(
    batch_rules: dict[str, Any],
    rule_stage: str,
    ours: bool,
    key: str,
    size: int,
    detail_type: str,
    delivered: bool,
) -> None:
    """The pattern and the input transformer as moto applies them: the launcher gets the
    stage's pipeline and the new object as its input."""
    rule, (target,) = batch_rules["rules"][f"{rule_stage}-batch-input"]
    bucket = batch_rules["bucket"] if ours else "another-bucket"
    event = _object_created(bucket, key, detail_type)
    detail = json.loads(event["Detail"])
    detail["object"]["size"] = size
    event["Detail"] = json.dumps(detail)
    with mock_aws():
        messages = _deliver(
            rule["EventPattern"], {"InputTransformer": target["InputTransformer"]}, event
        )
    assert bool(messages) == delivered
    if delivered:
        launched = json.loads(messages[0]["Body"])
        assert launched.pop("event_id")  # the event's id: retries start no second run
        assert launched == {
            "trigger": "new-data",
            "pipeline": f"{BATCH_PREFIX}-{rule_stage}-batch",
            "input_uri": f"s3://{bucket}/{key}",
        }
        assert target["Arn"].endswith(f":stateMachine:{BATCH_PREFIX}-batch-launcher")


def test_the_schedule_scores_productions_whole_input_prefix(batch_rules: dict[str, Any]) -> None:
    rule, (target,) = batch_rules["rules"]["batch-schedule"]
    assert rule["ScheduleExpression"] == "cron(30 1 * * ? *)"
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"] == {"id": "$.id"}
    launched = json.loads(transformer["InputTemplate"].replace("<id>", "f1e2d3c4"))
    assert launched == {
        "trigger": "schedule",
        "event_id": "f1e2d3c4",
        "pipeline": f"{BATCH_PREFIX}-prod-batch",
        "input_uri": f"s3://{batch_rules['bucket']}/batch/prod/input/",
    }


@pytest.mark.parametrize(
    ("pipeline", "status", "delivered"),
    [
        (f"{BATCH_PREFIX}-prod-batch", "Failed", True),
        (f"{BATCH_PREFIX}-staging-batch", "Failed", True),
        (f"{BATCH_PREFIX}-prod-batch", "Succeeded", False),
        (f"{BATCH_PREFIX}-prod-batch", "Stopped", False),
        (f"{BATCH_PREFIX}-training", "Failed", False),
        ("another-project-prod-batch", "Failed", False),
    ],
)
def test_only_a_failed_scoring_run_alerts(
    batch_rules: dict[str, Any], pipeline: str, status: str, delivered: bool
) -> None:
    rule, (target,) = batch_rules["rules"]["batch-failed"]
    event = _pipeline_status(pipeline, status)
    event["Detail"] = event["Detail"].replace(RETRAINING_REGION, BATCH_REGION)
    with mock_aws():
        messages = _deliver(
            rule["EventPattern"], {"InputTransformer": target["InputTransformer"]}, event
        )
    assert bool(messages) == delivered
    if delivered:
        assert json.loads(messages[0]["Body"]) == (
            f"The batch transform execution arn:aws:sagemaker:{BATCH_REGION}:{ACCOUNT}:pipeline/"
            f"{pipeline}/execution/4wzd1m8ymkk3 failed."
        )


def test_the_launcher_starts_the_named_pipeline_on_the_named_input(
    batch_rules: dict[str, Any],
) -> None:
    """The launcher's logic, read from its definition: one idempotent start of the pipeline
    the event names, on its input, waiting out SageMaker's limit on concurrent runs."""
    machine = batch_rules["template"]["BatchLauncher"]["Properties"]
    states = machine["Definition"]["States"]
    start = states[machine["Definition"]["StartAt"]]
    assert start["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:states:::aws-sdk:sagemaker:startPipelineExecution"
    }
    parameters = start["Parameters"]
    assert parameters["PipelineName.$"] == "$.pipeline"
    assert parameters["ClientRequestToken.$"] == "$.event_id"
    assert parameters["PipelineParameters"] == [
        {"Name": "InputUri", "Value.$": "$.input_uri"},
        {"Name": "TriggeredBy", "Value.$": "$.trigger"},
    ]
    (retry,) = start["Retry"]
    assert retry["ErrorEquals"] == ["SageMaker.ResourceLimitExceededException"]
    assert start["End"] is True
    role = batch_rules["template"]["BatchLauncherRole"]["Properties"]
    (statement, *_) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "sagemaker:StartPipelineExecution"
    assert [r["Fn::Sub"].rsplit("/", 1)[1] for r in statement["Resource"]] == [
        f"{BATCH_PREFIX}-staging-batch",
        f"{BATCH_PREFIX}-prod-batch",
    ]
