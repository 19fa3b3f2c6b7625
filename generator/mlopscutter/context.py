"""Derived values, computed once from validated :class:`Options` and handed to templates.

Templates only present: names, stage tables, branch rules, traffic routing, pinned tool
versions and the delivery flow are decided here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from mlopscutter.branching import RELEASE_TAG_PATTERN, BranchPolicy, BranchRule, branch_policy
from mlopscutter.escaping import quote, tag_value
from mlopscutter.frameworks import FRAMEWORKS, Framework
from mlopscutter.instance_offerings import has_ebs_volumes, processing_instance_type
from mlopscutter.names import RULES, fit
from mlopscutter.options import Options
from mlopscutter.profile import STAGE_ACCOUNTS
from mlopscutter.region_support import CONNECTION, offers
from mlopscutter.rules import (
    ScheduledCapacity,
    deployment_timeout_seconds,
    id_list,
    scheduled_capacities,
    traffic_steps,
    vcpus,
)

VARIANT_NAME = "AllTraffic"  # blue/green updates require the same variant name across configs
# Pinned once; the generated project's build images, tool versions and GitHub Actions.
CODEBUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
PYTHON_VERSION = "3.11"
# The newest Apache Airflow 2 release Amazon MWAA runs (CreateEnvironment's AirflowVersion).
AIRFLOW_VERSION = "2.11.0"
# Airflow's own templates, which the training DAG's job definitions carry for Airflow to render
# in each run: the run's timestamp, and what triggered it.
AIRFLOW_TEMPLATES = {
    "run": "{{ ts_nodash }}",
    "triggered_by": (
        "{{ dag_run.conf.get('triggered_by', 'manual') if dag_run.conf else 'manual' }}"
    ),
    # What the DAG's edge_artifact task returned: the artifact Neo compiled.
    "edge_artifact": "{{ ti.xcom_pull(task_ids='edge_artifact') }}",
}
# CloudWatch Logs retention of every log group the project creates.
LOG_RETENTION_DAYS = 90
# A feature drifts when its population stability index against the training data reaches
# 0.2, the customary "significant shift" level of credit-risk model monitoring.
DRIFT_PSI_THRESHOLD = 0.2
# Target-tracking value for serverless provisioned concurrency: the share of it in use. Half
# leaves room for a burst while more provisioned concurrency warms up.
PROVISIONED_UTILIZATION_TARGET = 0.5
GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"


@dataclass(frozen=True)
class PinnedAction:
    """A GitHub Action pinned to a full commit SHA, with the release it is."""

    repository: str
    sha: str
    version: str

    @property
    def uses(self) -> str:
        return f"{self.repository}@{self.sha}"


ACTIONS = {
    "checkout": PinnedAction(
        "actions/checkout", "11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"
    ),
    "setup_python": PinnedAction(
        "actions/setup-python", "0b93645e9fea7318ecaed2b359559ac225c90a2b", "v5.3.0"
    ),
    "aws_credentials": PinnedAction(
        "aws-actions/configure-aws-credentials",
        "e3dd6a429d7300a6a4c196c26e071d42e0343502",
        "v4.0.2",
    ),
}


@dataclass(frozen=True)
class Stage:
    """One deployment stage of the model service."""

    name: str
    title: str
    environment: str
    instance_type: str
    instance_count: int
    endpoint_name: str
    stack_name: str
    needs_approval: bool
    github_role_name: str
    # The stage's batch transform pipeline (inference=batch only).
    batch_pipeline_name: str = ""
    # The role the tooling account's pipeline assumes to deploy into the stage's own account
    # (only when the org profile puts the stage in another account).
    deployer_role_name: str = ""


@dataclass(frozen=True)
class DeployPipeline:
    """One CodePipeline deploying ``stages`` in order from pushes to ``branches``."""

    name: str
    stages: tuple[Stage, ...]
    branches: tuple[BranchRule, ...]
    starts_on_model_approval: bool
    tags_release: bool

    @property
    def logical_id(self) -> str:
        return "Deploy" + "".join(stage.title for stage in self.stages) + "Pipeline"


@dataclass(frozen=True)
class DeployJob:
    """One GitHub Actions deployment job: one stage, in its GitHub environment."""

    id: str
    stage: Stage
    needs: str
    condition: str
    model_from: str | None

    @property
    def concurrency_group(self) -> str:
        return f"deploy-{self.stage.environment}"


@dataclass(frozen=True)
class TrafficRouting:
    """SageMaker blue/green TrafficRoutingConfig values for the chosen strategy."""

    type: str
    size_percent: int | None
    wait_seconds: int
    termination_wait_seconds: int
    max_execution_timeout_seconds: int
    steps: int


# CodeDeploy's predefined Lambda deployment configurations (the CodeDeploy User Guide's
# "Deployment configurations on an AWS Lambda compute platform"): 10 % first then the rest
# after these minutes, or 10 % more every these minutes.
LAMBDA_CANARY_10_MINUTES = (5, 10, 15, 30)
LAMBDA_LINEAR_10_MINUTES = (1, 2, 3, 10)
# The alias callers and the function URL reach; CodeDeploy shifts it between versions.
LAMBDA_ALIAS = "live"


@dataclass(frozen=True)
class LambdaTrafficShift:
    """How CodeDeploy moves a Lambda alias to a new version: a predefined deployment
    configuration (``config_name``), or a custom one (``routing``, ``percent``,
    ``interval_minutes``) for answers no predefined configuration matches."""

    config_name: str = ""
    routing: str = ""
    percent: int = 0
    interval_minutes: int = 0

    @property
    def custom(self) -> bool:
        return not self.config_name


@dataclass(frozen=True)
class AlarmSource:
    """What the rollback alarms watch: the stack parameter naming the service, the metrics'
    namespace, and their dimensions (name, CloudFormation value)."""

    name_parameter: str
    namespace: str
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class EcsDeployment:
    """An ECS service's deployment configuration: the ``strategy`` (BLUE_GREEN, CANARY or
    LINEAR), the bake time after the last shift and between steps, and the canary or step
    percentage."""

    strategy: str
    bake_minutes: int
    percent: int = 0

    @property
    def steps(self) -> tuple[str, tuple[tuple[str, int], ...]] | None:
        """The strategy's configuration property and its settings (none for BLUE_GREEN)."""
        if self.strategy == "CANARY":
            return "CanaryConfiguration", (
                ("CanaryPercent", self.percent),
                ("CanaryBakeTimeInMinutes", self.bake_minutes),
            )
        if self.strategy == "LINEAR":
            return "LinearConfiguration", (
                ("StepPercent", self.percent),
                ("StepBakeTimeInMinutes", self.bake_minutes),
            )
        return None


@dataclass(frozen=True)
class EcsPorts:
    """The ports of an ECS model service: the container's, and the load balancer's
    production and test listeners (the test one reaches a deployment's new tasks only)."""

    container: int
    production: int
    test: int


# The port of SageMaker's hosting contract, which the serving app listens on wherever it runs.
SERVING_PORT = 8080
ECS_PORTS = EcsPorts(container=SERVING_PORT, production=80, test=8080)


@dataclass(frozen=True)
class EcsListener:
    """A listener of an ECS model service's load balancer: ``name`` test (which reaches a
    deployment's new tasks only) or production, the deployment's lifecycle stage after which
    the traffic check scores rows through it, and the check's environment variable naming its
    port."""

    name: str
    port: int
    hook_stage: str

    @property
    def logical_id(self) -> str:
        return self.name.capitalize() + "Listener"

    @property
    def port_variable(self) -> str:
        return f"{self.name.upper()}_PORT"


# In the order a deployment checks them.
ECS_LISTENERS = (
    EcsListener("test", ECS_PORTS.test, "POST_TEST_TRAFFIC_SHIFT"),
    EcsListener("production", ECS_PORTS.production, "POST_PRODUCTION_TRAFFIC_SHIFT"),
)


@dataclass(frozen=True)
class TrafficHook:
    """One of CodeDeploy's lifecycle hooks around a Lambda alias shift: ``moment`` is
    ``before`` or ``after`` (the hook function runs ``traffic_hooks.<moment>_allow_traffic``);
    ``parameter`` is the stack parameter naming its function."""

    moment: str
    logical_id: str
    parameter: str
    checks: str


TRAFFIC_HOOKS = (
    TrafficHook(
        "before",
        "BeforeTrafficHook",
        "BeforeTrafficHookName",
        "the new version answers before it takes traffic",
    ),
    TrafficHook(
        "after",
        "AfterTrafficHook",
        "AfterTrafficHookName",
        "the alias runs the new version, and it answers",
    ),
)


@dataclass(frozen=True)
class TrackingPolicy:
    """The model service's target-tracking scaling policy: what it tracks, and the stack
    parameter holding its target (none: ``fixed_target`` is written into the template)."""

    logical_id: str
    name_suffix: str
    parameter: str = ""
    parameter_description: str = ""
    fixed_target: str = ""
    predefined_metric: str = ""
    namespace: str = ""
    metric_name: str = ""
    per_variant: bool = False
    scale_in_cooldown: int = 300
    scale_out_cooldown: int = 60


# What an ECS service's autoscaling tracks, by autoscaling_metric. Requests per task divide
# the load balancer's requests by the running tasks (Container Insights), since blue/green
# deployments move production between two target groups.
ECS_TRACKING = {
    "cpu": TrackingPolicy(
        "CpuScalingPolicy",
        "cpu-utilization",
        "TargetCpuUtilization",
        "Target average CPU use of the service's tasks, in percent.",
        predefined_metric="ECSServiceAverageCPUUtilization",
    ),
    "latency": TrackingPolicy(
        "LatencyScalingPolicy",
        "response-time",
        "TargetResponseTimeSeconds",
        "Target average response time of the tasks, in seconds, below the rollback alarm's.",
        namespace="AWS/ApplicationELB",
        metric_name="TargetResponseTime",
    ),
    "invocations": TrackingPolicy(
        "RequestsScalingPolicy",
        "requests-per-task",
        "TargetRequestsPerTask",
        # Tracked by metric math (tracking_metric_queries): no single metric to name.
        "Target requests per task per minute.",
    ),
}


@dataclass(frozen=True)
class ScalableTarget:
    """What autoscaling sizes: Application Auto Scaling's namespace and dimension, the
    resource (a CloudFormation ``!Sub`` string) and the stack parameters bounding it."""

    namespace: str
    dimension: str
    resource_id: str
    min_parameter: str = "MinCapacity"
    max_parameter: str = "MaxCapacity"


@dataclass(frozen=True)
class MetricQuery:
    """One query of a metric-math tracking target: a metric's statistic, or (``expression``)
    the value tracked, computed from the others."""

    id: str
    namespace: str = ""
    metric_name: str = ""
    dimensions: tuple[tuple[str, str], ...] = ()
    stat: str = ""
    expression: str = ""
    label: str = ""


@dataclass(frozen=True)
class FlowNode:
    """A node of the delivery-flow diagram; ``shape`` is a Mermaid shape's brackets."""

    id: str
    label: str
    shape: tuple[str, str] = ("[", "]")


@dataclass(frozen=True)
class FlowEdge:
    """An edge of the delivery-flow diagram."""

    source: str
    target: str
    label: str
    dotted: bool = False


def _role_arn(account: str, role_name: str, partition: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{role_name}"


@dataclass(frozen=True)
class ProjectContext:
    """Everything templates need beyond the raw answers."""

    options: Options

    @property
    def slug(self) -> str:
        return self.options.project_slug

    @property
    def name_base(self) -> str:
        """What every AWS resource name starts with: the org profile's naming prefix and the
        slug, or the slug alone."""
        profile = self.options.profile
        if profile is not None and profile.naming_prefix:
            return f"{profile.naming_prefix}-{self.slug}"
        return self.slug

    @property
    def package_name(self) -> str:
        return self.slug.replace("-", "_")

    @property
    def variant_name(self) -> str:
        return VARIANT_NAME

    @property
    def codebuild_image(self) -> str:
        return CODEBUILD_IMAGE

    @property
    def python_version(self) -> str:
        return PYTHON_VERSION

    @property
    def framework(self) -> Framework:
        """The ML framework: its SageMaker image (pinned in mlopscutter.frameworks) trains
        the model and, unless the project builds its own, serves it."""
        return FRAMEWORKS[self.options.framework]

    @property
    def sklearn(self) -> bool:
        return self.options.framework == "scikit-learn"

    @property
    def xgboost(self) -> bool:
        return self.options.framework == "xgboost"

    @property
    def pytorch(self) -> bool:
        return self.options.framework == "pytorch"

    @property
    def compiles_for_edge(self) -> bool:
        """Each model that passes evaluation is compiled with SageMaker Neo for an edge device
        (``edge_target_device``), the compiled artifact recorded on its model package."""
        return bool(self.options.edge_target_device)

    @property
    def joblib(self) -> bool:
        """Training saves scikit-learn objects with joblib: the model (scikit-learn), or the
        serial pipeline's feature transform."""
        return self.sklearn or self.serial_pipeline

    @property
    def repacks_model(self) -> bool:
        """The framework image serves the code packed in the model archive (code/), so the
        SageMaker SDK adds a job repacking the trained model with inference.py (PyTorch's
        TorchServe-based images; the scikit-learn and XGBoost images take the code from S3)."""
        return self.pytorch and not self.byoc

    @property
    def model_image_evaluates(self) -> bool:
        """Evaluation loads the model, so it runs on the model's image unless scikit-learn's
        (the data preparation image) loads it too."""
        return not self.sklearn

    @property
    def serial_pipeline(self) -> bool:
        """A serial inference pipeline serves the model: the scikit-learn image turns raw
        rows into features, then the framework's image scores them."""
        return self.options.endpoint_kind == "serial-pipeline"

    @property
    def multi_model(self) -> bool:
        """A multi-model endpoint serves every model version a stage has published under its
        prefix (:meth:`multi_model_prefix`); a request names its target model."""
        return self.options.endpoint_kind == "multi-model"

    @staticmethod
    def multi_model_prefix(stage: Stage | str) -> str:
        """Where in the artifact bucket a stage's multi-model endpoint finds its target
        models (``<name>.tar.gz``). ``stage`` may be a substitution such as ``${Stage}``."""
        name = stage if isinstance(stage, str) else stage.name
        return f"multi-model/{name}/models/"

    @property
    def multi_model_prefixes(self) -> dict[str, str]:
        """Stage name -> its multi-model prefix (none unless endpoint_kind is multi-model)."""
        if not self.multi_model:
            return {}
        return {stage.name: self.multi_model_prefix(stage) for stage in self.stages}

    @property
    def multi_model_uploads_code(self) -> bool:
        """The multi-model container imports inference.py once from an archive the build stage
        uploads (scikit-learn, XGBoost), so it downloads it and is not network-isolated;
        PyTorch's image imports each target's own code/ instead."""
        return self.multi_model and not self.repacks_model

    @property
    def multi_model_code_prefix(self) -> str:
        """Where in the artifact bucket the build stage puts the multi-model endpoint's
        inference code (``<digest>/sourcedir.tar.gz``) when it uploads it."""
        return "multi-model/code/"

    @property
    def sklearn_framework_version(self) -> str:
        """The scikit-learn image the data preparation (and drift) jobs run on, whatever the
        model's framework."""
        return FRAMEWORKS["scikit-learn"].version

    @cached_property
    def names(self) -> dict[str, str]:
        """Names of the project's AWS resources that templates spell out, derived once and
        kept within their service's length limit."""
        slug = self.name_base
        return {
            "connection": fit(slug, RULES["codeconnections"].max_length),
            "kms-alias": f"alias/{slug}",
            "release-token-secret": f"{slug}/github-release-token",
            "build-project": f"{slug}-build",
            "smoke-test-project": f"{slug}-smoke-test",
            "publish-model-project": f"{slug}-publish-model",
            "train-project": f"{slug}-train",
            "pull-request-check-project": f"{slug}-pull-request-check",
            "release-tag-project": f"{slug}-release-tag",
            "model-approved-rule": fit(f"{slug}-model-approved", RULES["events-rule"].max_length),
            "retrain-schedule-rule": fit(
                f"{slug}-retrain-schedule", RULES["events-rule"].max_length
            ),
            "events-connection": fit(f"{slug}-github", RULES["events-connection"].max_length),
            "api-destination": fit(
                f"{slug}-github-dispatch", RULES["events-api-destination"].max_length
            ),
            "dead-letter-queue": fit(f"{slug}-events-dlq", RULES["sqs-queue"].max_length),
            "new-data-rule": fit(f"{slug}-new-data", RULES["events-rule"].max_length),
            "training-failed-rule": fit(f"{slug}-training-failed", RULES["events-rule"].max_length),
            "retrain-guard": fit(
                f"{slug}-retrain-guard", RULES["stepfunctions-state-machine"].max_length
            ),
            "drift-check-rule": fit(f"{slug}-drift-check", RULES["events-rule"].max_length),
            "drift-rule": fit(f"{slug}-drift", RULES["events-rule"].max_length),
            "drift-alarm": f"{slug}-input-drift",
            "batch-launcher": fit(
                f"{slug}-batch-launcher", RULES["stepfunctions-state-machine"].max_length
            ),
            "batch-schedule-rule": fit(f"{slug}-batch-schedule", RULES["events-rule"].max_length),
            "batch-failed-rule": fit(f"{slug}-batch-failed", RULES["events-rule"].max_length),
            "batch-launch-failures-alarm": f"{slug}-batch-launch-failures",
            "batch-launcher-role": fit(f"{slug}-batch-launcher", RULES["iam-role"].max_length),
            "drift-reader-role": fit(f"{slug}-drift-reader", RULES["iam-role"].max_length),
            "events-to-tooling-role": fit(
                f"{slug}-events-to-tooling", RULES["iam-role"].max_length
            ),
            "stage-dead-letter-queue": fit(
                f"{slug}-stage-events-dlq", RULES["sqs-queue"].max_length
            ),
            "stage-dead-letter-alarm": f"{slug}-stage-events-dead-letters",
            **{
                f"batch-starter-role-{stage}": fit(
                    f"{slug}-{stage}-batch-starter", RULES["iam-role"].max_length
                )
                for stage in ("staging", "prod")
            },
            **{
                f"forward-batch-{kind}-rule": fit(
                    f"{slug}-batch-{kind}-to-tooling", RULES["events-rule"].max_length
                )
                for kind in ("input", "failed")
            },
            **{
                f"batch-input-rule-{stage}": fit(
                    f"{slug}-{stage}-batch-input", RULES["events-rule"].max_length
                )
                for stage in ("staging", "prod")
            },
            "serving-repository": f"{slug}-serving",
            "pipeline-role": fit(f"{slug}-pipeline", RULES["iam-role"].max_length),
            "smoke-test-role": fit(f"{slug}-smoke-test", RULES["iam-role"].max_length),
            "publish-model-role": fit(f"{slug}-publish-model", RULES["iam-role"].max_length),
            "lambda-function-role": fit(f"{slug}-lambda-serving", RULES["iam-role"].max_length),
            "traffic-hook-role": fit(f"{slug}-traffic-hooks", RULES["iam-role"].max_length),
            "codedeploy-role": fit(f"{slug}-codedeploy", RULES["iam-role"].max_length),
            "ecs-execution-role": fit(f"{slug}-ecs-execution", RULES["iam-role"].max_length),
            "ecs-task-role": fit(f"{slug}-ecs-task", RULES["iam-role"].max_length),
            "ecs-infrastructure-role": fit(
                f"{slug}-ecs-infrastructure", RULES["iam-role"].max_length
            ),
            "alerts-topic": f"{slug}-alerts",
            "dead-letter-alarm": f"{slug}-events-dead-letters",
        }

    def aws_names(self) -> dict[str, list[str]]:
        """Every AWS name the project derives, by kind (see :mod:`mlopscutter.names`)."""
        n = self.names
        exports = [
            "ProjectKeyArn",
            "ArtifactBucket",
            "ArtifactBucketArn",
            "SageMakerExecutionRoleArn",
            "CloudFormationDeployRoleArn",
            "ModelPackageGroupName",
            "ModelApprovalPipelineName",
        ]
        return {
            "sagemaker-endpoint": []
            if self.batch or self.lambda_target
            else [stage.endpoint_name for stage in self.stages],
            "lambda-function": [
                name for stage in self.stages for name in self.stage_functions(stage)
            ],
            "ecs-cluster": list(self.ecs_services.values()),
            "ecs-service": list(self.ecs_services.values()),
            "load-balancer": [self.load_balancer_name(s) for s in self.stages]
            if self.ecs_target
            else [],
            "target-group": [
                name for stage in self.stages for name in self.target_group_names(stage)
            ]
            if self.ecs_target
            else [],
            "codedeploy-application": [stage.endpoint_name for stage in self.stages]
            if self.lambda_target
            else [],
            "codedeploy-deployment-group": [
                self.codedeploy_group_name(stage) for stage in self.stages
            ]
            if self.lambda_target
            else [],
            "sagemaker-model-package-group": [self.model_package_group],
            "mwaa-environment": [self.mwaa_environment_name],
            "airflow-dag-id": [self.dag_id],
            "sagemaker-pipeline": [
                self.sagemaker_pipeline_name,
                self.drift_pipeline_name,
                *[stage.batch_pipeline_name for stage in self.stages],
            ],
            "iam-role": [
                self.sagemaker_role_name,
                self.cloudformation_role_name,
                self.github_train_role_name,
                *[stage.github_role_name for stage in self.stages],
                *[stage.deployer_role_name for stage in self.stages],
                n["pipeline-role"],
                n["smoke-test-role"],
                *([n["publish-model-role"]] if self.multi_model and self.codepipeline else []),
                *(
                    [n["lambda-function-role"], n["traffic-hook-role"], n["codedeploy-role"]]
                    if self.lambda_target
                    else []
                ),
                *(
                    [
                        n["ecs-execution-role"],
                        n["ecs-task-role"],
                        n["ecs-infrastructure-role"],
                        n["traffic-hook-role"],
                    ]
                    if self.ecs_target
                    else []
                ),
                *([n["drift-reader-role"]] if self.cross_account_drift else []),
                *(
                    [n["batch-launcher-role"], n["events-to-tooling-role"]]
                    + [n[f"batch-starter-role-{s.name}"] for s in self.cross_account_stages]
                    if self.cross_account_batch
                    else []
                ),
            ],
            "s3-bucket": [self.stage_bucket_name(s) for s in self.cross_account_stages]
            if self.stage_bucket_needed
            else [],
            "cloudformation-stack": [
                self.platform_stack_name,
                self.cicd_stack_name,
                self.retraining_stack_name,
                *[stage.stack_name for stage in self.stages],
            ],
            "cloudformation-export": [
                f"{self.export_prefix}-{name}"
                for name in [
                    *exports,
                    *(["ServingRepositoryUri", "ServingRepositoryArn"] if self.byoc else []),
                ]
            ],
            "codepipeline": [
                self.train_pipeline_name,
                *[pipeline.name for pipeline in self.deploy_pipelines],
            ],
            "codebuild": [n[key] for key in n if key.endswith("-project")],
            "codeconnections": [n["connection"]],
            "events-rule": [
                n["model-approved-rule"],
                n["retrain-schedule-rule"],
                n["new-data-rule"],
                n["training-failed-rule"],
                n["drift-check-rule"],
                n["drift-rule"],
                n["batch-schedule-rule"],
                n["batch-failed-rule"],
                *[n[f"batch-input-rule-{stage.name}"] for stage in self.stages],
            ],
            "stepfunctions-state-machine": [n["retrain-guard"], n["batch-launcher"]],
            "log-group": [self.retrain_guard_log_group, self.batch_launcher_log_group],
            "events-connection": [n["events-connection"]],
            "events-api-destination": [n["api-destination"]],
            "sqs-queue": [n["dead-letter-queue"]],
            "sns-topic": [n["alerts-topic"], *self.async_topic_names],
            "ecr-repository": [n["serving-repository"]] if self.byoc else [],
            "kms-alias": [n["kms-alias"]],
            "secret": [n["release-token-secret"]],
            "cloudwatch-alarm": [
                n["dead-letter-alarm"],
                n["drift-alarm"],
                n["batch-launch-failures-alarm"],
                *[
                    f"{stage.endpoint_name}-{suffix}"
                    for stage in self.stages
                    if not self.batch
                    for suffix in (
                        "5xx-errors",
                        "model-latency",
                        *(
                            ("invocation-failures", "backlog-without-capacity")
                            if self.asynchronous
                            else ()
                        ),
                    )
                ],
            ],
        }

    @property
    def training_volume_encryption(self) -> bool:
        """Whether training and processing volumes take the project key (not on instance
        store, which SageMaker encrypts itself)."""
        return has_ebs_volumes(self.options.training_instance_type)

    @property
    def log_retention_days(self) -> int:
        return LOG_RETENTION_DAYS

    @property
    def actions(self) -> dict[str, PinnedAction]:
        return ACTIONS

    @property
    def github_actions(self) -> bool:
        return self.options.ci_provider == "github-actions"

    @property
    def codepipeline(self) -> bool:
        return self.options.ci_provider == "codepipeline"

    @property
    def owner_tag(self) -> str:
        return tag_value(self.options.owner)

    @property
    def required_tags(self) -> tuple[tuple[str, str], ...]:
        """The org profile's tags, set on every taggable resource beside our own."""
        profile = self.options.profile
        return tuple(profile.required_tags.items()) if profile else ()

    @property
    def permission_boundary(self) -> str:
        """The org profile's permissions boundary for every IAM role; empty: none."""
        profile = self.options.profile
        return profile.permission_boundary if profile else ""

    @property
    def permission_boundary_in_this_account(self) -> str:
        """The boundary policy's ARN with its account replaced by the deploying account's, for
        !Sub (stage accounts keep a policy of the same name)."""
        resource = self.permission_boundary.split(":", 5)[5]  # policy/<path and name>
        return f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:{resource}"

    @property
    def org_kms_key_arn(self) -> str:
        """The org profile's KMS key, used instead of a project key; empty: none."""
        profile = self.options.profile
        return profile.kms_key_arn if profile else ""

    @property
    def project_key_arn_expression(self) -> str:
        """The platform stack's CloudFormation expression for the key that encrypts the
        project's data: its own key, or the org profile's."""
        return quote(self.org_kms_key_arn) if self.org_kms_key_arn else "!GetAtt ProjectKey.Arn"

    @property
    def accounts(self) -> dict[str, str]:
        """The org profile's AWS account per stage (``tooling``, ``staging``, ``prod``)."""
        accounts = self.options.profile.accounts if self.options.profile else {}
        return {stage: accounts[stage] for stage in STAGE_ACCOUNTS if stage in accounts}

    @property
    def stage_accounts(self) -> dict[str, str]:
        """Stage name -> the account the org profile assigns it."""
        return {s.name: self.accounts[s.name] for s in self.stages if s.name in self.accounts}

    @property
    def tooling_account(self) -> str:
        """The org profile's tooling account (empty: none named)."""
        return self.accounts.get("tooling", "")

    @property
    def cross_account_stages(self) -> tuple[Stage, ...]:
        """Stages the org profile puts in another account than the tooling account: each has
        a stage-account stack (infra/stage-account.yaml) that the pipeline deploys through."""
        names = self.options.profile.cross_account_stages if self.options.profile else ()
        return tuple(stage for stage in self.stages if stage.name in names)

    @property
    def stage_deployer_roles(self) -> dict[str, str]:
        """Stage name -> its deployer role's ARN, for stages in accounts of their own that the
        tooling account's CodePipeline deploys (GitHub Actions assumes a role there itself)."""
        if not self.codepipeline:
            return {}
        return {
            stage.name: self.stage_role_arn(stage, stage.deployer_role_name, partition="aws")
            for stage in self.cross_account_stages
        }

    def account_condition(self, stage: Stage) -> str:
        """The github-oidc.yaml condition under which the stage's role is created."""
        if stage in self.cross_account_stages:
            return f"In{stage.title}Account"
        return "InToolingAccount"

    def registry_account(self, stage: Stage) -> str:
        """The account of the model registry as a stage's roles name it in a !Sub."""
        return self.tooling_account if stage in self.cross_account_stages else "${AWS::AccountId}"

    @property
    def cross_account_ids(self) -> list[str]:
        """The distinct accounts of the cross-account stages."""
        return sorted({self.accounts[stage.name] for stage in self.cross_account_stages})

    @property
    def stage_artifact_reader_arns(self) -> list[str]:
        """Roles in stage accounts that read the tooling bucket and key: each deployer (the
        pipeline's artifacts) and the role serving the model, which reads its artifact."""
        arns = [
            self.stage_role_arn(stage, name)
            for stage in self.cross_account_stages
            for name in (
                *([stage.deployer_role_name] if self.codepipeline else []),
                self.serving_role_name,
                # GitHub Actions publishes a multi-model version from the stage's account.
                *([stage.github_role_name] if self.github_actions and self.multi_model else []),
            )
        ]
        return list(dict.fromkeys(arns))

    @property
    def stage_function_creator_arns(self) -> list[str]:
        """The CloudFormation roles of the stage accounts, which create the stages' Lambda
        functions from the tooling account's image (deployment_target=lambda)."""
        arns = [
            self.stage_role_arn(stage, self.cloudformation_role_name)
            for stage in self.cross_account_stages
        ]
        return list(dict.fromkeys(arns))

    @property
    def serving_role_name(self) -> str:
        """The role that serves the model and reads its artifact: the SageMaker execution
        role, the Lambda functions' role or the ECS tasks' role."""
        if self.lambda_target:
            return self.names["lambda-function-role"]
        if self.ecs_target:
            return self.names["ecs-task-role"]
        return self.sagemaker_role_name

    @property
    def stage_image_puller_arns(self) -> list[str]:
        """The roles of the stage accounts that pull the serving image from the tooling
        account's repository (container=byoc): the SageMaker execution roles, or the ECS
        execution roles that start the tasks."""
        name = self.names["ecs-execution-role"] if self.ecs_target else self.sagemaker_role_name
        arns = [self.stage_role_arn(stage, name) for stage in self.cross_account_stages]
        return list(dict.fromkeys(arns))

    @property
    def stage_model_reader_arns(self) -> list[str]:
        """Roles in stage accounts that read the approved packages: the CloudFormation role
        that creates the model from one, the SageMaker execution role, and the GitHub Actions
        deploy role that resolves the newest one."""
        arns = [
            self.stage_role_arn(stage, name)
            for stage in self.cross_account_stages
            for name in (
                self.cloudformation_role_name,
                # A Lambda function or ECS task gets the package's image and artifact as
                # parameters.
                *([] if self.own_service else [self.sagemaker_role_name]),
                *([stage.github_role_name] if self.github_actions else []),
            )
        ]
        return list(dict.fromkeys(arns))

    @property
    def stage_bucket_needed(self) -> bool:
        """A stage account keeps a bucket of its own: its asynchronous endpoint's requests and
        results, its batch input and output, or the model versions its multi-model endpoint
        serves stay in that account."""
        return self.asynchronous or self.batch or self.retrains_on_drift or self.multi_model

    @property
    def stage_bucket_contents(self) -> str:
        """What a stage's own bucket holds, in words."""
        if self.batch:
            return "batch input and output"
        parts = ["asynchronous requests and results"] if self.asynchronous else []
        if self.retrains_on_drift:
            parts.append("captured requests")
        if self.multi_model:
            parts.append("published model versions")
        return " and ".join(parts)

    def stage_bucket_name(self, stage: Stage) -> str:
        """The bucket of a stage in an account of its own, named after the project, the stage
        and the account (S3 names are global), so the tooling account's rules can name it."""
        name = f"{self.name_base}-{stage.name}-{self.accounts[stage.name]}"
        return fit(name, RULES["s3-bucket"].max_length)

    @property
    def stage_buckets(self) -> dict[str, str]:
        """Stage name -> its own bucket, for the stages in accounts of their own."""
        if not self.stage_bucket_needed:
            return {}
        return {stage.name: self.stage_bucket_name(stage) for stage in self.cross_account_stages}

    @property
    def cross_account_drift(self) -> bool:
        """Drift retraining with the watched stage in an account of its own: the tooling
        account's check reads that endpoint and its captured requests through a read-only
        role there; the verdict and retraining stay in tooling."""
        return self.retrains_on_drift and self.drift_stage in self.cross_account_stages

    @property
    def drift_reader_role_arn(self) -> str:
        """The drift reader role in the watched stage's account (for config.py), or empty."""
        if not self.cross_account_drift:
            return ""
        return self.stage_role_arn(self.drift_stage, self.names["drift-reader-role"], "aws")

    @property
    def cross_account_batch(self) -> bool:
        """Batch scoring in stage accounts of their own: the tooling account's launcher starts
        their pipelines through a role there, and their events come to its bus."""
        return self.batch and bool(self.cross_account_stages)

    def stage_account_id(self, stage: Stage) -> str:
        """The account a stage runs in, for a !Sub in the tooling account's templates."""
        if stage in self.cross_account_stages:
            return self.accounts[stage.name]
        return "${AWS::AccountId}"

    def batch_pipeline_arn(self, stage: Stage) -> str:
        """A stage's batch pipeline, in its account (for a !Sub)."""
        return (
            f"arn:${{AWS::Partition}}:sagemaker:${{AWS::Region}}:{self.stage_account_id(stage)}"
            f":pipeline/{stage.batch_pipeline_name}"
        )

    @property
    def cross_account_stage_names(self) -> list[str]:
        return [stage.name for stage in self.cross_account_stages]

    def stage_role_arn(
        self, stage: Stage, role_name: str, partition: str = "${AWS::Partition}"
    ) -> str:
        """A role's ARN in a stage's account: for a !Sub by default, or in a given partition."""
        return _role_arn(self.accounts[stage.name], role_name, partition)

    def tooling_role_arn(self, role_name: str) -> str:
        """A role's ARN in the tooling account, for a !Sub."""
        return _role_arn(self.tooling_account, role_name, "${AWS::Partition}")

    def account_expression(self, account_of: str) -> str:
        """The account id of ``tooling`` or a stage for a GitHub Actions role ARN: the org
        profile's, else the repository variable AWS_ACCOUNT_ID."""
        return self.accounts.get(account_of) or "${{ vars.AWS_ACCOUNT_ID }}"

    @property
    def naming_prefix(self) -> str:
        profile = self.options.profile
        return profile.naming_prefix if profile else ""

    @property
    def profile_label(self) -> str:
        """``name@version`` of the org profile; empty: none."""
        profile = self.options.profile
        return profile.label if profile else ""

    @property
    def cfn_lint_rule_config(self) -> dict[str, dict[str, str]]:
        """Settings of the cfn-lint rules that enforce the org profile (for .cfnlintrc)."""
        profile = self.options.profile
        return profile.cfn_lint_rule_config() if profile else {}

    @property
    def creates_connection(self) -> bool:
        """Whether the CI/CD stack can create the GitHub connection (else it takes one)."""
        return offers(self.options.aws_region, CONNECTION)

    @property
    def connection_arn_expression(self) -> str:
        """The CI/CD stack's CloudFormation expression for the connection it uses: the one it
        creates unless given one, or (where it cannot create one) the one it is given."""
        if self.creates_connection:
            return "!If [CreateConnection, !Ref GitHubConnection, !Ref ConnectionArn]"
        return "!Ref ConnectionArn"

    @property
    def model_package_group(self) -> str:
        return fit(self.name_base, RULES["sagemaker-model-package-group"].max_length)

    @property
    def sagemaker_role_name(self) -> str:
        return fit(f"{self.name_base}-sagemaker-execution", RULES["iam-role"].max_length)

    @property
    def cloudformation_role_name(self) -> str:
        return fit(f"{self.name_base}-cloudformation-deploy", RULES["iam-role"].max_length)

    @property
    def github_train_role_name(self) -> str:
        return fit(f"{self.name_base}-github-train", RULES["iam-role"].max_length)

    @property
    def sagemaker_pipeline_name(self) -> str:
        return f"{self.name_base}-training"

    @property
    def airflow(self) -> bool:
        """An Airflow DAG on Amazon MWAA runs the training steps instead of a SageMaker
        pipeline."""
        return self.options.orchestrator == "airflow"

    @property
    def dag_id(self) -> str:
        """The training DAG's id: the name the SageMaker pipeline would have."""
        return fit(self.sagemaker_pipeline_name, RULES["airflow-dag-id"].max_length)

    @property
    def dag_module(self) -> str:
        """The DAG's file name under dags/ (without .py), its job definitions' with .json."""
        return f"{self.package_name}_training"

    @property
    def mwaa_created(self) -> bool:
        """Whether infra/mwaa.yaml creates the MWAA environment (no existing one is named)."""
        return not self.options.mwaa_environment.strip()

    @property
    def mwaa_environment_name(self) -> str:
        if not self.mwaa_created:
            return self.options.mwaa_environment.strip()
        return fit(f"{self.name_base}-airflow", RULES["mwaa-environment"].max_length)

    @property
    def mwaa_execution_role_name(self) -> str:
        """The existing environment's execution role, which infra/mwaa.yaml extends."""
        return self.options.mwaa_execution_role.strip()

    @property
    def mwaa_subnets(self) -> list[str]:
        """The MWAA environment's subnets: the first two (it takes two, in different
        Availability Zones)."""
        return self.vpc_subnets[:2]

    @property
    def mwaa_security_groups(self) -> list[str]:
        """The MWAA environment's security groups (at most five)."""
        return self.vpc_security_groups[:5]

    @property
    def mwaa_stack_name(self) -> str:
        return f"{self.name_base}-airflow"

    @property
    def mwaa_dags_prefix(self) -> str:
        """Where in the artifact bucket (the environment's source bucket) the DAGs live."""
        return "mwaa/dags"

    @property
    def airflow_job_base(self) -> str:
        """What the DAG's SageMaker job names start with: <base>-<step>-<run timestamp> keeps
        within SageMaker's 63 characters."""
        return fit(self.name_base, 63 - len("-evaluate-") - len("20250101T000000"))

    @property
    def mwaa_rest_api_role_arn(self) -> str:
        """What airflow:InvokeRestApi is granted on: the environment's Airflow User role (for
        CloudFormation's !Sub)."""
        return (
            "arn:${AWS::Partition}:airflow:${AWS::Region}:${AWS::AccountId}:role/"
            f"{self.mwaa_environment_name}/User"
        )

    @property
    def airflow_templates(self) -> dict[str, str]:
        return AIRFLOW_TEMPLATES

    @property
    def airflow_version(self) -> str:
        """The Apache Airflow version of the MWAA environment (and of the DAG's test)."""
        return AIRFLOW_VERSION

    @property
    def drift_pipeline_name(self) -> str:
        """The SageMaker pipeline that checks the production endpoint's inputs for drift."""
        return f"{self.name_base}-drift-check"

    @property
    def train_pipeline_name(self) -> str:
        return f"{self.name_base}-train"

    @property
    def platform_stack_name(self) -> str:
        return f"{self.name_base}-platform"

    @property
    def cicd_stack_name(self) -> str:
        return f"{self.name_base}-cicd" if self.codepipeline else f"{self.name_base}-github-oidc"

    @property
    def retraining_stack_name(self) -> str:
        return f"{self.name_base}-retraining"

    @property
    def export_prefix(self) -> str:
        return self.name_base

    @property
    def oidc_url(self) -> str:
        return GITHUB_OIDC_URL

    @property
    def oidc_audience(self) -> str:
        return GITHUB_OIDC_AUDIENCE

    @property
    def repository_subject(self) -> str:
        """The OIDC ``sub`` prefix of this repository."""
        return f"repo:{self.options.github_repository}"

    @cached_property
    def stages(self) -> tuple[Stage, ...]:
        o = self.options
        return (
            Stage(
                "staging",
                "Staging",
                "staging",
                o.staging_instance_type,
                o.staging_instance_count,
                fit(f"{self.name_base}-staging", RULES["sagemaker-endpoint"].max_length),
                f"{self.name_base}-model-staging",
                needs_approval=False,
                github_role_name=fit(
                    f"{self.name_base}-github-staging", RULES["iam-role"].max_length
                ),
                batch_pipeline_name=f"{self.name_base}-staging-batch",
                deployer_role_name=fit(
                    f"{self.name_base}-staging-deployer", RULES["iam-role"].max_length
                ),
            ),
            Stage(
                "prod",
                "Production",
                "production",
                o.prod_instance_type,
                o.prod_instance_count,
                fit(f"{self.name_base}-prod", RULES["sagemaker-endpoint"].max_length),
                f"{self.name_base}-model-prod",
                needs_approval=True,
                github_role_name=fit(
                    f"{self.name_base}-github-production", RULES["iam-role"].max_length
                ),
                batch_pipeline_name=f"{self.name_base}-prod-batch",
                deployer_role_name=fit(
                    f"{self.name_base}-prod-deployer", RULES["iam-role"].max_length
                ),
            ),
        )

    @property
    def smoke_tested_stage(self) -> Stage:
        return self.stages[0]

    @property
    def endpoints(self) -> dict[str, str]:
        """Stage name -> endpoint name (none with batch transform, Lambda or ECS)."""
        if self.batch or self.own_service:
            return {}
        return {stage.name: stage.endpoint_name for stage in self.stages}

    @property
    def smoke_check_phrase(self) -> str:
        """What the smoke test checks serves the deployed package, for the README."""
        if self.batch:
            return "batch pipeline scores with"
        if self.lambda_target:
            return "function's alias serves"
        if self.ecs_target:
            return "service's tasks serve"
        return "endpoint serves"

    @property
    def functions(self) -> dict[str, str]:
        """Stage name -> Lambda function name (named like the stage's endpoint would be)."""
        if not self.lambda_target:
            return {}
        return {stage.name: stage.endpoint_name for stage in self.stages}

    def served_by(self, stage: Stage) -> str:
        """What serves the model in a stage: its batch pipeline, else its endpoint."""
        return stage.batch_pipeline_name if self.batch else stage.endpoint_name

    @property
    def batch_pipelines(self) -> dict[str, str]:
        """Stage name -> batch transform pipeline name."""
        return {stage.name: stage.batch_pipeline_name for stage in self.stages}

    @property
    def stack_names(self) -> dict[str, str]:
        """Stage name -> model service stack name."""
        return {stage.name: stage.stack_name for stage in self.stages}

    @property
    def inference_instance_types(self) -> list[str]:
        """Distinct instance types the stages serve on (for the model package); none for a
        serverless endpoint, batch transform, or a Lambda or ECS target."""
        if self.serverless or self.batch or self.own_service:
            return []
        return sorted({stage.instance_type for stage in self.stages})

    @property
    def transform_instance_types(self) -> list[str]:
        """Instance types batch transform runs on (for the model package): the stages' with
        batch inference, else the processing type (for ad-hoc transforms)."""
        if self.batch:
            return sorted({stage.instance_type for stage in self.stages})
        return [self.processing_instance_type]

    @property
    def provisioned_utilization_target(self) -> float:
        return PROVISIONED_UTILIZATION_TARGET

    @property
    def processing_instance_type(self) -> str:
        """The instance type of the pipeline's processing jobs: one the Region offers."""
        chosen = processing_instance_type(self.options.aws_region)
        assert chosen is not None, "the region-offers-processing rule admits only such Regions"
        return chosen

    @property
    def byoc(self) -> bool:
        """The project builds its own serving image (ECR) instead of the framework image."""
        return self.options.container == "byoc"

    @property
    def lambda_target(self) -> bool:
        """A Lambda function serves the model (from the project's own image)."""
        return self.options.deployment_target == "lambda"

    @property
    def api_gateway(self) -> bool:
        """Callers reach the Lambda function through an API Gateway HTTP API (its POST
        /invocations route), not its function URL."""
        return self.lambda_target and self.options.lambda_endpoint == "api-gateway"

    @property
    def ecs_target(self) -> bool:
        """An Amazon ECS service on Fargate serves the model (from the project's own image)."""
        return self.options.deployment_target == "ecs"

    @property
    def own_service(self) -> bool:
        """The project's own image serves the model outside SageMaker (Lambda or ECS), from
        the approved package's image and artifact."""
        return self.lambda_target or self.ecs_target

    @property
    def lambda_alias(self) -> str:
        return LAMBDA_ALIAS

    @staticmethod
    def load_balancer_name(stage: Stage) -> str:
        """A stage's Application Load Balancer (32 characters at most)."""
        return fit(stage.endpoint_name, RULES["load-balancer"].max_length)

    @staticmethod
    def target_group_names(stage: Stage) -> tuple[str, str]:
        """A stage's two target groups: the one serving when the stack is created, and the
        alternate one each deployment's new tasks start in (they swap roles after it)."""
        limit = RULES["target-group"].max_length
        return (
            fit(f"{stage.endpoint_name}-blue", limit),
            fit(f"{stage.endpoint_name}-green", limit),
        )

    @staticmethod
    def ecs_log_group(stage: Stage) -> str:
        return f"/ecs/{stage.endpoint_name}"

    @staticmethod
    def traffic_check_name(stage: Stage) -> str:
        """The function that scores rows through a stage's load balancer: ECS's lifecycle
        hook after test and production traffic shifts, and the smoke test."""
        return fit(f"{stage.endpoint_name}-traffic-check", RULES["lambda-function"].max_length)

    @property
    def ecs_services(self) -> dict[str, str]:
        """Stage name -> ECS service (and cluster) name."""
        return {stage.name: stage.endpoint_name for stage in self.stages} if self.ecs_target else {}

    @property
    def traffic_checks(self) -> dict[str, str]:
        """Stage name -> the function checking traffic through the stage's load balancer."""
        if not self.ecs_target:
            return {}
        return {stage.name: self.traffic_check_name(stage) for stage in self.stages}

    @property
    def ecs_ports(self) -> EcsPorts:
        return ECS_PORTS

    @property
    def ecs_listeners(self) -> tuple[EcsListener, ...]:
        return ECS_LISTENERS

    @property
    def ecs_port_variables(self) -> dict[str, str]:
        """Listener name -> the traffic check's environment variable naming its port."""
        return {listener.name: listener.port_variable for listener in ECS_LISTENERS}

    @property
    def ping_probe(self) -> str:
        """The Python the serving image's health check runs: the app's /ping on loopback (the
        image's HEALTHCHECK, and the ECS task's container health check)."""
        url = f"http://127.0.0.1:{SERVING_PORT}/ping"
        return f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)"

    @property
    def ecs_container_name(self) -> str:
        """The serving container of an ECS task definition."""
        return "model"

    @property
    def ecs_model_dir(self) -> str:
        """Where the serving app unpacks the model on ECS (a task volume; SageMaker's path)."""
        return "/opt/ml/model"

    @cached_property
    def ecs_deployment(self) -> EcsDeployment:
        """The ECS deployment strategy of the deployment_strategy answers."""
        o = self.options
        if o.deployment_strategy == "canary":
            return EcsDeployment("CANARY", o.wait_minutes, percent=o.canary_percent)
        if o.deployment_strategy == "linear":
            return EcsDeployment("LINEAR", o.wait_minutes, percent=o.linear_step_percent)
        return EcsDeployment("BLUE_GREEN", o.wait_minutes)

    @cached_property
    def lambda_traffic_shift(self) -> LambdaTrafficShift:
        """The CodeDeploy deployment configuration of the deployment strategy answers."""
        o = self.options
        if o.deployment_strategy == "all-at-once":
            return LambdaTrafficShift("CodeDeployDefault.LambdaAllAtOnce")
        minutes = o.wait_minutes
        if o.deployment_strategy == "canary":
            if o.canary_percent == 10 and minutes in LAMBDA_CANARY_10_MINUTES:
                name = f"LambdaCanary10Percent{minutes}Minutes"
                return LambdaTrafficShift(f"CodeDeployDefault.{name}")
            return LambdaTrafficShift(
                routing="TimeBasedCanary", percent=o.canary_percent, interval_minutes=minutes
            )
        if o.linear_step_percent == 10 and minutes in LAMBDA_LINEAR_10_MINUTES:
            unit = "Minute" if minutes == 1 else "Minutes"
            name = f"LambdaLinear10PercentEvery{minutes}{unit}"
            return LambdaTrafficShift(f"CodeDeployDefault.{name}")
        return LambdaTrafficShift(
            routing="TimeBasedLinear", percent=o.linear_step_percent, interval_minutes=minutes
        )

    @property
    def rollback_alarm_source(self) -> AlarmSource:
        """The endpoint variant's metrics, the function's through its alias, or the ECS
        service's load balancer's."""
        if self.ecs_target:
            return AlarmSource(
                "ServiceName",
                "AWS/ApplicationELB",
                (("LoadBalancer", "!GetAtt LoadBalancer.LoadBalancerFullName"),),
            )
        if self.lambda_target:
            return AlarmSource(
                "FunctionName",
                "AWS/Lambda",
                (
                    ("FunctionName", "!Ref FunctionName"),
                    ("Resource", f"!Sub ${{FunctionName}}:{LAMBDA_ALIAS}"),
                ),
            )
        return AlarmSource(
            "EndpointName",
            "AWS/SageMaker",
            (("EndpointName", "!Ref EndpointName"), ("VariantName", VARIANT_NAME)),
        )

    @property
    def traffic_hooks(self) -> tuple[TrafficHook, ...]:
        return TRAFFIC_HOOKS

    @staticmethod
    def traffic_hook_name(stage: Stage, hook: TrafficHook) -> str:
        """The name of a stage's CodeDeploy hook function."""
        return fit(
            f"{stage.endpoint_name}-{hook.moment}-traffic", RULES["lambda-function"].max_length
        )

    def stage_functions(self, stage: Stage) -> list[str]:
        """A stage's Lambda functions: the one serving, then its CodeDeploy hooks; with ECS,
        the traffic check."""
        if self.ecs_target:
            return [self.traffic_check_name(stage)]
        if not self.lambda_target:
            return []
        return [stage.endpoint_name, *(self.traffic_hook_name(stage, h) for h in TRAFFIC_HOOKS)]

    @property
    def function_log_groups(self) -> list[str]:
        """The log group of each stage's serving function (Lambda's own naming)."""
        return self.function_log_groups_of(self.stages)

    @staticmethod
    def function_log_groups_of(stages: Iterable[Stage]) -> list[str]:
        """The log groups of the serving functions of ``stages``."""
        return [f"/aws/lambda/{stage.endpoint_name}" for stage in stages]

    @staticmethod
    def traffic_hook_log_group(stage: Stage) -> str:
        """The log group a stage's two hooks share."""
        return f"/aws/lambda/{stage.endpoint_name}-traffic-hooks"

    @property
    def traffic_hook_log_groups(self) -> list[str]:
        """The log groups of the stages' traffic checks: a Lambda stage's two CodeDeploy hooks
        share one; an ECS stage's check function has Lambda's own."""
        return self.traffic_hook_log_groups_of(self.stages)

    def traffic_hook_log_groups_of(self, stages: Iterable[Stage]) -> list[str]:
        """The log groups of the traffic checks of ``stages``."""
        if self.ecs_target:
            return [f"/aws/lambda/{self.traffic_check_name(stage)}" for stage in stages]
        return [self.traffic_hook_log_group(stage) for stage in stages]

    @property
    def service_log_groups(self) -> list[str]:
        """The log groups the model service stacks create, which their deploy role manages."""
        return self.service_log_groups_of(self.stages)

    def service_log_groups_of(self, stages: Iterable[Stage]) -> list[str]:
        """The log groups the model service stacks of ``stages`` create."""
        stages = tuple(stages)
        if self.ecs_target:
            return [
                *(self.ecs_log_group(stage) for stage in stages),
                *self.traffic_hook_log_groups_of(stages),
            ]
        if self.lambda_target:
            return [
                *self.function_log_groups_of(stages),
                *self.traffic_hook_log_groups_of(stages),
                *(self.api_access_log_group(stage) for stage in stages if self.api_gateway),
            ]
        return [f"/aws/sagemaker/Endpoints/{stage.endpoint_name}" for stage in stages]

    @property
    def api_integration_timeout_ms(self) -> int:
        """How long the HTTP API waits for the function: its timeout (lambda-api-timeout keeps
        it within the API's 30 seconds)."""
        return self.options.lambda_timeout_seconds * 1000

    @property
    def api_access_log_format(self) -> str:
        """One JSON line per request to an HTTP API: who called (the IAM principal that signed
        it), what, the answer and how long the function took."""
        fields = {
            "requestId": "requestId",
            "requestTime": "requestTime",
            "caller": "identity.userArn",
            "sourceIp": "identity.sourceIp",
            "routeKey": "routeKey",
            "status": "status",
            "responseLength": "responseLength",
            "integrationStatus": "integrationStatus",
            "integrationLatency": "integrationLatency",
            "integrationError": "integrationErrorMessage",
        }
        return json.dumps(
            {name: f"$context.{variable}" for name, variable in fields.items()},
            separators=(",", ":"),
        )

    @staticmethod
    def api_access_log_group(stage: Stage) -> str:
        """The access log group of a stage's HTTP API (lambda_endpoint=api-gateway)."""
        return f"/aws/apigateway/{stage.endpoint_name}"

    @staticmethod
    def codedeploy_group_name(stage: Stage) -> str:
        """The CodeDeploy deployment group shifting a stage's alias (its application is named
        after the function)."""
        return f"{stage.endpoint_name}-{LAMBDA_ALIAS}"

    @property
    def vpc_subnets(self) -> list[str]:
        """The subnets jobs and endpoints run in (none: SageMaker's own network)."""
        return id_list(self.options.vpc_subnet_ids)

    @property
    def vpc_security_groups(self) -> list[str]:
        return id_list(self.options.vpc_security_group_ids)

    @property
    def project_network(self) -> dict[str, list[str]]:
        """The answered network under the keys of a VpcConfig (and of the StageNetwork
        mapping): ``Subnets`` and ``SecurityGroupIds``."""
        return {"Subnets": self.vpc_subnets, "SecurityGroupIds": self.vpc_security_groups}

    @property
    def model_networks(self) -> dict[str, dict[str, Any]]:
        """Stage name -> its model's VpcConfig when the stages run in more than one network:
        the answered subnets and groups in the tooling account, the org profile's network in a
        stage account of its own (empty: one network for every stage, or none); with ECS, the
        stage's ``VpcId`` too."""
        profile = self.options.profile
        if not self.vpc_subnets or not self.cross_account_stages or profile is None:
            return {}
        networks: dict[str, dict[str, Any]] = {}
        for stage in self.stages:
            networks[stage.name] = dict(self.project_network)
            vpc = self.options.vpc_id.strip()
            if stage in self.cross_account_stages:
                network = profile.networks[stage.name]
                networks[stage.name] = {
                    "Subnets": list(network.subnet_ids),
                    "SecurityGroupIds": list(network.security_group_ids),
                }
                vpc = network.vpc_id
            # An ECS service's load balancer, target groups and security groups are created in
            # the stage's VPC.
            if self.ecs_target:
                networks[stage.name]["VpcId"] = vpc
        return networks

    @property
    def stage_account_networks(self) -> list[dict[str, Any]]:
        """The networks the org profile names for the stage accounts, one per stage (its
        ``model_networks`` entry with ``stage``): what the stage-account stack's roles may
        attach to. With two, ``condition`` names the stack's condition choosing the first."""
        if not self.model_networks:
            return []
        return [
            {
                **self.model_networks[stage.name],
                "stage": stage.name,
                "condition": self.network_condition(stage),
            }
            for stage in self.cross_account_stages
        ]

    @staticmethod
    def network_condition(stage: Stage) -> str:
        """The condition, in a template taking Stage, that the stage's network is the one."""
        return f"{stage.title}Network"

    @property
    def stage_network_conditions(self) -> dict[str, str]:
        """Stage name -> its network's condition, when the stages run in more than one network
        (the model service template's Conditions)."""
        if not self.model_networks:
            return {}
        return {stage.name: self.network_condition(stage) for stage in self.stages}

    @property
    def ecs_client_ingress(self) -> list[dict[str, Any]]:
        """Who may call an ECS stage's load balancer when the stages run in more than one
        network: a rule (``logical_id``, ``condition``, ``group``, ``listener``) per stage,
        client group and listener, each under its stage's condition, since a mapping cannot
        give the load balancer's security group a varying number of inline rules."""
        if not self.ecs_target or not self.model_networks:
            return []
        return [
            {
                "logical_id": f"{stage.title}Caller{index}To{listener.logical_id}",
                "condition": self.network_condition(stage),
                "group": group,
                "listener": listener,
            }
            for stage in self.stages
            for index, group in enumerate(self.model_networks[stage.name]["SecurityGroupIds"], 1)
            for listener in ECS_LISTENERS
        ]

    @property
    def stage_network_condition(self) -> dict[str, Any] | None:
        """The stage-account stack's condition between two stage networks (the first's
        ``condition`` and ``stage``), or None when the stack knows at most one."""
        networks = self.stage_account_networks
        return networks[0] if len(networks) > 1 else None

    @property
    def tooling_stages(self) -> tuple[Stage, ...]:
        """The stages served in the tooling account."""
        return tuple(stage for stage in self.stages if stage not in self.cross_account_stages)

    @property
    def instance_store_types(self) -> list[str]:
        """The stages' endpoint instance types with local instance store: SageMaker encrypts
        it in hardware, and an endpoint config naming a KMS key for them is refused."""
        if self.serverless or self.batch:
            return []
        types = {stage.instance_type for stage in self.stages}
        return sorted(t for t in types if not has_ebs_volumes(t))

    @property
    def serverless(self) -> bool:
        return self.options.inference == "serverless"

    @property
    def asynchronous(self) -> bool:
        return self.options.inference == "async"

    @property
    def batch(self) -> bool:
        """Batch transform: each stage scores S3 data through a pipeline; no endpoint."""
        return self.options.inference == "batch"

    @property
    def has_data_bucket(self) -> bool:
        """The platform keeps a data bucket: for new training data or for batch input and
        output."""
        return self.retrains_on_new_data or self.batch

    @property
    def data_bucket_purpose(self) -> list[str]:
        """What the data bucket holds, one comment line each."""
        lines = []
        if self.retrains_on_new_data:
            lines.append("Training data; new objects under the data prefix start retraining.")
        if self.batch:
            lines.append(
                "Batch scoring: each stage's input under batch/<stage>/input/, its results "
                "under batch/<stage>/output/."
            )
        return lines

    @staticmethod
    def batch_prefix(stage: Stage | str, kind: str) -> str:
        """A stage's batch location in the data bucket: ``input`` (what scheduled runs score;
        each new object there is scored on its own), ``output`` (then the execution id) or
        ``smoke`` (the deployment's smoke test, which no rule watches). ``stage`` may be a
        CloudFormation substitution such as ``${Stage}``."""
        assert kind in ("input", "output", "smoke")
        name = stage if isinstance(stage, str) else stage.name
        return f"batch/{name}/{kind}/"

    @property
    def batch_prefixes(self) -> dict[str, dict[str, str]]:
        """Stage name -> kind -> prefix (see :meth:`batch_prefix`)."""
        return {
            stage.name: {
                kind: self.batch_prefix(stage, kind) for kind in ("input", "output", "smoke")
            }
            for stage in self.stages
        }

    @property
    def batch_scheduled_stage(self) -> Stage | None:
        """The stage the batch schedule scores: production (staging has no steady input)."""
        return self.stages[-1] if self.batch and self.options.batch_schedule else None

    @property
    def batch_scores_new_data(self) -> bool:
        return self.batch and self.options.batch_on_new_data == "yes"

    @property
    def batch_trigger_phrase(self) -> str:
        """What starts batch scoring, in words, for descriptions."""
        triggers = []
        if self.batch_scheduled_stage:
            triggers.append("A schedule (production's whole input)")
        if self.batch_scores_new_data:
            triggers.append("new objects in a stage's batch input prefix")
        phrase = " and ".join(triggers)
        return phrase[:1].upper() + phrase[1:]

    @property
    def alert_alarms(self) -> list[str]:
        """Logical ids of the retraining stack's alarms that notify the alerts topic."""
        alarms = ["DeadLetterAlarm"]
        if self.retrains_on_drift:
            alarms.append("DriftAlarm")
        if self.batch:
            alarms.append("BatchLaunchFailuresAlarm")
        return alarms

    @property
    def failure_rules(self) -> list[str]:
        """Logical ids of the retraining stack's rules that report a failed run to the alerts
        topic: the training pipeline's (the Airflow DAG reports its own) and the batch
        scoring's."""
        rules = [] if self.airflow else ["TrainingFailedRule"]
        if self.batch:
            rules.append("BatchFailedRule")
        return rules

    @property
    def dead_lettered_rules(self) -> list[str]:
        """Logical ids of the retraining stack's rules, whose targets dead-letter to its queue."""
        rules = ["ModelApprovedRule"]
        if not self.airflow:
            rules.append("TrainingFailedRule")
        if self.has_schedule:
            rules.append("RetrainScheduleRule")
        if self.retrains_on_new_data:
            rules.append("NewDataRule")
        if self.retrains_on_drift:
            rules += ["DriftCheckRule", "DriftRule"]
        if self.batch:
            rules.append("BatchFailedRule")
            if self.batch_scheduled_stage:
                rules.append("BatchScheduleRule")
            if self.batch_scores_new_data:
                rules += [f"{stage.title}BatchInputRule" for stage in self.stages]
        return rules

    @property
    def stage_dead_lettered_rules(self) -> list[str]:
        """Logical ids of a stage account's rules forwarding batch events to the tooling bus."""
        if not self.cross_account_batch:
            return []
        return [
            *(["ForwardBatchInputRule"] if self.batch_scores_new_data else []),
            "ForwardBatchFailuresRule",
        ]

    @property
    def access_log_sources(self) -> list[tuple[str, str]]:
        """(log prefix, logical id) of the platform's buckets that log to its access logs
        bucket."""
        sources = [("artifacts/", "ArtifactBucket")]
        if self.has_data_bucket:
            sources.append(("data/", "DataBucket"))
        return sources

    @property
    def tooling_batch_stages(self) -> list[Stage]:
        """The stages whose batch pipeline is in the tooling account (the launcher starts the
        others through their batch starter roles)."""
        return [stage for stage in self.stages if stage not in self.cross_account_stages]

    @property
    def upserted_pipelines(self) -> list[str]:
        """The SageMaker pipelines `make train` upserts: the training pipeline (unless the
        Airflow DAG trains) and the drift check."""
        pipelines = [] if self.airflow else [self.sagemaker_pipeline_name]
        if self.retrains_on_drift:
            pipelines.append(self.drift_pipeline_name)
        return pipelines

    @property
    def batch_launcher_log_group(self) -> str:
        return f"/aws/vendedlogs/states/{self.names['batch-launcher']}"

    @property
    def scales_to_zero(self) -> bool:
        """An asynchronous endpoint whose autoscaling may remove every instance: it needs a
        step policy that adds one when requests wait without capacity."""
        return self.asynchronous and self.options.autoscaling_min_capacity == 0

    @property
    def async_topic_names(self) -> list[str]:
        """The SNS topics asynchronous endpoints report results and errors to, every stage."""
        return self.async_topic_names_of(self.stages)

    def async_topic_names_of(self, stages: Iterable[Stage]) -> list[str]:
        """The SNS topics of the asynchronous endpoints of ``stages``."""
        if not self.asynchronous:
            return []
        return [
            f"{stage.endpoint_name}-async-{outcome}"
            for stage in stages
            for outcome in ("success", "errors")
        ]

    @property
    def async_output_prefix(self) -> str:
        """Where in the artifact bucket asynchronous endpoints read requests and write
        results (then the endpoint name)."""
        return "async-inference"

    @property
    def provisioned_concurrency(self) -> int:
        """Serverless provisioned concurrency (0: none, and no autoscaling)."""
        return self.options.serverless_provisioned_concurrency if self.serverless else 0

    @property
    def serving_summary(self) -> str:
        """How the endpoints serve, for the README."""
        if self.ecs_target:
            return (
                "Amazon ECS services on Fargate running the project's image behind internal "
                "Application Load Balancers, traffic shifted by ECS blue/green deployments"
            )
        if self.lambda_target:
            return (
                "AWS Lambda functions running the project's image behind "
                + ("API Gateway HTTP APIs" if self.api_gateway else "function URLs")
                + ", traffic shifted by CodeDeploy"
            )
        if self.serverless:
            return "SageMaker serverless endpoints"
        if self.asynchronous:
            return "SageMaker asynchronous endpoints (requests and results in S3, outcomes on SNS)"
        if self.batch:
            return "SageMaker batch transform, one scoring pipeline per stage (no endpoint)"
        return "SageMaker real-time endpoints"

    def capacity_summary(self, stage: Stage) -> str:
        """One stage's capacity, for the README."""
        o = self.options
        if self.lambda_target:
            return (
                f"Lambda, {o.lambda_memory_mb} MB, {o.lambda_timeout_seconds} s per invocation, "
                "scaled by Lambda per request"
            )
        if self.batch:
            return (
                f"{stage.instance_count} \N{MULTIPLICATION SIGN} `{stage.instance_type}` per "
                "transform job"
            )
        if self.ecs_target:
            fleet = (
                f"Fargate tasks of {o.ecs_cpu} CPU units and {o.ecs_memory_mb} MiB, autoscaling "
                f"{o.autoscaling_min_capacity}\N{EN DASH}{o.autoscaling_max_capacity}"
            )
            tracked = {
                "invocations": f"{o.autoscaling_target_invocations} requests per task per minute",
                "cpu": f"{o.autoscaling_target_cpu_percent}% CPU of the tasks",
                "latency": f"{o.autoscaling_target_latency_ms} ms average response time",
            }[o.autoscaling_metric]
            return f"{fleet} on {tracked}"
        fleet = (
            f"{stage.instance_count} \N{MULTIPLICATION SIGN} `{stage.instance_type}`, "
            f"autoscaling {o.autoscaling_min_capacity}\N{EN DASH}{o.autoscaling_max_capacity}"
        )
        if self.asynchronous:
            return (
                f"{fleet} on {o.async_backlog_target} queued requests per instance, "
                f"{o.async_max_concurrent_invocations} processed at once per instance"
                + ("; scales to zero and back when a request waits" if self.scales_to_zero else "")
            )
        if not self.serverless:
            tracked = {
                "invocations": f"{o.autoscaling_target_invocations} invocations per instance "
                "per minute",
                "cpu": f"{o.autoscaling_target_cpu_percent}% CPU of each instance",
                "latency": f"{o.autoscaling_target_latency_ms} ms average model latency",
            }[o.autoscaling_metric]
            return f"{fleet} on {tracked}"
        summary = (
            f"serverless, {o.serverless_memory_mb} MB, up to {o.serverless_max_concurrency} "
            "concurrent invocations"
        )
        if self.provisioned_concurrency:
            summary += (
                f"; provisioned concurrency autoscaled {self.provisioned_concurrency}\N{EN DASH}"
                f"{o.serverless_max_concurrency} at {PROVISIONED_UTILIZATION_TARGET:.0%} "
                "utilisation"
            )
        return summary

    def stage_parameters(self, stage: Stage) -> dict[str, str]:
        """The model-service stack's parameters for one stage (CloudFormation parameter
        files take strings)."""
        o = self.options
        if self.ecs_target:
            policy = self.tracking_policy
            assert policy is not None and policy.parameter
            blue, green = self.target_group_names(stage)
            return {
                "Stage": stage.name,
                "ServiceName": stage.endpoint_name,
                "LoadBalancerName": self.load_balancer_name(stage),
                "BlueTargetGroupName": blue,
                "GreenTargetGroupName": green,
                "TrafficCheckName": self.traffic_check_name(stage),
                "Cpu": str(o.ecs_cpu),
                "Memory": str(o.ecs_memory_mb),
                "MinCapacity": str(o.autoscaling_min_capacity),
                "MaxCapacity": str(o.autoscaling_max_capacity),
                policy.parameter: str(self._tracking_target(stage)),
            }
        if self.lambda_target:
            return {
                "Stage": stage.name,
                "FunctionName": stage.endpoint_name,
                **{hook.parameter: self.traffic_hook_name(stage, hook) for hook in TRAFFIC_HOOKS},
                "TrafficHookLogGroup": self.traffic_hook_log_group(stage),
                "DeploymentGroupName": self.codedeploy_group_name(stage),
                "MemorySize": str(o.lambda_memory_mb),
                "Timeout": str(o.lambda_timeout_seconds),
            }
        if self.batch:
            return {
                "Stage": stage.name,
                "BatchPipelineName": stage.batch_pipeline_name,
                "InstanceType": stage.instance_type,
                "InstanceCount": str(stage.instance_count),
            }
        parameters = {"Stage": stage.name, "EndpointName": stage.endpoint_name}
        if self.serverless:
            parameters |= {
                "MemorySizeInMB": str(o.serverless_memory_mb),
                "MaxConcurrency": str(o.serverless_max_concurrency),
            }
            if self.provisioned_concurrency:
                parameters["ProvisionedConcurrency"] = str(self.provisioned_concurrency)
            return parameters
        policy = self.tracking_policy
        assert policy is not None and policy.parameter
        return parameters | {
            "InstanceType": stage.instance_type,
            "InstanceCount": str(stage.instance_count),
            "MinCapacity": str(o.autoscaling_min_capacity),
            "MaxCapacity": str(o.autoscaling_max_capacity),
            policy.parameter: str(self._tracking_target(stage)),
        }

    @property
    def scalable_target(self) -> ScalableTarget | None:
        """What the model service's autoscaling sizes (none for batch transform, a Lambda
        function or an on-demand serverless endpoint)."""
        if self.ecs_target:
            return ScalableTarget(
                "ecs", "ecs:service:DesiredCount", "service/${Cluster}/${Service.Name}"
            )
        if self.batch or self.lambda_target:
            return None
        variant = f"endpoint/${{Endpoint.EndpointName}}/variant/{VARIANT_NAME}"
        if self.serverless:
            if not self.provisioned_concurrency:
                return None
            return ScalableTarget(
                "sagemaker",
                "sagemaker:variant:DesiredProvisionedConcurrency",
                variant,
                "ProvisionedConcurrency",
                "MaxConcurrency",
            )
        return ScalableTarget("sagemaker", "sagemaker:variant:DesiredInstanceCount", variant)

    @property
    def tracking_dimensions(self) -> tuple[tuple[str, str], ...]:
        """The dimensions of the tracked metric: those of the metrics the rollback alarms
        watch, the first alone unless the policy tracks a metric per variant."""
        policy = self.tracking_policy
        dimensions = self.rollback_alarm_source.dimensions
        return dimensions if policy and policy.per_variant else dimensions[:1]

    @property
    def tracking_metric_queries(self) -> tuple[MetricQuery, ...]:
        """The metric math an ECS service's requests-per-task target tracks: the load
        balancer's requests over Container Insights' running tasks (none: one metric)."""
        if not (self.ecs_target and self.options.autoscaling_metric == "invocations"):
            return ()
        return (
            MetricQuery(
                "requests",
                "AWS/ApplicationELB",
                "RequestCount",
                self.rollback_alarm_source.dimensions,
                "Sum",
            ),
            MetricQuery(
                "tasks",
                "ECS/ContainerInsights",
                "RunningTaskCount",
                (("ClusterName", "!Ref Cluster"), ("ServiceName", "!GetAtt Service.Name")),
                "Average",
            ),
            MetricQuery(
                "requests_per_task",
                expression="requests / MAX([tasks, 1])",
                label="Requests per task per minute",
            ),
        )

    @cached_property
    def tracking_policy(self) -> TrackingPolicy | None:
        """What autoscaling tracks (none for an on-demand serverless endpoint, which scales
        itself, for batch transform, or for a Lambda function, which Lambda scales)."""
        if self.batch or self.lambda_target:
            return None
        if self.ecs_target:
            return ECS_TRACKING[self.options.autoscaling_metric]
        if self.serverless:
            if not self.provisioned_concurrency:
                return None
            return TrackingPolicy(
                "ProvisionedConcurrencyScalingPolicy",
                "provisioned-concurrency",
                fixed_target=str(PROVISIONED_UTILIZATION_TARGET),
                predefined_metric="SageMakerVariantProvisionedConcurrencyUtilization",
            )
        if self.asynchronous:
            return TrackingPolicy(
                "BacklogScalingPolicy",
                "backlog-per-instance",
                "TargetBacklogPerInstance",
                "Queued requests per instance that autoscaling aims for.",
                namespace="AWS/SageMaker",
                metric_name="ApproximateBacklogSizePerInstance",
                scale_in_cooldown=600,
                scale_out_cooldown=300,
            )
        return {
            "cpu": TrackingPolicy(
                "CpuScalingPolicy",
                "cpu-utilization",
                "TargetCpuUtilization",
                "Target CPUUtilization, which adds up the vCPUs (the percent times the vCPUs).",
                namespace="/aws/sagemaker/Endpoints",
                metric_name="CPUUtilization",
                per_variant=True,
            ),
            "latency": TrackingPolicy(
                "LatencyScalingPolicy",
                "model-latency",
                "TargetModelLatencyMicroseconds",
                "Target average model latency, below the rollback alarm's threshold.",
                namespace="AWS/SageMaker",
                metric_name="ModelLatency",
                per_variant=True,
            ),
            "invocations": TrackingPolicy(
                "InvocationsScalingPolicy",
                "invocations-per-instance",
                "TargetInvocationsPerInstance",
                predefined_metric="SageMakerVariantInvocationsPerInstance",
            ),
        }[self.options.autoscaling_metric]

    def _tracking_target(self, stage: Stage) -> float:
        """One stage's value of the tracking policy's target parameter."""
        o = self.options
        if self.asynchronous:
            return o.async_backlog_target
        if self.ecs_target:
            return {
                "cpu": o.autoscaling_target_cpu_percent,
                "latency": o.autoscaling_target_latency_ms / 1000,
                "invocations": o.autoscaling_target_invocations,
            }[o.autoscaling_metric]
        if o.autoscaling_metric == "cpu":
            # SageMaker's CPUUtilization adds up every vCPU (400 % on four).
            return o.autoscaling_target_cpu_percent * (vcpus(stage.instance_type) or 1)
        if o.autoscaling_metric == "latency":
            return o.autoscaling_target_latency_ms * 1000
        return o.autoscaling_target_invocations

    @property
    def scheduled_capacities(self) -> list[ScheduledCapacity]:
        """Scheduled capacity changes of the instance fleet or ECS tasks (none on serverless
        endpoints, batch transform or Lambda)."""
        if self.serverless or self.batch or self.lambda_target:
            return []
        return scheduled_capacities(self.options.autoscaling_schedule)

    @cached_property
    def branches(self) -> BranchPolicy:
        return branch_policy(self.options.branch_model, tuple(s.name for s in self.stages))

    @property
    def release_tag_pattern(self) -> str:
        return RELEASE_TAG_PATTERN

    @property
    def tags_releases(self) -> bool:
        """gitflow tags each production release ``v<version>`` on main."""
        return self.options.branch_model == "gitflow"

    @cached_property
    def deploy_pipelines(self) -> tuple[DeployPipeline, ...]:
        """CodePipeline deploy pipelines: one per group of branches deploying the same stages."""
        by_name = {stage.name: stage for stage in self.stages}
        groups = self.branches.deploy_groups()
        approval = self.branches.model_approval_deploys
        return tuple(
            DeployPipeline(
                f"{self.name_base}-deploy"
                if len(groups) == 1
                else f"{self.name_base}-deploy-" + "-".join(stages),
                tuple(by_name[name] for name in stages),
                rules,
                starts_on_model_approval=stages == approval,
                tags_release=self.tags_releases and stages[-1] == self.stages[-1].name,
            )
            for stages, rules in groups
        )

    @property
    def model_approval_pipeline(self) -> DeployPipeline:
        return next(p for p in self.deploy_pipelines if p.starts_on_model_approval)

    @cached_property
    def deploy_jobs(self) -> tuple[DeployJob, ...]:
        """GitHub Actions deploy jobs in order. A stage deployed by the same branches as the
        stage before it follows that job and deploys the model package it deployed; otherwise
        it follows the build and resolves the newest Approved package itself."""
        jobs: list[DeployJob] = []
        approval_stages = self.branches.model_approval_deploys
        for stage in self.stages:
            rules = self.branches.branches_deploying(stage.name)
            conditions = [rule.github_condition for rule in rules]
            if stage.name in approval_stages:
                conditions.append("github.event_name == 'repository_dispatch'")
            previous = jobs[-1] if jobs else None
            chained = previous is not None and rules == self.branches.branches_deploying(
                previous.stage.name
            )
            jobs.append(
                DeployJob(
                    id=f"deploy-{stage.environment}",
                    stage=stage,
                    needs=previous.id if chained and previous else "build",
                    condition=" || ".join(conditions),
                    model_from=previous.id if chained and previous else None,
                )
            )
        return tuple(jobs)

    @property
    def ci_jobs(self) -> tuple[tuple[str, str], ...]:
        """Pull-request checks as (name GitHub shows, Makefile target): the workflow jobs
        (GitHub Actions) or the one CodeBuild project's status context (CodePipeline)."""
        if self.github_actions:
            return (("lint", "lint"), ("test", "test"))
        return ((f"{self.slug}/lint-and-test", "lint test"),)

    @property
    def ci_checks(self) -> tuple[str, ...]:
        """The status checks the rulesets require: exactly the names CI reports."""
        return tuple(name for name, _ in self.ci_jobs)

    @cached_property
    def rulesets(self) -> dict[str, dict[str, object]]:
        """Repository rulesets in GitHub's format, by file name."""
        from mlopscutter.github_rulesets import rulesets

        return rulesets(self)

    @cached_property
    def traffic_routing(self) -> TrafficRouting:
        o = self.options
        values = o.as_answers()
        size = {"canary": o.canary_percent, "linear": o.linear_step_percent}.get(
            o.deployment_strategy
        )
        wait = o.wait_minutes * 60
        return TrafficRouting(
            type=o.deployment_strategy.upper().replace("-", "_"),
            size_percent=size,
            wait_seconds=wait,
            termination_wait_seconds=wait,
            max_execution_timeout_seconds=deployment_timeout_seconds(values),
            steps=traffic_steps(values),
        )

    @property
    def strategy_summary(self) -> str:
        o = self.options
        if self.batch:
            return "the next transform run uses the new model"
        wait = f"{o.wait_minutes} min"
        if self.ecs_target:
            if o.deployment_strategy == "canary":
                return (
                    f"ECS canary: {o.canary_percent}% of requests first, the rest after {wait}, "
                    f"then bake {wait} before the old tasks stop"
                )
            if o.deployment_strategy == "linear":
                return (
                    f"ECS linear: {o.linear_step_percent}% more of the requests every {wait}, "
                    f"then bake {wait} before the old tasks stop"
                )
            return (
                f"ECS blue/green: every request at once, then bake {wait} before the old tasks stop"
            )
        if self.lambda_target:
            shift = self.lambda_traffic_shift
            config = f"CodeDeploy `{shift.config_name or 'custom ' + shift.routing}`"
            if o.deployment_strategy == "canary":
                return f"{config}: {o.canary_percent}% of requests first, the rest after {wait}"
            if o.deployment_strategy == "linear":
                return f"{config}: {o.linear_step_percent}% more of the requests every {wait}"
            return f"{config}: every request moves to the new version at once"
        if o.deployment_strategy == "canary":
            return f"canary: {o.canary_percent}% of capacity first, bake {wait}, then the rest"
        if o.deployment_strategy == "linear":
            return (
                f"linear: {o.linear_step_percent}% of capacity per step, "
                f"{self.traffic_routing.steps} steps, bake {wait} after each"
            )
        return f"all at once, then bake {wait} before the old fleet is removed"

    @property
    def spot_training(self) -> bool:
        return self.options.training_spot == "yes"

    @property
    def training_max_runtime_seconds(self) -> int:
        return self.options.training_max_runtime_minutes * 60

    @property
    def training_max_wait_seconds(self) -> int | None:
        """The spot job's MaxWaitTimeInSeconds; None without spot training."""
        return self.options.training_max_wait_minutes * 60 if self.spot_training else None

    @property
    def new_data_prefix(self) -> str:
        """Where new training data lands in the data bucket; empty without the trigger."""
        return self.options.new_data_prefix if self.retrains_on_new_data else ""

    @property
    def retrains_on_new_data(self) -> bool:
        return self.options.retrain_on_new_data == "yes"

    @property
    def new_data_key_pattern(self) -> str:
        """The EventBridge wildcard that matches new data keys: prefix, anything, suffix (the
        answers cannot hold "*" or "\\", so nothing in them is a wildcard)."""
        return f"{self.options.new_data_prefix}*{self.options.new_data_suffix}"

    @property
    def retraining_triggers(self) -> tuple[str, ...]:
        """The triggers that start retraining through the guard: ``schedule``, ``new-data``."""
        triggers = []
        if self.has_schedule:
            triggers.append("schedule")
        if self.retrains_on_new_data:
            triggers.append("new-data")
        if self.retrains_on_drift:
            triggers.append("drift")
        return tuple(triggers)

    @property
    def retrains_on_drift(self) -> bool:
        return self.options.retrain_on_drift == "yes"

    @property
    def drift_stage(self) -> Stage:
        """The stage whose endpoint the drift check watches: production."""
        return self.stages[-1]

    @property
    def sagemaker_metric_namespaces(self) -> list[str]:
        """The CloudWatch namespaces SageMaker's jobs and containers publish metrics to: its
        own, and the drift check's."""
        drift = [self.drift_metric_namespace] if self.retrains_on_drift else []
        return ["/aws/sagemaker/*", *drift]

    @property
    def drift_metric_namespace(self) -> str:
        """The CloudWatch namespace the drift check publishes to (scoped in IAM)."""
        return f"{self.name_base}/Drift"

    @property
    def data_capture_prefix(self) -> str:
        """Where in the artifact bucket the endpoints capture requests (then the endpoint,
        variant, and date)."""
        return "data-capture"

    @property
    def drift_psi_threshold(self) -> float:
        return DRIFT_PSI_THRESHOLD

    @property
    def drift_lookback_hours(self) -> int:
        """How many hours of captured requests each check reads: the interval of a rate(...)
        schedule (at least one hour), a day for a cron(...) one."""
        match = re.fullmatch(
            r"rate\((\d+) (minute|hour|day)s?\)", self.options.drift_check_schedule
        )
        if match is None:
            return 24
        hours_per_unit = {"minute": 1 / 60, "hour": 1, "day": 24}[match[2]]
        return max(1, math.ceil(int(match[1]) * hours_per_unit))

    @property
    def retraining_trigger_phrase(self) -> str:
        """The retraining triggers in words, for descriptions."""
        words = {
            "schedule": "a schedule",
            "new-data": "new data in the data bucket",
            "drift": "input drift on the production endpoint",
        }
        if len(self.retraining_triggers) > 2:
            *first, last = (words[trigger] for trigger in self.retraining_triggers)
            return f"{', '.join(first)} and {last}"
        return " and ".join(words[trigger] for trigger in self.retraining_triggers)

    @property
    def retrain_guard_log_group(self) -> str:
        # Step Functions delivers logs as vended logs: this prefix keeps the resource policy
        # CloudWatch Logs needs within its size limit.
        return f"/aws/vendedlogs/states/{self.names['retrain-guard']}"

    @property
    def has_schedule(self) -> bool:
        return self.options.retrain_schedule != ""

    @property
    def delivery_nodes(self) -> tuple[FlowNode, ...]:
        """Nodes of the delivery-flow diagram drawn from the answers."""
        nodes = [
            FlowNode(self._node_id(rule), f"push to {rule.pattern}", ("([", "])"))
            for rule in self.branches.deploying
        ]
        nodes += [
            FlowNode("build", "build: lint, unit tests, cfn-lint"),
            *[
                FlowNode(
                    stage.name,
                    f"deploy {self.served_by(stage)}",
                )
                for stage in self.stages
            ],
            FlowNode("smoke", "smoke test"),
            FlowNode("approval", "manual approval", ("{", "}")),
            FlowNode(
                "train",
                "Airflow training DAG (MWAA)" if self.airflow else "SageMaker training pipeline",
                ("[[", "]]"),
            ),
            FlowNode("registry", "model registry", ("[(", ")]")),
        ]
        if self.has_schedule:
            nodes.append(FlowNode("schedule", self.options.retrain_schedule, ("([", "])")))
        return tuple(nodes)

    @property
    def delivery_flow(self) -> tuple[FlowEdge, ...]:
        """Edges of the delivery-flow diagram drawn from the answers."""
        staging, prod = self.stages
        edges = [
            FlowEdge(self._node_id(rule), "build", f"deploys {' then '.join(rule.deploys)}")
            for rule in self.branches.deploying
        ]
        edges += [
            FlowEdge("build", staging.name, "newest Approved model"),
            FlowEdge(staging.name, "smoke", self.strategy_summary),
        ]
        prod_branches = self.branches.branches_deploying(prod.name)
        if prod_branches == self.branches.branches_deploying(staging.name):
            edges.append(FlowEdge("smoke", "approval", "serves the expected model"))
        else:
            branch = " or ".join(rule.pattern for rule in prod_branches)
            edges.append(FlowEdge("build", "approval", f"release: push to {branch}"))
        integration = next(
            rule for rule in self.branches.rules if rule.pattern == self.branches.integration_branch
        )
        edges += [
            FlowEdge("approval", prod.name, self.strategy_summary),
            FlowEdge(self._node_id(integration), "train", "src/ changed", dotted=True),
            FlowEdge("train", "registry", "ROC AUC above threshold"),
            FlowEdge("registry", "build", "package Approved"),
        ]
        if self.has_schedule:
            edges.append(FlowEdge("schedule", "train", "EventBridge rule", dotted=True))
        return tuple(edges)

    @staticmethod
    def _node_id(rule: BranchRule) -> str:
        return "push_" + "".join(c if c.isalnum() else "_" for c in rule.pattern)


def build_context(options: Options) -> ProjectContext:
    """The derived context for ``options`` (cheap; computed once per render by the caller)."""
    return ProjectContext(options)
