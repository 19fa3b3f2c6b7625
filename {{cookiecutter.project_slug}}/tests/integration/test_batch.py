{%- set p = mlops(cookiecutter) -%}
"""Batch scoring: the stage's pipeline definition in infra/model-service.yaml is what the
SageMaker SDK builds for the same transform step, SageMaker (moto) accepts it, and the smoke
test's helpers check the model, start a run and read its results.

moto's CloudFormation does not create AWS::SageMaker::Pipeline resources and moto runs no
transform jobs: the definition is resolved from the template and created through the API, and a
run's output file is written where batch transform would write it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode.decode import decode_str
from moto import mock_aws
from sagemaker.transformer import Transformer
from sagemaker.workflow.execution_variables import ExecutionVariables
from sagemaker.workflow.functions import Join
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.steps import TransformStep

from {{ p.package_name }} import config, smoke

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "model-service.yaml"
ACCOUNT = "123456789012"
BUCKET = "{{ p.slug }}-data-test"
KEY = f"arn:aws:kms:{config.REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
MODEL = "{{ p.slug }}-model-test"
STAGE_CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"


def _parameters(stage: str) -> dict[str, str]:
    return json.loads((STAGE_CONFIG / f"{stage}.json").read_text())["Parameters"]


def _resolve(value: Any, names: dict[str, str], template: dict) -> Any:
    """The intrinsic functions the definition's substitutions use, resolved for one stage."""
    if isinstance(value, str):
        return value
    (function, argument), = value.items()
    if function == "Fn::ImportValue":
        return {f"{config.EXPORT_PREFIX}-DataBucket": BUCKET,
                f"{config.EXPORT_PREFIX}-ProjectKeyArn": KEY}[argument]
    if function == "Fn::If":
        condition, when_true, when_false = argument
        left, right = template["Conditions"][condition]["Fn::Equals"]
        holds = _resolve_ref(left, names) == _resolve_ref(right, names)
        return _resolve(when_true if holds else when_false, names, template)
    if function == "Fn::Sub":
        body, variables = argument
        local = {k: _resolve(v, names, template) for k, v in variables.items()}
        return re.sub(r"\$\{([A-Za-z0-9.]+)\}", lambda m: {**names, **local}[m[1]], body)
    raise AssertionError(f"unexpected intrinsic {function}")


def _resolve_ref(value: Any, names: dict[str, str]) -> str:
    return names[value["Ref"]] if isinstance(value, dict) else value


def rendered_definition(stage: str) -> dict:
    """The stage's pipeline definition as CloudFormation would substitute it."""
    template, matches = decode_str(TEMPLATE.read_text())
    assert not matches
    body = template["Resources"]["BatchPipeline"]["Properties"]["PipelineDefinition"][
        "PipelineDefinitionBody"]
    names = {**_parameters(stage), "Model.ModelName": MODEL}
    return json.loads(_resolve(body, names, template))


def sdk_definition(stage: str) -> dict:
    """The same pipeline built with the SageMaker SDK's TransformStep."""
    parameters = _parameters(stage)
    session = PipelineSession(boto_session=boto3.Session(region_name=config.region()),
                              default_bucket=BUCKET)
    model = ParameterString("ModelName", default_value=MODEL)
    prefixes = config.BATCH_PREFIXES[stage]
    inputs = ParameterString("InputUri", default_value=f"s3://{BUCKET}/{prefixes['input']}")
    outputs = ParameterString("OutputUri", default_value=f"s3://{BUCKET}/{prefixes['output']}")
    trigger = ParameterString("TriggeredBy", default_value="manual")
    transformer = Transformer(
        model_name=model, instance_count=int(parameters["InstanceCount"]),
        instance_type=parameters["InstanceType"],
        output_path=Join(on="", values=[outputs, ExecutionVariables.PIPELINE_EXECUTION_ID, "/"]),
        accept="application/json", assemble_with="Line", strategy="MultiRecord",
        max_payload=6, output_kms_key=KEY,
        volume_kms_key=KEY,
        sagemaker_session=session)
    step = TransformStep("Score", step_args=transformer.transform(
        data=inputs, content_type="text/csv", split_type="Line"))
    pipeline = Pipeline(parameters["BatchPipelineName"], parameters=[model, inputs, outputs, trigger],
                        steps=[step], sagemaker_session=session, pipeline_experiment_config=None)
    definition = json.loads(pipeline.definition())
    assert definition.pop("PipelineExperimentConfig") is None  # runs create no experiments
    return definition


@pytest.fixture
def aws(make_bucket):
    with mock_aws():
        s3 = boto3.client("s3", region_name=config.region())
        make_bucket(s3, BUCKET)
        sagemaker = boto3.client("sagemaker", region_name=config.region())
        sagemaker.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
        yield sagemaker, s3


@pytest.mark.parametrize("stage", sorted(config.STACKS))
def test_the_definition_is_what_the_sdk_builds(aws, stage) -> None:
    assert rendered_definition(stage) == sdk_definition(stage)


@pytest.mark.parametrize("stage", sorted(config.STACKS))
def test_results_and_volumes_are_encrypted_with_the_project_key(stage) -> None:
    [step] = rendered_definition(stage)["Steps"]
    arguments = step["Arguments"]
    assert arguments["TransformOutput"]["KmsKeyId"] == KEY
    # Batch transform runs on EBS volumes only (the API offers no instance-store type).
    assert arguments["TransformResources"]["VolumeKmsKeyId"] == KEY


def _deploy_pipeline(sagemaker, stage: str, package_arn: str) -> str:
    """The stage's model and pipeline as the stack creates them."""
    role = f"arn:aws:iam::{ACCOUNT}:role/{config.SAGEMAKER_ROLE_NAME}"
    sagemaker.create_model(ModelName=MODEL, ExecutionRoleArn=role,
                           PrimaryContainer={"ModelPackageName": package_arn})
    name = _parameters(stage)["BatchPipelineName"]
    sagemaker.create_pipeline(PipelineName=name, RoleArn=role,
                              PipelineDefinition=json.dumps(rendered_definition(stage)))
    return name


def test_the_smoke_check_accepts_the_deployed_package(aws, register_package) -> None:
    sagemaker, _ = aws
    package = register_package(sagemaker)
    name = _deploy_pipeline(sagemaker, "staging", package)
    assert smoke.verify_batch_pipeline(sagemaker, name, package) == {"ModelName": MODEL}


def test_the_smoke_check_rejects_another_package(aws, register_package) -> None:
    sagemaker, _ = aws
    name = _deploy_pipeline(sagemaker, "staging", register_package(sagemaker))
    other = register_package(sagemaker, model_data="s3://bucket/other.tar.gz")
    with pytest.raises(smoke.SmokeTestError, match="expected"):
        smoke.verify_batch_pipeline(sagemaker, name, other)


def test_a_smoke_run_uploads_the_rows_runs_on_them_and_reads_the_results(
        aws, register_package) -> None:
    sagemaker, s3 = aws
    name = _deploy_pipeline(sagemaker, "staging", register_package(sagemaker))
    prefixes = config.BATCH_PREFIXES["staging"]
    run_id = "0123456789abcdef0123456789abcdef"
    # What batch transform writes for the uploaded file: one JSON response per mini-batch.
    results = f"{prefixes['output']}smoke-{run_id}/execution-1/{run_id}.csv.out"
    s3.put_object(Bucket=BUCKET, Key=results, Body=(
        b'{"predictions": [{"label": 1, "score": 0.9}, {"label": 0, "score": 0.2}]}\n'
        b'{"predictions": [{"label": 0, "score": 0.1}]}\n'))

    predictions = smoke.score_batch(
        sagemaker, s3, name, [[1.0, 2.5], [3.0, 4.0], [5.0, 6.0]],
        f"s3://{BUCKET}/{prefixes['smoke']}", f"s3://{BUCKET}/{prefixes['output']}",
        run_id=run_id, poll_seconds=0)

    assert [p["score"] for p in predictions] == [0.9, 0.2, 0.1]
    uploaded = s3.get_object(Bucket=BUCKET, Key=f"{prefixes['smoke']}{run_id}.csv")
    assert uploaded["Body"].read() == b"1.0,2.5\n3.0,4.0\n5.0,6.0"
    [execution] = sagemaker.list_pipeline_executions(
        PipelineName=name)["PipelineExecutionSummaries"]
    started = sagemaker.list_pipeline_parameters_for_execution(
        PipelineExecutionArn=execution["PipelineExecutionArn"])["PipelineParameters"]
    assert {p["Name"]: p["Value"] for p in started} == {
        "InputUri": f"s3://{BUCKET}/{prefixes['smoke']}{run_id}.csv",
        "OutputUri": f"s3://{BUCKET}/{prefixes['output']}smoke-{run_id}/",
        "TriggeredBy": "smoke-test",
    }


def test_a_run_that_writes_nothing_fails_the_smoke_test(aws, register_package) -> None:
    sagemaker, s3 = aws
    name = _deploy_pipeline(sagemaker, "staging", register_package(sagemaker))
    prefixes = config.BATCH_PREFIXES["staging"]
    with pytest.raises(smoke.SmokeTestError, match="wrote no predictions"):
        smoke.score_batch(sagemaker, s3, name, [[1.0, 2.0]], f"s3://{BUCKET}/{prefixes['smoke']}",
                          f"s3://{BUCKET}/{prefixes['output']}", poll_seconds=0)
