"""churn-score training on Amazon MWAA: prepare the data -> bin it for the drift check -> train -> evaluate -> check the
metric -> package the model with its inference code -> register a model package (pending
manual approval), each step a SageMaker job started by the Amazon provider's operators.
Past the metric, SageMaker Neo compiles the model for rasp4b (edge.py, a processing job), and
the model package records the compiled artifact.

The job requests are in churn_score_training.json beside this file, written by ``make train``
(``churn_score.airflow_jobs``) with the Region's images and the uploaded scripts. One run at a
time; runs start when retraining is triggered (the retraining stack asks through MWAA's REST
API) or by hand. A failed run is reported to the project's SNS topic.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow import DAG
from airflow.exceptions import AirflowFailException
from airflow.operators.python import PythonOperator
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.hooks.sns import SnsHook
from airflow.providers.amazon.aws.operators.sagemaker import (
    SageMakerProcessingOperator,
    SageMakerRegisterModelVersionOperator,
    SageMakerTrainingOperator,
)

JOBS = json.loads(Path(__file__).with_name("churn_score_training.json").read_text())


class RegisterModelVersion(SageMakerRegisterModelVersionOperator):
    """The provider's operator, with the whole CreateModelPackage request (``extras``: the
    serving environment, the metrics, the run) rendered per run."""

    template_fields = (*SageMakerRegisterModelVersionOperator.template_fields, "extras")


def metric_value(report: dict[str, Any], path: str) -> float:
    """The value at ``path`` (dot-separated keys) of an evaluation report."""
    value: Any = report
    for key in path.split("."):
        value = value[key]
    return float(value)


def read_report(uri: str) -> dict[str, Any]:
    """A job's JSON report in S3."""
    bucket, key = S3Hook.parse_s3_url(uri)
    return dict(json.loads(S3Hook().read_key(key, bucket)))


def check_metric(report_uri: str, path: str, minimum: float) -> float:
    """Fail the run (no registration) when the evaluation's metric is below ``minimum``."""
    value = metric_value(read_report(report_uri), path)
    if value < minimum:
        raise AirflowFailException(f"{path} = {value:.4f} is below the threshold {minimum}")
    return value


def edge_artifact(report_uri: str) -> str:
    """The compiled artifact the edge compilation job reported (the model package records
    it)."""
    return str(read_report(report_uri)["artifact"])


def notify_failure(context: dict[str, Any]) -> None:
    """Report a failed run to the alerts topic."""
    run = context["dag_run"]
    SnsHook().publish_to_target(
        target_arn=JOBS["alerts_topic_arn"],
        subject=f"{run.dag_id} failed"[:100],
        message=f"Training run {run.run_id} of {run.dag_id} failed: {context.get('reason')}",
    )


with DAG(
    dag_id=JOBS["dag_id"],
    description="churn-score: prepare, train, evaluate, gate on ROC AUC, compile, register",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    on_failure_callback=notify_failure,
    default_args={"retries": 0},
    tags=["churn-score", "training"],
) as dag:
    prepare = SageMakerProcessingOperator(task_id="prepare_data", config=JOBS["prepare"])
    # The training split, binned: the drift check's baseline, registered with the model.
    baseline = SageMakerProcessingOperator(task_id="drift_baseline", config=JOBS["baseline"])
    train = SageMakerTrainingOperator(task_id="train_model", config=JOBS["train"])
    evaluate = SageMakerProcessingOperator(task_id="evaluate_model", config=JOBS["evaluate"])
    gate = PythonOperator(
        task_id="check_metric", python_callable=check_metric,
        op_kwargs={"report_uri": JOBS["metric"]["report"], "path": JOBS["metric"]["path"],
                   "minimum": JOBS["metric"]["minimum"]},
    )
    compile_for_edge = SageMakerProcessingOperator(task_id="compile_for_edge",
                                                   config=JOBS["edge"])
    compiled = PythonOperator(task_id="edge_artifact", python_callable=edge_artifact,
                              op_kwargs={"report_uri": JOBS["edge_report"]})
    package = SageMakerProcessingOperator(task_id="package_model", config=JOBS["package"])
    register = RegisterModelVersion(
        task_id="register_model",
        image_uri=JOBS["register"]["InferenceSpecification"]["Containers"][0]["Image"],
        model_url=JOBS["register"]["InferenceSpecification"]["Containers"][0]["ModelDataUrl"],
        package_group_name=JOBS["register"]["ModelPackageGroupName"],
        extras=JOBS["register"],
    )

    prepare >> baseline >> train >> evaluate >> gate >> compile_for_edge >> compiled >> package >> register
