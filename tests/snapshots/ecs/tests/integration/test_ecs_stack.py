"""Deploying a stage's model-service stack through CloudFormation in moto, the way
``make deploy`` does, in a VPC moto creates in place of the answered one (its ids replace the
answers' in the template): the stack creates the stage's cluster, a task definition running the
approved package's image and artifact, the service, the internal load balancer with its two
target groups and listener rules, the security groups, and the traffic check function; a second
deployment with nothing to change is a no-op, and a newer package registers a new task
definition revision in place of the first. The smoke test's service check runs against the result.

moto models the cluster, the task definitions (their family, memory and containers, not their
CPU, roles, network mode or launch type), the service (not its load balancers, deployment
configuration or lifecycle hooks), the load balancer, target groups, listeners and rules, the
security groups and their ingress, the log groups and the function; it skips the egress rule,
autoscaling and the alarms. cfn-lint checks those instead, and the traffic check's tests run it
against the serving app.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import decode_str
from moto import mock_aws

from quote_pricing import config, deploy, smoke

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.{config.REGION}.amazonaws.com/quote-pricing-serving:0123abc"
MODEL_DATA = "s3://quote-pricing-artifacts-test/pipeline/models/job-1/output/model.tar.gz"
ROLES = {
    "EcsExecutionRoleArn": ("quote-pricing-ecs-execution", "ecs-tasks.amazonaws.com"),
    "EcsTaskRoleArn": ("quote-pricing-ecs-task", "ecs-tasks.amazonaws.com"),
    "EcsInfrastructureRoleArn": ("quote-pricing-ecs-infrastructure", "ecs.amazonaws.com"),
    "TrafficHookRoleArn": ("quote-pricing-traffic-hooks", "lambda.amazonaws.com"),
}
@pytest.fixture
def aws(monkeypatch, stand_in_platform):
    # moto starts a service's tasks at once when told how many run.
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    with mock_aws():
        stand_in_platform(ROLES)
        sagemaker = boto3.client("sagemaker")
        sagemaker.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
        yield sagemaker


def stage_network(stage: str) -> tuple[str, list[str], list[str]]:
    """The VPC, subnets and client security groups of a stage's service."""
    return config.VPC_ID, config.VPC_SUBNETS, config.VPC_SECURITY_GROUPS


@pytest.fixture
def network(aws) -> dict[str, str]:
    """Each stage's VPC, its subnets in two Availability Zones and its client security groups
    in moto, by the id each stands in for."""
    ec2 = boto3.client("ec2")
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    ids: dict[str, str] = {}
    for number, stage in enumerate(sorted(config.STACKS)):
        vpc_id, subnets, groups = stage_network(stage)
        if vpc_id in ids:
            continue
        vpc = ids[vpc_id] = ec2.create_vpc(CidrBlock=f"10.{20 + number}.0.0/16")["Vpc"]["VpcId"]
        for index, subnet in enumerate(subnets):
            ids[subnet] = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{20 + number}.{index}.0/24",
                                            AvailabilityZone=zones[index % len(zones)])[
                                                "Subnet"]["SubnetId"]
        for group in groups:
            ids[group] = ec2.create_security_group(GroupName=f"clients-{group}", VpcId=vpc,
                                                   Description="callers")["GroupId"]
    return ids


def _deploy(aws, network, package_arn: str, tmp_path: Path, stage: str) -> tuple[str, dict]:
    container = deploy.serving_container(aws, package_arn)
    deploy.write_stage_parameters(PROJECT_ROOT / "infra" / "config", tmp_path,
                                  ModelPackageArn=package_arn, ImageUri=container["Image"],
                                  ModelDataUrl=container["ModelDataUrl"])
    document = json.loads((tmp_path / f"{stage}.json").read_text())
    text = (PROJECT_ROOT / "infra" / "model-service.yaml").read_text()
    for answered, created in network.items():
        text = text.replace(answered, created)
    template, problems = decode_str(text)
    assert not problems
    result = deploy.deploy_stack(boto3.client("cloudformation"), config.STACKS[stage],
                                 json.dumps(template), document, None)
    return result, document["Parameters"]


def _environment(task_definition: dict) -> dict[str, str]:
    [container] = task_definition["containerDefinitions"]
    return {variable["name"]: variable["value"] for variable in container["environment"]}


@pytest.mark.parametrize("stage", sorted(config.STACKS))
def test_stage_deploys_a_service_running_the_approved_package(aws, network, register_package,
                                                              tmp_path, stage) -> None:
    package_arn = register_package(aws, image=IMAGE, model_data=MODEL_DATA)
    result, parameters = _deploy(aws, network, package_arn, tmp_path, stage)
    assert result == "CREATED"
    name = config.SERVICES[stage]
    ecs = boto3.client("ecs")
    [cluster] = ecs.describe_clusters(clusters=[name])["clusters"]
    assert cluster["clusterName"] == name
    [service] = ecs.describe_services(cluster=name, services=[name])["services"]
    task_definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"]
    assert task_definition["family"] == name
    assert task_definition["memory"] == parameters["Memory"]
    [container] = task_definition["containerDefinitions"]
    assert container["image"] == IMAGE
    assert container["portMappings"][0]["containerPort"] == 8080
    assert container["readonlyRootFilesystem"] is True
    assert container["logConfiguration"]["options"]["awslogs-group"] == f"/ecs/{name}"
    assert _environment(task_definition) == {"MODEL_DATA_URL": MODEL_DATA,
                                             "MODEL_PACKAGE_ARN": package_arn}

    elb = boto3.client("elbv2")
    [balancer] = elb.describe_load_balancers(Names=[parameters["LoadBalancerName"]])[
        "LoadBalancers"]
    assert balancer["Scheme"] == "internal"
    vpc_id, subnets, clients = stage_network(stage)
    assert balancer["VpcId"] == network[vpc_id]
    assert sorted(zone["SubnetId"] for zone in balancer["AvailabilityZones"]) == sorted(
        network[subnet] for subnet in subnets)
    groups = elb.describe_target_groups(
        Names=[parameters["BlueTargetGroupName"], parameters["GreenTargetGroupName"]])[
            "TargetGroups"]
    assert {(g["TargetType"], g["Port"], g["HealthCheckPath"]) for g in groups} == {
        ("ip", 8080, "/ping")}
    listeners = elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert sorted(listener["Port"] for listener in listeners) == sorted(
        [80, 8080])
    blue = next(g["TargetGroupArn"] for g in groups
                if g["TargetGroupName"] == parameters["BlueTargetGroupName"])
    for listener in listeners:
        [rule] = [r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
                  if not r["IsDefault"]]
        weights = {t["TargetGroupArn"]: t["Weight"]
                   for t in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]}
        assert weights[blue] == 100 and sorted(weights.values()) == [0, 100]

    ec2 = boto3.client("ec2")
    [balancer_group] = ec2.describe_security_groups(GroupIds=balancer["SecurityGroups"])[
        "SecurityGroups"]
    callers = {pair["GroupId"] for rule in balancer_group["IpPermissions"]
               for pair in rule["UserIdGroupPairs"]}
    assert callers == {network[group] for group in clients}

    check = boto3.client("lambda").get_function(FunctionName=parameters["TrafficCheckName"])
    assert check["Code"]["ImageUri"] == IMAGE
    variables = check["Configuration"]["Environment"]["Variables"]
    assert variables["LOAD_BALANCER"] == balancer["DNSName"]
    assert (variables["TEST_PORT"], variables["PRODUCTION_PORT"]) == (
        "8080", "80")
    assert check["Configuration"]["Role"].endswith(":role/quote-pricing-traffic-hooks")
    assert sorted(check["Configuration"]["VpcConfig"]["SubnetIds"]) == sorted(
        network[subnet] for subnet in subnets)

    assert smoke.verify_service(ecs, name, name, package_arn) == service["taskDefinition"]
    other = package_arn.rsplit("/", 1)[0] + "/999"
    with pytest.raises(smoke.SmokeTestError, match=f"serving {package_arn}, expected {other}"):
        smoke.verify_service(ecs, name, name, other)
    assert _deploy(aws, network, package_arn, tmp_path, stage)[0] == "UNCHANGED"


def test_a_newer_package_registers_a_new_task_definition_revision(aws, network, register_package,
                                                                 tmp_path) -> None:
    first = register_package(aws, image=IMAGE, model_data=MODEL_DATA)
    _deploy(aws, network, first, tmp_path, "staging")
    second = register_package(aws, image=IMAGE, model_data=MODEL_DATA)
    assert _deploy(aws, network, second, tmp_path, "staging")[0] == "UPDATED"
    ecs = boto3.client("ecs")
    # The new revision replaces the first; CloudFormation then points the service at it by the
    # new ARN its Ref gives. moto follows neither that nor the updated containers' properties,
    # so only the revision is checked here (the first deployment checks the containers).
    [arn] = ecs.list_task_definitions(familyPrefix=config.SERVICES["staging"])[
        "taskDefinitionArns"]
    assert arn.endswith(f"task-definition/{config.SERVICES['staging']}:2")
