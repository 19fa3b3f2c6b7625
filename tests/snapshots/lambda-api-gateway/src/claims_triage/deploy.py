"""Deploy helper: resolve the newest Approved model package of this project's group, write the
per-stage CloudFormation parameter files (``params``), and deploy a stage's stack through a
change set (``stack``, used where CI is not CodePipeline's CloudFormation action).

The stages serve Lambda functions: ``params`` names the package's image and model artifact,
which a new function version serves, and CodeDeploy shifts the stage's alias to it."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

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


def serving_container(sagemaker: Any, package_arn: str) -> dict[str, Any]:
    """The package's container: its ``Image`` and ``ModelDataUrl`` (the artifact)."""
    described = sagemaker.describe_model_package(ModelPackageName=package_arn)
    return dict(described["InferenceSpecification"]["Containers"][0])


def write_stage_parameters(config_dir: Path, out_dir: Path, **parameters: str) -> list[Path]:
    """For each ``config_dir/<stage>.json``, write ``out_dir/<stage>.json`` with
    ``parameters`` added (the model package, its image and artifact the build resolved)."""
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
    args = parser.parse_args(argv)

    if args.command == "params":
        sagemaker = boto3.client("sagemaker", region_name=config.region())
        package_arn = args.model_package_arn or latest_approved_model_package(
            sagemaker, model_package_group(boto3.client("sts", region_name=config.region())))
        container = serving_container(sagemaker, package_arn)
        written = write_stage_parameters(
            args.config_dir, args.out_dir, ModelPackageArn=package_arn,
            ImageUri=container["Image"], ModelDataUrl=container["ModelDataUrl"])
        _write_github_output("model-package-arn", package_arn)
        print(json.dumps({"ModelPackageArn": package_arn, "files": [str(p) for p in written]}))
        return written
    check_account(boto3.client("sts", region_name=config.region()), args.stage)
    cloudformation = boto3.client("cloudformation", region_name=config.region())
    document = json.loads((args.params_dir / f"{args.stage}.json").read_text())
    result = deploy_stack(cloudformation, config.STACKS[args.stage], args.template.read_text(),
                          document, config.cloudformation_role_arn())
    print(json.dumps({"stack": config.STACKS[args.stage], "result": result}))
    return result


if __name__ == "__main__":
    main()
