# accord: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# test worker processes (pytest-xdist); each module stays on one worker (--dist loadscope)
TEST_WORKERS ?= 3

.PHONY: demo test test-fast bench soak-bench venv clean soak

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0 || echo "torch 2.13.0 unavailable: the assist extra's embeddings will be missing"
	$(PIP) install --quiet -e '.[all]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/accord serve --demo --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m "not soak" -n $(TEST_WORKERS) --dist loadscope --durations=15

# long reliability runs (crash loops, load): not part of CI
soak: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m soak tests/reliability

bench: $(STAMP)
	@for b in $(filter-out bench/soak_bench.py,$(wildcard bench/*_bench.py)); do echo "== $$b"; $(PY) $$b || exit 1; done

# the 100-annotator load run (about 15 minutes): not part of `make bench`
soak-bench: $(STAMP)
	$(PY) bench/soak_bench.py

clean:
	rm -rf $(VENV) accord-demo.db* .pytest_cache
