#!/usr/bin/env bash
# Training on a slurm cluster, as with mmdet's tools:
#   [GPUS=16 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] \
#     tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options]
# One task per GPU; mmengine's slurm launcher reads SLURM_PROCID and friends.
#
# Pre-emption and time limits: srun asks slurm for SIGUSR1 SIGNAL_AHEAD
# seconds (default 180) before the time limit; on it (or on the SIGTERM of a
# pre-emption) every rank finishes its iteration, rank 0 saves it, and the
# tasks exit 143. The run always passes --resume, so a relaunch continues
# from the newest checkpoint (or starts, the first time). Inside an sbatch
# job (SLURM_JOB_ID set) a stop with 143 requeues the job:
#   sbatch -p PARTITION --gres=gpu:8 --ntasks=8 --time=24:00:00 --requeue \
#       --wrap "tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR"
set -uo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SIGNAL_AHEAD=${SIGNAL_AHEAD:-180}
SRUN_ARGS=${SRUN_ARGS:-""}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    --signal=USR1@"${SIGNAL_AHEAD}" \
    ${SRUN_ARGS} \
    python -u "$HERE/train.py" "${CONFIG}" --work-dir="${WORK_DIR}" \
    --launcher="slurm" --resume "${@:5}"
status=$?
if [ "$status" = 143 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    echo "pre-empted: requeueing job ${SLURM_JOB_ID}" >&2
    scontrol requeue "${SLURM_JOB_ID}"
fi
exit "$status"
