"""How much a detector marks lit, pale, smooth picture (lesson 2's `pale_picture`): collars, shirt fronts, notices,
window panes and hands drawn into clean training patches, one kind at a time.

    python benchmarks/pale_alarms.py runs/leg30_model [MODEL ...] [--data ../shared/data]

The census of the old prints finds shirt fronts, collars, hands and paper notices among the regions a detector
restores. This measures the same failure where the truth is known: 20 clean patches (256 px, the middle of every 3rd
photo of bsds500/train), every other one as an old print (`print_look`), each restored whole with the model's own
settings, once as it is and once with one pale shape of each kind drawn in (seeded per patch and kind). Every pixel
marked inside a shape is a false alarm. Prints, per kind, the share of the shapes' pixels marked and on how many
patches the model marks inside the shape where it marked nothing there before.
"""
import argparse, sys
from pathlib import Path

import numpy as np

from film_restore.core import load_image
from film_restore.damage import PALE_KINDS, pale_picture, print_look
from film_restore.restore import restore_array
from film_restore.unet import load_restorer


def patches(data: Path, n: int = 20, size: int = 256) -> list[np.ndarray]:
    "The middle `size` px of every 3rd photo of bsds500/train (at most `n` photos)."
    out = []
    for i, f in enumerate(sorted((data / 'bsds500' / 'train').glob('*.jpg'))[1::3][:n]):
        img, _ = load_image(f); H, W = img.shape[:2]
        y, x = (H - size) // 2, (W - size) // 2
        out.append(img[y:y + size, x:x + size])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('models', nargs='+', help='model folders (model.pth and config.json)')
    ap.add_argument('--data', default='../shared/data', help='the shared image sets (default ../shared/data)')
    a = ap.parse_args(argv)
    clean = patches(Path(a.data))
    if not clean: sys.exit(f"no photos under {a.data}/bsds500/train")
    look = lambda x, i: print_look(x, np.random.default_rng(i)) if i % 2 else x
    shown = [look(x, i) for i, x in enumerate(clean)]      # each patch as the model sees it without a shape
    for m in a.models:
        model, cfg = load_restorer(m)
        print(f"{m}: cut {cfg.get('mask_threshold')}, tone {cfg.get('damage_tone')}, {len(clean)} clean patches", flush=True)
        before = [restore_array(model, a0)[1] for a0 in shown]
        for j, kind in enumerate(PALE_KINDS):
            marked = area = new = 0
            for i, (x, a0, m0) in enumerate(zip(clean, shown, before)):
                a1 = look(pale_picture(x, np.random.default_rng(1000 * i + j), n=1, kind=kind), i)
                shape = np.abs(a1 - a0).max(-1) > 0.05
                m1 = restore_array(model, a1)[1]
                marked += int((m1 & shape).sum()); area += int(shape.sum())
                new += bool((m1 & shape).any() and not (m0 & shape).any())
            print(f"  {kind:7s} {marked / max(area, 1):6.1%} of {area:6d} shape px marked; "
                  f"marked in the shape on {new} of {len(clean)} patches that had no mark there", flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
