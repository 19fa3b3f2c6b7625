"""Names and settings chosen when the project was generated; environment variables override
the deployment-specific ones (CodeBuild sets them from the CI/CD stack)."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3

PROJECT_SLUG = "claims-triage"
GITHUB_REPOSITORY = "acme/claims-triage"
PLATFORM_STACK = "claims-triage-platform"
# The platform stack's exports are named <EXPORT_PREFIX>-<output>.
EXPORT_PREFIX = "claims-triage"
REGION = "eu-central-1"
MODEL_PACKAGE_GROUP = "claims-triage"
PIPELINE_NAME = "claims-triage-training"
SAGEMAKER_ROLE_NAME = "claims-triage-sagemaker-execution"
# The SageMaker framework images, resolved for the Region by the SageMaker SDK: the model's
# (scikit-learn) trains and serves it; data preparation runs on scikit-learn's.
FRAMEWORK = "sklearn"
FRAMEWORK_VERSION = "1.2-1"
FRAMEWORK_PY_VERSION = "py3"
SKLEARN_FRAMEWORK_VERSION = "1.2-1"
TRAINING_INSTANCE_TYPE = "ml.m5.xlarge"
# Data preparation, evaluation and the drift jobs: a general-purpose type the Region offers.
PROCESSING_INSTANCE_TYPE = "ml.m5.large"
# Managed spot training resumes from checkpoints after an interruption; the wait (capacity
# included) covers the runtime.
TRAINING_SPOT = False
TRAINING_MAX_RUNTIME_SECONDS = 7200
TRAINING_MAX_WAIT_SECONDS = None
# ml.m5.xlarge uses EBS volumes, encrypted with the project key.
ENCRYPT_TRAINING_VOLUMES = True
# The instance types the endpoints serve on, recorded in the model package.
INFERENCE_INSTANCE_TYPES: list[str] = []
# The instance types batch transform runs on, recorded in the model package too.
TRANSFORM_INSTANCE_TYPES: list[str] = ["ml.m5.large"]
ENDPOINTS = {}
# Each stage's Lambda function, and the alias its HTTP API serves, which CodeDeploy moves
# from version to version.
FUNCTIONS = {"prod": "claims-triage-prod", "staging": "claims-triage-staging"}
LAMBDA_ALIAS = "live"
STACKS = {"prod": "claims-triage-model-prod", "staging": "claims-triage-model-staging"}
# New training data lands under this prefix of the data bucket; empty: the bundled dataset.
NEW_DATA_PREFIX = ""
# The AWS account each stage deploys to, from the org profile (none: any account), and the
# tooling account that keeps the model registry (empty: not named).
ACCOUNTS = {}
TOOLING_ACCOUNT = ""
# The role that reaches a stage the org profile puts in another account than tooling.
STAGE_ROLES = {}
VARIANT_NAME = "AllTraffic"
# The metric the pipeline's condition step gates registration on.
MIN_ROC_AUC = 0.95


def region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or REGION


def stage_session(stage: str) -> boto3.Session:
    """A session in ``stage``'s account: through its deployer role when the stage has an
    account of its own and the caller is elsewhere (the tooling account's smoke test), else
    the caller's own credentials."""
    import boto3

    session = boto3.Session(region_name=region())
    role = STAGE_ROLES.get(stage)
    if not role or session.client("sts").get_caller_identity()["Account"] == ACCOUNTS[stage]:
        return session
    credentials = session.client("sts").assume_role(
        RoleArn=role, RoleSessionName=f"{PROJECT_SLUG}-{stage}-smoke-test"[:64])["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=region())


def platform_output(key: str) -> str:
    """An output of the platform stack (read once per process)."""
    outputs = _platform_outputs()
    if key not in outputs:
        raise RuntimeError(f"the stack {PLATFORM_STACK} has no output {key}; deploy it first")
    return outputs[key]


@functools.cache
def _platform_outputs() -> dict[str, str]:
    import boto3

    stack = boto3.client("cloudformation", region_name=region()).describe_stacks(
        StackName=PLATFORM_STACK
    )["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def artifact_bucket() -> str:
    """The platform's artifact bucket (ARTIFACT_BUCKET, else the platform stack's output)."""
    return os.environ.get("ARTIFACT_BUCKET") or platform_output("ArtifactBucketName")


def training_data_uri() -> str | None:
    """Where the pipeline reads its training data (DATA_BUCKET, else the platform stack's data
    bucket, under NEW_DATA_PREFIX); None: the dataset bundled with scikit-learn."""
    if not NEW_DATA_PREFIX:
        return None
    return f"s3://{data_bucket()}/{NEW_DATA_PREFIX}"


def data_bucket() -> str:
    """The platform's data bucket (DATA_BUCKET, else the platform stack's output)."""
    return os.environ.get("DATA_BUCKET") or platform_output("DataBucketName")


def sagemaker_role_arn() -> str:
    """The SageMaker execution role (SAGEMAKER_ROLE_ARN, else the platform stack's output)."""
    return os.environ.get("SAGEMAKER_ROLE_ARN") or platform_output("SageMakerExecutionRoleArn")


def kms_key_arn() -> str:
    """The project's KMS key (KMS_KEY_ARN, else the platform stack's output)."""
    return os.environ.get("KMS_KEY_ARN") or platform_output("ProjectKeyArn")


def serving_image_uri() -> str:
    """The serving image the model package registers: SERVING_IMAGE_URI, else the platform's
    repository at IMAGE_TAG (the commit `make image` pushed)."""
    if os.environ.get("SERVING_IMAGE_URI"):
        return os.environ["SERVING_IMAGE_URI"]
    tag = os.environ.get("IMAGE_TAG")
    if not tag:
        raise RuntimeError("set IMAGE_TAG to the commit whose image `make image` pushed")
    return f"{platform_output('ServingRepositoryUri')}:{tag}"


def cloudformation_role_arn() -> str:
    """The role CloudFormation deploys the model service with."""
    return platform_output("CloudFormationDeployRoleArn")
