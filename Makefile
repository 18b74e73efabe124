# The README's two commands: `make demo` (the main job on the toy dataset)
# and `make test`. Both first run the idempotent set-up (tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
export MMRETHINK_VENV := $(abspath $(VENV))

.PHONY: setup demo demo-both reproduce-toy test
setup:
	bash tools/setup_env.sh

demo: setup
	$(PY) tools/demo.py $(DEMO_ARGS)

# both arms at toy 1x: scratch and pretrained
demo-both: setup
	$(PY) tools/demo.py --both $(DEMO_ARGS)

# the toy study by its protocol (docs/toy.md): both arms at three data sizes,
# every schedule length, the keypoint twin; REPRODUCE_ARGS='--part A' runs
# one part (a session's), '--quick' a subset; publishes records and report
reproduce-toy: setup
	$(PY) tools/reproduce_toy.py $(REPRODUCE_ARGS)

# the whole suite in parallel processes, one per core (pytest-xdist: the
# longest tests start first, tests/conftest.py, and an idle process takes
# over half of another's queue); TEST_JOBS=0: all in this one process;
# the 30 longest tests are listed at the end (what a cut would target)
TEST_JOBS ?= auto
test: setup
	$(PY) -m pytest -n $(TEST_JOBS) --dist worksteal --durations=30 $(PYTEST_ARGS)
