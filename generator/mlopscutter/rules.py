"""Validation rules over the answers: every rule has a stable id and one message.

Each message names the option(s), the value(s) given and what is allowed. Field rules check one
option; cross-option rules check combinations. :func:`check_rules` runs all that apply.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mlopscutter.errors import OptionError
from mlopscutter.frameworks import EDGE_DEVICES, FRAMEWORKS, NO_NEO_REGIONS
from mlopscutter.instance_offerings import (
    PROCESSING_PREFERENCE,
    Kind,
    accelerated,
    known_families,
    neuron,
    offered_types,
    processing_instance_type,
    training_types,
)
from mlopscutter.names import RULES as NAME_RULES
from mlopscutter.options import (
    OPTION_SPECS,
    OptionSpec,
    answered,
    autoscaled,
    batch,
    on_ecs,
    on_endpoint,
    on_instances,
    on_lambda,
    on_sagemaker,
    scaled_fleet,
    serverless,
)
from mlopscutter.region_support import REQUIRED_TYPES, offers
from mlopscutter.regions import COMMERCIAL_REGIONS, OTHER_PARTITION_REGIONS
from mlopscutter.schedule import ScheduleExpressionError, validate_schedule_expression

SLUG_PATTERN = re.compile(r"[a-z][a-z0-9-]{1,30}[a-z0-9]")
# GitHub: owner 1-39 alphanumerics or single hyphens, not starting with a hyphen;
# repository 1-100 of letters, digits, '.', '-', '_' and not '.' or '..'.
GITHUB_REPOSITORY_PATTERN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
    r"/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}"
)
INSTANCE_TYPE_PATTERN = re.compile(r"ml\.(?P<family>[a-z0-9-]+)\.(?P<size>[a-z0-9]+)")
MAX_FREE_TEXT = 500
# SageMaker deployment guardrails: MaximumExecutionTimeoutInSeconds is 600-28800 and must
# exceed the traffic-shifting waits plus the termination wait; the green fleet needs time to
# provision before the first shift.
MAX_EXECUTION_TIMEOUT_SECONDS = 28_800
MIN_EXECUTION_TIMEOUT_SECONDS = 600
PROVISIONING_ALLOWANCE_SECONDS = 1_800


@dataclass(frozen=True)
class Rule:
    """One validation rule: its id, the options it reads and its check.

    ``check`` returns the message when the rule is broken, else ``None``.
    """

    id: str
    options: tuple[str, ...]
    summary: str
    check: Callable[[Mapping[str, Any]], str | None]
    applies: Callable[[Mapping[str, Any]], bool] = lambda _: True


def traffic_steps(values: Mapping[str, Any]) -> int:
    """How many traffic shifts (each followed by a baking wait) a deployment makes."""
    strategy = values["deployment_strategy"]
    if strategy == "canary":
        return 2
    if strategy == "linear":
        return math.ceil(100 / int(values["linear_step_percent"]))
    return 1


def deployment_timeout_seconds(values: Mapping[str, Any]) -> int:
    """MaximumExecutionTimeoutInSeconds for the blue/green update: provisioning + waits."""
    wait = int(values["wait_minutes"]) * 60
    needed = PROVISIONING_ALLOWANCE_SECONDS + traffic_steps(values) * wait + wait
    return max(MIN_EXECUTION_TIMEOUT_SECONDS, needed)


def _choice_rule(spec: OptionSpec) -> list[Rule]:
    def known(values: Mapping[str, Any]) -> str | None:
        value = values[spec.name]
        if value in spec.choices:
            return None
        return f"{spec.name}={value!r} is not a known value; allowed: {', '.join(spec.choices)}"

    def supported(values: Mapping[str, Any]) -> str | None:
        value = values[spec.name]
        if value not in spec.choices or value in spec.supported:
            return None
        return (
            f"{spec.name}={value!r} is not supported yet by this template version; "
            f"supported now: {', '.join(spec.supported)}"
        )

    rules = [Rule(f"{spec.name}-choice", (spec.name,), f"{spec.name} is one of its choices", known)]
    if set(spec.supported) != set(spec.choices):
        rules.append(
            Rule(f"{spec.name}-supported", (spec.name,), f"{spec.name} is supported", supported)
        )
    return rules


def _range_rule(spec: OptionSpec) -> Rule:
    def check(values: Mapping[str, Any]) -> str | None:
        value = values[spec.name]
        assert spec.minimum is not None and spec.maximum is not None
        if spec.minimum <= value <= spec.maximum:
            return None
        when = f" (applies when {spec.applies_text})" if spec.applies_text else ""
        return (
            f"{spec.name}={value} is out of range; allowed: {spec.minimum} to {spec.maximum}{when}"
        )

    return Rule(
        f"{spec.name}-range", (spec.name,), f"{spec.name} within limits", check, spec.applies
    )


def _free_text_rule(name: str) -> Rule:
    def check(values: Mapping[str, Any]) -> str | None:
        value = values[name]
        if not value.strip():
            return f"{name} is empty; allowed: any text of 1 to {MAX_FREE_TEXT} characters"
        if len(value) > MAX_FREE_TEXT:
            return f"{name} is {len(value)} characters long; allowed: at most {MAX_FREE_TEXT}"
        return None

    return Rule(f"{name}-text", (name,), f"{name} is non-empty text", check)


# GPU and accelerator (Inferentia, Trainium) families. The SageMaker scikit-learn images
# are built for CPU only (the SDK's image list has no "gpu" processor for them); the XGBoost
# and PyTorch images train on GPU families too, and none runs on Inferentia or Trainium (the
# PyTorch Neuron images are other images).


def _cpu_instance_rule(name: str, applies: Callable[[Mapping[str, Any]], bool]) -> Rule:
    training = name == "training_instance_type"

    def check(values: Mapping[str, Any]) -> str | None:
        match = INSTANCE_TYPE_PATTERN.fullmatch(values[name])
        if match is None or not accelerated(match["family"]):
            return None  # a malformed type is the "-known" rule's to report
        chosen = FRAMEWORKS.get(values.get("framework", ""), FRAMEWORKS["scikit-learn"])
        if training and chosen.gpu_training:
            if not neuron(match["family"]):
                return None
            return (
                f"{name}={values[name]!r} is an Inferentia or Trainium instance, which the "
                f"SageMaker {chosen.title} image does not train on; allowed: a CPU family such "
                "as ml.m5 or a GPU family such as ml.g5 or ml.p3"
            )
        runs = "trains" if training else "serves"
        return (
            f"{name}={values[name]!r} is a GPU or accelerator instance, but the project "
            f"{runs} {chosen.title} models on CPU (framework={chosen.option!r}); allowed: a CPU "
            "family such as ml.m5, ml.c5 or ml.r5"
        )

    return Rule(
        f"{name}-cpu",
        (name, "framework"),
        f"{name} is an instance the framework runs on",
        check,
        applies,
    )


def _instance_type_rule(name: str, applies: Callable[[Mapping[str, Any]], bool]) -> Rule:
    def check(values: Mapping[str, Any]) -> str | None:
        value = values[name]
        match = INSTANCE_TYPE_PATTERN.fullmatch(value)
        if match and match["family"] in known_families():
            return None
        return (
            f"{name}={value!r} is not a SageMaker instance type; allowed: 'ml.<family>.<size>' "
            f"with a known family ({', '.join(sorted(known_families()))}), e.g. ml.m5.large"
        )

    return Rule(f"{name}-known", (name,), f"{name} is a SageMaker instance type", check, applies)


def _check_slug(values: Mapping[str, Any]) -> str | None:
    slug = values["project_slug"]
    if SLUG_PATTERN.fullmatch(slug):
        return None
    return (
        f"project_slug={slug!r} does not match ^[a-z][a-z0-9-]{{1,30}}[a-z0-9]$; allowed: 3 to "
        "32 lower-case letters, digits and hyphens, starting with a letter and not ending "
        "with a hyphen (set project_slug explicitly if the project name cannot be slugified)"
    )


def _check_region(values: Mapping[str, Any]) -> str | None:
    region = values["aws_region"]
    if region in COMMERCIAL_REGIONS:
        return None
    if region in OTHER_PARTITION_REGIONS:
        return (
            f"aws_region={region!r} is in the China or GovCloud partition, which this "
            "template does not target; allowed: a commercial AWS Region such as us-east-1"
        )
    return (
        f"aws_region={region!r} is not an AWS Region code; allowed: "
        f"{', '.join(sorted(COMMERCIAL_REGIONS))}"
    )


def _check_region_offers(values: Mapping[str, Any]) -> str | None:
    region = values["aws_region"]
    for conditions, resource_types in REQUIRED_TYPES.items():
        if any(values[option] != value for option, value in conditions):
            continue
        missing = [t for t in resource_types if not offers(region, t)]
        if missing:
            needed_by = (
                " with ".join(f"{option}={value!r}" for option, value in conditions)
                or "every project"
            )
            regions = sorted(
                r for r in COMMERCIAL_REGIONS if all(offers(r, t) for t in resource_types)
            )
            return (
                f"aws_region={region!r} does not offer {', '.join(missing)} in CloudFormation, "
                f"which {needed_by} needs; allowed: a Region that does ({', '.join(regions)})"
            )
    return None


def _check_framework_image(values: Mapping[str, Any]) -> str | None:
    """The model's framework image, and the scikit-learn one data preparation runs on."""
    region = values["aws_region"]
    for needed in dict.fromkeys((values["framework"], "scikit-learn")):
        image = FRAMEWORKS[needed]
        if region in image.missing_in:
            regions = sorted(COMMERCIAL_REGIONS - image.missing_in)
            return (
                f"aws_region={region!r} has no SageMaker {image.title} {image.version} image in "
                f"the SageMaker Python SDK, which builds the project's pipeline (framework="
                f"{values['framework']!r}); allowed: a Region that has one ({', '.join(regions)})"
            )
    return None


def _check_github_repository(values: Mapping[str, Any]) -> str | None:
    repository = values["github_repository"]
    if GITHUB_REPOSITORY_PATTERN.fullmatch(repository):
        return None
    return (
        f"github_repository={repository!r} is not of the form owner/name; allowed: an owner "
        "of up to 39 letters, digits or single hyphens, '/', and a repository name of up to "
        "100 letters, digits, '.', '-' or '_' (e.g. acme/churn-model)"
    )


CODE_OWNER_PATTERN = re.compile(
    r"@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:/[A-Za-z0-9._-]{1,100})?"
)


def _check_code_owners(values: Mapping[str, Any]) -> str | None:
    owners = values["code_owners"].split()
    if owners and all(CODE_OWNER_PATTERN.fullmatch(owner) for owner in owners):
        return None
    return (
        f"code_owners={values['code_owners']!r} is not a list of GitHub owners; allowed: "
        "one or more @user or @org/team handles separated by spaces (e.g. @acme/ml-platform)"
    )


def _schedule_check(
    option: str, *, may_be_empty: bool
) -> Callable[[Mapping[str, Any]], str | None]:
    def check(values: Mapping[str, Any]) -> str | None:
        expression = values[option]
        if expression == "" and may_be_empty:
            return None
        try:
            validate_schedule_expression(expression)
        except ScheduleExpressionError as error:
            return f"{option}={expression!r} {error}"
        return None

    return check


def _check_drift_capture(values: Mapping[str, Any]) -> str | None:
    inference = values["inference"]
    if inference not in ("serverless", "batch"):
        return None
    reason = (
        "serverless endpoints do not support data capture"
        if inference == "serverless"
        else "batch transform has no endpoint whose requests are captured"
    )
    return (
        f"retrain_on_drift='yes' with inference={inference!r}: the drift check reads the "
        f"requests the production endpoint captures, and {reason}; allowed: "
        "inference='realtime' or 'async' for drift retraining, or retrain_on_drift='no'"
    )


def _check_serial_pipeline(values: Mapping[str, Any]) -> str | None:
    inference, container = values["inference"], values["container"]
    if inference in ("serverless", "async"):
        reason = (
            "serverless endpoints do not host inference pipelines (SageMaker's serverless "
            "feature exclusions)"
            if inference == "serverless"
            else "SageMaker documents inference pipelines for real-time endpoints and batch "
            "transform, not asynchronous endpoints"
        )
        return (
            f"endpoint_kind='serial-pipeline' with inference={inference!r}: {reason}; allowed: "
            "inference='realtime' or 'batch' for a serial pipeline, or "
            "endpoint_kind='single-model'"
        )
    if container == "byoc":
        return (
            "endpoint_kind='serial-pipeline' with container='byoc': the pipeline's containers "
            "are the framework images serving inference.py, and the project's own image is not "
            "generated as a pipeline step yet; allowed: container='provided' for a serial "
            "pipeline, or endpoint_kind='single-model'"
        )
    return None


# Multi-model endpoints, as SageMaker documents them: real-time endpoints only, the framework
# image's model server loading each target model on demand. One rule per option it rules on,
# so that each is checked as soon as that option is placed.
_MULTI_MODEL_ALTERNATIVE = "endpoint_kind='single-model'"


def _check_multi_model_inference(values: Mapping[str, Any]) -> str | None:
    inference = values["inference"]
    if inference == "realtime":
        return None
    reason = {
        "serverless": "serverless endpoints do not host multi-model endpoints (SageMaker's "
        "serverless feature exclusions)",
        "async": "an asynchronous request cannot name a target model (InvokeEndpointAsync has "
        "no TargetModel)",
        "batch": "batch transform runs one model and has no endpoint",
    }[inference]
    return (
        f"endpoint_kind='multi-model' with inference={inference!r}: {reason}; allowed: "
        f"inference='realtime' for a multi-model endpoint, or {_MULTI_MODEL_ALTERNATIVE}"
    )


# Airflow on Amazon MWAA: an environment the project creates runs in the project's VPC.
def _check_airflow_network(values: Mapping[str, Any]) -> str | None:
    subnets, groups = id_list(values["vpc_subnet_ids"]), id_list(values["vpc_security_group_ids"])
    if len(subnets) >= 2 and groups:
        return None
    return (
        f"orchestrator='airflow' with vpc_subnet_ids={values['vpc_subnet_ids']!r} and "
        f"vpc_security_group_ids={values['vpc_security_group_ids']!r}: an Amazon MWAA "
        "environment runs in two private subnets of different Availability Zones, with at "
        "least one security group; allowed: two or more subnets and one or more security "
        "groups, an existing environment (mwaa_environment), or "
        "orchestrator='sagemaker-pipelines'"
    )


def _check_mwaa_environment(values: Mapping[str, Any]) -> str | None:
    name = values["mwaa_environment"].strip()
    if not name:
        return None
    rule = NAME_RULES["mwaa-environment"]
    if len(name) <= rule.max_length and re.fullmatch(rule.pattern, name):
        return None
    return (
        f"mwaa_environment={values['mwaa_environment']!r} is not an Amazon MWAA environment "
        f"name; allowed: a letter, then letters, digits, '-' and '_', at most "
        f"{rule.max_length} characters, or empty to create one"
    )


def _check_mwaa_execution_role(values: Mapping[str, Any]) -> str | None:
    role = values["mwaa_execution_role"].strip()
    rule = NAME_RULES["iam-role"]
    if role and len(role) <= rule.max_length and re.fullmatch(rule.pattern, role):
        return None
    return (
        f"mwaa_execution_role={values['mwaa_execution_role']!r} with "
        f"mwaa_environment={values['mwaa_environment']!r}: the project attaches the DAG's "
        "permissions to the existing environment's execution role, named here; allowed: an IAM "
        f"role name (letters, digits and +=,.@_-, at most {rule.max_length} characters)"
    )


def _refuses(
    rule_id: str,
    kind: tuple[str, str],
    option: str,
    refused: Iterable[str],
    reason: str | Mapping[str, str],
    allowed: str,
    alternative: str,
) -> Rule:
    """A rule refusing, under the answer ``kind`` (option, value), the values ``refused`` of
    ``option``, for ``reason`` (or ``reason[value]``, one for each refused value); the message
    offers ``allowed`` or ``alternative``."""
    refused = tuple(refused)
    kind_option, kind_value = kind

    def check(values: Mapping[str, Any]) -> str | None:
        value = values[option]
        if value not in refused:
            return None
        why = reason if isinstance(reason, str) else reason[value]
        return (
            f"{kind_option}={kind_value!r} with {option}={value!r}: {why}; "
            f"allowed: {allowed}, or {alternative}"
        )

    return Rule(
        rule_id,
        (kind_option, option),
        f"{kind_option} {kind_value} refuses {option} {', '.join(refused)}",
        check,
        answered(kind_option, kind_value),
    )


def _refuser(
    kind: tuple[str, str], allowed_where: str, alternative: str
) -> Callable[[str, str, Iterable[str], str | Mapping[str, str], str], Rule]:
    """A :func:`_refuses` for one answer ``kind``: ``make(rule_id, option, refused, reason,
    allowed)``, whose message offers ``allowed`` ``allowed_where`` or ``alternative``."""

    def make(
        rule_id: str,
        option: str,
        refused: Iterable[str],
        reason: str | Mapping[str, str],
        allowed: str,
    ) -> Rule:
        return _refuses(
            rule_id, kind, option, refused, reason, f"{allowed} {allowed_where}", alternative
        )

    return make


_multi_model_refuses = _refuser(
    ("endpoint_kind", "multi-model"), "for a multi-model endpoint", _MULTI_MODEL_ALTERNATIVE
)


# Where a Lambda function or an ECS service serves the project's own image synchronously, one
# model each, what only SageMaker hosting offers is refused.
_OWN_IMAGE_TARGETS = {"lambda": "on Lambda", "ecs": "on ECS"}


def _own_image_refusals(
    target: str, *, answers: str, serves: str, container_reason: str, captures: str
) -> list[Rule]:
    """The refusals of deployment_target ``target`` (lambda or ecs): SageMaker's inference
    and endpoint kinds, its framework images and its data capture. The phrases say how the
    target differs (what ``answers`` requests, what ``serves`` the model, what ``captures``
    none)."""
    refuses = _refuser(
        ("deployment_target", target), _OWN_IMAGE_TARGETS[target], "deployment_target='sagemaker'"
    )
    return [
        refuses(
            f"{target}-inference",
            "inference",
            ("serverless", "async", "batch"),
            f"serverless, asynchronous and batch inference are kinds of SageMaker hosting, and "
            f"{answers}",
            "inference='realtime'",
        ),
        refuses(
            f"{target}-endpoint-kind",
            "endpoint_kind",
            ("multi-model", "serial-pipeline"),
            f"multi-model endpoints and serial inference pipelines are SageMaker hosting "
            f"features; {serves}",
            "endpoint_kind='single-model'",
        ),
        refuses(
            f"{target}-container", "container", ("provided",), container_reason, "container='byoc'"
        ),
        refuses(
            f"{target}-drift",
            "retrain_on_drift",
            ("yes",),
            f"the drift check reads the requests a SageMaker endpoint captures (data capture), "
            f"which {captures}",
            "retrain_on_drift='no'",
        ),
    ]


# Fargate's task sizes (the ECS Developer Guide's "Task CPU and memory"): CPU units -> the
# memory sizes in MiB it runs with, as (lowest, highest, step).
FARGATE_MEMORY = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}
VPC_PATTERN = re.compile(r"vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?")


def fargate_memory_sizes(cpu: int) -> list[int]:
    """The memory sizes (MiB) Fargate runs a task of ``cpu`` units with."""
    low, high, step = FARGATE_MEMORY[cpu]
    sizes = list(range(low, high + 1, step))
    return [size for size in sizes if cpu != 256 or size != 1536]


def _check_fargate_size(values: Mapping[str, Any]) -> str | None:
    cpu, memory = values["ecs_cpu"], values["ecs_memory_mb"]
    if cpu not in FARGATE_MEMORY:
        return (
            f"ecs_cpu={cpu} is not a Fargate task size; allowed: "
            f"{', '.join(str(c) for c in FARGATE_MEMORY)}"
        )
    if memory in fargate_memory_sizes(cpu):
        return None
    low, high, step = FARGATE_MEMORY[cpu]
    sizes = (
        ", ".join(str(m) for m in fargate_memory_sizes(cpu))
        if cpu == 256
        else f"{low} to {high} in steps of {step}"
    )
    return f"ecs_memory_mb={memory} does not go with ecs_cpu={cpu} on Fargate; allowed: {sizes}"


def _check_ecs_network(values: Mapping[str, Any]) -> str | None:
    vpc, subnets = values["vpc_id"].strip(), id_list(values["vpc_subnet_ids"])
    groups = id_list(values["vpc_security_group_ids"])
    if not VPC_PATTERN.fullmatch(vpc):
        return (
            f"vpc_id={vpc!r} with deployment_target='ecs': the service's load balancer and "
            "security groups are created in the VPC of the project's subnets; allowed: a VPC "
            "id such as vpc-0a1b2c3d4e5f67890"
        )
    if len(subnets) >= 2 and groups:
        return None
    return (
        f"deployment_target='ecs' in vpc_id={vpc!r} with "
        f"vpc_subnet_ids={values['vpc_subnet_ids']!r} and "
        f"vpc_security_group_ids={values['vpc_security_group_ids']!r}: an Application Load "
        "Balancer needs subnets in at least two Availability Zones, and the project's "
        "security groups say who may call it; allowed: two or more subnet ids and one or "
        "more security group ids"
    )


# An HTTP API waits at most 30 seconds for its integration, a quota that cannot be raised
# (API Gateway's HTTP API quotas, "Maximum integration timeout").
HTTP_API_TIMEOUT_SECONDS = 30


def _check_lambda_api_timeout(values: Mapping[str, Any]) -> str | None:
    timeout = values["lambda_timeout_seconds"]
    if timeout <= HTTP_API_TIMEOUT_SECONDS:
        return None
    return (
        f"lambda_endpoint='api-gateway' with lambda_timeout_seconds={timeout}: an API Gateway "
        f"HTTP API answers 503 after waiting {HTTP_API_TIMEOUT_SECONDS} seconds for the "
        "function (its integration timeout, which cannot be raised); allowed: "
        f"lambda_timeout_seconds from 1 to {HTTP_API_TIMEOUT_SECONDS}, or "
        "lambda_endpoint='function-url'"
    )


def _check_lambda_traffic_interval(values: Mapping[str, Any]) -> str | None:
    strategy, wait = values["deployment_strategy"], values["wait_minutes"]
    if strategy == "all-at-once" or wait >= 1:
        return None
    return (
        f"deployment_target='lambda' with deployment_strategy={strategy!r} and "
        f"wait_minutes={wait}: CodeDeploy shifts a Lambda alias's traffic in steps at least "
        "one minute apart (TimeBasedCanary / TimeBasedLinear intervals are whole minutes); "
        "allowed: wait_minutes from 1 to 60, or deployment_strategy='all-at-once'"
    )


def _check_batch_trigger(values: Mapping[str, Any]) -> str | None:
    if values["batch_schedule"].strip() or values["batch_on_new_data"] == "yes":
        return None
    return (
        "inference='batch' with batch_schedule='' and batch_on_new_data='no': nothing would "
        "ever start a batch transform; allowed: a batch_schedule expression, "
        "batch_on_new_data='yes', or both"
    )


def _check_autoscaling_range(values: Mapping[str, Any]) -> str | None:
    low, high = values["autoscaling_min_capacity"], values["autoscaling_max_capacity"]
    if low <= high:
        return None
    return (
        f"autoscaling_min_capacity={low} is above autoscaling_max_capacity={high}; allowed: "
        "min <= max"
    )


def _stage_count_rule(stage: str) -> Rule:
    name = f"{stage}_instance_count"

    def check(values: Mapping[str, Any]) -> str | None:
        count = values[name]
        low, high = values["autoscaling_min_capacity"], values["autoscaling_max_capacity"]
        if low <= count <= high:
            return None
        return (
            f"{name}={count} is outside the autoscaling range autoscaling_min_capacity={low} .. "
            f"autoscaling_max_capacity={high}; allowed: a count within that range"
        )

    return Rule(
        f"{stage}-count-in-autoscaling-range",
        (name, "autoscaling_min_capacity", "autoscaling_max_capacity"),
        f"{stage} instance count within the autoscaling range",
        check,
        autoscaled,
    )


def _check_canary_fleet(values: Mapping[str, Any]) -> str | None:
    percent, low = values["canary_percent"], values["autoscaling_min_capacity"]
    if low * percent >= 100:
        return None
    needed = math.ceil(100 / percent)
    alternative = (
        f" (or canary_percent >= {math.ceil(100 / low)} for {low} instances, at most 50)"
        if low
        else " (a fleet that can scale to zero has no canary: use deployment_strategy="
        "'all-at-once')"
    )
    return (
        f"canary_percent={percent} of autoscaling_min_capacity={low} instances is less than one "
        f"instance, so no canary would exist; allowed: autoscaling_min_capacity >= {needed} "
        f"for {percent}%{alternative}"
    )


def _check_linear_fleet(values: Mapping[str, Any]) -> str | None:
    percent, low = values["linear_step_percent"], values["autoscaling_min_capacity"]
    if low * percent >= 100:
        return None
    needed = math.ceil(100 / percent)
    return (
        f"linear_step_percent={percent} of autoscaling_min_capacity={low} instances is less "
        f"than one instance per step; allowed: autoscaling_min_capacity >= {needed} for "
        f"{percent}% steps (or a larger linear_step_percent, at most 50"
        f"{'' if low else '; a fleet that can scale to zero shifts all at once'})"
    )


def _check_guardrail_timeout(values: Mapping[str, Any]) -> str | None:
    needed = deployment_timeout_seconds(values)
    if needed <= MAX_EXECUTION_TIMEOUT_SECONDS:
        return None
    steps = traffic_steps(values)
    return (
        f"deployment_strategy={values['deployment_strategy']!r} with {steps} traffic shifts and "
        f"wait_minutes={values['wait_minutes']} needs a {needed} s deployment, above "
        f"SageMaker's MaximumExecutionTimeoutInSeconds limit of {MAX_EXECUTION_TIMEOUT_SECONDS} "
        "s; allowed: fewer or shorter waits (lower wait_minutes or a larger linear_step_percent)"
    )


# S3's safe key characters (the S3 user guide's "Object key naming"), without "*", which
# EventBridge's wildcard matching would read as a wildcard.
_S3_SAFE_KEY = re.compile(r"[A-Za-z0-9!_.'()/-]*")


def _key_part_check(option: str, *, prefix: bool) -> Callable[[Mapping[str, Any]], str | None]:
    def check(values: Mapping[str, Any]) -> str | None:
        value = values[option]
        if prefix and not value:
            return (
                f"{option}='' would retrain on every object in the data bucket; allowed: a key "
                "prefix such as incoming/"
            )
        if len(value) > 512 or not _S3_SAFE_KEY.fullmatch(value) or value.startswith("/"):
            return (
                f"{option}={value!r}; allowed: at most 512 of S3's safe key characters "
                "(letters, digits and ! - _ . ' ( ) /), not starting with /"
            )
        return None

    return check


# Edge compilation with SageMaker Neo: a device Neo compiles for, a framework it compiles and a
# Region it runs in; the compiled network takes the model's features, so a serial pipeline's
# scikit-learn feature transform would have no edge counterpart.
_NO_EDGE = "edge_target_device='' (no edge compilation)"


def _check_edge_device(values: Mapping[str, Any]) -> str | None:
    device = values["edge_target_device"]
    if not device or device in EDGE_DEVICES:
        return None
    return (
        f"edge_target_device={device!r} is not an edge device this template compiles for with "
        f"SageMaker Neo; allowed: {', '.join(EDGE_DEVICES)}, or {_NO_EDGE}"
    )


def _check_edge_framework(values: Mapping[str, Any]) -> str | None:
    framework = FRAMEWORKS[values["framework"]]
    if framework.edge_refusal is None:
        return None
    compiled = [f.option for f in FRAMEWORKS.values() if f.neo_version]
    return (
        f"framework={framework.option!r} with edge_target_device="
        f"{values['edge_target_device']!r}: {framework.edge_refusal}; allowed: framework="
        f"{' or '.join(repr(name) for name in compiled)} for edge compilation, or {_NO_EDGE}"
    )


def _check_edge_serial_pipeline(values: Mapping[str, Any]) -> str | None:
    if values["endpoint_kind"] != "serial-pipeline":
        return None
    return (
        f"endpoint_kind='serial-pipeline' with edge_target_device="
        f"{values['edge_target_device']!r}: Neo compiles the network, which takes the features "
        "the pipeline's scikit-learn container makes from raw rows, and that transform has no "
        "compiled counterpart on the device; allowed: endpoint_kind='single-model' for edge "
        f"compilation, or {_NO_EDGE}"
    )


def _check_edge_region(values: Mapping[str, Any]) -> str | None:
    region = values["aws_region"]
    if region not in NO_NEO_REGIONS:
        return None
    offered = sorted(COMMERCIAL_REGIONS - NO_NEO_REGIONS)
    return (
        f"aws_region={region!r} with edge_target_device={values['edge_target_device']!r}: "
        "the SageMaker Python SDK lists no SageMaker Neo image for that Region, its record of "
        f"where Neo runs; allowed: a Region it lists ({', '.join(offered)}), or {_NO_EDGE}"
    )


def _compiles_for_edge(values: Mapping[str, Any]) -> bool:
    return bool(values.get("edge_target_device"))


def _check_spot_wait(values: Mapping[str, Any]) -> str | None:
    wait, runtime = values["training_max_wait_minutes"], values["training_max_runtime_minutes"]
    if wait >= runtime:
        return None
    return (
        f"training_max_wait_minutes={wait} is less than training_max_runtime_minutes={runtime}; "
        "allowed: a spot job's MaxWaitTimeInSeconds covers its MaxRuntimeInSeconds, so "
        f"training_max_wait_minutes >= {runtime}"
    )


SERVERLESS_MEMORY_SIZES = (1024, 2048, 3072, 4096, 5120, 6144)


def _check_serverless_memory(values: Mapping[str, Any]) -> str | None:
    memory = values["serverless_memory_mb"]
    if memory in SERVERLESS_MEMORY_SIZES:
        return None
    return (
        f"serverless_memory_mb={memory} is not a serverless memory size; allowed: "
        f"{', '.join(map(str, SERVERLESS_MEMORY_SIZES))} (1 GB steps)"
    )


def _check_provisioned_concurrency(values: Mapping[str, Any]) -> str | None:
    provisioned = values["serverless_provisioned_concurrency"]
    maximum = values["serverless_max_concurrency"]
    if provisioned <= maximum:
        return None
    return (
        f"serverless_provisioned_concurrency={provisioned} is above "
        f"serverless_max_concurrency={maximum}; allowed: provisioned concurrency <= the "
        "endpoint's maximum concurrency"
    )


def _check_scale_to_zero(values: Mapping[str, Any]) -> str | None:
    if values["autoscaling_min_capacity"] > 0 or values["inference"] == "async":
        return None
    if values["deployment_target"] == "ecs":
        return (
            "autoscaling_min_capacity=0 with deployment_target='ecs': a service with no task "
            "has nothing behind its load balancer to answer a request or to scale out on; "
            "allowed: autoscaling_min_capacity >= 1"
        )
    return (
        f"autoscaling_min_capacity=0 with inference={values['inference']!r}: SageMaker scales "
        "only asynchronous endpoints to zero instances; allowed: autoscaling_min_capacity >= 1, "
        "or inference='async'"
    )


# SageMaker's VpcConfig: 1-16 subnets and 1-5 security groups, ids as EC2 writes them.
VPC_ID_LIMITS = {
    "vpc_subnet_ids": (re.compile(r"subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?"), 16, "subnet-0a1b2c3d"),
    "vpc_security_group_ids": (re.compile(r"sg-[0-9a-f]{8}(?:[0-9a-f]{9})?"), 5, "sg-0a1b2c3d"),
}


def id_list(value: str) -> list[str]:
    """The ids of a comma-separated answer (spaces around commas allowed)."""
    return [part.strip() for part in value.split(",")] if value.strip() else []


def _vpc_ids_check(option: str) -> Callable[[Mapping[str, Any]], str | None]:
    pattern, limit, example = VPC_ID_LIMITS[option]

    def check(values: Mapping[str, Any]) -> str | None:
        ids = id_list(values[option])
        bad = [i for i in ids if not pattern.fullmatch(i)]
        if not bad and len(ids) <= limit and len(set(ids)) == len(ids):
            return None
        problem = (
            f"{', '.join(repr(b) for b in bad)} {'is' if len(bad) == 1 else 'are'} not an id"
            if bad
            else f"{len(ids)} ids"
            if len(ids) > limit
            else "an id is repeated"
        )
        return (
            f"{option}={values[option]!r}: {problem}; allowed: empty, or up to {limit} distinct "
            f"comma-separated ids like {example} (8 or 17 hex digits)"
        )

    return check


def _check_vpc_pair(values: Mapping[str, Any]) -> str | None:
    subnets, groups = id_list(values["vpc_subnet_ids"]), id_list(values["vpc_security_group_ids"])
    if bool(subnets) == bool(groups):
        return None
    given, missing = (
        ("vpc_subnet_ids", "vpc_security_group_ids")
        if subnets
        else ("vpc_security_group_ids", "vpc_subnet_ids")
    )
    return (
        f"{given}={values[given]!r} without {missing}: SageMaker's VpcConfig needs both; "
        f"allowed: both set, or both empty"
    )


def _check_vpc_serverless(values: Mapping[str, Any]) -> str | None:
    if not id_list(values["vpc_subnet_ids"]) or values["inference"] != "serverless":
        return None
    return (
        f"vpc_subnet_ids={values['vpc_subnet_ids']!r} with inference='serverless': serverless "
        "endpoints do not run in a VPC; allowed: empty vpc_subnet_ids and "
        "vpc_security_group_ids, or inference='realtime' or 'async'"
    )


# Application Auto Scaling scheduled actions: one per entry, "<schedule> <min>-<max>".
_SCHEDULED_CAPACITY = re.compile(
    r"(?P<schedule>(?:cron|rate)\([^()]*\))\s+(?P<low>\d+)-(?P<high>\d+)"
)
MAX_SCHEDULED_ACTIONS = 20


@dataclass(frozen=True)
class ScheduledCapacity:
    schedule: str
    min_capacity: int
    max_capacity: int


def scheduled_capacities(value: str) -> list[ScheduledCapacity]:
    """The entries of an ``autoscaling_schedule`` answer.

    :raises ValueError: naming the entry that is malformed.
    """
    entries = []
    for entry in (e.strip() for e in value.split(";")):
        if not entry:
            continue
        match = _SCHEDULED_CAPACITY.fullmatch(entry)
        if match is None:
            raise ValueError(f"{entry!r} is not '<cron(...) or rate(...)> <min>-<max>'")
        try:
            validate_schedule_expression(match["schedule"])
        except ScheduleExpressionError as error:
            raise ValueError(f"{match['schedule']!r} {error}") from None
        low, high = int(match["low"]), int(match["high"])
        if not low <= high <= 100:
            raise ValueError(f"{entry!r} needs 0 <= min <= max <= 100 instances")
        entries.append(ScheduledCapacity(match["schedule"], low, high))
    return entries


def _check_autoscaling_schedule(values: Mapping[str, Any]) -> str | None:
    try:
        entries = scheduled_capacities(values["autoscaling_schedule"])
    except ValueError as error:
        problem = str(error)
    else:
        if len(entries) <= MAX_SCHEDULED_ACTIONS:
            zero = [e for e in entries if e.min_capacity == 0]
            if not zero or values["inference"] == "async":
                return None
            problem = f"{zero[0].schedule!r} sets min 0, which only asynchronous endpoints take"
        else:
            problem = f"{len(entries)} entries, more than {MAX_SCHEDULED_ACTIONS}"
    return (
        f"autoscaling_schedule={values['autoscaling_schedule']!r}: {problem}; allowed: empty, or "
        f"up to {MAX_SCHEDULED_ACTIONS} ';'-separated entries '<cron(...) or rate(...)> "
        "<min>-<max>', e.g. 'cron(0 8 ? * MON-FRI *) 4-8'"
    )


@functools.cache
def _time_zones() -> frozenset[str]:
    """The IANA names of the time zone database (read from disk once: it walks the tree)."""
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _check_timezone(values: Mapping[str, Any]) -> str | None:
    zone = values["autoscaling_timezone"]
    if zone in _time_zones():
        return None
    return (
        f"autoscaling_timezone={zone!r} is not an IANA time zone; allowed: a name of the time "
        "zone database such as UTC, Europe/Berlin or America/New_York"
    )


def vcpus(instance_type: str) -> int | None:
    """vCPUs of a SageMaker instance type from its size: medium and large 2, xlarge 4, and
    <n>xlarge 4n (EC2's sizing across the families SageMaker offers); None for other sizes."""
    match = INSTANCE_TYPE_PATTERN.fullmatch(instance_type)
    size = match["size"] if match else ""
    if size in ("medium", "large"):
        return 2
    sized = re.fullmatch(r"(\d*)xlarge", size)
    if sized is None:
        return None
    return 4 * int(sized[1] or 1)


def _check_cpu_sizes(values: Mapping[str, Any]) -> str | None:
    unknown = [
        f"{stage}_instance_type={values[f'{stage}_instance_type']!r}"
        for stage in ("staging", "prod")
        if vcpus(values[f"{stage}_instance_type"]) is None
    ]
    if not unknown:
        return None
    return (
        f"autoscaling_metric='cpu' with {', '.join(unknown)}: the CPU target is set per vCPU "
        "from the instance size; allowed: sizes medium, large, xlarge or <n>xlarge, or another "
        "autoscaling_metric"
    )


def _alike(value: str, candidates: Iterable[str], count: int = 8) -> list[str]:
    """CPU types among ``candidates`` of ``value``'s size: the same class letter first, then
    x86 before Graviton (a "g" after the generation digit)."""
    size = value.rsplit(".", 1)[-1]
    family = value.split(".")[1] if value.count(".") == 2 else ""

    def likeness(candidate: str) -> tuple[bool, bool, str]:
        other = candidate.split(".")[1]
        return (other[:1] != family[:1], "g" in other[2:], candidate)

    same_size = (t for t in candidates if t.endswith(f".{size}"))
    return sorted((t for t in same_size if not accelerated(t.split(".")[1])), key=likeness)[:count]


def _offered_rule(name: str) -> Rule:
    def check(values: Mapping[str, Any]) -> str | None:
        value, region = values[name], values["aws_region"]
        # Batch inference runs transform jobs, which the API offers on fewer types (no
        # instance-store families at all) than hosting.
        kind: Kind = "transform" if batch(values) else "hosting"
        offered = offered_types(kind, region)
        if value in offered or not offered:
            return None
        return (
            f"{name}={value!r} is not offered for SageMaker "
            f"{'batch transform' if kind == 'transform' else 'hosting'} in aws_region={region!r} "
            f"(AWS's price list); allowed there, for instance: {', '.join(_alike(value, offered))}"
        )

    return Rule(
        f"{name}-offered",
        (name, "aws_region", "inference"),
        f"{name} offered for hosting (batch transform) in the Region",
        check,
        on_instances,
    )


def _check_training_type(values: Mapping[str, Any]) -> str | None:
    value = values["training_instance_type"]
    match = INSTANCE_TYPE_PATTERN.fullmatch(value)
    if match is None or value in training_types():
        return None  # a malformed type is the "-known" rule's to report
    return (
        f"training_instance_type={value!r} is not an instance type SageMaker trains on (the "
        f"CreateTrainingJob API's list); allowed, for instance: "
        f"{', '.join(_alike(value, training_types()))}"
    )


def _check_processing_offered(values: Mapping[str, Any]) -> str | None:
    region = values["aws_region"]
    if processing_instance_type(region) is not None:
        return None
    return (
        f"aws_region={region!r} offers none of the instance types the pipeline's processing "
        f"jobs run on ({', '.join(PROCESSING_PREFERENCE)}) in AWS's price list; allowed: "
        "another Region"
    )


def _check_serverless_strategy(values: Mapping[str, Any]) -> str | None:
    strategy = values["deployment_strategy"]
    if strategy == "all-at-once":
        return None
    return (
        f"deployment_strategy={strategy!r} with inference='serverless': SageMaker sizes canary "
        "and linear traffic shifts in instances of the variant's fleet, and a serverless "
        "variant has no instances; allowed: deployment_strategy='all-at-once' (blue/green with "
        "a baking period and alarm rollback)"
    )


def _all_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for spec in OPTION_SPECS:
        if spec.kind == "choice":
            rules.extend(_choice_rule(spec))
        elif spec.kind == "int":
            rules.append(_range_rule(spec))
    rules += [_free_text_rule(name) for name in ("project_name", "description", "owner")]
    rules += [
        Rule("slug-pattern", ("project_slug",), "slug pattern", _check_slug),
        Rule("region-known", ("aws_region",), "a real AWS Region code", _check_region),
        Rule(
            "region-offers-resources",
            ("aws_region", "ci_provider", "inference", "deployment_target"),
            "CloudFormation offers the needed resource types in the Region",
            _check_region_offers,
        ),
        Rule(
            "region-offers-framework-image",
            ("aws_region", "framework"),
            "the SageMaker SDK has the framework's image in the Region",
            _check_framework_image,
        ),
        Rule(
            "github-repository-form", ("github_repository",), "owner/name", _check_github_repository
        ),
        Rule("code-owners-form", ("code_owners",), "GitHub owner handles", _check_code_owners),
        Rule(
            "schedule-expression",
            ("retrain_schedule",),
            "EventBridge schedule syntax",
            _schedule_check("retrain_schedule", may_be_empty=True),
        ),
        Rule(
            "drift-check-schedule-expression",
            ("drift_check_schedule",),
            "EventBridge schedule syntax",
            _schedule_check("drift_check_schedule", may_be_empty=False),
            answered("retrain_on_drift", "yes"),
        ),
        Rule(
            "batch-schedule-expression",
            ("batch_schedule",),
            "EventBridge schedule syntax",
            _schedule_check("batch_schedule", may_be_empty=True),
            batch,
        ),
        Rule(
            "batch-needs-trigger",
            ("batch_schedule", "batch_on_new_data"),
            "something starts the batch transform",
            _check_batch_trigger,
            batch,
        ),
        Rule(
            "serial-pipeline-serving",
            ("endpoint_kind", "inference", "container"),
            "a serial inference pipeline on a real-time endpoint or batch transform",
            _check_serial_pipeline,
            answered("endpoint_kind", "serial-pipeline"),
        ),
        Rule(
            "multi-model-inference",
            ("endpoint_kind", "inference"),
            "a multi-model endpoint is a real-time endpoint",
            _check_multi_model_inference,
            answered("endpoint_kind", "multi-model"),
        ),
        _multi_model_refuses(
            "multi-model-container",
            "container",
            ("byoc",),
            "the project's serving app serves the one model in /opt/ml/model and does not "
            "implement the multi-model container contract (loading and unloading models on "
            "request)",
            "container='provided'",
        ),
        _multi_model_refuses(
            "multi-model-drift",
            "retrain_on_drift",
            ("yes",),
            "the drift check reads the requests the endpoint captures as those of one model, "
            "and a multi-model endpoint's requests belong to many",
            "retrain_on_drift='no'",
        ),
        *_own_image_refusals(
            "lambda",
            answers="a Lambda function answers each request synchronously on its own",
            serves="a Lambda function serves the one model its version was deployed with",
            container_reason="the SageMaker framework images do not implement Lambda's "
            "runtime API, so the function runs the project's own image with the Lambda runtime "
            "interface client",
            captures="a Lambda function does not have",
        ),
        Rule(
            "lambda-traffic-interval",
            ("deployment_target", "deployment_strategy", "wait_minutes"),
            "CodeDeploy shifts Lambda traffic in steps of whole minutes",
            _check_lambda_traffic_interval,
            on_lambda,
        ),
        Rule(
            "lambda-api-timeout",
            ("lambda_endpoint", "lambda_timeout_seconds"),
            "an HTTP API waits 30 seconds at most for the function",
            _check_lambda_api_timeout,
            lambda values: on_lambda(values) and values["lambda_endpoint"] == "api-gateway",
        ),
        *_own_image_refusals(
            "ecs",
            answers="an ECS service answers each request synchronously behind its load balancer",
            serves="an ECS service's tasks serve the one model their task definition names",
            container_reason="the SageMaker framework images expect SageMaker to download and "
            "mount the model; the service's tasks run the project's own serving app, which "
            "fetches the model itself",
            captures="an ECS service does not have",
        ),
        Rule(
            "ecs-task-size",
            ("ecs_cpu", "ecs_memory_mb"),
            "a Fargate task size",
            _check_fargate_size,
            on_ecs,
        ),
        Rule(
            "ecs-network",
            ("vpc_id", "vpc_subnet_ids", "vpc_security_group_ids"),
            "a VPC, two subnets and a security group for the load-balanced service",
            _check_ecs_network,
            on_ecs,
        ),
        Rule(
            "airflow-network",
            ("orchestrator", "mwaa_environment", "vpc_subnet_ids", "vpc_security_group_ids"),
            "an MWAA environment has two subnets and a security group",
            _check_airflow_network,
            lambda values: (
                values["orchestrator"] == "airflow" and not values["mwaa_environment"].strip()
            ),
        ),
        Rule(
            "mwaa-environment-name",
            ("mwaa_environment", "orchestrator"),
            "an existing MWAA environment is named by its name",
            _check_mwaa_environment,
            answered("orchestrator", "airflow"),
        ),
        Rule(
            "mwaa-execution-role",
            ("mwaa_execution_role", "mwaa_environment", "orchestrator"),
            "an existing MWAA environment comes with its execution role's name",
            _check_mwaa_execution_role,
            lambda values: (
                values["orchestrator"] == "airflow" and bool(values["mwaa_environment"].strip())
            ),
        ),
        Rule(
            "drift-needs-data-capture",
            ("retrain_on_drift", "inference"),
            "drift checks need an endpoint that captures data",
            _check_drift_capture,
            answered("retrain_on_drift", "yes"),
        ),
    ]
    rules += [
        Rule(
            f"{name.replace('_', '-')}-form",
            (name,),
            "S3 key characters",
            _key_part_check(name, prefix=name == "new_data_prefix"),
            answered("retrain_on_new_data", "yes"),
        )
        for name in ("new_data_prefix", "new_data_suffix")
    ]
    instance_options: tuple[tuple[str, Callable[[Mapping[str, Any]], bool]], ...] = (
        ("training_instance_type", lambda _: True),
        ("staging_instance_type", on_instances),
        ("prod_instance_type", on_instances),
    )
    rules += [_instance_type_rule(name, applies) for name, applies in instance_options]
    rules += [_cpu_instance_rule(name, applies) for name, applies in instance_options]
    rules += [_offered_rule(name) for name in ("staging_instance_type", "prod_instance_type")]
    rules.append(
        Rule(
            "training_instance_type-trains",
            ("training_instance_type",),
            "an instance type SageMaker trains on",
            _check_training_type,
        )
    )
    rules.append(
        Rule(
            "region-offers-processing",
            ("aws_region",),
            "the Region offers a processing instance type",
            _check_processing_offered,
        )
    )
    rules += [
        Rule(
            "autoscaling-range",
            ("autoscaling_min_capacity", "autoscaling_max_capacity"),
            "autoscaling min <= max",
            _check_autoscaling_range,
            scaled_fleet,
        ),
        _stage_count_rule("staging"),
        _stage_count_rule("prod"),
        Rule(
            "canary-fleet",
            ("canary_percent", "autoscaling_min_capacity"),
            "a canary of at least one instance",
            _check_canary_fleet,
            lambda values: values["deployment_strategy"] == "canary" and autoscaled(values),
        ),
        Rule(
            "linear-fleet",
            ("linear_step_percent", "autoscaling_min_capacity"),
            "linear steps of at least one instance",
            _check_linear_fleet,
            lambda values: values["deployment_strategy"] == "linear" and autoscaled(values),
        ),
        Rule(
            "scale-to-zero-needs-async",
            ("autoscaling_min_capacity", "inference"),
            "only asynchronous endpoints scale to zero",
            _check_scale_to_zero,
            scaled_fleet,
        ),
        Rule(
            "vpc-subnet-ids-form",
            ("vpc_subnet_ids",),
            "subnet ids",
            _vpc_ids_check("vpc_subnet_ids"),
        ),
        Rule(
            "vpc-security-group-ids-form",
            ("vpc_security_group_ids",),
            "security group ids",
            _vpc_ids_check("vpc_security_group_ids"),
        ),
        Rule(
            "vpc-subnets-and-groups",
            ("vpc_subnet_ids", "vpc_security_group_ids"),
            "subnets and security groups together",
            _check_vpc_pair,
        ),
        Rule(
            "vpc-not-serverless",
            ("vpc_subnet_ids", "inference"),
            "serverless endpoints run outside VPCs",
            _check_vpc_serverless,
        ),
        Rule(
            "autoscaling-schedule-form",
            ("autoscaling_schedule", "inference"),
            "scheduled capacity entries",
            _check_autoscaling_schedule,
            scaled_fleet,
        ),
        Rule(
            "autoscaling-timezone",
            ("autoscaling_timezone",),
            "an IANA time zone",
            _check_timezone,
            lambda values: scaled_fleet(values) and bool(values["autoscaling_schedule"].strip()),
        ),
        Rule(
            "cpu-target-needs-instance-size",
            ("autoscaling_metric", "staging_instance_type", "prod_instance_type"),
            "vCPUs known from the instance size",
            _check_cpu_sizes,
            lambda values: (
                on_sagemaker(values)
                and values["inference"] == "realtime"
                and values["autoscaling_metric"] == "cpu"
            ),
        ),
        Rule(
            "serverless-memory-size",
            ("serverless_memory_mb",),
            "a serverless memory size in 1 GB steps",
            _check_serverless_memory,
            serverless,
        ),
        Rule(
            "serverless-provisioned-within-max",
            ("serverless_provisioned_concurrency", "serverless_max_concurrency"),
            "provisioned concurrency within the maximum",
            _check_provisioned_concurrency,
            serverless,
        ),
        Rule(
            "serverless-traffic-shifting",
            ("inference", "deployment_strategy"),
            "serverless endpoints shift traffic all at once",
            _check_serverless_strategy,
            serverless,
        ),
        Rule(
            "edge-target-device",
            ("edge_target_device",),
            "a SageMaker Neo edge device",
            _check_edge_device,
        ),
        Rule(
            "edge-framework",
            ("framework", "edge_target_device"),
            "Neo compiles the framework's models",
            _check_edge_framework,
            _compiles_for_edge,
        ),
        Rule(
            "edge-serial-pipeline",
            ("endpoint_kind", "edge_target_device"),
            "a compiled network has no feature container",
            _check_edge_serial_pipeline,
            _compiles_for_edge,
        ),
        Rule(
            "edge-region",
            ("aws_region", "edge_target_device"),
            "Neo runs in the Region",
            _check_edge_region,
            _compiles_for_edge,
        ),
        Rule(
            "spot-wait-covers-runtime",
            ("training_max_wait_minutes", "training_max_runtime_minutes"),
            "a spot job's wait covers its runtime",
            _check_spot_wait,
            answered("training_spot", "yes"),
        ),
        Rule(
            "guardrail-timeout",
            ("deployment_strategy", "wait_minutes", "linear_step_percent"),
            "the deployment fits SageMaker's maximum execution timeout",
            _check_guardrail_timeout,
            lambda values: on_endpoint(values) and on_sagemaker(values),
        ),
    ]
    return tuple(rules)


RULES: tuple[Rule, ...] = _all_rules()
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def check_rules(values: Mapping[str, Any]) -> list[OptionError]:
    """Run every rule that applies. A rule runs only on fields no earlier rule rejected, so
    each field reports its first problem and later rules see well-formed values."""
    errors: list[OptionError] = []
    broken_fields: set[str] = set()
    for rule in RULES:
        if broken_fields & set(rule.options):
            continue
        if not rule.applies(values):
            continue
        message = rule.check(values)
        if message is not None:
            errors.append(OptionError(rule.id, rule.options, message))
            if len(rule.options) == 1:
                broken_fields.add(rule.options[0])
    return errors
