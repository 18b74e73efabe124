#!/usr/bin/env bash
# One idempotent set-up step for mmrethink, used by both README commands
# (`make demo`, `make test`) and by CI.
#
#   bash tools/setup_env.sh            # creates/updates .venv, prints its python
#
# What it does, each step skipped when already done:
#   1. creates the virtual environment ($MMRETHINK_VENV, default .venv);
#   2. installs torch ($MMRETHINK_TORCH, default the CPU wheel torch==2.13.0;
#      set MMRETHINK_TORCH_INDEX to a CUDA wheel index on a GPU machine) and
#      the mmcv build requirements (requirements/build.txt);
#   3. builds mmcv 2.1.0 WITH ops from the PyPI sdist once and caches the wheel
#      outside the repo ($MMRETHINK_CACHE, default ~/.cache/mmrethink), keyed by
#      torch build and Python, then installs it and checks that mmcv.ops runs;
#   4. installs mmdet, pycocotools and the test requirements, each at the
#      version requirements/constraints.txt names (what the tests ran with;
#      the package itself requires ranges);
#   5. installs mmrethink itself from this checkout as a regular (not editable)
#      install, as users get it from `pip install .`, and again whenever its
#      sources (mmrethink/, configs/, pyproject.toml) change.
# Stamps in the venv record the inputs of a finished set-up; when they are
# unchanged a second run only re-checks the imports (a few seconds).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMRETHINK_VENV:-$ROOT/.venv}"
CACHE="${MMRETHINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmrethink}"
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="${MMRETHINK_TORCH:-torch==2.13.0}"
TORCH_INDEX="${MMRETHINK_TORCH_INDEX:-}"
MMCV_VERSION="2.1.0"
STAMP="$VENV/.mmrethink-setup"
SRC_STAMP="$VENV/.mmrethink-source"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; rm -f "$STAMP"; exit 1; }

# The stamp covers every input that changes what gets installed.
stamp_value() {
  {
    echo "torch=$TORCH_SPEC index=$TORCH_INDEX mmcv=$MMCV_VERSION"
    cat "$ROOT/requirements/runtime.txt" "$ROOT/requirements/build.txt" \
        "$ROOT/requirements/tests.txt" "$ROOT/requirements/constraints.txt" \
        "$ROOT/pyproject.toml" "${BASH_SOURCE[0]}"
  } | sha256sum | cut -d' ' -f1
}

# mmrethink's own sources: a change reinstalls mmrethink only.
source_value() {
  (cd "$ROOT" && find mmrethink configs pyproject.toml -type f \
      -not -path '*/__pycache__/*' -not -name '*.pyc' | LC_ALL=C sort \
      | xargs sha256sum | sha256sum | cut -d' ' -f1)
}

install_mmrethink() {
  log "installing mmrethink from $ROOT"
  "${PIP[@]}" install --quiet --no-deps --no-build-isolation --force-reinstall "$ROOT"
  rm -rf "$ROOT/build" "$ROOT/mmrethink.egg-info"
  source_value >"$SRC_STAMP"
}

# What a finished set-up must be able to do.
check_imports() {
  "$VENV/bin/python" - <<'PY'
import torch
import mmcv, mmcv.ops, mmdet, mmengine, pycocotools, mmrethink
assert mmcv.__version__ == '2.1.0', mmcv.__version__
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.]])
mmcv.ops.nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
PY
}

mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
want="$(stamp_value)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  if [ "$(cat "$SRC_STAMP" 2>/dev/null)" != "$(source_value)" ]; then
    install_mmrethink
  fi
  if check_imports 2>/dev/null; then
    log "environment in $VENV is up to date"
    exit 0
  fi
fi
rm -f "$STAMP"

# 1. venv -------------------------------------------------------------------
"$PYTHON" - <<'PY' || die "Python >= 3.10 is required (PYTHON=$PYTHON)"
import sys
sys.exit(0 if sys.version_info >= (3, 10) else 1)
PY
if ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  log "creating virtual environment $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi

# 2. torch and the mmcv build requirements -----------------------------------
log "installing $TORCH_SPEC and build requirements"
if [ -n "$TORCH_INDEX" ]; then
  "${PIP[@]}" install --quiet --index-url "$TORCH_INDEX" "$TORCH_SPEC"
else
  "${PIP[@]}" install --quiet "$TORCH_SPEC"
fi
"${PIP[@]}" install --quiet -r "$ROOT/requirements/build.txt" \
    -c "$ROOT/requirements/constraints.txt"

# 3. mmcv with ops, from a cached wheel when there is one --------------------
key="$("$VENV/bin/python" -c '
import platform, sys, torch
print(f"mmcv-{sys.argv[1]}_torch-{torch.__version__}_cp{sys.version_info[0]}{sys.version_info[1]}_{platform.machine()}")
' "$MMCV_VERSION")"
wheel_dir="$CACHE/wheels/$key"
if "$VENV/bin/python" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  log "mmcv $MMCV_VERSION with ops already installed"
else
  wheel="$(ls "$wheel_dir"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
  if [ -z "$wheel" ]; then
    log "building mmcv $MMCV_VERSION with ops from source (about 20 min on 2 cores); cache: $wheel_dir"
    tmp="$(mktemp -d)"
    force_cuda=0
    if "$VENV/bin/python" -c 'import torch, sys; sys.exit(0 if torch.version.cuda else 1)'; then
      force_cuda=1
    fi
    if ! MMCV_WITH_OPS=1 FORCE_CUDA="$force_cuda" MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "${PIP[@]}" wheel --no-cache-dir --no-deps --no-build-isolation "mmcv==$MMCV_VERSION" -w "$tmp" >"$tmp/build.log" 2>&1; then
      tail -n 30 "$tmp/build.log" >&2
      die "building mmcv $MMCV_VERSION with ops failed (full log: $tmp/build.log)"
    fi
    mkdir -p "$wheel_dir"
    built="$(ls "$tmp"/mmcv-*.whl)"
    # move into the cache only once complete, so an interrupted build never
    # leaves a truncated wheel behind
    cp "$built" "$wheel_dir/.partial.whl"
    mv "$wheel_dir/.partial.whl" "$wheel_dir/$(basename "$built")"
    wheel="$wheel_dir/$(basename "$built")"
    rm -rf "$tmp"
  else
    log "installing cached $wheel"
  fi
  # with its dependencies (opencv, mmengine, ...), which mmcv.ops imports
  "${PIP[@]}" install --quiet --force-reinstall "$wheel" mmengine \
      -c "$ROOT/requirements/constraints.txt"
  if ! "$VENV/bin/python" -c 'import mmcv.ops; mmcv.ops.RoIAlign' 2>"$VENV/mmcv-check.log"; then
    "${PIP[@]}" uninstall --quiet -y mmcv || true
    cat "$VENV/mmcv-check.log" >&2
    die "mmcv was installed without working ops (mmcv.ops does not import); removed it. \
Delete $wheel_dir to force a rebuild."
  fi
fi

# 4. everything else --------------------------------------------------------
log "installing mmdet, pycocotools and test requirements"
"${PIP[@]}" install --quiet -r "$ROOT/requirements/runtime.txt" \
    -r "$ROOT/requirements/tests.txt" -c "$ROOT/requirements/constraints.txt"

# 5. mmrethink ---------------------------------------------------------------
install_mmrethink

if ! check_imports; then
  die "the environment in $VENV does not import torch/mmcv.ops/mmdet/mmrethink; see the error above"
fi
echo "$want" >"$STAMP"
log "environment ready: $VENV"
