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

from tariff_models import config, deploy, smoke

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
BUCKET = "tariff-models-artifacts-test"
IMAGE = f"683313688378.dkr.ecr.{config.REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
# The platform stack's exports the model service imports, as a stand-in stack exporting them.
PLATFORM = {
    "Resources": {"Marker": {"Type": "AWS::SSM::Parameter",
                             "Properties": {"Name": "/tariff-models/platform", "Type": "String",
                                            "Value": "platform"}}},
    "Outputs": {
        name: {"Value": value, "Export": {"Name": f"{config.EXPORT_PREFIX}-{name}"}}
        for name, value in {
            "ProjectKeyArn": f"arn:aws:kms:{config.REGION}:{ACCOUNT}:key/"
                             "11111111-2222-3333-4444-555555555555",
            "SageMakerExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/"
                                         f"{config.SAGEMAKER_ROLE_NAME}",
            "ArtifactBucket": "tariff-models-artifacts-test",
            "DataBucket": "tariff-models-data-test",
        }.items()
    },
}


@pytest.fixture
def aws(make_bucket):
    with mock_aws():
        boto3.client("cloudformation").create_stack(StackName=config.PLATFORM_STACK,
                                                     TemplateBody=json.dumps(PLATFORM))
        sagemaker = boto3.client("sagemaker")
        sagemaker.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
        # The artifact bucket: the packages' artifacts, the inference code, the target models.
        s3 = boto3.client("s3")
        make_bucket(s3, BUCKET)
        s3.put_object(Bucket=BUCKET, Key="models/model.tar.gz", Body=b"a model artifact")
        yield sagemaker


def _register(sagemaker, register_package) -> str:
    return register_package(sagemaker, image=IMAGE, model_data=f"s3://{BUCKET}/models/model.tar.gz")


@pytest.mark.parametrize("stage", sorted(config.STACKS))
def test_stage_deploys_and_serves_the_approved_package(aws, register_package, tmp_path,
                                                       stage) -> None:
    package_arn = _register(aws, register_package)
    code_uri = deploy.upload_serving_code(boto3.client("s3"), BUCKET)
    deploy.write_stage_parameters(PROJECT_ROOT / "infra" / "config", tmp_path,
                                  ServingImage=IMAGE, ServingCodeUri=code_uri)
    document = json.loads((tmp_path / f"{stage}.json").read_text())
    template = (PROJECT_ROOT / "infra" / "model-service.yaml").read_text()
    cloudformation = boto3.client("cloudformation")
    stack = config.STACKS[stage]

    assert deploy.deploy_stack(cloudformation, stack, template, document, None) == "CREATED"
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
                 cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    endpoint_name = resources["Endpoint"].split("/")[-1]
    # `make deploy`: the stack, then the package published as a target model of the stage.
    s3 = boto3.client("s3")
    deploy.publish(aws, s3, package_arn, stage, BUCKET)
    live = smoke.verify_endpoint(aws, s3, endpoint_name, deploy.target_model(package_arn),
                                 f"s3://{BUCKET}/{config.MULTI_MODEL_PREFIXES[stage]}")
    container = aws.describe_model(ModelName=live["ModelName"])["PrimaryContainer"]
    assert container["Image"] == IMAGE
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == code_uri
    assert live["ModelName"] == resources["Model"].split("/")[-1]
    [variant] = aws.describe_endpoint_config(
        EndpointConfigName=live["EndpointConfigName"])["ProductionVariants"]
    parameters = document["Parameters"]
    assert variant["InstanceType"] == parameters["InstanceType"]
    assert variant["InitialInstanceCount"] == int(parameters["InstanceCount"])
    assert "ServerlessConfig" not in variant

    assert deploy.deploy_stack(cloudformation, stack, template, document, None) == "UNCHANGED"


def test_params_command_pins_the_package_it_is_given(aws, register_package, tmp_path,
                                                      monkeypatch) -> None:
    pinned = _register(aws, register_package)
    _register(aws, register_package)  # a newer approval must not replace the pinned package
    monkeypatch.setenv("ARTIFACT_BUCKET", BUCKET)
    monkeypatch.setenv("MODEL_PACKAGE_ARN", pinned)
    output = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    written = deploy.main(["params", "--config-dir", str(PROJECT_ROOT / "infra" / "config"),
                           "--out-dir", str(tmp_path / "config")])
    assert json.loads((tmp_path / "config" / deploy.PACKAGE_FILE).read_text()) == {
        "ModelPackageArn": pinned}
    assert len(written) == len(config.STACKS) + 1
    assert output.read_text() == f"model-package-arn={pinned}\n"
