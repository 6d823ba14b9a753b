"""Where a detector's finds go wrong: true finds against false alarms, and what a perfect check of each find would gain.

    python benchmarks/false_alarms.py --model DIR --data runs/real_shapes/data_kodak24_real-eval [--cuts 0.5 0.9 0.98]
                                      [--out runs/false_alarms] [--sheet 12]

For each image of the dataset's test split (built by `benchmarks/real_shapes.sh`, so with true masks), the model's
damage probability is cut at each threshold of `--cuts` (one view, no dilation), and every 8-connected component of
the cut is a *true find* or a *false alarm* by lesson 7's `split_finds` (at least `TRUE_FIND`, a fifth, of its pixels
are damage, or not). Printed per cut:

- how many components of each kind, and their pixels;
- the PSNR gain over doing nothing when the cut is filled with OpenCV's Telea (what `restore --fill telea` does),
  with the worst image and the number of images made worse;
- the same with the false alarms dropped: the ceiling of any second-stage check of the detector's finds (a
  verifier, a size or shape rule), which can only drop components, never add any.

With `--verifier DATA` (a training dataset with true masks, say `runs/real_data2`; never Kodak24 or McMaster18) it
also tries a learned second stage: scikit-learn's gradient-boosted trees, fitted on simple features of each component
(size, shape, the model's logits, contrast and texture against a ring around it, saturation) from DATA's train split
to predict whether filling the component helps, with the probability cut that helps most on DATA's validation split.

`sheet_false_alarms.png` in `--out` shows the `--sheet` costliest false alarms (input, then probability with the
true damage outlined in red), 100 px around each. The benchmark images are evaluation-only and research-licensed:
look at the sheet, do not commit it.
"""
import argparse, json, sys
from pathlib import Path

import cv2
import numpy as np
import torch

from film_restore.core import load_image, image2tensor, tensor2image, autocast, save_figure, show_images
from film_restore.unet import load_restorer, pad_to_multiple, crop_to
from film_restore.evaluate import load_items, psnr, inpaint, split_finds, TRUE_FIND, _read_soft_mask


@torch.inference_mode()
def network_output(model, img, one_view: bool = True):
    "The model's fill (HxWx3) and damage logit (HxW), float32, for `img` (HxWx3 float) in the CPU's default precision;\n`one_view=False`: over the model's own test-time views, as `film-restore restore` runs it."
    x, hw = pad_to_multiple(image2tensor(img)[None], 32)
    with autocast(torch.device('cpu'), 'bf16'): pred, logit = (model.raw_one if one_view else model.raw)(x)
    return tensor2image(crop_to(pred.float(), hw).clamp(0, 1)), crop_to(logit.float(), hw)[0, 0].numpy()


def damage_logit(model, img):
    "The model's damage logit (HxW float32) for `img`, one view."
    return network_output(model, img)[1]


FEATURES = ('log area', 'log width', 'log height', 'box fill', 'max logit', 'mean logit', 'contrast', 'texture inside',
            'texture around', 'gradient inside', 'saturation inside', 'saturation around', 'fill residual s.d.')


def component_features(img, logit, lab, n):
    "One row of FEATURES per component 1..n-1 of `lab` (the input `img`, the model's `logit`)."
    lum = img @ np.array([0.299, 0.587, 0.114], np.float32); sat = img.max(-1) - img.min(-1)
    grad = np.hypot(cv2.Sobel(lum, cv2.CV_32F, 1, 0), cv2.Sobel(lum, cv2.CV_32F, 0, 1))
    resid = lum - inpaint(img, lab > 0) @ np.array([0.299, 0.587, 0.114], np.float32)
    rows = []
    for k in range(1, n):
        ys, xs = np.nonzero(lab == k); y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        win = np.s_[max(0, y0 - 4):y1 + 4, max(0, x0 - 4):x1 + 4]
        inside = lab[win] == k
        ring = (cv2.dilate(inside.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0) & (lab[win] == 0)
        if not ring.any(): ring = inside
        li, lr = lum[win][inside], lum[win][ring]
        rows.append([np.log(inside.sum()), np.log(x1 - x0), np.log(y1 - y0), inside.sum() / ((x1 - x0) * (y1 - y0)),
                     logit[win][inside].max(), logit[win][inside].mean(), li.mean() - lr.mean(), li.std(), lr.std(),
                     grad[win][inside].mean(), sat[win][inside].mean(), sat[win][ring].mean(), resid[win][inside].std()])
    return np.array(rows, np.float32).reshape(-1, len(FEATURES))


def verifier_data(model, data, split, cut):
    "Features, and per component the squared error its Telea fill removes (negative: it adds error), over `split` of `data`."
    X, benefit = [], []
    for it in load_items(data, split):
        clean, _ = load_image(it['clean']); img, _ = load_image(it['damaged'])
        logit = damage_logit(model, img); n, lab = cv2.connectedComponents((logit > cut).astype(np.uint8), connectivity=8)
        if n < 2: continue
        fill = inpaint(img, lab > 0)
        e = ((img - clean) ** 2 - (fill - clean) ** 2).sum(-1)
        X.append(component_features(img, logit, lab, n)); benefit.append(np.bincount(lab.ravel(), e.ravel(), minlength=n)[1:])
    return np.concatenate(X), np.concatenate(benefit)


def fit_verifier(model, data, cut):
    "Gradient-boosted trees on DATA's train split (weighted by how much each component's fill helps or hurts), cut on validation."
    from sklearn.ensemble import HistGradientBoostingClassifier
    X, b = verifier_data(model, data, 'train', cut)
    clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0)
    clf.fit(X, b > 0, sample_weight=np.maximum(np.abs(b), 1e-3) / np.abs(b).mean())
    Xv, bv = verifier_data(model, data, 'validation', cut)
    pv = clf.predict_proba(Xv)[:, 1]
    keep_cut = max(np.linspace(0.05, 0.95, 19), key=lambda t: bv[pv > t].sum())
    print(f'verifier: {len(X)} training components; on validation it keeps {bv[pv > keep_cut].sum():.0f} of the '
          f'{bv[bv > 0].sum():.0f} squared error a perfect check would remove (all components: {bv.sum():.0f}), cut {keep_cut:.2f}')
    return clf, keep_cut


def telea(img, mask): return inpaint(img, mask) if mask.any() else img


def gain(img, clean, mask=None, filled=None):
    "PSNR change against the input when `mask` is filled by Telea (or of `filled`, an image already filled)."
    return psnr(telea(img, mask) if filled is None else filled, clean) - psnr(img, clean)


def summarize(g):
    g = np.asarray(g)
    return dict(gain=round(float(g.mean()), 3), worst=round(float(g.min()), 2), worse=int((g < -0.005).sum()), n=len(g))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True); ap.add_argument('--data', required=True)
    ap.add_argument('--cuts', type=float, nargs='+', default=[0.5, 0.9, 0.98])
    ap.add_argument('--out', default='runs/false_alarms'); ap.add_argument('--sheet', type=int, default=12)
    ap.add_argument('--verifier', metavar='DATA', help='also fit and try a learned check of each find on this training dataset')
    a = ap.parse_args(argv)
    model, _ = load_restorer(a.model); model.eval()
    verifiers = {c: fit_verifier(model, a.verifier, np.log(c / (1 - c))) for c in a.cuts} if a.verifier else {}
    items = load_items(a.data, 'test')
    rows = {c: dict(found=0, false=0, found_px=0, false_px=0, gains=[], ceiling=[], verified=[]) for c in a.cuts}
    costly = []   # (PSNR cost in squared error, image name, centre, crop of input, crop of probability, crop of true mask)
    for it in items:
        clean, _ = load_image(it['clean']); img, _ = load_image(it['damaged']); soft = _read_soft_mask(it['mask'])
        logit = damage_logit(model, img)
        for c in a.cuts:
            cut = logit > np.log(c / (1 - c))
            lab, true, area = split_finds(cut, soft > 0)
            r = rows[c]
            r['found'] += int(true.sum()); r['false'] += int((~true[1:]).sum())
            r['found_px'] += int(area[true].sum()); r['false_px'] += int(area[1:][~true[1:]].sum())
            fill = telea(img, cut)
            r['gains'].append(gain(img, clean, filled=fill)); r['ceiling'].append(gain(img, clean, true[lab]))
            if c in verifiers and len(true) > 1:
                clf, keep_cut = verifiers[c]
                keep = np.r_[False, clf.predict_proba(component_features(img, logit, lab, len(true)))[:, 1] > keep_cut]
                r['verified'].append(gain(img, clean, keep[lab]))
            elif c in verifiers: r['verified'].append(0.0)
            if c == a.cuts[0] and (~true[1:]).any():   # the costliest false alarms, at the lowest cut
                cost = np.bincount(lab.ravel(), ((fill - clean) ** 2 - (img - clean) ** 2).sum(-1).ravel(), minlength=len(true))
                for k in np.where(~true)[0][1:]:
                    ys, xs = np.nonzero(lab == k); cy, cx = int(ys.mean()), int(xs.mean())
                    y0 = min(max(0, cy - 50), max(0, img.shape[0] - 100)); x0 = min(max(0, cx - 50), max(0, img.shape[1] - 100))
                    win = np.s_[y0:y0 + 100, x0:x0 + 100]
                    costly.append((float(cost[k]), it['name'], int(area[k]), img[win], 1 / (1 + np.exp(-logit[win])), soft[win] > 0))
        costly = sorted(costly, key=lambda t: -t[0])[:a.sheet]
    print(f"model {a.model}   data {a.data}   {len(items)} images   true find: >= {TRUE_FIND:.0%} of a component is damage")
    v = ' learned check: gain, worst, worse |' if verifiers else ''
    print(f'| cut | true finds (px) | false alarms (px) | gain, worst, images worse | false alarms dropped: gain, worst, worse |{v}')
    print('|---|---|---|---|---|' + ('---|' if verifiers else ''))
    table = {}
    for c, r in rows.items():
        s, t = summarize(r['gains']), summarize(r['ceiling'])
        table[c] = dict(found=r['found'], found_px=r['found_px'], false=r['false'], false_px=r['false_px'], telea=s, ceiling=t)
        u = ''
        if verifiers: table[c]['verified'] = w = summarize(r['verified']); u = f" {w['gain']:+.2f} dB, {w['worst']:+.2f}, {w['worse']}/{w['n']} |"
        print(f"| {c} | {r['found']} ({r['found_px']}) | {r['false']} ({r['false_px']}) | {s['gain']:+.2f} dB, {s['worst']:+.2f}, "
              f"{s['worse']}/{s['n']} | {t['gain']:+.2f} dB, {t['worst']:+.2f}, {t['worse']}/{t['n']} |{u}")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    (out / 'false_alarms.json').write_text(json.dumps(dict(model=a.model, data=a.data, table=table,
        costliest=[dict(cost=round(c[0], 2), image=c[1], area=c[2]) for c in costly]), indent=1))
    if costly:
        def outline(p, m):   # the probability in grey, the true damage in red
            rgb = np.repeat(p[..., None], 3, -1); rgb[m & (cv2.dilate(m.astype(np.uint8), np.ones((3, 3))) > 0) & ~(cv2.erode(m.astype(np.uint8), np.ones((3, 3))) > 0)] = (1, 0, 0)
            return rgb
        pairs = [[c[3], outline(c[4], c[5])] for c in costly]
        grid = [[pic for pair in pairs[i:i + 3] for pic in pair] for i in range(0, len(pairs), 3)]
        while len(grid[-1]) < 6: grid[-1].append(np.ones_like(pairs[0][0]))
        titles = [f'{c[1]} ({c[2]} px)' if j % 2 == 0 else 'p(damage)' for c in costly[:3] for j in range(2)]
        print('sheet:', save_figure(show_images(grid, titles=titles, size=2.2), out / 'sheet_false_alarms.png'))


if __name__ == '__main__':
    sys.exit(main())
