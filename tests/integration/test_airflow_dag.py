"""The generated training DAG, imported by Apache Airflow itself (the version Amazon MWAA runs,
with the Amazon provider) in its own virtual environment, `.venv-airflow`, made by `make
install`: no import errors, the expected tasks and dependencies, and SageMaker requests that,
rendered by Airflow for a run, the SageMaker API accepts (botocore's model of it)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from mlopscutter.context import AIRFLOW_VERSION
from tests.helpers import REPO_ROOT, example_answers, render

AIRFLOW_PYTHON = Path(
    os.environ.get("MLOPSCUTTER_AIRFLOW_PYTHON", REPO_ROOT / ".venv-airflow" / "bin" / "python")
)
RUN = "20251124T060000"

# Written with the generated package's own builder, with stand-in images and locations.
_WRITE_DEFINITIONS = """
import sys
from {package} import airflow_jobs, config

bucket = "loan-default-artifacts"
KEY_ID = "11111111-2222-3333-4444-555555555555"
registry = "683313688378.dkr.ecr." + config.REGION + ".amazonaws.com"
airflow_jobs.write_definitions(airflow_jobs.definitions(
    bucket=bucket, role_arn="arn:aws:iam::123456789012:role/" + config.SAGEMAKER_ROLE_NAME,
    kms_key="arn:aws:kms:" + config.REGION + ":123456789012:key/" + KEY_ID,
    images={{kind: registry + "/sagemaker-scikit-learn:1.2-1-cpu-py3"
            for kind in ("processing", "training", "evaluation", "serving", "features")}},
    code={{name: "s3://" + bucket + "/code/" + name
          for name in ("preprocess", "evaluate", "repack", "inference", "sourcedir", "drift",
                       "edge")}},
    alerts_topic_arn="arn:aws:sns:" + config.REGION + ":123456789012:" + config.ALERTS_TOPIC,
    data_uri="s3://loan-default-data/incoming/"), dags=__import__("pathlib").Path(sys.argv[1]))
"""

# Run by Airflow's Python: parse the DAG folder as the scheduler does, then render each task's
# templated request for one run.
_INSPECT = """
import json, sys
from types import SimpleNamespace

import airflow
from airflow.models import DagBag

bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
errors = {path: str(error) for path, error in bag.import_errors.items()}
report = {"version": airflow.__version__, "import_errors": errors, "dags": {}}
# The task instance's XCom: what an upstream task returned, here its id.
context = {"ts_nodash": sys.argv[2], "dag_run": SimpleNamespace(conf={"triggered_by": "schedule"}),
           "ti": SimpleNamespace(xcom_pull=lambda task_ids: "xcom:" + task_ids)}
for dag_id, dag in bag.dags.items():
    rendered = {}
    for task in dag.tasks:
        for field in ("config", "extras"):
            value = getattr(task, field, None)
            if value:
                rendered[task.task_id + "." + field] = task.render_template(value, context)
    module = next(m for name, m in list(sys.modules.items()) if name.endswith("_training"))
    report["dags"][dag_id] = {
        "tasks": {t.task_id: {"operator": type(t).__name__,
                              "bases": [c.__name__ for c in type(t).__mro__],
                              "downstream": sorted(t.downstream_task_ids)} for t in dag.tasks},
        "schedule": dag.schedule_interval, "max_active_runs": dag.max_active_runs,
        "failure_callback": getattr(dag.on_failure_callback, "__name__", None),
        "catchup": dag.catchup, "rendered": rendered,
        "metric": module.metric_value(
            {"binary_classification_metrics": {"roc_auc": {"value": 0.97}}},
            "binary_classification_metrics.roc_auc.value"),
    }
print(json.dumps(report, default=str))
"""


# An environment the project creates (in its VPC), and an existing one (jobs outside a VPC,
# a PyTorch model compiled with SageMaker Neo for an edge device).
@pytest.fixture(scope="module", params=["airflow", "airflow-existing-mwaa"])
def inspected(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    assert AIRFLOW_PYTHON.exists(), "Airflow's virtual environment is missing; run `make install`"
    answers = example_answers(request.param)
    project = render(answers, tmp_path_factory.mktemp(request.param))
    package = project.name.replace("-", "_")
    environment = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(project / "src"),
        "AIRFLOW_HOME": str(tmp_path_factory.mktemp("airflow-home")),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AWS_DEFAULT_REGION": str(answers["aws_region"]),
    }
    subprocess.run(
        [
            str(AIRFLOW_PYTHON),
            "-c",
            _WRITE_DEFINITIONS.format(package=package),
            str(project / "dags"),
        ],
        env=environment,
        check=True,
        timeout=120,
    )
    result = subprocess.run(
        [str(AIRFLOW_PYTHON), "-c", _INSPECT, str(project / "dags"), RUN],
        env={**environment, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    report["slug"] = answers["project_slug"]
    report["vpc"] = bool(answers.get("vpc_subnet_ids"))
    report["drift"] = answers.get("retrain_on_drift") == "yes"
    report["edge"] = answers.get("edge_target_device", "")
    return report


def test_airflow_is_the_version_mwaa_runs(inspected: dict[str, Any]) -> None:
    assert inspected["version"] == AIRFLOW_VERSION


def test_the_dag_imports_without_errors(inspected: dict[str, Any]) -> None:
    assert inspected["import_errors"] == {}
    assert list(inspected["dags"]) == [f"{inspected['slug']}-training"]


def test_the_dag_runs_the_training_steps_in_order(inspected: dict[str, Any]) -> None:
    dag = inspected["dags"][f"{inspected['slug']}-training"]
    chain = [
        "prepare_data",
        *(["drift_baseline"] if inspected["drift"] else []),
        "train_model",
        "evaluate_model",
        "check_metric",
        *(["compile_for_edge", "edge_artifact"] if inspected["edge"] else []),
        "package_model",
        "register_model",
    ]
    assert {task: spec["downstream"] for task, spec in dag["tasks"].items()} == {
        task: [chain[i + 1]] if i + 1 < len(chain) else [] for i, task in enumerate(chain)
    }
    bases = {task: spec["bases"] for task, spec in dag["tasks"].items()}
    for task in ("prepare_data", "evaluate_model", "package_model"):
        assert "SageMakerProcessingOperator" in bases[task]
    if inspected["drift"]:
        assert "SageMakerProcessingOperator" in bases["drift_baseline"]
    if inspected["edge"]:
        assert "SageMakerProcessingOperator" in bases["compile_for_edge"]
        assert dag["tasks"]["edge_artifact"]["operator"] == "PythonOperator"
    assert "SageMakerTrainingOperator" in bases["train_model"]
    assert "SageMakerRegisterModelVersionOperator" in bases["register_model"]
    assert dag["tasks"]["check_metric"]["operator"] == "PythonOperator"
    # Started by the retraining guard or by hand, one run at a time, failures reported.
    assert dag["schedule"] is None
    assert dag["max_active_runs"] == 1
    assert dag["catchup"] is False
    assert dag["failure_callback"] == "notify_failure"
    assert dag["metric"] == 0.97


def _check(operation: str, request: dict[str, Any]) -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    report = ParamValidator().validate(request, model.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


def test_airflow_renders_requests_the_sagemaker_api_accepts(inspected: dict[str, Any]) -> None:
    rendered = inspected["dags"][f"{inspected['slug']}-training"]["rendered"]
    processing = ["prepare_data", "evaluate_model", "package_model"]
    if inspected["drift"]:
        processing.append("drift_baseline")
    if inspected["edge"]:
        processing.append("compile_for_edge")
    for task in processing:
        request = rendered[f"{task}.config"]
        _check("CreateProcessingJob", request)
        assert request["ProcessingJobName"].endswith(f"-{RUN}")
    _check("CreateTrainingJob", rendered["train_model.config"])
    training = rendered["train_model.config"]
    assert training["TrainingJobName"] == f"{inspected['slug']}-train-{RUN}"
    assert ("VpcConfig" in training) is inspected["vpc"]
    registration = rendered["register_model.extras"]
    _check("CreateModelPackage", registration)
    expected = {"TriggeredBy": "schedule"}
    if inspected["edge"]:  # the artifact edge_artifact returned; the compilation job's name
        compiling = rendered["compile_for_edge.config"]
        assert compiling["AppSpecification"]["ContainerArguments"][:2] == [
            "--target-device",
            inspected["edge"],
        ]
        expected |= {
            "EdgeTargetDevice": inspected["edge"],
            "EdgeArtifact": "xcom:edge_artifact",
            "EdgeCompilationJob": compiling["ProcessingJobName"],
        }
    assert registration["CustomerMetadataProperties"] == expected
    assert f"/{RUN}/packaged/model.tar.gz" in json.dumps(registration)
    if inspected["drift"]:
        baseline = registration["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]
        assert baseline["S3Uri"].endswith(f"/{RUN}/baseline/baseline.json")
