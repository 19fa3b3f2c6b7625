"""The ML frameworks a project trains (and, with ``container=provided``, serves) with: the
SageMaker framework image each resolves to through the SageMaker Python SDK, the image version
pinned here and nowhere else, and the Regions the SDK has no image for.

A project builds its pipeline with the SageMaker SDK (``sagemaker.image_uris``), which refuses a
Region its image configuration does not list; such a project could not run its own tests. The
Region sets below come from that configuration (``sagemaker/image_uri_config/<sdk_name>.json``,
training and inference scopes) in the SDK 2.x the generated project pins, and the slow tier
compares them with the SDK it installs. Standard library only: the hooks import it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Regions of COMMERCIAL_REGIONS for which SageMaker SDK 2.257 lists neither image.
_NO_FRAMEWORK_IMAGES = frozenset(
    {"ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "mx-central-1"}
)


@dataclass(frozen=True)
class Framework:
    """One answer of the ``framework`` option."""

    option: str  # the answer
    title: str  # as prose names it
    sdk_name: str  # the framework name of sagemaker.image_uris
    version: str  # the SageMaker image version pinned
    missing_in: frozenset[str]  # Regions the SDK lists no image of this version for
    # Whether the image trains on GPU instances (serving stays on CPU for both).
    gpu_training: bool


FRAMEWORKS: dict[str, Framework] = {
    "scikit-learn": Framework(
        "scikit-learn", "scikit-learn", "sklearn", "1.2-1", _NO_FRAMEWORK_IMAGES, False
    ),
    # XGBoost 3.0 images: the SageMaker XGBoost documentation lists GPU training (P3, G4dn,
    # G5 and later families) for its images from 1.2-2 on.
    "xgboost": Framework("xgboost", "XGBoost", "xgboost", "3.0-5", _NO_FRAMEWORK_IMAGES, True),
}
