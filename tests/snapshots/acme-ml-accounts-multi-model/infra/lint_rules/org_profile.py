"""cfn-lint rules that enforce the organisation's profile on every CloudFormation template.

They are configured from the profile (see .cfnlintrc) and do nothing unconfigured:

- E9101 every taggable resource carries each required tag with its value;
- E9102 every IAM role has the organisation's permissions boundary;
- E9103 no template creates its own KMS key when the organisation provides one.

`mlopscutter lint` runs these same rules, so hand edits that break the profile are caught
both there and in this project's own `make lint`.
"""

from __future__ import annotations

import json
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER


def _tag_pairs(tags: Any) -> dict[str, Any] | None:
    """Key -> value of a Tags property in list or map form; None when not literal."""
    if isinstance(tags, dict):
        return dict(tags)
    if isinstance(tags, list):
        pairs = {}
        for tag in tags:
            if not isinstance(tag, dict) or not isinstance(tag.get("Key"), str):
                return None
            pairs[tag["Key"]] = tag.get("Value")
        return pairs
    return None


class RequiredTags(CloudFormationLintRule):
    """Every taggable resource carries the profile's required tags."""

    id = "E9101"
    shortdesc = "Org profile: required tags"
    description = "Every taggable resource carries each tag the org profile requires, with its value"
    source_url = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html"
    tags = ["resources", "tags", "org-profile"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = {"required_tags": {"default": "{}", "type": "string"}}
        self.configure()

    def match(self, cfn: Any) -> list[RuleMatch]:
        required = json.loads(self.config["required_tags"] or "{}")
        if not required:
            return []
        matches = []
        region = cfn.regions[0]
        for name, resource in cfn.get_resources().items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                continue
            try:
                schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource["Type"])
            except Exception:  # custom or unknown types: cfn-lint reports those itself
                continue
            tagging = schema.schema.get("tagging", {})
            if not tagging.get("taggable") or tagging.get("tagProperty") != "/properties/Tags":
                continue
            properties = resource.get("Properties") or {}
            pairs = _tag_pairs(properties.get("Tags"))
            if pairs is None:
                path = ["Resources", name, "Properties"]
                missing = sorted(required)
            else:
                path = ["Resources", name, "Properties", "Tags"]
                missing = sorted(k for k, v in required.items() if pairs.get(k) != v)
            for key in missing:
                matches.append(
                    RuleMatch(
                        path,
                        f"{name} ({resource['Type']}) lacks the tag {key}={required[key]!r} "
                        "that the org profile requires",
                    )
                )
        return matches


class PermissionsBoundary(CloudFormationLintRule):
    """Every IAM role has the profile's permissions boundary."""

    id = "E9102"
    shortdesc = "Org profile: permissions boundary"
    description = "Every IAM role has the permissions boundary the org profile names"
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
    tags = ["resources", "iam", "org-profile"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = {"permission_boundary": {"default": "", "type": "string"}}
        self.configure()

    def match(self, cfn: Any) -> list[RuleMatch]:
        boundary = self.config["permission_boundary"]
        if not boundary:
            return []
        # A stage account's roles take the policy of the same name in that account.
        in_deploying_account = {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:"
            + boundary.split(":", 5)[5]
        }
        matches = []
        for name, resource in cfn.get_resources(["AWS::IAM::Role"]).items():
            given = (resource.get("Properties") or {}).get("PermissionsBoundary")
            if given not in (boundary, in_deploying_account):
                matches.append(
                    RuleMatch(
                        ["Resources", name, "Properties"],
                        f"{name} (AWS::IAM::Role) has PermissionsBoundary {given!r}; the org "
                        f"profile requires {boundary!r}",
                    )
                )
        return matches


class OrgKmsKey(CloudFormationLintRule):
    """No template creates a KMS key where the profile provides the organisation's key."""

    id = "E9103"
    shortdesc = "Org profile: organisation KMS key"
    description = "Templates use the org profile's KMS key instead of creating their own"
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/overview.html"
    tags = ["resources", "kms", "org-profile"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = {"kms_key_arn": {"default": "", "type": "string"}}
        self.configure()

    def match(self, cfn: Any) -> list[RuleMatch]:
        key = self.config["kms_key_arn"]
        if not key:
            return []
        return [
            RuleMatch(
                ["Resources", name],
                f"{name} creates a KMS key; the org profile requires the key {key}",
            )
            for name in cfn.get_resources(["AWS::KMS::Key"])
        ]
