{%- set p = mlops(cookiecutter) -%}
"""Names and settings chosen when the project was generated; environment variables override
the deployment-specific ones (CodeBuild sets them from the CI/CD stack)."""

from __future__ import annotations

import os

PROJECT_SLUG = "{{ p.slug }}"
REGION = "{{ cookiecutter.aws_region }}"
MODEL_PACKAGE_GROUP = "{{ p.model_package_group }}"
PIPELINE_NAME = "{{ p.sagemaker_pipeline_name }}"
SAGEMAKER_ROLE_NAME = "{{ p.sagemaker_role_name }}"
SKLEARN_FRAMEWORK_VERSION = "{{ p.sklearn_framework_version }}"
TRAINING_INSTANCE_TYPE = "{{ cookiecutter.training_instance_type }}"
INFERENCE_INSTANCE_TYPES = {{ p.inference_instance_types | tojson }}
ENDPOINTS = {{ p.endpoints | tojson }}
VARIANT_NAME = "{{ p.variant_name }}"
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
