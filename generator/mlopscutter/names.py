"""AWS names derived from the answers, checked against each service's length and pattern.

Patterns and lengths from the services' API models (see the naming reference): SageMaker
entities, IAM roles, EventBridge rules and connections, CodePipeline and CodeBuild, SQS, KMS
aliases, CodeConnections, CloudFormation stacks and exports. :func:`fit` shortens a name that
would overflow deterministically (a stable hash suffix), never by blind truncation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NameRule:
    """A kind of AWS name: its maximum length and the pattern the whole name must match."""

    kind: str
    max_length: int
    pattern: str

    def problems(self, name: str) -> list[str]:
        found = []
        if len(name) > self.max_length:
            found.append(
                f"{self.kind} {name!r} is {len(name)} characters; at most {self.max_length}"
            )
        if not re.fullmatch(self.pattern, name):
            found.append(f"{self.kind} {name!r} does not match {self.pattern}")
        return found


SAGEMAKER = r"[a-zA-Z0-9](-*[a-zA-Z0-9])*"
RULES = {
    "sagemaker-endpoint": NameRule("SageMaker endpoint", 63, SAGEMAKER),
    "sagemaker-model-package-group": NameRule("model package group", 63, SAGEMAKER),
    "sagemaker-pipeline": NameRule("SageMaker pipeline", 256, SAGEMAKER),
    "iam-role": NameRule("IAM role", 64, r"[\w+=,.@-]+"),
    "cloudformation-stack": NameRule("CloudFormation stack", 128, r"[a-zA-Z][-a-zA-Z0-9]*"),
    "cloudformation-export": NameRule("CloudFormation export", 255, r"[A-Za-z0-9:-]+"),
    "codepipeline": NameRule("CodePipeline pipeline", 100, r"[A-Za-z0-9.@\-_]+"),
    "codebuild": NameRule("CodeBuild project", 150, r"[A-Za-z0-9][A-Za-z0-9\-_]{1,149}"),
    "codeconnections": NameRule("CodeConnections connection", 32, r"[\s\S]*"),
    "events-rule": NameRule("EventBridge rule", 64, r"[\.\-_A-Za-z0-9]+"),
    "events-connection": NameRule("EventBridge connection", 64, r"[\.\-_A-Za-z0-9]+"),
    "events-api-destination": NameRule("EventBridge API destination", 64, r"[\.\-_A-Za-z0-9]+"),
    "sqs-queue": NameRule("SQS queue", 80, r"[A-Za-z0-9_-]+"),
    "sns-topic": NameRule("SNS topic", 256, r"[A-Za-z0-9_-]+"),
    "kms-alias": NameRule("KMS alias", 256, r"alias/[a-zA-Z0-9/_-]+"),
    "secret": NameRule("Secrets Manager secret", 512, r"[\w/+=.@-]+"),
    "cloudwatch-alarm": NameRule("CloudWatch alarm", 255, r"(?!\s*$).+"),
    "stepfunctions-state-machine": NameRule("Step Functions state machine", 80, r"[A-Za-z0-9_-]+"),
    "log-group": NameRule("CloudWatch Logs log group", 512, r"[\.\-_/#A-Za-z0-9]+"),
    "s3-bucket": NameRule("S3 bucket", 63, r"[a-z0-9][a-z0-9.-]*[a-z0-9]"),
    "mwaa-environment": NameRule("MWAA environment", 80, r"[a-zA-Z][0-9a-zA-Z_-]*"),
    "lambda-function": NameRule("Lambda function", 64, r"[a-zA-Z0-9_-]+"),
    "codedeploy-application": NameRule("CodeDeploy application", 100, r"[\w.+-]+"),
    "codedeploy-deployment-group": NameRule("CodeDeploy deployment group", 100, r"[\w.+-]+"),
    "ecs-cluster": NameRule("ECS cluster", 255, r"[a-zA-Z0-9_-]+"),
    "ecs-service": NameRule("ECS service", 255, r"[a-zA-Z0-9_-]+"),
    "load-balancer": NameRule(
        "Application Load Balancer", 32, r"(?!internal-)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"
    ),
    "target-group": NameRule("target group", 32, r"[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"),
    # A DAG id within MWAA's InvokeRestApi path limit (64) for /dags/<id>/dagRuns.
    "airflow-dag-id": NameRule("Airflow DAG id", 50, r"[a-zA-Z0-9_.-]+"),
    "ecr-repository": NameRule(
        "ECR repository",
        256,
        r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*",
    ),
}


def fit(name: str, max_length: int) -> str:
    """``name`` itself when it fits; otherwise a prefix and an 8-character hash of the whole
    name, so two long names stay distinct and the same name always shortens the same way."""
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: max_length - 9].rstrip('-')}-{digest}"


def name_problems(names: dict[str, list[str]]) -> list[str]:
    """Every name that breaks its kind's rule (``names`` maps a kind to its names)."""
    return [
        problem
        for kind, values in names.items()
        for value in values
        for problem in RULES[kind].problems(value)
    ]
