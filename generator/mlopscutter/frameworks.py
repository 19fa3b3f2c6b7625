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
    # SageMaker Neo's name of the framework and the version it compiles the framework's
    # models for edge devices at (CreateCompilationJob's Framework and FrameworkVersion), or
    # None with the reason it compiles none.
    neo_framework: str | None = None
    neo_version: str | None = None
    edge_refusal: str | None = None


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
        edge_refusal="SageMaker Neo compiles no scikit-learn model for edge devices (its "
        "Supported Frameworks table lists none)",
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
        edge_refusal="SageMaker Neo compiles XGBoost models of version 1.3 or earlier, in "
        "XGBoost's old binary format, for edge devices; the project trains XGBoost 3.0 and "
        "saves its JSON format, which XGBoost 1.3 cannot read",
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
        # Neo's edge table lists PyTorch 1.7 and 1.8 (one TorchScript .pth file). The traced
        # network is an archive of file format version 4, the dynamic version torch.div's
        # semantics change introduced before 1.8 (caffe2/serialize/versions.h), which 1.8 reads.
        neo_framework="PYTORCH",
        neo_version="1.8",
    ),
}


# SageMaker Neo's edge devices (CreateCompilationJob's TargetDevice) that run Linux and take a
# model with no files or compiler options beyond it (the SageMaker Developer Guide's
# "Supported Devices, Chip Architectures, and Systems"): Ambarella devices need extra files in
# the archive, the i.MX 8M Plus a TIM-VX build, the Qualcomm ones Android options, Core ML
# class labels, and the ml_* targets are cloud instances, not edge devices.
EDGE_DEVICES: tuple[str, ...] = (
    "aisage",
    "imx8qm",
    "jetson_nano",
    "jetson_tx1",
    "jetson_tx2",
    "jetson_xavier",
    "rasp3b",
    "rasp4b",
    "rk3288",
    "rk3399",
)
# Regions of COMMERCIAL_REGIONS for which SageMaker SDK 2.257 lists no Neo PyTorch image
# (sagemaker/image_uri_config/neo-pytorch.json, every version alike): the SDK's record of the
# Regions Neo runs in. A compilation job is not offered there.
NO_NEO_REGIONS = frozenset(
    {
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-south-2",
        "me-central-1",
        "mx-central-1",
    }
)
