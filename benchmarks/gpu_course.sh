#!/usr/bin/env bash
# Every lesson in full mode, as a learner on a GPU runs them: the executed notebooks and a table of timings.
#
#   bash benchmarks/gpu_course.sh OUT [NOTEBOOK ...]
#
# OUT gets executed/NN_name.ipynb for each notebook (outputs and all), timings.tsv (notebook, seconds, status) and
# log.txt. With no NOTEBOOK named, all of nbs/[0-9]*.ipynb run, in order (later lessons read what earlier ones made).
#
# One variable sizes the run: MAX_PHOTOS (default 400) caps the photos full mode trains on
# (FILM_RESTORE_MAX_PHOTOS, read by data.course_photos). At 400 photos the dataset is ~3,000 patches per size, and the
# dissertation's schedule (64/128/256 px, 10 frozen + 20 unfrozen epochs each) fits in under 10 minutes on one
# H200-class GPU; 0 means no cap (Imagenette's 13,394 photos: hours). On a machine with no internet the photos fall back
# to the built-ins, with a warning in the notebook's output. TIMEOUT (default 1800) limits each cell, in seconds.
# FILM_RESTORE_FAST=0 is forced: this is full mode. On a CPU it runs too, slowly: MAX_PHOTOS=4 proves the mechanics.
set -uo pipefail
OUT=${1:?usage: gpu_course.sh OUT [NOTEBOOK ...]}; shift
MAX_PHOTOS=${MAX_PHOTOS:-400}; TIMEOUT=${TIMEOUT:-1800}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT/executed"; OUT=$(cd "$OUT" && pwd)
NBS=("$@"); [ ${#NBS[@]} -eq 0 ] && NBS=("$ROOT"/nbs/[0-9]*.ipynb)
export FILM_RESTORE_FAST=0 FILM_RESTORE_PICTURES=0
[ "$MAX_PHOTOS" != 0 ] && export FILM_RESTORE_MAX_PHOTOS=$MAX_PHOTOS
PY=${PYTHON:-python3}
{ echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) full mode, MAX_PHOTOS=$MAX_PHOTOS"; film-restore info; } > "$OUT/log.txt" 2>&1
printf 'notebook\tseconds\tstatus\n' > "$OUT/timings.tsv"
status=0
for nb in "${NBS[@]}"; do
  name=$(basename "$nb"); t0=$(date +%s)
  # run where the notebook lives, so its relative paths (_runs/, ../images) mean what they mean for a learner
  if (cd "$(dirname "$nb")" && $PY -m jupyter nbconvert --to notebook --execute "$name" --output-dir "$OUT/executed" \
        --ExecutePreprocessor.timeout="$TIMEOUT" >> "$OUT/log.txt" 2>&1); then st=ok; else st=FAILED; status=1; fi
  printf '%s\t%s\t%s\n' "$name" "$(( $(date +%s) - t0 ))" "$st" | tee -a "$OUT/timings.tsv"
done
exit $status
