#!/usr/bin/env bash
# Evaluate one leg of the detector's standing run (issue 22) the way benchmarks/detector_run.md reports it.
#
#   bash benchmarks/evaluate_leg.sh LEG [SHARED_DATA] [BEFORE]
#
# LEG: the leg just run; its weights are the run's latest (models/detector_run). SHARED_DATA (default ../shared/data)
# holds old_photos_bw/, real_dusty_scan/, kodak24/, mcmaster18/ and cbsd68/. BEFORE: a model folder to compare with
# on the must-go probe and the clean alarms (an earlier leg's weights, e.g. written with `git show`); default none.
# Run it with the project's environment active (real_shapes.sh calls `film-restore`). About 30 minutes on two idle
# cores. Everything goes to runs/ (git-ignored):
#   runs/legLEG_model          a copy of the leg's weights and config, so later legs do not overwrite what was measured
#   runs/legLEG_model_d0       the same weights with mask_dilate 0, only when the leg's tuning chose a dilation: the
#                              census counts restored regions over 100 px, so a 1 px dilation alone moves its counts
#                              several times over; read both
#   runs/legLEG_model_bright   the same weights with damage_tone "bright", only when the leg's tuning chose another tone:
#                              the dark tone paints real dark detail (flags, shadows, the top of kodim03) that bright
#                              dust never would, so the census and the benchmark judge the bright copy too
#   runs/census_legLEG[_d0|_bright]  the census of the old prints and the dusty negative (census.py); label every region it
#                              calls unlabelled in benchmarks/census_labels.json, then `census.py --relabel`
#   runs/census_legLEG_cNN     the census again at each cut in CUTS (environment, e.g. CUTS="0.99 0.995": 0.99 ->
#                              _c99), to place the leg on the trade-off between detail painted and dust found
#   runs/clean_alarmsLEG       what the leg (and BEFORE) marks on the clean side of the leg's own validation patches
#   (printed)                  what BEFORE and the leg mark on 70 clean photos as they are, softened, grey and as old
#                              prints (soft_alarms.py, lesson 2's print_look)
#   (printed)                  BEFORE's and the leg's validation loss and F1 on the leg's validation patches (valid_loss.py)
#   runs/real_shapesLEG        the benchmark on Kodak24 and McMaster18 (real_shapes.sh)
# It prints each result; the leg's log is runs/detector_run_legLEG.log.
set -euo pipefail
{   # read whole before running (braces): an edit made while it runs cannot break it
LEG=$1; SHARED=${2:-../shared/data}; BEFORE=${3:-}
PY=${PYTHON:-python3}
RUN=models/detector_run; MODEL=runs/leg${LEG}_model
[ -f "$RUN/model.pth" ] || { echo "no weights in $RUN: run benchmarks/detector_run.sh $LEG first" >&2; exit 1; }
mkdir -p "$MODEL"; cp "$RUN/model.pth" "$RUN/config.json" "$MODEL/"
models=("$MODEL"); benchmarked=("$MODEL")
setting() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$MODEL/config.json" "$1"; }
variant() {  # variant SUFFIX KEY JSON_VALUE: the leg's weights with one config setting changed, in ${MODEL}SUFFIX
  mkdir -p "$MODEL$1"; cp "$MODEL/model.pth" "$MODEL$1/"
  $PY - "$MODEL/config.json" "$MODEL$1/config.json" "$2" "$3" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1])); c[sys.argv[3]] = json.loads(sys.argv[4]); json.dump(c, open(sys.argv[2], 'w'), indent=2)
EOF
  models+=("$MODEL$1")
}
case $(setting mask_dilate) in 0|None) ;; *) variant _d0 mask_dilate 0 ;; esac
if [ "$(setting damage_tone)" != bright ]; then variant _bright damage_tone '"bright"'; benchmarked+=("${MODEL}_bright"); fi
$PY - "$MODEL/config.json" "$LEG" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1])); nothing = (c.get('mask_tuning') or [{}])[0].get('psnr')
print(f"== leg {sys.argv[2]}: cut {c.get('mask_threshold')} dilate {c.get('mask_dilate')} tone {c.get('damage_tone')} "
      f"fill {c.get('fill')} | validation F1 {c['metrics']['mask_f1']:.3f} | PSNR of restoring nothing {nothing}")
EOF
for m in "${models[@]}"; do
  name=census_leg$LEG${m#"$MODEL"}                                # census_legLEG, census_legLEG_d0, _bright
  echo "== census: $m -> runs/$name"
  $PY benchmarks/census.py --data "$SHARED" --model "$m" --out "runs/$name" | grep -v '^wrote'
done
echo "== must-go probe"
$PY benchmarks/must_go_probe.py --data "$SHARED" film_restore/weights/default ${BEFORE:+"$BEFORE"} "$MODEL"
# the benchmark next: with the census it decides shipping, so a short session should not lose it to the probes below
echo "== benchmark"
MODEL="${benchmarked[*]}" bash benchmarks/real_shapes.sh "$SHARED" "runs/real_shapes$LEG" | tee "runs/real_shapes$LEG.log"
for m in ${BEFORE:+"$BEFORE"} "$MODEL"; do
  echo "== clean alarms of $m on runs/run_data$LEG"
  $PY benchmarks/clean_alarms.py --model "$m" --data "runs/run_data$LEG" --out "runs/clean_alarms$LEG/$(basename "$m")"
  echo "== soft alarms of $m"
  $PY benchmarks/soft_alarms.py "$m" --data "$SHARED"
done
if [ -n "$BEFORE" ]; then   # each leg's log scores its own draw: score both on this leg's validation patches
  echo "== validation loss of $BEFORE and $MODEL on runs/run_data$LEG"
  $PY benchmarks/valid_loss.py "runs/run_data$LEG" "$BEFORE" "$MODEL" 2>&1 | grep -v -i warn
fi
for c in ${CUTS:-}; do
  name=census_leg${LEG}_c${c#0.}                                  # 0.995 -> census_legLEG_c995
  echo "== census at cut $c: $MODEL -> runs/$name"
  $PY benchmarks/census.py --data "$SHARED" --model "$MODEL" --cut "$c" --out "runs/$name" | grep -v '^wrote'
done
exit
}
