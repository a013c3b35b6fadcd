#!/usr/bin/env bash
# Carry the reproduction on, on a CPU machine like this project's: one single-thread process a core.
#
#     reproduction/run-here.sh            # from the repository root; nerdistill on the PATH (or NERDISTILL=...)
#
# Core 0 first annotates the BBC sentences with the local model (phase2_local's data and annotate stages);
# every core then goes through the runs in the same order, each process taking the models no other is
# training (runs sharing a store and a sweep share the work: `nerdistill run --help`; a core that reaches
# phase2_local while the BBC annotation is under way joins it, each sentence asked once). The local
# teacher's tables come before the simulated teacher's table 3: they are the reproduction's main result. Stop it at any time
# (Ctrl-C stops them all, as does killing this script's process group): running it again carries on where
# each stage stopped. Logs (appended to): runs/run-here-core<N>.log. Measured rates and what is left: docs/reproduction.md.
set -euo pipefail
cd "$(dirname "$0")/.."
NERDISTILL=${NERDISTILL:-nerdistill}
PYTHON=${PYTHON:-python}  # the Python nerdistill is installed in, for the studies that read the finished runs
RUNS=(phase2_oracle phase2_local control_epochs phase3_local phase3_oracle agreement_local gold_curve_local gold_curve_oracle student_vs_teacher teacher_demos teacher_votes teacher_demos_all)  # phase 3 copies phase 2's simple mix: 2 first; the oracle curve copies the local one's gold-only models

on_core() {  # on_core N COMMAND...: COMMAND alone on core N, on one thread
  local core=$1
  shift
  OMP_NUM_THREADS=1 taskset -c "$core" "$@"
}

every_run() {  # every run in order, all stages (the finished ones come from the store and the run folders)
  for run in "${RUNS[@]}"; do
    on_core "$1" "$NERDISTILL" run "reproduction/$run.toml"
  done
}

trap 'trap - INT TERM; kill 0' INT TERM  # a stop stops every core's process
mkdir -p runs
{
  on_core 0 "$NERDISTILL" run reproduction/phase2_local.toml --stage data --stage annotate
  every_run 0
} >> runs/run-here-core0.log 2>&1 &
for ((core = 1; core < $(nproc); core++)); do
  every_run "$core" >> "runs/run-here-core$core.log" 2>&1 &
done
wait
# then the studies that read the finished runs and the committed store (their own trainings one a core, no LLM call)
"$PYTHON" reproduction/review_selection.py >> runs/run-here-core0.log 2>&1
"$PYTHON" reproduction/cost_per_point.py >> runs/run-here-core0.log 2>&1
