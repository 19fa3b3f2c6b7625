"""The org profile: schema validation naming the key, answer precedence, locks and allowed
values, and the checks that travel with the recorded profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlopscutter.errors import ProfileError, ValidationErrors
from mlopscutter.options import default_answers, parse_options
from mlopscutter.profile import OrgProfile, load_profile, parse_profile
from tests.helpers import EXAMPLES_DIR

EXAMPLE = EXAMPLES_DIR / "profiles" / "acme-ml.yaml"
MINIMAL = {"name": "org", "version": "1"}


def profile(**extra: Any) -> OrgProfile:
    return parse_profile({**MINIMAL, **extra}, "test.yaml")


def test_the_example_profile_loads() -> None:
    loaded = load_profile(EXAMPLE)
    assert loaded.label == "acme-ml@3"
    assert loaded.locked == {"ci_provider": "codepipeline", "branch_model": "github-flow"}
    assert loaded.required_tags == {"cost-center": "ml-4711", "data-classification": "internal"}
    assert loaded.naming_prefix == "acme"
    assert parse_profile(loaded.as_document(), "recorded") == loaded


def test_precedence_is_locked_then_answers_then_defaults() -> None:
    org = profile(
        defaults={"aws_region": "eu-west-1", "owner": "platform"},
        locked={"ci_provider": "github-actions"},
    )
    merged = org.merge_answers({"owner": "team-a"})
    assert merged == {"aws_region": "eu-west-1", "owner": "team-a", "ci_provider": "github-actions"}


def test_an_answer_contradicting_a_lock_names_the_lock() -> None:
    org = profile(locked={"ci_provider": "github-actions"})
    with pytest.raises(ValidationErrors) as raised:
        org.merge_answers({"ci_provider": "codepipeline"})
    assert raised.value.errors[0].rule_id == "profile-locked"
    assert (
        "ci_provider='codepipeline' contradicts the org profile org@1, which locks "
        "ci_provider='github-actions'; allowed: 'github-actions'"
    ) in str(raised.value)
    assert org.merge_answers({"ci_provider": "github-actions"})["ci_provider"] == "github-actions"


def _parse(org: OrgProfile, **answers: Any) -> Any:
    return parse_options({**default_answers(), **answers, "org_profile": org.as_document()})


def test_allowed_values_narrow_the_choices_on_every_creation_path() -> None:
    org = profile(allowed={"training_instance_type": ["ml.m5.xlarge", "ml.m5.2xlarge"]})
    assert _parse(org, training_instance_type="ml.m5.2xlarge").profile == org
    with pytest.raises(ValidationErrors) as raised:
        _parse(org, training_instance_type="ml.c5.xlarge")
    error = raised.value.errors[0]
    assert error.rule_id == "profile-allowed"
    assert error.message == (
        "training_instance_type='ml.c5.xlarge' is not allowed by the org profile org@1; "
        "allowed: ml.m5.xlarge, ml.m5.2xlarge"
    )


def test_a_recorded_lock_is_checked_too() -> None:
    """cookiecutter and cruft replay the recorded context: a prompt answer cannot escape it."""
    org = profile(locked={"branch_model": "gitflow"})
    with pytest.raises(ValidationErrors) as raised:
        _parse(org, branch_model="github-flow")
    assert raised.value.errors[0].rule_id == "profile-locked"


ACCOUNTS = {"tooling": "111122223333", "staging": "222233334444", "prod": "555566667777"}


def test_stages_in_accounts_of_their_own_are_named_by_the_profile() -> None:
    org = profile(accounts=ACCOUNTS)
    assert org.cross_account_stages == ("staging", "prod")
    assert profile(accounts={**ACCOUNTS, "staging": "111122223333"}).cross_account_stages == (
        "prod",
    )
    assert profile(accounts={"tooling": "111122223333"}).cross_account_stages == ()
    assert _parse(org).profile == org


VPC = {
    "vpc_id": "vpc-0123456789abcdef0",
    "vpc_subnet_ids": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "vpc_security_group_ids": "sg-0123456789abcdef0",
}
NETWORKS = {
    "staging": {"subnet_ids": ["subnet-22223333"], "security_group_ids": ["sg-22223333"]},
    "prod": {
        "subnet_ids": ["subnet-55556666", "subnet-55557777"],
        "security_group_ids": ["sg-55556666"],
    },
}


ECS = {"deployment_target": "ecs", "container": "byoc", **VPC}
ECS_NETWORKS = {
    "staging": {
        "vpc_id": "vpc-22223333",
        "subnet_ids": ["subnet-22223333", "subnet-22224444"],
        "security_group_ids": ["sg-22223333"],
    },
    "prod": {"vpc_id": "vpc-55556666", **NETWORKS["prod"]},
}


@pytest.mark.parametrize(
    ("answers", "networks", "fragment"),
    [
        (VPC, {}, "the profile's networks name none for staging, prod"),
        (VPC, {"staging": NETWORKS["staging"]}, "the profile's networks name none for prod"),
        (
            {"deployment_target": "lambda", "container": "byoc", **VPC},
            {"prod": NETWORKS["prod"]},
            "the profile's networks name none for staging",
        ),
        (ECS, {"prod": ECS_NETWORKS["prod"]}, "the profile's networks name none for staging"),
        # Staging's network has one subnet and no VPC; production's has no VPC.
        (
            ECS,
            NETWORKS,
            "an ECS service's load balancer and security groups are created in its stage's "
            "VPC, across subnets in two Availability Zones, and the profile's networks of "
            "staging, prod name no vpc_id or fewer than two subnet_ids",
        ),
        (
            ECS,
            {
                **ECS_NETWORKS,
                "staging": {**ECS_NETWORKS["staging"], "subnet_ids": ["subnet-22223333"]},
            },
            "the profile's networks of staging name no vpc_id or fewer than two subnet_ids",
        ),
    ],
)
def test_vpc_answers_need_a_network_for_each_stage_account(
    answers: dict[str, Any], networks: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValidationErrors) as raised:
        _parse(profile(accounts=ACCOUNTS, networks=networks), **answers)
    [error] = [e for e in raised.value.errors if e.rule_id == "profile-cross-account"]
    assert error.options == ("vpc_subnet_ids",)
    assert error.message.startswith(
        f"vpc_subnet_ids={answers['vpc_subnet_ids']!r} with the org profile org@1 putting "
        "staging, prod in another account than tooling"
    )
    assert fragment in error.message
    allowed = (
        "allowed: '' (no VPC), or a profile whose networks name the subnet_ids and "
        "security_group_ids of staging, prod"
    )
    if answers.get("deployment_target") == "ecs":
        allowed += " (with their vpc_id and two or more subnet_ids)"
    assert error.message.endswith(allowed)


def test_ecs_services_in_stage_accounts_run_in_the_vpcs_the_profile_names() -> None:
    org = profile(accounts=ACCOUNTS, networks=ECS_NETWORKS)
    assert org.networks["staging"].vpc_id == "vpc-22223333"
    assert parse_profile(org.as_document(), "recorded") == org
    assert _parse(org, **ECS).profile == org
    # A network without a VPC records none.
    assert (
        "vpc_id"
        not in profile(accounts=ACCOUNTS, networks=NETWORKS).as_document()["networks"]["prod"]
    )


def test_models_and_functions_in_stage_accounts_run_in_the_networks_the_profile_names() -> None:
    org = profile(accounts=ACCOUNTS, networks=NETWORKS)
    assert org.networks["prod"].subnet_ids == ("subnet-55556666", "subnet-55557777")
    assert org.networks["staging"].security_group_ids == ("sg-22223333",)
    assert parse_profile(org.as_document(), "recorded") == org
    assert _parse(org, **VPC).profile == org
    assert _parse(org, deployment_target="lambda", container="byoc", **VPC).profile == org
    # Without VPC answers the networks are not used, and nothing is refused.
    assert _parse(org).profile == org
    # A profile without networks records none, so its projects' metadata is unchanged.
    assert "networks" not in profile(accounts=ACCOUNTS).as_document()


@pytest.mark.parametrize(
    "answers",
    [
        {"inference": "async"},
        {"inference": "batch"},
        {"endpoint_kind": "multi-model"},
        {"deployment_target": "lambda", "container": "byoc"},
        ECS,
    ],
)
def test_asynchronous_batch_multi_model_lambda_and_ecs_inference_deploy_into_stage_accounts(
    answers: dict[str, Any],
) -> None:
    """Each stage account keeps its asynchronous requests and results, its batch input and
    output, or its published model versions in a bucket of its own; its Lambda functions and
    ECS tasks pull the tooling account's image as the repository policy lets them (ECS in the
    VPCs the profile names)."""
    options = _parse(profile(accounts=ACCOUNTS, networks=ECS_NETWORKS), **answers)
    assert options.as_answers().items() >= answers.items()
    assert options.profile is not None and options.profile.cross_account_stages == (
        "staging",
        "prod",
    )


def test_the_kms_key_must_be_in_the_projects_region() -> None:
    org = profile(
        kms_key_arn="arn:aws:kms:eu-west-1:111122223333:key/"
        + "0" * 8
        + "-0000-0000-0000-"
        + "0" * 12
    )
    assert _parse(org, aws_region="eu-west-1").profile == org
    with pytest.raises(ValidationErrors) as raised:
        _parse(org, aws_region="us-east-1")
    assert raised.value.errors[0].rule_id == "profile-kms-region"
    assert "allowed: 'eu-west-1' (a KMS key serves one Region)" in str(raised.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1], "must be a YAML mapping"),
        ({"version": "1"}, "name=None; allowed: 1 to 63 lower-case letters"),
        ({"name": "Org", "version": "1"}, "name='Org'"),
        ({"name": "org"}, "version=None; allowed: 1 to 32 letters"),
        ({**MINIMAL, "version": "1\n# injected"}, "version='1\\n# injected'"),
        ({**MINIMAL, "colour": "red"}, "colour is not a profile key; allowed: name, version"),
        ({**MINIMAL, "defaults": ["a"]}, "defaults=['a']; allowed: a mapping"),
        ({**MINIMAL, "defaults": {"colour": "red"}}, "defaults.colour is not an option"),
        (
            {**MINIMAL, "locked": {"ci_provider": "jenkins"}},
            "locked.ci_provider='jenkins' is not a value of ci_provider; allowed: codepipeline, "
            "github-actions",
        ),
        ({**MINIMAL, "defaults": {"wait_minutes": "ten"}}, "defaults.wait_minutes='ten'"),
        ({**MINIMAL, "defaults": {"wait_minutes": 99}}, "allowed: from 0 to 60"),
        ({**MINIMAL, "defaults": {"owner": 5}}, "defaults.owner=5; allowed: a string"),
        ({**MINIMAL, "allowed": {"training_instance_type": []}}, "a non-empty list of values"),
        (
            {
                **MINIMAL,
                "locked": {"training_instance_type": "ml.c5.xlarge"},
                "allowed": {"training_instance_type": ["ml.m5.xlarge"]},
            },
            "locked.training_instance_type='ml.c5.xlarge' is not among "
            "allowed.training_instance_type",
        ),
        ({**MINIMAL, "required_tags": {"Project": "x"}}, "required_tags.Project is set by"),
        ({**MINIMAL, "required_tags": {"aws:cost": "x"}}, "not a valid tag key"),
        (
            {**MINIMAL, "required_tags": {"cost": 4711}},
            "required_tags.cost=4711; allowed: a quoted",
        ),
        ({**MINIMAL, "required_tags": {"cost": "a\nb"}}, "required_tags.cost='a\\nb'"),
        (
            {**MINIMAL, "required_tags": {f"k{i}": "v" for i in range(48)}},
            "required_tags has 48 tags; allowed: at most 47",
        ),
        ({**MINIMAL, "naming_prefix": "Acme"}, "naming_prefix='Acme'; allowed: 1 to 10"),
        ({**MINIMAL, "naming_prefix": "a" * 11}, "naming_prefix='aaaaaaaaaaa'"),
        ({**MINIMAL, "permission_boundary": "boundary"}, "permission_boundary='boundary'"),
        ({**MINIMAL, "kms_key_arn": "alias/org"}, "kms_key_arn='alias/org'"),
        ({**MINIMAL, "accounts": {"dev": "111122223333"}}, "accounts.dev is not a stage"),
        ({**MINIMAL, "accounts": {"prod": 111122223333}}, "a 12-digit AWS account id as a quoted"),
        ({**MINIMAL, "accounts": {"prod": "1111"}}, "accounts.prod='1111'"),
        (
            {**MINIMAL, "accounts": {"staging": "111122223333", "prod": "444455556666"}},
            "names no tooling account",
        ),
        (
            {
                **MINIMAL,
                "accounts": {
                    "tooling": "111122223333",
                    "staging": "444455556666",
                    "prod": "444455556666",
                },
            },
            "puts staging and prod in one account other than tooling",
        ),
        (
            {
                **MINIMAL,
                "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/"
                "1234abcd-12ab-34cd-56ef-1234567890ab",
                "accounts": {"tooling": "111122223333", "prod": "444455556666"},
            },
            "an organisation key keeps",
        ),
        (
            {**MINIMAL, "accounts": ACCOUNTS, "networks": {"dev": NETWORKS["prod"]}},
            "networks.dev names the network of a stage the accounts do not put in another "
            "account than tooling (a stage in the tooling account runs in the answered "
            "vpc_subnet_ids); allowed: staging, prod",
        ),
        (
            {
                **MINIMAL,
                "accounts": {**ACCOUNTS, "staging": "111122223333"},
                "networks": NETWORKS,
            },
            "networks.staging names the network of a stage the accounts do not put",
        ),
        (
            {**MINIMAL, "accounts": ACCOUNTS, "networks": {"prod": ["subnet-55556666"]}},
            "networks.prod=['subnet-55556666']; allowed: a mapping of subnet_ids and "
            "security_group_ids",
        ),
        (
            {
                **MINIMAL,
                "accounts": ACCOUNTS,
                "networks": {"prod": {"subnet_ids": "subnet-55556666", "security_group_ids": []}},
            },
            "networks.prod.subnet_ids='subnet-55556666'; allowed: a list of 1 to 16 distinct "
            "ids like subnet-0a1b2c3d",
        ),
        (
            {
                **MINIMAL,
                "accounts": ACCOUNTS,
                "networks": {
                    "prod": {"subnet_ids": ["subnet-55556666"], "security_group_ids": ["sg-1"]}
                },
            },
            "networks.prod.security_group_ids=['sg-1']; allowed: a list of 1 to 5",
        ),
        (
            {
                **MINIMAL,
                "accounts": ACCOUNTS,
                "networks": {
                    "prod": {
                        "subnet_ids": ["subnet-55556666", "subnet-55556666"],
                        "security_group_ids": ["sg-55556666"],
                    }
                },
            },
            "networks.prod.subnet_ids=['subnet-55556666', 'subnet-55556666']",
        ),
        (
            {
                **MINIMAL,
                "accounts": ACCOUNTS,
                "networks": {"prod": {**NETWORKS["prod"], "vpc_id": "vpc-5555"}},
            },
            "networks.prod.vpc_id='vpc-5555'; allowed: a VPC id like vpc-0a1b2c3d (8 or 17 hex "
            "digits)",
        ),
        (
            {
                **MINIMAL,
                "accounts": ACCOUNTS,
                "networks": {"prod": {**NETWORKS["prod"], "vpc": "vpc-55556666"}},
            },
            "allowed: a mapping of subnet_ids and security_group_ids, each a list of ids, and "
            "optionally vpc_id (their VPC, needed by an ECS service)",
        ),
    ],
)
def test_a_bad_profile_names_the_key(document: Any, message: str) -> None:
    with pytest.raises(ProfileError) as raised:
        parse_profile(document, "org.yaml")
    assert str(raised.value).startswith("profile org.yaml")
    assert message in str(raised.value)


def test_an_unreadable_or_malformed_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot be read"):
        load_profile(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [")
    with pytest.raises(ProfileError, match="is not valid YAML"):
        load_profile(broken)


def test_the_pre_generate_hook_rejects_a_broken_recorded_profile(capsys) -> None:
    """Plain cookiecutter and cruft replay the recorded profile through the hook."""
    from mlopscutter.hooks import pre_generate

    broken = {**default_answers(), "org_profile": {"name": "Org", "version": "1"}}
    assert pre_generate(broken) == 2
    assert "profile org_profile: name='Org'" in capsys.readouterr().err
    assert pre_generate({**default_answers(), "org_profile": {}}) == 0
