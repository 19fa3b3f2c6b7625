"""The SageMaker pipeline definition builds (scripts upload to moto's S3) and has the shape
process -> train -> evaluate -> condition -> register; upsert and start go to moto too."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from sagemaker import image_uris

from claims_triage import config, run_pipeline
from claims_triage.pipeline import METRIC_PATH, get_pipeline

ROLE_ARN = "arn:aws:iam::123456789012:role/claims-triage-sagemaker-execution"
BUCKET = "claims-triage-artifacts-test"


@pytest.fixture
def aws(make_bucket):
    with mock_aws():
        make_bucket(boto3.client("s3", region_name=config.region()), BUCKET)
        yield


KMS_KEY = "arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555"


SERVING_IMAGE = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/claims-triage-serving:0123abc"


@pytest.fixture(autouse=True)
def _serving_image(monkeypatch) -> None:
    monkeypatch.setenv("SERVING_IMAGE_URI", SERVING_IMAGE)


@pytest.fixture(scope="module")
def built(make_bucket) -> tuple[dict, list[str]]:
    """The definition and the keys building it uploaded, built once for the module (it takes
    seconds); the tests only read them."""
    with mock_aws(), pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SERVING_IMAGE_URI", SERVING_IMAGE)
        s3 = boto3.client("s3", region_name=config.region())
        make_bucket(s3, BUCKET)
        definition = json.loads(
            get_pipeline(role_arn=ROLE_ARN, bucket=BUCKET, kms_key=KMS_KEY).definition())
        uploaded = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    return definition, uploaded


@pytest.fixture
def definition(built) -> dict:
    return built[0]


def test_every_job_is_encrypted_with_the_project_key(definition) -> None:
    steps = {step["Name"]: step["Arguments"] for step in definition["Steps"]}
    for name in ("PrepareData", "EvaluateModel"):
        assert steps[name]["ProcessingOutputConfig"]["KmsKeyId"] == KMS_KEY
        assert steps[name]["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == KMS_KEY
    training = steps["TrainModel"]
    assert training["OutputDataConfig"]["KmsKeyId"] == KMS_KEY
    assert (training["ResourceConfig"].get("VolumeKmsKeyId") == KMS_KEY) == (
        config.ENCRYPT_TRAINING_VOLUMES)


def _framework_image(framework: str, version: str, scope: str, instance_type: str) -> str:
    py_version = config.FRAMEWORK_PY_VERSION if framework == config.FRAMEWORK else "py3"
    return image_uris.retrieve(framework, config.region(), version=version, py_version=py_version,
                               instance_type=instance_type, image_scope=scope)


def test_each_job_runs_on_its_framework_image(definition) -> None:
    """The pinned scikit-learn image trains the model;
    data preparation runs on the scikit-learn image (both as the SDK resolves them here)."""
    steps = {step["Name"]: step["Arguments"] for step in definition["Steps"]}
    processing = steps["PrepareData"]["ProcessingResources"]["ClusterConfig"]["InstanceType"]
    assert steps["PrepareData"]["AppSpecification"]["ImageUri"] == _framework_image(
        "sklearn", config.SKLEARN_FRAMEWORK_VERSION, "training", processing)
    model_image = _framework_image(config.FRAMEWORK, config.FRAMEWORK_VERSION, "training",
                                   config.TRAINING_INSTANCE_TYPE)
    assert steps["TrainModel"]["AlgorithmSpecification"]["TrainingImage"] == model_image
    evaluation = steps["EvaluateModel"]["AppSpecification"]["ImageUri"]
    assert evaluation == steps["PrepareData"]["AppSpecification"]["ImageUri"]


def test_steps_run_in_order(definition) -> None:
    steps = {step["Name"]: step for step in definition["Steps"]}
    assert list(steps) == ["PrepareData", "TrainModel", "EvaluateModel", "CheckMetric"]
    assert steps["PrepareData"]["Type"] == "Processing"
    assert steps["TrainModel"]["Type"] == "Training"
    train_input = steps["TrainModel"]["Arguments"]["InputDataConfig"][0]
    assert "PrepareData" in json.dumps(train_input)
    assert "TrainModel" in json.dumps(steps["EvaluateModel"]["Arguments"]["ProcessingInputs"])


def test_registration_is_gated_on_the_metric(definition) -> None:
    gate = next(s for s in definition["Steps"] if s["Name"] == "CheckMetric")
    condition = gate["Arguments"]["Conditions"][0]
    assert condition["Type"] == "GreaterThanOrEqualTo"
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == METRIC_PATH
    assert condition["RightValue"] == {"Get": "Parameters.MinRocAuc"}
    register = next(s for s in gate["Arguments"]["IfSteps"] if s["Type"] == "RegisterModel")
    assert register["Arguments"]["ModelPackageGroupName"] == config.MODEL_PACKAGE_GROUP
    assert register["Arguments"]["ModelApprovalStatus"] == {
        "Get": "Parameters.ModelApprovalStatus"
    }
    assert "EvaluateModel" in json.dumps(register["Arguments"]["ModelMetrics"])
    [container] = register["Arguments"]["InferenceSpecification"]["Containers"]
    assert container["Image"] == SERVING_IMAGE  # the project's own serving image
    assert gate["Arguments"]["ElseSteps"][0]["Type"] == "Fail"


def test_parameters_include_what_the_schedule_rule_passes(definition) -> None:
    names = {parameter["Name"] for parameter in definition["Parameters"]}
    assert {"ModelApprovalStatus", "MinRocAuc", "TriggeredBy"} <= names


def test_training_data_comes_from_the_input_data_parameter(aws) -> None:
    """With a data location (new data retrains the model), the PrepareData step reads it through
    the InputDataUri parameter; without one, it takes no input (the bundled dataset)."""
    uri = "s3://claims-triage-data-test/incoming/"
    built = json.loads(get_pipeline(role_arn=ROLE_ARN, bucket=BUCKET, kms_key=KMS_KEY,
                                    data_uri=uri).definition())
    assert {"Name": "InputDataUri", "Type": "String", "DefaultValue": uri} in built["Parameters"]
    (data_input,) = _data_inputs(built)
    assert data_input["S3Input"]["S3Uri"] == {"Get": "Parameters.InputDataUri"}
    bundled = json.loads(get_pipeline(role_arn=ROLE_ARN, bucket=BUCKET, kms_key=KMS_KEY).definition())
    assert _data_inputs(bundled) == []
    assert "InputDataUri" not in {parameter["Name"] for parameter in bundled["Parameters"]}


def _data_inputs(definition: dict) -> list[dict]:
    """The PrepareData step's inputs that land where preprocess.py reads data."""
    prepare = next(s for s in definition["Steps"] if s["Name"] == "PrepareData")
    return [i for i in prepare["Arguments"].get("ProcessingInputs", [])
            if i["S3Input"]["LocalPath"] == "/opt/ml/processing/input"]


def test_training_runs_within_its_limits_on_the_chosen_capacity(definition) -> None:
    train = next(s for s in definition["Steps"] if s["Name"] == "TrainModel")["Arguments"]
    stopping = train["StoppingCondition"]
    assert stopping["MaxRuntimeInSeconds"] == config.TRAINING_MAX_RUNTIME_SECONDS
    if config.TRAINING_SPOT:
        assert train["EnableManagedSpotTraining"] is True
        assert stopping["MaxWaitTimeInSeconds"] == config.TRAINING_MAX_WAIT_SECONDS
        assert stopping["MaxWaitTimeInSeconds"] >= stopping["MaxRuntimeInSeconds"]
        assert train["CheckpointConfig"]["S3Uri"] == (
            f"s3://{BUCKET}/{config.PIPELINE_NAME}/checkpoints")
    else:
        assert not train.get("EnableManagedSpotTraining")
        assert "MaxWaitTimeInSeconds" not in stopping
        assert "CheckpointConfig" not in train


def test_scripts_were_uploaded_to_the_bucket(built) -> None:
    _, keys = built
    assert any(key.endswith("preprocess.py") for key in keys)
    assert any(key.endswith("evaluate.py") for key in keys)


def test_upsert_and_start(aws, monkeypatch) -> None:
    monkeypatch.setenv("ARTIFACT_BUCKET", BUCKET)
    monkeypatch.setenv("SAGEMAKER_ROLE_ARN", ROLE_ARN)
    monkeypatch.setenv("KMS_KEY_ARN", KMS_KEY)
    monkeypatch.setenv("DATA_BUCKET", "claims-triage-data-test")
    result = run_pipeline.main(["--start"])
    sagemaker = boto3.client("sagemaker")
    names = [p["PipelineName"] for p in sagemaker.list_pipelines()["PipelineSummaries"]]
    assert names == [config.PIPELINE_NAME]
    executions = sagemaker.list_pipeline_executions(PipelineName=config.PIPELINE_NAME)
    assert [e["PipelineExecutionArn"] for e in executions["PipelineExecutionSummaries"]] == [
        result["PipelineExecutionArn"]
    ]
