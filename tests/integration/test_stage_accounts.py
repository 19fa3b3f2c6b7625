"""Stages in accounts of their own (the acme-ml-accounts example): the stage-account stack,
created by CloudFormation in moto, gives the model service everything it imports, so the model
service deploys there unchanged; and the templates agree on every cross-account name: the roles
the tooling pipeline assumes and passes, the roles the stage accounts create, and the principals
the tooling key, bucket and model registry grant."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml, decode
from moto import mock_aws

from mlopscutter.lint import CfnLinter, lint_report
from tests.aws_stacks import approved_package
from tests.helpers import example_answers, example_profile, render, render_example

TOOLING, STAGING, PROD = "111122223333", "222233334444", "555566667777"
REGION = "eu-west-1"
PREFIX = "acme-pricing-model"
TOOLING_KEY = f"arn:aws:kms:{REGION}:{TOOLING}:key/11111111-2222-3333-4444-555555555555"
# What a stage account's Lambda functions or ECS tasks serve: the tooling account's image and
# archive.
TOOLING_IMAGE = f"{TOOLING}.dkr.ecr.{REGION}.amazonaws.com/{PREFIX}-serving:0123abc"
TOOLING_ARCHIVE = "s3://tooling-artifacts/pipeline/models/job-1/output/model.tar.gz"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_example("acme-ml-accounts", tmp_path_factory.mktemp("accounts"))


def _template(project: Path, name: str) -> dict[str, Any]:
    template, matches = decode(str(project / "infra" / name))
    assert not matches and template is not None
    return dict(template["Resources"])


def _sub(value: Any) -> str:
    return str(value["Fn::Sub"]).replace("${AWS::Partition}", "aws")


def _stage_template(project: Path) -> dict[str, Any]:
    """stage-account.yaml as moto's CloudFormation can create it: moto cannot create a KMS key
    with tags in CloudFormation's list form (the key's tags are cfn-lint's and the org profile
    rule's to check)."""
    template = dict(cfn_yaml.loads((project / "infra" / "stage-account.yaml").read_text()))
    del template["Resources"]["ProjectKey"]["Properties"]["Tags"]
    return template


def _create_stage_stack(project: Path, stage: str, prefix: str = PREFIX) -> dict[str, str]:
    """The stage-account stack for ``stage`` in moto; its exports."""
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName=f"{prefix}-platform",
        TemplateBody=json.dumps(_stage_template(project)),
        Parameters=[
            {"ParameterKey": "Stage", "ParameterValue": stage},
            {"ParameterKey": "ToolingArtifactBucket", "ParameterValue": "tooling-artifacts"},
            {"ParameterKey": "ToolingKeyArn", "ParameterValue": TOOLING_KEY},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    return {e["Name"]: e["Value"] for e in cloudformation.list_exports()["Exports"]}


def _deploy_model_service(project: Path, stage: str) -> dict[str, str]:
    """The stage's model service stack in moto, serving an approved package; its parameters
    with the package's ARN."""
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    package = approved_package(sagemaker, "acme-pricing-model", REGION)
    parameters = json.loads((project / "infra" / "config" / f"{stage}.json").read_text())
    values = {**parameters["Parameters"], "ModelPackageArn": package}
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=f"{PREFIX}-model-{stage}",
        TemplateBody=(project / "infra" / "model-service.yaml").read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
    )
    return dict(values)


def _role_statements(iam: Any, role: str) -> dict[str, dict[str, Any]]:
    """The statements of a role's one inline policy in moto, by Sid."""
    [name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    policy = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    if isinstance(policy, str):  # moto keeps CloudFormation's document as Python text
        policy = ast.literal_eval(policy)
    return {s["Sid"]: s for s in policy["Statement"]}


def _granted(statements: list[dict[str, Any]], sid: str) -> list[str]:
    """The principals the statement ``sid`` of a resource policy grants (by PrincipalArn)."""
    (statement,) = [s for s in statements if s.get("Sid") == sid]
    return [_sub(a) for a in statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]]


def _assert_tooling_key_and_bucket_grant(platform: dict[str, Any], serving_role: str) -> None:
    """The tooling key and artifact bucket let each stage account's deployer and the role
    serving the model there (``serving_role``) read the archives, and nothing else."""
    readers = [
        f"arn:aws:iam::{account}:role/{name}"
        for stage, account in (("staging", STAGING), ("prod", PROD))
        for name in (f"{PREFIX}-{stage}-deployer", serving_role)
    ]
    key = platform["ProjectKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert _granted(key, "StageAccountsDecryptModelsAndArtifacts") == readers
    bucket = platform["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert _granted(bucket, "StageAccountsReadModelsAndArtifacts") == readers


def _assert_exports_own_serving_roles(exports: dict[str, str], roles: dict[str, str]) -> Any:
    """A Lambda or ECS stage-account stack exports its key, its deploy role and the serving
    roles ``roles`` (export -> role name) under the platform stack's names, and creates no
    SageMaker role: nothing of the stage runs on SageMaker. Returns an IAM client."""
    assert set(exports) == {
        f"{PREFIX}-ProjectKeyArn",
        f"{PREFIX}-CloudFormationDeployRoleArn",
        *(f"{PREFIX}-{name}" for name in roles),
    }
    for export, role in roles.items():
        assert exports[f"{PREFIX}-{export}"].endswith(f":role/{role}")
    iam = boto3.client("iam", region_name=REGION)
    assert f"{PREFIX}-sagemaker-execution" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    return iam


def test_the_model_service_deploys_in_a_stage_account_from_its_own_exports(
    project: Path,
) -> None:
    with mock_aws():
        exports = _create_stage_stack(project, "staging")
        assert set(exports) == {
            f"{PREFIX}-ProjectKeyArn",
            f"{PREFIX}-SageMakerExecutionRoleArn",
            f"{PREFIX}-CloudFormationDeployRoleArn",
            # The stage's bucket, where its endpoint captures requests for the drift check.
            f"{PREFIX}-ArtifactBucket",
            f"{PREFIX}-ArtifactBucketArn",
        }
        assert exports[f"{PREFIX}-ArtifactBucket"] == f"{PREFIX}-staging-{STAGING}"
        iam = boto3.client("iam", region_name=REGION)
        deployer = iam.get_role(RoleName=f"{PREFIX}-staging-deployer")["Role"]
        (trust,) = deployer["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"AWS": f"arn:aws:iam::{TOOLING}:root"}
        assert trust["Condition"]["ArnEquals"]["aws:PrincipalArn"] == [
            f"arn:aws:iam::{TOOLING}:role/{PREFIX}-pipeline",
            f"arn:aws:iam::{TOOLING}:role/{PREFIX}-smoke-test",
        ]
        assert exports[f"{PREFIX}-CloudFormationDeployRoleArn"].endswith(
            f":role/{PREFIX}-cloudformation-deploy"
        )

        package = _deploy_model_service(project, "staging")["ModelPackageArn"]
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        [model] = sagemaker.list_models()["Models"]
        described = sagemaker.describe_model(ModelName=model["ModelName"])
        assert described["ExecutionRoleArn"] == exports[f"{PREFIX}-SageMakerExecutionRoleArn"]
        assert described["PrimaryContainer"]["ModelPackageName"] == package
        [config] = sagemaker.list_endpoint_configs()["EndpointConfigs"]
        capture = sagemaker.describe_endpoint_config(
            EndpointConfigName=config["EndpointConfigName"]
        )["DataCaptureConfig"]
        assert capture["DestinationS3Uri"] == f"s3://{PREFIX}-staging-{STAGING}/data-capture"
        # Only production's endpoint is checked for drift: staging has no reader role.
        assert f"{PREFIX}-drift-reader" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


@pytest.mark.parametrize("stage", ["staging", "prod"])
def test_each_stage_accounts_endpoint_runs_in_the_network_the_profile_names(
    project: Path, stage: str
) -> None:
    """The project answers the tooling account's subnets; the profile names each stage
    account's. The stage's model runs in its own, and the stage's SageMaker role may attach
    network interfaces there and nowhere else (not in the other stage's subnets)."""
    networks = example_profile("acme-ml-accounts").networks
    network, other = networks[stage], networks["prod" if stage == "staging" else "staging"]
    with mock_aws():
        _create_stage_stack(project, stage)
        _deploy_model_service(project, stage)
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        [model] = sagemaker.list_models()["Models"]
        described = sagemaker.describe_model(ModelName=model["ModelName"])
        assert described["VpcConfig"] == {
            "Subnets": list(network.subnet_ids),
            "SecurityGroupIds": list(network.security_group_ids),
        }
        iam = boto3.client("iam", region_name=REGION)
        statements = _role_statements(iam, f"{PREFIX}-sagemaker-execution")
        attach = statements["AttachToProjectSubnets"]
        assert attach["Action"] == ["ec2:CreateNetworkInterface"]
        account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
        assert attach["Resource"] == [
            f"arn:aws:ec2:{REGION}:{account}:network-interface/*",
            *(f"arn:aws:ec2:{REGION}:*:subnet/{subnet}" for subnet in network.subnet_ids),
            *(
                f"arn:aws:ec2:{REGION}:*:security-group/{group}"
                for group in network.security_group_ids
            ),
        ]
        assert not any(subnet in str(attach) for subnet in other.subnet_ids)
    # The tooling account's jobs keep the answered subnets.
    tooling = _template(project, "platform.yaml")["SageMakerExecutionRole"]
    answered = example_answers("acme-ml-accounts")["vpc_subnet_ids"].split(",")
    assert all(subnet in json.dumps(tooling) for subnet in answered)
    assert not any(subnet in json.dumps(tooling) for subnet in network.subnet_ids)


def test_the_tooling_drift_check_reads_production_through_its_reader_role(project: Path) -> None:
    """The drift reader role exists in production's account only, trusts the tooling SageMaker
    role (which the drift check runs as) by name, and reads that endpoint and its captured
    requests only; the tooling role may assume exactly it."""
    template = _stage_template(project)
    assert template["Conditions"]["DriftChecked"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    with mock_aws():
        exports = _create_stage_stack(project, "prod")
        iam = boto3.client("iam", region_name=REGION)
        reader = iam.get_role(RoleName=f"{PREFIX}-drift-reader")["Role"]
        (trust,) = reader["AssumeRolePolicyDocument"]["Statement"]
        sagemaker_role = template["Resources"]["SageMakerExecutionRole"]["Properties"]["RoleName"]
        assert trust["Principal"] == {"AWS": f"arn:aws:iam::{TOOLING}:root"}
        assert trust["Condition"]["ArnEquals"]["aws:PrincipalArn"] == (
            f"arn:aws:iam::{TOOLING}:role/{sagemaker_role}"
        )
        statements = _role_statements(iam, f"{PREFIX}-drift-reader")
        bucket = exports[f"{PREFIX}-ArtifactBucket"]
        assert statements["ReadCapturedRequests"]["Resource"] == (
            f"arn:aws:s3:::{bucket}/data-capture/{PREFIX}-prod/*"
        )
        assert statements["FindServedModel"]["Resource"][0].endswith(f":endpoint/{PREFIX}-prod")
    platform = _template(project, "platform.yaml")
    role = platform["SageMakerExecutionRole"]["Properties"]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert _sub(statements["AssumeDriftReader"]["Resource"]) == (
        f"arn:aws:iam::{PROD}:role/{PREFIX}-drift-reader"
    )
    assert "FindServedModel" not in statements  # the endpoint is not in tooling


def test_the_production_deployer_trusts_the_pipeline_only(project: Path) -> None:
    """The smoke test reaches staging only; the condition drops it for production."""
    deployer = _template(project, "stage-account.yaml")["DeployerRole"]["Properties"]
    (trust,) = deployer["AssumeRolePolicyDocument"]["Statement"]
    pipeline, smoke = trust["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    assert _sub(pipeline) == f"arn:aws:iam::{TOOLING}:role/{PREFIX}-pipeline"
    assert smoke["Fn::If"][0] == "SmokeTested"
    assert smoke["Fn::If"][2] == {"Ref": "AWS::NoValue"}


def test_the_pipeline_deploys_each_stage_through_that_stages_roles(project: Path) -> None:
    cicd = _template(project, "cicd.yaml")
    stage_account = _template(project, "stage-account.yaml")
    assert cicd["PipelineRole"]["Properties"]["RoleName"] == f"{PREFIX}-pipeline"
    assert cicd["SmokeTestRole"]["Properties"]["RoleName"] == f"{PREFIX}-smoke-test"
    cfn_role = stage_account["CloudFormationDeployRole"]["Properties"]["RoleName"]
    actions = {
        action["Configuration"]["StackName"]: action
        for stage in cicd["DeployStagingProductionPipeline"]["Properties"]["Stages"]
        for action in stage["Actions"]
        if action["ActionTypeId"]["Provider"] == "CloudFormation"
    }
    for stage, account in (("staging", STAGING), ("prod", PROD)):
        action = actions[f"{PREFIX}-model-{stage}"]
        assert _sub(action["RoleArn"]) == f"arn:aws:iam::{account}:role/{PREFIX}-{stage}-deployer"
        assert _sub(action["Configuration"]["RoleArn"]) == (
            f"arn:aws:iam::{account}:role/{cfn_role}"
        )
    statements = {
        s["Sid"]: s
        for s in cicd["PipelineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    }
    assert [_sub(r) for r in statements["AssumeStageDeployers"]["Resource"]] == [
        f"arn:aws:iam::{STAGING}:role/{PREFIX}-staging-deployer",
        f"arn:aws:iam::{PROD}:role/{PREFIX}-prod-deployer",
    ]


def test_the_tooling_key_bucket_and_registry_grant_exactly_the_stage_roles(project: Path) -> None:
    platform = _template(project, "platform.yaml")
    stage_account = _template(project, "stage-account.yaml")
    sagemaker_role = stage_account["SageMakerExecutionRole"]["Properties"]["RoleName"]
    cfn_role = stage_account["CloudFormationDeployRole"]["Properties"]["RoleName"]
    readers = [
        f"arn:aws:iam::{account}:role/{name}"
        for stage, account in (("staging", STAGING), ("prod", PROD))
        for name in (f"{PREFIX}-{stage}-deployer", sagemaker_role)
    ]
    model_readers = [
        f"arn:aws:iam::{account}:role/{name}"
        for account in (STAGING, PROD)
        for name in (cfn_role, sagemaker_role)
    ]
    roots = [f"arn:aws:iam::{account}:root" for account in (STAGING, PROD)]

    def grant(statements: list[dict[str, Any]], sid: str) -> tuple[list[str], list[str]]:
        (statement,) = [s for s in statements if s.get("Sid") == sid]
        principals = [_sub(p) for p in statement["Principal"]["AWS"]]
        return principals, [
            _sub(a) for a in statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        ]

    key = platform["ProjectKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert grant(key, "StageAccountsDecryptModelsAndArtifacts") == (roots, readers)
    bucket = platform["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert grant(bucket, "StageAccountsReadModelsAndArtifacts") == (roots, readers)
    group = platform["ModelPackageGroup"]["Properties"]["ModelPackageGroupPolicy"]["Statement"]
    assert grant(group, "StageAccountsUseApprovedModels") == (roots, model_readers)


def test_stage_accounts_pull_the_serving_image_as_their_sagemaker_role(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With container=byoc the image stays in the tooling repository, whose policy lets exactly
    the stage accounts' SageMaker execution roles pull it; the templates lint clean."""
    answers = {**example_answers("acme-ml-accounts"), "container": "byoc"}
    project = render(answers, tmp_path_factory.mktemp("byoc"), example_profile("acme-ml-accounts"))
    platform = _template(project, "platform.yaml")
    sagemaker_role = _template(project, "stage-account.yaml")["SageMakerExecutionRole"][
        "Properties"
    ]["RoleName"]
    policy = platform["ServingRepository"]["Properties"]["RepositoryPolicyText"]
    [statement] = policy["Statement"]
    assert [_sub(p) for p in statement["Principal"]["AWS"]] == [
        f"arn:aws:iam::{account}:root" for account in (STAGING, PROD)
    ]
    assert [_sub(a) for a in statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]] == [
        f"arn:aws:iam::{account}:role/{sagemaker_role}" for account in (STAGING, PROD)
    ]
    assert sorted(statement["Action"]) == [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ]
    report = lint_report(project, cfn_linter=CfnLinter([REGION]))
    assert report.findings == [], "\n".join(map(str, report.findings))


@pytest.fixture(scope="module")
def github_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project delivered by GitHub Actions (the acme-ml-accounts-github example)."""
    return render_example("acme-ml-accounts-github", tmp_path_factory.mktemp("github"))


def test_each_account_gets_the_github_roles_of_what_runs_there(github_project: Path) -> None:
    oidc, matches = decode(str(github_project / "infra" / "github-oidc.yaml"))
    assert not matches and oidc is not None
    conditions = {
        name: condition["Fn::Equals"][1]
        for name, condition in oidc["Conditions"].items()
        if name.startswith("In")
    }
    assert conditions == {
        "InToolingAccount": TOOLING,
        "InStagingAccount": STAGING,
        "InProductionAccount": PROD,
    }
    roles = {name: r for name, r in oidc["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    assert {name: r["Condition"] for name, r in roles.items()} == {
        "TrainRole": "InToolingAccount",
        "StagingDeployRole": "InStagingAccount",
        "ProductionDeployRole": "InProductionAccount",
    }
    for name in ("StagingDeployRole", "ProductionDeployRole"):
        statements = roles[name]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        (registry,) = [s for s in statements if s["Sid"] == "ResolveApprovedModel"]
        assert [_sub(r) for r in registry["Resource"]] == [
            f"arn:aws:sagemaker:${{AWS::Region}}:{TOOLING}:model-package-group/{PREFIX}",
            f"arn:aws:sagemaker:${{AWS::Region}}:{TOOLING}:model-package/{PREFIX}/*",
        ]


def test_github_stage_accounts_have_no_deployer_and_the_registry_grants_their_roles(
    github_project: Path,
) -> None:
    stage_account = _template(github_project, "stage-account.yaml")
    assert "DeployerRole" not in stage_account
    platform = _template(github_project, "platform.yaml")
    group = platform["ModelPackageGroup"]["Properties"]["ModelPackageGroupPolicy"]["Statement"]
    (statement,) = group
    readers = [_sub(a) for a in statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]]
    assert f"arn:aws:iam::{STAGING}:role/{PREFIX}-github-staging" in readers
    assert f"arn:aws:iam::{PROD}:role/{PREFIX}-github-production" in readers
    bucket = platform["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (grant,) = [s for s in bucket if s.get("Sid") == "StageAccountsReadModelsAndArtifacts"]
    assert [_sub(a) for a in grant["Condition"]["ArnEquals"]["aws:PrincipalArn"]] == [
        f"arn:aws:iam::{STAGING}:role/{PREFIX}-sagemaker-execution",
        f"arn:aws:iam::{PROD}:role/{PREFIX}-sagemaker-execution",
    ]


def test_an_asynchronous_endpoint_keeps_its_requests_in_its_stage_account(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With inference=async each stage account gets a bucket of its own, exported under the
    artifact bucket's names: the endpoint created from the unchanged model service template
    writes its results there and reports to that account's topics; the staging deployer may
    exchange smoke-test requests there only. The templates lint clean, checkov included."""
    answers = {
        **example_answers("acme-ml-accounts"),
        "inference": "async",
        "autoscaling_min_capacity": 2,
    }
    project = render(answers, tmp_path_factory.mktemp("async"), example_profile("acme-ml-accounts"))
    report = lint_report(project, cfn_linter=CfnLinter([REGION]))
    assert report.skipped == [], "a linter is missing; run `make install`"
    assert report.findings == [], "\n".join(map(str, report.findings))

    template = _stage_template(project)
    smoke = template["Resources"]["SmokeTestPolicy"]["Properties"]["PolicyDocument"]
    statements = {s["Sid"]: s for s in smoke["Statement"]}
    assert statements["ExchangeAsyncRequests"]["Resource"]["Fn::Sub"] == [
        "${BucketArn}/async-inference/" + f"{PREFIX}-staging/input/*",
        {"BucketArn": {"Fn::GetAtt": ["StageBucket", "Arn"]}},
    ]
    assert (
        "sagemaker:InvokeEndpointAsync" in statements["InspectAndInvokeStagingEndpoint"]["Action"]
    )
    # Only the staging deployer runs the smoke test (moto's CloudFormation skips role policies).
    assert template["Resources"]["SmokeTestPolicy"]["Condition"] == "SmokeTested"
    assert template["Conditions"]["SmokeTested"] == {"Fn::Equals": [{"Ref": "Stage"}, "staging"]}
    with mock_aws():
        exports = _create_stage_stack(project, "prod")
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        bucket = exports[f"{PREFIX}-ArtifactBucket"]
        assert exports[f"{PREFIX}-ArtifactBucketArn"] == f"arn:aws:s3:::{bucket}"
        s3 = boto3.client("s3", region_name=REGION)
        [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        encryption = rule["ApplyServerSideEncryptionByDefault"]
        assert encryption["SSEAlgorithm"] == "aws:kms"
        assert encryption["KMSMasterKeyID"] == exports[f"{PREFIX}-ProjectKeyArn"]
        outputs = {
            o["OutputKey"]: o["OutputValue"]
            for o in cloudformation.describe_stacks(StackName=f"{PREFIX}-platform")["Stacks"][0][
                "Outputs"
            ]
        }
        assert outputs["ArtifactBucketName"] == bucket  # what config.stage_bucket() reads

        endpoint = _deploy_model_service(project, "prod")["EndpointName"]
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        [config] = sagemaker.list_endpoint_configs()["EndpointConfigs"]
        described = sagemaker.describe_endpoint_config(
            EndpointConfigName=config["EndpointConfigName"]
        )
        output = described["AsyncInferenceConfig"]["OutputConfig"]
        assert output["S3OutputPath"] == f"s3://{bucket}/async-inference/{endpoint}/output"
        assert output["S3FailurePath"] == f"s3://{bucket}/async-inference/{endpoint}/failures"
        assert output["KmsKeyId"] == exports[f"{PREFIX}-ProjectKeyArn"]
        topics = sorted(
            t["TopicArn"] for t in boto3.client("sns", region_name=REGION).list_topics()["Topics"]
        )
        assert output["NotificationConfig"] == {
            "SuccessTopic": topics[1],
            "ErrorTopic": topics[0],
        }
        assert topics[1].endswith(f"{endpoint}-async-success")


# --- Batch scoring in stage accounts of their own ---------------------------------------------


@pytest.fixture(scope="module")
def batch_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The acme-ml-accounts project scoring in batch: its data stays in each stage's account."""
    answers = {
        **example_answers("acme-ml-accounts"),
        "inference": "batch",
        "batch_schedule": "cron(0 2 * * ? *)",
        "retrain_on_drift": "no",  # batch transform has no endpoint to capture requests
    }
    return render(answers, tmp_path_factory.mktemp("batch"), example_profile("acme-ml-accounts"))


def test_batch_data_stays_in_the_stage_account(batch_project: Path) -> None:
    """The stage stack creates the stage's bucket under its derived name and exports it as the
    data bucket, so the unchanged model service's batch pipeline reads and writes there."""
    report = lint_report(batch_project, cfn_linter=CfnLinter([REGION]))
    assert report.skipped == [], "a linter is missing; run `make install`"
    assert report.findings == [], "\n".join(map(str, report.findings))
    # New input reaches EventBridge (moto's CloudFormation does not apply notifications).
    bucket_properties = _template(batch_project, "stage-account.yaml")["StageBucket"]["Properties"]
    assert bucket_properties["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    with mock_aws():
        exports = _create_stage_stack(batch_project, "prod")
        bucket = f"{PREFIX}-prod-{PROD}"
        assert exports[f"{PREFIX}-DataBucket"] == bucket
        _deploy_model_service(batch_project, "prod")
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        [model] = sagemaker.list_models()["Models"]
        described = sagemaker.describe_model(ModelName=model["ModelName"])
        assert described["ExecutionRoleArn"] == exports[f"{PREFIX}-SageMakerExecutionRoleArn"]
    # moto's CloudFormation skips AWS::SageMaker::Pipeline: its default locations are read
    # from the template, whose data bucket is the export above.
    body, variables = _template(batch_project, "model-service.yaml")["BatchPipeline"]["Properties"][
        "PipelineDefinition"
    ]["PipelineDefinitionBody"]["Fn::Sub"]
    assert variables["DataBucket"] == {"Fn::ImportValue": f"{PREFIX}-DataBucket"}
    assert '"DefaultValue": "s3://${DataBucket}/batch/${Stage}/input/"' in body


def _deliver_as(account: str, pattern: str, event: dict[str, str]) -> bool:
    """Whether ``event``, put on the default bus of ``account`` (moto's, reached through a role
    assumed there), matches ``pattern``."""
    with mock_aws():
        credentials = boto3.client("sts", region_name=REGION).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/events-test", RoleSessionName="events-test"
        )["Credentials"]
        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=REGION,
        )
        sqs, events = session.client("sqs"), session.client("events")
        queue_url = sqs.create_queue(QueueName="deliveries")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        assert queue_arn.split(":")[4] == account
        events.put_rule(Name="rule", EventPattern=pattern)
        events.put_targets(Rule="rule", Targets=[{"Id": "q", "Arn": queue_arn}])
        assert events.put_events(Entries=[event])["FailedEntryCount"] == 0
        # moto matches the event as from the caller's account (its SQS message leaves the
        # account field out).
        messages = sqs.receive_message(QueueUrl=queue_url).get("Messages", [])
        return bool(messages)


def _s3_object_created(bucket: str, key: str) -> dict[str, str]:
    detail = {
        "version": "0",
        "bucket": {"name": bucket},
        "object": {"key": key, "size": 2048, "etag": "b1946ac92492d2347c6235b4d2611184"},
        "request-id": "N4N7GDK58NMKJ12R",
        "reason": "PutObject",
    }
    return {
        "Source": "aws.s3",
        "DetailType": "Object Created",
        "Resources": [f"arn:aws:s3:::{bucket}"],
        "Detail": json.dumps(detail),
    }


@pytest.mark.parametrize(
    ("account", "bucket", "key", "forwarded", "scored"),
    [
        (PROD, f"{PREFIX}-prod-{PROD}", "batch/prod/input/quotes.csv", True, True),
        (PROD, f"{PREFIX}-prod-{PROD}", "batch/prod/output/run/quotes.csv.out", False, False),
        (PROD, f"{PREFIX}-prod-{PROD}", "batch/prod/smoke/0123.csv", False, False),
        (PROD, "another-bucket", "batch/prod/input/quotes.csv", False, False),
        # The same object name in another account: not production's input.
        (STAGING, f"{PREFIX}-prod-{PROD}", "batch/prod/input/quotes.csv", False, False),
    ],
)
def test_new_batch_input_in_a_stage_account_is_scored_by_the_tooling_launcher(
    batch_project: Path,
    account: str,
    bucket: str,
    key: str,
    forwarded: bool,
    scored: bool,
) -> None:
    """The stage account's forwarding rule (as moto's CloudFormation resolved it for prod)
    passes new input to the tooling bus; the tooling rule starts the launcher for it only when
    the event comes from production's account."""
    with mock_aws():
        _create_stage_stack(batch_project, "prod")
        forward = boto3.client("events", region_name=REGION).describe_rule(
            Name=f"{PREFIX}-batch-input-to-tooling"
        )["EventPattern"]
    retraining = _template(batch_project, "retraining.yaml")
    tooling = json.dumps(retraining["ProductionBatchInputRule"]["Properties"]["EventPattern"])
    event = _s3_object_created(bucket, key)
    if account == PROD:  # the forwarding rule is production's, on production's bus
        assert _deliver_as(PROD, forward, event) is forwarded
    assert _deliver_as(account, tooling, event) is scored


def test_the_launcher_starts_a_stage_accounts_pipeline_as_its_batch_starter(
    batch_project: Path,
) -> None:
    retraining = _template(batch_project, "retraining.yaml")
    stage_account = _template(batch_project, "stage-account.yaml")
    launcher_role = retraining["BatchLauncherRole"]["Properties"]
    assert launcher_role["RoleName"] == f"{PREFIX}-batch-launcher"
    definition = retraining["BatchLauncher"]["Properties"]["Definition"]
    states = definition["States"]
    route = states[definition["StartAt"]]
    targets = {c["StringEquals"]: c["Next"] for c in route["Choices"]}
    for stage, account in (("staging", STAGING), ("prod", PROD)):
        task = states[targets[f"{PREFIX}-{stage}-batch"]]
        assert _sub(task["Credentials"]["RoleArn"]) == (
            f"arn:aws:iam::{account}:role/{PREFIX}-{stage}-batch-starter"
        )
    # Every stage is in an account of its own: an unknown pipeline fails, nothing is started
    # in the tooling account.
    assert states[route["Default"]]["Type"] == "Fail"
    statements = {s["Sid"]: s for s in launcher_role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert "StartBatchPipelines" not in statements
    assert [_sub(r) for r in statements["AssumeStageBatchStarters"]["Resource"]] == [
        f"arn:aws:iam::{STAGING}:role/{PREFIX}-staging-batch-starter",
        f"arn:aws:iam::{PROD}:role/{PREFIX}-prod-batch-starter",
    ]
    starter = stage_account["BatchStarterRole"]["Properties"]
    (trust,) = starter["AssumeRolePolicyDocument"]["Statement"]
    assert _sub(trust["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == (
        f"arn:aws:iam::{TOOLING}:role/{PREFIX}-batch-launcher"
    )
    bus = retraining["StageAccountsPutEvents"]["Properties"]["Statement"]
    assert [_sub(p) for p in bus["Principal"]["AWS"]] == [
        f"arn:aws:iam::{account}:root" for account in (STAGING, PROD)
    ]
    failed = retraining["BatchFailedRule"]["Properties"]["EventPattern"]["detail"]
    assert [_sub(a) for a in failed["pipelineArn"]] == [
        f"arn:aws:sagemaker:${{AWS::Region}}:{account}:pipeline/{PREFIX}-{stage}-batch"
        for stage, account in (("staging", STAGING), ("prod", PROD))
    ]


def _pipeline_failed(account: str, pipeline: str, status: str) -> dict[str, str]:
    """A SageMaker Model Building Pipeline Execution Status Change event from ``account``."""
    arn = f"arn:aws:sagemaker:{REGION}:{account}:pipeline/{pipeline}"
    detail = {
        "currentPipelineExecutionStatus": status,
        "previousPipelineExecutionStatus": "Executing",
        "pipelineArn": arn,
        "pipelineExecutionArn": f"{arn}/execution/4wzd1m8ymkk3",
    }
    return {
        "Source": "aws.sagemaker",
        "DetailType": "SageMaker Model Building Pipeline Execution Status Change",
        "Resources": [arn],
        "Detail": json.dumps(detail),
    }


@pytest.mark.parametrize(
    ("account", "pipeline", "status", "alerted"),
    [
        (PROD, f"{PREFIX}-prod-batch", "Failed", True),
        (PROD, f"{PREFIX}-prod-batch", "Succeeded", False),
        (PROD, f"{PREFIX}-training", "Failed", False),
        (STAGING, f"{PREFIX}-staging-batch", "Failed", True),
        # Staging's pipeline name in production's account is not staging's pipeline.
        (PROD, f"{PREFIX}-staging-batch", "Failed", False),
    ],
)
def test_a_failed_scoring_run_in_a_stage_account_alerts_in_tooling(
    batch_project: Path, account: str, pipeline: str, status: str, alerted: bool
) -> None:
    """The stage's forwarding rule passes its pipeline's failures on; the tooling rule, which
    names each stage's pipeline in its account, alerts on them."""
    stage = "prod" if account == PROD else "staging"
    with mock_aws():
        _create_stage_stack(batch_project, stage)
        forward = boto3.client("events", region_name=REGION).describe_rule(
            Name=f"{PREFIX}-batch-failed-to-tooling"
        )["EventPattern"]
    retraining = _template(batch_project, "retraining.yaml")
    failed = retraining["BatchFailedRule"]["Properties"]["EventPattern"]
    tooling = json.loads(json.dumps(failed).replace("${AWS::Partition}", "aws"))
    tooling["detail"]["pipelineArn"] = [
        arn["Fn::Sub"].replace("${AWS::Region}", REGION) for arn in tooling["detail"]["pipelineArn"]
    ]
    event = _pipeline_failed(account, pipeline, status)
    # The forwarding rule in moto's default account resolved ${AWS::AccountId} to it.
    forwarded_event = _pipeline_failed("123456789012", pipeline, status)
    assert _deliver_as("123456789012", forward, forwarded_event) is alerted
    assert _deliver_as(account, json.dumps(tooling), event) is alerted


# --- Multi-model endpoints in stage accounts of their own -------------------------------------

MM_PREFIX = "acme-tariff-models"


def test_multi_model_versions_are_published_into_the_stage_accounts_bucket(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The acme-ml-accounts-multi-model example: each stage's endpoint loads the versions
    published under its prefix of the stage's own bucket (exported as the artifact bucket, so
    the model service is unchanged); the stage's SageMaker role reads them, and the deployer
    that the tooling account's publish action assumes (and only it, besides the pipeline) may
    write them. The generated project's own tests publish through that role in moto."""
    project = render_example("acme-ml-accounts-multi-model", tmp_path_factory.mktemp("mm"))
    cicd = _template(project, "cicd.yaml")
    stage_account = _template(project, "stage-account.yaml")
    publish = cicd["PublishModelRole"]["Properties"]
    assert publish["RoleName"] == f"{MM_PREFIX}-publish-model"
    assert cicd["PublishModelProject"]["Properties"]["ServiceRole"] == {
        "Fn::GetAtt": ["PublishModelRole", "Arn"]
    }
    statements = {s["Sid"]: s for s in publish["Policies"][0]["PolicyDocument"]["Statement"]}
    assert [_sub(r) for r in statements["AssumeStageDeployers"]["Resource"]] == [
        f"arn:aws:iam::{STAGING}:role/{MM_PREFIX}-staging-deployer",
        f"arn:aws:iam::{PROD}:role/{MM_PREFIX}-prod-deployer",
    ]
    deployer = stage_account["DeployerRole"]["Properties"]
    (trust,) = deployer["AssumeRolePolicyDocument"]["Statement"]
    assert [_sub(p) for p in trust["Condition"]["ArnEquals"]["aws:PrincipalArn"][:2]] == [
        f"arn:aws:iam::{TOOLING}:role/{MM_PREFIX}-pipeline",
        f"arn:aws:iam::{TOOLING}:role/{MM_PREFIX}-publish-model",
    ]
    writes = {s["Sid"]: s for s in deployer["Policies"][0]["PolicyDocument"]["Statement"]}
    assert writes["PublishTargetModels"]["Resource"] == {
        "Fn::Sub": "${StageBucket.Arn}/multi-model/${Stage}/models/*"
    }
    reads = {
        s["Sid"]: s
        for s in stage_account["SageMakerExecutionRole"]["Properties"]["Policies"][0][
            "PolicyDocument"
        ]["Statement"]
    }
    assert reads["ReadPublishedModels"]["Resource"][0] == {
        "Fn::Sub": "${StageBucket.Arn}/multi-model/${Stage}/models/*"
    }
    with mock_aws():
        exports = _create_stage_stack(project, "prod", prefix=MM_PREFIX)
        bucket = exports[f"{MM_PREFIX}-ArtifactBucket"]
        assert bucket == f"{MM_PREFIX}-prod-{PROD}"
        parameters = json.loads((project / "infra" / "config" / "prod.json").read_text())
        image = f"683313688378.dkr.ecr.{REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
        code = f"s3://tooling-artifacts/multi-model/code/{'0' * 64}/sourcedir.tar.gz"
        values = {**parameters["Parameters"], "ServingImage": image, "ServingCodeUri": code}
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=f"{MM_PREFIX}-model-prod",
            TemplateBody=(project / "infra" / "model-service.yaml").read_text(),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
        )
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        [model] = sagemaker.list_models()["Models"]
        container = sagemaker.describe_model(ModelName=model["ModelName"])["PrimaryContainer"]
        assert container["Mode"] == "MultiModel"
        assert container["ModelDataUrl"] == f"s3://{bucket}/multi-model/prod/models/"


# --- Lambda functions in stage accounts of their own ------------------------------------------

LAMBDA_ANSWERS = {
    "project_name": "Pricing Model",
    "description": "Quotes motor insurance premiums.",
    "github_repository": "acme/pricing-model",
    "deployment_target": "lambda",
    "container": "byoc",
    "deployment_strategy": "canary",
    "canary_percent": 20,
    "wait_minutes": 5,
}
LAMBDA_ROLES = {
    "LambdaServingRoleArn": f"{PREFIX}-lambda-serving",
    "TrafficHookRoleArn": f"{PREFIX}-traffic-hooks",
    "CodeDeployRoleArn": f"{PREFIX}-codedeploy",
}


@pytest.fixture(scope="module")
def lambda_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """acme-ml-accounts's profile and project (its VPC answers too), served from Lambda
    functions."""
    vpc = {k: v for k, v in example_answers("acme-ml-accounts").items() if k.startswith("vpc_")}
    return render(
        {**LAMBDA_ANSWERS, **vpc},
        tmp_path_factory.mktemp("lambda"),
        example_profile("acme-ml-accounts"),
    )


def test_lambda_functions_deploy_in_a_stage_account_from_its_own_exports(
    lambda_project: Path,
) -> None:
    """The stage-account stack creates the roles the functions, their traffic hooks and
    CodeDeploy run as, under the platform stack's export names; the model service then creates
    the stage's functions there from the tooling account's image and model archive. (moto
    skips the alias, the function URL and CodeDeploy, which cfn-lint checks.)"""
    image, archive = TOOLING_IMAGE, TOOLING_ARCHIVE
    with mock_aws():
        exports = _create_stage_stack(lambda_project, "prod")
        iam = _assert_exports_own_serving_roles(exports, LAMBDA_ROLES)
        serving = _role_statements(iam, f"{PREFIX}-lambda-serving")
        assert serving["ReadModelArchives"]["Resource"] == (
            "arn:aws:s3:::tooling-artifacts/*.tar.gz"
        )
        assert serving["DecryptModelArchives"]["Resource"] == TOOLING_KEY
        assert serving["DecryptWithProjectKey"]["Resource"] == exports[f"{PREFIX}-ProjectKeyArn"]
        creator = _role_statements(iam, f"{PREFIX}-cloudformation-deploy")
        assert creator["ReadServingImage"]["Resource"] == (
            f"arn:aws:ecr:{REGION}:{TOOLING}:repository/{PREFIX}-serving"
        )
        assert set(creator["ReadServingImage"]["Action"]) == {
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        }

        template = dict(
            cfn_yaml.loads((lambda_project / "infra" / "model-service.yaml").read_text())
        )
        # As in the generated project's own test: moto cannot read the function URL's output
        # nor name a version by Ref.
        del template["Outputs"]["FunctionUrl"]
        for hook in ("BeforeTrafficHook", "AfterTrafficHook"):
            del template["Resources"][hook]["Properties"]["Environment"]["Variables"][
                "CANDIDATE_VERSION"
            ]
        parameters = json.loads((lambda_project / "infra" / "config" / "prod.json").read_text())
        values = {
            **parameters["Parameters"],
            "ModelPackageArn": f"arn:aws:sagemaker:{REGION}:{TOOLING}:model-package/{PREFIX}/3",
            "ImageUri": image,
            "ModelDataUrl": archive,
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=f"{PREFIX}-model-prod",
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
        )
        lambdas = boto3.client("lambda", region_name=REGION)
        function = lambdas.get_function(FunctionName=f"{PREFIX}-prod")
        assert function["Code"]["ImageUri"] == image
        assert function["Configuration"]["Role"] == exports[f"{PREFIX}-LambdaServingRoleArn"]
        assert function["Configuration"]["Environment"]["Variables"]["MODEL_DATA_URL"] == archive
        # The functions and their hooks run in the network the profile names for production,
        # and their roles may attach there only (not in staging's subnets).
        network = example_profile("acme-ml-accounts").networks["prod"]
        staging = example_profile("acme-ml-accounts").networks["staging"]
        configurations = [function["Configuration"]] + [
            lambdas.get_function(FunctionName=f"{PREFIX}-prod-{hook}-traffic")["Configuration"]
            for hook in ("before", "after")
        ]
        for configuration in configurations:
            vpc = configuration["VpcConfig"]
            assert vpc["SubnetIds"] == list(network.subnet_ids)
            assert vpc["SecurityGroupIds"] == list(network.security_group_ids)
        for configuration in configurations[1:]:
            assert configuration["Role"] == exports[f"{PREFIX}-TrafficHookRoleArn"]
        account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
        for role in (f"{PREFIX}-lambda-serving", f"{PREFIX}-traffic-hooks"):
            attach = _role_statements(iam, role)["AttachToProjectSubnets"]
            assert attach["Resource"] == [
                f"arn:aws:ec2:{REGION}:{account}:network-interface/*",
                *(f"arn:aws:ec2:{REGION}:*:subnet/{subnet}" for subnet in network.subnet_ids),
                *(
                    f"arn:aws:ec2:{REGION}:*:security-group/{group}"
                    for group in network.security_group_ids
                ),
            ]
            assert not any(subnet in str(attach) for subnet in staging.subnet_ids)


def test_the_tooling_repository_lets_exactly_the_stage_functions_and_their_creators_pull(
    lambda_project: Path,
) -> None:
    """Lambda pulls a function's image from another account's repository when the repository
    lets both the function (Lambda's service principal, by the function's ARN) and the role
    creating it pull; the tooling key and bucket let the functions' role read the archive.
    The templates lint clean."""
    platform = _template(lambda_project, "platform.yaml")
    functions, creators = platform["ServingRepository"]["Properties"]["RepositoryPolicyText"][
        "Statement"
    ]
    assert functions["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert [_sub(a) for a in functions["Condition"]["ArnLike"]["aws:SourceArn"]] == [
        f"arn:aws:lambda:${{AWS::Region}}:{account}:function:{PREFIX}-{stage}{suffix}"
        for stage, account in (("staging", STAGING), ("prod", PROD))
        for suffix in ("", "-before-traffic", "-after-traffic")
    ]
    assert creators["Sid"] == "StageAccountsCreateFunctionsFromServingImage"
    assert [_sub(p) for p in creators["Principal"]["AWS"]] == [
        f"arn:aws:iam::{account}:root" for account in (STAGING, PROD)
    ]
    assert _granted([creators], creators["Sid"]) == [
        f"arn:aws:iam::{account}:role/{PREFIX}-cloudformation-deploy" for account in (STAGING, PROD)
    ]
    _assert_tooling_key_and_bucket_grant(platform, f"{PREFIX}-lambda-serving")
    report = lint_report(lambda_project, cfn_linter=CfnLinter([REGION]))
    assert report.findings == [], "\n".join(map(str, report.findings))


def test_lambda_stage_accounts_delivered_by_github_actions_lint_clean(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With GitHub Actions each account's deploy role passes the same CloudFormation role,
    which the tooling repository lets pull the image."""
    project = render(
        LAMBDA_ANSWERS,
        tmp_path_factory.mktemp("lambda-github"),
        example_profile("acme-ml-accounts-github"),
    )
    assert "LambdaServingRole" in _template(project, "stage-account.yaml")
    report = lint_report(project, cfn_linter=CfnLinter([REGION]))
    assert report.findings == [], "\n".join(map(str, report.findings))


# --- ECS services in stage accounts of their own ----------------------------------------------

ECS_ANSWERS = {
    **LAMBDA_ANSWERS,
    "deployment_target": "ecs",
    # The tooling account's VPC, where staging's service would run were it there.
    "vpc_id": "vpc-0a1b2c3d4e5f60717",
}
ECS_ROLES = {
    "EcsExecutionRoleArn": f"{PREFIX}-ecs-execution",
    "EcsTaskRoleArn": f"{PREFIX}-ecs-task",
    "EcsInfrastructureRoleArn": f"{PREFIX}-ecs-infrastructure",
    "TrafficHookRoleArn": f"{PREFIX}-traffic-hooks",
}


@pytest.fixture(scope="module")
def ecs_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """acme-ml-accounts's profile and VPC answers, served by ECS services on Fargate."""
    vpc = {k: v for k, v in example_answers("acme-ml-accounts").items() if k.startswith("vpc_")}
    return render(
        {**vpc, **ECS_ANSWERS}, tmp_path_factory.mktemp("ecs"), example_profile("acme-ml-accounts")
    )


def _stand_in_network(network: Any) -> dict[str, str]:
    """The VPC, subnets (in two Availability Zones) and client security groups of a stage's
    profile network, created in moto: its ids by the profile's id each stands in for."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    ids = {network.vpc_id: vpc}
    for index, subnet in enumerate(network.subnet_ids):
        zone = f"{REGION}{'abc'[index % 3]}"
        created = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.30.{index}.0/24", AvailabilityZone=zone
        )
        ids[subnet] = created["Subnet"]["SubnetId"]
    for group in network.security_group_ids:
        ids[group] = ec2.create_security_group(
            GroupName=f"clients-{group}", VpcId=vpc, Description="callers"
        )["GroupId"]
    return ids


def test_ecs_services_deploy_in_a_stage_account_in_the_network_the_profile_names(
    ecs_project: Path,
) -> None:
    """The stage-account stack creates the roles ECS starts and runs the tasks with, shifts
    traffic with and runs the traffic check as, under the platform stack's export names; the
    model service then creates production's cluster, service, load balancer, security groups
    and traffic check there, in production's VPC, subnets and security groups from the profile
    (not staging's, nor the tooling account's), from the tooling account's image and model
    archive."""
    image, archive = TOOLING_IMAGE, TOOLING_ARCHIVE
    networks = example_profile("acme-ml-accounts").networks
    prod, staging = networks["prod"], networks["staging"]
    with mock_aws():
        exports = _create_stage_stack(ecs_project, "prod")
        iam = _assert_exports_own_serving_roles(exports, ECS_ROLES)
        repository = f"arn:aws:ecr:{REGION}:{TOOLING}:repository/{PREFIX}-serving"
        starter = _role_statements(iam, f"{PREFIX}-ecs-execution")
        assert starter["PullServingImage"]["Resource"] == repository
        assert starter["SendTaskLogs"]["Resource"] == [
            f"arn:aws:logs:{REGION}:{_account()}:log-group:/ecs/{PREFIX}-{stage}:*"
            for stage in ("staging", "prod")
        ]
        task = _role_statements(iam, f"{PREFIX}-ecs-task")
        assert task["ReadModelArchives"]["Resource"] == "arn:aws:s3:::tooling-artifacts/*.tar.gz"
        assert task["DecryptModelArchives"]["Resource"] == TOOLING_KEY
        creator = _role_statements(iam, f"{PREFIX}-cloudformation-deploy")
        assert creator["ReadServingImage"]["Resource"] == repository
        assert (
            f"arn:aws:ec2:{REGION}:*:vpc/{prod.vpc_id}"
            in (creator["ManageServiceSecurityGroups"]["Resource"])
        )
        assert staging.vpc_id not in json.dumps(creator)
        attach = _role_statements(iam, f"{PREFIX}-traffic-hooks")["AttachToProjectSubnets"]
        assert attach["Resource"][1:] == [
            *(f"arn:aws:ec2:{REGION}:*:subnet/{subnet}" for subnet in prod.subnet_ids),
            *(
                f"arn:aws:ec2:{REGION}:*:security-group/{group}"
                for group in prod.security_group_ids
            ),
        ]

        ids = _stand_in_network(prod)
        text = (ecs_project / "infra" / "model-service.yaml").read_text()
        for profile_id, created in ids.items():
            text = text.replace(profile_id, created)
        parameters = json.loads((ecs_project / "infra" / "config" / "prod.json").read_text())
        values = {
            **parameters["Parameters"],
            "ModelPackageArn": f"arn:aws:sagemaker:{REGION}:{TOOLING}:model-package/{PREFIX}/3",
            "ImageUri": image,
            "ModelDataUrl": archive,
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=f"{PREFIX}-model-prod",
            TemplateBody=json.dumps(dict(cfn_yaml.loads(text))),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
        )
        name = f"{PREFIX}-prod"
        ecs = boto3.client("ecs", region_name=REGION)
        [service] = ecs.describe_services(cluster=name, services=[name])["services"]
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
        [container] = definition["taskDefinition"]["containerDefinitions"]
        assert container["image"] == image
        assert {"name": "MODEL_DATA_URL", "value": archive} in container["environment"]

        elb = boto3.client("elbv2", region_name=REGION)
        [balancer] = elb.describe_load_balancers(Names=[values["LoadBalancerName"]])[
            "LoadBalancers"
        ]
        assert balancer["VpcId"] == ids[prod.vpc_id]
        assert sorted(zone["SubnetId"] for zone in balancer["AvailabilityZones"]) == sorted(
            ids[subnet] for subnet in prod.subnet_ids
        )
        targets = elb.describe_target_groups(
            Names=[values["BlueTargetGroupName"], values["GreenTargetGroupName"]]
        )["TargetGroups"]
        assert {group["VpcId"] for group in targets} == {ids[prod.vpc_id]}
        ec2 = boto3.client("ec2", region_name=REGION)
        [balancer_group] = ec2.describe_security_groups(GroupIds=balancer["SecurityGroups"])[
            "SecurityGroups"
        ]
        assert balancer_group["VpcId"] == ids[prod.vpc_id]
        # Only production's client groups may call it: staging's items are dropped.
        callers = [
            (rule["FromPort"], pair["GroupId"])
            for rule in balancer_group["IpPermissions"]
            for pair in rule["UserIdGroupPairs"]
        ]
        assert sorted(callers) == sorted(
            (port, ids[group]) for group in prod.security_group_ids for port in (80, 8080)
        )
        check = boto3.client("lambda", region_name=REGION).get_function(
            FunctionName=values["TrafficCheckName"]
        )["Configuration"]
        assert check["Role"] == exports[f"{PREFIX}-TrafficHookRoleArn"]
        assert check["VpcConfig"]["SubnetIds"] == [ids[s] for s in prod.subnet_ids]
        assert check["VpcConfig"]["SecurityGroupIds"] == [ids[g] for g in prod.security_group_ids]


def _account() -> str:
    return str(boto3.client("sts", region_name=REGION).get_caller_identity()["Account"])


def test_the_tooling_repository_lets_the_stage_accounts_tasks_and_traffic_checks_pull(
    ecs_project: Path,
) -> None:
    """ECS starts a stage account's tasks as its execution role, which the tooling repository
    lets pull the image; the traffic check is a Lambda function from the same image (Lambda's
    service principal, by the function's ARN in its account, and the stage's CloudFormation
    role creating it). The tooling key and bucket let the tasks' role read the archive, and
    the model registry needs no SageMaker role there. The templates lint clean (cfn-lint and
    checkov)."""
    platform = _template(ecs_project, "platform.yaml")
    functions, creators, tasks = platform["ServingRepository"]["Properties"][
        "RepositoryPolicyText"
    ]["Statement"]
    assert [_sub(a) for a in functions["Condition"]["ArnLike"]["aws:SourceArn"]] == [
        f"arn:aws:lambda:${{AWS::Region}}:{account}:function:{PREFIX}-{stage}-traffic-check"
        for stage, account in (("staging", STAGING), ("prod", PROD))
    ]
    assert creators["Sid"] == "StageAccountsCreateFunctionsFromServingImage"
    assert _granted([tasks], "StageAccountsPullServingImage") == [
        f"arn:aws:iam::{account}:role/{PREFIX}-ecs-execution" for account in (STAGING, PROD)
    ]
    _assert_tooling_key_and_bucket_grant(platform, f"{PREFIX}-ecs-task")
    group = platform["ModelPackageGroup"]["Properties"]["ModelPackageGroupPolicy"]["Statement"]
    assert _granted(group, "StageAccountsUseApprovedModels") == [
        f"arn:aws:iam::{account}:role/{PREFIX}-cloudformation-deploy" for account in (STAGING, PROD)
    ]
    report = lint_report(ecs_project, cfn_linter=CfnLinter([REGION]))
    assert report.findings == [], "\n".join(map(str, report.findings))
