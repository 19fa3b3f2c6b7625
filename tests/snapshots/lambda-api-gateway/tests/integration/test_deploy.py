"""The deploy helper against moto's model registry, and the smoke check against moto's
endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from claims_triage import config, deploy, smoke

SERVING_IMAGE = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/claims-triage-serving:0123abc"
MODEL_DATA = "s3://claims-triage-artifacts/pipeline/models/job-1/output/model.tar.gz"

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
        sagemaker, status, group=group, image=SERVING_IMAGE, model_data=MODEL_DATA)


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
        assert document["Parameters"]["FunctionName"] == config.FUNCTIONS[path.stem]
        # The function version runs the package's image on its artifact.
        assert document["Parameters"]["ImageUri"] == SERVING_IMAGE
        assert document["Parameters"]["ModelDataUrl"] == MODEL_DATA


@pytest.fixture
def function(sagemaker):
    """Publishes versions of the staging function in moto's Lambda, each serving a package,
    and points the alias at one: ``function(package_arn, weights=None)`` returns the version."""
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="claims-triage-lambda-serving",
                           AssumeRolePolicyDocument=json.dumps({
                               "Version": "2012-10-17", "Statement": [{
                                   "Effect": "Allow", "Action": "sts:AssumeRole",
                                   "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    lambdas = boto3.client("lambda")
    name = config.FUNCTIONS["staging"]
    lambdas.create_function(FunctionName=name, PackageType="Image", Role=role["Role"]["Arn"],
                            Code={"ImageUri": SERVING_IMAGE})

    def publish(package_arn: str, weights: dict | None = None) -> str:
        lambdas.update_function_configuration(
            FunctionName=name, Environment={"Variables": {"MODEL_PACKAGE_ARN": package_arn,
                                                          "MODEL_DATA_URL": MODEL_DATA}})
        version = lambdas.publish_version(FunctionName=name)["Version"]
        routing = {"RoutingConfig": {"AdditionalVersionWeights": weights}} if weights else {}
        try:
            lambdas.update_alias(FunctionName=name, Name=config.LAMBDA_ALIAS,
                                 FunctionVersion=version, **routing)
        except lambdas.exceptions.ResourceNotFoundException:
            lambdas.create_alias(FunctionName=name, Name=config.LAMBDA_ALIAS,
                                 FunctionVersion=version, **routing)
        return version

    return publish


def test_smoke_check_accepts_the_version_serving_the_package(package, function) -> None:
    arn = package("Approved")
    version = function(arn)
    lambdas = boto3.client("lambda")
    assert smoke.verify_function(lambdas, config.FUNCTIONS["staging"], arn) == version


def test_smoke_check_refuses_another_package(package, function) -> None:
    deployed, newer = package("Approved"), package("Approved")
    function(deployed)
    with pytest.raises(smoke.SmokeTestError, match="expected"):
        smoke.verify_function(boto3.client("lambda"), config.FUNCTIONS["staging"], newer)


def test_smoke_check_refuses_an_alias_still_shifting(package, function) -> None:
    old = function(package("Approved"))
    new_package = package("Approved")
    function(new_package, weights={old: 0.8})
    with pytest.raises(smoke.SmokeTestError, match="still shifting"):
        smoke.verify_function(boto3.client("lambda"), config.FUNCTIONS["staging"], new_package)



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
            "staging": "arn:aws:iam::222233334444:role/claims-triage-staging-deployer"})
        staging = config.stage_session("staging").client("sts").get_caller_identity()
        assert staging["Account"] == "222233334444"
        assert ":assumed-role/claims-triage-staging-deployer/" in staging["Arn"]
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
