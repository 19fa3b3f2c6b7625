"""The Region list agrees with botocore's endpoint data for SageMaker."""

from __future__ import annotations

import botocore.session

from mlopscutter.regions import COMMERCIAL_REGIONS, OTHER_PARTITION_REGIONS


def test_commercial_regions_are_botocores_sagemaker_regions() -> None:
    session = botocore.session.get_session()
    assert set(session.get_available_regions("sagemaker", partition_name="aws")) == set(
        COMMERCIAL_REGIONS
    )


def test_other_partitions_are_known_to_botocore() -> None:
    session = botocore.session.get_session()
    others = {
        region
        for partition in ("aws-cn", "aws-us-gov")
        for region in session.get_available_regions("sagemaker", partition_name=partition)
    }
    assert others == set(OTHER_PARTITION_REGIONS)
