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


def test_region_support_table_matches_cfn_lint_registry_data() -> None:
    import json
    from importlib import resources

    from mlopscutter.region_support import MISSING_IN

    providers = resources.files("cfnlint") / "data" / "schemas" / "providers"
    compared = 0
    for region in sorted(COMMERCIAL_REGIONS):
        index = providers / f"{region}.json"
        if not index.is_file():
            continue  # cfn-lint has no registry index of its own for this Region
        offered = json.loads(index.read_text())
        for resource_type, missing in MISSING_IN.items():
            assert (resource_type not in offered) == (region in missing), (region, resource_type)
            compared += 1
    assert compared >= 30 * len(MISSING_IN)
