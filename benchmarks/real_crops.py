"""What the restorer does to REAL damage: crops of a dusty negative scan and of old prints, before | after | mask | |change|.

    python benchmarks/real_crops.py [--data ../shared/data] [--model DIR] [--out runs/real_crops] [--zoom 2] [--full]

There is no ground truth for these images, so this is a judgement by eye, one sheet per photo (`sheet_<photo>.png`):
each row is one hand-picked crop, shown as
  before | after | mask overlay (the model's mask in red over the input) | |after - before| x4
at `--zoom` (nearest neighbour, so every pixel the model touched is visible). Crops were chosen by looking at the
images; each says what it holds: real dust, hairs and scratches to remove, and real fine highlights (twigs,
poles, chains, catchlights, lit edges) that a restorer must leave alone (METHOD.md sections 10-11).

Restoration is `film_restore.restore.restore_array` (tiled, the model's own mask cut; outside the mask the
input is kept bit for bit), run on a window of the crop plus `--margin` px of context (the whole image with
`--full`). `crops.json` lists, per crop, the share of pixels in the mask and the mean |change|.
The images come from ../shared/data (development only; never ship them or the sheets).
"""
import argparse, json, sys, time
from pathlib import Path

import numpy as np

# (file under --data, x, y, side, what the crop shows). Coordinates are full-resolution pixels, chosen by eye.
CROPS = {
    'real_dusty_scan/pigeons_bw_negative.jpg': [
        (0, 0, 320, 'long white hair in the sky (top-left corner), a few specks'),
        (460, 160, 320, 'clump of white dust specks in a flat sky'),
        (2150, 1850, 320, 'three short fibres / hairs in the sky below a pigeon'),
        (100, 2100, 320, 'curly hair in front of a roof edge and cornice (real edges must stay)'),
    ],
    'old_photos_bw/PostOfficeVermont1914.png': [
        (590, 40, 300, 'lit sapling trunks, bare branches, a pole and the painted sign: real thin highlights'),
    ],
    'old_photos_bw/SanFran1851.jpg': [
        (250, 180, 300, 'flagpole, thin light paths on the hill, shop lettering: real thin lines'),
    ],
    'old_photos_bw/Unidentified1855.jpg': [
        (1020, 260, 320, 'catchlights in the eyes, necklace chain, white specks on hair and face'),
    ],
    'old_photos_bw/Mid1800sSisters.jpg': [
        (40, 440, 300, 'blotch on nose and mouth, scratch across the face, earrings'),
        (340, 170, 300, 'drop earrings and lace collar of the standing sister'),
    ],
    'old_photos_bw/Cork1905.jpg': [
        (150, 40, 300, 'lit door-frame and shop-window edges, lettering'),
    ],
}
GAIN = 4.0


def overlay(img, mask, colour=(1.0, 0.1, 0.1), alpha=0.65):
    "The input in grey with the mask's pixels tinted `colour`."
    grey = np.repeat(img.mean(-1, keepdims=True), 3, -1)
    out = grey.copy()
    if mask is not None: out[mask] = (1 - alpha) * grey[mask] + alpha * np.asarray(colour, np.float32)
    return out


def restore_window(model, img, x, y, s, margin, full_cache=None):
    "Restore the crop (x, y, s) with `margin` px of context around it; returns (before, after, mask) of the crop."
    from film_restore.restore import restore_array
    H, W = img.shape[:2]
    if full_cache is not None:
        after, mask = full_cache
        y0, x0 = 0, 0
    else:
        y0, x0, y1, x1 = max(0, y - margin), max(0, x - margin), min(H, y + s + margin), min(W, x + s + margin)
        after, mask = restore_array(model, img[y0:y1, x0:x1], device='cpu')
    cy, cx = y - y0, x - x0
    crop = lambda a: None if a is None else a[cy:cy + s, cx:cx + s]
    return img[y:y + s, x:x + s], crop(after), crop(mask)


def sheet(rows, title, path, zoom=2, dpi=100):
    "One figure: a row per crop of before | after | mask overlay | |after-before| x GAIN, at `zoom` (nearest neighbour)."
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from film_restore.core import diff_image
    s = max(r['before'].shape[0] for r in rows)
    pw, ph = s * zoom / dpi, s * zoom / dpi
    head, row_txt = 0.45, 0.5
    fig = plt.figure(figsize=(4 * pw, len(rows) * (ph + row_txt) + head), dpi=dpi)
    fig.suptitle(title, fontsize=14, y=1 - 0.15 / (len(rows) * (ph + row_txt) + head))
    cols = ['before', 'after', 'mask (red)', f'|after - before| x{GAIN:g}']
    H = len(rows) * (ph + row_txt) + head
    for i, r in enumerate(rows):
        panels = [r['before'], r['after'], overlay(r['before'], r['mask']), diff_image(r['after'], r['before'], gain=GAIN)]
        top = H - head - i * (ph + row_txt)
        for j, p in enumerate(panels):
            ax = fig.add_axes([j / 4, (top - row_txt - ph) / H, 1 / 4, ph / H])
            ax.imshow(np.clip(p, 0, 1), interpolation='nearest', vmin=0, vmax=1); ax.set_xticks([]); ax.set_yticks([])
            ax.set_title(f"{cols[j]}" + (f"\n({r['x']},{r['y']}) {r['side']} px: {r['what']}" if j == 0 else
                                         f"\nmask {r['mask_pct']:.2f}% of pixels, mean |change| {r['mean_change']:.4f}" if j == 2 else ''),
                         fontsize=8, loc='left' if j in (0, 2) else 'center')
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi); plt.close(fig)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--data', default='../shared/data', help='folder holding real_dusty_scan/ and old_photos_bw/')
    ap.add_argument('--model', default=None, help='model folder (default: the shipped default model)')
    ap.add_argument('--out', default='runs/real_crops')
    ap.add_argument('--zoom', type=int, default=2, help='display zoom, 1 or 2 (nearest neighbour)')
    ap.add_argument('--margin', type=int, default=128, help='context restored around each crop, px')
    ap.add_argument('--full', action='store_true', help='restore each whole image (slow for the 12 Mpx scan)')
    a = ap.parse_args(argv)
    import torch
    from film_restore.core import load_image, DEFAULT_MODEL_DIR
    from film_restore.unet import load_restorer
    torch.manual_seed(0)
    model_dir = Path(a.model) if a.model else DEFAULT_MODEL_DIR
    model, _ = load_restorer(model_dir, device='cpu')
    data, out = Path(a.data), Path(a.out)
    report = dict(model=str(model_dir), zoom=a.zoom, margin=a.margin, full=a.full, crops=[])
    t0 = time.time()
    for rel, crops in CROPS.items():
        path = data / rel
        if not path.exists(): print(f'skip {path}: not found'); continue
        img, _ = load_image(path)
        full = None
        if a.full:
            from film_restore.restore import restore_array
            full = restore_array(model, img, device='cpu')
        rows = []
        for x, y, s, what in crops:
            before, after, mask = restore_window(model, img, x, y, s, a.margin, full)
            r = dict(photo=rel, x=x, y=y, side=s, what=what, before=before, after=after, mask=mask,
                     mask_pct=0.0 if mask is None else 100 * float(mask.mean()),
                     mean_change=float(np.abs(after - before).mean()))
            rows.append(r)
            report['crops'].append({k: v for k, v in r.items() if k not in ('before', 'after', 'mask')})
            print(f"{rel} ({x},{y}) {s}px: mask {r['mask_pct']:.2f}% mean|change| {r['mean_change']:.4f}  [{what}]")
        p = sheet(rows, f'{Path(rel).name}: model {model_dir}', out / f'sheet_{Path(rel).stem}.png', zoom=a.zoom)
        print(f'wrote {p}')
    report['seconds'] = round(time.time() - t0, 1)
    (out / 'crops.json').write_text(json.dumps(report, indent=1))
    print(f"wrote {out/'crops.json'} ({report['seconds']} s)")
    return 0


if __name__ == '__main__': sys.exit(main())
