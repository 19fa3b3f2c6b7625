"""Timings measured in one run, as ratios against baselines measured in the same run.

1. ``mlopscutter new --no-input`` against plain ``cookiecutter --no-input`` on the same
   template and answers (both as fresh CLI processes, interleaved, median of N runs).
2. ``mlopscutter update`` against ``cruft update`` bringing copies of the same project (with a
   local edit) from template v1 to v2 (both as fresh CLI processes, interleaved, median of N
   runs); the two results are checked to be the same tree.
3. Rendering and linting the whole pairwise matrix (in-process, one cfn-lint Runner per
   Region), with the per-project cost of rendering and of linting.

    python benchmarks/bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT / "generator"), str(REPO_ROOT)]

from mlopscutter.lint import CfnLinter, lint_project  # noqa: E402
from mlopscutter.main import render_project  # noqa: E402
from mlopscutter.matrix import pairwise_answers  # noqa: E402
from mlopscutter.security_lint import run_checkov  # noqa: E402
from mlopscutter.workflow_lint import (  # noqa: E402
    run_actionlint,
    run_workflow_schema,
    run_zizmor,
)
from tests.helpers import git, make_template_repo, read_tree  # noqa: E402

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


def bench_update(runs: int) -> dict[str, float]:
    """Copies of one project (created at template v1, then edited) updated to template v2, by
    ``mlopscutter update`` and by ``cruft update``; both must give the same tree."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "generator"), str(REPO_ROOT)]),
    }
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env["HOME"] = tmp
        work = Path(tmp)
        template = make_template_repo(work / "template")
        subprocess.run(
            [
                str(BIN / "mlopscutter"),
                "new",
                str(template),
                "--no-input",
                "-o",
                str(work),
                *ANSWERS,
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        project = work / "bench-model"
        readme = project / "README.md"
        readme.write_text(readme.read_text().replace("## What was chosen", "## Chosen (ours)"))
        git("init", "-q", "-b", "main", cwd=project)
        git("add", "-A", cwd=project)
        git("commit", "-qm", "created, then edited", cwd=project)
        template_readme = template / "{{cookiecutter.project_slug}}" / "README.md"
        template_readme.write_text(template_readme.read_text() + "\nTemplate v2 adds this.\n")
        git("commit", "-qam", "template v2", cwd=template)
        results = {}
        for i in range(runs):
            for name, command, times in (
                ("ours", [str(BIN / "mlopscutter"), "update", "--no-input"], ours),
                ("cruft", [str(BIN / "cruft"), "update", "-y"], theirs),
            ):
                copy = work / f"{name}{i}"
                shutil.copytree(project, copy, symlinks=True)
                start = time.perf_counter()
                subprocess.run(command, check=True, env=env, cwd=copy, stdout=subprocess.DEVNULL)
                times.append(time.perf_counter() - start)
                results[name] = {
                    k: v
                    for k, v in read_tree(copy).items()
                    if not k.startswith(".git/") and k != ".cruft.json"
                }
        if results["ours"] != results["cruft"]:
            raise SystemExit("mlopscutter update and cruft update gave different trees")
        if "Template v2 adds this." not in results["ours"]["README.md"].decode():
            raise SystemExit("the update did not arrive")
    return {
        "mlopscutter_update_s": statistics.median(ours),
        "cruft_update_s": statistics.median(theirs),
        "ratio": statistics.median(ours) / statistics.median(theirs),
    }


def bench_matrix() -> dict[str, Any]:
    """Render and lint every matrix row; seconds per linter, summed over the projects."""
    rows = pairwise_answers()
    linters: dict[str, CfnLinter] = {}
    seconds = dict.fromkeys(
        [
            "render",
            "cfn-lint + parse + buildspecs",
            "actionlint",
            "zizmor",
            "workflow schema",
            "checkov",
        ],
        0.0,
    )
    with_workflows = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        projects = []
        for index, answers in enumerate(rows):
            t0 = time.perf_counter()
            project = render_project(answers, Path(tmp) / str(index), str(REPO_ROOT))
            seconds["render"] += time.perf_counter() - t0
            projects.append(project)
            region = answers["aws_region"]
            linter = linters.setdefault(region, CfnLinter([region]))
            findings = _timed_call(
                seconds,
                "cfn-lint + parse + buildspecs",
                lint_project,
                project,
                cfn_linter=linter,
            )
            workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
            if workflows:
                with_workflows += 1
                for name, run in (
                    ("actionlint", run_actionlint),
                    ("zizmor", run_zizmor),
                    ("workflow schema", run_workflow_schema),
                ):
                    outcome = _timed_call(seconds, name, run, workflows, project)
                    if isinstance(outcome, str):
                        raise SystemExit(f"not run: {outcome}")
                    findings += outcome
            if findings:
                raise SystemExit(f"matrix row {index} is not clean: {findings[0]}")
        security = _timed_call(
            seconds, "checkov", run_checkov, [p / "infra" for p in projects], Path(tmp)
        )
        if isinstance(security, str) or security:
            raise SystemExit(f"checkov: {security if isinstance(security, str) else security[0]}")
    return {
        "rows": len(rows),
        "total_s": time.perf_counter() - start,
        "seconds": seconds,
        "with_workflows": with_workflows,
    }


def _timed_call(seconds: dict[str, float], name: str, call: Any, *args: Any, **kwargs: Any) -> Any:
    t0 = time.perf_counter()
    result = call(*args, **kwargs)
    seconds[name] += time.perf_counter() - t0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    new = bench_new(args.runs)
    print(f"mlopscutter new   median {new['mlopscutter_new_s']:.3f} s  ({args.runs} runs)")
    print(f"cookiecutter      median {new['cookiecutter_s']:.3f} s  ({args.runs} runs)")
    print(f"ratio             {new['ratio']:.2f}  (target <= 1.3)")
    updated = bench_update(args.runs)
    print(f"mlopscutter update median {updated['mlopscutter_update_s']:.3f} s  ({args.runs} runs)")
    print(f"cruft update       median {updated['cruft_update_s']:.3f} s  ({args.runs} runs)")
    print(f"ratio              {updated['ratio']:.2f}  (target <= 1.0)")
    matrix = bench_matrix()
    rows, with_workflows = matrix["rows"], matrix["with_workflows"]
    print(
        f"pairwise matrix   {rows} projects rendered and linted, checkov included, in "
        f"{matrix['total_s']:.1f} s  (target <= 180 s)"
    )
    for name, total in sorted(matrix["seconds"].items(), key=lambda item: -item[1]):
        projects = with_workflows if name in ("actionlint", "zizmor", "workflow schema") else rows
        print(
            f"  {name:<30} {total:6.1f} s in all, {total / projects:.3f} s per project "
            f"({projects} projects)"
        )


if __name__ == "__main__":
    main()
