"""The role CloudFormation deploys the model service with (CloudFormationDeployRole in
infra/platform.yaml) grants every action the CloudFormation handlers of the model service's
resource types call, as the resource schemas that cfn-lint ships list them (create, read,
update and delete), except the documented ones below that serve properties the stack never
sets. A role short of one fails the deployment with AccessDenied in a real account, which
neither cfn-lint nor moto reports. Actions are compared, not the resources they are scoped to.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from functools import cache
from importlib import resources
from typing import Any

import pytest
from cfnlint.decode import decode

from mlopscutter.profile import parse_profile
from tests.helpers import example_answers, example_names, example_profile, render, render_example

HANDLERS = ("create", "read", "update", "delete")

# (resource type, action) -> why the model service's deploy role does not need it.
NOT_NEEDED = {
    ("AWS::Logs::LogGroup", "logs:CreateLogDelivery"): "no log delivery is configured",
    ("AWS::Logs::LogGroup", "s3:REST.PUT.OBJECT"): "no log delivery to S3",
    ("AWS::Logs::LogGroup", "firehose:TagDeliveryStream"): "no log delivery to Firehose",
    ("AWS::Logs::LogGroup", "logs:PutResourcePolicy"): "no ResourcePolicyDocument is set",
    ("AWS::Logs::LogGroup", "logs:DeleteResourcePolicy"): "no ResourcePolicyDocument is set",
    ("AWS::Logs::LogGroup", "logs:PutDataProtectionPolicy"): "no DataProtectionPolicy is set",
    ("AWS::Logs::LogGroup", "logs:DeleteDataProtectionPolicy"): "no DataProtectionPolicy is set",
    ("AWS::Logs::LogGroup", "logs:PutIndexPolicy"): "no FieldIndexPolicies are set",
    ("AWS::Logs::LogGroup", "logs:DeleteIndexPolicy"): "no FieldIndexPolicies are set",
    ("AWS::Logs::LogGroup", "logs:PutLogGroupDeletionProtection"): "no DeletionProtection",
    ("AWS::Logs::LogGroup", "logs:PutBearerTokenAuthentication"): "no bearer token auth",
    ("AWS::SNS::Topic", "sns:Subscribe"): "the topics declare no Subscription",
    ("AWS::SNS::Topic", "sns:Unsubscribe"): "the topics declare no Subscription",
    ("AWS::SNS::Topic", "sns:PutDataProtectionPolicy"): "no DataProtectionPolicy is set",
    ("AWS::SNS::Topic", "iam:GetRole"): "no delivery status logging roles",
    ("AWS::SageMaker::Pipeline", "s3:GetObject"): "the definition is inline, not in S3",
    ("AWS::ApiGatewayV2::Api", "s3:getObject"): "the API is declared inline, not imported from S3",
    **{
        ("AWS::ApiGatewayV2::Stage", f"apigateway:{action}"): (
            "not an IAM action: API Gateway authorizes tagging as POST and DELETE on /tags/*"
        )
        for action in ("TagResource", "UntagResource")
    },
    ("AWS::ApiGatewayV2::Integration", "iam:PassRole"): (
        "a Lambda proxy integration takes no CredentialsArn: the alias's resource policy lets "
        "API Gateway invoke it"
    ),
    ("AWS::CodeDeploy::DeploymentGroup", "codedeploy:RegisterOnPremisesInstance"): (
        "a Lambda deployment group has no on-premises instances"
    ),
    **{
        ("AWS::Lambda::Alias", f"lambda:{action}"): "no ProvisionedConcurrencyConfig is set"
        for action in ("PutProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig")
    },
    **{
        (resource_type, action): reason
        for resource_type in ("AWS::Lambda::Function", "AWS::Lambda::Version")
        for action, reason in (
            ("lambda:PutFunctionScalingConfig", "no capacity provider (Lambda Managed Instances)"),
            ("lambda:PutRuntimeManagementConfig", "a container image has no managed runtime"),
        )
    },
    ("AWS::Lambda::Version", "lambda:PutProvisionedConcurrencyConfig"): (
        "no ProvisionedConcurrencyConfig is set"
    ),
    **{
        ("AWS::Lambda::Function", action): reason
        for action, reason in (
            ("lambda:PutFunctionConcurrency", "no ReservedConcurrentExecutions is set"),
            ("lambda:DeleteFunctionConcurrency", "no ReservedConcurrentExecutions is set"),
            ("lambda:GetCodeSigningConfig", "no CodeSigningConfigArn (a container image)"),
            ("lambda:PutFunctionCodeSigningConfig", "no CodeSigningConfigArn (a container image)"),
            (
                "lambda:DeleteFunctionCodeSigningConfig",
                "no CodeSigningConfigArn (a container image)",
            ),
            ("lambda:GetLayerVersion", "no Layers (a container image)"),
            ("lambda:PutFunctionRecursionConfig", "no RecursiveLoop is set"),
            ("lambda:PassCapacityProvider", "no capacity provider (Lambda Managed Instances)"),
            ("lambda:AssociateRuntimeAlias", "a container image has no managed runtime"),
            ("s3:GetObject", "the code is an ECR image, not an S3 object"),
            ("s3:GetObjectVersion", "the code is an ECR image, not an S3 object"),
            ("elasticfilesystem:DescribeMountTargets", "no FileSystemConfigs are set"),
            ("s3files:ListMountTargets", "no FileSystemConfigs are set"),
        )
    },
    **{
        (resource_type, "cognito-idp:DescribeUserPoolClient"): (
            "no listener authenticates through Amazon Cognito"
        )
        for resource_type in (
            "AWS::ElasticLoadBalancingV2::Listener",
            "AWS::ElasticLoadBalancingV2::ListenerRule",
        )
    },
    **{
        ("AWS::ApplicationAutoScaling::ScalableTarget", f"lambda:{action}"): (
            "the scalable targets are SageMaker variants or ECS services, not Lambda functions"
        )
        for action in (
            "GetProvisionedConcurrencyConfig",
            "PutProvisionedConcurrencyConfig",
            "DeleteProvisionedConcurrencyConfig",
        )
    },
}


@cache
def _schemas() -> tuple[dict[str, str], Any]:
    schemas = resources.files("cfnlint") / "data" / "schemas"
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    return index, schemas / "resources"


def handler_actions(resource_type: str) -> set[str]:
    """The actions the type's create, read, update and delete handlers call."""
    index, directory = _schemas()
    schema = json.loads((directory / f"{index[resource_type]}.json").read_text())
    return {
        action
        for handler in HANDLERS
        for action in schema.get("handlers", {}).get(handler, {}).get("permissions", [])
    }


def granted_actions(role: dict[str, Any]) -> list[str]:
    """Every action an Allow statement of the role's inline policies names."""
    actions: list[str] = []
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                named = statement["Action"]
                actions += [named] if isinstance(named, str) else named
    return actions


def missing_actions(model_service: dict[str, Any], role: dict[str, Any]) -> dict[str, list[str]]:
    """Resource type -> handler actions the role grants no Allow for (exclusions aside)."""
    granted = [action.lower() for action in granted_actions(role)]
    missing = {}
    for resource_type in sorted({r["Type"] for r in model_service["Resources"].values()}):
        lacking = sorted(
            action
            for action in handler_actions(resource_type)
            if (resource_type, action) not in NOT_NEEDED
            and not any(fnmatchcase(action.lower(), pattern) for pattern in granted)
        )
        if lacking:
            missing[resource_type] = lacking
    return missing


def _deploy_roles(project: Any) -> dict[str, dict[str, Any]]:
    """Template name -> the role that deploys the model service there: the tooling account's
    when a stage is served there, the stage accounts' when stages have accounts of their own."""
    roles = {}
    for name in ("platform.yaml", "stage-account.yaml"):
        if (project / "infra" / name).is_file():
            template, matches = decode(str(project / "infra" / name))
            assert not matches and template is not None
            if "CloudFormationDeployRole" in template["Resources"]:
                roles[name] = template["Resources"]["CloudFormationDeployRole"]
    return roles


def _templates(example: str, tmp_path: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The model service template and every role that deploys it."""
    project = render_example(example, tmp_path)
    model_service, matches = decode(str(project / "infra" / "model-service.yaml"))
    assert not matches and model_service is not None
    roles = list(_deploy_roles(project).values())
    assert roles
    return model_service, roles


@pytest.mark.parametrize("example", example_names())
def test_the_deploy_role_grants_what_the_handlers_call(example: str, tmp_path: Any) -> None:
    model_service, roles = _templates(example, tmp_path)
    for role in roles:
        assert missing_actions(model_service, role) == {}


def test_a_role_short_of_an_action_is_reported(tmp_path: Any) -> None:
    model_service, (role,) = _templates("canary", tmp_path)
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            if isinstance(actions, list) and "logs:CreateLogGroup" in actions:
                actions.remove("logs:CreateLogGroup")
    assert missing_actions(model_service, role) == {"AWS::Logs::LogGroup": ["logs:CreateLogGroup"]}


def test_the_deploy_role_is_where_stages_are_served(tmp_path: Any) -> None:
    """Every stage of acme-ml-accounts has an account of its own, so the tooling account has
    no deploy role; a profile that keeps staging in tooling gives tooling one, for staging
    only."""
    project = render_example("acme-ml-accounts", tmp_path / "both")
    assert list(_deploy_roles(project)) == ["stage-account.yaml"]
    document = example_profile("acme-ml-accounts").as_document()
    document["accounts"]["staging"] = document["accounts"]["tooling"]
    del document["networks"]["staging"]
    project = render(
        example_answers("acme-ml-accounts"), tmp_path / "prod", parse_profile(document, "x")
    )
    roles = _deploy_roles(project)
    assert list(roles) == ["platform.yaml", "stage-account.yaml"]
    tooling = json.dumps(roles["platform.yaml"])
    assert "endpoint/acme-pricing-model-staging" in tooling
    assert "endpoint/acme-pricing-model-prod" not in tooling


def test_every_exclusion_names_an_action_its_handlers_call() -> None:
    """An exclusion the schemas no longer list is stale and goes."""
    stale = [key for key in NOT_NEEDED if key[1] not in handler_actions(key[0])]
    assert stale == []
