"""A batch stage's model-service stack, created by CloudFormation in moto: the model serves the
approved package and no endpoint exists.

moto creates the model and skips the AWS::SageMaker::Pipeline resource: the pipeline's
definition is checked against the SageMaker SDK and moto's API by the project's own tests
(tests/integration/test_batch.py), which the slow tier runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from mlopscutter.options import default_answers, parse_options
from tests.aws_stacks import approved_package, platform_stand_in
from tests.helpers import example_answers, render


@pytest.mark.parametrize("stage", ["staging", "prod"])
def test_a_batch_stage_creates_the_model_from_the_package_and_no_endpoint(
    tmp_path: Path, stage: str
) -> None:
    answers = {**default_answers(), **example_answers("batch")}
    options = parse_options(answers)
    project = render(answers, tmp_path)
    template_text = (project / "infra" / "model-service.yaml").read_text()
    template = cfn_yaml.loads(template_text)
    parameters = json.loads((project / "infra" / "config" / f"{stage}.json").read_text())[
        "Parameters"
    ]
    assert set(template["Parameters"]) == {"Stage", "ModelPackageArn", *parameters}
    assert {r["Type"] for r in template["Resources"].values()} == {
        "AWS::SageMaker::Model",
        "AWS::SageMaker::Pipeline",
    }
    region = options.aws_region
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name=region)
        package = approved_package(sagemaker, "claims-scoring", region)
        cloudformation = boto3.client("cloudformation", region_name=region)
        cloudformation.create_stack(
            StackName="claims-scoring-platform",
            TemplateBody=json.dumps(
                platform_stand_in("claims-scoring", "claims-scoring-sagemaker-execution")
            ),
        )
        cloudformation.create_stack(
            StackName=f"claims-scoring-model-{stage}",
            TemplateBody=template_text,
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v}
                for k, v in {**parameters, "ModelPackageArn": package}.items()
            ],
        )
        resources = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cloudformation.list_stack_resources(StackName=f"claims-scoring-model-{stage}")[
                "StackResourceSummaries"
            ]
        }
        model = sagemaker.describe_model(ModelName=resources["Model"].split("/")[-1])
        assert model["PrimaryContainer"]["ModelPackageName"] == package
        assert model["ExecutionRoleArn"].endswith(":role/claims-scoring-sagemaker-execution")
        assert sagemaker.list_endpoints()["Endpoints"] == []
        assert sagemaker.list_endpoint_configs()["EndpointConfigs"] == []
