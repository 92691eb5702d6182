# Two targets do all set-up on a fresh machine: `make demo` and `make test`.
PY      ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
DEMO    := build/demo
BATCH   ?= 1024

.PHONY: demo test install traces docs clean results results-search

$(VPY):
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip

# torch is pinned to the CPU build that lies on this project's machines; installing it
# first keeps pip from resolving an unpinned (multi-GB CUDA) torch for other packages.
$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install -q torch==2.13.0
	$(VPY) -m pip install -q -e ".[models,dev,parquet]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p $(DEMO)
	$(VENV)/bin/recsys export dlrm -o $(DEMO)/model.onnx
	$(VENV)/bin/pimcompile $(DEMO)/model.onnx -o $(DEMO)/mapping.json --report
	$(VENV)/bin/pimsim run $(DEMO)/mapping.json --batch $(BATCH) --trace $(DEMO)/trace.json
	@echo "demo outputs: $(DEMO)/model.onnx $(DEMO)/mapping.json $(DEMO)/trace.json"

# All stages always run; the target fails at the end if any failed, so one failing stage does not hide the others'
# results.  The first stage lints and type-checks (ruff and mypy, configured in pyproject.toml; mypy takes ~40 s
# cold, ~2 s once its cache under build/ is warm).
test: $(STAMP)
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/mypy --cache-dir build/mypy_cache || status=1; \
	$(VPY) -m pytest -q -p no:cacheprovider || status=1; \
	NUMBA_DISABLE_JIT=1 $(VPY) -m pytest -q -p no:cacheprovider tests/pimsim/engine || status=1; \
	exit $$status

# Regenerate every figure and number the docs quote, from their scripts (tests/tools/test_docs.py checks them):
# the sweep example (a 48-point sweep, about a minute), the CLI reference, the JSON Schemas, the generated blocks.
docs: $(STAMP)
	$(VPY) docs/scripts/sweeps_example.py run
	$(VPY) tests/tools/json_schemas.py
	$(VPY) tests/tools/doc_blocks.py --write

# The co-design experiment (docs/results.md, experiments/codesign/): train every committed design and the hand-crafted
# baselines from scratch (3 seeds), price them with compiler + pimsim, write docs/results.md and docs/results/*.png.
# Resumes from its caches under build/codesign.  `results-search` re-runs the searches that wrote results/designs/.
results: $(STAMP)
	$(VPY) -m experiments.codesign --from-designs results/designs

results-search: $(STAMP)
	$(VPY) -m experiments.codesign --search --designs-out results/designs

# Small example traces of the demo run, committed so newcomers can look before installing.
TRACE_BUILD := build/traces
traces: $(STAMP)
	mkdir -p $(TRACE_BUILD) traces
	$(VENV)/bin/recsys export dlrm -o $(TRACE_BUILD)/model.onnx
	$(VENV)/bin/pimcompile $(TRACE_BUILD)/model.onnx -o $(TRACE_BUILD)/mapping.json
	$(VENV)/bin/pimsim run $(TRACE_BUILD)/mapping.json --batch 4 --trace traces/demo_dlrm_batch4.trace.json --trace-limit 2 > traces/demo_dlrm_batch4.report.txt
	$(VENV)/bin/pimsim run $(TRACE_BUILD)/mapping.json --batch 4 --json > traces/demo_dlrm_batch4.report.json

clean:
	rm -rf build
