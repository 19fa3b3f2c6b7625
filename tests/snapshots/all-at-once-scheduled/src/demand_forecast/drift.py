"""Input drift of the production endpoint (a SageMaker processing script, standalone: numpy,
boto3 and the standard library only).

``baseline`` runs in the training pipeline: it bins each feature of the training split at its
deciles and records the share of rows per bin. The pipeline registers that baseline with the
model package (its drift-check baseline), so every model carries the data it was trained on.

``check`` runs in the drift-check pipeline: it finds the model package the endpoint serves and
its baseline, reads the requests the endpoint captured over the look-back window, and computes
each feature's population stability index (PSI) against the baseline. It publishes
``FeaturesDrifted`` (features at or above the threshold), ``MaxPopulationStabilityIndex`` and
``CapturedRows`` to CloudWatch; an alarm on ``FeaturesDrifted`` starts retraining.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

BINS = 10
# Bins with no rows on one side get this share instead of 0, so the index stays finite.
EPSILON = 1e-4
# Fewer captured rows than this say nothing reliable (with 10 bins, sampling noise alone gives
# an index of about 9 / rows): only the row count is published.
MIN_ROWS = 1000
VARIANT_NAME = "AllTraffic"


class DriftCheckError(RuntimeError):
    """Raised when the served model, its baseline or the captured data cannot be found."""


def baseline(features: np.ndarray) -> dict[str, Any]:
    """Per feature: inner bin edges at the deciles (deduplicated) and the training share of
    rows per bin."""
    columns = []
    for values in np.asarray(features, dtype=float).T:
        edges = np.unique(np.quantile(values, np.linspace(0, 1, BINS + 1)[1:-1]))
        columns.append({"edges": edges.tolist(), "shares": _shares(values, edges).tolist()})
    return {"version": 1, "rows": len(features), "features": columns}


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def population_stability_index(expected: np.ndarray, actual: np.ndarray) -> float:
    """sum((actual - expected) * ln(actual / expected)) over the bins."""
    expected = np.clip(np.asarray(expected, dtype=float), EPSILON, None)
    actual = np.clip(np.asarray(actual, dtype=float), EPSILON, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def compare(reference: dict[str, Any], features: np.ndarray, threshold: float) -> dict[str, Any]:
    """Each feature's PSI of ``features`` against the baseline ``reference``."""
    features = np.asarray(features, dtype=float)
    expected_columns = len(reference["features"])
    if features.ndim != 2 or features.shape[1] != expected_columns:
        raise DriftCheckError(
            f"captured rows have shape {features.shape}; the baseline has {expected_columns} "
            "features"
        )
    indexes = [
        population_stability_index(column["shares"], _shares(values, np.array(column["edges"])))
        # zip(strict=...) is newer than the processing container's Python; the width is checked.
        for column, values in zip(reference["features"], features.T)
    ]
    return {
        "rows": len(features),
        "threshold": threshold,
        "population_stability_index": [round(i, 6) for i in indexes],
        "features_drifted": [n for n, i in enumerate(indexes) if i >= threshold],
        "max_population_stability_index": round(max(indexes), 6),
    }


def captured_rows(lines: Iterable[str]) -> Iterator[list[float]]:
    """The feature rows of SageMaker data-capture records (JSON lines): CSV, JSON
    (``{"instances": [...]}``) or base64-encoded CSV request bodies."""
    for line in lines:
        if not line.strip():
            continue
        request = json.loads(line)["captureData"]["endpointInput"]
        data, encoding = request["data"], request.get("encoding", "CSV")
        if encoding == "BASE64":
            data, encoding = base64.b64decode(data).decode(), "CSV"
        if encoding == "JSON" or request.get("observedContentType", "").startswith(
            "application/json"
        ):
            for row in json.loads(data)["instances"]:
                yield [float(v) for v in row]
        else:
            for row in csv.reader(io.StringIO(data)):
                if row:
                    yield [float(v) for v in row]


def served_baseline_uri(sagemaker: Any, endpoint_name: str, registry: Any = None) -> str:
    """The drift-check baseline of the model package the endpoint serves; ``registry`` reads
    the package when the endpoint is in another account than the model registry."""
    endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    variants = {v["VariantName"]: v for v in config["ProductionVariants"]}
    if VARIANT_NAME not in variants:
        raise DriftCheckError(f"{endpoint_name} has no variant {VARIANT_NAME!r}")
    model = sagemaker.describe_model(ModelName=variants[VARIANT_NAME]["ModelName"])
    containers = model.get("Containers") or [model.get("PrimaryContainer", {})]
    packages = [c["ModelPackageName"] for c in containers if c.get("ModelPackageName")]
    if not packages:
        raise DriftCheckError(f"{endpoint_name} does not serve a model package")
    package = (registry or sagemaker).describe_model_package(ModelPackageName=packages[0])
    try:
        return str(
            package["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]["S3Uri"]
        )
    except KeyError:
        raise DriftCheckError(f"{packages[0]} has no drift-check baseline") from None


def capture_keys(
    s3: Any, capture_uri: str, endpoint_name: str, now: datetime, hours: int
) -> list[tuple[str, str]]:
    """(bucket, key) of the capture files of the last ``hours`` hours, which SageMaker writes
    under ``<capture uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/``."""
    location = urlparse(capture_uri)
    root = f"{location.path.strip('/')}/{endpoint_name}/{VARIANT_NAME}"
    keys = []
    for hour in range(hours + 1):
        prefix = f"{root}/{(now - timedelta(hours=hour)):%Y/%m/%d/%H}/"
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=location.netloc, Prefix=prefix
        ):
            keys += [(location.netloc, o["Key"]) for o in page.get("Contents", [])]
    return sorted(keys)


def check(
    clients: dict[str, Any],
    *,
    endpoint_name: str,
    capture_uri: str,
    namespace: str,
    threshold: float,
    hours: int,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Compare the captured requests of the last ``hours`` with the served model's baseline
    and publish the figures; returns the report. ``clients`` are this account's
    ``sagemaker`` (the registry), ``s3`` (the baseline) and ``cloudwatch``; with the endpoint
    in another account, ``endpoint_sagemaker`` and ``capture_s3`` reach it there."""
    sagemaker, s3, cloudwatch = clients["sagemaker"], clients["s3"], clients["cloudwatch"]
    endpoints = clients.get("endpoint_sagemaker", sagemaker)
    captures = clients.get("capture_s3", s3)
    # The processing container's Python predates datetime.UTC.
    now = now or datetime.now(timezone.utc)  # noqa: UP017
    baseline_uri = served_baseline_uri(endpoints, endpoint_name, registry=sagemaker)
    reference = json.loads(_read(s3, baseline_uri))
    rows: list[list[float]] = []
    for bucket, key in capture_keys(captures, capture_uri, endpoint_name, now, hours):
        body = captures.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        rows.extend(captured_rows(body.splitlines()))
    dimensions = [{"Name": "EndpointName", "Value": endpoint_name}]
    metrics = [{"MetricName": "CapturedRows", "Value": len(rows), "Unit": "Count"}]
    report: dict[str, Any] = {"rows": len(rows), "checked": len(rows) >= MIN_ROWS}
    if report["checked"]:
        report = {**compare(reference, np.array(rows), threshold), "checked": True}
        metrics += [
            {
                "MetricName": "FeaturesDrifted",
                "Value": len(report["features_drifted"]),
                "Unit": "Count",
            },
            {
                "MetricName": "MaxPopulationStabilityIndex",
                "Value": report["max_population_stability_index"],
                "Unit": "None",
            },
        ]
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[{**m, "Dimensions": dimensions, "Timestamp": now} for m in metrics],
    )
    return report


def endpoint_clients(role_arn: str, region: str) -> dict[str, Any]:
    """The ``endpoint_sagemaker`` and ``capture_s3`` clients of the endpoint's account,
    through ``role_arn`` there (its read-only drift reader role)."""
    import boto3

    sts = boto3.client("sts", region_name=region)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="drift-check")["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    return {"endpoint_sagemaker": session.client("sagemaker"), "capture_s3": session.client("s3")}


def _read(s3: Any, uri: str) -> str:
    location = urlparse(uri)
    body = s3.get_object(Bucket=location.netloc, Key=location.path.lstrip("/"))["Body"]
    return str(body.read().decode())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("baseline", help="bin the training split's features")
    make.add_argument("--train-dir", type=Path, default=Path("/opt/ml/processing/train"))
    make.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/baseline"))
    run = commands.add_parser("check", help="compare captured requests with the baseline")
    run.add_argument("--endpoint-name", required=True)
    run.add_argument("--capture-uri", required=True)
    run.add_argument("--namespace", required=True)
    run.add_argument("--threshold", type=float, required=True)
    run.add_argument("--hours", type=int, required=True)
    run.add_argument("--region", required=True)
    run.add_argument("--endpoint-role-arn",
                     help="a role in the endpoint's account, when that is another account")
    run.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/report"))
    args = parser.parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    if args.command == "baseline":
        files = sorted(args.train_dir.rglob("*.csv"))
        data = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2) for f in files])
        result = baseline(data[:, 1:])  # column 0 is the label
        (args.output_dir / "baseline.json").write_text(json.dumps(result))
        return result
    import boto3

    clients = {
        name: boto3.client(name, region_name=args.region)
        for name in ("sagemaker", "s3", "cloudwatch")
    }
    if args.endpoint_role_arn:
        clients.update(endpoint_clients(args.endpoint_role_arn, args.region))
    report = check(
        clients,
        endpoint_name=args.endpoint_name,
        capture_uri=args.capture_uri,
        namespace=args.namespace,
        threshold=args.threshold,
        hours=args.hours,
    )
    (args.output_dir / "report.json").write_text(json.dumps(report))
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
