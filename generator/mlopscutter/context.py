"""Derived values, computed once from validated :class:`Options` and handed to templates.

Templates only present: names, stage tables, traffic routing and the delivery flow are decided
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from mlopscutter.escaping import tag_value
from mlopscutter.options import Options
from mlopscutter.region_support import CONNECTION, offers
from mlopscutter.rules import deployment_timeout_seconds, traffic_steps

VARIANT_NAME = "AllTraffic"  # blue/green updates require the same variant name across configs
DEFAULT_BRANCH = "main"
# Pinned once; the generated project's CodeBuild images and tool versions.
CODEBUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
PYTHON_VERSION = "3.11"
SKLEARN_FRAMEWORK_VERSION = "1.2-1"


@dataclass(frozen=True)
class Stage:
    """One deployment stage of the model service."""

    name: str
    title: str
    instance_type: str
    instance_count: int
    endpoint_name: str
    stack_name: str
    needs_approval: bool


@dataclass(frozen=True)
class TrafficRouting:
    """SageMaker blue/green TrafficRoutingConfig values for the chosen strategy."""

    type: str
    size_percent: int | None
    wait_seconds: int
    termination_wait_seconds: int
    max_execution_timeout_seconds: int
    steps: int


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


@dataclass(frozen=True)
class ProjectContext:
    """Everything templates need beyond the raw answers."""

    options: Options

    @property
    def slug(self) -> str:
        return self.options.project_slug

    @property
    def package_name(self) -> str:
        return self.slug.replace("-", "_")

    @property
    def default_branch(self) -> str:
        return DEFAULT_BRANCH

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
    def sklearn_framework_version(self) -> str:
        return SKLEARN_FRAMEWORK_VERSION

    @property
    def owner_tag(self) -> str:
        return tag_value(self.options.owner)

    @property
    def model_package_group(self) -> str:
        return self.slug

    @property
    def sagemaker_pipeline_name(self) -> str:
        return f"{self.slug}-training"

    @property
    def creates_connection(self) -> bool:
        """Whether the CI/CD stack can create the GitHub connection (else it takes one)."""
        return offers(self.options.aws_region, CONNECTION)

    @property
    def sagemaker_role_name(self) -> str:
        return f"{self.slug}-sagemaker-execution"

    @property
    def deploy_pipeline_name(self) -> str:
        return f"{self.slug}-deploy"

    @property
    def train_pipeline_name(self) -> str:
        return f"{self.slug}-train"

    @property
    def cicd_stack_name(self) -> str:
        return f"{self.slug}-cicd"

    @property
    def retraining_stack_name(self) -> str:
        return f"{self.slug}-retraining"

    @property
    def export_prefix(self) -> str:
        return self.slug

    @cached_property
    def stages(self) -> tuple[Stage, ...]:
        o = self.options
        return (
            Stage(
                "staging",
                "Staging",
                o.staging_instance_type,
                o.staging_instance_count,
                f"{self.slug}-staging",
                f"{self.slug}-model-staging",
                needs_approval=False,
            ),
            Stage(
                "prod",
                "Production",
                o.prod_instance_type,
                o.prod_instance_count,
                f"{self.slug}-prod",
                f"{self.slug}-model-prod",
                needs_approval=True,
            ),
        )

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
        wait = f"{o.wait_minutes} min"
        if o.deployment_strategy == "canary":
            return f"canary: {o.canary_percent}% of capacity first, bake {wait}, then the rest"
        if o.deployment_strategy == "linear":
            return (
                f"linear: {o.linear_step_percent}% of capacity per step, "
                f"{self.traffic_routing.steps} steps, bake {wait} after each"
            )
        return f"all at once, then bake {wait} before the old fleet is removed"

    @property
    def inference_instance_types(self) -> list[str]:
        """Distinct instance types the stages serve on (for the model package)."""
        return sorted({stage.instance_type for stage in self.stages})

    @property
    def endpoints(self) -> dict[str, str]:
        """Stage name -> endpoint name."""
        return {stage.name: stage.endpoint_name for stage in self.stages}

    @property
    def branch_stages(self) -> dict[str, tuple[str, ...]]:
        """Which stages a push to each long-lived branch deploys (github-flow: main only)."""
        return {DEFAULT_BRANCH: tuple(stage.name for stage in self.stages)}

    @property
    def has_schedule(self) -> bool:
        return self.options.retrain_schedule != ""

    @property
    def delivery_nodes(self) -> tuple[FlowNode, ...]:
        """Nodes of the delivery-flow diagram drawn from the answers."""
        nodes = [
            FlowNode("push", f"git push to {DEFAULT_BRANCH}", ("([", "])")),
            FlowNode("build", "build: lint, unit tests, cfn-lint"),
            *[FlowNode(stage.name, f"deploy {stage.endpoint_name}") for stage in self.stages],
            FlowNode("smoke", "smoke test"),
            FlowNode("approval", "manual approval", ("{", "}")),
            FlowNode("train", "SageMaker training pipeline", ("[[", "]]")),
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
            FlowEdge("push", "build", "deploy pipeline"),
            FlowEdge("build", staging.name, "newest Approved model"),
            FlowEdge(staging.name, "smoke", self.strategy_summary),
            FlowEdge("smoke", "approval", "serves the expected model"),
            FlowEdge("approval", prod.name, self.strategy_summary),
            FlowEdge("push", "train", "src/ changed", dotted=True),
            FlowEdge("train", "registry", "ROC AUC above threshold"),
            FlowEdge("registry", "build", "package Approved"),
        ]
        if self.has_schedule:
            edges.append(FlowEdge("schedule", "train", "EventBridge rule", dotted=True))
        return tuple(edges)


def build_context(options: Options) -> ProjectContext:
    """The derived context for ``options`` (cheap; computed once per render by the caller)."""
    return ProjectContext(options)
