"""The rendered model-service stack for each serving shape, created by CloudFormation in moto
with a stage's parameter file: the endpoint config serves the approved package the way the
answers say (instances, or serverless memory and concurrency).

moto's CloudFormation skips Application Auto Scaling resources, so the scalable target and the
scaling policy are built as API requests from the properties the template gives them
(parameters and ``!Sub`` resolved). Each request is checked against botocore's model of the
Application Auto Scaling API (enums included), then registered in moto, which keeps what the
template asked for. moto 5's enum of scalable dimensions predates serverless provisioned
concurrency, so that dimension is checked against botocore's model only.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import botocore.session
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from mlopscutter.instance_offerings import has_ebs_volumes
from mlopscutter.options import default_answers, parse_options
from mlopscutter.rules import scheduled_capacities, vcpus
from tests.aws_stacks import approved_package, platform_stand_in
from tests.helpers import example_answers, render

ACCOUNT = "123456789012"

SHAPES = {
    "realtime": example_answers("canary"),
    "realtime-cpu-scheduled": example_answers("codepipeline-gitflow"),
    "realtime-latency": example_answers("linear"),
    # Production on instance store (no KMS key for it), staging on EBS volumes.
    "realtime-instance-store": {**example_answers("canary"), "prod_instance_type": "ml.m5d.large"},
    "realtime-multi-model": example_answers("multi-model"),
    # Each target carries its inference code (code/), so the container downloads none.
    "realtime-multi-model-pytorch": {**example_answers("multi-model"), "framework": "pytorch"},
    "serverless-provisioned": example_answers("serverless"),
    "async-scale-to-zero": example_answers("async"),
    "async-kept-warm": {
        **example_answers("async"),
        "autoscaling_min_capacity": 2,
        "prod_instance_count": 2,
        "staging_instance_count": 2,
        "deployment_strategy": "canary",
    },
    "serverless-on-demand": {
        **example_answers("serverless"),
        "serverless_memory_mb": 1024,
        "serverless_max_concurrency": 1,
        "serverless_provisioned_concurrency": 0,
    },
}


def _resolve(value: Any, parameters: dict[str, str], attributes: dict[str, str]) -> Any:
    """A template value with Ref to parameters and Fn::Sub over parameters and attributes."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return parameters[value["Ref"]]
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        names = {**parameters, **attributes}
        return re.sub(r"\$\{([^}]+)\}", lambda m: names[m[1]], value["Fn::Sub"])
    return value


# The scalable dimensions moto 5's Application Auto Scaling accepts for SageMaker.
MOTO_SCALABLE_DIMENSIONS = {"sagemaker:variant:DesiredInstanceCount"}
_AUTOSCALING_MODEL = botocore.session.get_session().get_service_model("application-autoscaling")


def _check_against_the_api_model(operation: str, request: dict[str, Any]) -> None:
    """Validate a request with botocore (types, required members, ranges), then every enum
    member of it against the API model's enum."""
    from botocore.validate import ParamValidator

    shape = _AUTOSCALING_MODEL.operation_model(operation).input_shape
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()

    def enums(value: Any, shape: Any, path: str) -> None:
        if shape.type_name == "structure":
            for name, member in shape.members.items():
                if name in value:
                    enums(value[name], member, f"{path}.{name}")
        elif shape.type_name == "string" and shape.enum:
            assert value in shape.enum, f"{path}={value!r} is not one of {shape.enum}"

    enums(request, shape, operation)


@pytest.fixture(params=sorted(SHAPES), scope="module")
def deployed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    answers = {**default_answers(), **SHAPES[request.param]}
    options = parse_options(answers)
    project = render(answers, tmp_path_factory.mktemp(request.param))
    template_text = (project / "infra" / "model-service.yaml").read_text()
    template = cfn_yaml.loads(template_text)
    parameters = json.loads((project / "infra" / "config" / "prod.json").read_text())["Parameters"]
    config = (project / "src" / options.project_slug.replace("-", "_") / "config.py").read_text()
    export_prefix = re.search(r'^EXPORT_PREFIX = "([^"]+)"', config, re.MULTILINE)[1]
    role_name = re.search(r'^SAGEMAKER_ROLE_NAME = "([^"]+)"', config, re.MULTILINE)[1]
    region = options.aws_region
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name=region)
        group = re.search(r'^MODEL_PACKAGE_GROUP = "([^"]+)"', config, re.MULTILINE)[1]
        package = approved_package(sagemaker, group, region)
        cloudformation = boto3.client("cloudformation", region_name=region)
        cloudformation.create_stack(
            StackName=f"{export_prefix}-platform",
            TemplateBody=json.dumps(platform_stand_in(export_prefix, role_name)),
        )
        if options.endpoint_kind == "multi-model":  # the container, not the package
            stack_parameters = {
                **parameters,
                "ServingImage": f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/sklearn:1.2-1",
            }
            if "ServingCodeUri" in template["Parameters"]:
                stack_parameters["ServingCodeUri"] = (
                    f"s3://artifacts/multi-model/code/{'0' * 64}/sourcedir.tar.gz"
                )
        else:
            stack_parameters = {**parameters, "ModelPackageArn": package}
        cloudformation.create_stack(
            StackName=f"{export_prefix}-model-prod",
            TemplateBody=template_text,
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in stack_parameters.items()
            ],
        )
        resources = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cloudformation.list_stack_resources(StackName=f"{export_prefix}-model-prod")[
                "StackResourceSummaries"
            ]
        }
        endpoint_name = resources["Endpoint"].split("/")[-1]
        yield {
            "shape": request.param,
            "options": options,
            "template": template,
            "parameters": stack_parameters,
            "sagemaker": sagemaker,
            "autoscaling": boto3.client("application-autoscaling", region_name=region),
            "endpoint": sagemaker.describe_endpoint(EndpointName=endpoint_name),
            "attributes": {"Endpoint.EndpointName": endpoint_name},
        }


def test_the_endpoint_serves_the_package_as_the_answers_size_it(deployed: Any) -> None:
    sagemaker, options = deployed["sagemaker"], deployed["options"]
    config = sagemaker.describe_endpoint_config(
        EndpointConfigName=deployed["endpoint"]["EndpointConfigName"]
    )
    [variant] = config["ProductionVariants"]
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    container = (model.get("Containers") or [model["PrimaryContainer"]])[0]
    if options.endpoint_kind == "multi-model":
        # Every model version published under the stage's prefix of the artifact bucket, the
        # inference code imported from the URI the build stage uploaded it to (PyTorch: from
        # each version's own code/).
        assert "ModelPackageName" not in container
        assert container["Mode"] == "MultiModel"
        assert container["Image"] == deployed["parameters"]["ServingImage"]
        prefix = re.fullmatch(r"s3://([^/]+)/multi-model/prod/models/", container["ModelDataUrl"])
        buckets = boto3.client("s3", region_name=options.aws_region).list_buckets()["Buckets"]
        assert prefix and prefix[1] in {b["Name"] for b in buckets}  # the artifact bucket
        code = {"SAGEMAKER_SUBMIT_DIRECTORY": deployed["parameters"].get("ServingCodeUri")}
        assert container["Environment"] == {
            "SAGEMAKER_PROGRAM": "inference.py",
            **(code if options.framework != "pytorch" else {}),
            "SAGEMAKER_REGION": options.aws_region,
            "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        }
    else:
        assert container["ModelPackageName"] == deployed["parameters"]["ModelPackageArn"]
    if options.inference == "async":
        output = config["AsyncInferenceConfig"]["OutputConfig"]
        endpoint_name = deployed["parameters"]["EndpointName"]  # moto names the endpoint itself
        assert output["S3OutputPath"].endswith(f"/async-inference/{endpoint_name}/output")
        assert output["S3FailurePath"].endswith(f"/async-inference/{endpoint_name}/failures")
        topics = {
            t["TopicArn"].rsplit(":", 1)[1]
            for t in boto3.client("sns", region_name=options.aws_region).list_topics()["Topics"]
        }
        assert topics == {f"{endpoint_name}-async-success", f"{endpoint_name}-async-errors"}
        assert output["NotificationConfig"]["SuccessTopic"].endswith(
            ":" + endpoint_name + "-async-success"
        )
        assert output["NotificationConfig"]["ErrorTopic"].endswith(
            ":" + endpoint_name + "-async-errors"
        )
        client = config["AsyncInferenceConfig"]["ClientConfig"]
        assert client["MaxConcurrentInvocationsPerInstance"] == (
            options.async_max_concurrent_invocations
        )
    if options.inference == "serverless":
        expected = {
            "MemorySizeInMB": options.serverless_memory_mb,
            "MaxConcurrency": options.serverless_max_concurrency,
        }
        if options.serverless_provisioned_concurrency:
            expected["ProvisionedConcurrency"] = options.serverless_provisioned_concurrency
        assert variant["ServerlessConfig"] == expected
        assert "InstanceType" not in variant
    else:
        assert variant["InstanceType"] == options.prod_instance_type
        assert variant["InitialInstanceCount"] == options.prod_instance_count
        assert "ServerlessConfig" not in variant
    # The endpoint's storage takes the project key, except on instance store, which refuses one
    # (SageMaker encrypts it in hardware).
    instance_store = options.inference != "serverless" and not has_ebs_volumes(
        options.prod_instance_type
    )
    assert config.get("KmsKeyId", "").startswith("arn:aws:kms:") is not instance_store
    # moto's CloudFormation does not pass EnableNetworkIsolation on: read from the template.
    # Serverless endpoints do not support network isolation, and a scikit-learn or XGBoost
    # multi-model container downloads its inference code.
    model_properties = deployed["template"]["Resources"]["Model"]["Properties"]
    isolated = model_properties.get("EnableNetworkIsolation", False)
    downloads_code = options.endpoint_kind == "multi-model" and options.framework != "pytorch"
    assert isolated is (options.inference != "serverless" and not downloads_code)


def test_the_deployment_is_blue_green_with_alarm_rollback(deployed: Any) -> None:
    """moto ignores DeploymentConfig, so it is read from the template that CloudFormation got."""
    endpoint = deployed["template"]["Resources"]["Endpoint"]["Properties"]
    routing = endpoint["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    expected = deployed["options"].deployment_strategy.upper().replace("-", "_")
    assert routing["Type"] == expected
    alarms = endpoint["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]
    expected_alarms = [{"Ref": "ErrorRateAlarm"}, {"Ref": "LatencyAlarm"}]
    if deployed["options"].inference == "async":
        expected_alarms.append({"Ref": "InvocationFailuresAlarm"})
    assert [a["AlarmName"] for a in alarms] == expected_alarms
    assert endpoint["RetainAllVariantProperties"] is True


def test_autoscaling_registers_with_the_service(deployed: Any) -> None:
    resources = deployed["template"]["Resources"]
    options, autoscaling = deployed["options"], deployed["autoscaling"]
    scaling = {
        name: r for name, r in resources.items() if r["Type"].startswith("AWS::ApplicationAuto")
    }
    if options.inference == "serverless" and not options.serverless_provisioned_concurrency:
        assert scaling == {}, "on-demand serverless endpoints scale themselves"
        return
    target = resources["ScalableTarget"]["Properties"]

    def resolve(value: Any) -> Any:
        """Refs and Subs resolved, numbers from parameters as numbers, at any depth."""
        if isinstance(value, dict) and ({"Ref"} == set(value) or {"Fn::Sub"} == set(value)):
            resolved = _resolve(value, deployed["parameters"], deployed["attributes"])
            return float(resolved) if re.fullmatch(r"\d+(\.\d+)?", resolved) else resolved
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    registration = {
        "ServiceNamespace": target["ServiceNamespace"],
        "ResourceId": resolve(target["ResourceId"]),
        "ScalableDimension": target["ScalableDimension"],
        "MinCapacity": int(resolve(target["MinCapacity"])),
        "MaxCapacity": int(resolve(target["MaxCapacity"])),
    }
    policies = {}
    for name, resource in scaling.items():
        if not resource["Type"].endswith("ScalingPolicy"):
            continue
        properties = dict(resource["Properties"])
        assert properties.pop("ScalingTargetId") == {"Ref": "ScalableTarget"}
        properties = resolve(properties)
        policies[name] = {
            **properties,
            "ServiceNamespace": target["ServiceNamespace"],
            "ResourceId": registration["ResourceId"],
            "ScalableDimension": target["ScalableDimension"],
        }
    _check_against_the_api_model("RegisterScalableTarget", registration)
    for request in policies.values():
        _check_against_the_api_model("PutScalingPolicy", request)
    if target["ScalableDimension"] not in MOTO_SCALABLE_DIMENSIONS:
        return
    autoscaling.register_scalable_target(**registration)
    for request in policies.values():
        autoscaling.put_scaling_policy(**request)
    [registered] = autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")[
        "ScalableTargets"
    ]
    endpoint_name = deployed["endpoint"]["EndpointName"]
    assert registered["ResourceId"] == f"endpoint/{endpoint_name}/variant/AllTraffic"
    stored = {
        p["PolicyName"]: p
        for p in autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker")[
            "ScalingPolicies"
        ]
    }
    assert len(stored) == len(policies)
    tracking = [
        p["TargetTrackingScalingPolicyConfiguration"]
        for p in stored.values()
        if p["PolicyType"] == "TargetTrackingScaling"
    ]
    assert len(tracking) == 1
    if options.inference == "serverless":
        assert registered["ScalableDimension"] == "sagemaker:variant:DesiredProvisionedConcurrency"
        assert (registered["MinCapacity"], registered["MaxCapacity"]) == (
            options.serverless_provisioned_concurrency,
            options.serverless_max_concurrency,
        )
        assert tracking[0]["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
            "SageMakerVariantProvisionedConcurrencyUtilization"
        )
        return
    assert registered["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert (registered["MinCapacity"], registered["MaxCapacity"]) == (
        options.autoscaling_min_capacity,
        options.autoscaling_max_capacity,
    )
    scheduled = target.get("ScheduledActions", [])
    assert len(scheduled) == len(scheduled_capacities(options.autoscaling_schedule))
    for action in scheduled:
        request = {
            "ServiceNamespace": target["ServiceNamespace"],
            "ResourceId": registration["ResourceId"],
            "ScalableDimension": target["ScalableDimension"],
            **action,
        }
        _check_against_the_api_model("PutScheduledAction", request)
        autoscaling.put_scheduled_action(**request)
    stored_actions = autoscaling.describe_scheduled_actions(ServiceNamespace="sagemaker")[
        "ScheduledActions"
    ]
    assert [(a["Schedule"], a["Timezone"], a["ScalableTargetAction"]) for a in stored_actions] == [
        (
            entry.schedule,
            options.autoscaling_timezone,
            {"MinCapacity": entry.min_capacity, "MaxCapacity": entry.max_capacity},
        )
        for entry in scheduled_capacities(options.autoscaling_schedule)
    ]
    if options.inference == "realtime":
        if options.autoscaling_metric == "invocations":
            assert tracking[0]["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
                "SageMakerVariantInvocationsPerInstance"
            )
            return
        metric = tracking[0]["CustomizedMetricSpecification"]
        expected_metric, target_value = {
            # CPUUtilization adds up vCPUs: the percent times the prod instance's vCPUs.
            "cpu": (
                ("/aws/sagemaker/Endpoints", "CPUUtilization"),
                options.autoscaling_target_cpu_percent * vcpus(options.prod_instance_type),
            ),
            "latency": (
                ("AWS/SageMaker", "ModelLatency"),
                options.autoscaling_target_latency_ms * 1000,
            ),
        }[options.autoscaling_metric]
        assert (metric["Namespace"], metric["MetricName"]) == expected_metric
        assert tracking[0]["TargetValue"] == target_value
        assert metric["Statistic"] == "Average"
        return
    metric = tracking[0]["CustomizedMetricSpecification"]
    assert (metric["Namespace"], metric["MetricName"]) == (
        "AWS/SageMaker",
        "ApproximateBacklogSizePerInstance",
    )
    # The endpoint's name is the EndpointName parameter (moto alone names it otherwise).
    assert metric["Dimensions"] == [
        {"Name": "EndpointName", "Value": deployed["parameters"]["EndpointName"]}
    ]
    assert tracking[0]["TargetValue"] == options.async_backlog_target
    steps = [p for p in stored.values() if p["PolicyType"] == "StepScaling"]
    assert len(steps) == (1 if options.autoscaling_min_capacity == 0 else 0)
    if steps:
        # The alarm on requests waiting without capacity drives the step policy.
        alarm = resources["BacklogWithoutCapacityAlarm"]["Properties"]
        assert alarm["MetricName"] == "HasBacklogWithoutCapacity"
        assert alarm["AlarmActions"] == [{"Ref": "ScaleOutFromZeroPolicy"}]
        adjustment = steps[0]["StepScalingPolicyConfiguration"]["StepAdjustments"]
        assert adjustment == [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]


def test_serverless_scaling_requests_are_checked_against_the_api_model() -> None:
    """The check the serverless scaling requests get instead of moto's: it knows the
    dimension and rejects a misspelt one."""
    request = {
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/e/variant/AllTraffic",
        "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency",
        "MinCapacity": 1,
        "MaxCapacity": 2,
    }
    _check_against_the_api_model("RegisterScalableTarget", request)
    with pytest.raises(AssertionError, match="ScalableDimension"):
        _check_against_the_api_model(
            "RegisterScalableTarget",
            {**request, "ScalableDimension": "sagemaker:variant:ProvisionedConcurrency"},
        )


def test_every_shape_is_tried() -> None:
    shapes = [parse_options({**default_answers(), **a}) for a in SHAPES.values()]
    assert {o.inference for o in shapes} == {"realtime", "serverless", "async"}
    # A serial pipeline's stack is the single model's: it serves a (two-container) package.
    assert {o.endpoint_kind for o in shapes} == {"single-model", "multi-model"}
    # Batch has no endpoint to shape: its stack is tried in test_batch_stack.
