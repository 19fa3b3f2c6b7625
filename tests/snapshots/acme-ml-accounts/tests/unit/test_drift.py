"""The drift check: the baseline, the population stability index, the data-capture records it
reads, and a whole check against moto (the served model's baseline found through the endpoint,
captured files read by the hour, figures published to CloudWatch)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import boto3
import numpy as np
import pytest
from moto import mock_aws

from pricing_model import config, drift, preprocess
from pricing_model.drift_pipeline import get_drift_pipeline

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/acme-pricing-model-sagemaker-execution"
BUCKET = "pricing-model-artifacts-test"
KMS_KEY = f"arn:aws:kms:{config.REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
NOW = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def training() -> np.ndarray:
    features, labels = preprocess.load_dataset(None)
    return preprocess.split_dataset(features, labels)["train"][:, 1:]


@pytest.fixture(scope="module")
def unseen() -> np.ndarray:
    """2,000 requests drawn from the whole dataset (held-out rows included): the population
    the model was trained on, in the numbers a check needs."""
    features, _ = preprocess.load_dataset(None)
    return features[np.random.default_rng(7).integers(0, len(features), 2000)]


def test_the_baseline_bins_each_feature_at_its_deciles(training) -> None:
    reference = drift.baseline(training)
    assert len(reference["features"]) == training.shape[1]
    for column in reference["features"]:
        assert len(column["shares"]) == len(column["edges"]) + 1
        assert sum(column["shares"]) == pytest.approx(1)
        assert max(column["shares"]) < 0.3  # deciles: about a tenth of the rows per bin


def test_unseen_data_from_the_same_population_does_not_drift(training, unseen) -> None:
    report = drift.compare(drift.baseline(training), unseen, config.DRIFT_PSI_THRESHOLD)
    assert report["features_drifted"] == []
    assert report["max_population_stability_index"] < config.DRIFT_PSI_THRESHOLD


def test_shifted_features_drift_and_the_others_do_not(training, unseen) -> None:
    shifted = unseen.copy()
    shifted[:, [0, 3]] *= 1.8  # two features move far out of their training range
    report = drift.compare(drift.baseline(training), shifted, config.DRIFT_PSI_THRESHOLD)
    assert report["features_drifted"] == [0, 3]
    assert report["max_population_stability_index"] > 1


def test_a_row_of_the_wrong_width_is_an_error(training) -> None:
    with pytest.raises(drift.DriftCheckError, match="features"):
        drift.compare(drift.baseline(training), training[:, :5], 0.2)


def _record(data: str, content_type: str, encoding: str) -> str:
    return json.dumps({
        "captureData": {"endpointInput": {"observedContentType": content_type, "mode": "INPUT",
                                          "data": data, "encoding": encoding}},
        "eventMetadata": {"eventId": "e", "inferenceTime": "2026-11-24T03:00:00Z"},
        "eventVersion": "0",
    })


def test_capture_records_of_every_encoding_are_read() -> None:
    lines = [
        _record("1.5,2\n3,4.25", "text/csv", "CSV"),
        _record(json.dumps({"instances": [[5, 6]]}), "application/json", "JSON"),
        _record(base64.b64encode(b"7,8").decode(), "text/csv", "BASE64"),
        "",
    ]
    assert list(drift.captured_rows(lines)) == [[1.5, 2.0], [3.0, 4.25], [5.0, 6.0], [7.0, 8.0]]


def _register_with_baseline(s3, sagemaker, training, register_package) -> str:
    """A package in the project's group whose drift-check baseline (the training split's,
    in BUCKET) the check compares with; its ARN."""
    s3.put_object(Bucket=BUCKET, Key="baselines/baseline.json",
                  Body=json.dumps(drift.baseline(training)))
    sagemaker.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
    return register_package(
        sagemaker, model_data=f"s3://{BUCKET}/model.tar.gz",
        DriftCheckBaselines={"ModelDataQuality": {"Statistics": {
            "ContentType": "application/json",
            "S3Uri": f"s3://{BUCKET}/baselines/baseline.json"}}},
    )


def _serve(sagemaker, package: str, endpoint: str, account: str) -> str:
    """An endpoint of ``account`` serving the model package ``package`` (moto's SageMaker)."""
    sagemaker.create_model(
        ModelName="served", Containers=[{"ModelPackageName": package}],
        ExecutionRoleArn=f"arn:aws:iam::{account}:role/{config.SAGEMAKER_ROLE_NAME}",
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="served-config",
        ProductionVariants=[{"VariantName": config.VARIANT_NAME, "ModelName": "served",
                             "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
    )
    sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName="served-config")
    return endpoint


@pytest.fixture
def aws(training, register_package, make_bucket):
    """The production endpoint serving an approved package whose baseline is the training
    split; the artifact bucket holds the baseline and the captured requests."""
    with mock_aws():
        region = config.region()
        s3 = boto3.client("s3", region_name=region)
        bucket = make_bucket(s3, BUCKET)
        sagemaker = boto3.client("sagemaker", region_name=region)
        package = _register_with_baseline(s3, sagemaker, training, register_package)
        endpoint = _serve(sagemaker, package, config.ENDPOINTS[config.DRIFT_STAGE], ACCOUNT)
        yield {"s3": s3, "bucket": bucket, "endpoint": endpoint, "region": region,
               "sagemaker": sagemaker,
               "cloudwatch": boto3.client("cloudwatch", region_name=region)}


def _capture(aws, rows: np.ndarray, hours_ago: int, name: str) -> None:
    hour = NOW - timedelta(hours=hours_ago)
    key = (f"{config.DATA_CAPTURE_PREFIX}/{aws['endpoint']}/{config.VARIANT_NAME}/"
           f"{hour:%Y/%m/%d/%H}/{name}.jsonl")
    lines = [_record(",".join(map(repr, row.tolist())), "text/csv", "CSV") for row in rows]
    aws["s3"].put_object(Bucket=aws["bucket"], Key=key, Body="\n".join(lines))


def _check(aws, hours: int = 24) -> dict:
    return drift.check(
        {name: aws[name] for name in ("sagemaker", "s3", "cloudwatch")},
        endpoint_name=aws["endpoint"],
        capture_uri=f"s3://{aws['bucket']}/{config.DATA_CAPTURE_PREFIX}",
        namespace=config.DRIFT_METRIC_NAMESPACE,
        threshold=config.DRIFT_PSI_THRESHOLD,
        hours=hours,
        now=NOW,
    )


def _published(aws) -> dict[str, float]:
    figures = {}
    for metric in ("CapturedRows", "FeaturesDrifted", "MaxPopulationStabilityIndex"):
        points = aws["cloudwatch"].get_metric_statistics(
            Namespace=config.DRIFT_METRIC_NAMESPACE, MetricName=metric,
            Dimensions=[{"Name": "EndpointName", "Value": aws["endpoint"]}],
            StartTime=NOW - timedelta(hours=1), EndTime=NOW + timedelta(hours=1),
            Period=3600, Statistics=["Maximum"],
        )["Datapoints"]
        if points:
            figures[metric] = points[0]["Maximum"]
    return figures


def test_a_check_on_drifted_requests_publishes_the_drifted_features(aws, unseen) -> None:
    shifted = unseen.copy()
    shifted[:, 2] += 3 * shifted[:, 2].std()
    _capture(aws, shifted[:1200], hours_ago=1, name="a")
    _capture(aws, shifted[1200:], hours_ago=5, name="b")
    _capture(aws, unseen, hours_ago=30, name="old")  # outside the window: not read
    report = _check(aws)
    assert report["rows"] == len(shifted)
    assert report["features_drifted"] == [2]
    assert _published(aws) == {
        "CapturedRows": len(shifted),
        "FeaturesDrifted": 1,
        "MaxPopulationStabilityIndex": report["max_population_stability_index"],
    }


def test_a_check_on_requests_like_the_training_data_publishes_no_drift(aws, unseen) -> None:
    _capture(aws, unseen, hours_ago=0, name="a")
    report = _check(aws)
    assert report["features_drifted"] == []
    assert _published(aws)["FeaturesDrifted"] == 0


def test_too_few_requests_publish_only_their_count(aws, unseen) -> None:
    _capture(aws, unseen[: drift.MIN_ROWS - 1], hours_ago=2, name="a")
    report = _check(aws)
    assert report == {"rows": drift.MIN_ROWS - 1, "checked": False}
    assert _published(aws) == {"CapturedRows": drift.MIN_ROWS - 1}


def test_a_package_without_a_baseline_is_an_error(aws, register_package) -> None:
    package = register_package(aws["sagemaker"], model_data=None)
    aws["sagemaker"].create_model(
        ModelName="bare", Containers=[{"ModelPackageName": package}],
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/{config.SAGEMAKER_ROLE_NAME}",
    )
    aws["sagemaker"].create_endpoint_config(
        EndpointConfigName="bare-config",
        ProductionVariants=[{"VariantName": config.VARIANT_NAME, "ModelName": "bare",
                             "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
    )
    aws["sagemaker"].create_endpoint(EndpointName="bare", EndpointConfigName="bare-config")
    with pytest.raises(drift.DriftCheckError, match="no drift-check baseline"):
        drift.served_baseline_uri(aws["sagemaker"], "bare")


def test_the_baseline_command_writes_what_the_check_reads(tmp_path) -> None:
    paths = preprocess.main(["--input-dir", str(tmp_path / "none"),
                             "--output-dir", str(tmp_path / "data")])
    result = drift.main(["baseline", "--train-dir", str(paths["train"].parent),
                         "--output-dir", str(tmp_path / "baseline")])
    written = json.loads((tmp_path / "baseline" / "baseline.json").read_text())
    assert written == json.loads(json.dumps(result))
    assert len(written["features"]) == np.loadtxt(paths["train"], delimiter=",").shape[1] - 1


def test_the_drift_check_pipeline_watches_the_production_endpoint(make_bucket) -> None:
    """Built as `make train` upserts it: the check runs on the production endpoint's captured
    requests, encrypted with the project key."""
    with mock_aws():
        make_bucket(boto3.client("s3", region_name=config.region()), BUCKET)
        built = json.loads(get_drift_pipeline(role_arn=ROLE_ARN, bucket=BUCKET,
                                              kms_key=KMS_KEY).definition())
    parameters = {p["Name"]: p for p in built["Parameters"]}
    assert parameters["EndpointName"]["DefaultValue"] == config.ENDPOINTS[config.DRIFT_STAGE]
    assert parameters["LookbackHours"]["DefaultValue"] == config.DRIFT_LOOKBACK_HOURS
    [step] = built["Steps"]
    arguments = step["Arguments"]["AppSpecification"]["ContainerArguments"]
    assert arguments[0] == "check"
    options = dict(zip(arguments[1::2], arguments[2::2]))
    assert options["--endpoint-name"] == {"Get": "Parameters.EndpointName"}
    # Production's own bucket, read through its drift reader role.
    production_bucket = config.STAGE_BUCKETS[config.DRIFT_STAGE]
    assert options["--capture-uri"] == f"s3://{production_bucket}/{config.DATA_CAPTURE_PREFIX}"
    assert options["--endpoint-role-arn"] == config.DRIFT_READER_ROLE
    assert options["--namespace"] == config.DRIFT_METRIC_NAMESPACE
    assert float(options["--threshold"]) == config.DRIFT_PSI_THRESHOLD
    assert step["Arguments"]["ProcessingOutputConfig"]["KmsKeyId"] == KMS_KEY


def test_a_check_reads_the_endpoint_and_its_requests_in_productions_account(
    training, unseen, register_package, make_bucket
) -> None:
    """Production runs in an account of its own: the registry, the baseline and the published
    figures are the tooling account's; the endpoint and its captured requests are read through
    the drift reader role in production's account (moto keeps each account apart)."""
    region = config.region()
    production = config.DRIFT_READER_ROLE.split(":")[4]
    with mock_aws():
        s3 = boto3.client("s3", region_name=region)
        make_bucket(s3, BUCKET)
        sagemaker = boto3.client("sagemaker", region_name=region)
        package = _register_with_baseline(s3, sagemaker, training, register_package)
        remote = drift.endpoint_clients(config.DRIFT_READER_ROLE, region)
        endpoint = _serve(remote["endpoint_sagemaker"], package,
                          config.ENDPOINTS[config.DRIFT_STAGE], production)
        capture = remote["capture_s3"]
        production_bucket = make_bucket(capture, config.STAGE_BUCKETS[config.DRIFT_STAGE])
        shifted = unseen.copy()
        shifted[:, 1] += 3 * shifted[:, 1].std()
        _capture({"s3": capture, "bucket": production_bucket, "endpoint": endpoint},
                 shifted, hours_ago=1, name="a")
        # The tooling account sees no endpoint of that name: only the role reaches it.
        with pytest.raises(sagemaker.exceptions.ClientError):
            sagemaker.describe_endpoint(EndpointName=endpoint)
        report = drift.check(
            {"sagemaker": sagemaker, "s3": s3,
             "cloudwatch": boto3.client("cloudwatch", region_name=region), **remote},
            endpoint_name=endpoint,
            capture_uri=f"s3://{production_bucket}/{config.DATA_CAPTURE_PREFIX}",
            namespace=config.DRIFT_METRIC_NAMESPACE, threshold=config.DRIFT_PSI_THRESHOLD,
            hours=24, now=NOW,
        )
    assert report["rows"] == len(shifted)
    assert report["features_drifted"] == [1]
