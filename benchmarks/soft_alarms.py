"""How much a detector marks on clean photos as they are, and on the same photos made soft, grey or like old prints.

    python benchmarks/soft_alarms.py runs/leg22_model [--data ../shared/data]

Lesson 2's `print_look` exists because the standing run's detectors paint soft lit skin and satin on the old prints.
This measures the cause on photos with no damage at all: 70 clean training photos (every 4th of bsds500/train, every
5th of urban100, at most 700 px), restored whole with the model's own settings (cut, tone, size limit). Every pixel it
marks is a false alarm. It prints marked pixels a megapixel, how many photos get any mark, and how many marked regions
are over 100 px (the census's size), for each look. The print look draws its own seed per photo (the photo's index).
"""
import argparse, sys
from pathlib import Path

import cv2, numpy as np

from film_restore.core import load_image
from film_restore.damage import luma, print_look
from film_restore.evaluate import census_regions
from film_restore.restore import restore_array
from film_restore.unet import load_restorer

LOOKS = {
    'as is': lambda x, rng: x,
    'grey': lambda x, rng: np.repeat(luma(x)[..., None], 3, axis=2),
    'blur 1.5 px': lambda x, rng: cv2.GaussianBlur(x, (0, 0), 1.5),
    'blur 3 px': lambda x, rng: cv2.GaussianBlur(x, (0, 0), 3.0),
    'old print': print_look,
}


def clean_photos(data: Path) -> list[Path]:
    return sorted((data / 'bsds500' / 'train').glob('*.jpg'))[::4][:50] + sorted((data / 'urban100').glob('*.jpg'))[::5][:20]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('model', help='a model folder (model.pth and config.json)')
    ap.add_argument('--data', default='../shared/data', help='the shared image sets (default ../shared/data)')
    a = ap.parse_args(argv)
    files = clean_photos(Path(a.data))
    if not files: sys.exit(f"no photos under {a.data}/bsds500/train or {a.data}/urban100")
    model, cfg = load_restorer(a.model)
    print(f"{a.model}: cut {cfg.get('mask_threshold')}, tone {cfg.get('damage_tone')}, {len(files)} clean photos", flush=True)
    tally = {k: dict(px=0, area=0, photos=0, big=0) for k in LOOKS}
    for i, f in enumerate(files):
        img, _ = load_image(f)
        if max(img.shape) > 700: img = cv2.resize(img, None, fx=700 / max(img.shape), fy=700 / max(img.shape), interpolation=cv2.INTER_AREA)
        for name, look in LOOKS.items():
            x8 = (np.clip(look(img, np.random.default_rng(i)), 0, 1) * 255 + 0.5).astype(np.uint8)
            _, mask = restore_array(model, x8)
            t, n = tally[name], int(mask.sum())
            t['px'] += n; t['area'] += mask.size; t['photos'] += n > 0
            t['big'] += len(census_regions(mask))
    base = tally['as is']['px'] / tally['as is']['area']
    for name, t in tally.items():
        rate = t['px'] / t['area']
        print(f"{name:12s} {rate * 1e6:7.0f} marked px a Mpx ({rate / max(base, 1e-12):4.1f} x as is), "
              f"{t['photos']} of {len(files)} photos marked, {t['big']} regions over 100 px")
    return 0


if __name__ == '__main__':
    sys.exit(main())
