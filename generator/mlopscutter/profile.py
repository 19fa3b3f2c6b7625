"""The platform team's org profile: a YAML file that applies the organisation's rules to every
project by construction.

Keys (all optional but ``name`` and ``version``)::

    name: acme-ml                 # recorded in each project with the version
    version: "3"
    defaults: {aws_region: eu-west-1}           # answers unless the user gives another
    locked: {ci_provider: github-actions}       # answers nobody may change
    allowed: {training_instance_type: [ml.m5.xlarge, ml.m5.2xlarge]}   # narrowed choices
    required_tags: {cost-center: "4711"}        # on every taggable resource
    naming_prefix: acme           # starts every AWS resource name
    permission_boundary: arn:aws:iam::111122223333:policy/ml-boundary  # on every IAM role
    kms_key_arn: arn:aws:kms:eu-west-1:111122223333:key/<id>  # used instead of a project key
    accounts: {tooling: "111122223333", staging: "...", prod: "..."}  # one or several
    networks:                     # the network of each stage in an account of its own
      prod: {vpc_id: vpc-0a1b2c3d, subnet_ids: [subnet-0a1b2c3d, subnet-4e5f6a7b],
             security_group_ids: [sg-0a1b2c3d]}   # vpc_id: needed by ECS services only

Precedence of answers: ``locked`` > explicit answers > ``defaults`` > the option defaults.
The whole profile is recorded in the project's ``.cruft.json`` (as ``_profile``), so ``lint``,
``update``, ``status``, cruft and cookiecutter replays keep applying it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlopscutter.errors import OptionError, ProfileError

PROFILE_CONTEXT_KEY = "org_profile"
PROFILE_PROMPT = "Org profile, set by `mlopscutter new --profile FILE` (press Enter: none)"
STAGE_ACCOUNTS = ("tooling", "staging", "prod")
# Tags every template sets itself; a profile may not redefine them.
OWN_TAG_KEYS = ("Project", "Owner", "ManagedBy")
# AWS allows 50 tags per resource; ours take three.
MAX_REQUIRED_TAGS = 50 - len(OWN_TAG_KEYS)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_VERSION = re.compile(r"[A-Za-z0-9._+-]{1,32}")
# cookiecutter renders recorded string values as Jinja; no profile text may look like it.
_UNSAFE = re.compile(r"[{}\n\r]")
_PREFIX = re.compile(r"[a-z][a-z0-9]{0,9}")
_TAG_TEXT = re.compile(r"[\w .:/=+\-@]*")
_ACCOUNT = re.compile(r"\d{12}")
_BOUNDARY = re.compile(r"arn:aws(-cn|-us-gov)?:iam::\d{12}:policy/[\w+=,.@/-]{1,512}")
_KMS_KEY = re.compile(
    r"arn:aws(-cn|-us-gov)?:kms:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:key/"
    r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
# The keys of a stage's network in the profile (vpc_id optional: ECS services need it).
_NETWORK_KEYS = frozenset({"vpc_id", "subnet_ids", "security_group_ids"})

_KEYS = (
    "name",
    "version",
    "description",
    "defaults",
    "locked",
    "allowed",
    "required_tags",
    "naming_prefix",
    "permission_boundary",
    "kms_key_arn",
    "accounts",
    "networks",
)


@dataclass(frozen=True)
class StageNetwork:
    """Where a stage's model runs in an account of its own when the project answers a VPC:
    that account's subnets and security groups (the answered ones are the tooling account's),
    and their VPC, in which an ECS service's load balancer and security groups are created."""

    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    vpc_id: str = ""

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"vpc_id": self.vpc_id} if self.vpc_id else {}
        return {
            **document,
            "subnet_ids": list(self.subnet_ids),
            "security_group_ids": list(self.security_group_ids),
        }


@dataclass(frozen=True)
class OrgProfile:
    """A validated org profile."""

    name: str
    version: str
    description: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)
    locked: dict[str, Any] = field(default_factory=dict)
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    required_tags: dict[str, str] = field(default_factory=dict)
    naming_prefix: str = ""
    permission_boundary: str = ""
    kms_key_arn: str = ""
    accounts: dict[str, str] = field(default_factory=dict)
    networks: dict[str, StageNetwork] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def cross_account_stages(self) -> tuple[str, ...]:
        """Stages the profile puts in another account than the tooling account."""
        return _separate_stages(self.accounts)

    def as_document(self) -> dict[str, Any]:
        """The profile as recorded in a project's metadata (plain JSON values)."""
        document: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "defaults": dict(self.defaults),
            "locked": dict(self.locked),
            "allowed": {k: list(v) for k, v in self.allowed.items()},
            "required_tags": dict(self.required_tags),
            "naming_prefix": self.naming_prefix,
            "permission_boundary": self.permission_boundary,
            "kms_key_arn": self.kms_key_arn,
            "accounts": dict(self.accounts),
        }
        # Recorded only when named, so that projects of profiles without it keep their metadata.
        if self.networks:
            document["networks"] = {
                stage: network.as_document() for stage, network in self.networks.items()
            }
        return document

    def cfn_lint_rule_config(self) -> dict[str, dict[str, str]]:
        """Configuration of the cfn-lint rules that enforce this profile (E9101-E9103)."""
        return {
            "E9101": {"required_tags": json.dumps(self.required_tags, sort_keys=True)},
            "E9102": {"permission_boundary": self.permission_boundary},
            "E9103": {"kms_key_arn": self.kms_key_arn},
        }

    def merge_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """``answers`` layered over the profile's defaults, with its locks on top.

        :raises ValidationErrors: when an explicit answer contradicts a lock.
        """
        from mlopscutter.errors import ValidationErrors

        errors = [
            error
            for name in answers
            if name in self.locked and (error := self._lock_error(name, answers[name])) is not None
        ]
        if errors:
            raise ValidationErrors(errors)
        return {**self.defaults, **answers, **self.locked}

    def answer_errors(self, values: Mapping[str, Any]) -> list[OptionError]:
        """Errors of final answers against the locks and the allowed values."""
        errors = []
        for name, value in values.items():
            lock_error = self._lock_error(name, value) if name in self.locked else None
            if lock_error is not None:
                errors.append(lock_error)
            elif name in self.allowed and str(value) not in self.allowed[name]:
                errors.append(
                    OptionError(
                        "profile-allowed",
                        (name,),
                        f"{name}={value!r} is not allowed by the org profile {self.label}; "
                        f"allowed: {', '.join(self.allowed[name])}",
                    )
                )
        return errors

    def cross_account_errors(self, values: Mapping[str, Any]) -> list[OptionError]:
        """Answers this version cannot deploy into other accounts than the tooling account."""
        if not self.cross_account_stages:
            return []
        stages = ", ".join(self.cross_account_stages)
        where = (
            f"with the org profile {self.label} putting {stages} in another account than tooling"
        )
        subnets = str(values.get("vpc_subnet_ids", "")).strip()
        if not subnets:
            return []
        ecs = values.get("deployment_target", "sagemaker") == "ecs"
        missing = [stage for stage in self.cross_account_stages if stage not in self.networks]
        if missing:
            reason = (
                "the subnets and security groups answered are the tooling account's network "
                f"(training and processing), and the profile's networks name none for "
                f"{', '.join(missing)}"
            )
        elif ecs and (
            unfit := [
                stage
                for stage in self.cross_account_stages
                if not self.networks[stage].vpc_id or len(self.networks[stage].subnet_ids) < 2
            ]
        ):
            reason = (
                "an ECS service's load balancer and security groups are created in its stage's "
                "VPC, across subnets in two Availability Zones, and the profile's networks of "
                f"{', '.join(unfit)} name no vpc_id or fewer than two subnet_ids"
            )
        else:
            return []
        return [
            OptionError(
                "profile-cross-account",
                ("vpc_subnet_ids",),
                f"vpc_subnet_ids={values['vpc_subnet_ids']!r} {where}: {reason}; allowed: '' "
                f"(no VPC), or a profile whose networks name the subnet_ids and "
                f"security_group_ids of {stages}"
                + (" (with their vpc_id and two or more subnet_ids)" if ecs else ""),
            )
        ]

    def _lock_error(self, name: str, value: Any) -> OptionError | None:
        locked = self.locked[name]
        if str(value) == str(locked):
            return None
        return OptionError(
            "profile-locked",
            (name,),
            f"{name}={value!r} contradicts the org profile {self.label}, which locks "
            f"{name}={locked!r}; allowed: {locked!r} (or leave {name} unanswered)",
        )


def load_profile(path: Path) -> OrgProfile:
    """Read and validate the profile at ``path``.

    :raises ProfileError: naming the file, the key and what is allowed.
    """
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"--profile={str(path)!r} cannot be read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ProfileError(f"--profile={str(path)!r} is not valid YAML: {error}") from error
    return parse_profile(document, path.name)


def recorded_profile(context: Mapping[str, Any]) -> OrgProfile | None:
    """The profile recorded in a cookiecutter context, or None."""
    document = context.get(PROFILE_CONTEXT_KEY)
    if not document:
        return None
    return parse_profile(document, PROFILE_CONTEXT_KEY)


def parse_profile(document: Any, source: str) -> OrgProfile:
    """Validate a profile document; ``source`` names it in errors.

    :raises ProfileError: naming the key and what is allowed.
    """
    from mlopscutter.options import SPECS_BY_NAME

    def fail(key: str, message: str) -> ProfileError:
        separator = "" if message.startswith("=") else " "
        return ProfileError(f"profile {source}: {key}{separator}{message}")

    if not isinstance(document, dict):
        raise ProfileError(f"profile {source}: must be a YAML mapping with keys {', '.join(_KEYS)}")
    unknown = sorted(set(document) - set(_KEYS))
    if unknown:
        raise fail(unknown[0], f"is not a profile key; allowed: {', '.join(_KEYS)}")
    name = document.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail("name", f"={name!r}; allowed: 1 to 63 lower-case letters, digits and hyphens")
    version = document.get("version")
    if (
        not isinstance(version, (str, int))
        or isinstance(version, bool)
        or not _VERSION.fullmatch(str(version))
    ):
        raise fail(
            "version",
            f"={version!r}; allowed: 1 to 32 letters, digits and . _ + - (e.g. '3' or '2024.1')",
        )

    def mapping(key: str) -> dict[str, Any]:
        value = document.get(key) or {}
        if not isinstance(value, dict):
            raise fail(key, f"={value!r}; allowed: a mapping")
        return {str(k): v for k, v in value.items()}

    def option_value(key: str, option: str, value: Any) -> Any:
        spec = SPECS_BY_NAME.get(option)
        if spec is None:
            raise fail(f"{key}.{option}", f"is not an option; allowed: {', '.join(SPECS_BY_NAME)}")
        if spec.kind == "choice" and str(value) not in spec.supported:
            raise fail(
                f"{key}.{option}",
                f"={value!r} is not a value of {option}; allowed: {', '.join(spec.supported)}",
            )
        if spec.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail(f"{key}.{option}", f"={value!r}; allowed: an integer")
            assert spec.minimum is not None and spec.maximum is not None
            if not spec.minimum <= value <= spec.maximum:
                raise fail(
                    f"{key}.{option}",
                    f"={value!r}; allowed: from {spec.minimum} to {spec.maximum}",
                )
        elif not isinstance(value, str):
            raise fail(f"{key}.{option}", f"={value!r}; allowed: a string")
        return value

    defaults = {k: option_value("defaults", k, v) for k, v in mapping("defaults").items()}
    locked = {k: option_value("locked", k, v) for k, v in mapping("locked").items()}
    allowed: dict[str, tuple[str, ...]] = {}
    for option, values in mapping("allowed").items():
        if not isinstance(values, list) or not values:
            raise fail(f"allowed.{option}", f"={values!r}; allowed: a non-empty list of values")
        allowed[option] = tuple(str(option_value("allowed", option, v)) for v in values)
    for option, value in {**defaults, **locked}.items():
        if option in allowed and str(value) not in allowed[option]:
            where = "locked" if option in locked else "defaults"
            raise fail(
                f"{where}.{option}",
                f"={value!r} is not among allowed.{option}; allowed: {', '.join(allowed[option])}",
            )
    tags = mapping("required_tags")
    if len(tags) > MAX_REQUIRED_TAGS:
        raise fail("required_tags", f"has {len(tags)} tags; allowed: at most {MAX_REQUIRED_TAGS}")
    for key, value in tags.items():
        if key in OWN_TAG_KEYS:
            raise fail(
                f"required_tags.{key}",
                f"is set by every template itself; allowed: any key but {', '.join(OWN_TAG_KEYS)}",
            )
        if not 1 <= len(key) <= 128 or not _TAG_TEXT.fullmatch(key) or key.startswith("aws:"):
            raise fail(
                f"required_tags.{key}",
                "is not a valid tag key; allowed: 1 to 128 letters, digits, spaces and "
                "_ . : / = + - @, not starting with aws:",
            )
        if not isinstance(value, str) or len(value) > 256 or not _TAG_TEXT.fullmatch(value):
            raise fail(
                f"required_tags.{key}",
                f"={value!r}; allowed: a quoted string of at most 256 letters, digits, spaces "
                "and _ . : / = + - @",
            )

    def matching(key: str, pattern: re.Pattern[str], allowed: str) -> str:
        value = document.get(key) or ""
        if value and (not isinstance(value, str) or not pattern.fullmatch(value)):
            raise fail(key, f"={value!r}; allowed: {allowed}")
        return str(value)

    prefix = matching(
        "naming_prefix", _PREFIX, "1 to 10 lower-case letters and digits, starting with a letter"
    )
    boundary = matching(
        "permission_boundary",
        _BOUNDARY,
        "an IAM managed policy ARN, arn:aws:iam::<12-digit account>:policy/<name>",
    )
    kms_key = matching(
        "kms_key_arn",
        _KMS_KEY,
        "a KMS key ARN, arn:aws:kms:<region>:<12-digit account>:key/<key id>",
    )
    accounts = mapping("accounts")
    for stage, account in accounts.items():
        if stage not in STAGE_ACCOUNTS:
            raise fail(f"accounts.{stage}", f"is not a stage; allowed: {', '.join(STAGE_ACCOUNTS)}")
        if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
            raise fail(
                f"accounts.{stage}",
                f"={account!r}; allowed: a 12-digit AWS account id as a quoted string",
            )
    if _separate_stages(accounts):
        if "tooling" not in accounts:
            raise fail(
                "accounts",
                f"={accounts!r} puts stages in other accounts but names no tooling account, "
                "which their deployment roles trust; allowed: accounts.tooling as well",
            )
        if accounts.get("staging") == accounts.get("prod") != accounts["tooling"]:
            raise fail(
                "accounts",
                f"={accounts!r} puts staging and prod in one account other than tooling, where "
                "each stage's account stack (infra/stage-account.yaml, named like the platform "
                "stack, with its roles) would take the other's names; allowed: staging and prod "
                "in accounts of their own, or one of them in the tooling account",
            )
        if kms_key:
            raise fail(
                "accounts",
                f"={accounts!r} with kms_key_arn: stages in other accounts need grants in the "
                "key's policy, which an organisation key keeps; allowed: one account for "
                "every stage with kms_key_arn, or no kms_key_arn (each account gets its own "
                "project key)",
            )
    networks = _networks(mapping("networks"), accounts, fail)
    description = document.get("description") or ""
    if not isinstance(description, str) or len(description) > 256 or _UNSAFE.search(description):
        raise fail(
            "description",
            f"={description!r}; allowed: one line of at most 256 characters without {{ or }}",
        )
    return OrgProfile(
        name=name,
        version=str(version),
        description=description,
        defaults=defaults,
        locked=locked,
        allowed=allowed,
        required_tags={k: str(v) for k, v in tags.items()},
        naming_prefix=prefix,
        permission_boundary=boundary,
        kms_key_arn=kms_key,
        accounts=accounts,
        networks=networks,
    )


def _separate_stages(accounts: Mapping[str, str]) -> tuple[str, ...]:
    """The stages ``accounts`` puts in another account than tooling (any, if none is named)."""
    tooling = accounts.get("tooling")
    return tuple(
        stage for stage in ("staging", "prod") if stage in accounts and accounts[stage] != tooling
    )


def _networks(
    document: dict[str, Any], accounts: Mapping[str, str], fail: Callable[[str, str], ProfileError]
) -> dict[str, StageNetwork]:
    """The profile's ``networks``: one per stage in an account of its own, ids as EC2 writes
    them, within SageMaker's VpcConfig limits."""
    from mlopscutter.rules import VPC_ID_LIMITS, VPC_PATTERN

    separate = _separate_stages(accounts)
    networks = {}
    for stage, network in document.items():
        where = f"networks.{stage}"
        if stage not in separate:
            raise fail(
                where,
                "names the network of a stage the accounts do not put in another account than "
                "tooling (a stage in the tooling account runs in the answered vpc_subnet_ids); "
                f"allowed: {', '.join(separate) or 'no networks'}",
            )
        if not isinstance(network, dict) or not (
            {"subnet_ids", "security_group_ids"} <= set(network) <= _NETWORK_KEYS
        ):
            raise fail(
                where,
                f"={network!r}; allowed: a mapping of subnet_ids and security_group_ids, each a "
                "list of ids, and optionally vpc_id (their VPC, needed by an ECS service)",
            )
        vpc = network.get("vpc_id", "")
        if not isinstance(vpc, str) or (vpc and not VPC_PATTERN.fullmatch(vpc)):
            raise fail(
                f"{where}.vpc_id",
                f"={vpc!r}; allowed: a VPC id like vpc-0a1b2c3d (8 or 17 hex digits)",
            )
        ids: dict[str, tuple[str, ...]] = {}
        for key, option in (
            ("subnet_ids", "vpc_subnet_ids"),
            ("security_group_ids", "vpc_security_group_ids"),
        ):
            pattern, limit, example = VPC_ID_LIMITS[option]
            value = network[key]
            if (
                not isinstance(value, list)
                or not 1 <= len(value) <= limit
                or len(set(map(str, value))) != len(value)
                or not all(isinstance(i, str) and pattern.fullmatch(i) for i in value)
            ):
                raise fail(
                    f"{where}.{key}",
                    f"={value!r}; allowed: a list of 1 to {limit} distinct ids like {example} "
                    "(8 or 17 hex digits)",
                )
            ids[key] = tuple(value)
        networks[stage] = StageNetwork(ids["subnet_ids"], ids["security_group_ids"], vpc)
    return networks


def kms_key_region(arn: str) -> str:
    """The Region of a KMS key ARN (validated by :func:`parse_profile`)."""
    match = _KMS_KEY.fullmatch(arn)
    assert match is not None
    return match.group("region")
