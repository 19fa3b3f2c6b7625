"""The serving image's ECR repository as the byoc example renders it, created in moto through
the ECR API with the rendered properties (moto's CloudFormation reads ECR's API spelling, not
CloudFormation's, and drops scanning, encryption and lifecycle settings): immutable tags (a
second push of a commit's tag is refused), scan on push, the project's KMS key and the
lifecycle rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cfnlint.decode import decode
from moto import mock_aws

from tests.helpers import render_example

REGION = "eu-central-1"  # the byoc example's Region
NAME = "claims-severity-serving"


@pytest.fixture(scope="module")
def properties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = render_example("byoc", tmp_path_factory.mktemp("byoc"))
    template, matches = decode(str(Path(project) / "infra" / "platform.yaml"))
    assert not matches and template is not None
    assert template["Resources"]["ServingRepository"]["Properties"]["EncryptionConfiguration"][
        "KmsKey"
    ] == {"Fn::GetAtt": ["ProjectKey", "Arn"]}
    return dict(template["Resources"]["ServingRepository"]["Properties"])


@pytest.fixture
def repository(properties: dict[str, Any]) -> Any:
    with mock_aws():
        key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        ecr = boto3.client("ecr", region_name=REGION)
        encryption = properties["EncryptionConfiguration"]
        ecr.create_repository(
            repositoryName=properties["RepositoryName"],
            imageTagMutability=properties["ImageTagMutability"],
            imageScanningConfiguration={
                "scanOnPush": properties["ImageScanningConfiguration"]["ScanOnPush"]
            },
            encryptionConfiguration={"encryptionType": encryption["EncryptionType"], "kmsKey": key},
        )
        ecr.put_lifecycle_policy(
            repositoryName=properties["RepositoryName"],
            lifecyclePolicyText=properties["LifecyclePolicy"]["LifecyclePolicyText"],
        )
        yield ecr, key


def test_the_repository_is_immutable_scanned_and_encrypted(repository: Any) -> None:
    ecr, key = repository
    [described] = ecr.describe_repositories()["repositories"]
    assert described["repositoryName"] == NAME
    assert described["imageTagMutability"] == "IMMUTABLE"
    assert described["imageScanningConfiguration"] == {"scanOnPush": True}
    assert described["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": key}


def _manifest(layer: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "size": 2,
                "digest": "sha256:" + "0" * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "size": 1,
                    "digest": "sha256:" + layer * 64,
                }
            ],
        }
    )


def test_a_commit_tag_is_pushed_once(repository: Any) -> None:
    """A different image under a pushed tag is refused (moto names the error
    ImageAlreadyExistsException, ECR ImageTagAlreadyExistsException); a mutable repository, the
    control, would have moved the tag."""
    ecr, _ = repository
    first = ecr.put_image(repositoryName=NAME, imageManifest=_manifest("a"), imageTag="0123abc")
    with pytest.raises(ClientError, match="already exists"):
        ecr.put_image(repositoryName=NAME, imageManifest=_manifest("b"), imageTag="0123abc")
    [kept] = ecr.describe_images(repositoryName=NAME)["imageDetails"]
    assert kept["imageDigest"] == first["image"]["imageId"]["imageDigest"]
    ecr.create_repository(repositoryName="control", imageTagMutability="MUTABLE")
    ecr.put_image(repositoryName="control", imageManifest=_manifest("a"), imageTag="0123abc")
    moved = ecr.put_image(
        repositoryName="control", imageManifest=_manifest("b"), imageTag="0123abc"
    )
    assert moved["image"]["imageId"]["imageDigest"] != first["image"]["imageId"]["imageDigest"]


def test_old_and_untagged_images_expire(repository: Any) -> None:
    ecr, _ = repository
    policy = ecr.get_lifecycle_policy(repositoryName=NAME)
    rules = {
        r["selection"]["tagStatus"]: r for r in json.loads(policy["lifecyclePolicyText"])["rules"]
    }
    assert rules["untagged"]["selection"]["countNumber"] == 7
    assert rules["any"]["selection"]["countType"] == "imageCountMoreThan"
    assert all(rule["action"] == {"type": "expire"} for rule in rules.values())
