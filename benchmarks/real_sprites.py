"""Cut real dust out of the real dusty negative as sprites for the `real-sprites:FILE` damage preset (lesson 2, issue 22).

    python benchmarks/real_sprites.py [--data ../shared/data] [--out runs/real_sprites.npz]

The negative (../shared/data/real_dusty_scan, development use only: the sprites are never shipped or committed) carries
hundreds of real white specks, clumps, hairs and fibres. `damage.cut_sprites` keeps each one that stands out from a
median of its surroundings AND differs there from the scan's own cleaned copy (the repository's baseline output beside
it), at least half opaque at its brightest, in the sky (above --rows): so that the pigeons, the street, the bus and the
lit edges are not cut as dust, and
not where the census (benchmarks/census.py) checks that known dust is gone: that dust stays unseen in training (a first cut over the whole frame, without the peak rule, held soft wing feathers and parts
of the bus). Writes the sprites (`damage.save_sprites`)
and OUT.png, a sheet of the largest sprites, to look at before training on them. Train on them with
`film-restore build-data ... --damage real-sprites:OUT` (benchmarks/detector_run.sh does).
"""
import argparse, json, sys
from pathlib import Path

NEGATIVE = 'real_dusty_scan/pigeons_bw_negative.jpg'


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--data', default='../shared/data')
    ap.add_argument('--out', default='runs/real_sprites.npz')
    ap.add_argument('--contrast', type=float, default=0.12, help='how far a speck stands out from its surroundings (0-1)')
    ap.add_argument('--min-peak', type=float, default=0.5, help='drop sprites fainter than this at their brightest (soft picture detail)')
    ap.add_argument('--rows', type=int, default=2300, help='cut from the rows above this one: the sky; the street below is full of lit detail')
    a = ap.parse_args(argv)
    import numpy as np
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from film_restore.core import load_image, save_figure
    from film_restore.damage import cut_sprites, save_sprites
    d = Path(a.data) / 'real_dusty_scan'
    scan, _ = load_image(d / 'pigeons_bw_negative.jpg')
    hint, _ = load_image(d / 'pigeons_dog_median_baseline.jpg')
    # the census's must-go dust (census_labels.json) stays out of training, so the census still judges dust never seen
    labels = json.loads((Path(__file__).with_name('census_labels.json')).read_text())['images'].get(NEGATIVE, [])
    for l in labels:
        if l.get('must_go'):
            x0, y0, x1, y1 = l['box']; scan[y0 - 8:y1 + 8, x0 - 8:x1 + 8] = hint[y0 - 8:y1 + 8, x0 - 8:x1 + 8]
    sprites = cut_sprites(scan[:a.rows], hint=hint[:a.rows], contrast=a.contrast, min_peak=a.min_peak)
    out = save_sprites(sprites, a.out)
    areas = np.array([(s > 0.05).sum() for s in sprites])
    print(f"{len(sprites)} sprites from {d / 'pigeons_bw_negative.jpg'} -> {out}")
    print(f"  area (px above 5% opacity): median {np.median(areas):.0f}, 90th percentile {np.percentile(areas, 90):.0f}, max {areas.max()}")
    print(f"  peak opacity: median {np.median([s.max() for s in sprites]):.2f}")
    big = sorted(range(len(sprites)), key=lambda i: -areas[i])[:48]
    fig, axes = plt.subplots(6, 8, figsize=(12, 9))
    for ax in axes.ravel(): ax.axis('off')
    for ax, i in zip(axes.ravel(), big):
        ax.imshow(sprites[i], cmap='gray', vmin=0, vmax=1, interpolation='nearest'); ax.set_title(f'{areas[i]} px', fontsize=7)
    fig.suptitle(f'the 48 largest of {len(sprites)} sprites cut from the real negative (opacity, white = 1)')
    save_figure(fig, Path(a.out).with_suffix('.png'), dpi=90)
    return 0


if __name__ == '__main__':
    sys.exit(main())
