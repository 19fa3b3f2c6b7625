"""Every validation rule rejects a bad value with its id and a message naming the option(s),
the value given and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from mlopscutter.context import LambdaTrafficShift
from mlopscutter.errors import ValidationErrors
from mlopscutter.options import default_answers, parse_options
from mlopscutter.rules import RULES

# (rule id, overrides, fragments the message must contain)
SERVERLESS = {"inference": "serverless", "deployment_strategy": "all-at-once"}
ASYNC_TO_ZERO = {
    "inference": "async",
    "deployment_strategy": "all-at-once",
    "autoscaling_min_capacity": 0,
}

AIRFLOW_NETWORK = {
    "orchestrator": "airflow",
    "vpc_subnet_ids": "subnet-0a1b2c3d,subnet-0123456789abcdef0",
    "vpc_security_group_ids": "sg-0a1b2c3d4e5f67890",
}

LAMBDA = {"deployment_target": "lambda", "container": "byoc"}
ECS = {
    "deployment_target": "ecs",
    "container": "byoc",
    "vpc_id": "vpc-0a1b2c3d",
    "vpc_subnet_ids": "subnet-0a1b2c3d,subnet-1a2b3c4d",
    "vpc_security_group_ids": "sg-0a1b2c3d",
}
BAD_CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("unknown-option", {"colour": "blue"}, ["colour", "unknown option", "project_name"]),
    ("integer", {"wait_minutes": "ten"}, ["wait_minutes", "'ten'", "whole number"]),
    (
        "project_name-text",
        {"project_name": "   ", "project_slug": "abc"},
        ["project_name", "empty", "1 to 500"],
    ),
    ("description-text", {"description": "x" * 501}, ["description", "501", "at most 500"]),
    ("owner-text", {"owner": ""}, ["owner", "empty"]),
    (
        "slug-pattern",
        {"project_slug": "Churn_Model"},
        ["project_slug", "'Churn_Model'", "^[a-z][a-z0-9-]{1,30}[a-z0-9]$"],
    ),
    ("slug-pattern", {"project_slug": "ab"}, ["'ab'", "3 to 32"]),
    ("slug-pattern", {"project_slug": "churn-"}, ["'churn-'", "not ending with a hyphen"]),
    ("slug-pattern", {"project_slug": "a" * 33}, ["3 to 32"]),
    ("region-known", {"aws_region": "us-east-9"}, ["aws_region", "'us-east-9'", "eu-west-1"]),
    ("region-known", {"aws_region": "cn-north-1"}, ["'cn-north-1'", "partition"]),
    (
        "region-offers-resources",
        {"aws_region": "me-central-1"},
        [
            "aws_region='me-central-1'",
            "AWS::SageMaker::Endpoint",
            "inference='realtime'",
            "us-east-1",
        ],
    ),
    (
        "region-offers-resources",
        {"aws_region": "ca-west-1"},
        ["AWS::CodeBuild::Project", "ci_provider='codepipeline'"],
    ),
    (
        "region-offers-resources",
        {"aws_region": "il-central-1", "ci_provider": "github-actions"},
        ["AWS::Events::ApiDestination", "ci_provider='github-actions'"],
    ),
    (
        "region-offers-resources",
        {"aws_region": "ap-south-2"},
        ["AWS::SageMaker::ModelPackageGroup", "every project"],
    ),
    (
        "github-repository-form",
        {"github_repository": "acme"},
        ["github_repository", "'acme'", "owner/name"],
    ),
    ("github-repository-form", {"github_repository": "-acme/repo"}, ["'-acme/repo'"]),
    ("github-repository-form", {"github_repository": "acme/a b"}, ["'acme/a b'"]),
    (
        "ci_provider-choice",
        {"ci_provider": "jenkins"},
        ["ci_provider", "'jenkins'", "codepipeline, github-actions"],
    ),
    (
        "code-owners-form",
        {"code_owners": "ml-team"},
        ["code_owners='ml-team'", "@user or @org/team"],
    ),
    ("code-owners-form", {"code_owners": "@acme/ml team"}, ["code_owners='@acme/ml team'"]),
    ("branch_model-choice", {"branch_model": "trunk"}, ["branch_model", "'trunk'", "gitflow"]),
    ("inference-choice", {"inference": "edge"}, ["inference", "'edge'", "realtime"]),
    (
        "batch_on_new_data-choice",
        {"inference": "batch", "batch_on_new_data": "sometimes"},
        ["batch_on_new_data", "'sometimes'", "yes, no"],
    ),
    (
        "batch-schedule-expression",
        {"inference": "batch", "batch_schedule": "every night"},
        ["batch_schedule='every night'"],
    ),
    (
        "batch-needs-trigger",
        {"inference": "batch", "batch_schedule": "", "batch_on_new_data": "no"},
        ["inference='batch'", "batch_schedule=''", "batch_on_new_data='no'", "nothing would"],
    ),
    (
        "drift-needs-data-capture",
        {"inference": "batch", "retrain_on_drift": "yes"},
        ["retrain_on_drift='yes'", "inference='batch'", "no endpoint", "'async'"],
    ),
    (
        "deployment_strategy-choice",
        {"deployment_strategy": "rolling"},
        ["deployment_strategy", "'rolling'", "canary, linear, all-at-once"],
    ),
    ("canary_percent-range", {"canary_percent": 0}, ["canary_percent=0", "1 to 50"]),
    ("canary_percent-range", {"canary_percent": 51}, ["canary_percent=51", "1 to 50"]),
    (
        "linear_step_percent-range",
        {"deployment_strategy": "linear", "linear_step_percent": 5},
        ["linear_step_percent=5", "10 to 50"],
    ),
    (
        "linear_step_percent-range",
        {"deployment_strategy": "linear", "linear_step_percent": 60},
        ["linear_step_percent=60", "10 to 50"],
    ),
    ("wait_minutes-range", {"wait_minutes": 61}, ["wait_minutes=61", "0 to 60"]),
    ("wait_minutes-range", {"wait_minutes": -1}, ["wait_minutes=-1", "0 to 60"]),
    (
        "lambda_memory_mb-range",
        {**LAMBDA, "lambda_memory_mb": 64},
        ["lambda_memory_mb=64", "128 to 10240", "deployment_target is lambda"],
    ),
    (
        "lambda_timeout_seconds-range",
        {**LAMBDA, "lambda_timeout_seconds": 901},
        ["lambda_timeout_seconds=901", "1 to 900"],
    ),
    (
        "lambda_endpoint-choice",
        {**LAMBDA, "lambda_endpoint": "alb"},
        ["lambda_endpoint", "'alb'", "function-url, api-gateway"],
    ),
    (
        "lambda-api-timeout",
        {**LAMBDA, "lambda_endpoint": "api-gateway", "lambda_timeout_seconds": 31},
        [
            "lambda_endpoint='api-gateway' with lambda_timeout_seconds=31",
            "integration timeout",
            "allowed: lambda_timeout_seconds from 1 to 30, or lambda_endpoint='function-url'",
        ],
    ),
    (
        "deployment_target-choice",
        {"deployment_target": "eks"},
        ["deployment_target='eks'", "sagemaker, lambda, ecs"],
    ),
    (
        "ecs_cpu-range",
        {**ECS, "ecs_cpu": 128},
        ["ecs_cpu=128", "256 to 16384", "deployment_target is ecs"],
    ),
    ("ecs_memory_mb-range", {**ECS, "ecs_memory_mb": 200000}, ["ecs_memory_mb=200000"]),
    (
        "ecs-task-size",
        {**ECS, "ecs_cpu": 1000},
        ["ecs_cpu=1000", "not a Fargate task size", "256, 512, 1024, 2048, 4096, 8192, 16384"],
    ),
    (
        "ecs-task-size",
        {**ECS, "ecs_cpu": 1024, "ecs_memory_mb": 1024},
        ["ecs_memory_mb=1024", "ecs_cpu=1024", "2048 to 8192 in steps of 1024"],
    ),
    (
        "ecs-task-size",
        {**ECS, "ecs_cpu": 256, "ecs_memory_mb": 1536},
        ["ecs_memory_mb=1536", "ecs_cpu=256", "512, 1024, 2048"],
    ),
    (
        "ecs-task-size",
        {**ECS, "ecs_cpu": 8192, "ecs_memory_mb": 17408},
        ["ecs_memory_mb=17408", "16384 to 61440 in steps of 4096"],
    ),
    (
        "ecs-network",
        {**ECS, "vpc_id": ""},
        ["vpc_id=''", "load balancer", "vpc-0a1b2c3d4e5f67890"],
    ),
    (
        "ecs-network",
        {**ECS, "vpc_id": "vpc-12"},
        ["vpc_id='vpc-12'", "a VPC id"],
    ),
    (
        "ecs-network",
        {**ECS, "vpc_subnet_ids": "subnet-0a1b2c3d"},
        ["vpc_subnet_ids='subnet-0a1b2c3d'", "two Availability Zones", "two or more subnet"],
    ),
    (
        "scale-to-zero-needs-async",
        {**ECS, "autoscaling_min_capacity": 0},
        ["autoscaling_min_capacity=0", "deployment_target='ecs'", "no task", ">= 1"],
    ),
    (
        "staging_instance_count-range",
        {"staging_instance_count": 0},
        ["staging_instance_count=0", "1 to 100"],
    ),
    ("prod_instance_count-range", {"prod_instance_count": 101}, ["prod_instance_count=101"]),
    (
        "autoscaling_min_capacity-range",
        {"autoscaling_min_capacity": -1},
        ["autoscaling_min_capacity=-1", "0 to 100"],
    ),
    (
        "autoscaling_max_capacity-range",
        {"autoscaling_max_capacity": 1000},
        ["autoscaling_max_capacity=1000"],
    ),
    (
        "autoscaling_target_invocations-range",
        {"autoscaling_target_invocations": 0},
        ["autoscaling_target_invocations=0"],
    ),
    (
        "training_instance_type-known",
        {"training_instance_type": "m5.large"},
        ["training_instance_type", "'m5.large'", "ml.m5.large"],
    ),
    (
        "staging_instance_type-known",
        {"staging_instance_type": "ml.zz9.large"},
        ["staging_instance_type", "'ml.zz9.large'"],
    ),
    ("prod_instance_type-known", {"prod_instance_type": "ml.m5"}, ["prod_instance_type"]),
    (
        "training_instance_type-cpu",
        {"training_instance_type": "ml.g5.2xlarge"},
        [
            "training_instance_type='ml.g5.2xlarge'",
            "trains scikit-learn models on CPU",
            "framework='scikit-learn'",
            "ml.m5",
        ],
    ),
    (
        "training_instance_type-cpu",
        {"training_instance_type": "ml.trn1.2xlarge", "framework": "xgboost"},
        ["'ml.trn1.2xlarge' is an Inferentia or Trainium instance", "XGBoost", "ml.g5"],
    ),
    (
        "training_instance_type-cpu",
        {"training_instance_type": "ml.inf2.xlarge", "framework": "pytorch"},
        ["'ml.inf2.xlarge' is an Inferentia or Trainium instance", "PyTorch", "ml.g5"],
    ),
    (
        "prod_instance_type-cpu",
        {"prod_instance_type": "ml.p3.2xlarge", "framework": "pytorch"},
        ["serves PyTorch models on CPU", "framework='pytorch'"],
    ),
    (
        "staging_instance_type-cpu",
        {"staging_instance_type": "ml.inf2.xlarge"},
        ["serves scikit-learn models on CPU"],
    ),
    (
        "prod_instance_type-cpu",
        {"prod_instance_type": "ml.g5.xlarge", "framework": "xgboost"},
        ["serves XGBoost models on CPU", "framework='xgboost'"],
    ),
    (
        "region-offers-framework-image",
        {
            "aws_region": "ap-southeast-7",
            "framework": "xgboost",
            "training_instance_type": "ml.m6i.large",
            "staging_instance_type": "ml.m6i.large",
            "prod_instance_type": "ml.m6i.large",
        },
        [
            "aws_region='ap-southeast-7'",
            "no SageMaker XGBoost 3.0-5 image",
            "SageMaker Python SDK",
            "eu-west-1",
        ],
    ),
    (
        "schedule-expression",
        {"retrain_schedule": "rate(1 hours)"},
        ["retrain_schedule", "'rate(1 hours)'", "rate(1 hour)"],
    ),
    (
        "schedule-expression",
        {"retrain_schedule": "cron(0 12 * * * *)"},
        ["retrain_schedule", "exactly one of day-of-month and day-of-week must be '?'"],
    ),
    ("schedule-expression", {"retrain_schedule": "daily"}, ["'daily'", "cron(", "rate("]),
    (
        "edge-target-device",
        {"framework": "pytorch", "edge_target_device": "coreml"},
        ["edge_target_device='coreml'", "jetson_nano", "rasp4b", "edge_target_device=''"],
    ),
    (
        "edge-framework",
        {"edge_target_device": "jetson_nano"},
        ["framework='scikit-learn'", "lists none", "framework='pytorch'", "no edge compilation"],
    ),
    (
        "edge-framework",
        {"framework": "xgboost", "edge_target_device": "rasp4b"},
        ["framework='xgboost'", "XGBoost 1.3 cannot read", "framework='pytorch'"],
    ),
    (
        "edge-serial-pipeline",
        {
            "framework": "pytorch",
            "endpoint_kind": "serial-pipeline",
            "edge_target_device": "jetson_xavier",
        },
        ["endpoint_kind='serial-pipeline'", "feature", "endpoint_kind='single-model'"],
    ),
    (
        "edge-region",
        {
            "framework": "pytorch",
            "aws_region": "ap-southeast-3",
            "edge_target_device": "jetson_nano",
        },
        ["aws_region='ap-southeast-3'", "Neo", "eu-west-1", "edge_target_device=''"],
    ),
    (
        "spot-wait-covers-runtime",
        {
            "training_spot": "yes",
            "training_max_runtime_minutes": 180,
            "training_max_wait_minutes": 120,
        },
        ["training_max_wait_minutes=120", "training_max_runtime_minutes=180", ">= 180"],
    ),
    (
        "training_spot-choice",
        {"training_spot": "maybe"},
        ["training_spot", "'maybe'", "no, yes"],
    ),
    (
        "training_max_runtime_minutes-range",
        {"training_max_runtime_minutes": 40321},
        ["training_max_runtime_minutes", "40321", "40320"],
    ),
    (
        "training_max_wait_minutes-range",
        {"training_spot": "yes", "training_max_wait_minutes": 0},
        ["training_max_wait_minutes", "0"],
    ),
    (
        "retrain_on_new_data-choice",
        {"retrain_on_new_data": "sometimes"},
        ["retrain_on_new_data", "'sometimes'", "no, yes"],
    ),
    (
        "new-data-prefix-form",
        {"retrain_on_new_data": "yes", "new_data_prefix": ""},
        ["new_data_prefix=''", "every object", "incoming/"],
    ),
    (
        "new-data-prefix-form",
        {"retrain_on_new_data": "yes", "new_data_prefix": "in*coming/"},
        ["new_data_prefix='in*coming/'", "S3's safe key characters"],
    ),
    (
        "new-data-prefix-form",
        {"retrain_on_new_data": "yes", "new_data_prefix": "/incoming/"},
        ["not starting with /"],
    ),
    (
        "new-data-suffix-form",
        {"retrain_on_new_data": "yes", "new_data_suffix": '.csv"'},
        ["new_data_suffix='.csv\"'", "S3's safe key characters"],
    ),
    (
        "autoscaling-range",
        {"autoscaling_min_capacity": 5, "autoscaling_max_capacity": 3},
        ["autoscaling_min_capacity=5", "autoscaling_max_capacity=3", "min <= max"],
    ),
    (
        "staging-count-in-autoscaling-range",
        {"staging_instance_count": 1},
        ["staging_instance_count=1", "autoscaling_min_capacity=2", "autoscaling_max_capacity=4"],
    ),
    (
        "prod-count-in-autoscaling-range",
        {"prod_instance_count": 9},
        ["prod_instance_count=9", "autoscaling_max_capacity=4"],
    ),
    (
        "canary-fleet",
        {"canary_percent": 20},
        ["canary_percent=20", "autoscaling_min_capacity=2", "no canary", ">= 5"],
    ),
    (
        "linear-fleet",
        {"deployment_strategy": "linear", "linear_step_percent": 25},
        ["linear_step_percent=25", "autoscaling_min_capacity=2", ">= 4"],
    ),
    (
        "serverless_memory_mb-range",
        {**SERVERLESS, "serverless_memory_mb": 512},
        ["serverless_memory_mb=512", "allowed: 1024 to 6144", "inference is serverless"],
    ),
    (
        "serverless-memory-size",
        {**SERVERLESS, "serverless_memory_mb": 1500},
        ["serverless_memory_mb=1500", "1024, 2048, 3072, 4096, 5120, 6144"],
    ),
    (
        "serverless_max_concurrency-range",
        {**SERVERLESS, "serverless_max_concurrency": 201},
        ["serverless_max_concurrency=201", "allowed: 1 to 200"],
    ),
    (
        "serverless_provisioned_concurrency-range",
        {**SERVERLESS, "serverless_provisioned_concurrency": -1},
        ["serverless_provisioned_concurrency=-1", "allowed: 0 to 200"],
    ),
    (
        "serverless-provisioned-within-max",
        {**SERVERLESS, "serverless_max_concurrency": 10, "serverless_provisioned_concurrency": 11},
        ["serverless_provisioned_concurrency=11", "serverless_max_concurrency=10"],
    ),
    (
        "serverless-traffic-shifting",
        {"inference": "serverless"},
        ["deployment_strategy='canary'", "inference='serverless'", "'all-at-once'"],
    ),
    (
        "serverless-traffic-shifting",
        {"inference": "serverless", "deployment_strategy": "linear"},
        ["deployment_strategy='linear'", "no instances"],
    ),
    (
        "retrain_on_drift-choice",
        {"retrain_on_drift": "weekly"},
        ["retrain_on_drift='weekly'", "no, yes"],
    ),
    (
        "scale-to-zero-needs-async",
        {"autoscaling_min_capacity": 0, "deployment_strategy": "all-at-once"},
        ["autoscaling_min_capacity=0", "inference='realtime'", "only asynchronous"],
    ),
    (
        "canary-fleet",
        {**ASYNC_TO_ZERO, "deployment_strategy": "canary"},
        ["canary_percent=50", "autoscaling_min_capacity=0", "deployment_strategy='all-at-once'"],
    ),
    (
        "linear-fleet",
        {**ASYNC_TO_ZERO, "deployment_strategy": "linear"},
        ["autoscaling_min_capacity=0", "shifts all at once"],
    ),
    (
        "async_max_concurrent_invocations-range",
        {**ASYNC_TO_ZERO, "async_max_concurrent_invocations": 1001},
        ["async_max_concurrent_invocations=1001", "1 to 1000", "inference is async"],
    ),
    (
        "async_backlog_target-range",
        {**ASYNC_TO_ZERO, "async_backlog_target": 0},
        ["async_backlog_target=0", "1 to 1000"],
    ),
    (
        "vpc-subnet-ids-form",
        {"vpc_subnet_ids": "subnet-0a1b2c3d,vpc-0a1b2c3d", "vpc_security_group_ids": "sg-0a1b2c3d"},
        ["vpc_subnet_ids='subnet-0a1b2c3d,vpc-0a1b2c3d'", "'vpc-0a1b2c3d' is not an id"],
    ),
    (
        "vpc-subnet-ids-form",
        {"vpc_subnet_ids": ",".join(f"subnet-{i:08x}" for i in range(17))},
        ["17 ids", "up to 16"],
    ),
    (
        "vpc-security-group-ids-form",
        {"vpc_subnet_ids": "subnet-0a1b2c3d", "vpc_security_group_ids": "sg-0a1b2c3d,sg-0a1b2c3d"},
        ["an id is repeated", "up to 5"],
    ),
    (
        "vpc-subnets-and-groups",
        {"vpc_subnet_ids": "subnet-0a1b2c3d"},
        ["vpc_subnet_ids='subnet-0a1b2c3d' without vpc_security_group_ids", "both"],
    ),
    (
        "vpc-subnets-and-groups",
        {"vpc_security_group_ids": "sg-0a1b2c3d"},
        ["vpc_security_group_ids='sg-0a1b2c3d' without vpc_subnet_ids"],
    ),
    (
        "vpc-not-serverless",
        {
            **SERVERLESS,
            "vpc_subnet_ids": "subnet-0a1b2c3d",
            "vpc_security_group_ids": "sg-0a1b2c3d",
        },
        ["inference='serverless'", "do not run in a VPC"],
    ),
    (
        "autoscaling_metric-choice",
        {"autoscaling_metric": "gpu"},
        ["'gpu'", "invocations, cpu, latency"],
    ),
    (
        "autoscaling_target_cpu_percent-range",
        {"autoscaling_metric": "cpu", "autoscaling_target_cpu_percent": 95},
        ["autoscaling_target_cpu_percent=95", "10 to 90", "autoscaling_metric is cpu"],
    ),
    (
        "autoscaling_target_latency_ms-range",
        {"autoscaling_metric": "latency", "autoscaling_target_latency_ms": 1000},
        ["autoscaling_target_latency_ms=1000", "1 to 999"],
    ),
    (
        "cpu-target-needs-instance-size",
        {"autoscaling_metric": "cpu", "prod_instance_type": "ml.m5.metal"},
        ["prod_instance_type='ml.m5.metal'", "vCPU", "<n>xlarge"],
    ),
    (
        "autoscaling-schedule-form",
        {"autoscaling_schedule": "weekdays 4-8"},
        ["'weekdays 4-8' is not '<cron(...) or rate(...)> <min>-<max>'"],
    ),
    (
        "autoscaling-schedule-form",
        {"autoscaling_schedule": "cron(0 8 * * MON-FRI *) 4-8"},
        ["'cron(0 8 * * MON-FRI *)'", "?"],
    ),
    (
        "autoscaling-schedule-form",
        {"autoscaling_schedule": "cron(0 8 ? * MON-FRI *) 8-4"},
        ["0 <= min <= max <= 100"],
    ),
    (
        "autoscaling-schedule-form",
        {"autoscaling_schedule": "cron(0 22 ? * * *) 0-2"},
        ["sets min 0", "asynchronous"],
    ),
    (
        "autoscaling-schedule-form",
        {"autoscaling_schedule": "; ".join(f"cron({m} 8 ? * * *) 1-2" for m in range(21))},
        ["21 entries", "up to 20"],
    ),
    (
        "autoscaling-timezone",
        {"autoscaling_schedule": "cron(0 8 ? * * *) 2-4", "autoscaling_timezone": "CET+1"},
        ["autoscaling_timezone='CET+1'", "IANA"],
    ),
    ("container-choice", {"container": "docker"}, ["container='docker'", "provided, byoc"]),
    (
        "training_instance_type-trains",
        {"training_instance_type": "ml.m5d.2xlarge"},
        ["training_instance_type='ml.m5d.2xlarge'", "CreateTrainingJob", "ml.m5.2xlarge"],
    ),
    (
        "serial-pipeline-serving",
        {**SERVERLESS, "endpoint_kind": "serial-pipeline"},
        ["endpoint_kind='serial-pipeline'", "inference='serverless'", "feature exclusions"],
    ),
    (
        "serial-pipeline-serving",
        {"inference": "async", "endpoint_kind": "serial-pipeline"},
        ["inference='async'", "real-time endpoints and batch transform", "'single-model'"],
    ),
    (
        "serial-pipeline-serving",
        {"container": "byoc", "endpoint_kind": "serial-pipeline"},
        ["container='byoc'", "container='provided'"],
    ),
    (
        "endpoint_kind-choice",
        {"endpoint_kind": "multi-container"},
        ["endpoint_kind='multi-container'", "single-model, multi-model, serial-pipeline"],
    ),
    (
        "multi-model-inference",
        {**SERVERLESS, "endpoint_kind": "multi-model"},
        ["endpoint_kind='multi-model'", "inference='serverless'", "feature exclusions"],
    ),
    (
        "multi-model-inference",
        {"inference": "async", "endpoint_kind": "multi-model"},
        ["inference='async'", "InvokeEndpointAsync has no TargetModel", "inference='realtime'"],
    ),
    (
        "multi-model-inference",
        {"inference": "batch", "batch_schedule": "rate(1 day)", "endpoint_kind": "multi-model"},
        ["inference='batch'", "batch transform runs one model", "'single-model'"],
    ),
    (
        "multi-model-container",
        {"container": "byoc", "endpoint_kind": "multi-model"},
        ["container='byoc'", "multi-model container contract", "container='provided'"],
    ),
    (
        "multi-model-drift",
        {"retrain_on_drift": "yes", "endpoint_kind": "multi-model"},
        ["retrain_on_drift='yes'", "many", "retrain_on_drift='no'"],
    ),
    *[
        (
            f"{target}-{kind}",
            {**answers, **overrides},
            [f"{option}={overrides[option]!r}", reason, f"{option}={allowed!r}", "'sagemaker'"],
        )
        for target, answers, container_reason in (
            ("lambda", LAMBDA, "runtime API"),
            ("ecs", ECS, "fetches the model itself"),
        )
        for kind, option, overrides, reason, allowed in [
            ("inference", "inference", {"inference": "async"}, "synchronously", "realtime"),
            (
                "inference",
                "inference",
                {"inference": "batch", "batch_on_new_data": "yes"},
                "synchronously",
                "realtime",
            ),
            (
                "inference",
                "inference",
                {"inference": "serverless", "deployment_strategy": "all-at-once"},
                "synchronously",
                "realtime",
            ),
            (
                "endpoint-kind",
                "endpoint_kind",
                {"endpoint_kind": "multi-model"},
                "SageMaker hosting features",
                "single-model",
            ),
            (
                "endpoint-kind",
                "endpoint_kind",
                {"endpoint_kind": "serial-pipeline"},
                "SageMaker hosting features",
                "single-model",
            ),
            ("container", "container", {"container": "provided"}, container_reason, "byoc"),
            ("drift", "retrain_on_drift", {"retrain_on_drift": "yes"}, "data capture", "no"),
        ]
    ],
    (
        "lambda-traffic-interval",
        {**LAMBDA, "deployment_strategy": "linear", "wait_minutes": 0},
        ["deployment_strategy='linear'", "wait_minutes=0", "whole minutes", "'all-at-once'"],
    ),
    (
        "region-offers-resources",
        {**LAMBDA, "aws_region": "il-central-1"},
        ["AWS::Lambda::Url", "deployment_target='lambda'", "us-east-1"],
    ),
    (
        "airflow-network",
        {"orchestrator": "airflow", "vpc_subnet_ids": "subnet-0a1b2c3d"},
        ["orchestrator='airflow'", "vpc_subnet_ids='subnet-0a1b2c3d'", "two private subnets"],
    ),
    (
        "airflow-network",
        {"orchestrator": "airflow"},
        ["vpc_security_group_ids=''", "at least one security group", "'sagemaker-pipelines'"],
    ),
    (
        "mwaa-environment-name",
        {
            "orchestrator": "airflow",
            "mwaa_environment": "9-lives",
            "mwaa_execution_role": "airflow-execution",
        },
        ["mwaa_environment='9-lives'", "a letter, then letters", "empty to create one"],
    ),
    (
        "mwaa-execution-role",
        {"orchestrator": "airflow", "mwaa_environment": "shared-airflow"},
        ["mwaa_execution_role=''", "mwaa_environment='shared-airflow'", "an IAM role name"],
    ),
    (
        "mwaa-execution-role",
        {
            "orchestrator": "airflow",
            "mwaa_environment": "shared-airflow",
            "mwaa_execution_role": "role/with/slashes",
        },
        ["mwaa_execution_role='role/with/slashes'", "at most 64 characters"],
    ),
    (
        "orchestrator-choice",
        {"orchestrator": "step-functions"},
        ["orchestrator='step-functions'", "sagemaker-pipelines, airflow"],
    ),
    (
        "framework-choice",
        {"framework": "tensorflow"},
        ["framework='tensorflow'", "scikit-learn, xgboost, pytorch"],
    ),
    (
        "staging_instance_type-offered",
        {"aws_region": "eu-central-1", "staging_instance_type": "ml.c6i.xlarge"},
        ["staging_instance_type='ml.c6i.xlarge'", "aws_region='eu-central-1'", "ml.c5.xlarge"],
    ),
    (
        "prod_instance_type-offered",
        {"aws_region": "af-south-1", "prod_instance_type": "ml.m7i.large"},
        ["prod_instance_type='ml.m7i.large'", "not offered", "ml.m5.large"],
    ),
    (
        "drift-check-schedule-expression",
        {"retrain_on_drift": "yes", "drift_check_schedule": "daily"},
        ["drift_check_schedule='daily'"],
    ),
    (
        "drift-check-schedule-expression",
        {"retrain_on_drift": "yes", "drift_check_schedule": ""},
        ["drift_check_schedule=''"],
    ),
    (
        "drift_sampling_percent-range",
        {"retrain_on_drift": "yes", "drift_sampling_percent": 0},
        ["drift_sampling_percent=0", "allowed: 1 to 100", "retrain_on_drift is yes"],
    ),
    (
        "drift-needs-data-capture",
        {**SERVERLESS, "retrain_on_drift": "yes"},
        ["retrain_on_drift='yes'", "inference='serverless'", "data capture", "'realtime'"],
    ),
    (
        "guardrail-timeout",
        {
            "deployment_strategy": "linear",
            "linear_step_percent": 10,
            "wait_minutes": 60,
            "autoscaling_min_capacity": 10,
            "autoscaling_max_capacity": 10,
            "staging_instance_count": 10,
            "prod_instance_count": 10,
        },
        ["deployment_strategy='linear'", "10 traffic shifts", "wait_minutes=60", "28800"],
    ),
]


def _errors(overrides: dict[str, Any]) -> list:
    with pytest.raises(ValidationErrors) as caught:
        parse_options({**default_answers(), **overrides})
    return caught.value.errors


@pytest.mark.parametrize(
    ("rule_id", "overrides", "fragments"),
    BAD_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_CASES)],
)
def test_bad_value_is_rejected_with_a_named_message(rule_id, overrides, fragments) -> None:
    errors = _errors(overrides)
    matching = [e for e in errors if e.rule_id == rule_id]
    assert matching, f"expected rule {rule_id}, got {[e.rule_id for e in errors]}"
    for fragment in fragments:
        assert fragment in matching[0].message
    # The option the error is filed under is the one its message starts from.
    assert matching[0].options[0] in matching[0].message


def test_a_region_without_a_processing_type_is_refused(monkeypatch) -> None:
    """No Region in today's price list lacks them all; the rule guards later refreshes."""
    import mlopscutter.rules as rules

    monkeypatch.setattr(rules, "processing_instance_type", lambda region: None)
    errors = [e for e in _errors({}) if e.rule_id == "region-offers-processing"]
    assert errors and "aws_region='us-east-1'" in errors[0].message
    assert "ml.m5.large" in errors[0].message


@pytest.mark.parametrize("framework", ["xgboost", "pytorch"])
def test_xgboost_and_pytorch_train_on_gpu_and_serve_on_cpu(framework: str) -> None:
    """The XGBoost and PyTorch images train on GPU families; serving stays on CPU for every
    framework."""
    answers = {**default_answers(), "framework": framework}
    trained_on_gpu = parse_options({**answers, "training_instance_type": "ml.g5.2xlarge"})
    assert trained_on_gpu.training_instance_type == "ml.g5.2xlarge"
    with pytest.raises(ValidationErrors):
        parse_options({**answers, "staging_instance_type": "ml.g5.2xlarge"})


@pytest.mark.parametrize("framework", ["scikit-learn", "xgboost", "pytorch"])
def test_every_framework_serves_a_multi_model_endpoint_on_cpu(framework: str) -> None:
    """The scikit-learn, XGBoost and PyTorch images all carry the multi-model label; GPU
    multi-model endpoints need Triton, and serving stays on CPU anyway."""
    answers = {**default_answers(), "framework": framework, "endpoint_kind": "multi-model"}
    assert parse_options(answers).endpoint_kind == "multi-model"
    with pytest.raises(ValidationErrors):
        parse_options({**answers, "prod_instance_type": "ml.g5.xlarge"})


def test_pytorch_images_are_in_regions_without_the_scikit_learn_image_yet_refused_there() -> None:
    """Data preparation runs on the scikit-learn image whatever the model's framework, so a
    Region without it is refused for a PyTorch project too (naming the scikit-learn image)."""
    answers = {
        **default_answers(),
        "framework": "pytorch",
        "aws_region": "ap-southeast-7",
        "training_instance_type": "ml.m6i.large",
        "staging_instance_type": "ml.m6i.large",
        "prod_instance_type": "ml.m6i.large",
    }
    with pytest.raises(ValidationErrors) as caught:
        parse_options(answers)
    [error] = [e for e in caught.value.errors if e.rule_id == "region-offers-framework-image"]
    assert "no SageMaker scikit-learn 1.2-1 image" in error.message
    assert "framework='pytorch'" in error.message


def test_every_rule_has_a_bad_value_test() -> None:
    covered = {rule_id for rule_id, _, _ in BAD_CASES} | {"region-offers-processing"}
    missing = sorted(rule.id for rule in RULES if rule.id not in covered)
    assert not missing, f"rules without a test: {missing}"


def test_rule_ids_are_unique() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))


def test_defaults_are_valid() -> None:
    options = parse_options(default_answers())
    assert options.project_slug == "customer-churn"
    assert options.github_repository == "example-org/customer-churn"


def test_all_errors_are_reported_at_once() -> None:
    errors = _errors({"aws_region": "nowhere", "canary_percent": 99, "owner": ""})
    assert {e.rule_id for e in errors} == {"region-known", "canary_percent-range", "owner-text"}


def test_cross_rules_wait_for_valid_fields() -> None:
    # canary_percent is out of range: the canary-fleet rule must not pile on.
    errors = _errors({"canary_percent": 0})
    assert [e.rule_id for e in errors] == ["canary_percent-range"]


def test_options_that_do_not_apply_are_not_checked() -> None:
    options = parse_options(
        {
            **default_answers(),
            "deployment_strategy": "all-at-once",
            "canary_percent": 99,
            "linear_step_percent": 1,
        }
    )
    assert options.deployment_strategy == "all-at-once"


def test_empty_derived_options_take_their_derived_default() -> None:
    options = parse_options(
        {**default_answers(), "code_owners": "", "project_slug": "", "github_repository": "acme/x"}
    )
    assert (options.code_owners, options.project_slug) == ("@acme", "customer-churn")


def test_strings_from_cookiecutter_are_coerced() -> None:
    options = parse_options(
        {
            **default_answers(),
            "wait_minutes": "15",
            "prod_instance_count": "3",
            "autoscaling_max_capacity": "5",
        }
    )
    assert (options.wait_minutes, options.prod_instance_count) == (15, 3)


def test_a_valid_linear_fleet_and_schedule_pass() -> None:
    options = parse_options(
        {
            **default_answers(),
            "deployment_strategy": "linear",
            "linear_step_percent": 10,
            "wait_minutes": 5,
            "autoscaling_min_capacity": 10,
            "autoscaling_max_capacity": 20,
            "staging_instance_count": 10,
            "prod_instance_count": 12,
            "retrain_schedule": "cron(0 3 ? * MON *)",
        }
    )
    assert options.linear_step_percent == 10


@pytest.mark.parametrize("value", ["x", "ml", "ml.", "", "ml.g5"])
def test_malformed_instance_types_get_one_message_not_a_crash(value) -> None:
    errors = _errors({"training_instance_type": value})
    assert [e.rule_id for e in errors] == ["training_instance_type-known"]


def test_new_data_key_options_are_checked_only_when_new_data_retrains() -> None:
    options = parse_options(
        {**default_answers(), "retrain_on_new_data": "no", "new_data_prefix": ""}
    )
    assert options.new_data_prefix == ""


def test_instance_options_do_not_apply_to_a_serverless_endpoint() -> None:
    """Instance counts, types and autoscaling ranges size instance fleets; a serverless
    endpoint has none, so values that would break those rules are not checked."""
    options = parse_options(
        {
            **default_answers(),
            **SERVERLESS,
            "staging_instance_count": 1,
            "prod_instance_type": "ml.g5.xlarge",
            "autoscaling_min_capacity": 9,
            "autoscaling_max_capacity": 3,
            "serverless_provisioned_concurrency": 20,
        }
    )
    assert options.inference == "serverless"
    assert options.serverless_provisioned_concurrency == options.serverless_max_concurrency


def test_serverless_options_do_not_apply_to_instances() -> None:
    options = parse_options({**default_answers(), "serverless_memory_mb": 7})
    assert options.inference == "realtime"


def test_drift_options_do_not_apply_without_drift_retraining() -> None:
    options = parse_options(
        {**default_answers(), "drift_check_schedule": "whenever", "drift_sampling_percent": 0}
    )
    assert options.retrain_on_drift == "no"


def test_an_asynchronous_endpoint_may_scale_to_zero() -> None:
    options = parse_options({**default_answers(), **ASYNC_TO_ZERO, "staging_instance_count": 1})
    assert options.autoscaling_min_capacity == 0


def test_vpc_ids_may_be_spaced_after_commas() -> None:
    options = parse_options(
        {
            **default_answers(),
            "vpc_subnet_ids": "subnet-0a1b2c3d, subnet-0123456789abcdef0",
            "vpc_security_group_ids": " sg-0a1b2c3d ",
        }
    )
    assert options.vpc_subnet_ids == "subnet-0a1b2c3d, subnet-0123456789abcdef0"


def test_vcpus_follow_the_instance_size() -> None:
    from mlopscutter.rules import vcpus

    assert [vcpus(t) for t in ("ml.t2.medium", "ml.m5.large", "ml.c5.xlarge")] == [2, 2, 4]
    assert [vcpus(t) for t in ("ml.c5.9xlarge", "ml.g5.48xlarge")] == [36, 192]
    assert vcpus("ml.m5.metal") is None


def test_an_asynchronous_schedule_may_scale_to_zero() -> None:
    options = parse_options(
        {**default_answers(), **ASYNC_TO_ZERO, "autoscaling_schedule": "cron(0 22 ? * * *) 0-2"}
    )
    assert options.autoscaling_schedule == "cron(0 22 ? * * *) 0-2"


def test_the_offerings_table_is_cfn_lints() -> None:
    """The stored table equals what the installed cfn-lint ships (`make instance-data`)."""
    import json
    from importlib import resources

    from mlopscutter.instance_offerings import DATA_FILE, from_cfn_lint
    from mlopscutter.regions import COMMERCIAL_REGIONS

    stored = json.loads((resources.files("mlopscutter") / "data" / DATA_FILE).read_text())
    assert stored == from_cfn_lint(COMMERCIAL_REGIONS)
    assert len(stored["hosting"]) >= 30
    assert len(stored["transform"]) >= 30


def test_the_training_types_are_botocores() -> None:
    """Every stored training type is one the installed botocore's CreateTrainingJob takes
    (a newer botocore may add types; `make instance-data` takes them in)."""
    from mlopscutter.instance_offerings import training_from_botocore, training_types

    assert len(training_types()) > 100
    assert sorted(training_types() - set(training_from_botocore())) == []


def test_the_edge_devices_are_neo_edge_targets() -> None:
    """Every edge device offered is a TargetDevice of the installed botocore's
    CreateCompilationJob, and none is a cloud instance target (ml_*); Neo's framework names
    are its Framework values."""
    import botocore.session

    from mlopscutter.frameworks import EDGE_DEVICES, FRAMEWORKS

    model = botocore.session.get_session().get_service_model("sagemaker")
    targets = set(model.shape_for("TargetDevice").enum)
    assert set(EDGE_DEVICES) <= targets
    assert not [device for device in EDGE_DEVICES if device.startswith("ml_")]
    compiled = {f.neo_framework for f in FRAMEWORKS.values() if f.neo_framework}
    assert compiled == {"PYTORCH"}
    assert compiled <= set(model.shape_for("Framework").enum)
    # A framework Neo compiles has the version it compiles at; one it does not, the reason.
    for framework in FRAMEWORKS.values():
        assert bool(framework.neo_framework) == bool(framework.neo_version)
        assert bool(framework.neo_version) != bool(framework.edge_refusal)


def test_batch_transform_runs_on_ebs_volumes_only() -> None:
    """Batch projects always give the transform volumes the project key, which instance-store
    volumes refuse: every type a batch stage may take (offered for transform, and not a GPU or
    accelerator family, which the serving rule refuses) must have EBS volumes."""
    from mlopscutter.instance_offerings import accelerated, has_ebs_volumes, offered_types
    from mlopscutter.regions import COMMERCIAL_REGIONS

    cpu_types = {
        instance_type
        for region in COMMERCIAL_REGIONS
        for instance_type in offered_types("transform", region)
        if not accelerated(instance_type.split(".")[1])
    }
    assert len(cpu_types) > 50, "no CPU transform types at all"
    assert [t for t in sorted(cpu_types) if not has_ebs_volumes(t)] == []


def test_instance_store_is_told_by_the_family_name() -> None:
    """The "d" variants of CPU families (m5d, m6id, r7gd, c5dn) have instance store;
    network ("n") and Graviton ("g") variants do not."""
    from mlopscutter.instance_offerings import has_ebs_volumes

    local = ("ml.m5d.large", "ml.m6id.xlarge", "ml.r7gd.large", "ml.c5dn.large", "ml.g5.xlarge")
    ebs = ("ml.m5.large", "ml.c6gn.large", "ml.m7g.large", "ml.t3.medium", "ml.p3.2xlarge")
    assert [t for t in local if has_ebs_volumes(t)] == []
    assert all(map(has_ebs_volumes, ebs))


def test_accelerated_families_are_told_from_graviton_ones() -> None:
    from mlopscutter.instance_offerings import accelerated

    assert all(map(accelerated, ("g4dn", "g6f", "g7e", "p3", "p5en", "dl1", "inf2", "trn1")))
    assert not any(map(accelerated, ("m5", "c6g", "m7g", "r6gd", "c6gn", "t3", "m6id")))


def test_a_batch_stage_needs_a_type_offered_for_transform() -> None:
    """ml.c5.large is offered for hosting but not for batch transform in us-east-1."""
    hosting = parse_options({**default_answers(), "staging_instance_type": "ml.c5.large"})
    assert hosting.staging_instance_type == "ml.c5.large"
    errors = _errors({"inference": "batch", "staging_instance_type": "ml.c5.large"})
    [error] = [e for e in errors if e.rule_id == "staging_instance_type-offered"]
    assert "not offered for SageMaker batch transform in aws_region='us-east-1'" in error.message
    assert "ml.c6i.large" in error.message and "g6f" not in error.message


def test_an_existing_mwaa_environment_brings_its_own_network() -> None:
    """airflow-network is about the environment the project creates; naming an existing one
    (with its execution role) needs no subnets, and the names are kept as given."""
    options = parse_options(
        {
            **default_answers(),
            "orchestrator": "airflow",
            "mwaa_environment": "shared-airflow",
            "mwaa_execution_role": "shared-airflow-execution",
        }
    )
    assert (options.mwaa_environment, options.mwaa_execution_role) == (
        "shared-airflow",
        "shared-airflow-execution",
    )
    assert options.vpc_subnet_ids == ""


def test_an_http_api_serves_lambda_where_function_urls_are_missing() -> None:
    """CloudFormation has no AWS::Lambda::Url in il-central-1, but API Gateway's HTTP API
    resources are in every Region; its 30-second integration limit bounds the timeout."""
    answers = {**default_answers(), **LAMBDA, "aws_region": "il-central-1"}
    with pytest.raises(ValidationErrors) as refused:
        parse_options(answers)
    assert [e.rule_id for e in refused.value.errors] == ["region-offers-resources"]
    behind_api = {**answers, "lambda_endpoint": "api-gateway"}
    assert parse_options(behind_api).lambda_endpoint == "api-gateway"
    assert parse_options({**behind_api, "lambda_timeout_seconds": 30}).lambda_timeout_seconds == 30
    with pytest.raises(ValidationErrors) as refused:
        parse_options({**behind_api, "lambda_timeout_seconds": 31})
    assert [e.rule_id for e in refused.value.errors] == ["lambda-api-timeout"]


def test_a_lambda_target_is_not_sized_like_an_endpoint() -> None:
    """Instance counts, autoscaling and SageMaker's guardrail timeout do not apply to a
    function; CodeDeploy's predefined and custom configurations both come from the answers."""
    from mlopscutter.context import ProjectContext

    answers = {
        **LAMBDA,
        "deployment_strategy": "linear",
        "linear_step_percent": 10,
        "wait_minutes": 60,
        "autoscaling_min_capacity": 1,
        "staging_instance_count": 50,
        "canary_percent": 1,
    }
    options = parse_options(answers)
    shift = ProjectContext(options).lambda_traffic_shift
    assert (shift.routing, shift.percent, shift.interval_minutes) == ("TimeBasedLinear", 10, 60)
    assert ProjectContext(parse_options({**answers, "wait_minutes": 3})).lambda_traffic_shift == (
        LambdaTrafficShift("CodeDeployDefault.LambdaLinear10PercentEvery3Minutes")
    )
    canary = parse_options({**LAMBDA, "canary_percent": 10, "wait_minutes": 30})
    assert ProjectContext(canary).lambda_traffic_shift.config_name == (
        "CodeDeployDefault.LambdaCanary10Percent30Minutes"
    )
    everything = parse_options({**LAMBDA, "deployment_strategy": "all-at-once", "wait_minutes": 0})
    assert ProjectContext(everything).lambda_traffic_shift.config_name == (
        "CodeDeployDefault.LambdaAllAtOnce"
    )


def test_a_lambda_version_is_replaced_when_its_description_changes() -> None:
    """The model service names the package and image in each version's description, so that
    a new package publishes a new version: the resource schema must keep Description
    create-only."""
    import json
    from importlib import resources

    schemas = resources.files("cfnlint") / "data" / "schemas"
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    version = index["AWS::Lambda::Version"]
    schema = json.loads((schemas / "resources" / f"{version}.json").read_text())
    assert "/properties/Description" in schema["createOnlyProperties"]
