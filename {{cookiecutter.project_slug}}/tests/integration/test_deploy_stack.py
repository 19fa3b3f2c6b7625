{%- set p = mlops(cookiecutter) -%}
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
{%- if p.multi_model and not p.multi_model_uploads_code %}
from cfnlint.decode import decode_str
{%- endif %}
from moto import mock_aws

from {{ p.package_name }} import config, deploy{% if not p.batch %}, smoke{% endif %}

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
{%- if p.multi_model %}
BUCKET = "{{ p.slug }}-artifacts-test"
IMAGE = f"683313688378.dkr.ecr.{config.REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
{%- endif %}
# The platform stack's exports the model service imports, as a stand-in stack exporting them.
PLATFORM = {
    "Resources": {"Marker": {"Type": "AWS::SSM::Parameter",
                             "Properties": {"Name": "/{{ p.slug }}/platform", "Type": "String",
                                            "Value": "platform"}}},
    "Outputs": {
        name: {"Value": value, "Export": {"Name": f"{config.EXPORT_PREFIX}-{name}"}}
        for name, value in {
            "ProjectKeyArn": f"arn:aws:kms:{config.REGION}:{ACCOUNT}:key/"
                             "11111111-2222-3333-4444-555555555555",
            "SageMakerExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/"
                                         f"{config.SAGEMAKER_ROLE_NAME}",
            "ArtifactBucket": "{{ p.slug }}-artifacts-test",
            "DataBucket": "{{ p.slug }}-data-test",
        }.items()
    },
}


@pytest.fixture
def aws({% if p.multi_model %}make_bucket{% endif %}):
    with mock_aws():
        boto3.client("cloudformation").create_stack(StackName=config.PLATFORM_STACK,
                                                     TemplateBody=json.dumps(PLATFORM))
        sagemaker = boto3.client("sagemaker")
        sagemaker.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
{%- if p.multi_model %}
        # The artifact bucket: the packages' artifacts, the inference code, the target models.
        s3 = boto3.client("s3")
        make_bucket(s3, BUCKET)
        s3.put_object(Bucket=BUCKET, Key="models/model.tar.gz", Body=b"a model artifact")
{%- endif %}
        yield sagemaker
{%- if p.multi_model %}


def _register(sagemaker, register_package) -> str:
    return register_package(sagemaker, image=IMAGE, model_data=f"s3://{BUCKET}/models/model.tar.gz")
{%- endif %}


@pytest.mark.parametrize("stage", sorted(config.STACKS))
def test_stage_deploys_and_serves_the_approved_package(aws, register_package, tmp_path,
                                                       stage) -> None:
{%- if p.multi_model %}
    package_arn = _register(aws, register_package)
{%- if p.multi_model_uploads_code %}
    code_uri = deploy.upload_serving_code(boto3.client("s3"), BUCKET)
    deploy.write_stage_parameters(PROJECT_ROOT / "infra" / "config", tmp_path,
                                  ServingImage=IMAGE, ServingCodeUri=code_uri)
{%- else %}
    deploy.write_stage_parameters(PROJECT_ROOT / "infra" / "config", tmp_path,
                                  ServingImage=IMAGE)
{%- endif %}
{%- else %}
    package_arn = register_package(aws)
    deploy.write_stage_parameters(PROJECT_ROOT / "infra" / "config", tmp_path,
                                  ModelPackageArn=package_arn)
{%- endif %}
    document = json.loads((tmp_path / f"{stage}.json").read_text())
    template = (PROJECT_ROOT / "infra" / "model-service.yaml").read_text()
    cloudformation = boto3.client("cloudformation")
    stack = config.STACKS[stage]

    assert deploy.deploy_stack(cloudformation, stack, template, document, None) == "CREATED"
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
                 cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
{%- if p.batch %}
    # moto creates the model; the batch pipeline, which it skips, is checked in test_batch.
    model_name = resources["Model"].split("/")[-1]
    model = aws.describe_model(ModelName=model_name)
    assert model["PrimaryContainer"]["ModelPackageName"] == package_arn
{%- if p.model_networks %}
    assert model["VpcConfig"] == config.MODEL_NETWORKS[stage]
{%- elif p.vpc_subnets %}
    assert model["VpcConfig"] == {"Subnets": config.VPC_SUBNETS,
                                  "SecurityGroupIds": config.VPC_SECURITY_GROUPS}
{%- endif %}
    assert not aws.list_endpoints()["Endpoints"]
{%- else %}
    endpoint_name = resources["Endpoint"].split("/")[-1]
{%- if p.multi_model %}
    # `make deploy`: the stack, then the package published as a target model of the stage.
    s3 = boto3.client("s3")
    deploy.publish(aws, s3, package_arn, stage, BUCKET)
    live = smoke.verify_endpoint(aws, s3, endpoint_name, deploy.target_model(package_arn),
                                 f"s3://{BUCKET}/{config.MULTI_MODEL_PREFIXES[stage]}")
    container = aws.describe_model(ModelName=live["ModelName"])["PrimaryContainer"]
    assert container["Image"] == IMAGE
{%- if p.multi_model_uploads_code %}
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == code_uri
{%- else %}
    # Each target carries its inference code: the container downloads nothing itself, and
    # the stack's model is network-isolated (moto's model does not keep that setting).
    assert container["Environment"] == {"SAGEMAKER_PROGRAM": "inference.py",
                                        "SAGEMAKER_REGION": config.region(),
                                        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20"}
    [model] = [r for r in decode_str(template)[0]["Resources"].values()
               if r["Type"] == "AWS::SageMaker::Model"]
    assert model["Properties"]["EnableNetworkIsolation"] is True
{%- endif %}
{%- else %}
    live = smoke.verify_endpoint(aws, endpoint_name, package_arn)
{%- endif %}
    assert live["ModelName"] == resources["Model"].split("/")[-1]
{%- if p.model_networks %}
    model = aws.describe_model(ModelName=live["ModelName"])
    assert model["VpcConfig"] == config.MODEL_NETWORKS[stage]
{%- elif p.vpc_subnets %}
    model = aws.describe_model(ModelName=live["ModelName"])
    assert model["VpcConfig"] == {"Subnets": config.VPC_SUBNETS,
                                  "SecurityGroupIds": config.VPC_SECURITY_GROUPS}
{%- endif %}
    [variant] = aws.describe_endpoint_config(
        EndpointConfigName=live["EndpointConfigName"])["ProductionVariants"]
    parameters = document["Parameters"]
{%- if p.serverless %}
    assert variant["ServerlessConfig"] == {
        "MemorySizeInMB": int(parameters["MemorySizeInMB"]),
        "MaxConcurrency": int(parameters["MaxConcurrency"]),
{%- if p.provisioned_concurrency %}
        "ProvisionedConcurrency": int(parameters["ProvisionedConcurrency"]),
{%- endif %}
    }
    assert "InstanceType" not in variant
{%- else %}
{%- if p.asynchronous %}
    async_config = aws.describe_endpoint_config(
        EndpointConfigName=live["EndpointConfigName"])["AsyncInferenceConfig"]
    output = async_config["OutputConfig"]
    prefix = f"s3://{PLATFORM['Outputs']['ArtifactBucket']['Value']}/{config.ASYNC_PREFIX}"
    assert output["S3OutputPath"] == f"{prefix}/{parameters['EndpointName']}/output"
    assert output["S3FailurePath"] == f"{prefix}/{parameters['EndpointName']}/failures"
    topics = output["NotificationConfig"]
    assert topics["SuccessTopic"] == resources["SuccessTopic"]
    assert topics["ErrorTopic"] == resources["ErrorTopic"]
    assert topics["SuccessTopic"].endswith(f":{parameters['EndpointName']}-async-success")
    assert topics["ErrorTopic"].endswith(f":{parameters['EndpointName']}-async-errors")
{%- endif %}
    assert variant["InstanceType"] == parameters["InstanceType"]
    assert variant["InitialInstanceCount"] == int(parameters["InstanceCount"])
    assert "ServerlessConfig" not in variant
{%- endif %}
{%- if p.retrains_on_drift %}
    capture = aws.describe_endpoint_config(
        EndpointConfigName=live["EndpointConfigName"])["DataCaptureConfig"]
    assert capture["EnableCapture"] is True
    assert capture["DestinationS3Uri"] == (
        f"s3://{PLATFORM['Outputs']['ArtifactBucket']['Value']}/{config.DATA_CAPTURE_PREFIX}")
    assert capture["CaptureOptions"] == [{"CaptureMode": "Input"}]
{%- endif %}
{%- endif %}

    assert deploy.deploy_stack(cloudformation, stack, template, document, None) == "UNCHANGED"


def test_params_command_pins_the_package_it_is_given(aws, register_package, tmp_path,
                                                      monkeypatch) -> None:
{%- if p.multi_model %}
    pinned = _register(aws, register_package)
    _register(aws, register_package)  # a newer approval must not replace the pinned package
    monkeypatch.setenv("ARTIFACT_BUCKET", BUCKET)
{%- else %}
    pinned = register_package(aws)
    register_package(aws)  # a newer approval must not replace the pinned package
{%- endif %}
    monkeypatch.setenv("MODEL_PACKAGE_ARN", pinned)
    output = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    written = deploy.main(["params", "--config-dir", str(PROJECT_ROOT / "infra" / "config"),
                           "--out-dir", str(tmp_path / "config")])
{%- if p.multi_model %}
    assert json.loads((tmp_path / "config" / deploy.PACKAGE_FILE).read_text()) == {
        "ModelPackageArn": pinned}
    assert len(written) == len(config.STACKS) + 1
{%- else %}
    assert {json.loads(p.read_text())["Parameters"]["ModelPackageArn"] for p in written} == {
        pinned}
{%- endif %}
    assert output.read_text() == f"model-package-arn={pinned}\n"
{%- if p.asynchronous %}


def test_the_smoke_test_finds_the_bucket_of_each_stage(monkeypatch) -> None:
    """The artifact bucket (from the platform stack, or ARTIFACT_BUCKET){% if p.stage_buckets %}, or the stage's own
    bucket in an account of its own{% endif %}: where the asynchronous endpoint exchanges requests."""
    monkeypatch.setenv("ARTIFACT_BUCKET", "the-artifact-bucket")
    for stage in config.STACKS:
{%- if p.stage_buckets %}
        if stage in config.STAGE_BUCKETS:  # named after the stage and its account
            assert config.STAGE_BUCKETS[stage].endswith(f"-{stage}-{config.ACCOUNTS[stage]}")
            assert config.stage_bucket(stage) == config.STAGE_BUCKETS[stage]
        else:
            assert config.stage_bucket(stage) == "the-artifact-bucket"
{%- else %}
        assert config.stage_bucket(stage) == "the-artifact-bucket"
{%- endif %}
{%- endif %}
