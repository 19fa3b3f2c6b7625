"""AWS Region codes a generated project can target.

The list is the commercial (``aws``) partition's Regions in which SageMaker is offered, as
published in botocore's endpoint data (botocore 1.44). A unit test cross-checks it against the
installed botocore so that a new Region shows up as a test failure rather than a silent gap.
China and GovCloud Regions are real but live in other partitions, whose service offering
(CodeConnections, SageMaker features) differs; they are rejected with their own message.
"""

from __future__ import annotations

COMMERCIAL_REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)

OTHER_PARTITION_REGIONS: frozenset[str] = frozenset(
    {"cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1"}
)
