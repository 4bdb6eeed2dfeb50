# Every install step lives here: a fresh machine needs only python3 (3.11+) and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo serve test bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)  ## the main job: the uplift demo end to end, report in out/uplift-klaviyo/
	$(BIN)/simulator run uplift-klaviyo --replications 8 --out out/uplift-klaviyo $(ARGS)

serve: $(STAMP)  ## run the sandbox on http://127.0.0.1:8787
	$(BIN)/simulator serve $(ARGS)

test: $(STAMP)  ## the test suite, on both cores
	$(BIN)/python -m pytest -n 2 $(ARGS)

bench: $(STAMP)  ## every benchmark; each prints ratios against a floor measured in the same run
	for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
