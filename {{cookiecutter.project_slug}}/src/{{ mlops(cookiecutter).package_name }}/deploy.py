{%- set p = mlops(cookiecutter) -%}
"""Deploy helper: resolve the newest Approved model package of this project's group, write the
per-stage CloudFormation parameter files (``params``), and deploy a stage's stack through a
change set (``stack``, used where CI is not CodePipeline's CloudFormation action).
{%- if p.multi_model %}

The stages serve multi-model endpoints. ``params`` {% if p.multi_model_uploads_code %}also uploads the inference code the
containers import and {% endif %}names the package's image; ``publish`` makes the package a target model
of one stage's endpoint by copying its artifact under the stage's prefix.
{%- elif p.lambda_target %}

The stages serve Lambda functions: ``params`` names the package's image and model artifact,
which a new function version serves, and CodeDeploy shifts the stage's alias to it.
{%- elif p.ecs_target %}

The stages serve ECS services: ``params`` names the package's image and model artifact, which a
new task definition revision runs, and the service's blue/green deployment shifts traffic to it.
{%- endif %}"""

from __future__ import annotations

import argparse
{%- if p.multi_model_uploads_code %}
import gzip
import hashlib
import io
{%- endif %}
import json
import os
{%- if p.multi_model_uploads_code %}
import tarfile
{%- endif %}
import time
from pathlib import Path
from typing import Any
{%- if p.multi_model %}
from urllib.parse import urlparse
{%- endif %}

import boto3
from botocore.exceptions import ClientError, WaiterError

from . import config


class NoApprovedModelError(RuntimeError):
    """Raised when the model package group has no Approved package to deploy."""


def latest_approved_model_package(sagemaker: Any, group: str = config.MODEL_PACKAGE_GROUP) -> str:
    """ARN of the most recently created Approved package in ``group``."""
    response = sagemaker.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus="Approved",
        SortBy="CreationTime", SortOrder="Descending", MaxResults=1,
    )
    packages = response["ModelPackageSummaryList"]
    if not packages:
        raise NoApprovedModelError(
            f"model package group {group!r} has no Approved package; approve one in the model "
            "registry first"
        )
    return str(packages[0]["ModelPackageArn"])


def model_package_group(sts: Any) -> str:
    """The model registry's group as this caller names it: by name in the tooling account, by
    ARN from a stage's own account (whose roles the group's policy lets read it)."""
    if not config.TOOLING_ACCOUNT or sts.get_caller_identity()["Account"] == config.TOOLING_ACCOUNT:
        return config.MODEL_PACKAGE_GROUP
    return (f"arn:aws:sagemaker:{config.region()}:{config.TOOLING_ACCOUNT}:model-package-group/"
            f"{config.MODEL_PACKAGE_GROUP}")


{% if p.multi_model or p.own_service -%}
def serving_container(sagemaker: Any, package_arn: str) -> dict[str, Any]:
    """The package's container: its ``Image`` and ``ModelDataUrl`` (the artifact)."""
    described = sagemaker.describe_model_package(ModelPackageName=package_arn)
    return dict(described["InferenceSpecification"]["Containers"][0])


{% endif -%}
{% if p.multi_model -%}
# The file, next to the stage parameter files, naming the package `publish` deploys.
PACKAGE_FILE = "model-package.json"
{%- if p.multi_model_uploads_code %}
INFERENCE_CODE = Path(__file__).resolve().with_name("inference.py")


def sourcedir_archive(source: Path = INFERENCE_CODE) -> bytes:
    """``sourcedir.tar.gz`` holding the inference code, byte for byte the same for the same
    code (no timestamps or owners), so an unchanged handler leaves the stacks unchanged."""
    info = tarfile.TarInfo(source.name)
    data = source.read_bytes()
    info.size, info.mode = len(data), 0o644
    buffer = io.BytesIO()
    with (gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed,
          tarfile.open(fileobj=compressed, mode="w") as archive):
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def upload_serving_code(s3: Any, bucket: str, archive: bytes | None = None) -> str:
    """Upload the inference code under a key named by its SHA-256 (the bucket's default key
    encrypts it) and return its URI."""
    archive = sourcedir_archive() if archive is None else archive
    key = f"{config.MULTI_MODEL_CODE_PREFIX}{hashlib.sha256(archive).hexdigest()}/sourcedir.tar.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=archive)
    return f"s3://{bucket}/{key}"
{%- endif %}


def target_model(package_arn: str) -> str:
    """A package version's name on the endpoints: ``v<version>.tar.gz``, the request's
    TargetModel."""
    return f"v{package_arn.rsplit('/', 1)[1]}.tar.gz"


def publish(sagemaker: Any, s3: Any, package_arn: str, stage: str, bucket: str) -> str:
    """Make ``package_arn`` a target model of ``stage``'s endpoint: copy its artifact to the
    stage's prefix. A version published before is left as it is: the endpoint caches the
    targets it has loaded, so one name must keep one artifact. Returns its URI."""
    key = config.MULTI_MODEL_PREFIXES[stage] + target_model(package_arn)
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
            raise
        artifact = urlparse(serving_container(sagemaker, package_arn)["ModelDataUrl"])
        s3.copy({"Bucket": artifact.netloc, "Key": artifact.path.lstrip("/")}, bucket, key)
    return f"s3://{bucket}/{key}"


def write_package_file(package_arn: str, out_dir: Path) -> Path:
    """``out_dir/model-package.json``: the package ``publish`` makes a target model."""
    out_dir.mkdir(parents=True, exist_ok=True)
    package = out_dir / PACKAGE_FILE
    package.write_text(json.dumps({"ModelPackageArn": package_arn}, indent=2) + "\n")
    return package


{% endif -%}
def write_stage_parameters(config_dir: Path, out_dir: Path, **parameters: str) -> list[Path]:
    """For each ``config_dir/<stage>.json``, write ``out_dir/<stage>.json`` with
    ``parameters`` added (the {% if p.multi_model %}serving container{% elif p.own_service %}model package, its image and artifact{% else %}model package{% endif %} the build resolved)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(config_dir.glob("*.json")):
        document = json.loads(source.read_text())
        document["Parameters"].update(parameters)
        target = out_dir / source.name
        target.write_text(json.dumps(document, indent=2) + "\n")
        written.append(target)
    return written


class DeploymentError(RuntimeError):
    """Raised when a change set or stack operation fails."""


def stack_exists(cloudformation: Any, stack_name: str) -> bool:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise
    return bool(stacks) and stacks[0]["StackStatus"] != "REVIEW_IN_PROGRESS"


def deploy_stack(cloudformation: Any, stack_name: str, template_body: str,
                 document: dict[str, Any], role_arn: str | None) -> str:
    """Create ``stack_name``, or update it through a change set, and wait until it is done.

    An update goes through a change set so that a deployment with nothing to change is a
    no-op. ``document`` is a CloudFormation template configuration (``Parameters``, ``Tags``).
    Returns ``"CREATED"``, ``"UPDATED"`` or ``"UNCHANGED"``.

    :raises DeploymentError: when CloudFormation cannot make the change.
    """
    arguments: dict[str, Any] = {
        "StackName": stack_name,
        "TemplateBody": template_body,
        "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)}
                       for k, v in document.get("Parameters", {}).items()],
        "Tags": [{"Key": k, "Value": str(v)} for k, v in document.get("Tags", {}).items()],
        "Capabilities": ["CAPABILITY_IAM"],
    }
    if role_arn:
        arguments["RoleARN"] = role_arn
    if not stack_exists(cloudformation, stack_name):
        cloudformation.create_stack(**arguments)
        _wait(cloudformation, "stack_create_complete", stack_name)
        return "CREATED"
    change_set = cloudformation.create_change_set(
        ChangeSetName=f"deploy-{int(time.time())}", ChangeSetType="UPDATE", **arguments
    )["Id"]
    try:
        cloudformation.get_waiter("change_set_create_complete").wait(
            ChangeSetName=change_set, StackName=stack_name,
            WaiterConfig={"Delay": 5, "MaxAttempts": 120},
        )
    except WaiterError as error:  # the change set FAILED
        described = cloudformation.describe_change_set(ChangeSetName=change_set,
                                                       StackName=stack_name)
        reason = described.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            cloudformation.delete_change_set(ChangeSetName=change_set, StackName=stack_name)
            return "UNCHANGED"
        raise DeploymentError(f"change set for {stack_name} failed: {reason}") from error
    cloudformation.execute_change_set(ChangeSetName=change_set, StackName=stack_name)
    _wait(cloudformation, "stack_update_complete", stack_name)
    return "UPDATED"


def _wait(cloudformation: Any, waiter: str, stack_name: str) -> None:
    try:
        cloudformation.get_waiter(waiter).wait(
            StackName=stack_name, WaiterConfig={"Delay": 15, "MaxAttempts": 720}
        )
    except WaiterError as error:
        raise DeploymentError(f"deploying {stack_name} failed; see its stack events") from error


def check_account(sts: Any, stage: str) -> None:
    """Refuse to deploy a stage with credentials of another account than the one the org
    profile assigns it (no assignment: any account)."""
    expected = config.ACCOUNTS.get(stage)
    if expected is None:
        return
    actual = sts.get_caller_identity()["Account"]
    if actual != expected:
        raise SystemExit(f"stage {stage} deploys to account {expected} (org profile), "
                         f"but the credentials are for account {actual}")


def _write_github_output(name: str, value: str) -> None:
    """Expose a value to later jobs when running in GitHub Actions."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as output:
            output.write(f"{name}={value}\n")


def main(argv: list[str] | None = None) -> list[Path] | str:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    params = commands.add_parser("params", help="write build/config/<stage>.json")
    params.add_argument("--config-dir", type=Path, default=Path("infra/config"))
    params.add_argument("--out-dir", type=Path, default=Path("build/config"))
    params.add_argument("--model-package-arn", default=os.environ.get("MODEL_PACKAGE_ARN"),
                        help="deploy this package instead of the newest Approved one")
    stack = commands.add_parser("stack", help="deploy one stage's model service stack")
    stack.add_argument("--stage", required=True, choices=sorted(config.STACKS))
    stack.add_argument("--template", type=Path, default=Path("infra/model-service.yaml"))
    stack.add_argument("--params-dir", type=Path, default=Path("build/config"))
{%- if p.multi_model %}
    publishing = commands.add_parser(
        "publish", help="make the package in build/config a target model of STAGE's endpoint")
    publishing.add_argument("--stage", required=True, choices=sorted(config.STACKS))
    publishing.add_argument("--params-dir", type=Path, default=Path("build/config"))
{%- endif %}
    args = parser.parse_args(argv)

    if args.command == "params":
        sagemaker = boto3.client("sagemaker", region_name=config.region())
        package_arn = args.model_package_arn or latest_approved_model_package(
            sagemaker, model_package_group(boto3.client("sts", region_name=config.region())))
{%- if p.multi_model %}
        written = [*write_stage_parameters(
            args.config_dir, args.out_dir,
            ServingImage=serving_container(sagemaker, package_arn)["Image"],
{%- if p.multi_model_uploads_code %}
            ServingCodeUri=upload_serving_code(boto3.client("s3", region_name=config.region()),
                                               config.artifact_bucket()),
{%- endif %}
        ), write_package_file(package_arn, args.out_dir)]
{%- elif p.own_service %}
        container = serving_container(sagemaker, package_arn)
        written = write_stage_parameters(
            args.config_dir, args.out_dir, ModelPackageArn=package_arn,
            ImageUri=container["Image"], ModelDataUrl=container["ModelDataUrl"])
{%- else %}
        written = write_stage_parameters(args.config_dir, args.out_dir, ModelPackageArn=package_arn)
{%- endif %}
        _write_github_output("model-package-arn", package_arn)
        print(json.dumps({"ModelPackageArn": package_arn, "files": [str(p) for p in written]}))
        return written
{%- if p.multi_model %}
    if args.command == "publish":
        package_arn = json.loads((args.params_dir / PACKAGE_FILE).read_text())["ModelPackageArn"]
        # The stage's bucket is reached in its account (through its deployer role when the
        # caller is the tooling account's); the package is read where the caller is.
        stage = config.stage_session(args.stage)
        check_account(stage.client("sts"), args.stage)
        uri = publish(boto3.client("sagemaker", region_name=config.region()),
                      stage.client("s3"), package_arn, args.stage, config.stage_bucket(args.stage))
        print(json.dumps({"stage": args.stage, "ModelPackageArn": package_arn,
                          "TargetModel": target_model(package_arn), "uri": uri}))
        return uri
{%- endif %}
    check_account(boto3.client("sts", region_name=config.region()), args.stage)
    cloudformation = boto3.client("cloudformation", region_name=config.region())
    document = json.loads((args.params_dir / f"{args.stage}.json").read_text())
    result = deploy_stack(cloudformation, config.STACKS[args.stage], args.template.read_text(),
                          document, config.cloudformation_role_arn())
    print(json.dumps({"stack": config.STACKS[args.stage], "result": result}))
    return result


if __name__ == "__main__":
    main()
