"""The model card's table from `film-restore evaluate` reports.

    python benchmarks/model_card_table.py runs/model_card/eval_*/metrics.json

One row per (image set, damage preset, restorer): PSNR and SSIM on damaged inputs, SSIM on clean inputs, and
mask precision/recall where the restorer predicts a mask. The set and preset are read from the evaluated
dataset's own record (`.film_restore_dataset.json`), so a report cannot be filed under the wrong heading.
"""
import json, sys
from pathlib import Path

ORDER = ['default', 'none', 'classical', 'oracle']


def describe(data: str) -> tuple[str, str]:
    rec = json.loads((Path(data) / '.film_restore_dataset.json').read_text())
    photos = Path(rec['sources'][0]).name
    damage = rec['damage'].split(':')[0]
    return photos, damage


def rows(paths):
    for p in paths:
        m = json.loads(Path(p).read_text())
        photos, damage = describe(m['data'])
        names = sorted(m['summary'], key=lambda n: ORDER.index(n) if n in ORDER else -1)
        for name in names:
            s = m['summary'][name]
            get = lambda k, nd: f"{s[k]['mean']:.{nd}f}" if (s.get(k) or {}).get('mean') is not None else '-'
            yield (f"{photos} ({m['n_images']})", damage, name, get('psnr', 2), get('ssim', 4), get('ssim_clean', 4),
                   get('mask_precision', 3), get('mask_recall', 3))


def main(argv=None):
    paths = (argv if argv is not None else sys.argv[1:])
    if not paths: print(__doc__); return 2
    print('| photos | damage | restorer | PSNR (dB) | SSIM | SSIM, clean input | mask precision | mask recall |')
    print('|---|---|---|---|---|---|---|---|')
    for r in sorted(rows(paths), key=lambda r: (r[0], r[1])): print('| ' + ' | '.join(r) + ' |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
