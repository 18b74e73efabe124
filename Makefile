# The README's two commands: `make demo` (the main job on the toy dataset)
# and `make test`. Both first run the idempotent set-up (tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
export MMRETHINK_VENV := $(abspath $(VENV))

.PHONY: setup demo demo-both test
setup:
	bash tools/setup_env.sh

demo: setup
	$(PY) tools/demo.py $(DEMO_ARGS)

# both arms of the paper's Fig. 1 at toy scale: scratch and pretrained
demo-both: setup
	$(PY) tools/demo.py --both $(DEMO_ARGS)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)
