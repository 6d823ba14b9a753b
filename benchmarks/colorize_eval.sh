#!/usr/bin/env bash
# Lesson 8's colourisation table: Kodak24 and McMaster18 (evaluation sets, never trained on) turned grey, every
# colouriser beside the grey and mean-colour baselines; a Zhang model whose weights are not here is listed as
# "weights absent". Writes OUT/table.md, OUT/table.csv and OUT/gallery_{kodak24,mcmaster18}.png.
#   benchmarks/colorize_eval.sh [OUT] [more --models entries, e.g. ours=models/colorize_own]
# The sets are read from $FILM_RESTORE_SHARED_DATA (default ../shared/data).
set -euo pipefail
OUT=${1:-nbs/_runs/colorize_eval}   # git-ignored: its galleries show Kodak/McMaster photos, which stay out of the repository
shift || true
DATA=${FILM_RESTORE_SHARED_DATA:-../shared/data}
film-restore evaluate --task colorize --data "$DATA" --sets kodak24 mcmaster18 \
    --models own eccv16 siggraph17 "$@" --out "$OUT"   # each model at its own working size
