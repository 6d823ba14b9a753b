#!/usr/bin/env bash
# Reproduce the default model's evaluation table (film_restore/weights/default/MODEL_CARD.md).
#
#   bash benchmarks/model_card.sh [SHARED_DATA] [WORK]
#
# SHARED_DATA holds kodak24/, mcmaster18/ and damage_sprites/ (default ../shared/data); WORK receives the damaged
# evaluation sets and the reports (default runs/model_card). TUNE_DATA (an environment variable) is a dataset
# whose validation split tunes the classical baseline; default: the model's own training set, rebuilt by the
# card's build-data command into runs/aware_data. Sets already built are reused (build-data resumes).
set -euo pipefail
SHARED=${1:-../shared/data}
WORK=${2:-runs/model_card}
TUNE_DATA=${TUNE_DATA:-runs/aware_data_r}
MODEL=film_restore/weights/default
mkdir -p "$WORK"
for set in kodak24 mcmaster18; do
  for preset in realistic thesis overlays; do
    damage=$preset; [ "$preset" = overlays ] && damage="overlays:$SHARED/damage_sprites"
    data="$WORK/data_${set}_${preset}"
    film-restore build-data --source "$SHARED/$set" --out "$data" --sizes 512 --damage "$damage" \
      --random-crops 0 --split test --seed 1
    film-restore evaluate --model "$MODEL" --model oracle --data "$data" --split test \
      --tune-data "$TUNE_DATA" --out "$WORK/eval_${set}_${preset}"
  done
done
python benchmarks/model_card_table.py "$WORK"/eval_*/metrics.json
