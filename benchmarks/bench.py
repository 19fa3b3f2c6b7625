"""Timings measured in one run, as ratios against baselines measured in the same run.

1. ``mlopscutter new --no-input`` against plain ``cookiecutter --no-input`` on the same
   template and answers (both as fresh CLI processes, interleaved, median of N runs).
2. Rendering and linting the whole pairwise matrix (in-process, one cfn-lint Runner per
   Region), with the per-project cost of rendering and of linting.

    python benchmarks/bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT / "generator"), str(REPO_ROOT)]

from mlopscutter.lint import CfnLinter, lint_project  # noqa: E402
from mlopscutter.main import render_project  # noqa: E402
from mlopscutter.matrix import pairwise_answers  # noqa: E402
from mlopscutter.workflow_lint import lint_workflows  # noqa: E402

BIN = Path(sys.executable).parent
ANSWERS = [
    "project_name=Bench Model",
    "deployment_strategy=linear",
    "linear_step_percent=50",
    "retrain_schedule=rate(7 days)",
]


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench_new(runs: int) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "generator"), str(REPO_ROOT)]),
    }
    ours, plain = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env["HOME"] = tmp  # no user cookiecutter config, replay files land here
        for i in range(runs):
            ours.append(
                _timed(
                    [
                        str(BIN / "mlopscutter"),
                        "new",
                        str(REPO_ROOT),
                        "--no-input",
                        "-o",
                        f"{tmp}/ours{i}",
                        *ANSWERS,
                    ],
                    env,
                )
            )
            plain.append(
                _timed(
                    [
                        str(BIN / "cookiecutter"),
                        str(REPO_ROOT),
                        "--no-input",
                        "-o",
                        f"{tmp}/plain{i}",
                        *ANSWERS,
                    ],
                    env,
                )
            )
    return {
        "mlopscutter_new_s": statistics.median(ours),
        "cookiecutter_s": statistics.median(plain),
        "ratio": statistics.median(ours) / statistics.median(plain),
    }


def bench_matrix() -> dict[str, float]:
    rows = pairwise_answers()
    linters: dict[str, CfnLinter] = {}
    render_s = lint_s = workflow_s = 0.0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for index, answers in enumerate(rows):
            t0 = time.perf_counter()
            project = render_project(answers, Path(tmp) / str(index), str(REPO_ROOT))
            t1 = time.perf_counter()
            region = answers["aws_region"]
            linter = linters.setdefault(region, CfnLinter([region]))
            findings = lint_project(project, cfn_linter=linter)
            t2 = time.perf_counter()
            workflows = lint_workflows(project)
            t3 = time.perf_counter()
            render_s += t1 - t0
            lint_s += t2 - t1
            workflow_s += t3 - t2
            if workflows.skipped:
                raise SystemExit(f"workflow linters missing: {workflows.skipped}")
            if findings or workflows.findings:
                first = (findings or workflows.findings)[0]
                raise SystemExit(f"matrix row {index} is not clean: {first}")
    total = time.perf_counter() - start
    return {
        "rows": len(rows),
        "total_s": total,
        "render_per_project_s": render_s / len(rows),
        "lint_per_project_s": lint_s / len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    new = bench_new(args.runs)
    print(f"mlopscutter new   median {new['mlopscutter_new_s']:.3f} s  ({args.runs} runs)")
    print(f"cookiecutter      median {new['cookiecutter_s']:.3f} s  ({args.runs} runs)")
    print(f"ratio             {new['ratio']:.2f}  (target <= 1.3)")
    matrix = bench_matrix()
    print(
        f"pairwise matrix   {matrix['rows']} projects rendered and linted in "
        f"{matrix['total_s']:.1f} s  (target <= 180 s)"
    )
    print(
        f"  per project     render {matrix['render_per_project_s']:.3f} s, "
        f"lint {matrix['lint_per_project_s']:.3f} s (cfn-lint, YAML/JSON parse, buildspecs)"
    )
    print(
        f"  workflows       {matrix['workflow_lint_per_project_s']:.3f} s per project "
        f"(actionlint, zizmor, schema; {matrix['projects_with_workflows']} projects)"
    )


if __name__ == "__main__":
    main()
