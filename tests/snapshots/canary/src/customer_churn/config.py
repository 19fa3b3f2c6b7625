"""Names and settings chosen when the project was generated; environment variables override
the deployment-specific ones (CodeBuild sets them from the CI/CD stack)."""

from __future__ import annotations

import os

PROJECT_SLUG = "customer-churn"
REGION = "eu-west-1"
MODEL_PACKAGE_GROUP = "customer-churn"
PIPELINE_NAME = "customer-churn-training"
SAGEMAKER_ROLE_NAME = "customer-churn-sagemaker-execution"
SKLEARN_FRAMEWORK_VERSION = "1.2-1"
TRAINING_INSTANCE_TYPE = "ml.m5.xlarge"
INFERENCE_INSTANCE_TYPES = ["ml.m5.large"]
ENDPOINTS = {"prod": "customer-churn-prod", "staging": "customer-churn-staging"}
VARIANT_NAME = "AllTraffic"
# The metric the pipeline's condition step gates registration on.
MIN_ROC_AUC = 0.95


def region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or REGION


def artifact_bucket() -> str:
    """The CI/CD stack's artifact bucket (CodeBuild sets ARTIFACT_BUCKET)."""
    bucket = os.environ.get("ARTIFACT_BUCKET")
    if not bucket:
        raise RuntimeError("ARTIFACT_BUCKET is not set; it names the CI/CD stack's bucket")
    return bucket


def sagemaker_role_arn() -> str:
    """The SageMaker execution role (CodeBuild sets SAGEMAKER_ROLE_ARN)."""
    arn = os.environ.get("SAGEMAKER_ROLE_ARN")
    if not arn:
        raise RuntimeError("SAGEMAKER_ROLE_ARN is not set; it names the execution role")
    return arn
