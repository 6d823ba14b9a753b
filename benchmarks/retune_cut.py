"""Choose a trained damage-aware model's mask cut and fill again on its validation split, with today's grid.

    python benchmarks/retune_cut.py MODEL_DIR DATA_DIR [--size 256] [--views 8] [--out NEW_DIR] [--tone-only]

The same `training.choose_mask_cut` that `film-restore train` runs at the end of the recipe (threshold, dilation and,
for the detector recipe, network or Telea fill; then the damage tone), for a model trained before the grid grew. Rewrites
the model's `config.json` (`mask_threshold`, `mask_dilate`, `fill`, `views`, `damage_tone`, `mask_tuning`, `shippable`),
atomically; the weights
are not touched. `--views N` tunes the cut for N test-time views (lesson 4's `Restorer.views`); `--out` writes the
retuned model to a new folder instead. `--tone-only` keeps the model's cut and fill and chooses only the damage tone
again (lesson 6's `tune_damage_tone`), for a model tuned before the tone rule changed; it refuses `--views`, since the
kept cut was tuned for the model's own views.
"""
import argparse, json
from pathlib import Path

from film_restore.loaders import get_dls
from film_restore.training import choose_mask_cut, tune_damage_tone, tone_report, RECIPES
from film_restore.unet import load_restorer, save_restorer


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('model'); ap.add_argument('data'); ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--views', type=int, default=None, help="test-time views to tune for (default: the model's own)")
    ap.add_argument('--out', default=None, help='write the retuned model here (default: over MODEL_DIR)')
    ap.add_argument('--tone-only', action='store_true', help="keep the model's cut and fill; choose only the damage tone")
    a = ap.parse_args()
    if a.tone_only and a.views is not None:   # the kept cut was tuned for the model's own views, not for these
        ap.error("--tone-only keeps the model's cut, tuned for its own views; to tune for --views, leave out --tone-only")
    model, cfg = load_restorer(a.model)
    if a.views is not None: model.views = a.views
    fills = RECIPES.get(cfg.get('recipe'), {}).get('tune_fills', ('network',))
    dl = get_dls(a.data, a.size, bs=16, num_workers=0, augment=False).valid
    if a.tone_only:
        was = model.damage_tone
        model.damage_tone, tones, gain_se = tune_damage_tone(model, dl, progress=True)
        print(f"damage tone: {was} -> {model.damage_tone} ({tone_report(tones, gain_se)})")
        keep = {k: v for k, v in cfg.items() if k not in ('views', 'damage_tone')}
        shippable = cfg.get('shippable')
    else:
        table, shippable = choose_mask_cut(model, dl, fills=fills)
        keep = {k: v for k, v in cfg.items() if k not in ('mask_threshold', 'mask_dilate', 'fill', 'views', 'damage_tone')}
        keep.update(mask_tuning=table, shippable=shippable)
    out = a.out or a.model
    save_restorer(model, keep, out)
    print(f"{out}: saved; views {model.views}, cut {model.mask_threshold} + {model.mask_dilate} px, fill {model.fill}, {model.damage_tone} damage; shippable {shippable}")


if __name__ == '__main__':
    main()
