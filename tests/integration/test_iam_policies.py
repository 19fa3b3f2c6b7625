"""Every rendered IAM, key, bucket and queue policy of every example: no Allow of `*` or of a
whole service (`service:*`), and `Resource: "*"` only for actions AWS does not scope to a
resource (the documented list below) or in a key policy, where it means the key itself."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.decode import decode

from tests.helpers import example_names, render_example

# Actions that name no resource type in the Service Authorization Reference, or whose
# resources carry an id generated at creation, so a policy cannot name them in advance.
UNSCOPED_ACTIONS = {
    "ecr:GetAuthorizationToken": "no resource type: the token covers the registry",
    "cloudwatch:PutMetricData": "no resource type; narrowed by the cloudwatch:namespace key",
    "application-autoscaling:DescribeScalableTargets": "no resource type",
    "application-autoscaling:DescribeScalingPolicies": "no resource type",
    "application-autoscaling:RegisterScalableTarget": "scalable targets are named by an id "
    "generated when they are registered",
    "application-autoscaling:DeregisterScalableTarget": "as RegisterScalableTarget",
    "application-autoscaling:PutScalingPolicy": "as RegisterScalableTarget",
    "application-autoscaling:DeleteScalingPolicy": "as RegisterScalableTarget",
    "application-autoscaling:TagResource": "as RegisterScalableTarget",
    "application-autoscaling:UntagResource": "as RegisterScalableTarget",
    "application-autoscaling:ListTagsForResource": "as RegisterScalableTarget",
    "application-autoscaling:PutScheduledAction": "as RegisterScalableTarget",
    "application-autoscaling:DeleteScheduledAction": "as RegisterScalableTarget",
    "application-autoscaling:DescribeScheduledActions": "no resource type",
    "cloudwatch:GetMetricData": "no resource type",
    "cloudformation:ValidateTemplate": "no resource type",
    # What Step Functions needs to deliver logs and traces; its guide grants them on "*".
    "logs:CreateLogDelivery": "log deliveries name no resource type",
    "logs:GetLogDelivery": "as CreateLogDelivery",
    "logs:UpdateLogDelivery": "as CreateLogDelivery",
    "logs:DeleteLogDelivery": "as CreateLogDelivery",
    "logs:ListLogDeliveries": "as CreateLogDelivery",
    "logs:PutResourcePolicy": "account-level resource policy of CloudWatch Logs",
    "logs:DescribeResourcePolicies": "as PutResourcePolicy",
    "logs:DescribeLogGroups": "lists the account's log groups",
    "s3:GetAccountPublicAccessBlock": "an account-level setting (MWAA checks it)",
    "sagemaker:ListProcessingJobs": "list actions name no resource type",
    "sagemaker:ListTrainingJobs": "as ListProcessingJobs",
    "ec2:DescribeNetworkInterfaces": "EC2's Describe actions name no resource type",
    "ec2:DescribeVpcs": "as DescribeNetworkInterfaces",
    "ec2:DescribeDhcpOptions": "as DescribeNetworkInterfaces",
    "ec2:DescribeSubnets": "as DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups": "as DescribeNetworkInterfaces",
    "ec2:DescribeInstances": "as DescribeNetworkInterfaces",
    "ec2:DescribeIpamPools": "as DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroupRules": "as DescribeNetworkInterfaces",
    "ecs:RegisterTaskDefinition": "no resource type: a task definition's ARN carries the "
    "revision registering gives it",
    "ecs:DescribeTaskDefinition": "no resource type",
    "ecs:DeregisterTaskDefinition": "no resource type",
    "ecs:PutAccountSetting": "an account-level setting",
    "ecs:PutAccountSettingDefault": "an account-level setting",
    **{
        f"elasticloadbalancing:{action}": "Elastic Load Balancing's Describe actions name no "
        "resource type"
        for action in (
            "DescribeLoadBalancers",
            "DescribeLoadBalancerAttributes",
            "DescribeCapacityReservation",
            "DescribeTargetGroups",
            "DescribeTargetGroupAttributes",
            "DescribeTargetHealth",
            "DescribeListeners",
            "DescribeListenerAttributes",
            "DescribeRules",
            "DescribeTags",
        )
    },
    "xray:PutTraceSegments": "no resource type",
    "xray:PutTelemetryRecords": "no resource type",
    "xray:GetSamplingRules": "no resource type",
    "xray:GetSamplingTargets": "no resource type",
}
POLICY_PROPERTIES = {
    "AWS::IAM::Role": "Policies",
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupPolicy",
}


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    properties = resource.get("Properties", {})
    document = properties.get(POLICY_PROPERTIES[resource["Type"]])
    if resource["Type"] == "AWS::IAM::Role":
        statements = [s for policy in document or [] for s in policy["PolicyDocument"]["Statement"]]
    else:
        statements = list(document["Statement"]) if document else []
    return [branch for s in statements for branch in _branches(s)]


def _branches(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """A statement, or both statements of a conditional (Fn::If) one."""
    if set(statement) != {"Fn::If"}:
        return [statement]
    _, when_true, when_false = statement["Fn::If"]
    return [s for s in (when_true, when_false) if s != {"Ref": "AWS::NoValue"}]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    for name, resource in template.get("Resources", {}).items():
        if resource["Type"] not in POLICY_PROPERTIES:
            continue
        for statement in _statements(resource):
            if statement["Effect"] != "Allow":
                continue  # denies (TLS-only, for one) may be as wide as they like
            actions = _as_list(statement.get("Action", []))
            where = f"{name}/{statement.get('Sid', '?')}"
            for action in actions:
                if action == "*" or (isinstance(action, str) and action.endswith(":*")):
                    problems.append(f"{where}: allows {action}")
            if "*" in _as_list(statement.get("Resource", [])):
                if resource["Type"] == "AWS::KMS::Key":
                    continue
                unscoped = [a for a in actions if a not in UNSCOPED_ACTIONS]
                if unscoped:
                    problems.append(f"{where}: Resource '*' for {unscoped}")
    return problems


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    found = {}
    for example in example_names():
        project = render_example(example, tmp_path_factory.mktemp(example))
        for path in sorted((project / "infra").glob("*.yaml")):
            template, matches = decode(str(path))
            assert not matches and template is not None
            found[f"{example}/{path.name}"] = template
    return found


def test_every_policy_is_scoped(templates) -> None:
    problems = {name: policy_problems(t) for name, t in templates.items()}
    assert {name: p for name, p in problems.items() if p} == {}
    assert sum(1 for name in templates if name.endswith("platform.yaml")) == len(example_names())


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}, "allows *"),
        ({"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::b"}, "allows s3:*"),
        ({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}, "Resource '*'"),
    ],
)
def test_the_audit_fails_on_a_wide_policy(statement, problem) -> None:
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [statement]}}]
                },
            }
        }
    }
    assert any(problem in p for p in policy_problems(template))


def storage_problems(template: dict[str, Any]) -> list[str]:
    """Where a template's storage and messaging fall short: buckets encrypted, versioned,
    public-access-blocked and TLS-only; queues, topics, log groups, build projects, image
    repositories and endpoint configs encrypted (logs retained, images scanned, immutable and
    expired)."""
    problems = []
    resources = template["Resources"]

    def check(where: str, ok: Any, what: str) -> None:
        if not ok:
            problems.append(f"{where}: {what}")

    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::S3::Bucket":
            check(logical_id, properties.get("BucketEncryption"), "not encrypted")
            versioning = properties.get("VersioningConfiguration", {}).get("Status")
            check(logical_id, versioning == "Enabled", "not versioned")
            blocks = properties.get("PublicAccessBlockConfiguration", {})
            check(logical_id, len(blocks) == 4 and all(blocks.values()), "public access")
            denies_plain_http = any(
                statement["Effect"] == "Deny"
                and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
                == "false"
                for policy in resources.values()
                if policy["Type"] == "AWS::S3::BucketPolicy"
                and policy["Properties"]["Bucket"] == {"Ref": logical_id}
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            )
            check(logical_id, denies_plain_http, "accepts requests without TLS")
        elif kind == "AWS::SQS::Queue":
            encrypted = properties.get("SqsManagedSseEnabled") or properties.get("KmsMasterKeyId")
            check(logical_id, encrypted, "not encrypted")
        elif kind == "AWS::SNS::Topic":
            check(logical_id, properties.get("KmsMasterKeyId"), "not encrypted")
        elif kind == "AWS::Logs::LogGroup":
            check(logical_id, properties.get("RetentionInDays"), "kept forever")
            check(logical_id, properties.get("KmsKeyId"), "not encrypted")
        elif kind == "AWS::CodeBuild::Project":
            group = properties.get("LogsConfig", {}).get("CloudWatchLogs", {}).get("GroupName")
            check(logical_id, isinstance(group, dict) and "Ref" in group, "logs not retained")
            check(logical_id, properties.get("EncryptionKey"), "artifacts not encrypted")
        elif kind == "AWS::ECR::Repository":
            check(logical_id, properties.get("ImageTagMutability") == "IMMUTABLE", "mutable tags")
            scan = properties.get("ImageScanningConfiguration", {}).get("ScanOnPush")
            check(logical_id, scan is True, "no scan on push")
            encryption = properties.get("EncryptionConfiguration", {})
            check(
                logical_id,
                encryption.get("EncryptionType") == "KMS" and encryption.get("KmsKey"),
                "not encrypted with the project key",
            )
            lifecycle = properties.get("LifecyclePolicy", {}).get("LifecyclePolicyText", "{}")
            check(logical_id, json.loads(lifecycle).get("rules"), "no lifecycle rules")
        elif kind == "AWS::SageMaker::EndpointConfig":
            check(logical_id, properties.get("KmsKeyId"), "storage not encrypted")
    return problems


def test_storage_and_messaging_are_encrypted_and_private(templates) -> None:
    problems = {name: storage_problems(t) for name, t in templates.items()}
    assert {name: p for name, p in problems.items() if p} == {}


@pytest.mark.parametrize(
    ("resource", "problem"),
    [
        ({"Type": "AWS::SNS::Topic", "Properties": {}}, "Thing: not encrypted"),
        (
            {"Type": "AWS::Logs::LogGroup", "Properties": {"KmsKeyId": "k"}},
            "Thing: kept forever",
        ),
        (
            {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketEncryption": {"x": 1},
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    },
                },
            },
            "Thing: accepts requests without TLS",
        ),
        (
            {
                "Type": "AWS::ECR::Repository",
                "Properties": {
                    "ImageTagMutability": "MUTABLE",
                    "ImageScanningConfiguration": {"ScanOnPush": True},
                    "EncryptionConfiguration": {"EncryptionType": "KMS", "KmsKey": "k"},
                    "LifecyclePolicy": {"LifecyclePolicyText": '{"rules": [{}]}'},
                },
            },
            "Thing: mutable tags",
        ),
    ],
)
def test_the_storage_audit_fails_on_an_unsafe_resource(resource, problem) -> None:
    assert storage_problems({"Resources": {"Thing": resource}}) == [problem]
