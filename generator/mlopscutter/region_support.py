"""Which CloudFormation resource types each Region lacks, for the types the template uses.

Taken from the CloudFormation resource registry data that cfn-lint ships (one schema index
per Region); a unit test compares this table with the installed cfn-lint so it cannot drift.
Standard library only: the hooks import it.
"""

from __future__ import annotations

CONNECTION = "AWS::CodeConnections::Connection"

_NO_API_DESTINATIONS = frozenset(
    {"ap-east-2", "ap-southeast-5", "ap-southeast-6", "ca-west-1", "il-central-1", "mx-central-1"}
)

MISSING_IN: dict[str, frozenset[str]] = {
    "AWS::Events::Connection": _NO_API_DESTINATIONS,
    "AWS::Events::ApiDestination": _NO_API_DESTINATIONS,
    CONNECTION: frozenset(
        {
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-3",
            "ap-south-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-west-1",
            "eu-central-2",
            "eu-south-2",
            "il-central-1",
            "me-central-1",
            "mx-central-1",
        }
    ),
    "AWS::CodeBuild::Project": frozenset({"ap-east-2", "ca-west-1", "mx-central-1"}),
    "AWS::Lambda::Url": frozenset(
        {
            "ap-east-2",
            "ap-south-2",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-west-1",
            "eu-central-2",
            "il-central-1",
            "me-central-1",
            "mx-central-1",
        }
    ),
    "AWS::SageMaker::Endpoint": frozenset({"me-central-1"}),
    "AWS::SageMaker::EndpointConfig": frozenset({"me-central-1"}),
    "AWS::SageMaker::Model": frozenset({"me-central-1"}),
    "AWS::SageMaker::ModelPackageGroup": frozenset(
        {
            "ap-east-2",
            "ap-south-2",
            "ap-southeast-4",
            "ap-southeast-6",
        }
    ),
}

# Resource types answers need CloudFormation to offer in the Region, keyed by the answers
# (all of them; none: every project). The connection is not listed: where CloudFormation
# cannot create it, the CI/CD stack takes an existing one.
REQUIRED_TYPES: dict[tuple[tuple[str, str], ...], tuple[str, ...]] = {
    (("ci_provider", "codepipeline"),): ("AWS::CodeBuild::Project",),
    # The model-approved rule reaches GitHub through an EventBridge API destination.
    (("ci_provider", "github-actions"),): (
        "AWS::Events::Connection",
        "AWS::Events::ApiDestination",
    ),
    **{
        (("deployment_target", "sagemaker"), ("inference", kind)): (
            "AWS::SageMaker::Endpoint",
            "AWS::SageMaker::EndpointConfig",
            "AWS::SageMaker::Model",
        )
        for kind in ("realtime", "serverless", "async")
    },
    # Batch transform: the model and the stage's scoring pipeline, no endpoint.
    (("deployment_target", "sagemaker"), ("inference", "batch")): (
        "AWS::SageMaker::Model",
        "AWS::SageMaker::Pipeline",
    ),
    # A Lambda function serves behind its function URL (API Gateway's HTTP API resources are
    # in every Region cfn-lint knows).
    (("deployment_target", "lambda"), ("lambda_endpoint", "function-url")): ("AWS::Lambda::Url",),
    (): ("AWS::SageMaker::ModelPackageGroup",),
}


def offers(region: str, resource_type: str) -> bool:
    """Whether CloudFormation offers ``resource_type`` in ``region``."""
    return region not in MISSING_IN.get(resource_type, frozenset())
