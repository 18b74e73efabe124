#!/usr/bin/env bash
# Distributed training on torchrun, as with mmdet's tools:
#   tools/dist_train.sh CONFIG GPUS [train.py options]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT from the environment.
#
# Pre-emption: slurm, Kubernetes and `kill -TERM -<process group>` send
# SIGTERM to every process of the job. The training processes then finish
# the iteration (or validation batch) in progress, rank 0 saves it, and all
# exit 143 (tools/train.py); torchrun itself exits 1 when signalled, so this
# script exits 143 when it got the signal: a job script can tell a
# pre-empted run (143: relaunch with --resume) from a crash (other codes).
set -uo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$HERE/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}" &
pid=$!
signalled=0
# torchrun got the signal too (the whole group did) and is stopping the
# ranks; wait for it rather than signal it twice
trap 'signalled=1' TERM USR1
while true; do
    wait "$pid"
    status=$?
    kill -0 "$pid" 2>/dev/null || break  # a trap interrupted the wait
done
if [ "$signalled" = 1 ]; then
    exit 143
fi
exit "$status"
