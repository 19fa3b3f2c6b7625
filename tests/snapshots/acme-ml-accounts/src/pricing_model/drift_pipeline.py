"""The drift-check pipeline: one processing job running ``drift.py check`` on the production
endpoint's captured requests, started by EventBridge on the drift-check schedule. `make train`
upserts it with the training pipeline."""

from __future__ import annotations

from pathlib import Path

import boto3
from sagemaker.network import NetworkConfig
from sagemaker.processing import ProcessingOutput
from sagemaker.sklearn.processing import SKLearnProcessor
from sagemaker.workflow.parameters import ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.steps import ProcessingStep

from . import config

SCRIPTS = Path(__file__).resolve().parent
PRODUCTION_BUCKET = config.STAGE_BUCKETS[config.DRIFT_STAGE]


def get_drift_pipeline(
    *,
    role_arn: str,
    bucket: str,
    region: str | None = None,
    pipeline_name: str = config.DRIFT_PIPELINE_NAME,
    kms_key: str | None = None,
    session: PipelineSession | None = None,
) -> Pipeline:
    """Build the drift check. Building uploads ``drift.py`` to ``bucket`` (S3 calls only)."""
    region = region or config.region()
    session = session or PipelineSession(
        boto_session=boto3.Session(region_name=region), default_bucket=bucket
    )
    endpoint = ParameterString("EndpointName", default_value=config.ENDPOINTS[config.DRIFT_STAGE])
    hours = ParameterInteger("LookbackHours", default_value=config.DRIFT_LOOKBACK_HOURS)
    processor = SKLearnProcessor(
        framework_version=config.SKLEARN_FRAMEWORK_VERSION, role=role_arn,
        instance_type=config.PROCESSING_INSTANCE_TYPE, instance_count=1,
        base_job_name=f"{config.PROJECT_SLUG}-drift-check", sagemaker_session=session,
        output_kms_key=kms_key, volume_kms_key=kms_key,
        network_config=NetworkConfig(subnets=config.VPC_SUBNETS,
                                     security_group_ids=config.VPC_SECURITY_GROUPS,
                                     encrypt_inter_container_traffic=True),
    )
    check = ProcessingStep(
        name="CheckDrift",
        step_args=processor.run(
            code=str(SCRIPTS / "drift.py"),
            arguments=[
                "check", "--endpoint-name", endpoint,
                # Production's own bucket, read through its drift reader role.
                "--capture-uri", f"s3://{PRODUCTION_BUCKET}/{config.DATA_CAPTURE_PREFIX}",
                "--endpoint-role-arn", config.DRIFT_READER_ROLE,
                "--namespace", config.DRIFT_METRIC_NAMESPACE,
                "--threshold", str(config.DRIFT_PSI_THRESHOLD),
                "--hours", hours.to_string(), "--region", region,
            ],
            outputs=[ProcessingOutput(output_name="report", source="/opt/ml/processing/report",
                                      destination=f"s3://{bucket}/{pipeline_name}/reports")],
        ),
    )
    return Pipeline(name=pipeline_name, parameters=[endpoint, hours], steps=[check],
                    sagemaker_session=session)
