"""Rendered stacks created by CloudFormation in moto, next to a stand-in for the platform stack's
exports, for the tests that assert what the stacks create."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

# The platform stack's exports the retraining stack imports, from real moto resources.
_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


def platform_stand_in(export_prefix: str, sagemaker_role_name: str = "sagemaker") -> dict[str, Any]:
    """A stack exporting what the platform stack exports (what the retraining and model-service
    stacks import), built from moto resources."""
    outputs = {
        "ProjectKeyArn": {"Fn::GetAtt": ["Key", "Arn"]},
        "DataBucket": {"Ref": "DataBucket"},
        "ArtifactBucket": {"Ref": "ArtifactBucket"},
        "ModelApprovalPipelineName": f"{export_prefix}-deploy",
        "SageMakerExecutionRoleArn": {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + sagemaker_role_name
        },
    }
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": _KEY_POLICY}},
            "DataBucket": {"Type": "AWS::S3::Bucket"},
            "ArtifactBucket": {"Type": "AWS::S3::Bucket"},
        },
        "Outputs": {
            name: {"Value": value, "Export": {"Name": f"{export_prefix}-{name}"}}
            for name, value in outputs.items()
        },
    }


def create_retraining_stack(project: Path, export_prefix: str, region: str) -> str:
    """Create the platform stand-in and the project's retraining stack (inside an active moto
    mock); returns the retraining stack's name."""
    cloudformation = boto3.client("cloudformation", region_name=region)
    cloudformation.create_stack(
        StackName=f"{export_prefix}-platform",
        TemplateBody=json.dumps(platform_stand_in(export_prefix)),
    )
    name = f"{export_prefix}-retraining"
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=(project / "infra" / "retraining.yaml").read_text(),
        Capabilities=["CAPABILITY_IAM"],
    )
    status = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE", status
    return name


def physical_ids(stack: str, region: str) -> dict[str, str]:
    """Logical id -> physical id of the stack's resources."""
    summaries = boto3.client("cloudformation", region_name=region).list_stack_resources(
        StackName=stack
    )["StackResourceSummaries"]
    return {s["LogicalResourceId"]: s.get("PhysicalResourceId", "") for s in summaries}


def approved_package(sagemaker: Any, group: str, region: str) -> str:
    """An Approved package in a new model package group (moto's registry)."""
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    return str(
        sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus="Approved",
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": f"123456789012.dkr.ecr.{region}.amazonaws.com/m:1",
                        "ModelDataUrl": "s3://bucket/model.tar.gz",
                    }
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
        )["ModelPackageArn"]
    )
