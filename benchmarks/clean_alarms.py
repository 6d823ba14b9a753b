"""What a detector marks on clean photos: the false alarms that set its cut (the clean floor, SSIM 0.9995).

    python benchmarks/clean_alarms.py --model DIR --data runs/run_dataN [--out runs/clean_alarms] [--sheet-cut 0.9]

Runs the model over the CLEAN side of the dataset's validation patches (built by `benchmarks/detector_run.sh`; never
Kodak24 or McMaster18) and prints, for each cut, how many patches it marks and how many pixels. `sheet.png` in
`--out` shows the 24 patches with the most pixels above `--sheet-cut`: each clean patch, then the same patch with
the pixels above `--sheet-cut` tinted cyan and those above 0.99 red. The clean side carries no damage, only lesson 2's
drawn detail (lettering, wires, trees), so every mark is a false alarm.
"""
import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from film_restore.loaders import memory_patches
from film_restore.unet import load_restorer

CUTS = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995)


@torch.inference_mode()
def clean_probability(model, patches, bs: int = 16) -> np.ndarray:
    "The damage probability (N x H x W float32) on the clean side of `patches` (a `MemoryPatches`)."
    out = []
    for i in range(0, len(patches), bs):
        _, logit = model.raw(patches.clean[i:i + bs].float().div_(255))
        out.append(torch.sigmoid(logit.float())[:, 0].numpy())
    return np.concatenate(out)


def alarm_sheet(clean, prob, cut: float, n: int = 24, cols: int = 3) -> np.ndarray:
    "The `n` patches with the most pixels above `cut`, each beside its marked copy, `cols` pairs a row (uint8 HxWx3)."
    order = np.argsort(-(prob > cut).reshape(len(prob), -1).sum(1))[:n]
    tiles = []
    for i in order:
        img = clean[i].permute(1, 2, 0).numpy(); marked = img.copy()
        m = prob[i] > cut
        marked[m] = (0.5 * marked[m] + [0, 127, 127]).astype(np.uint8); marked[prob[i] > 0.99] = [255, 0, 0]
        tiles.append(np.concatenate([img, marked], 1))
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % cols)
    return np.concatenate([np.concatenate(tiles[j:j + cols], 1) for j in range(0, len(tiles), cols)], 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True); ap.add_argument('--data', required=True)
    ap.add_argument('--size', type=int, default=256); ap.add_argument('--out', default='runs/clean_alarms')
    ap.add_argument('--sheet-cut', type=float, default=0.9)
    a = ap.parse_args()
    model, _ = load_restorer(a.model)
    _, valid = memory_patches(a.data, a.size)
    prob = clean_probability(model, valid)
    for cut in CUTS:
        px = (prob > cut).reshape(len(prob), -1).sum(1)
        print(f"p > {cut:<5g}: {int((px > 0).sum()):4d} of {len(prob)} clean validation patches marked, {int(px.sum()):7d} px "
              f"({px.sum() / prob.size:.3%}); the 10 most marked hold {int(np.sort(px)[::-1][:10].sum())} px")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    Image.fromarray(alarm_sheet(valid.clean, prob, a.sheet_cut)).save(out / 'sheet.png')
    print(f"sheet: {out / 'sheet.png'}")


if __name__ == '__main__': main()
