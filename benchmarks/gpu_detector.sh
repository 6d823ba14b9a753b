#!/usr/bin/env bash
# The damage detector's long training run, made for a lent GPU (and runnable at small scale on a CPU).
#
#   bash benchmarks/gpu_detector.sh PHOTOS OUT [MINUTES] [CROPS]
#
# PHOTOS: a folder of clean training photos (CBSD68; never Kodak24 or McMaster18). The built-in photos are added.
# OUT: the model folder to write. MINUTES: the training budget (default 5). CROPS: random crops per photo and size
# besides the centre crop (default 100). DATA (env) is where the dataset is built (default /tmp/detector_data);
# WORKERS (env) the build and loader processes (default: all cores). Steps already done are skipped when run again.
set -euo pipefail
PHOTOS=$1; OUT=$2; MINUTES=${3:-5}; CROPS=${4:-100}
DATA=${DATA:-/tmp/detector_data}; WORKERS=${WORKERS:-$(nproc)}
fr() { ${PYTHON:-python3} -c 'import sys; from film_restore.restore import main; sys.exit(main(sys.argv[1:]))' "$@"; }
t0=$(date +%s)
fr info
fr build-data --source samples "$PHOTOS" --out "$DATA" --sizes 128 256 --damage real --random-crops "$CROPS" \
   --seed 0 --workers "$WORKERS"
echo "== dataset built in $(( $(date +%s) - t0 )) s"
fr train --recipe detector --data "$DATA" --out "$OUT" --sizes 128 256 --minutes "$MINUTES" --bs "${BS:-64}" \
   --workers "$WORKERS" --seed 0 ${TRAIN_ARGS:-}
echo "== done in $(( $(date +%s) - t0 )) s"
