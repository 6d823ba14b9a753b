"""Which tone of damage should a detector remove: bright, dark or both? Chosen on validation, checked on the benchmark.

    python benchmarks/damage_tone.py --model DIR --data runs/real_data5 [--split validation] [--cut P]

The model's damage probability is cut at `--cut` (default: the model's own mask_threshold; one view, no dilation),
the pieces of one tone are kept by lesson 4's `keep_damage_tone` and filled by OpenCV Telea (`unet.telea_fill`).
Printed per tone, over the split's images: the mean PSNR, capped at `training.TUNE_PSNR_CAP` per image as the
recipe's cut tuning caps it (so a clean patch left clean does not count as infinite), and the PSNR change against
the input (mean, worst image, images made worse), both capped. Run it on the training set's validation split to choose a model's
`damage_tone`, and on `benchmarks/real_shapes.sh`'s sets (`--split test`) to see what the choice costs there.
"""
import argparse

import numpy as np

from film_restore.evaluate import load_items, psnr
from film_restore.core import load_image
from film_restore.training import TUNE_PSNR_CAP
from film_restore.unet import DAMAGE_TONES, keep_damage_tone, load_restorer, telea_fill
from false_alarms import network_output, summarize


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True); ap.add_argument('--data', required=True)
    ap.add_argument('--split', default='validation'); ap.add_argument('--cut', type=float)
    a = ap.parse_args(argv)
    model, _ = load_restorer(a.model)
    cut = a.cut or model.mask_threshold or 0.5
    capped = {t: [] for t in ('none',) + DAMAGE_TONES}; change = {t: [] for t in DAMAGE_TONES}
    for it in load_items(a.data, a.split):
        clean, _ = load_image(it['clean']); img, _ = load_image(it['damaged'])
        found = network_output(model, img)[1] > np.log(cut / (1 - cut))
        before = psnr(img, clean, cap=TUNE_PSNR_CAP)
        capped['none'].append(before)
        for tone in DAMAGE_TONES:
            after = psnr(telea_fill(img, keep_damage_tone(img, found, tone)), clean, cap=TUNE_PSNR_CAP)
            capped[tone].append(after); change[tone].append(after - before)
    print(f"{a.model} on {a.data} ({a.split}, {len(capped['none'])} images), cut {cut}, Telea fill")
    print('| damage tone | mean PSNR, capped (dB) | change against the input: mean, worst, images worse |')
    print('|---|---|---|')
    for tone, v in capped.items():
        s = summarize(change[tone]) if tone in change else None
        print(f"| {tone} | {np.mean(v):.3f} | " + (f"{s['gain']:+.2f} dB, {s['worst']:+.2f}, {s['worse']}/{s['n']} |" if s else '- |'))


if __name__ == '__main__': main()
