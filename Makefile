# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test test-slow thorough lint bench docs clean

$(VENV)/.stamp-all: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all]"
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-all
	$(PY) -m pip install --quiet -e ".[all,test]"
	touch $@

demo: $(VENV)/.stamp-all
	$(BIN)/limitdyn figures --out figures/ --manifest

test: $(VENV)/.stamp-test lint docs
	$(PY) -m pytest -m "not slow" -n 2 -q

test-slow: $(VENV)/.stamp-test
	$(PY) -m pip install --quiet -e ".[all,test,sweep]"
	$(PY) -m pytest -m slow -q

# the property tests of scheme theorems with the `thorough` hypothesis profile (tests/conftest.py)
thorough: $(VENV)/.stamp-test
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest tests/theorems -q

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check limitdyn tests benchmarks
	$(BIN)/ruff format --check limitdyn tests benchmarks
	$(BIN)/mypy limitdyn

bench: $(VENV)/.stamp-all
	$(PY) benchmarks/iterate.py
	$(PY) benchmarks/convergence.py
	$(PY) benchmarks/modified.py
	$(PY) benchmarks/particles.py
	$(PY) benchmarks/wasserstein.py
	$(PY) benchmarks/invariants.py
	$(PY) benchmarks/stability.py
	$(PY) benchmarks/jko.py
	$(PY) benchmarks/sde.py
	$(PY) -m pip install --quiet -e ".[sweep]"
	$(PY) benchmarks/sweep.py

docs: $(VENV)/.stamp-all
	$(PY) -m pip install --quiet -e ".[docs]"
	rm -rf docs/generated
	$(BIN)/sphinx-build -q -n -W --keep-going -b html docs docs/_build/html

# the cache root (LIMITDYN_CACHE_DIR, else ~/.cache/limitdyn) is emptied while the venv exists;
# the find removes numba caches that older versions wrote next to the source
clean:
	-test -x $(BIN)/limitdyn && $(BIN)/limitdyn cache clear
	rm -rf $(VENV) figures build *.egg-info docs/_build docs/generated docs/gallery docs/notebooks
	find limitdyn \( -name '*.nbi' -o -name '*.nbc' \) -exec rm -f {} +
