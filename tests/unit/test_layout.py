"""The layout table decides which paths exist."""

from __future__ import annotations

from mlopscutter.layout import LAYOUT, prune, pruned_paths
from mlopscutter.options import default_answers, parse_options


def _options(**overrides: object):
    return parse_options({**default_answers(), **overrides})


def test_codepipeline_github_flow() -> None:
    assert pruned_paths(_options()) == [
        ".github/workflows",
        "infra/github-oidc.yaml",
        ".github/rulesets/develop.json",
        ".github/rulesets/release.json",
        ".github/rulesets/release-tags.json",
        "buildspecs/release-tag.yml",
        ".cfnlintrc",
        "infra/lint_rules",
        "Dockerfile",
        ".dockerignore",
        "src/customer_churn/serve.py",
        "tests/unit/test_serve.py",
        "src/customer_churn/lambda_handler.py",
        "src/customer_churn/traffic_hooks.py",
        "tests/unit/test_lambda.py",
        "tests/integration/test_lambda_stack.py",
        "src/customer_churn/traffic_check.py",
        "tests/unit/test_traffic_check.py",
        "tests/integration/test_ecs_stack.py",
        "src/customer_churn/drift.py",
        "src/customer_churn/drift_pipeline.py",
        "tests/unit/test_drift.py",
        "tests/integration/test_batch.py",
        "buildspecs/publish-model.yml",
        "tests/integration/test_multi_model.py",
        "dags",
        "infra/mwaa.yaml",
        "src/customer_churn/airflow_jobs.py",
        "src/customer_churn/repack.py",
        "tests/unit/test_airflow_jobs.py",
        "src/customer_churn/edge.py",
        "tests/unit/test_edge.py",
        "infra/stage-account.yaml",
    ]


def test_github_actions_gitflow() -> None:
    options = _options(ci_provider="github-actions", branch_model="gitflow")
    assert pruned_paths(options) == [
        "buildspecs",
        "infra/cicd.yaml",
        ".cfnlintrc",
        "infra/lint_rules",
        "Dockerfile",
        ".dockerignore",
        "src/customer_churn/serve.py",
        "tests/unit/test_serve.py",
        "src/customer_churn/lambda_handler.py",
        "src/customer_churn/traffic_hooks.py",
        "tests/unit/test_lambda.py",
        "tests/integration/test_lambda_stack.py",
        "src/customer_churn/traffic_check.py",
        "tests/unit/test_traffic_check.py",
        "tests/integration/test_ecs_stack.py",
        "src/customer_churn/drift.py",
        "src/customer_churn/drift_pipeline.py",
        "tests/unit/test_drift.py",
        "tests/integration/test_batch.py",
        "buildspecs/publish-model.yml",
        "tests/integration/test_multi_model.py",
        "dags",
        "infra/mwaa.yaml",
        "src/customer_churn/airflow_jobs.py",
        "src/customer_churn/repack.py",
        "tests/unit/test_airflow_jobs.py",
        "src/customer_churn/edge.py",
        "tests/unit/test_edge.py",
        "infra/stage-account.yaml",
    ]


def test_an_ecs_service_keeps_the_serving_app_and_its_traffic_check() -> None:
    ecs = pruned_paths(
        _options(
            deployment_target="ecs",
            container="byoc",
            vpc_id="vpc-0a1b2c3d",
            vpc_subnet_ids="subnet-0a1b2c3d,subnet-0123456789abcdef0",
            vpc_security_group_ids="sg-0a1b2c3d4e5f67890",
        )
    )
    kept = {
        "src/customer_churn/serve.py",
        "src/customer_churn/traffic_check.py",
        "tests/unit/test_traffic_check.py",
        "tests/integration/test_ecs_stack.py",
    }
    assert kept.isdisjoint(ecs)
    assert {
        "src/customer_churn/lambda_handler.py",
        "tests/integration/test_lambda_stack.py",
        "tests/integration/test_deploy_stack.py",
    } <= set(ecs)


def test_the_profile_lint_files_exist_only_under_an_org_profile() -> None:
    options = _options(org_profile={"name": "org", "version": "1"})
    assert ".cfnlintrc" not in pruned_paths(options)
    assert "infra/lint_rules" not in pruned_paths(options)


def test_the_dag_replaces_the_sagemaker_pipeline_under_airflow() -> None:
    airflow = pruned_paths(
        _options(
            orchestrator="airflow",
            vpc_subnet_ids="subnet-0a1b2c3d,subnet-0123456789abcdef0",
            vpc_security_group_ids="sg-0a1b2c3d4e5f67890",
        )
    )
    assert {"dags", "infra/mwaa.yaml", "src/customer_churn/airflow_jobs.py"}.isdisjoint(airflow)
    assert {
        "src/customer_churn/pipeline.py",
        "src/customer_churn/run_pipeline.py",
        "tests/integration/test_pipeline_definition.py",
    } <= set(airflow)
    assert "src/customer_churn/pipeline.py" not in pruned_paths(_options())


def test_multi_model_publishing_exists_only_for_multi_model_endpoints() -> None:
    multi_model = pruned_paths(_options(endpoint_kind="multi-model"))
    assert "buildspecs/publish-model.yml" not in multi_model
    assert "tests/integration/test_multi_model.py" not in multi_model
    assert "buildspecs/publish-model.yml" in pruned_paths(_options())


def test_the_drift_check_exists_only_with_drift_retraining() -> None:
    drifting = pruned_paths(_options(retrain_on_drift="yes", project_slug="demand-forecast"))
    assert "src/demand_forecast/drift.py" not in drifting
    assert "src/demand_forecast/drift_pipeline.py" not in drifting
    assert "tests/unit/test_drift.py" not in drifting
    assert "src/customer_churn/drift.py" in pruned_paths(_options())


def test_layout_rulesets_match_the_branch_policy() -> None:
    from mlopscutter.context import build_context

    for ci_provider in ("codepipeline", "github-actions"):
        for branch_model in ("github-flow", "gitflow"):
            options = _options(ci_provider=ci_provider, branch_model=branch_model)
            kept = {
                rule.pattern.removeprefix(".github/rulesets/").removesuffix(".json")
                for rule in LAYOUT
                if rule.pattern.startswith(".github/rulesets/") and rule.keep(options)
            }
            assert kept | {"main"} == set(build_context(options).rulesets)


def test_prune_removes_files_and_folders(tmp_path) -> None:
    (tmp_path / "buildspecs").mkdir()
    (tmp_path / "buildspecs" / "build.yml").write_text("x")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "cicd.yaml").write_text("x")
    (tmp_path / "infra" / "model-service.yaml").write_text("x")
    options = _options(ci_provider="github-actions")
    assert prune(tmp_path, options) == ["buildspecs", "infra/cicd.yaml"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["infra", "model-service.yaml"]


def test_every_rule_has_a_reason() -> None:
    assert all(rule.reason for rule in LAYOUT)


def test_the_batch_tests_exist_only_with_batch_inference() -> None:
    assert "tests/integration/test_batch.py" not in pruned_paths(_options(inference="batch"))
    assert "tests/integration/test_batch.py" in pruned_paths(_options(inference="async"))


def test_a_lambda_target_has_its_handler_and_hooks_not_the_http_app() -> None:
    options = _options(deployment_target="lambda", container="byoc")
    pruned = pruned_paths(options)
    assert "src/customer_churn/serve.py" in pruned
    assert "tests/integration/test_deploy_stack.py" in pruned
    assert "Dockerfile" not in pruned
    for kept in ("lambda_handler.py", "traffic_hooks.py"):
        assert f"src/customer_churn/{kept}" not in pruned
