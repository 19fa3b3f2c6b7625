"""Shared fixtures: no test reaches AWS or the internet; boto3 calls go to moto."""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Iterator

import boto3
import pytest

from claims_triage import config

ACCOUNT = "123456789012"  # moto's default account


# Session-wide, so that they hold for every fixture too, the module-wide ones included.
@pytest.fixture(scope="session", autouse=True)
def _offline_aws() -> Iterator[None]:
    """Fake credentials and a fixed region, so no test can use a real account."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
        monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
        yield


@pytest.fixture(scope="session", autouse=True)
def _no_network() -> Iterator[None]:
    """Refuse connections to anything but loopback, so nothing a test runs reaches out (the
    SageMaker SDK's telemetry request, for one, is refused and dropped by the SDK)."""
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address) -> None:
        if isinstance(address, tuple) and address[0] != "localhost":
            try:
                loopback = ipaddress.ip_address(address[0]).is_loopback
            except ValueError:  # a host name: never resolved, never reached
                loopback = False
            if not loopback:
                raise ConnectionRefusedError(f"tests may not connect to {address}")
        connect(sock, address)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(socket.socket, "connect", guarded)
        yield


@pytest.fixture(scope="session")
def train_split(tmp_path_factory):
    """The bundled dataset's training split, as data preparation writes it: its directory.
    Imported here: the GitHub API client's tests need only the standard library."""
    from claims_triage import preprocess

    data = tmp_path_factory.mktemp("data")
    paths = preprocess.main(["--input-dir", str(data / "none"), "--output-dir", str(data)])
    return paths["train"].parent


@pytest.fixture(scope="session")
def train_small(train_split):
    """Trains a small scikit-learn model on the training split, as a training job does:
    ``train_small(model_dir, size=20)`` writes ``model_dir`` and returns the model file.
    ``size`` is the number of boosting rounds: models of other sizes score differently."""
    from claims_triage import train

    def run(model_dir, size: int = 20):
        return train.train(train_split, model_dir, n_estimators=size, max_depth=2)

    return run


@pytest.fixture(scope="session")
def make_bucket():
    """Creates a bucket in (moto's) S3 in the project's Region: ``make_bucket(s3, name)``
    returns the name."""

    def make(s3, name: str) -> str:
        location = ({} if config.region() == "us-east-1"
                    else {"CreateBucketConfiguration": {"LocationConstraint": config.region()}})
        s3.create_bucket(Bucket=name, **location)
        return name

    return make


@pytest.fixture(scope="session")
def register_package():
    """Registers a model package in (moto's) registry the way the training pipeline does:
    ``register_package(sagemaker, status="Approved", group=..., image=..., model_data=...,
    **create_model_package_arguments)`` returns its ARN. Packages get distinct creation
    times, which "newest approved" is decided by."""

    def register(sagemaker, status: str = "Approved", *,
                 group: str = config.MODEL_PACKAGE_GROUP, image: str = "",
                 model_data: str | None = "s3://bucket/model.tar.gz", **extra) -> str:
        region = sagemaker.meta.region_name
        container = {"Image": image or f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/m:1"}
        if model_data:
            container["ModelDataUrl"] = model_data
        arn = sagemaker.create_model_package(
            ModelPackageGroupName=group, ModelApprovalStatus=status,
            InferenceSpecification={
                "Containers": [container],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            **extra,
        )["ModelPackageArn"]
        time.sleep(0.01)
        return str(arn)

    return register


@pytest.fixture(scope="session")
def stand_in_platform():
    """Creates (in moto) a stand-in for the platform stack's exports the model service
    imports: ``stand_in_platform({output: (role name, service principal)})`` makes each role
    and exports its ARN as ``<EXPORT_PREFIX>-<output>``, with the project key's ARN."""

    def create(roles: dict[str, tuple[str, str]]) -> None:
        template = {
            "Resources": {
                output.removesuffix("Arn"): {
                    "Type": "AWS::IAM::Role",
                    "Properties": {"RoleName": name, "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": {"Service": service}}]}},
                }
                for output, (name, service) in roles.items()
            },
            "Outputs": {
                **{
                    output: {"Value": {"Fn::GetAtt": [output.removesuffix("Arn"), "Arn"]},
                             "Export": {"Name": f"{config.EXPORT_PREFIX}-{output}"}}
                    for output in roles
                },
                "ProjectKeyArn": {
                    "Value": f"arn:aws:kms:{config.REGION}:{ACCOUNT}:key/"
                             "11111111-2222-3333-4444-555555555555",
                    "Export": {"Name": f"{config.EXPORT_PREFIX}-ProjectKeyArn"},
                },
            },
        }
        boto3.client("cloudformation").create_stack(StackName=config.PLATFORM_STACK,
                                                     TemplateBody=json.dumps(template))

    return create
