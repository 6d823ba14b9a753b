"""The census (issue 22, lesson 7): restore every old print of old_photos_bw and the dusty negative WHOLE, list every
restored region larger than 100 px, label each from the boxes in benchmarks/census_labels.json, and draw them all.

    python benchmarks/census.py [--data ../shared/data] [--model DIR] [--cut P] [--out runs/census]

A region is "detail" or "dust" when a labelled box covers at least half of it (evaluate.label_region), and
"unlabelled" otherwise: look at the sheet and add a box for it to census_labels.json (labels are boxes on the photo,
so they carry over from model to model). Dust labelled `must_go` is checked by what is left of it after restoration
(evaluate.dust_left), so a missed hair and a hair cut in two both show.
Prints per image the regions by label; in all, the regions of real detail restored (target 0) and the must-go dust
left (target: gone whole). `--cut` restores at another cut than the model's tuned one (its config's mask_threshold),
so one model's trade-off between detail painted and dust found reads off a few runs at a few cuts.
Writes OUT/census.json and OUT/census_NN.png (every region, largest first, before above after). The images come from
../shared/data (development only; never ship them or the sheets).
"""
import argparse, json, sys, time
from pathlib import Path

LABELS = Path(__file__).with_name('census_labels.json')
NEGATIVE = 'real_dusty_scan/pigeons_bw_negative.jpg'
KINDS = ('detail', 'dust', 'unlabelled')


def census_photos(data: Path) -> list[str]:
    "The census's images, relative to --data: every old print, then the dusty negative."
    old = sorted(p.relative_to(data).as_posix() for p in (data / 'old_photos_bw').iterdir()
                 if p.suffix.lower() in ('.jpg', '.jpeg', '.png', '.tif', '.tiff'))
    return old + [NEGATIVE]


def print_summary(model_dir, cut, regions, must, n_images, seconds):
    "Print the census's totals and the must-go dust; `cut` is None for reports written before `--cut` (they hold none)."
    tot = {k: sum(r['label'] == k for r in regions) for k in KINDS}
    old = {k: sum(r['label'] == k and r['image'].startswith('old_photos_bw') for r in regions) for k in KINDS}
    name = model_dir if cut is None else f"{model_dir} at cut {cut}"
    print(f"\nmodel {name}: {len(regions)} regions larger than 100 px in {n_images} images ({seconds:.0f} s)")
    print(f"  real detail restored: {tot['detail']} (in the old prints: {old['detail']}; target 0); "
          f"dust: {tot['dust']}; unlabelled: {tot['unlabelled']}")
    for m in must:
        print(f"  must-go dust {Path(m['image']).name} {m['box']} ({m['what']}): {m['left'] * 100:.0f}% left, "
              + ('gone whole' if m['left'] <= 0.1 else 'LEFT'))
    return tot, old


def relabel(report_path: Path, labels_path: Path) -> int:
    "Label a finished census's regions again (after boxes were added to the labels) and print it; the must-go dust is as measured."
    from film_restore.evaluate import label_region
    rep, labels = json.loads(report_path.read_text()), json.loads(labels_path.read_text())['images']
    for r in rep['regions']:
        l = label_region(r['box'], labels.get(r['image'], []))
        r['label'], r['what'] = (l['label'], l['what']) if l else ('unlabelled', '')
    tot, old = print_summary(rep['model'], rep.get('cut'), rep['regions'], rep['must_go'], rep.get('images', len({r['image'] for r in rep['regions']})), 0)
    rep.update(totals=tot, old_prints=old)
    report_path.write_text(json.dumps(rep, indent=1))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--data', default='../shared/data', help='folder holding old_photos_bw/ and real_dusty_scan/')
    ap.add_argument('--model', default=None, help='model folder (default: the shipped default model)')
    ap.add_argument('--out', default='runs/census')
    ap.add_argument('--cut', type=float, default=None, help="the mask's cut on the damage probability (default: the model's own)")
    ap.add_argument('--labels', default=str(LABELS))
    ap.add_argument('--per-sheet', type=int, default=36, help='regions per sheet')
    ap.add_argument('--relabel', default=None, help="a census.json: label its regions again from --labels and print the census, restoring nothing")
    a = ap.parse_args(argv)
    if a.relabel: return relabel(Path(a.relabel), Path(a.labels))
    import numpy as np, torch
    from film_restore.core import load_image, save_figure, DEFAULT_MODEL_DIR
    from film_restore.unet import load_restorer
    from film_restore.restore import restore_array, _model_cut
    from film_restore.evaluate import census_image, census_sheet
    torch.manual_seed(0)
    model_dir = Path(a.model) if a.model else DEFAULT_MODEL_DIR
    model, _ = load_restorer(model_dir, device='cpu')
    cut, _ = _model_cut(model, a.cut)     # the cut restore_array will use, checked before the first photo
    labels = json.loads(Path(a.labels).read_text())['images']
    data, out = Path(a.data), Path(a.out); out.mkdir(parents=True, exist_ok=True)
    regions, must, images, t0 = [], [], {}, time.time()
    for rel in census_photos(data):
        img, _ = load_image(data / rel)
        after, mask = restore_array(model, img, device='cpu', mask_threshold=cut)
        images[rel] = (img, after)
        regs, m = census_image(rel, img, after, mask, labels.get(rel, []))
        regions += regs; must += m
        changed = 0.0 if mask is None else 100 * float(mask.mean())
        print(f"{rel:52s} changed {changed:6.3f}%  regions: " + ', '.join(f"{k} {sum(r['label'] == k for r in regs)}" for k in KINDS), flush=True)
    regions.sort(key=lambda r: (-r['area'], r['image'], r['box']))
    tot, old = print_summary(model_dir, cut, regions, must, len(images), time.time() - t0)
    report = dict(model=str(model_dir), cut=cut, images=len(images), totals=tot, old_prints=old, must_go=must, regions=regions)
    (out / 'census.json').write_text(json.dumps(report, indent=1))
    for i in range(0, len(regions), a.per_sheet):
        page = regions[i:i + a.per_sheet]
        fig = census_sheet(page, images, title=f"{model_dir}: regions {i}-{i + len(page) - 1} of {len(regions)}, largest first")
        for ax in fig.axes:   # number regions across sheets
            t = ax.get_title(loc='left')
            if t.startswith('#'): ax.set_title(f"#{int(t[1:t.index(' ')]) + i}{t[t.index(' '):]}", fontsize=6.5, loc='left')
        save_figure(fig, out / f'census_{i // a.per_sheet:02d}.png', dpi=110)
        print('wrote', out / f'census_{i // a.per_sheet:02d}.png')
    return 0


if __name__ == '__main__':
    sys.exit(main())
