{%- set p = mlops(cookiecutter) -%}
"""Deploying a stage's model-service stack through CloudFormation in moto, the way
``make deploy`` does: the stack creates the stage's function from the approved package's image
and artifact, publishes a version for it, and gives both CodeDeploy hooks that version; a
second deployment with nothing to change is a no-op, and a newer package publishes a new
version.

moto builds the Lambda functions and versions, keeping their image, environment, size and role
(not their package type, key, log group, image command or a version's own description){% if p.api_gateway %}, and
the HTTP API's permission to invoke the function{% endif %}; it skips the
alias, the {{ "HTTP API (its integration, route and stage)" if p.api_gateway else "function URL" }}, CodeDeploy and the alarms. cfn-lint checks those instead, and the
traffic hooks' tests exercise the calls CodeDeploy's shift depends on.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import decode_str
from moto import mock_aws

from {{ p.package_name }} import config, deploy

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.{config.REGION}.amazonaws.com/{{ p.names["serving-repository"] }}:0123abc"
MODEL_DATA = "s3://{{ p.slug }}-artifacts-test/pipeline/models/job-1/output/model.tar.gz"
ROLES = {
    "LambdaServingRoleArn": ("{{ p.names["lambda-function-role"] }}", "lambda.amazonaws.com"),
    "TrafficHookRoleArn": ("{{ p.names["traffic-hook-role"] }}", "lambda.amazonaws.com"),
    "CodeDeployRoleArn": ("{{ p.names["codedeploy-role"] }}", "codedeploy.amazonaws.com"),
}


@pytest.fixture
def aws(stand_in_platform):
    with mock_aws():
        stand_in_platform(ROLES)
        sagemaker = boto3.client("sagemaker")
        sagemaker.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
        yield sagemaker


def _deploy(aws, package_arn: str, tmp_path: Path, stage: str) -> tuple[str, dict]:
    container = deploy.serving_container(aws, package_arn)
    deploy.write_stage_parameters(PROJECT_ROOT / "infra" / "config", tmp_path,
                                  ModelPackageArn=package_arn, ImageUri=container["Image"],
                                  ModelDataUrl=container["ModelDataUrl"])
    document = json.loads((tmp_path / f"{stage}.json").read_text())
    template, problems = decode_str((PROJECT_ROOT / "infra" / "model-service.yaml").read_text())
    assert not problems
    # moto refuses an output read from a resource type it does not model (the {{ "HTTP API" if p.api_gateway else "function URL" }}),
    # and cannot name a version by Ref, which tells each hook the version it checks.
    del template["Outputs"]["{{ "InvokeUrl" if p.api_gateway else "FunctionUrl" }}"]
    for hook in ("BeforeTrafficHook", "AfterTrafficHook"):
        variables = template["Resources"][hook]["Properties"]["Environment"]["Variables"]
        assert variables.pop("CANDIDATE_VERSION") == {"Ref": "FunctionVersion"}
{%- if p.api_gateway %}
    # Nor does it model the alias, so the HTTP API's permission to invoke it lands on the
    # function here.
    permission = template["Resources"]["ApiInvokesAlias"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "FunctionAlias"}
    permission["FunctionName"] = {"Ref": "Function"}
{%- endif %}
    result = deploy.deploy_stack(boto3.client("cloudformation"), config.STACKS[stage],
                                 json.dumps(template), document, None)
    return result, document["Parameters"]


@pytest.mark.parametrize("stage", sorted(config.STACKS))
def test_stage_deploys_a_version_serving_the_approved_package(aws, register_package, tmp_path,
                                                             stage) -> None:
    package_arn = register_package(aws, image=IMAGE, model_data=MODEL_DATA)
    result, parameters = _deploy(aws, package_arn, tmp_path, stage)
    assert result == "CREATED"
    lambdas = boto3.client("lambda")
    function = lambdas.get_function(FunctionName=config.FUNCTIONS[stage])
    configuration = function["Configuration"]
    assert function["Code"]["ImageUri"] == IMAGE
    assert configuration["Environment"]["Variables"] == {"MODEL_DATA_URL": MODEL_DATA,
                                                         "MODEL_PACKAGE_ARN": package_arn}
    assert configuration["MemorySize"] == int(parameters["MemorySize"])
    assert configuration["Timeout"] == int(parameters["Timeout"])
    assert configuration["Role"].endswith(":role/{{ p.names["lambda-function-role"] }}")
    [version] = [v for v in lambdas.list_versions_by_function(
        FunctionName=config.FUNCTIONS[stage])["Versions"] if v["Version"] != "$LATEST"]
    published = lambdas.get_function_configuration(FunctionName=config.FUNCTIONS[stage],
                                                    Qualifier=version["Version"])
    assert published["Environment"]["Variables"]["MODEL_PACKAGE_ARN"] == package_arn
    for hook in ("before", "after"):
        hook_function = lambdas.get_function(FunctionName=parameters[f"{hook.title()}TrafficHookName"])
        assert hook_function["Code"]["ImageUri"] == IMAGE
        assert hook_function["Configuration"]["Role"].endswith(
            ":role/{{ p.names["traffic-hook-role"] }}")
    variables = lambdas.get_function(FunctionName=parameters["AfterTrafficHookName"])[
        "Configuration"]["Environment"]["Variables"]
    assert variables["LIVE_ALIAS"] == f"{configuration['FunctionArn']}:{config.LAMBDA_ALIAS}"
{%- if p.api_gateway %}
    # API Gateway (and nothing else) may invoke it, for the POST /invocations route only.
    [statement] = json.loads(lambdas.get_policy(FunctionName=config.FUNCTIONS[stage])["Policy"])[
        "Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    # (moto does not model the API, so its id stays unresolved.)
    source = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert source.startswith(f"arn:aws:execute-api:{config.REGION}:{ACCOUNT}:")
    assert source.endswith("/*/POST/invocations")
{%- endif %}

    assert _deploy(aws, package_arn, tmp_path, stage)[0] == "UNCHANGED"


def test_a_newer_package_updates_the_function(aws, register_package, tmp_path) -> None:
    """The version is replaced too, since its description names the package (a Lambda
    version's description cannot change); moto keeps the first version instead."""
    first = register_package(aws, image=IMAGE, model_data=MODEL_DATA)
    _deploy(aws, first, tmp_path, "staging")
    second = register_package(aws, image=IMAGE, model_data=MODEL_DATA)
    assert _deploy(aws, second, tmp_path, "staging")[0] == "UPDATED"
    configuration = boto3.client("lambda").get_function_configuration(
        FunctionName=config.FUNCTIONS["staging"])
    assert configuration["Environment"]["Variables"]["MODEL_PACKAGE_ARN"] == second
