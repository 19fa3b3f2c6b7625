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

# Regions of COMMERCIAL_REGIONS for which SageMaker SDK 2.257 lists neither the scikit-learn
# 1.2-1 nor the XGBoost 3.0-5 image (its PyTorch 2.6.0 images are listed in every one).
_NO_FRAMEWORK_IMAGES = frozenset(
    {"ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "mx-central-1"}
)


@dataclass(frozen=True)
class Framework:
    """One answer of the ``framework`` option."""

    option: str  # the answer
    title: str  # as prose names it
    sdk_name: str  # the framework name of sagemaker.image_uris (and the SDK's module)
    module: str  # what the project's code imports of it
    version: str  # the SageMaker image version pinned
    py_version: str  # the image's Python, as the SDK names it
    missing_in: frozenset[str]  # Regions the SDK lists no image of this version for
    # Whether the image trains on GPU instances (serving stays on CPU for all).
    gpu_training: bool
    estimator: str  # the SDK's estimator and model classes (sagemaker.<sdk_name>)
    model_class: str
    model_file: str  # what training writes into the model directory
    # The project's own Python requirement (local tests, the own serving image), if any.
    requirement: str | None
    # Why a multi-model endpoint of the framework's image is not generated, if it is not.
    multi_model_refusal: str | None = None


FRAMEWORKS: dict[str, Framework] = {
    "scikit-learn": Framework(
        "scikit-learn",
        "scikit-learn",
        "sklearn",
        "sklearn",
        "1.2-1",
        "py3",
        _NO_FRAMEWORK_IMAGES,
        False,
        "SKLearn",
        "SKLearnModel",
        "model.joblib",
        None,
    ),
    # XGBoost 3.0 images: the SageMaker XGBoost documentation lists GPU training (P3, G4dn,
    # G5 and later families) for its images from 1.2-2 on.
    "xgboost": Framework(
        "xgboost",
        "XGBoost",
        "xgboost",
        "xgboost",
        "3.0-5",
        "py3",
        _NO_FRAMEWORK_IMAGES,
        True,
        "XGBoost",
        "XGBoostModel",
        "model.json",  # XGBoost's own JSON format, which later XGBoost versions read
        "xgboost-cpu>=3.0,<4",
        "the SageMaker XGBoost image's multi-model hosting is documented for its built-in "
        "algorithm mode, which bypasses the project's inference.py (and older images refuse "
        "script mode on a multi-model endpoint)",
    ),
    # PyTorch 2.6.0 images (Python 3.12; CPU and GPU). The model is saved as a torch.export
    # program, which loads without the project's code. Locally the project tests with the
    # newest release below 2.14; its own serving image installs the images' version.
    "pytorch": Framework(
        "pytorch",
        "PyTorch",
        "pytorch",
        "torch",
        "2.6.0",
        "py312",
        frozenset(),
        True,
        "PyTorch",
        "PyTorchModel",
        "model.pt2",
        "torch>=2.6,<2.14",
        "the SageMaker PyTorch image serves a multi-model endpoint through TorchServe, each "
        "target model packaged with its handler code as a TorchServe model archive, which "
        "the project's training job and model publishing do not produce",
    ),
}
