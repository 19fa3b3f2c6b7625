{%- set p = mlops(cookiecutter) -%}
"""The training DAG's SageMaker jobs: each request is one the SageMaker API accepts (checked
against botocore's model of it), each step reads what the step before it wrote, and the
packaging step gives the serving image a model it can load."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from botocore.validate import ParamValidator
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from {{ p.package_name }} import airflow_jobs, config, inference, preprocess, repack

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUCKET = "{{ p.slug }}-artifacts-test"
REGISTRY = f"683313688378.dkr.ecr.{config.REGION}.amazonaws.com"
IMAGES = {
    "processing": f"{REGISTRY}/sagemaker-scikit-learn:1.2-1-cpu-py3",
    "training": f"{REGISTRY}/sagemaker-{config.FRAMEWORK}:{config.FRAMEWORK_VERSION}-cpu-py3",
    "evaluation": f"{REGISTRY}/sagemaker-{config.FRAMEWORK}:{config.FRAMEWORK_VERSION}-cpu-py3",
    "serving": f"{REGISTRY}/sagemaker-{config.FRAMEWORK}:{config.FRAMEWORK_VERSION}-cpu-py3",
{%- if p.serial_pipeline %}
    "features": f"{REGISTRY}/sagemaker-scikit-learn:{config.SKLEARN_FRAMEWORK_VERSION}-cpu-py3",
{%- endif %}
}
CODE = {name: f"s3://{BUCKET}/{config.DAG_ID}/code/{name}.py"
        for name in ("preprocess", "evaluate", "repack", "inference"{% if p.retrains_on_drift %}, "drift"{% endif %}{% if p.compiles_for_edge %}, "edge"{% endif %})}
CODE["sourcedir"] = f"s3://{BUCKET}/{config.DAG_ID}/code/sourcedir.tar.gz"
RUN = "20251124T060000"
{%- if p.compiles_for_edge %}
# What the edge_artifact task returns in this run: the artifact Neo compiled.
COMPILED = (f"s3://{BUCKET}/{config.DAG_ID}/{RUN}/edge/compiled/"
            f"model-{config.EDGE_TARGET_DEVICE}.tar.gz")
{%- endif %}
{%- if p.mwaa_created %}
DAG_FOLDER = config.MWAA_DAGS_PREFIX
{%- else %}
DAG_FOLDER = "dags"  # the existing environment's, as GetEnvironment reports it
{%- endif %}
BOTOCORE = botocore.session.get_session()


def _definitions(data_uri: str | None = None) -> dict:
    return airflow_jobs.definitions(
        bucket=BUCKET, role_arn=f"arn:aws:iam::123456789012:role/{config.SAGEMAKER_ROLE_NAME}",
        kms_key=f"arn:aws:kms:{config.REGION}:123456789012:key/11111111-2222-3333-4444-555555555555",
        images=IMAGES, code=CODE,
        alerts_topic_arn=f"arn:aws:sns:{config.REGION}:123456789012:{config.ALERTS_TOPIC}",
        data_uri=data_uri)


def _rendered(document, triggered_by: str = "schedule"):
    """What Airflow's templating makes of the definitions for one run."""
    text = json.dumps(document).replace(airflow_jobs.RUN, RUN)
{%- if p.compiles_for_edge %}
    text = text.replace(airflow_jobs.EDGE_ARTIFACT, COMPILED)
{%- endif %}
    return json.loads(text.replace(airflow_jobs.TRIGGERED_BY, triggered_by))


def _check_request(operation: str, request: dict, service: str = "sagemaker") -> None:
    shape = BOTOCORE.get_service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


@pytest.mark.parametrize("data_uri", [None, "s3://{{ p.slug }}-data/incoming/"])
def test_every_request_is_one_the_sagemaker_api_accepts(data_uri) -> None:
    jobs = _rendered(_definitions(data_uri))
    processing = ("prepare", {% if p.retrains_on_drift %}"baseline", {% endif %}"evaluate", {% if p.compiles_for_edge %}"edge", {% endif %}"package")
    for step in processing:
        _check_request("CreateProcessingJob", jobs[step])
    _check_request("CreateTrainingJob", jobs["train"])
    _check_request("CreateModelPackage", jobs["register"])
    names = [jobs[s]["ProcessingJobName"] for s in processing]
    names.append(jobs["train"]["TrainingJobName"])
    for name in names:  # SageMaker's job name pattern and length
        assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", name), name
    assert len(set(names)) == len(processing) + 1
    inputs = {i["InputName"] for i in jobs["prepare"]["ProcessingInputs"]}
    assert inputs == ({"code", "input"} if data_uri else {"code"})
{%- if p.compiles_for_edge %}
    assert jobs["register"]["CustomerMetadataProperties"] == {
        "TriggeredBy": "schedule", "EdgeTargetDevice": config.EDGE_TARGET_DEVICE,
        "EdgeArtifact": COMPILED, "EdgeCompilationJob": jobs["edge"]["ProcessingJobName"]}
{%- else %}
    assert jobs["register"]["CustomerMetadataProperties"] == {"TriggeredBy": "schedule"}
{%- endif %}


def test_each_step_reads_what_the_step_before_wrote() -> None:
    jobs = _rendered(_definitions())

    def outputs(step: str) -> dict[str, str]:
        return {o["OutputName"]: o["S3Output"]["S3Uri"]
                for o in jobs[step]["ProcessingOutputConfig"]["Outputs"]}

    def inputs(step: str) -> dict[str, str]:
        return {i["InputName"]: i["S3Input"]["S3Uri"] for i in jobs[step]["ProcessingInputs"]}

    prepared = outputs("prepare")
    assert set(prepared) == {"train", "validation", "test"}
    assert all(uri.startswith(f"s3://{BUCKET}/{config.DAG_ID}/{RUN}/") for uri in prepared.values())
    [channel] = jobs["train"]["InputDataConfig"]
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == prepared["train"]
{%- if p.retrains_on_drift %}
    # The drift baseline bins the training split, and the model package carries it.
    assert inputs("baseline") == {"code": CODE["drift"], "train": prepared["train"]}
    assert jobs["baseline"]["AppSpecification"]["ContainerArguments"] == ["baseline"]
    baseline = jobs["register"]["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]
    assert baseline == {"ContentType": "application/json",
                        "S3Uri": f"{outputs('baseline')['baseline']}/baseline.json"}
{%- endif %}
    # SageMaker writes the model to <S3OutputPath>/<job name>/output/model.tar.gz.
    model = (f"{jobs['train']['OutputDataConfig']['S3OutputPath']}/"
             f"{jobs['train']['TrainingJobName']}/output/model.tar.gz")
    assert inputs("evaluate") == {"code": CODE["evaluate"], "model": model,
                                  "test": prepared["test"]}
    report = f"{outputs('evaluate')['evaluation']}/evaluation.json"
    assert jobs["metric"] == {"report": report, "path": airflow_jobs.METRIC_PATH,
                              "minimum": config.MIN_ROC_AUC}
    assert inputs("package") == {"code": CODE["repack"], "model": model,
                                 "serving-code": CODE["inference"]}
{%- if p.compiles_for_edge %}
    # Neo compiles what training traced into its output data (<job>/output/output.tar.gz);
    # the DAG's edge_artifact task reads the job's report.
    traced = model.removesuffix("model.tar.gz") + "output.tar.gz"
    assert inputs("edge") == {"code": CODE["edge"], "trained": traced}
    assert jobs["edge_report"] == f"{outputs('edge')['edge']}/edge.json"
    assert jobs["edge"]["AppSpecification"]["ContainerArguments"] == [
        "--target-device", config.EDGE_TARGET_DEVICE, "--framework", "PYTORCH",
        "--framework-version", config.NEO_FRAMEWORK_VERSION, "--project", config.PROJECT_SLUG,
        "--region", config.region()]
{%- endif %}
{%- if p.serial_pipeline %}
    # Features first, then the model: both from the packaged artifact, told apart by their step.
    features, container = jobs["register"]["InferenceSpecification"]["Containers"]
    assert features["Image"] == IMAGES["features"]
    assert features["ModelDataUrl"] == container["ModelDataUrl"]
    assert features["Environment"]["SERVING_STEP"] == "features"
    assert container["Environment"]["SERVING_STEP"] == "model"
{%- else %}
    [container] = jobs["register"]["InferenceSpecification"]["Containers"]
{%- endif %}
    assert container["ModelDataUrl"] == f"{outputs('package')['packaged']}/model.tar.gz"
    assert container["Image"] == IMAGES["serving"]
{%- if p.byoc %}
    assert "Environment" not in container  # the project's image needs no framework settings
{%- else %}
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"
{%- endif %}
    assert jobs["register"]["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"] == report
    assert jobs["register"]["ModelPackageGroupName"] == config.MODEL_PACKAGE_GROUP
    assert jobs["register"]["ModelApprovalStatus"] == "PendingManualApproval"


def test_every_job_runs_{{ "in_the_vpc_" if p.vpc_subnets }}encrypted_with_the_project_key() -> None:
    jobs = _definitions()
    key = jobs["prepare"]["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"]
{%- if p.vpc_subnets %}
    vpc = {"Subnets": config.VPC_SUBNETS, "SecurityGroupIds": config.VPC_SECURITY_GROUPS}
{%- endif %}
    for step in ("prepare", {% if p.retrains_on_drift %}"baseline", {% endif %}"evaluate", {% if p.compiles_for_edge %}"edge", {% endif %}"package"):
        job = jobs[step]
{%- if p.vpc_subnets %}
        assert job["NetworkConfig"]["VpcConfig"] == vpc
{%- else %}
        assert "VpcConfig" not in job["NetworkConfig"]
{%- endif %}
        assert job["NetworkConfig"]["EnableInterContainerTrafficEncryption"] is True
        assert job["ProcessingOutputConfig"]["KmsKeyId"] == key
    training = jobs["train"]
{%- if p.vpc_subnets %}
    assert training["VpcConfig"] == vpc
{%- else %}
    assert "VpcConfig" not in training
{%- endif %}
    assert training["EnableInterContainerTrafficEncryption"] is True
    assert training["OutputDataConfig"]["KmsKeyId"] == key
    assert ("VolumeKmsKeyId" in training["ResourceConfig"]) is config.ENCRYPT_TRAINING_VOLUMES
    assert training.get("EnableManagedSpotTraining", False) is config.TRAINING_SPOT
    stopping = training["StoppingCondition"]
    assert stopping["MaxRuntimeInSeconds"] == config.TRAINING_MAX_RUNTIME_SECONDS
    if config.TRAINING_SPOT:
        assert stopping["MaxWaitTimeInSeconds"] >= stopping["MaxRuntimeInSeconds"]


def test_the_mwaa_role_may_run_exactly_the_dags_jobs() -> None:
    template = cfn_yaml.load(str(PROJECT_ROOT / "infra" / "mwaa.yaml"))
    resources = template["Resources"]
{%- if p.mwaa_created %}
    [policy] = resources["ExecutionRole"]["Properties"]["Policies"]
    document = policy["PolicyDocument"]
{%- else %}
    # The existing environment keeps its role; the project attaches its DAG's permissions.
    assert set(resources) == {"DagJobsPolicy"}
    policy = resources["DagJobsPolicy"]["Properties"]
    assert policy["Roles"] == [{{ p.mwaa_execution_role_name | tojson }}]
    document = policy["PolicyDocument"]
{%- endif %}
    statements = {s["Sid"]: s for s in document["Statement"]}
    arns = [r["Fn::Sub"] for r in statements["RunTrainingJobs"]["Resource"]]
    assert {arn.rsplit(":", 1)[1] for arn in arns} == {
        f"processing-job/{config.JOB_BASE}-*", f"training-job/{config.JOB_BASE}-*"}
{%- if p.mwaa_created %}
    environment = resources["Environment"]["Properties"]
    assert environment["Name"] == config.MWAA_ENVIRONMENT
    assert environment["DagS3Path"] == config.MWAA_DAGS_PREFIX
    assert environment["NetworkConfiguration"]["SubnetIds"] == config.VPC_SUBNETS[:2]
{%- else %}
    reports = statements["ReadEvaluationReports"]["Resource"]["Fn::Sub"][0]
    assert reports == "${BucketArn}/" + f"{config.DAG_ID}/*"
{%- endif %}
{%- if p.retraining_triggers %}


def test_the_retraining_guard_asks_the_rest_api_what_mwaa_accepts() -> None:
    """The guard's two calls, with the trigger filled in, against botocore's model of MWAA's
    InvokeRestApi (the AWS SDK integration Step Functions calls)."""
    template = cfn_yaml.load(str(PROJECT_ROOT / "infra" / "retraining.yaml"))
    states = template["Resources"]["RetrainGuard"]["Properties"]["Definition"]["States"]
    for name in ("RunningRuns", "StartTraining"):
        assert states[name]["Resource"]["Fn::Sub"].endswith(":aws-sdk:mwaa:invokeRestApi")
        request = json.loads(json.dumps(states[name]["Parameters"]).replace(
            '"triggered_by.$": "$.trigger"', '"triggered_by": "schedule"'))
        _check_request("InvokeRestApi", request, service="mwaa")
        assert request["Name"] == config.MWAA_ENVIRONMENT
        assert request["Path"] == f"/dags/{config.DAG_ID}/dagRuns"
    assert states["StartTraining"]["Parameters"]["Method"] == "POST"
{%- endif %}


def test_trigger_asks_for_a_run_with_its_reason() -> None:
    """MWAA is not in moto: botocore's Stubber checks the request against the API model."""
    mwaa = boto3.client("mwaa", region_name=config.REGION)
    with Stubber(mwaa) as stub:
        stub.add_response(
            "invoke_rest_api",
            {"RestApiStatusCode": 200, "RestApiResponse": {"dag_run_id": "manual__1"}},
            {"Name": config.MWAA_ENVIRONMENT, "Method": "POST",
             "Path": f"/dags/{config.DAG_ID}/dagRuns", "Body": {"conf": {"triggered_by": "ci"}}})
        assert airflow_jobs.trigger(mwaa, "ci") == {"dag_run_id": "manual__1"}


@pytest.fixture
def s3(make_bucket):
    with mock_aws():
        client = boto3.client("s3", region_name=config.REGION)
        make_bucket(client, BUCKET)
        yield client


def test_uploads_the_scripts_and_the_dag(s3, tmp_path) -> None:
    uris = airflow_jobs.upload_code(s3, BUCKET)
    assert uris == CODE
    archive = s3.get_object(Bucket=BUCKET, Key=f"{config.DAG_ID}/code/sourcedir.tar.gz")
    with tarfile.open(fileobj=io.BytesIO(archive["Body"].read())) as sources:
        assert sources.getnames() == ["train.py"]
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / f"{config.DAG_MODULE}.py").write_text((PROJECT_ROOT / "dags" /
                                                   f"{config.DAG_MODULE}.py").read_text())
    written = airflow_jobs.write_definitions(_definitions(), dags)
    assert json.loads(written.read_text())["dag_id"] == config.DAG_ID
    # MWAA is not in moto: the environment's answer comes from botocore's Stubber, which
    # checks the request and the response against the API model.
    mwaa = boto3.client("mwaa", region_name=config.REGION)
    with Stubber(mwaa) as stub:
        stub.add_response(
            "get_environment",
            {"Environment": {"Name": config.MWAA_ENVIRONMENT,
                             "SourceBucketArn": f"arn:aws:s3:::{BUCKET}",
                             "DagS3Path": f"{DAG_FOLDER}/"}},
            {"Name": config.MWAA_ENVIRONMENT})
        uris = airflow_jobs.publish_dag(s3, mwaa, dags)
    keys = [f"{DAG_FOLDER}/{config.DAG_MODULE}.py", f"{DAG_FOLDER}/{config.DAG_MODULE}.json"]
    assert uris == [f"s3://{BUCKET}/{key}" for key in keys]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=DAG_FOLDER)["Contents"]
    assert sorted(item["Key"] for item in listed) == sorted(keys)
    assert s3.get_object(Bucket=BUCKET, Key=keys[1])["Body"].read() == written.read_bytes()


def test_the_packaged_model_carries_the_inference_code(tmp_path, train_small{% if p.serial_pipeline %}, monkeypatch{% endif %}) -> None:
    model_dir = tmp_path / "model"
    train_small(model_dir, 5)
    archive = tmp_path / "model.tar.gz"
    trained = sorted(path.name for path in model_dir.iterdir())
    with tarfile.open(archive, "w:gz") as tar:
        for name in trained:
            tar.add(model_dir / name, arcname=name)
    packaged = repack.main(["--model", str(archive), "--inference-code", inference.__file__,
                            "--output-dir", str(tmp_path / "packaged")])
    with tarfile.open(packaged) as tar:
        assert sorted(tar.getnames()) == sorted([*trained, "code", "code/inference.py"])
        tar.extractall(tmp_path / "served", filter="data")
    rows, _ = preprocess.load_dataset(None)
    body = "\n".join(",".join(map(str, row)) for row in rows[:3])
{%- if p.serial_pipeline %}
    # What the two containers do: each loads the artifact as its step, the model scores
    # what the features container answers.
    for step in ("features", "model"):
        monkeypatch.setattr(inference, "STEP", step)
        served = inference.model_fn(str(tmp_path / "served"))
        body, _ = inference.output_fn(inference.predict_fn(inference.input_fn(body), served))
{%- else %}
    # What the serving image does: load the model from the directory, answer a request.
    model = inference.model_fn(str(tmp_path / "served"))
    body, _ = inference.output_fn(inference.predict_fn(inference.input_fn(body), model))
{%- endif %}
    assert len(json.loads(body)["predictions"]) == 3
    assert (tmp_path / "served" / "code" / "inference.py").read_bytes() == Path(
        inference.__file__).read_bytes()
