"""The edge compilation job (edge.py) against moto: it packs the traced network alone for Neo,
compiles it for jetson_nano as the processing job it runs in (role, key, subnets) and
reports the compiled artifact; a failed compilation fails it, and it reports nothing."""

from __future__ import annotations

import io
import json
import tarfile

import boto3
import pytest
import torch
from moto import mock_aws
from moto.sagemaker.models import sagemaker_backends

from line_sensor_faults import config, edge, train

ACCOUNT = "123456789012"
BUCKET = "line-sensor-faults-artifacts-test"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{config.SAGEMAKER_ROLE_NAME}"
KMS_KEY = f"arn:aws:kms:{config.REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
JOB_NAME = "pipelines-abc123-CompileForEdge-9f8e7d6c5b"
EDGE_PREFIX = f"s3://{BUCKET}/{config.PIPELINE_NAME}/abc123/CompileForEdge/output/edge"
TARGET = config.edge_arguments(config.region())  # as the pipeline passes them


def _job_config(*, vpc: bool) -> dict:
    """The parts of /opt/ml/config/processingjobconfig.json the job reads."""
    job = {
        "ProcessingJobName": JOB_NAME,
        "RoleArn": ROLE_ARN,
        "ProcessingOutputConfig": {"KmsKeyId": KMS_KEY, "Outputs": [
            {"OutputName": "edge", "S3Output": {"S3Uri": EDGE_PREFIX,
                                                "LocalPath": "/opt/ml/processing/edge",
                                                "S3UploadMode": "EndOfJob"}}]},
    }
    if vpc:
        job["NetworkConfig"] = {"VpcConfig": {"Subnets": ["subnet-0a1b2c3d"],
                                              "SecurityGroupIds": ["sg-0a1b2c3d4e5f67890"]}}
    return job


@pytest.fixture(scope="module")
def trained(tmp_path_factory, train_split) -> bytes:
    """The training job's output archive (output.tar.gz of SM_OUTPUT_DATA_DIR), with the
    network traced by train.py."""
    root = tmp_path_factory.mktemp("training")
    train.main(["--train", str(train_split), "--model-dir", str(root / "model"),
                "--epochs", "5", "--hidden-units", "4", "--edge-dir", str(root / "output")])
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as archive:
        for path in sorted((root / "output").iterdir()):
            archive.add(path, arcname=path.name)
    return packed.getvalue()


@pytest.fixture
def aws(make_bucket):
    with mock_aws():
        make_bucket(boto3.client("s3", region_name=config.region()), BUCKET)
        yield


def _run(tmp_path, trained: bytes, job: dict) -> dict:
    (tmp_path / "trained").mkdir()
    (tmp_path / "trained" / "output.tar.gz").write_bytes(trained)
    (tmp_path / "job.json").write_text(json.dumps(job))
    return edge.main([*TARGET, "--job-config", str(tmp_path / "job.json"),
                      "--trained", str(tmp_path / "trained"),
                      "--output-dir", str(tmp_path / "edge")])


@pytest.mark.parametrize("vpc", [False, True])
def test_compiles_the_traced_network_for_the_device_as_the_processing_job(
        aws, tmp_path, trained, train_split, vpc) -> None:
    report = _run(tmp_path, trained, _job_config(vpc=vpc))
    sagemaker = boto3.client("sagemaker", region_name=config.region())
    job = sagemaker.describe_compilation_job(CompilationJobName=JOB_NAME)
    assert job["RoleArn"] == ROLE_ARN
    tags = sagemaker.list_tags(ResourceArn=job["CompilationJobArn"])["Tags"]
    assert {"Key": "Project", "Value": config.PROJECT_SLUG} in tags
    assert job["InputConfig"]["Framework"] == "PYTORCH"
    assert job["InputConfig"]["FrameworkVersion"] == config.NEO_FRAMEWORK_VERSION
    assert job["OutputConfig"] == {"S3OutputLocation": f"{EDGE_PREFIX}/compiled",
                                   "TargetDevice": config.EDGE_TARGET_DEVICE,
                                   "KmsKeyId": KMS_KEY}
    expected_vpc = _job_config(vpc=True)["NetworkConfig"]["VpcConfig"] if vpc else None
    assert job.get("VpcConfig") == expected_vpc
    # One row of the model's features, named as Neo's PyTorch input expects.
    features = train.read_csv_dir(train_split)[0].shape[1]
    assert json.loads(job["InputConfig"]["DataInputConfig"]) == {"input0": [1, features]}
    # Neo's PyTorch input is an archive of the TorchScript file alone, encrypted at rest.
    assert job["InputConfig"]["S3Uri"] == f"{EDGE_PREFIX}/input/model.tar.gz"
    bucket, key = job["InputConfig"]["S3Uri"][len("s3://"):].split("/", 1)
    stored = boto3.client("s3", region_name=config.region()).get_object(Bucket=bucket, Key=key)
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert stored["SSEKMSKeyId"] == KMS_KEY
    with tarfile.open(fileobj=io.BytesIO(stored["Body"].read()), mode="r:gz") as archive:
        assert archive.getnames() == [train.EDGE_FILE]
        module = torch.jit.load(io.BytesIO(archive.extractfile(train.EDGE_FILE).read()))
    assert module(torch.zeros(1, features)).shape == (1,)
    # What the model package records, as the pipeline's property file has it.
    assert report == {"artifact": job["ModelArtifacts"]["S3ModelArtifacts"],
                      "compilation_job": JOB_NAME, "target_device": config.EDGE_TARGET_DEVICE}
    assert json.loads((tmp_path / "edge" / edge.REPORT).read_text()) == report


@pytest.mark.parametrize("status", ["FAILED", "STOPPED"])
def test_a_compilation_that_does_not_complete_fails_the_job(
        aws, tmp_path, trained, status) -> None:
    """The job waits while Neo compiles; a compilation that fails (or is stopped) fails the
    job with Neo's reason, so the run registers nothing."""
    sagemaker = boto3.client("sagemaker", region_name=config.region())
    backend = sagemaker_backends[ACCOUNT][config.region()]
    polls = []

    def compiling(**_) -> None:  # moto's jobs complete when created: this one runs on
        backend.compilation_jobs[JOB_NAME].compilation_job_status = "INPROGRESS"

    def neo_finishes(seconds: float) -> None:  # while the job waits, Neo gives up
        polls.append(seconds)
        backend.compilation_jobs[JOB_NAME].compilation_job_status = status
        backend.compilation_jobs[JOB_NAME].failure_reason = "ClientError: unsupported operator"

    sagemaker.meta.events.register("after-call.sagemaker.CreateCompilationJob", compiling)
    target = edge.Target(config.EDGE_TARGET_DEVICE, config.NEO_FRAMEWORK,
                         config.NEO_FRAMEWORK_VERSION, config.PROJECT_SLUG)
    with pytest.raises(RuntimeError, match=rf"{JOB_NAME} {status.lower()}: ClientError"):
        edge.compile_for_edge(_job_config(vpc=False), target, trained,
                              s3=boto3.client("s3", region_name=config.region()),
                              sagemaker=sagemaker, sleep=neo_finishes)
    assert polls == [edge.POLL_SECONDS]


def test_a_training_output_without_the_traced_network_is_refused(trained) -> None:
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as archive:
        member = tarfile.TarInfo(train.EDGE_INPUT_FILE)
        member.size = 2
        archive.addfile(member, io.BytesIO(b"{}"))
    with pytest.raises(ValueError, match=train.EDGE_FILE):
        edge.neo_input(packed.getvalue())
