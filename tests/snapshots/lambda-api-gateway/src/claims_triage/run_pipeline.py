"""Upsert the SageMaker pipeline and optionally start an execution (``make train``)."""

from __future__ import annotations

import argparse
import json

from . import config
from .pipeline import get_pipeline


def main(argv: list[str] | None = None) -> dict[str, str]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", action="store_true", help="start an execution after upsert")
    parser.add_argument("--triggered-by", default="ci")
    args = parser.parse_args(argv)
    role_arn = config.sagemaker_role_arn()
    pipeline = get_pipeline(role_arn=role_arn, bucket=config.artifact_bucket(),
                            kms_key=config.kms_key_arn(), data_uri=config.training_data_uri())
    result = {"PipelineArn": pipeline.upsert(role_arn=role_arn)["PipelineArn"]}
    if args.start:
        execution = pipeline.start(parameters={"TriggeredBy": args.triggered_by})
        result["PipelineExecutionArn"] = execution.arn
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
