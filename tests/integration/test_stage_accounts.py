"""Stages in accounts of their own (the acme-ml-accounts example): the stage-account stack,
created by CloudFormation in moto, gives the model service everything it imports, so the model
service deploys there unchanged; and the templates agree on every cross-account name: the roles
the tooling pipeline assumes and passes, the roles the stage accounts create, and the principals
the tooling key, bucket and model registry grant."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_example("acme-ml-accounts", tmp_path_factory.mktemp("accounts"))


def _template(project: Path, name: str) -> dict[str, Any]:
    template, matches = decode(str(project / "infra" / name))
    assert not matches and template is not None
    return dict(template["Resources"])


def _sub(value: Any) -> str:
    return str(value["Fn::Sub"]).replace("${AWS::Partition}", "aws")


def test_the_model_service_deploys_in_a_stage_account_from_its_own_exports(
    project: Path,
) -> None:
    template = cfn_yaml.loads((project / "infra" / "stage-account.yaml").read_text())
    # moto's CloudFormation cannot create a KMS key with tags in CloudFormation's list form;
    # the key's tags are cfn-lint's and the org profile rule's to check.
    del template["Resources"]["ProjectKey"]["Properties"]["Tags"]
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName=f"{PREFIX}-platform",
            TemplateBody=json.dumps(template),
            Parameters=[
                {"ParameterKey": "Stage", "ParameterValue": "staging"},
                {"ParameterKey": "ToolingArtifactBucket", "ParameterValue": "tooling-artifacts"},
                {
                    "ParameterKey": "ToolingKeyArn",
                    "ParameterValue": f"arn:aws:kms:{REGION}:{TOOLING}:key/"
                    "11111111-2222-3333-4444-555555555555",
                },
            ],
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
        exports = {e["Name"]: e["Value"] for e in cloudformation.list_exports()["Exports"]}
        assert set(exports) == {
            f"{PREFIX}-ProjectKeyArn",
            f"{PREFIX}-SageMakerExecutionRoleArn",
            f"{PREFIX}-CloudFormationDeployRoleArn",
        }
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

        sagemaker = boto3.client("sagemaker", region_name=REGION)
        package = approved_package(sagemaker, "acme-pricing-model", REGION)
        parameters = json.loads((project / "infra" / "config" / "staging.json").read_text())
        cloudformation.create_stack(
            StackName=f"{PREFIX}-model-staging",
            TemplateBody=(project / "infra" / "model-service.yaml").read_text(),
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v}
                for k, v in {**parameters["Parameters"], "ModelPackageArn": package}.items()
            ],
        )
        [model] = sagemaker.list_models()["Models"]
        described = sagemaker.describe_model(ModelName=model["ModelName"])
        assert described["ExecutionRoleArn"] == exports[f"{PREFIX}-SageMakerExecutionRoleArn"]
        assert described["PrimaryContainer"]["ModelPackageName"] == package


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

    template = cfn_yaml.loads((project / "infra" / "stage-account.yaml").read_text())
    del template["Resources"]["ProjectKey"]["Properties"]["Tags"]
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
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName=f"{PREFIX}-platform",
            TemplateBody=json.dumps(template),
            Parameters=[
                {"ParameterKey": "Stage", "ParameterValue": "prod"},
                {"ParameterKey": "ToolingArtifactBucket", "ParameterValue": "tooling-artifacts"},
                {
                    "ParameterKey": "ToolingKeyArn",
                    "ParameterValue": f"arn:aws:kms:{REGION}:{TOOLING}:key/"
                    "11111111-2222-3333-4444-555555555555",
                },
            ],
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
        exports = {e["Name"]: e["Value"] for e in cloudformation.list_exports()["Exports"]}
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

        sagemaker = boto3.client("sagemaker", region_name=REGION)
        package = approved_package(sagemaker, "acme-pricing-model", REGION)
        parameters = json.loads((project / "infra" / "config" / "prod.json").read_text())
        cloudformation.create_stack(
            StackName=f"{PREFIX}-model-prod",
            TemplateBody=(project / "infra" / "model-service.yaml").read_text(),
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v}
                for k, v in {**parameters["Parameters"], "ModelPackageArn": package}.items()
            ],
        )
        endpoint = parameters["Parameters"]["EndpointName"]
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
