"""Which `--max-defect-size` does a model's validation split ask for? Mean PSNR with each limit, at the model's own cut.

    python benchmarks/defect_size.py MODEL_DIR DATA_DIR [--split validation] [--sizes 8 16 32 64 128]

Runs the network once per patch (a patch of 256 px is one tile of `film-restore restore`), then cuts its damage
logits with `film_restore.restore.damage_mask` (the model's threshold and dilation) and fills with the restorer's own
`_keep_outside` (the model's fill; the input outside the mask), without a limit and with each size of `--sizes`.
It prints the mean
PSNR (capped at 60 dB per patch, as the recipe's cut tuning does) beside doing nothing. A limit drops every detected
component whose box is wider or higher than it. The sizes are pixels of the split's patches: a limit chosen on
256 px patches would not carry to a 24 Mpx scan, where the same dust is several times larger. Never run this on
Kodak24 or McMaster18 to choose a default.
"""
import argparse

import numpy as np

from film_restore.core import load_image
from film_restore.evaluate import load_items, psnr
from film_restore.restore import _keep_outside, damage_mask
from film_restore.training import TUNE_PSNR_CAP as CAP
from film_restore.unet import load_restorer
from false_alarms import network_output


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('model'); ap.add_argument('data'); ap.add_argument('--split', default='validation')
    ap.add_argument('--sizes', type=int, nargs='+', default=[8, 16, 32, 64, 128])
    a = ap.parse_args(argv)
    model, cfg = load_restorer(a.model)
    limits = [None] + a.sizes
    scores = {s: [] for s in limits}; noop = []
    items = load_items(a.data, a.split)
    for it in items:
        clean, _ = load_image(it['clean']); img, _ = load_image(it['damaged'])
        noop.append(min(psnr(img, clean), CAP))
        pred, logit = network_output(model, img, one_view=False)   # the model's own views, as `restore` runs it
        for s in limits:
            out = pred.copy()
            _keep_outside(out, img, damage_mask(logit, model.mask_threshold, model.mask_dilate, s), model.fill)
            scores[s].append(min(psnr(out, clean), CAP))
    print(f"{a.model} on {a.data} ({a.split}, {len(items)} patches); cut {model.mask_threshold}, dilation "
          f"{model.mask_dilate} px, {model.fill} fill")
    print(f"| max defect size (px) | mean PSNR (dB, capped at {CAP:g}) |\n|---|---|\n| doing nothing | {np.mean(noop):.3f} |")
    for s in limits: print(f"| {s or 'no limit'} | {np.mean(scores[s]):.3f} |")
    best = max(limits, key=lambda s: (round(float(np.mean(scores[s])), 3), s is None))   # ties: no limit
    print(f"best on {a.split}: {best or 'no limit'}")


if __name__ == '__main__':
    main()
