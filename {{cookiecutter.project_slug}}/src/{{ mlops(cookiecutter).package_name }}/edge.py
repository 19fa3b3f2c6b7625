{%- set p = mlops(cookiecutter) -%}
"""Edge compilation (a processing job of the training run, after the model passed evaluation):
SageMaker Neo compiles the trained network for {{ cookiecutter.edge_target_device }}.

The training job wrote the network traced to TorchScript, and its input shape, to its output
data (output.tar.gz). This job packs the TorchScript file alone into the archive Neo reads,
uploads it next to its own output, starts a compilation job with the same role, key and
subnets as itself (read from the processing job's configuration), waits for it and writes
``edge.json``: the compiled artifact, the compilation job and the device, which the model
package records. A compilation that fails fails this job, and so the run, before anything is
registered. It runs as a script on the scikit-learn image (boto3 and the standard library):
the device, Neo's framework version and the Region come as arguments (from config.py).
"""

from __future__ import annotations

import argparse
import io
import json
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3

EDGE_FILE = "model.pth"  # as train.py writes them
EDGE_INPUT_FILE = "input.json"
REPORT = "edge.json"
JOB_CONFIG = Path("/opt/ml/config/processingjobconfig.json")
TRAINED = Path("/opt/ml/processing/trained")
OUTPUT = Path("/opt/ml/processing/edge")
OUTPUT_NAME = "edge"  # the processing job's output that OUTPUT is uploaded to
FINISHED = {"COMPLETED", "FAILED", "STOPPED"}
MAX_COMPILE_SECONDS = 1800
POLL_SECONDS = 30


def neo_input(trained: bytes) -> tuple[bytes, dict[str, list[int]]]:
    """From the training job's output archive: the archive Neo compiles (the TorchScript file
    alone, as Neo's PyTorch input must be) and the network's input shape."""
    with tarfile.open(fileobj=io.BytesIO(trained), mode="r:gz") as archive:
        names = {Path(member.name).name: member for member in archive.getmembers()
                 if member.isfile()}
        missing = {EDGE_FILE, EDGE_INPUT_FILE} - set(names)
        if missing:
            raise ValueError(f"the training output has no {', '.join(sorted(missing))}")
        model, shape = (archive.extractfile(names[name]).read()  # regular files: never None
                        for name in (EDGE_FILE, EDGE_INPUT_FILE))
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as archive:
        member = tarfile.TarInfo(EDGE_FILE)
        member.size = len(model)
        archive.addfile(member, io.BytesIO(model))
    return packed.getvalue(), json.loads(shape)


@dataclass(frozen=True)
class Target:
    """What Neo compiles for: the device, and the framework and version it reads the model
    with; ``project`` tags the compilation job."""

    device: str
    framework: str
    framework_version: str
    project: str


def compile_request(job: dict[str, Any], target: Target, *, input_uri: str, output_uri: str,
                    shape: dict[str, list[int]]) -> dict[str, Any]:
    """The CreateCompilationJob request for the processing job described by ``job`` (its
    processingjobconfig.json): named after it, run with its role, key and subnets."""
    request: dict[str, Any] = {
        "CompilationJobName": job["ProcessingJobName"],
        "RoleArn": job["RoleArn"],
        "InputConfig": {"S3Uri": input_uri, "DataInputConfig": json.dumps(shape),
                        "Framework": target.framework,
                        "FrameworkVersion": target.framework_version},
        "OutputConfig": {"S3OutputLocation": output_uri, "TargetDevice": target.device},
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_COMPILE_SECONDS},
        "Tags": [{"Key": "Project", "Value": target.project}],
    }
    key = job.get("ProcessingOutputConfig", {}).get("KmsKeyId")
    if key:
        request["OutputConfig"]["KmsKeyId"] = key
    vpc = job.get("NetworkConfig", {}).get("VpcConfig")
    if vpc:
        request["VpcConfig"] = {"Subnets": vpc["Subnets"],
                                "SecurityGroupIds": vpc["SecurityGroupIds"]}
    return request


def wait(sagemaker: Any, name: str, *, sleep: Callable[[float], None] = time.sleep,
         poll_seconds: float = POLL_SECONDS) -> dict[str, Any]:
    """Describe the compilation job ``name`` until it finishes; its description when it
    completed, else a RuntimeError with its status and reason."""
    while True:
        job = sagemaker.describe_compilation_job(CompilationJobName=name)
        status = job["CompilationJobStatus"]
        if status in FINISHED:
            break
        sleep(poll_seconds)
    if status != "COMPLETED":
        raise RuntimeError(f"compilation job {name} {status.lower()}: "
                           f"{job.get('FailureReason') or 'no reason given'}")
    return job


def compile_for_edge(job: dict[str, Any], target: Target, trained: bytes, *, s3: Any,
                     sagemaker: Any, sleep: Callable[[float], None] = time.sleep) -> dict[str, str]:
    """Compile the network in ``trained`` (the training output archive) for ``target``, as
    the processing job ``job``; returns what the model package records."""
    outputs = job["ProcessingOutputConfig"]["Outputs"]
    prefix = next(o["S3Output"]["S3Uri"] for o in outputs
                  if o["OutputName"] == OUTPUT_NAME).rstrip("/")
    archive, shape = neo_input(trained)
    input_uri = f"{prefix}/input/model.tar.gz"
    request = compile_request(job, target, input_uri=input_uri,
                              output_uri=f"{prefix}/compiled", shape=shape)
    # Neo's input is encrypted with the key the compiled artifact is (the job's own).
    encryption = {"ServerSideEncryption": "aws:kms"}
    if "KmsKeyId" in request["OutputConfig"]:
        encryption["SSEKMSKeyId"] = request["OutputConfig"]["KmsKeyId"]
    location = urlparse(input_uri)
    s3.put_object(Bucket=location.netloc, Key=location.path.lstrip("/"), Body=archive,
                  **encryption)
    sagemaker.create_compilation_job(**request)
    done = wait(sagemaker, request["CompilationJobName"], sleep=sleep)
    return {
        "artifact": done["ModelArtifacts"]["S3ModelArtifacts"],
        "compilation_job": request["CompilationJobName"],
        "target_device": target.device,
    }


def main(argv: list[str] | None = None) -> dict[str, str]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target-device", required=True)
    parser.add_argument("--framework", required=True)
    parser.add_argument("--framework-version", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--job-config", type=Path, default=JOB_CONFIG)
    parser.add_argument("--trained", type=Path, default=TRAINED)
    parser.add_argument("--output-dir", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    job = json.loads(args.job_config.read_text())
    [trained] = sorted(args.trained.glob("*.tar.gz"))
    target = Target(args.target_device, args.framework, args.framework_version, args.project)
    session = boto3.Session(region_name=args.region)
    report = compile_for_edge(job, target, trained.read_bytes(), s3=session.client("s3"),
                              sagemaker=session.client("sagemaker"))
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / REPORT).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
