"""The one table that decides which generated paths exist for a set of options."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlopscutter.options import Options


@dataclass(frozen=True)
class PathRule:
    """Paths matching ``pattern`` (relative to the project root; ``{package}`` is the Python
    package's name) exist iff ``keep`` holds."""

    pattern: str
    keep: Callable[[Options], bool]
    reason: str


def _codepipeline(o: Options) -> bool:
    return o.ci_provider == "codepipeline"


def _github_actions(o: Options) -> bool:
    return o.ci_provider == "github-actions"


def _gitflow(o: Options) -> bool:
    return o.branch_model == "gitflow"


def _org_profile(o: Options) -> bool:
    return o.profile is not None


def _byoc(o: Options) -> bool:
    return o.container == "byoc"


def _serves_http(o: Options) -> bool:
    return o.container == "byoc" and o.deployment_target != "lambda"


def _lambda(o: Options) -> bool:
    return o.deployment_target == "lambda"


def _ecs(o: Options) -> bool:
    return o.deployment_target == "ecs"


def _drift(o: Options) -> bool:
    return o.retrain_on_drift == "yes"


def _cross_account(o: Options) -> bool:
    return o.profile is not None and bool(o.profile.cross_account_stages)


def _batch(o: Options) -> bool:
    return o.inference == "batch"


def _multi_model(o: Options) -> bool:
    return o.endpoint_kind == "multi-model"


def _airflow(o: Options) -> bool:
    return o.orchestrator == "airflow"


def _edge(o: Options) -> bool:
    return bool(o.edge_target_device)


def _sagemaker_pipelines(o: Options) -> bool:
    return o.orchestrator == "sagemaker-pipelines"


LAYOUT: tuple[PathRule, ...] = (
    PathRule("buildspecs", _codepipeline, "CodeBuild buildspecs serve the CodePipeline provider"),
    PathRule("infra/cicd.yaml", _codepipeline, "the CodePipeline CI/CD stack"),
    PathRule(
        ".github/workflows",
        _github_actions,
        "GitHub Actions workflows serve the github-actions provider",
    ),
    PathRule(
        "infra/github-oidc.yaml",
        _github_actions,
        "OIDC roles let GitHub Actions reach AWS without stored keys",
    ),
    PathRule(".github/rulesets/develop.json", _gitflow, "gitflow's integration branch"),
    PathRule(".github/rulesets/release.json", _gitflow, "gitflow's release branches"),
    PathRule(".github/rulesets/release-tags.json", _gitflow, "gitflow tags each release"),
    PathRule("buildspecs/release-tag.yml", _gitflow, "gitflow tags each release"),
    PathRule(".cfnlintrc", _org_profile, "cfn-lint settings that enforce the org profile"),
    PathRule("infra/lint_rules", _org_profile, "cfn-lint rules that enforce the org profile"),
    PathRule("Dockerfile", _byoc, "the project's own serving image"),
    PathRule(".dockerignore", _byoc, "what the serving image is built from"),
    PathRule("src/{package}/serve.py", _serves_http, "the serving image's HTTP app"),
    PathRule("tests/unit/test_serve.py", _serves_http, "the serving app's tests"),
    PathRule("src/{package}/lambda_handler.py", _lambda, "the Lambda function's handler"),
    PathRule(
        "src/{package}/traffic_hooks.py", _lambda, "CodeDeploy's checks before and after a shift"
    ),
    PathRule("tests/unit/test_lambda.py", _lambda, "the Lambda handler's and hooks' tests"),
    PathRule(
        "tests/integration/test_lambda_stack.py",
        _lambda,
        "deploying the Lambda model service in moto",
    ),
    PathRule("src/{package}/traffic_check.py", _ecs, "the checks of an ECS service's deployments"),
    PathRule("tests/unit/test_traffic_check.py", _ecs, "the ECS traffic check's tests"),
    PathRule(
        "tests/integration/test_ecs_stack.py", _ecs, "deploying the ECS model service in moto"
    ),
    PathRule(
        "tests/integration/test_deploy_stack.py",
        lambda o: o.deployment_target == "sagemaker",
        "deploying the SageMaker model service in moto",
    ),
    PathRule("src/{package}/drift.py", _drift, "the drift check retraining on drift runs"),
    PathRule("src/{package}/drift_pipeline.py", _drift, "the pipeline that runs the drift check"),
    PathRule("tests/unit/test_drift.py", _drift, "the drift check's tests"),
    PathRule("tests/integration/test_batch.py", _batch, "batch scoring's tests"),
    PathRule(
        "buildspecs/publish-model.yml",
        _multi_model,
        "a deployment publishes its model version to the stage's multi-model endpoint",
    ),
    PathRule(
        "tests/integration/test_multi_model.py",
        _multi_model,
        "the multi-model endpoint's tests: publishing and invoking named target models",
    ),
    PathRule("dags", _airflow, "the training DAG Amazon MWAA runs"),
    PathRule("infra/mwaa.yaml", _airflow, "the Amazon MWAA environment that runs the DAG"),
    PathRule("src/{package}/airflow_jobs.py", _airflow, "the DAG's SageMaker job definitions"),
    PathRule("src/{package}/repack.py", _airflow, "the DAG's step that adds the inference code"),
    PathRule("tests/unit/test_airflow_jobs.py", _airflow, "the DAG's job definitions' tests"),
    PathRule("src/{package}/edge.py", _edge, "the SageMaker Neo compilation job for the device"),
    PathRule("tests/unit/test_edge.py", _edge, "the Neo compilation job's tests"),
    PathRule("src/{package}/pipeline.py", _sagemaker_pipelines, "the SageMaker pipeline"),
    PathRule("src/{package}/run_pipeline.py", _sagemaker_pipelines, "the SageMaker pipeline"),
    PathRule(
        "tests/integration/test_pipeline_definition.py",
        _sagemaker_pipelines,
        "the SageMaker pipeline's tests",
    ),
    PathRule(
        "infra/stage-account.yaml",
        _cross_account,
        "what a stage in another account than tooling needs there",
    ),
)


def pruned_paths(options: Options) -> list[str]:
    """Relative paths (files or folders) that the answers did not select."""
    package = options.project_slug.replace("-", "_")
    return [rule.pattern.format(package=package) for rule in LAYOUT if not rule.keep(options)]


def prune(project_dir: Path, options: Options) -> list[str]:
    """Remove the paths the answers did not select; returns those that existed."""
    removed = []
    for relative in pruned_paths(options):
        path = project_dir / PurePosixPath(relative)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(relative)
    return removed
