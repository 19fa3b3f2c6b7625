"""One declaration per option, and the typed :class:`Options` built from answers.

Adding an option means adding one :class:`OptionSpec` to :data:`OPTION_SPECS` (and a field to
:class:`Options`); ``cookiecutter.json`` is generated from these declarations and a test fails
when the two disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mlopscutter.errors import OptionError, ValidationErrors

if TYPE_CHECKING:
    from mlopscutter.profile import OrgProfile

Kind = Literal["text", "int", "choice"]


@dataclass(frozen=True)
class OptionSpec:
    """The declaration of one option: its name, type, default, help and when it applies.

    ``default`` may be a cookiecutter Jinja expression (``{{ cookiecutter.x }}``) for derived
    defaults; ``supported`` lists the choices this version renders (the others are declared,
    shown at the prompt, and rejected with a "not supported yet" error).
    """

    name: str
    kind: Kind
    default: str | int
    help: str
    choices: tuple[str, ...] = ()
    supported: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    applies: Callable[[Mapping[str, Any]], bool] = field(default=lambda _: True, repr=False)
    applies_text: str = ""
    samples: tuple[str, ...] = ()

    def matrix_values(self) -> tuple[str | int, ...]:
        """Representative values for the pairwise matrix: supported choices, the bounds and
        default of integers, the declared samples of text."""
        if self.kind == "choice":
            return self.supported
        if self.kind == "int":
            assert self.minimum is not None and self.maximum is not None
            return tuple(dict.fromkeys((self.minimum, self.default, self.maximum)))
        return self.samples or (self.default,)

    def cookiecutter_default(self) -> str | int | list[str]:
        """The value this option takes in ``cookiecutter.json`` (a list for choices)."""
        if self.kind == "choice":
            return [str(self.default), *[c for c in self.choices if c != self.default]]
        return self.default


def answered(option: str, value: str) -> Callable[[Mapping[str, Any]], bool]:
    """Applies when ``option`` has ``value``."""
    return lambda values: values.get(option) == value


def _when_strategy(strategy: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda values: on_endpoint(values) and values.get("deployment_strategy") == strategy


def on_sagemaker(values: Mapping[str, Any]) -> bool:
    """Whether SageMaker serves the model (not a Lambda function)."""
    return bool(values.get("deployment_target", "sagemaker") == "sagemaker")


def on_lambda(values: Mapping[str, Any]) -> bool:
    """Whether a Lambda function serves the model."""
    return values.get("deployment_target") == "lambda"


def on_ecs(values: Mapping[str, Any]) -> bool:
    """Whether an Amazon ECS service on Fargate serves the model."""
    return values.get("deployment_target") == "ecs"


def on_instances(values: Mapping[str, Any]) -> bool:
    """Whether the model runs on SageMaker instances the project sizes (not serverless)."""
    return on_sagemaker(values) and values.get("inference") != "serverless"


def on_endpoint(values: Mapping[str, Any]) -> bool:
    """Whether the model is served by an endpoint, which deployments shift traffic on (not
    batch transform)."""
    return values.get("inference") != "batch"


def autoscaled(values: Mapping[str, Any]) -> bool:
    """Whether the model is served by a SageMaker endpoint on an autoscaled instance fleet."""
    return on_sagemaker(values) and values.get("inference") in ("realtime", "async")


def scaled_fleet(values: Mapping[str, Any]) -> bool:
    """Whether autoscaling sizes what serves the model: a SageMaker endpoint's instances, or
    an ECS service's tasks."""
    return autoscaled(values) or on_ecs(values)


def tracks_metric(values: Mapping[str, Any]) -> bool:
    """Whether autoscaling tracks a chosen metric: on a real-time SageMaker endpoint or an
    ECS service."""
    return values.get("inference") == "realtime" and (on_sagemaker(values) or on_ecs(values))


def waits_after_shifts(values: Mapping[str, Any]) -> bool:
    """Whether deployments wait after shifting traffic: on every SageMaker endpoint and ECS
    service, and on a Lambda function that shifts it in steps (CodeDeploy shifts all at once
    without a wait)."""
    if not on_endpoint(values):
        return False
    return not on_lambda(values) or values.get("deployment_strategy") != "all-at-once"


def batch(values: Mapping[str, Any]) -> bool:
    return values.get("inference") == "batch"


def serverless(values: Mapping[str, Any]) -> bool:
    return values.get("inference") == "serverless"


def asynchronous(values: Mapping[str, Any]) -> bool:
    return values.get("inference") == "async"


ON_INSTANCES = "deployment_target is sagemaker and inference is not serverless"
ON_ENDPOINT = "inference is not batch"
SCALED_FLEET = "deployment_target is ecs, or sagemaker with inference realtime or async"
TRACKS_METRIC = "inference is realtime and deployment_target is sagemaker or ecs"
ON_LAMBDA = "deployment_target is lambda"
ON_ECS = "deployment_target is ecs"


def _realtime_on(metric: str) -> Callable[[Mapping[str, Any]], bool]:
    """Applies where autoscaling tracks ``metric`` (see :func:`tracks_metric`)."""
    return lambda values: tracks_metric(values) and values.get("autoscaling_metric") == metric


NASTY_TEXT = "Q3 \"churn\": #1 {{ x }} {% y %} ${z} #{w} `id` $(id) 'q' \\ déjà 東京"

# SageMaker's limit on a training job's MaxRuntimeInSeconds: 28 days.
MAX_TRAINING_MINUTES = 28 * 24 * 60

INSTANCE_TYPE_HELP = "a SageMaker ML instance type, e.g. ml.m5.large"

OPTION_SPECS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "project_name",
        "text",
        "Customer Churn",
        "Human-readable project name",
        samples=("Customer Churn", NASTY_TEXT),
    ),
    OptionSpec(
        "project_slug",
        "text",
        "{{ cookiecutter.project_name | mlops_slug }}",
        "Lower-case identifier used in every AWS resource name",
        samples=("abc", "a" * 32, "churn-model-2"),
    ),
    OptionSpec(
        "description",
        "text",
        "Predicts customer churn.",
        "One-line description",
        samples=("Predicts customer churn.", NASTY_TEXT + "\nsecond line: - [x]"),
    ),
    OptionSpec(
        "owner",
        "text",
        "ml-platform",
        "Owning team or person (used in tags)",
        samples=("ml-platform", "Risk ML <risk@example.com>", NASTY_TEXT),
    ),
    OptionSpec(
        "aws_region",
        "text",
        "us-east-1",
        "AWS Region code, e.g. eu-west-1",
        samples=("us-east-1", "eu-west-1", "ap-southeast-2", "il-central-1"),
    ),
    OptionSpec(
        "ci_provider",
        "choice",
        "codepipeline",
        "Delivery system: AWS CodePipeline or GitHub Actions",
        choices=("codepipeline", "github-actions"),
        supported=("codepipeline", "github-actions"),
    ),
    OptionSpec(
        "github_repository",
        "text",
        "example-org/{{ cookiecutter.project_slug }}",
        "GitHub repository as owner/name (source connection and OIDC trust)",
        samples=("acme/churn-model", "a-b/x.y_z"),
    ),
    OptionSpec(
        "code_owners",
        "text",
        "@{{ cookiecutter.github_repository | github_owner }}",
        "CODEOWNERS of the whole repository: GitHub users or teams, e.g. @acme/ml-platform",
        samples=("@acme", "@acme/ml-platform @jane-doe"),
    ),
    OptionSpec(
        "branch_model",
        "choice",
        "github-flow",
        "Branching model that drives pipeline triggers",
        choices=("github-flow", "gitflow"),
        supported=("github-flow", "gitflow"),
    ),
    OptionSpec(
        "deployment_target",
        "choice",
        "sagemaker",
        "What serves the model: SageMaker (endpoints or batch transform); an AWS Lambda "
        "function running the project's own image behind a function URL, its traffic shifted "
        "by CodeDeploy; or an Amazon ECS service on Fargate running that image behind an "
        "internal Application Load Balancer, its traffic shifted by ECS blue/green deployments",
        choices=("sagemaker", "lambda", "ecs"),
        supported=("sagemaker", "lambda", "ecs"),
    ),
    OptionSpec(
        "inference",
        "choice",
        "realtime",
        "How the model is served",
        choices=("realtime", "serverless", "async", "batch"),
        supported=("realtime", "serverless", "async", "batch"),
    ),
    OptionSpec(
        "container",
        "choice",
        "provided",
        "Serving image: the SageMaker image of the framework, or the project's own (byoc) in ECR",
        choices=("provided", "byoc"),
        supported=("provided", "byoc"),
    ),
    OptionSpec(
        "endpoint_kind",
        "choice",
        "single-model",
        "What serves a request: one model container; a multi-model endpoint (every approved "
        "model version under an S3 prefix, each request naming its target model); or a "
        "serial inference pipeline (a scikit-learn feature container, then the model's)",
        choices=("single-model", "multi-model", "serial-pipeline"),
        supported=("single-model", "multi-model", "serial-pipeline"),
    ),
    OptionSpec(
        "framework",
        "choice",
        "scikit-learn",
        "ML framework; its SageMaker image trains the model (and serves it when provided)",
        choices=("scikit-learn", "xgboost", "pytorch"),
        supported=("scikit-learn", "xgboost", "pytorch"),
    ),
    OptionSpec(
        "deployment_strategy",
        "choice",
        "canary",
        "How traffic moves to a new model version (SageMaker blue/green, CodeDeploy on a "
        "Lambda alias, or an ECS service's blue/green deployment)",
        choices=("canary", "linear", "all-at-once"),
        supported=("canary", "linear", "all-at-once"),
        applies=on_endpoint,
        applies_text=ON_ENDPOINT,
    ),
    OptionSpec(
        "canary_percent",
        "int",
        50,
        "Share of capacity that takes traffic first (canary)",
        minimum=1,
        maximum=50,
        applies=_when_strategy("canary"),
        applies_text="deployment_strategy is canary and inference is not batch",
    ),
    OptionSpec(
        "linear_step_percent",
        "int",
        50,
        "Share of capacity shifted per step (linear)",
        minimum=10,
        maximum=50,
        applies=_when_strategy("linear"),
        applies_text="deployment_strategy is linear and inference is not batch",
    ),
    OptionSpec(
        "wait_minutes",
        "int",
        10,
        "Baking period after each traffic shift, watched by the rollback alarms",
        minimum=0,
        maximum=60,
        applies=waits_after_shifts,
        applies_text="inference is not batch, and a Lambda target shifts traffic in steps",
    ),
    OptionSpec(
        "ecs_cpu",
        "int",
        1024,
        "CPU units of each ECS task on Fargate (1024 is one vCPU): 256, 512, 1024, 2048, "
        "4096, 8192 or 16384",
        minimum=256,
        maximum=16384,
        applies=on_ecs,
        applies_text=ON_ECS,
    ),
    OptionSpec(
        "ecs_memory_mb",
        "int",
        2048,
        "Memory of each ECS task in MiB, a Fargate size that goes with ecs_cpu (e.g. 2048 to "
        "8192 with 1024)",
        minimum=512,
        maximum=122880,
        applies=on_ecs,
        applies_text=ON_ECS,
    ),
    OptionSpec(
        "lambda_memory_mb",
        "int",
        2048,
        "Lambda function memory in MB (CPU is allotted in proportion)",
        minimum=128,
        maximum=10240,
        applies=on_lambda,
        applies_text=ON_LAMBDA,
    ),
    OptionSpec(
        "lambda_timeout_seconds",
        "int",
        30,
        "Longest a Lambda invocation may run, in seconds (the first one loads the model)",
        minimum=1,
        maximum=900,
        applies=on_lambda,
        applies_text=ON_LAMBDA,
    ),
    OptionSpec(
        "lambda_endpoint",
        "choice",
        "function-url",
        "How callers reach the Lambda function: its function URL, or an Amazon API Gateway "
        "HTTP API in front of it (a POST /invocations route, throttled and access-logged); "
        "both take IAM-signed requests",
        choices=("function-url", "api-gateway"),
        supported=("function-url", "api-gateway"),
        applies=on_lambda,
        applies_text=ON_LAMBDA,
    ),
    OptionSpec(
        "training_instance_type",
        "text",
        "ml.m5.xlarge",
        "Training " + INSTANCE_TYPE_HELP,
        samples=("ml.m5.xlarge", "ml.r5d.large"),
    ),
    OptionSpec(
        "staging_instance_type",
        "text",
        "ml.m5.large",
        "Staging " + INSTANCE_TYPE_HELP,
        samples=("ml.m5.large", "ml.c6i.xlarge", "ml.m5d.large"),
    ),
    OptionSpec(
        "staging_instance_count",
        "int",
        2,
        "Staging endpoint (or batch transform) instances",
        minimum=1,
        maximum=100,
        applies=on_instances,
        applies_text=ON_INSTANCES,
    ),
    OptionSpec(
        "prod_instance_type",
        "text",
        "ml.m5.large",
        "Production " + INSTANCE_TYPE_HELP,
        samples=("ml.m5.large", "ml.r5.xlarge"),
    ),
    OptionSpec(
        "prod_instance_count",
        "int",
        2,
        "Production endpoint (or batch transform) instances",
        minimum=1,
        maximum=100,
        applies=on_instances,
        applies_text=ON_INSTANCES,
    ),
    OptionSpec(
        "autoscaling_min_capacity",
        "int",
        2,
        "Autoscaling minimum instances (every stage); 0 scales an asynchronous endpoint to zero",
        minimum=0,
        maximum=100,
        applies=scaled_fleet,
        applies_text=SCALED_FLEET,
    ),
    OptionSpec(
        "autoscaling_max_capacity",
        "int",
        4,
        "Autoscaling maximum instances (every stage)",
        minimum=1,
        maximum=100,
        applies=scaled_fleet,
        applies_text=SCALED_FLEET,
    ),
    OptionSpec(
        "autoscaling_target_invocations",
        "int",
        100,
        "Target invocations per instance per minute (autoscaling_metric invocations)",
        minimum=1,
        maximum=100000,
        applies=_realtime_on("invocations"),
        applies_text=TRACKS_METRIC + " and autoscaling_metric is invocations",
    ),
    OptionSpec(
        "autoscaling_metric",
        "choice",
        "invocations",
        "What real-time autoscaling tracks: invocations per instance, CPU or model latency",
        choices=("invocations", "cpu", "latency"),
        supported=("invocations", "cpu", "latency"),
        applies=tracks_metric,
        applies_text=TRACKS_METRIC,
    ),
    OptionSpec(
        "autoscaling_target_cpu_percent",
        "int",
        70,
        "Target CPU use, in percent of each instance's vCPUs (autoscaling_metric cpu)",
        minimum=10,
        maximum=90,
        applies=_realtime_on("cpu"),
        applies_text=TRACKS_METRIC + " and autoscaling_metric is cpu",
    ),
    OptionSpec(
        "autoscaling_target_latency_ms",
        "int",
        200,
        "Target average model latency in milliseconds (autoscaling_metric latency)",
        minimum=1,
        maximum=999,
        applies=_realtime_on("latency"),
        applies_text=TRACKS_METRIC + " and autoscaling_metric is latency",
    ),
    OptionSpec(
        "autoscaling_schedule",
        "text",
        "",
        "Scheduled capacity changes, ';'-separated '<cron(...) or rate(...)> <min>-<max>', e.g. "
        "'cron(0 8 ? * MON-FRI *) 4-8; cron(0 20 ? * MON-FRI *) 2-4'; empty for none",
        applies=scaled_fleet,
        applies_text=SCALED_FLEET,
        samples=("", "cron(0 8 ? * MON-FRI *) 4-8; cron(0 20 ? * MON-FRI *) 1-4"),
    ),
    OptionSpec(
        "autoscaling_timezone",
        "text",
        "UTC",
        "IANA time zone of the scheduled capacity changes, e.g. Europe/Berlin",
        applies=lambda values: scaled_fleet(values) and bool(values.get("autoscaling_schedule")),
        applies_text="autoscaling_schedule is set",
        samples=("UTC", "America/New_York"),
    ),
    OptionSpec(
        "async_max_concurrent_invocations",
        "int",
        4,
        "Asynchronous endpoint: requests each instance processes at once",
        minimum=1,
        maximum=1000,
        applies=asynchronous,
        applies_text="inference is async",
    ),
    OptionSpec(
        "async_backlog_target",
        "int",
        5,
        "Asynchronous endpoint: queued requests per instance that autoscaling aims for",
        minimum=1,
        maximum=1000,
        applies=asynchronous,
        applies_text="inference is async",
    ),
    OptionSpec(
        "serverless_memory_mb",
        "int",
        2048,
        "Serverless endpoint memory in MB: 1024, 2048, 3072, 4096, 5120 or 6144",
        minimum=1024,
        maximum=6144,
        applies=serverless,
        applies_text="inference is serverless",
    ),
    OptionSpec(
        "serverless_max_concurrency",
        "int",
        20,
        "Serverless endpoint maximum concurrent invocations",
        minimum=1,
        maximum=200,
        applies=serverless,
        applies_text="inference is serverless",
    ),
    OptionSpec(
        "serverless_provisioned_concurrency",
        "int",
        0,
        "Serverless provisioned concurrency kept warm and autoscaled up to the maximum; 0 for none",
        minimum=0,
        maximum=200,
        applies=serverless,
        applies_text="inference is serverless",
    ),
    OptionSpec(
        "batch_schedule",
        "text",
        "cron(0 2 * * ? *)",
        "EventBridge cron(...) or rate(...) expression on which production scores everything "
        "under its batch input prefix; empty for none",
        applies=batch,
        applies_text="inference is batch",
        samples=("cron(0 2 * * ? *)", "", "rate(12 hours)"),
    ),
    OptionSpec(
        "batch_on_new_data",
        "choice",
        "yes",
        "Score each object that lands under a stage's batch input prefix (yes or no)",
        choices=("yes", "no"),
        supported=("yes", "no"),
        applies=batch,
        applies_text="inference is batch",
    ),
    OptionSpec(
        "vpc_subnet_ids",
        "text",
        "",
        "Subnets (comma-separated subnet-... ids) for training, processing and the endpoints; "
        "empty for none",
        samples=("", "subnet-0a1b2c3d,subnet-0123456789abcdef0"),
    ),
    OptionSpec(
        "vpc_security_group_ids",
        "text",
        "",
        "Security groups (comma-separated sg-... ids) for those subnets; empty for none",
        samples=("", "sg-0a1b2c3d4e5f67890"),
    ),
    OptionSpec(
        "vpc_id",
        "text",
        "",
        "The VPC of those subnets (vpc-... id), in which the ECS service's load balancer and "
        "security groups are created",
        applies=on_ecs,
        applies_text=ON_ECS,
        samples=("vpc-0a1b2c3d4e5f67890",),
    ),
    OptionSpec(
        "orchestrator",
        "choice",
        "sagemaker-pipelines",
        "What runs the training steps: a SageMaker pipeline, or an Airflow DAG on Amazon MWAA "
        "(in the project's VPC subnets) using the Amazon provider's SageMaker operators",
        choices=("sagemaker-pipelines", "airflow"),
        supported=("sagemaker-pipelines", "airflow"),
    ),
    OptionSpec(
        "mwaa_environment",
        "text",
        "",
        "An existing Amazon MWAA environment (its name) to run the training DAG in; empty to "
        "create one in infra/mwaa.yaml",
        applies=answered("orchestrator", "airflow"),
        applies_text="orchestrator is airflow",
        samples=("", "shared-airflow"),
    ),
    OptionSpec(
        "mwaa_execution_role",
        "text",
        "",
        "That environment's execution role (its name), to which infra/mwaa.yaml attaches what "
        "the DAG's SageMaker jobs need",
        applies=lambda values: (
            values.get("orchestrator") == "airflow"
            and bool(str(values.get("mwaa_environment", "")).strip())
        ),
        applies_text="mwaa_environment is set",
        samples=("shared-airflow-execution",),
    ),
    OptionSpec(
        "training_spot",
        "choice",
        "no",
        "Train on managed spot capacity, resuming from checkpoints after interruptions (yes/no)",
        choices=("no", "yes"),
        supported=("no", "yes"),
    ),
    OptionSpec(
        "training_max_runtime_minutes",
        "int",
        120,
        "Longest a training job may run, in minutes",
        minimum=1,
        maximum=MAX_TRAINING_MINUTES,
    ),
    OptionSpec(
        "training_max_wait_minutes",
        "int",
        240,
        "Longest a spot training job may take, waiting for capacity included, in minutes",
        minimum=1,
        maximum=MAX_TRAINING_MINUTES,
        applies=answered("training_spot", "yes"),
        applies_text="training_spot is yes",
    ),
    OptionSpec(
        "edge_target_device",
        "text",
        "",
        "Compile each model that passes evaluation with SageMaker Neo for this edge device "
        "(a Neo TargetDevice such as jetson_nano or rasp4b; PyTorch models) and record the "
        "compiled artifact on its model package; empty for none",
        samples=("", "jetson_nano"),
    ),
    OptionSpec(
        "retrain_schedule",
        "text",
        "",
        "EventBridge cron(...) or rate(...) expression to retrain on; empty for none",
        samples=("", "cron(0 3 ? * MON *)", "rate(1 day)"),
    ),
    OptionSpec(
        "retrain_on_new_data",
        "choice",
        "no",
        "Retrain when new data lands in the project's data bucket (yes or no)",
        choices=("no", "yes"),
        supported=("no", "yes"),
    ),
    OptionSpec(
        "new_data_prefix",
        "text",
        "incoming/",
        "Key prefix of the new data that starts retraining (e.g. incoming/)",
        applies=answered("retrain_on_new_data", "yes"),
        applies_text="retrain_on_new_data is yes",
        # Every character the rule allows, so the matrix proves each is rendered safely.
        samples=("incoming/", "raw/it's_(v2)!.daily-/"),
    ),
    OptionSpec(
        "new_data_suffix",
        "text",
        "",
        "Key suffix of that new data (e.g. .csv); empty for any",
        applies=answered("retrain_on_new_data", "yes"),
        applies_text="retrain_on_new_data is yes",
        samples=("", ".csv"),
    ),
    OptionSpec(
        "retrain_on_drift",
        "choice",
        "no",
        "Retrain when the production endpoint's input data drifts from the training data (yes/no)",
        choices=("no", "yes"),
        supported=("no", "yes"),
    ),
    OptionSpec(
        "drift_check_schedule",
        "text",
        "rate(1 day)",
        "EventBridge cron(...) or rate(...) expression the drift check runs on",
        applies=answered("retrain_on_drift", "yes"),
        applies_text="retrain_on_drift is yes",
        samples=("rate(1 day)", "cron(30 4 ? * * *)"),
    ),
    OptionSpec(
        "drift_sampling_percent",
        "int",
        25,
        "Share of production requests the endpoint captures for the drift check, in percent",
        minimum=1,
        maximum=100,
        applies=answered("retrain_on_drift", "yes"),
        applies_text="retrain_on_drift is yes",
    ),
)

SPECS_BY_NAME: dict[str, OptionSpec] = {spec.name: spec for spec in OPTION_SPECS}


@dataclass(frozen=True)
class Options:
    """Every answer, typed and validated; built only through :func:`parse_options`."""

    project_name: str
    project_slug: str
    description: str
    owner: str
    aws_region: str
    ci_provider: str
    github_repository: str
    code_owners: str
    branch_model: str
    deployment_target: str
    inference: str
    container: str
    endpoint_kind: str
    framework: str
    deployment_strategy: str
    canary_percent: int
    linear_step_percent: int
    wait_minutes: int
    ecs_cpu: int
    ecs_memory_mb: int
    lambda_memory_mb: int
    lambda_timeout_seconds: int
    lambda_endpoint: str
    training_instance_type: str
    staging_instance_type: str
    staging_instance_count: int
    prod_instance_type: str
    prod_instance_count: int
    autoscaling_min_capacity: int
    autoscaling_max_capacity: int
    autoscaling_target_invocations: int
    autoscaling_metric: str
    autoscaling_target_cpu_percent: int
    autoscaling_target_latency_ms: int
    autoscaling_schedule: str
    autoscaling_timezone: str
    async_max_concurrent_invocations: int
    async_backlog_target: int
    serverless_memory_mb: int
    serverless_max_concurrency: int
    serverless_provisioned_concurrency: int
    batch_schedule: str
    batch_on_new_data: str
    vpc_subnet_ids: str
    vpc_security_group_ids: str
    vpc_id: str
    orchestrator: str
    mwaa_environment: str
    mwaa_execution_role: str
    training_spot: str
    training_max_runtime_minutes: int
    training_max_wait_minutes: int
    edge_target_device: str
    retrain_schedule: str
    retrain_on_new_data: str
    new_data_prefix: str
    new_data_suffix: str
    retrain_on_drift: str
    drift_check_schedule: str
    drift_sampling_percent: int
    # Not an option: the org profile the answers were checked against (see mlopscutter.profile).
    profile: OrgProfile | None = None

    def as_answers(self) -> dict[str, str | int]:
        """The options as a plain mapping, in declaration order."""
        return {spec.name: getattr(self, spec.name) for spec in OPTION_SPECS}


def slugify(text: str) -> str:
    """Turn a project name into a slug that fits the slug pattern where it can."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    slug = re.sub(r"^[^a-z]+", "", slug)
    return slug[:32].rstrip("-")


def github_owner(repository: str) -> str:
    """The owner part of ``owner/name``."""
    return repository.split("/", 1)[0]


def default_answers() -> dict[str, str | int]:
    """The declared defaults with derived (Jinja) defaults left out."""
    return {
        spec.name: spec.default
        for spec in OPTION_SPECS
        if not (isinstance(spec.default, str) and "{{" in spec.default)
    }


def fill_derived_defaults(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Complete answers with the derived defaults that cookiecutter.json computes with Jinja."""
    filled = dict(answers)
    if not filled.get("project_slug"):
        filled["project_slug"] = slugify(str(filled.get("project_name", "")))
    if not filled.get("github_repository"):
        filled["github_repository"] = f"example-org/{filled['project_slug']}"
    if not filled.get("code_owners"):
        filled["code_owners"] = "@" + github_owner(str(filled["github_repository"]))
    return filled


def parse_options(raw: Mapping[str, Any]) -> Options:
    """Build typed :class:`Options` from raw answers (strings or native values) and validate.

    Keys starting with ``_`` (cookiecutter's private context) are ignored, but for the org
    profile recorded as ``_profile``: the answers are checked against its locks and allowed
    values. Missing options take their defaults.

    :raises ValidationErrors: listing every broken rule, each naming option, value and what
        is allowed.
    """
    from mlopscutter.profile import kms_key_region, recorded_profile
    from mlopscutter.rules import check_rules

    profile = recorded_profile(raw)
    errors = unknown_option_errors(raw)
    merged = fill_derived_defaults(
        {**default_answers(), **{k: v for k, v in raw.items() if k in SPECS_BY_NAME}}
    )
    values: dict[str, Any] = {}
    for spec in OPTION_SPECS:
        value = merged[spec.name]
        if spec.kind == "int":
            values[spec.name] = _coerce_int(spec, value, errors)
        else:
            values[spec.name] = "" if value is None else str(value)
    if not errors:
        errors.extend(check_rules(values))
    if profile is not None:
        errors.extend(profile.answer_errors(values))
        errors.extend(profile.cross_account_errors(values))
        if profile.kms_key_arn and kms_key_region(profile.kms_key_arn) != values["aws_region"]:
            errors.append(
                OptionError(
                    "profile-kms-region",
                    ("aws_region",),
                    f"aws_region={values['aws_region']!r} differs from the Region of the org "
                    f"profile {profile.label}'s kms_key_arn; allowed: "
                    f"{kms_key_region(profile.kms_key_arn)!r} (a KMS key serves one Region)",
                )
            )
    if errors:
        raise ValidationErrors(errors)
    return Options(**values, profile=profile)


def unknown_option_errors(raw: Mapping[str, Any]) -> list[OptionError]:
    """One error per answer that names no declared option (``_private`` keys and the recorded
    org profile excepted)."""
    from mlopscutter.profile import PROFILE_CONTEXT_KEY

    return [
        OptionError(
            "unknown-option",
            (name,),
            f"{name}: unknown option; known options are {', '.join(SPECS_BY_NAME)}",
        )
        for name in sorted(
            k
            for k in raw
            if not k.startswith("_") and k not in SPECS_BY_NAME and k != PROFILE_CONTEXT_KEY
        )
    ]


def early_errors(raw: Mapping[str, Any]) -> list[OptionError]:
    """Errors knowable before prompting: unknown options and unknown choice values (which
    cookiecutter itself would refuse with a traceback)."""
    from mlopscutter.rules import RULES_BY_ID

    errors = unknown_option_errors(raw)
    for name, value in raw.items():
        spec = SPECS_BY_NAME.get(name)
        if spec is not None and spec.kind == "choice":
            rule = RULES_BY_ID[f"{name}-choice"]
            message = rule.check({name: str(value)})
            if message is not None:
                errors.append(OptionError(rule.id, rule.options, message))
    return errors


def _coerce_int(spec: OptionSpec, value: Any, errors: list[OptionError]) -> int:
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, int):
        return value
    else:
        text = str(value).strip()
    if re.fullmatch(r"[+-]?\d{1,9}", text):
        return int(text)
    errors.append(
        OptionError(
            "integer",
            (spec.name,),
            f"{spec.name}={text!r} is not a whole number; allowed: an integer "
            f"from {spec.minimum} to {spec.maximum}",
        )
    )
    return 0
