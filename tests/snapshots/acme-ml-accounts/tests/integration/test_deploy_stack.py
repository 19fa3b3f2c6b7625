"""Deploying a stage's model-service stack through CloudFormation in moto, the way
``make deploy`` does: the stack is created, its endpoint serves the approved package, and a
second deployment with nothing to change is a no-op.

moto builds the SageMaker model, endpoint config and endpoint; it ignores EndpointName (the
endpoint is found through the stack) and skips the alarms and autoscaling resources, which
cfn-lint checks instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from pricing_model import config, deploy, smoke

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
# The platform stack's exports the model service imports, as a stand-in stack exporting them.
PLATFORM = {
    "Resources": {"Marker": {"Type": "AWS::SSM::Parameter",
                             "Properties": {"Name": "/pricing-model/platform", "Type": "String",
                                            "Value": "platform"}}},
    "Outputs": {
        name: {"Value": value, "Export": {"Name": f"{config.EXPORT_PREFIX}-{name}"}}
        for name, value in {
            "ProjectKeyArn": f"arn:aws:kms:{config.REGION}:{ACCOUNT}:key/"
                             "11111111-2222-3333-4444-555555555555",
            "SageMakerExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/"
                                         f"{config.SAGEMAKER_ROLE_NAME}",
            "ArtifactBucket": "pricing-model-artifacts-test",
            "DataBucket": "pricing-model-data-test",
        }.items()
    },
}


@pytest.fixture
def aws():
    with mock_aws():
        boto3.client("cloudformation").create_stack(StackName=config.PLATFORM_STACK,
                                                     TemplateBody=json.dumps(PLATFORM))
        sagemaker = boto3.client("sagemaker")
        sagemaker.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
        yield sagemaker


@pytest.mark.parametrize("stage", sorted(config.STACKS))
def test_stage_deploys_and_serves_the_approved_package(aws, register_package, tmp_path,
                                                       stage) -> None:
    package_arn = register_package(aws)
    deploy.write_stage_parameters(PROJECT_ROOT / "infra" / "config", tmp_path,
                                  ModelPackageArn=package_arn)
    document = json.loads((tmp_path / f"{stage}.json").read_text())
    template = (PROJECT_ROOT / "infra" / "model-service.yaml").read_text()
    cloudformation = boto3.client("cloudformation")
    stack = config.STACKS[stage]

    assert deploy.deploy_stack(cloudformation, stack, template, document, None) == "CREATED"
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
                 cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    endpoint_name = resources["Endpoint"].split("/")[-1]
    live = smoke.verify_endpoint(aws, endpoint_name, package_arn)
    assert live["ModelName"] == resources["Model"].split("/")[-1]
    model = aws.describe_model(ModelName=live["ModelName"])
    assert model["VpcConfig"] == config.MODEL_NETWORKS[stage]
    [variant] = aws.describe_endpoint_config(
        EndpointConfigName=live["EndpointConfigName"])["ProductionVariants"]
    parameters = document["Parameters"]
    assert variant["InstanceType"] == parameters["InstanceType"]
    assert variant["InitialInstanceCount"] == int(parameters["InstanceCount"])
    assert "ServerlessConfig" not in variant
    capture = aws.describe_endpoint_config(
        EndpointConfigName=live["EndpointConfigName"])["DataCaptureConfig"]
    assert capture["EnableCapture"] is True
    assert capture["DestinationS3Uri"] == (
        f"s3://{PLATFORM['Outputs']['ArtifactBucket']['Value']}/{config.DATA_CAPTURE_PREFIX}")
    assert capture["CaptureOptions"] == [{"CaptureMode": "Input"}]

    assert deploy.deploy_stack(cloudformation, stack, template, document, None) == "UNCHANGED"


def test_params_command_pins_the_package_it_is_given(aws, register_package, tmp_path,
                                                      monkeypatch) -> None:
    pinned = register_package(aws)
    register_package(aws)  # a newer approval must not replace the pinned package
    monkeypatch.setenv("MODEL_PACKAGE_ARN", pinned)
    output = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    written = deploy.main(["params", "--config-dir", str(PROJECT_ROOT / "infra" / "config"),
                           "--out-dir", str(tmp_path / "config")])
    assert {json.loads(p.read_text())["Parameters"]["ModelPackageArn"] for p in written} == {
        pinned}
    assert output.read_text() == f"model-package-arn={pinned}\n"
