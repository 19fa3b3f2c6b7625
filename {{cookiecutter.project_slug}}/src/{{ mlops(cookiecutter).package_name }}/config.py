{%- set p = mlops(cookiecutter) -%}
"""Names and settings chosen when the project was generated; environment variables override
the deployment-specific ones (CodeBuild sets them from the CI/CD stack)."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3

PROJECT_SLUG = "{{ p.slug }}"
GITHUB_REPOSITORY = "{{ cookiecutter.github_repository }}"
PLATFORM_STACK = "{{ p.platform_stack_name }}"
# The platform stack's exports are named <EXPORT_PREFIX>-<output>.
EXPORT_PREFIX = "{{ p.export_prefix }}"
REGION = "{{ cookiecutter.aws_region }}"
MODEL_PACKAGE_GROUP = "{{ p.model_package_group }}"
PIPELINE_NAME = "{{ p.sagemaker_pipeline_name }}"
SAGEMAKER_ROLE_NAME = "{{ p.sagemaker_role_name }}"
# The SageMaker framework images, resolved for the Region by the SageMaker SDK: the model's
# ({{ p.framework.title }}) trains and serves it; data preparation runs on scikit-learn's.
FRAMEWORK = "{{ p.framework.sdk_name }}"
FRAMEWORK_VERSION = "{{ p.framework.version }}"
FRAMEWORK_PY_VERSION = "{{ p.framework.py_version }}"
SKLEARN_FRAMEWORK_VERSION = "{{ p.sklearn_framework_version }}"
TRAINING_INSTANCE_TYPE = "{{ cookiecutter.training_instance_type }}"
# Data preparation, evaluation and the drift jobs: a general-purpose type the Region offers.
PROCESSING_INSTANCE_TYPE = "{{ p.processing_instance_type }}"
# Managed spot training resumes from checkpoints after an interruption; the wait (capacity
# included) covers the runtime.
TRAINING_SPOT = {{ p.spot_training }}
TRAINING_MAX_RUNTIME_SECONDS = {{ p.training_max_runtime_seconds }}
TRAINING_MAX_WAIT_SECONDS = {{ p.training_max_wait_seconds }}
{%- if p.compiles_for_edge %}
# SageMaker Neo compiles each model that passes evaluation for this edge device, at the
# framework version its edge table lists (the network is traced to TorchScript for it).
EDGE_TARGET_DEVICE = "{{ cookiecutter.edge_target_device }}"
NEO_FRAMEWORK = "{{ p.framework.neo_framework }}"
NEO_FRAMEWORK_VERSION = "{{ p.framework.neo_version }}"
{%- endif %}
# {{ cookiecutter.training_instance_type }} {{ "uses EBS volumes, encrypted with the project key" if p.training_volume_encryption else "has instance-store volumes, which SageMaker encrypts itself" }}.
ENCRYPT_TRAINING_VOLUMES = {{ "True" if p.training_volume_encryption else "False" }}
# The instance types the endpoints serve on, recorded in the model package{{ " (none: the endpoints are serverless)" if p.serverless }}.
INFERENCE_INSTANCE_TYPES: list[str] = {{ p.inference_instance_types | tojson }}
# The instance types batch transform runs on, recorded in the model package too.
TRANSFORM_INSTANCE_TYPES: list[str] = {{ p.transform_instance_types | tojson }}
ENDPOINTS = {{ p.endpoints | tojson }}
{%- if p.lambda_target %}
# Each stage's Lambda function, and the alias its {{ "HTTP API" if p.api_gateway else "function URL" }} serves, which CodeDeploy moves
# from version to version.
FUNCTIONS = {{ p.functions | tojson }}
LAMBDA_ALIAS = "{{ p.lambda_alias }}"
{%- endif %}
{%- if p.ecs_target %}
# Each stage's ECS service (and its cluster, of the same name), and the function that scores
# rows through its internal load balancer (ECS's deployment hook, and the smoke test).
SERVICES = {{ p.ecs_services | tojson }}
TRAFFIC_CHECKS = {{ p.traffic_checks | tojson }}
# The VPC the services' load balancers and security groups are created in.
VPC_ID = "{{ cookiecutter.vpc_id }}"
{%- endif %}
STACKS = {{ p.stack_names | tojson }}
# New training data lands under this prefix of the data bucket; empty: the bundled dataset.
NEW_DATA_PREFIX = {{ p.new_data_prefix | tojson }}
# The AWS account each stage deploys to, from the org profile (none: any account), and the
# tooling account that keeps the model registry (empty: not named).
ACCOUNTS = {{ p.stage_accounts | tojson }}
TOOLING_ACCOUNT = "{{ p.tooling_account }}"
# The role that reaches a stage the org profile puts in another account than tooling.
STAGE_ROLES = {{ p.stage_deployer_roles | tojson }}
VARIANT_NAME = "{{ p.variant_name }}"
{%- if p.vpc_subnets %}
# Training and processing jobs run in these subnets (which need routes or VPC endpoints to S3,
# SageMaker, ECR, CloudWatch and CloudWatch Logs), with traffic between instances encrypted.
VPC_SUBNETS = {{ p.vpc_subnets | tojson }}
VPC_SECURITY_GROUPS = {{ p.vpc_security_groups | tojson }}
{%- if p.model_networks %}
# Each stage's {{ "service" if p.ecs_target else "functions" if p.lambda_target else "model" }} {{ "run" if p.lambda_target else "runs" }} in its account's network: the subnets above in the tooling account,
# those the org profile names in a stage account of its own{% if p.ecs_target %} (with their VPC){% endif %}.
MODEL_NETWORKS = {{ p.model_networks | tojson }}
{%- endif %}
{%- endif %}
{%- if p.airflow %}
# The training DAG on Amazon MWAA: its id and file (dags/<module>.py, its job definitions in
# dags/<module>.json), the environment ({{ "infra/mwaa.yaml creates it" if p.mwaa_created else "an existing one" }}; MWAA says where it reads
# DAGs), what its SageMaker jobs are named after, and the topic a failed run is reported to.
DAG_ID = "{{ p.dag_id }}"
DAG_MODULE = "{{ p.dag_module }}"
MWAA_ENVIRONMENT = "{{ p.mwaa_environment_name }}"
{%- if p.mwaa_created %}
MWAA_DAGS_PREFIX = "{{ p.mwaa_dags_prefix }}"
{%- endif %}
JOB_BASE = "{{ p.airflow_job_base }}"
ALERTS_TOPIC = "{{ p.names["alerts-topic"] }}"
{%- endif %}
{%- if p.multi_model %}
# The multi-model endpoints serve every target model (v<version>.tar.gz) a stage has published
# under its prefix of the artifact bucket{% if p.multi_model_uploads_code %}; the build stage puts the inference code the
# containers import under the code prefix{% else %}, each with the inference code the container imports for it{% endif %}.
MULTI_MODEL_PREFIXES = {{ p.multi_model_prefixes | tojson }}
{%- if p.multi_model_uploads_code %}
MULTI_MODEL_CODE_PREFIX = "{{ p.multi_model_code_prefix }}"
{%- endif %}
{%- endif %}
{%- if p.batch %}
# Each stage's batch transform pipeline.
BATCH_PIPELINES = {{ p.batch_pipelines | tojson }}
# Each stage's batch locations in the data bucket: input (scheduled runs score all of it, and
# each new object is scored on its own), output (then the execution id) and the smoke test's.
BATCH_PREFIXES = {{ p.batch_prefixes | tojson }}
{%- endif %}
{%- if p.stage_buckets %}
# Stages in accounts of their own keep their {{ p.stage_bucket_contents }} in a bucket of their own there.
STAGE_BUCKETS = {{ p.stage_buckets | tojson }}
{%- endif %}
{%- if p.asynchronous %}
# Asynchronous endpoints read requests and write results under this prefix of the artifact
# bucket (then the endpoint name).
ASYNC_PREFIX = "{{ p.async_output_prefix }}"
{%- endif %}
{%- if p.retrains_on_drift %}
# The drift check: its pipeline, the stage it watches, where the endpoints capture requests
# (under the artifact bucket), the CloudWatch namespace it publishes to, the PSI at which a
# feature counts as drifted, and how far back each check looks.
DRIFT_PIPELINE_NAME = "{{ p.drift_pipeline_name }}"
DRIFT_STAGE = "{{ p.drift_stage.name }}"
DATA_CAPTURE_PREFIX = "{{ p.data_capture_prefix }}"
DRIFT_METRIC_NAMESPACE = "{{ p.drift_metric_namespace }}"
DRIFT_PSI_THRESHOLD = {{ p.drift_psi_threshold }}
DRIFT_LOOKBACK_HOURS = {{ p.drift_lookback_hours }}
{%- if p.cross_account_drift %}
# Production runs in an account of its own: its endpoint captures into its bucket there
# (STAGE_BUCKETS), and the check reads both through the drift reader role there.
DRIFT_READER_ROLE = "{{ p.drift_reader_role_arn }}"
{%- endif %}
{%- endif %}
# The metric the pipeline's condition step gates registration on.
MIN_ROC_AUC = 0.95


def region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or REGION
{%- if p.compiles_for_edge %}


def edge_arguments(region: str) -> list[str]:
    """The arguments of the edge compilation job (edge.py), which runs where nothing of this
    package is installed."""
    return ["--target-device", EDGE_TARGET_DEVICE, "--framework", NEO_FRAMEWORK,
            "--framework-version", NEO_FRAMEWORK_VERSION, "--project", PROJECT_SLUG,
            "--region", region]
{%- endif %}


def stage_session(stage: str) -> boto3.Session:
    """A session in ``stage``'s account: through its deployer role when the stage has an
    account of its own and the caller is elsewhere (the tooling account's smoke test), else
    the caller's own credentials."""
    import boto3

    session = boto3.Session(region_name=region())
    role = STAGE_ROLES.get(stage)
    if not role or session.client("sts").get_caller_identity()["Account"] == ACCOUNTS[stage]:
        return session
    credentials = session.client("sts").assume_role(
        RoleArn=role, RoleSessionName=f"{PROJECT_SLUG}-{stage}-smoke-test"[:64])["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=region())


def platform_output(key: str) -> str:
    """An output of the platform stack (read once per process)."""
    outputs = _platform_outputs()
    if key not in outputs:
        raise RuntimeError(f"the stack {PLATFORM_STACK} has no output {key}; deploy it first")
    return outputs[key]


@functools.cache
def _platform_outputs() -> dict[str, str]:
    import boto3

    stack = boto3.client("cloudformation", region_name=region()).describe_stacks(
        StackName=PLATFORM_STACK
    )["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def artifact_bucket() -> str:
    """The platform's artifact bucket (ARTIFACT_BUCKET, else the platform stack's output)."""
    return os.environ.get("ARTIFACT_BUCKET") or platform_output("ArtifactBucketName")
{%- if p.asynchronous or p.multi_model %}


def stage_bucket(stage: str) -> str:
    """The bucket the stage's {{ "multi-model endpoint loads its published versions from" if p.multi_model else "asynchronous endpoint reads requests from and writes results to" }}:
    {% if p.stage_buckets %}the stage's own in an account of its own, else {% endif %}the artifact bucket."""
{%- if p.stage_buckets %}
    return STAGE_BUCKETS.get(stage) or artifact_bucket()
{%- else %}
    return artifact_bucket()
{%- endif %}
{%- endif %}


def training_data_uri() -> str | None:
    """Where the pipeline reads its training data (DATA_BUCKET, else the platform stack's data
    bucket, under NEW_DATA_PREFIX); None: the dataset bundled with scikit-learn."""
    if not NEW_DATA_PREFIX:
        return None
    return f"s3://{data_bucket()}/{NEW_DATA_PREFIX}"


def data_bucket() -> str:
    """The platform's data bucket (DATA_BUCKET, else the platform stack's output)."""
    return os.environ.get("DATA_BUCKET") or platform_output("DataBucketName")
{%- if p.batch %}


def batch_uri(stage: str, kind: str) -> str:
    """A stage's batch location: ``input``, ``output`` or ``smoke``{% if p.stage_buckets %} (in the stage's own
    bucket when it has an account of its own){% endif %}."""
{%- if p.stage_buckets %}
    bucket = STAGE_BUCKETS.get(stage) or data_bucket()
    return f"s3://{bucket}/{BATCH_PREFIXES[stage][kind]}"
{%- else %}
    return f"s3://{data_bucket()}/{BATCH_PREFIXES[stage][kind]}"
{%- endif %}
{%- endif %}


def sagemaker_role_arn() -> str:
    """The SageMaker execution role (SAGEMAKER_ROLE_ARN, else the platform stack's output)."""
    return os.environ.get("SAGEMAKER_ROLE_ARN") or platform_output("SageMakerExecutionRoleArn")


def kms_key_arn() -> str:
    """The project's KMS key (KMS_KEY_ARN, else the platform stack's output)."""
    return os.environ.get("KMS_KEY_ARN") or platform_output("ProjectKeyArn")
{%- if p.byoc %}


def serving_image_uri() -> str:
    """The serving image the model package registers: SERVING_IMAGE_URI, else the platform's
    repository at IMAGE_TAG (the commit `make image` pushed)."""
    if os.environ.get("SERVING_IMAGE_URI"):
        return os.environ["SERVING_IMAGE_URI"]
    tag = os.environ.get("IMAGE_TAG")
    if not tag:
        raise RuntimeError("set IMAGE_TAG to the commit whose image `make image` pushed")
    return f"{platform_output('ServingRepositoryUri')}:{tag}"
{%- endif %}


def cloudformation_role_arn() -> str:
    """The role CloudFormation deploys the model service with."""
    return platform_output("CloudFormationDeployRoleArn")
