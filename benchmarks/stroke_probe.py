"""Does a detector see an obvious white stroke on a flat grey sky? The share of the stroke it marks, by thickness.

    python benchmarks/stroke_probe.py [--model DIR ...] [--thickness 1 2 3 5 8 12] [--background 0.45 0.7] [--cut 0.98]

A 256 px patch of flat grey with a little noise (standard deviation 0.02) gets one bent white stroke (value 0.98,
hard anti-aliased edges), like the lint and hairs on the dusty negative in `../shared/data/real_dusty_scan`. The
stroke is the only thing in the picture, so a detector should mark all of it at every thickness. It prints the share
of the stroke's pixels whose damage probability is above 0.5 and above `--cut`, for each model, background and
thickness. Nothing is read from disk except the models, and every random step is seeded.
"""
import argparse

import cv2
import numpy as np

from film_restore.core import DEFAULT_MODEL_DIR
from film_restore.unet import load_restorer
from false_alarms import damage_logit

BEND = np.array([[40, 200], [90, 150], [140, 140], [190, 90]], np.int32)   # the stroke's path, px


def stroke_patch(thickness: int, background: float, seed: int = 0, size: int = 256):
    "A flat grey noisy patch with one white stroke of `thickness` px; returns (image HxWx3 float32, stroke mask)."
    rng = np.random.default_rng(seed)
    img = np.clip(background + rng.normal(0, 0.02, (size, size, 1)), 0, 1).repeat(3, -1).astype(np.float32)
    layer = np.zeros((size, size), np.uint8)
    cv2.polylines(layer, [BEND], False, 255, thickness, cv2.LINE_AA)
    alpha = layer.astype(np.float32)[..., None] / 255
    return img * (1 - alpha) + 0.98 * alpha, layer > 128


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', nargs='+', default=[str(DEFAULT_MODEL_DIR)])
    ap.add_argument('--thickness', type=int, nargs='+', default=[1, 2, 3, 5, 8, 12])
    ap.add_argument('--background', type=float, nargs='+', default=[0.45, 0.7])
    ap.add_argument('--cut', type=float, default=0.98)
    a = ap.parse_args(argv)
    print(f'| model | background | ' + ' | '.join(f'{t} px' for t in a.thickness) + ' |')
    print('|---|---|' + '---|' * len(a.thickness))
    for m in a.model:
        model, _ = load_restorer(m)
        for bg in a.background:
            cells = []
            for t in a.thickness:
                img, stroke = stroke_patch(t, bg)
                p = 1 / (1 + np.exp(-damage_logit(model, img)[stroke]))
                cells.append(f'{(p > 0.5).mean():.2f} / {(p > a.cut).mean():.2f}')
            print(f'| {m} | {bg} | ' + ' | '.join(cells) + ' |')
    print(f'(each cell: share of the stroke above 0.5 / above {a.cut})')


if __name__ == '__main__':
    main()
