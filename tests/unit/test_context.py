"""Derived values: names, traffic routing and the branch → stage map."""

from __future__ import annotations

from mlopscutter.context import VARIANT_NAME, build_context
from mlopscutter.options import default_answers, parse_options


def _context(**overrides):
    return build_context(parse_options({**default_answers(), **overrides}))


def test_names_derive_from_the_slug() -> None:
    p = _context(project_slug="churn")
    assert p.package_name == "churn"
    assert [s.endpoint_name for s in p.stages] == ["churn-staging", "churn-prod"]
    assert [s.stack_name for s in p.stages] == ["churn-model-staging", "churn-model-prod"]
    assert p.sagemaker_pipeline_name == "churn-training"
    assert p.model_package_group == "churn"
    assert p.variant_name == VARIANT_NAME


def test_longest_slug_fits_sagemaker_and_iam_name_limits() -> None:
    p = _context(project_slug="a" * 32)
    assert all(len(s.endpoint_name) <= 63 for s in p.stages)
    assert len(p.sagemaker_role_name) <= 64
    assert p.package_name.isidentifier()


def test_canary_routing() -> None:
    routing = _context(
        deployment_strategy="canary", canary_percent=50, wait_minutes=10
    ).traffic_routing
    assert (routing.type, routing.size_percent, routing.wait_seconds) == ("CANARY", 50, 600)
    assert routing.max_execution_timeout_seconds == 1800 + 2 * 600 + 600


def test_linear_routing_counts_steps() -> None:
    p = _context(
        deployment_strategy="linear",
        linear_step_percent=25,
        wait_minutes=5,
        autoscaling_min_capacity=4,
        autoscaling_max_capacity=8,
        staging_instance_count=4,
        prod_instance_count=4,
    )
    assert (p.traffic_routing.type, p.traffic_routing.steps) == ("LINEAR", 4)
    assert p.traffic_routing.max_execution_timeout_seconds == 1800 + 4 * 300 + 300


def test_all_at_once_has_no_size_and_minimum_timeout() -> None:
    routing = _context(deployment_strategy="all-at-once", wait_minutes=0).traffic_routing
    assert (routing.type, routing.size_percent) == ("ALL_AT_ONCE", None)
    assert routing.max_execution_timeout_seconds == 1800


def test_github_flow_one_pipeline_deploys_both_stages_from_main() -> None:
    (pipeline,) = _context().deploy_pipelines
    assert [s.name for s in pipeline.stages] == ["staging", "prod"]
    assert [r.pattern for r in pipeline.branches] == ["main"]
    assert pipeline.starts_on_model_approval


def test_gitflow_pipelines_per_branch_group() -> None:
    staging, prod = _context(branch_model="gitflow").deploy_pipelines
    assert (staging.name, [r.pattern for r in staging.branches]) == (
        "customer-churn-deploy-staging",
        ["develop", "release/*"],
    )
    assert (prod.name, [r.pattern for r in prod.branches]) == (
        "customer-churn-deploy-prod",
        ["main"],
    )
    assert staging.starts_on_model_approval and not prod.starts_on_model_approval
    assert staging.logical_id == "DeployStagingPipeline"


def test_github_flow_production_job_follows_staging_with_its_model() -> None:
    staging, production = _context(ci_provider="github-actions").deploy_jobs
    assert (staging.needs, staging.model_from) == ("build", None)
    assert (production.needs, production.model_from) == ("deploy-staging", "deploy-staging")
    assert production.condition == staging.condition
    assert "repository_dispatch" in production.condition


def test_gitflow_production_job_runs_on_main_only() -> None:
    staging, production = _context(ci_provider="github-actions", branch_model="gitflow").deploy_jobs
    assert production.needs == "build" and production.model_from is None
    assert production.condition == "github.ref == 'refs/heads/main'"
    assert "startsWith(github.ref, 'refs/heads/release/')" in staging.condition
    assert "repository_dispatch" in staging.condition


def test_ci_checks_per_provider() -> None:
    assert _context(ci_provider="github-actions").ci_checks == ("lint", "test")
    assert _context().ci_checks == ("customer-churn/lint-and-test",)


def test_schedule_node_and_edge_only_with_a_schedule() -> None:
    plain = _context()
    assert "schedule" not in {n.id for n in plain.delivery_nodes}
    assert "schedule" not in {e.source for e in plain.delivery_flow}
    scheduled = _context(retrain_schedule="rate(7 days)")
    assert ("schedule", "rate(7 days)") in {(n.id, n.label) for n in scheduled.delivery_nodes}
    assert ("schedule", "train") in {(e.source, e.target) for e in scheduled.delivery_flow}


def test_every_edge_joins_declared_nodes() -> None:
    for context in (_context(), _context(retrain_schedule="cron(0 3 ? * MON *)")):
        ids = {node.id for node in context.delivery_nodes}
        assert len(ids) == len(context.delivery_nodes)
        for edge in context.delivery_flow:
            assert {edge.source, edge.target} <= ids
