"""The deploy helper against moto's model registry, and the smoke check against moto's
endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from line_sensor_faults import config, deploy, smoke

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sagemaker():
    with mock_aws():
        client = boto3.client("sagemaker")
        client.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
        client.create_model_package_group(ModelPackageGroupName="another-project")
        yield client


@pytest.fixture
def package(sagemaker, register_package):
    """Registers a package in this project's group (or ``group``) with the given status."""
    return lambda status, group=config.MODEL_PACKAGE_GROUP: register_package(
        sagemaker, status, group=group, image=IMAGE)


def test_resolves_newest_approved_package(sagemaker, package) -> None:
    package("Approved")
    newest = package("Approved")
    package("PendingManualApproval")
    package("Rejected")
    package("Approved", group="another-project")
    assert deploy.latest_approved_model_package(sagemaker) == newest


def test_no_approved_package_is_an_error(sagemaker, package) -> None:
    package("PendingManualApproval")
    with pytest.raises(deploy.NoApprovedModelError, match=config.MODEL_PACKAGE_GROUP):
        deploy.latest_approved_model_package(sagemaker)


def test_writes_stage_parameter_files(package, tmp_path) -> None:
    arn = package("Approved")
    written = deploy.main(["params", "--config-dir", str(PROJECT_ROOT / "infra" / "config"),
                           "--out-dir", str(tmp_path)])
    assert sorted(p.name for p in written) == sorted(f"{s}.json" for s in config.STACKS)
    for path in written:
        document = json.loads(path.read_text())
        assert document["Parameters"]["ModelPackageArn"] == arn
        assert document["Parameters"]["EndpointName"] == config.ENDPOINTS[path.stem]


def _serve(client, package_arn: str, endpoint_name: str) -> None:
    client.create_model(
        ModelName=f"{endpoint_name}-model", Containers=[{"ModelPackageName": package_arn}],
        ExecutionRoleArn="arn:aws:iam::123456789012:role/line-sensor-faults-sagemaker-execution",
    )
    client.create_endpoint_config(
        EndpointConfigName=f"{endpoint_name}-config",
        ProductionVariants=[{"VariantName": config.VARIANT_NAME, "ModelName": f"{endpoint_name}-model",
                             "InitialInstanceCount": 2, "InstanceType": "ml.m5.large"}],
    )
    client.create_endpoint(EndpointName=endpoint_name, EndpointConfigName=f"{endpoint_name}-config")


def test_smoke_check_accepts_the_expected_model(sagemaker, package) -> None:
    arn = package("Approved")
    _serve(sagemaker, arn, config.ENDPOINTS["staging"])
    live = smoke.verify_endpoint(sagemaker, config.ENDPOINTS["staging"], arn)
    assert live["EndpointConfigName"] == f"{config.ENDPOINTS['staging']}-config"


def test_smoke_check_rejects_another_model(sagemaker, package) -> None:
    old = package("Approved")
    new = package("Approved")
    _serve(sagemaker, old, config.ENDPOINTS["staging"])
    with pytest.raises(smoke.SmokeTestError, match="expected"):
        smoke.verify_endpoint(sagemaker, config.ENDPOINTS["staging"], new)



def test_a_stage_account_names_the_tooling_registry_by_arn(monkeypatch) -> None:
    """moto's caller is account 123456789012."""
    with mock_aws():
        sts = boto3.client("sts")
        monkeypatch.setattr(config, "TOOLING_ACCOUNT", "123456789012")
        assert deploy.model_package_group(sts) == config.MODEL_PACKAGE_GROUP
        monkeypatch.setattr(config, "TOOLING_ACCOUNT", "111122223333")
        assert deploy.model_package_group(sts) == (
            f"arn:aws:sagemaker:{config.region()}:111122223333:model-package-group/"
            f"{config.MODEL_PACKAGE_GROUP}")
        monkeypatch.setattr(config, "TOOLING_ACCOUNT", "")
        assert deploy.model_package_group(sts) == config.MODEL_PACKAGE_GROUP


def test_a_stage_in_another_account_is_reached_through_its_deployer_role(monkeypatch) -> None:
    """moto's STS answers for the account of the role a session assumed."""
    with mock_aws():
        monkeypatch.setattr(config, "ACCOUNTS", {"staging": "222233334444"})
        monkeypatch.setattr(config, "STAGE_ROLES", {
            "staging": "arn:aws:iam::222233334444:role/line-sensor-faults-staging-deployer"})
        staging = config.stage_session("staging").client("sts").get_caller_identity()
        assert staging["Account"] == "222233334444"
        assert ":assumed-role/line-sensor-faults-staging-deployer/" in staging["Arn"]
        # A stage without a role of its own is reached with the caller's credentials.
        prod = config.stage_session("prod").client("sts").get_caller_identity()
        assert prod["Account"] == "123456789012"

def test_deploy_refuses_credentials_of_another_account(monkeypatch) -> None:
    """The org profile assigns each stage an account; moto's credentials are 123456789012."""
    with mock_aws():
        sts = boto3.client("sts")
        monkeypatch.setattr(config, "ACCOUNTS", {"staging": "111122223333"})
        with pytest.raises(SystemExit, match="deploys to account 111122223333 .* 123456789012"):
            deploy.check_account(sts, "staging")
        monkeypatch.setattr(config, "ACCOUNTS", {"staging": "123456789012"})
        deploy.check_account(sts, "staging")
        monkeypatch.setattr(config, "ACCOUNTS", {})
        deploy.check_account(sts, "staging")
