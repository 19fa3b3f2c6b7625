"""The training DAG's SageMaker jobs, written as the requests the Amazon provider's operators
send: CreateProcessingJob (prepare the data, evaluate, package the model with its inference
code), CreateTrainingJob and CreateModelPackage.

``make train`` (``python -m loan_default.airflow_jobs --start``) resolves the framework
images for the Region with the SageMaker SDK, uploads the scripts, writes these definitions
next to the DAG (``dags/loan_default_training.json``), uploads both to the environment's DAG
folder and, with ``--start``, asks Airflow for a run. Each run fills in its own timestamp
(``{{ ts_nodash }}``, rendered by Airflow in the operators' templated fields), which
names its jobs and its folder in the artifact bucket.
"""

from __future__ import annotations

import argparse
import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from . import config

SCRIPTS = Path(__file__).resolve().parent
DAGS = Path(__file__).resolve().parents[2] / "dags"
# Rendered by Airflow in each run: the run's logical date, e.g. 20251124T060000.
RUN = "{{ ts_nodash }}"
TRIGGERED_BY = "{{ dag_run.conf.get('triggered_by', 'manual') if dag_run.conf else 'manual' }}"
METRIC_PATH = "binary_classification_metrics.roc_auc.value"
CODE_DIR = "/opt/ml/processing/input/code"
VPC = {"Subnets": config.VPC_SUBNETS, "SecurityGroupIds": config.VPC_SECURITY_GROUPS}
SERVING_ENVIRONMENT = {
    # The packaging step puts inference.py under code/ in the model artifact, where the
    # framework image looks for it (the endpoints are network-isolated: nothing is downloaded).
    "SAGEMAKER_PROGRAM": "inference.py",
    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
    "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
}


def job_name(step: str) -> str:
    return f"{config.JOB_BASE}-{step}-{RUN}"


def _tags() -> list[dict[str, str]]:
    return [{"Key": "Project", "Value": config.PROJECT_SLUG},
            {"Key": "TriggeredBy", "Value": TRIGGERED_BY}]


def _s3_input(name: str, uri: str, local_path: str) -> dict[str, Any]:
    return {"InputName": name, "S3Input": {
        "S3Uri": uri, "LocalPath": local_path, "S3DataType": "S3Prefix", "S3InputMode": "File",
        "S3DataDistributionType": "FullyReplicated"}}


def _processing_job(step: str, *, image: str, script_uri: str, inputs: list[dict[str, Any]],
                    outputs: dict[str, str], role_arn: str, kms_key: str,
                    arguments: tuple[str, ...] = ()) -> dict[str, Any]:
    """A CreateProcessingJob request running ``python3 <script> <arguments>`` on ``image``;
    ``outputs`` maps each output's name to its S3 URI (its local path is
    /opt/ml/processing/<name>)."""
    script = script_uri.rsplit("/", 1)[1]
    application: dict[str, Any] = {"ImageUri": image,
                                   "ContainerEntrypoint": ["python3", f"{CODE_DIR}/{script}"]}
    if arguments:
        application["ContainerArguments"] = list(arguments)
    return {
        "ProcessingJobName": job_name(step),
        "RoleArn": role_arn,
        "AppSpecification": application,
        "ProcessingInputs": [_s3_input("code", script_uri, CODE_DIR), *inputs],
        "ProcessingOutputConfig": {"KmsKeyId": kms_key, "Outputs": [
            {"OutputName": name, "S3Output": {"S3Uri": uri,
                                              "LocalPath": f"/opt/ml/processing/{name}",
                                              "S3UploadMode": "EndOfJob"}}
            for name, uri in outputs.items()]},
        "ProcessingResources": {"ClusterConfig": {
            "InstanceCount": 1, "InstanceType": config.PROCESSING_INSTANCE_TYPE,
            "VolumeSizeInGB": 30, "VolumeKmsKeyId": kms_key}},
        "NetworkConfig": {"EnableInterContainerTrafficEncryption": True, "VpcConfig": VPC},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": _tags(),
    }


def definitions(*, bucket: str, role_arn: str, kms_key: str, images: dict[str, str],
                code: dict[str, str], alerts_topic_arn: str,
                data_uri: str | None = None) -> dict[str, Any]:
    """Everything the DAG runs, for one project: ``images`` names the ``processing``,
    ``training``, ``evaluation`` and ``serving`` images (and ``features``, the feature
    transform's); ``code`` the S3 URIs of the uploaded
    scripts (``preprocess``, ``evaluate``, ``repack``, ``inference``) and of the training
    ``sourcedir`` archive."""
    run = f"s3://{bucket}/{config.DAG_ID}/{RUN}"
    splits = {name: f"{run}/data/{name}" for name in ("train", "validation", "test")}
    # SageMaker writes a training job's model and output data under <S3OutputPath>/<job>/output.
    trained = f"{run}/models/{job_name('train')}/output"
    model = f"{trained}/model.tar.gz"
    evaluation = f"{run}/evaluation"
    packaged = f"{run}/packaged"
    shared = {"role_arn": role_arn, "kms_key": kms_key}
    training: dict[str, Any] = {
        "TrainingJobName": job_name("train"),
        "RoleArn": role_arn,
        "AlgorithmSpecification": {"TrainingImage": images["training"],
                                   "TrainingInputMode": "File"},
        # Script mode, as the SageMaker SDK's estimators set it (values JSON-encoded).
        "HyperParameters": {
            "sagemaker_program": json.dumps("train.py"),
            "sagemaker_submit_directory": json.dumps(code["sourcedir"]),
            "sagemaker_container_log_level": "20",
            "sagemaker_region": json.dumps(config.region()),
        },
        "InputDataConfig": [{
            "ChannelName": "train", "ContentType": "text/csv",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": splits["train"],
                                            "S3DataDistributionType": "FullyReplicated"}}}],
        "OutputDataConfig": {"S3OutputPath": f"{run}/models", "KmsKeyId": kms_key},
        "ResourceConfig": {"InstanceType": config.TRAINING_INSTANCE_TYPE, "InstanceCount": 1,
                           "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": config.TRAINING_MAX_RUNTIME_SECONDS},
        "VpcConfig": VPC,
        "EnableInterContainerTrafficEncryption": True,
        "Tags": _tags(),
    }
    if config.ENCRYPT_TRAINING_VOLUMES:
        training["ResourceConfig"]["VolumeKmsKeyId"] = kms_key
    if config.TRAINING_SPOT:
        # SageMaker syncs /opt/ml/checkpoints with S3, so an interrupted job resumes where
        # train.py last saved.
        training["EnableManagedSpotTraining"] = True
        training["StoppingCondition"]["MaxWaitTimeInSeconds"] = config.TRAINING_MAX_WAIT_SECONDS
        training["CheckpointConfig"] = {"S3Uri": f"s3://{bucket}/{config.DAG_ID}/checkpoints"}
    data_inputs = [_s3_input("input", data_uri, "/opt/ml/processing/input")] if data_uri else []
    return {
        "dag_id": config.DAG_ID,
        "alerts_topic_arn": alerts_topic_arn,
        "prepare": _processing_job(
            "prepare", image=images["processing"], script_uri=code["preprocess"],
            inputs=data_inputs, outputs=splits, **shared),
        "train": training,
        "evaluate": _processing_job(
            "evaluate", image=images["evaluation"], script_uri=code["evaluate"],
            inputs=[_s3_input("model", model, "/opt/ml/processing/model"),
                    _s3_input("test", splits["test"], "/opt/ml/processing/test")],
            outputs={"evaluation": evaluation}, **shared),
        "metric": {"report": f"{evaluation}/evaluation.json", "path": METRIC_PATH,
                   "minimum": config.MIN_ROC_AUC},
        "package": _processing_job(
            "package", image=images["processing"], script_uri=code["repack"],
            inputs=[_s3_input("model", model, "/opt/ml/processing/model"),
                    _s3_input("serving-code", code["inference"],
                              "/opt/ml/processing/serving-code")],
            outputs={"packaged": packaged}, **shared),
        "register": {
            "ModelPackageGroupName": config.MODEL_PACKAGE_GROUP,
            "ModelPackageDescription": f"{config.DAG_ID} run {RUN}",
            "ModelApprovalStatus": "PendingManualApproval",
            "InferenceSpecification": {
                # The serial inference pipeline: the feature transform on the scikit-learn
                # image, then the model; both load the packaged artifact and its inference.py.
                "Containers": [{"Image": images[image],
                                "ModelDataUrl": f"{packaged}/model.tar.gz",
                                "Environment": {**SERVING_ENVIRONMENT,
                                                "SAGEMAKER_REGION": config.region(),
                                                "SERVING_STEP": step}}
                               for image, step in (("features", "features"),
                                                   ("serving", "model"))],
                "SupportedContentTypes": ["text/csv", "application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
                **({"SupportedRealtimeInferenceInstanceTypes": config.INFERENCE_INSTANCE_TYPES}
                   if config.INFERENCE_INSTANCE_TYPES else {}),
                "SupportedTransformInstanceTypes": config.TRANSFORM_INSTANCE_TYPES,
            },
            "ModelMetrics": {"ModelQuality": {"Statistics": {
                "ContentType": "application/json", "S3Uri": f"{evaluation}/evaluation.json"}}},
            "CustomerMetadataProperties": {"TriggeredBy": TRIGGERED_BY},
        },
    }


def resolve_images(region: str) -> dict[str, str]:
    """The framework images for ``region``, pinned in config.py, as the SageMaker SDK names
    them."""
    from sagemaker import image_uris

    def sklearn(instance_type: str, scope: str) -> str:
        return str(image_uris.retrieve("sklearn", region, version=config.SKLEARN_FRAMEWORK_VERSION,
                                       py_version="py3", instance_type=instance_type,
                                       image_scope=scope))

    def model(instance_type: str, scope: str) -> str:
        return str(image_uris.retrieve(config.FRAMEWORK, region, version=config.FRAMEWORK_VERSION,
                                       py_version=config.FRAMEWORK_PY_VERSION,
                                       instance_type=instance_type, image_scope=scope))

    serving_type = (config.INFERENCE_INSTANCE_TYPES or config.TRANSFORM_INSTANCE_TYPES)[0]
    return {
        "processing": sklearn(config.PROCESSING_INSTANCE_TYPE, "training"),
        "training": model(config.TRAINING_INSTANCE_TYPE, "training"),
        # Evaluation loads the model, so it runs on the model's framework image.
        "evaluation": model(config.PROCESSING_INSTANCE_TYPE, "training"),
        "serving": model(serving_type, "inference"),
        # The serial pipeline's first container: the feature transform.
        "features": sklearn(serving_type, "inference"),
    }


def upload_code(s3: Any, bucket: str) -> dict[str, str]:
    """Upload the scripts and the training source archive under <dag id>/code/ and return
    their URIs."""
    prefix = f"{config.DAG_ID}/code"
    uris = {}
    for name in ("preprocess", "evaluate", "repack", "inference"):
        key = f"{prefix}/{name}.py"
        s3.upload_file(str(SCRIPTS / f"{name}.py"), bucket, key)
        uris[name] = f"s3://{bucket}/{key}"
    with tempfile.TemporaryDirectory() as directory:
        archive = Path(directory) / "sourcedir.tar.gz"
        with tarfile.open(archive, "w:gz") as sources:
            sources.add(SCRIPTS / "train.py", arcname="train.py")
        s3.upload_file(str(archive), bucket, f"{prefix}/sourcedir.tar.gz")
    uris["sourcedir"] = f"s3://{bucket}/{prefix}/sourcedir.tar.gz"
    return uris


def write_definitions(document: dict[str, Any], dags: Path = DAGS) -> Path:
    path = dags / f"{config.DAG_MODULE}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def dag_folder(mwaa: Any) -> tuple[str, str]:
    """The environment's source bucket and DAG folder, as MWAA reports them."""
    environment = mwaa.get_environment(Name=config.MWAA_ENVIRONMENT)["Environment"]
    bucket = environment["SourceBucketArn"].rsplit(":", 1)[1]
    return bucket, environment["DagS3Path"].strip("/")


def publish_dag(s3: Any, mwaa: Any, dags: Path = DAGS) -> list[str]:
    """Upload the DAG and its job definitions to the environment's DAG folder."""
    bucket, folder = dag_folder(mwaa)
    uris = []
    for suffix in (".py", ".json"):
        key = f"{folder}/{config.DAG_MODULE}{suffix}"
        s3.upload_file(str(dags / f"{config.DAG_MODULE}{suffix}"), bucket, key)
        uris.append(f"s3://{bucket}/{key}")
    return uris


def trigger(mwaa: Any, triggered_by: str) -> dict[str, Any]:
    """Ask the environment's Airflow for a run of the DAG (its REST API, through MWAA)."""
    response = mwaa.invoke_rest_api(
        Name=config.MWAA_ENVIRONMENT, Method="POST", Path=f"/dags/{config.DAG_ID}/dagRuns",
        Body={"conf": {"triggered_by": triggered_by}})
    return dict(response["RestApiResponse"])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", action="store_true", help="ask for a run after the upload")
    parser.add_argument("--triggered-by", default="ci")
    args = parser.parse_args(argv)
    region = config.region()
    s3 = boto3.client("s3", region_name=region)
    bucket = config.artifact_bucket()
    account = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    document = definitions(
        bucket=bucket, role_arn=config.sagemaker_role_arn(), kms_key=config.kms_key_arn(),
        images=resolve_images(region), code=upload_code(s3, bucket),
        alerts_topic_arn=f"arn:aws:sns:{region}:{account}:{config.ALERTS_TOPIC}",
        data_uri=config.training_data_uri())
    write_definitions(document)
    mwaa = boto3.client("mwaa", region_name=region)
    result: dict[str, Any] = {"uploaded": publish_dag(s3, mwaa)}
    if args.start:
        result["dagRun"] = trigger(mwaa, args.triggered_by)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
