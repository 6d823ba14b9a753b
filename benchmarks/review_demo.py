"""The issue-25 check on real pictures: restore two old prints and a crop of the dusty negative with --review-page,
reject the false alarms, brush over the hair the model left, apply the review, and show input | model | reviewed.

    python benchmarks/review_demo.py [--data ../shared/data] [--out runs/review_demo]

The images are development-only (see ../shared/data/*/README.md) and are not shipped; the region ids below were
chosen by eye on the page the shipped default model gives (detector_v5, the config of this commit). They are
checked before use: a different model gives different regions, and the script then stops and says so. What is
rejected: Cork1905's lit door-frame edges (r2, r3, r4), the girl's white collar (r12, r14) and a lit hand (r13);
SanFran1851's pole on the hill (r17) and two lit building edges (r37, r39). What is added: spots of radius 3 px
along the long hair in the top-left 640 px of the negative (its pixels brighter than a 15 px median by 0.12: a
stand-in for a person's brush stroke). Writes OUT/decisions.json, OUT/done_when.png, and checks that every rejected
pixel is the input's again.
"""
import argparse, json, shutil, sys
from pathlib import Path

import cv2
import numpy as np

REJECT = {'Cork1905.jpg': (['r2', 'r3', 'r4', 'r12', 'r13', 'r14'], [(315, 146), (287, 159), (416, 212), (307, 810), (415, 814), (322, 832)]),
          'SanFran1851.jpg': (['r17', 'r37', 'r39'], [(86, 304), (1290, 488), (1048, 492)])}
ROWS = [('Cork1905.jpg', 780, 860, 280, 450, 'the collar and a hand'), ('Cork1905.jpg', 130, 260, 270, 430, 'lit door-frame edges'),
        ('SanFran1851.jpg', 290, 400, 40, 140, 'the pole on the hill'), ('pigeons_topleft.png', 0, 115, 15, 145, 'the long hair')]


def hair_spots(grey: np.ndarray) -> list[list[int]]:
    "Spots of radius 3 every 3 px along the bright hair in the top-left window of the negative."
    win = grey[0:115, 20:140]; bg = cv2.medianBlur((win * 255).astype(np.uint8), 15) / 255
    ys, xs = np.nonzero(win - bg > 0.12); spots, last = [], None
    for x, y in sorted(zip(xs + 20, ys), key=lambda p: p[1]):
        if last is None or abs(x - last[0]) + abs(y - last[1]) >= 3: spots.append([int(x), int(y), 3]); last = (x, y)
    return spots


def main():
    from film_restore.core import load_image, save_image
    from film_restore.restore import restore_paths, main as cli, review_regions, REVIEW_FILES, DECISIONS_FORMAT, _read_png
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='../shared/data'); ap.add_argument('--out', default='runs/review_demo')
    a = ap.parse_args(); root = Path(a.out); src, out = root / 'in', root / 'out'
    shutil.rmtree(root, ignore_errors=True); src.mkdir(parents=True)
    for f in REJECT: shutil.copy(Path(a.data) / 'old_photos_bw' / f, src / f)
    neg = load_image(Path(a.data) / 'real_dusty_scan' / 'pigeons_bw_negative.jpg', native=True)[0]
    save_image(neg[:640, :640], src / 'pigeons_topleft.png'); del neg
    restore_paths([src], out, progress=False, review_page=True, save_mask=True)
    m = json.loads((out / REVIEW_FILES / 'manifest.json').read_text()); ids = {e['output']: e for e in m['images']}
    model = {n: load_image(out / n)[0] for n in ids}
    images = {}
    for name, (rej, corners) in REJECT.items():
        boxes = {r['id']: tuple(r['box'][:2]) for r in ids[name]['regions']}
        if [boxes.get(r) for r in rej] != corners:
            sys.exit(f"{name}: the regions differ from the ones chosen by eye (another model or cut?); pick them again on {out / 'review.html'}")
        images[ids[name]['id']] = dict(rejected=rej, spots=[])
    images[ids['pigeons_topleft.png']['id']] = dict(rejected=[], spots=hair_spots(load_image(src / 'pigeons_topleft.png')[0].mean(-1)))
    dec = dict(format=DECISIONS_FORMAT, version=1, batch=m['batch'], out_dir=m['out_dir'], images=images)
    (out / 'decisions.json').write_text(json.dumps(dec, indent=1))
    if cli(['apply-review', str(out / 'decisions.json')]) != 0: sys.exit('apply-review failed')
    for name, (rej, _) in REJECT.items():
        lab, _ = review_regions(_read_png(out / REVIEW_FILES / ids[name]['id'] / 'mask.png') > 0)
        r = np.isin(lab, [int(x[1:]) for x in rej])
        same = np.array_equal(load_image(src / name, native=True)[0][r], load_image(out / name, native=True)[0][r])
        print(f"{name}: {int(r.sum())} rejected pixels, all the input's again: {same}")
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(len(ROWS), 3, figsize=(12, 3.4 * len(ROWS)))
    for row, (n, y0, y1, x0, x1, what) in zip(ax, ROWS):
        for axx, im, t in zip(row, [load_image(src / n)[0], model[n], load_image(out / n)[0]], ['input', 'model', 'after review']):
            axx.imshow(im[y0:y1, x0:x1], interpolation='nearest'); axx.set_title(f'{n}: {what}, {t}', fontsize=9); axx.axis('off')
    fig.tight_layout(); fig.savefig(out / 'done_when.png', dpi=60); print(f"wrote {out / 'done_when.png'}")


if __name__ == '__main__':
    main()
