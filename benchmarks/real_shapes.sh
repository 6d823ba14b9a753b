#!/usr/bin/env bash
# Real damage shapes on held-out photos: is the model worth running, image by image?
#
#   bash benchmarks/real_shapes.sh [SHARED_DATA] [WORK]
#
# SHARED_DATA holds kodak24/, mcmaster18/ and cbsd68/ (default ../shared/data); WORK receives the damaged sets and
# the reports (default runs/real_shapes). Environment:
#   DAMAGE     the build-data damage preset (default real-eval: annotated real dust/dirt/hair/scratch shapes on every photo)
#   MODEL      the model folder(s), space-separated (default film_restore/weights/default); each evaluated with its
#              own fill and with Telea
#   TUNE_DATA  a dataset whose TUNE_SPLIT (default validation) tunes the classical baseline; default: 12 cbsd68
#              photos built here with the same damage (all in their test split). Never Kodak24 or McMaster18.
# Kodak24 and McMaster18 are evaluation-only sets: built at 512 px (build-data scales the short side to 516 and
# takes the centre square), seed 1, every photo in the test split. Sets already built are reused (build-data resumes).
set -euo pipefail
SHARED=${1:-../shared/data}
WORK=${2:-runs/real_shapes}
DAMAGE=${DAMAGE:-real-eval}
MODEL=${MODEL:-film_restore/weights/default}
tag=$(printf %s "$DAMAGE" | tr -c 'A-Za-z0-9+_-' '_')
mkdir -p "$WORK"
start=$SECONDS
if [ -z "${TUNE_DATA:-}" ]; then
  TUNE_DATA="$WORK/tune_cbsd68_$tag"; TUNE_SPLIT=test
  film-restore build-data --source "$SHARED/cbsd68" --out "$TUNE_DATA" --sizes 512 --damage "$DAMAGE" \
    --random-crops 0 --split test --seed 1 --limit 12
else
  TUNE_SPLIT=${TUNE_SPLIT:-validation}
fi
reports=(); model_args=(); for m in $MODEL; do model_args+=(--model "$m"); done
for set in kodak24 mcmaster18; do
  data="$WORK/data_${set}_$tag"
  film-restore build-data --source "$SHARED/$set" --out "$data" --sizes 512 --damage "$DAMAGE" \
    --random-crops 0 --split test --seed 1
  film-restore evaluate "${model_args[@]}" --fill both --model oracle --data "$data" --split test \
    --tune-data "$TUNE_DATA" --tune-split "$TUNE_SPLIT" --gallery 2 --out "$WORK/eval_${set}_$tag" > "$WORK/eval_${set}_$tag.log"
  reports+=("$WORK/eval_${set}_$tag/metrics.json")
done
echo "damage: $DAMAGE   model: $MODEL   classical tuned on: $TUNE_DATA ($TUNE_SPLIT split)"
python benchmarks/real_shapes_table.py "${reports[@]}"
echo "runtime: $((SECONDS - start)) s"
