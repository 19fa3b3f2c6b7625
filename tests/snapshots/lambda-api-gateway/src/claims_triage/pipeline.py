"""The SageMaker Pipelines definition: process -> train -> evaluate -> condition on the
metric -> register a model package in this project's group (or fail the execution)."""

from __future__ import annotations

from pathlib import Path

import boto3
from sagemaker.inputs import TrainingInput
from sagemaker.model import Model
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.processing import ProcessingInput, ProcessingOutput
from sagemaker.sklearn.estimator import SKLearn
from sagemaker.sklearn.processing import SKLearnProcessor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterFloat, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

from . import config

SCRIPTS = Path(__file__).resolve().parent
METRIC_PATH = "binary_classification_metrics.roc_auc.value"


def get_pipeline(
    *,
    role_arn: str,
    bucket: str,
    region: str | None = None,
    pipeline_name: str = config.PIPELINE_NAME,
    model_package_group: str = config.MODEL_PACKAGE_GROUP,
    kms_key: str | None = None,
    data_uri: str | None = None,
    session: PipelineSession | None = None,
) -> Pipeline:
    """Build the pipeline. Building uploads the scripts to ``bucket`` (S3 calls only).

    ``kms_key`` encrypts every job's output (and, where the instance type has EBS volumes,
    its volumes). ``data_uri`` (the ``InputDataUri`` parameter's default) is where the
    training data is read from; without it the bundled dataset is used.
    """
    session = session or PipelineSession(
        boto_session=boto3.Session(region_name=region or config.region()), default_bucket=bucket
    )
    approval_status = ParameterString("ModelApprovalStatus", default_value="PendingManualApproval")
    min_roc_auc = ParameterFloat("MinRocAuc", default_value=config.MIN_ROC_AUC)
    triggered_by = ParameterString("TriggeredBy", default_value="manual")
    parameters = [approval_status, min_roc_auc, triggered_by]
    data_inputs = []
    if data_uri:
        input_data = ParameterString("InputDataUri", default_value=data_uri)
        parameters.append(input_data)
        data_inputs.append(ProcessingInput(source=input_data,
                                           destination="/opt/ml/processing/input"))
    prefix = f"s3://{bucket}/{pipeline_name}"

    def job(purpose: str) -> dict:
        """What every processing job shares: its role, size, name, keys and network."""
        return {
            "role": role_arn, "instance_type": config.PROCESSING_INSTANCE_TYPE,
            "instance_count": 1, "base_job_name": f"{config.PROJECT_SLUG}-{purpose}",
            "sagemaker_session": session,
            "output_kms_key": kms_key, "volume_kms_key": kms_key,
        }

    def processor(purpose: str) -> SKLearnProcessor:
        return SKLearnProcessor(framework_version=config.SKLEARN_FRAMEWORK_VERSION, **job(purpose))

    prepare = ProcessingStep(
        name="PrepareData",
        step_args=processor("prepare").run(
            code=str(SCRIPTS / "preprocess.py"),
            inputs=data_inputs,
            outputs=[ProcessingOutput(output_name=name, source=f"/opt/ml/processing/{name}")
                     for name in ("train", "validation", "test")],
        ),
    )
    estimator = SKLearn(
        entry_point="train.py", source_dir=str(SCRIPTS),
        framework_version=config.FRAMEWORK_VERSION, py_version=config.FRAMEWORK_PY_VERSION,
        instance_type=config.TRAINING_INSTANCE_TYPE, instance_count=1, role=role_arn,
        output_path=f"{prefix}/models", code_location=f"{prefix}/code",
        output_kms_key=kms_key,
        volume_kms_key=kms_key if config.ENCRYPT_TRAINING_VOLUMES else None,
        max_run=config.TRAINING_MAX_RUNTIME_SECONDS,
        # On spot capacity, SageMaker syncs /opt/ml/checkpoints with S3, so an interrupted job
        # resumes where train.py last saved.
        use_spot_instances=config.TRAINING_SPOT,
        max_wait=config.TRAINING_MAX_WAIT_SECONDS,
        checkpoint_s3_uri=f"{prefix}/checkpoints" if config.TRAINING_SPOT else None,
        sagemaker_session=session,
    )
    train = TrainingStep(
        name="TrainModel",
        step_args=estimator.fit({
            "train": TrainingInput(
                prepare.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri,
                content_type="text/csv",
            )
        }),
    )
    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation",
                                     path="evaluation.json")
    evaluate = ProcessingStep(
        name="EvaluateModel",
        step_args=processor("evaluate").run(
            code=str(SCRIPTS / "evaluate.py"),
            inputs=[
                ProcessingInput(source=train.properties.ModelArtifacts.S3ModelArtifacts,
                                destination="/opt/ml/processing/model"),
                ProcessingInput(
                    source=prepare.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri,
                    destination="/opt/ml/processing/test",
                ),
            ],
            outputs=[ProcessingOutput(output_name="evaluation",
                                      source="/opt/ml/processing/evaluation")],
        ),
        property_files=[evaluation_report],
    )
    # The project's own serving image (serve.py), built and pushed by `make image`.
    model = Model(
        image_uri=config.serving_image_uri(),
        model_data=train.properties.ModelArtifacts.S3ModelArtifacts, role=role_arn,
        sagemaker_session=session,
    )
    metrics = ModelMetrics(model_statistics=MetricsSource(
        s3_uri=Join(on="/", values=[
            evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri,
            "evaluation.json",
        ]),
        content_type="application/json",
    ))
    register = ModelStep(
        name="RegisterModel",
        step_args=model.register(
            content_types=["text/csv", "application/json"],
            response_types=["application/json"],
            inference_instances=config.INFERENCE_INSTANCE_TYPES or None,
            transform_instances=config.TRANSFORM_INSTANCE_TYPES,
            model_package_group_name=model_package_group,
            approval_status=approval_status,
            model_metrics=metrics,
        ),
    )
    below_threshold = FailStep(
        name="MetricBelowThreshold",
        error_message=Join(on=" ", values=["ROC AUC is below the threshold", min_roc_auc]),
    )
    gate = ConditionStep(
        name="CheckMetric",
        conditions=[ConditionGreaterThanOrEqualTo(
            left=JsonGet(step_name=evaluate.name, property_file=evaluation_report,
                         json_path=METRIC_PATH),
            right=min_roc_auc,
        )],
        if_steps=[register],
        else_steps=[below_threshold],
    )
    return Pipeline(
        name=pipeline_name,
        parameters=parameters,
        steps=[prepare, train, evaluate, gate],
        sagemaker_session=session,
    )
