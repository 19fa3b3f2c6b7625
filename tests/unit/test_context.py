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


def test_github_flow_deploys_both_stages_from_main() -> None:
    assert _context().branch_stages == {"main": ("staging", "prod")}


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
