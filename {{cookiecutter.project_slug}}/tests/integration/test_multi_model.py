{%- set p = mlops(cookiecutter) -%}
"""The multi-model endpoints against moto's S3 and model registry: the build stage {% if p.multi_model_uploads_code %}uploads the
inference code and {% endif %}names the image; each stage's deployment publishes the approved version as
a target model under the stage's prefix; a request names the target model it wants, and gets
that version's predictions{% if not p.multi_model_uploads_code %}, served by the inference code packed with that version{% endif %}."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import tarfile
from pathlib import Path
from urllib.parse import urlparse

import boto3
import numpy as np
import pytest
{%- if p.pytorch %}
import torch
{%- endif %}
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from {{ p.package_name }} import config, deploy, inference, preprocess, smoke, train

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-{{ p.framework.option }}:{{ p.framework.version }}{{ "-cpu-py3" if p.sklearn }}"
BUCKET = "{{ p.slug }}-artifacts-test"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = cfn_yaml.load(str(PROJECT_ROOT / "infra" / "model-service.yaml"))


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory, train_small) -> dict[str, bytes]:
    """Two model versions, as the training pipeline registers them: model.tar.gz holding the
    fitted model (and the inference code the SDK packs next to it). They score differently."""
    archives = {}
    for version, size in (("small", 2), ("large", 40)):
        model_dir = tmp_path_factory.mktemp(version)
        train_small(model_dir, size)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(model_dir / train.MODEL_FILE, arcname=train.MODEL_FILE)
            archive.add(inference.__file__, arcname="code/inference.py")
        archives[version] = buffer.getvalue()
    return archives


@pytest.fixture
def aws(monkeypatch, artifacts, register_package, make_bucket):
    """moto with the artifact bucket, the model registry and two Approved versions."""
    with mock_aws():
        monkeypatch.setenv("ARTIFACT_BUCKET", BUCKET)
        s3 = boto3.client("s3", region_name=config.region())
        make_bucket(s3, BUCKET)
        sagemaker = boto3.client("sagemaker", region_name=config.region())
        sagemaker.create_model_package_group(ModelPackageGroupName=config.MODEL_PACKAGE_GROUP)
        packages = {}
        for version, archive in artifacts.items():
            key = f"{config.PIPELINE_NAME}/models/{version}/output/model.tar.gz"
            s3.put_object(Bucket=BUCKET, Key=key, Body=archive)
            packages[version] = register_package(sagemaker, "Approved", image=IMAGE,
                                                 model_data=f"s3://{BUCKET}/{key}")
        yield {"s3": s3, "sagemaker": sagemaker, "packages": packages, "artifacts": artifacts}


def _published(s3, stage: str) -> dict[str, bytes]:
    prefix = config.MULTI_MODEL_PREFIXES[stage]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {item["Key"].removeprefix(prefix): s3.get_object(Bucket=BUCKET, Key=item["Key"])[
        "Body"].read() for item in listed}


def test_params_name_the_serving_container_the_stacks_accept(aws, tmp_path) -> None:
    newest = aws["packages"]["large"]
    written = deploy.main(["params", "--config-dir", str(PROJECT_ROOT / "infra" / "config"),
                           "--out-dir", str(tmp_path)])
    assert sorted(p.name for p in written) == sorted(
        [f"{s}.json" for s in config.STACKS] + [deploy.PACKAGE_FILE])
    declared = TEMPLATE["Parameters"]
    for stage in config.STACKS:
        parameters = json.loads((tmp_path / f"{stage}.json").read_text())["Parameters"]
        # The stack's parameters: none it does not declare, every one without a default,
        # and each value one the template accepts.
        assert set(parameters) <= set(declared)
        assert {n for n, d in declared.items() if "Default" not in d} <= set(parameters)
        for name, value in parameters.items():
            pattern = declared[name].get("AllowedPattern")
            assert pattern is None or re.fullmatch(pattern, value), (name, value)
        assert parameters["ServingImage"] == IMAGE
    package = json.loads((tmp_path / deploy.PACKAGE_FILE).read_text())
    assert package == {"ModelPackageArn": newest}
{%- if p.multi_model_uploads_code %}
    code = urlparse(parameters["ServingCodeUri"])
    archive = aws["s3"].get_object(Bucket=code.netloc, Key=code.path.lstrip("/"))["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as unpacked:
        assert unpacked.getnames() == ["inference.py"]
        uploaded = unpacked.extractfile("inference.py").read()
    assert uploaded == Path(inference.__file__).read_bytes()


def test_unchanged_inference_code_keeps_its_uri(aws) -> None:
    """The same code gives the same archive, so a deployment changes no stack for it."""
    first = deploy.upload_serving_code(aws["s3"], BUCKET)
    assert deploy.upload_serving_code(aws["s3"], BUCKET) == first
    changed = deploy.upload_serving_code(aws["s3"], BUCKET, deploy.sourcedir_archive(
        Path(train.__file__)))
    assert changed != first
{%- else %}
    # Nothing is uploaded: each version's archive carries its inference code.
    assert "ServingCodeUri" not in parameters
    assert not aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="multi-model/").get("Contents")
{%- endif %}


def test_each_deployment_publishes_its_version_to_its_stage_only(aws) -> None:
    s3, sagemaker, packages = aws["s3"], aws["sagemaker"], aws["packages"]
    deploy.publish(sagemaker, s3, packages["small"], "staging", BUCKET)
    deploy.publish(sagemaker, s3, packages["large"], "staging", BUCKET)
    uri = deploy.publish(sagemaker, s3, packages["large"], "prod", BUCKET)
    small, large = (deploy.target_model(packages[v]) for v in ("small", "large"))
    assert (small, large) == ("v1.tar.gz", "v2.tar.gz")
    source = {v: s3.get_object(Bucket=BUCKET, Key=f"{config.PIPELINE_NAME}/models/{v}/output/"
                               "model.tar.gz")["Body"].read() for v in packages}
    assert _published(s3, "staging") == {small: source["small"], large: source["large"]}
    assert _published(s3, "prod") == {large: source["large"]}
    assert uri == f"s3://{BUCKET}/{config.MULTI_MODEL_PREFIXES['prod']}{large}"


def test_a_published_version_is_never_replaced(aws) -> None:
    """SageMaker may have loaded it: the same target model keeps the same artifact."""
    s3, sagemaker, packages = aws["s3"], aws["sagemaker"], aws["packages"]
    deploy.publish(sagemaker, s3, packages["small"], "staging", BUCKET)
    before = _published(s3, "staging")
    artifact = urlparse(deploy.serving_container(sagemaker, packages["small"])["ModelDataUrl"])
    s3.put_object(Bucket=artifact.netloc, Key=artifact.path.lstrip("/"), Body=b"retrained")
    deploy.publish(sagemaker, s3, packages["small"], "staging", BUCKET)
    assert _published(s3, "staging") == before


@pytest.mark.parametrize("stage", sorted(config.STACKS))
def test_the_publish_command_publishes_the_resolved_package(aws, make_bucket, tmp_path,
                                                            stage) -> None:
    """Into the stage's bucket{% if p.stage_buckets %}: a stage in an account of its own is reached through its
    deployer role (moto's STS answers for the account of the role assumed){% endif %}."""
    deploy.main(["params", "--config-dir", str(PROJECT_ROOT / "infra" / "config"),
                 "--out-dir", str(tmp_path)])
    session = config.stage_session(stage)
    assert session.client("sts").get_caller_identity()["Account"] == config.ACCOUNTS.get(
        stage, "123456789012")
    stage_s3 = session.client("s3")
{%- if p.stage_buckets %}
    if stage in config.STAGE_BUCKETS:
        make_bucket(stage_s3, config.STAGE_BUCKETS[stage])
{%- endif %}
    uri = deploy.main(["publish", "--stage", stage, "--params-dir", str(tmp_path)])
    newest = deploy.target_model(aws["packages"]["large"])
    assert uri == f"s3://{config.stage_bucket(stage)}/{config.MULTI_MODEL_PREFIXES[stage]}{newest}"
    published = stage_s3.get_object(Bucket=config.stage_bucket(stage),
                                    Key=config.MULTI_MODEL_PREFIXES[stage] + newest)
    assert published["Body"].read() == aws["artifacts"]["large"]


def _import_handler(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    handler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler)
    return handler


class MultiModelContainer:
    """What the SageMaker {{ p.framework.title }} image does on a multi-model endpoint, in this process:
{%- if p.multi_model_uploads_code %}
    it imports inference.py from ``SAGEMAKER_SUBMIT_DIRECTORY`` (the archive the build stage
    uploaded) when it starts, and loads a target model from ``<ModelDataUrl><TargetModel>``
    the first time a request names it."""

    def __init__(self, s3, code_uri: str, model_data_url: str, workdir: Path) -> None:
        self.s3, self.model_data_url, self.workdir = s3, model_data_url, workdir
        code_dir = self._extract(code_uri, workdir / "code")
        self.handler = _import_handler(code_dir / "inference.py", "served_inference")
        self.handlers: dict[str, object] = {}
        self.loaded: dict[str, object] = {}

    def _handler(self, model_dir: Path):
        return self.handler
{%- else %}
    it loads a target model from ``<ModelDataUrl><TargetModel>`` the first time a request names
    it, and imports inference.py from that target's own ``code/`` directory (TorchServe runs
    each target's handler in workers of its own)."""

    def __init__(self, s3, model_data_url: str, workdir: Path) -> None:
        self.s3, self.model_data_url, self.workdir = s3, model_data_url, workdir
        self.handlers: dict[str, object] = {}
        self.loaded: dict[str, object] = {}

    def _handler(self, model_dir: Path):
        return _import_handler(model_dir / "code" / "inference.py",
                               f"served_inference_{len(self.handlers)}")
{%- endif %}

    def _extract(self, uri: str, directory: Path) -> Path:
        location = urlparse(uri)
        body = self.s3.get_object(Bucket=location.netloc, Key=location.path.lstrip("/"))["Body"]
        with tarfile.open(fileobj=io.BytesIO(body.read())) as archive:
            archive.extractall(directory, filter="data")
        return directory

    def invoke(self, target_model: str, body: str, content_type: str = "text/csv",
               accept: str = "application/json") -> dict:
        if target_model not in self.loaded:
            model_dir = self._extract(self.model_data_url + target_model,
                                      self.workdir / "models" / target_model)
            self.handlers[target_model] = self._handler(model_dir)
            self.loaded[target_model] = self.handlers[target_model].model_fn(str(model_dir))
        handler, model = self.handlers[target_model], self.loaded[target_model]
        data = handler.input_fn(body, content_type)
        answer, _ = handler.output_fn(handler.predict_fn(data, model), accept)
        return json.loads(answer)


def test_a_request_gets_the_predictions_of_the_target_model_it_names(aws, tmp_path) -> None:
    s3, sagemaker, packages = aws["s3"], aws["sagemaker"], aws["packages"]
    for package in packages.values():
        deploy.publish(sagemaker, s3, package, "staging", BUCKET)
{%- if p.multi_model_uploads_code %}
    code_uri = deploy.upload_serving_code(s3, BUCKET)
    container = MultiModelContainer(
        s3, code_uri, f"s3://{BUCKET}/{config.MULTI_MODEL_PREFIXES['staging']}", tmp_path)
{%- else %}
    container = MultiModelContainer(
        s3, f"s3://{BUCKET}/{config.MULTI_MODEL_PREFIXES['staging']}", tmp_path)
{%- endif %}
    rows, _ = preprocess.load_dataset(None)
    body = smoke.csv_body(rows[:8])
    scores = {}
    for version, package in packages.items():
        answer = container.invoke(deploy.target_model(package), body)
        scores[version] = [p["score"] for p in answer["predictions"]]
        # What that version's own model says about the same rows.
        model_dir = container.workdir / "models" / deploy.target_model(package)
{%- if p.pytorch %}
        expected = train.load(model_dir / train.MODEL_FILE)(
            torch.as_tensor(rows[:8], dtype=torch.float32)).detach().numpy()
{%- else %}
        expected = train.load(model_dir / train.MODEL_FILE).predict_proba(rows[:8])[:, 1]
{%- endif %}
        np.testing.assert_allclose(scores[version], expected)
    assert scores["small"] != scores["large"]
    with pytest.raises(s3.exceptions.NoSuchKey):  # SageMaker answers "model not found"
        container.invoke("v99.tar.gz", body)


def _serve(sagemaker, endpoint_name: str, model_data_url: str, mode: str = "MultiModel") -> None:
    sagemaker.create_model(
        ModelName=f"{endpoint_name}-model",
        PrimaryContainer={"Image": IMAGE, "Mode": mode, "ModelDataUrl": model_data_url},
        ExecutionRoleArn="arn:aws:iam::123456789012:role/{{ p.sagemaker_role_name }}",
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{endpoint_name}-config",
        ProductionVariants=[{"VariantName": config.VARIANT_NAME,
                             "ModelName": f"{endpoint_name}-model",
                             "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
    )
    sagemaker.create_endpoint(EndpointName=endpoint_name,
                              EndpointConfigName=f"{endpoint_name}-config")


def test_smoke_check_accepts_a_published_target_model(aws) -> None:
    s3, sagemaker, packages = aws["s3"], aws["sagemaker"], aws["packages"]
    endpoint = config.ENDPOINTS["staging"]
    prefix = f"s3://{BUCKET}/{config.MULTI_MODEL_PREFIXES['staging']}"
    _serve(sagemaker, endpoint, prefix)
    deploy.publish(sagemaker, s3, packages["small"], "staging", BUCKET)
    live = smoke.verify_endpoint(sagemaker, s3, endpoint, "v1.tar.gz", prefix)
    assert live["ModelName"] == f"{endpoint}-model"
    with pytest.raises(smoke.SmokeTestError, match="v2.tar.gz is not published"):
        smoke.verify_endpoint(sagemaker, s3, endpoint, "v2.tar.gz", prefix)
    prod_prefix = f"s3://{BUCKET}/{config.MULTI_MODEL_PREFIXES['prod']}"
    with pytest.raises(smoke.SmokeTestError, match="expected"):
        smoke.verify_endpoint(sagemaker, s3, endpoint, "v1.tar.gz", prod_prefix)


def test_smoke_check_rejects_a_single_model_endpoint(aws) -> None:
    endpoint = config.ENDPOINTS["staging"]
    prefix = f"s3://{BUCKET}/{config.MULTI_MODEL_PREFIXES['staging']}"
    _serve(aws["sagemaker"], endpoint, prefix + "v1.tar.gz", mode="SingleModel")
    with pytest.raises(smoke.SmokeTestError, match="SingleModel"):
        smoke.verify_endpoint(aws["sagemaker"], aws["s3"], endpoint, "v1.tar.gz", prefix)


def test_smoke_requests_name_their_target_model(aws) -> None:
    """The request carries the target model's name (the X-Amzn-SageMaker-Target-Model
    header); moto answers with the result queued through its own configuration API."""
    import requests

    requests.post("http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results",
                  json={"region": config.region(), "results": [
                      {"Body": json.dumps({"predictions": [{"score": 0.75, "label": 1}]}),
                       "ContentType": "application/json"}]}, timeout=5)
    runtime = boto3.client("sagemaker-runtime", region_name=config.region())
    sent = []
    runtime.meta.events.register("before-send.sagemaker-runtime.InvokeEndpoint",
                                 lambda request, **_: sent.append(dict(request.headers)))
    predictions = smoke.invoke(runtime, config.ENDPOINTS["staging"], [[1.0, 2.0]], "v2.tar.gz")
    assert predictions == [{"score": 0.75, "label": 1}]
    assert sent[0]["X-Amzn-SageMaker-Target-Model"] == b"v2.tar.gz"
