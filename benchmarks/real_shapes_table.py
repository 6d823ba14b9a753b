"""Print one table per evaluation (metrics.json from `film-restore evaluate`) and say which targets each restorer meets.

    python benchmarks/real_shapes_table.py runs/real_shapes/eval_*/metrics.json

Targets, for every restorer except the `none` and `oracle` baselines:
  - mean PSNR gain over the input >= half the oracle's (the oracle: true mask + Telea fill);
  - mask F1 >= 0.6 (the per-image mean; the pooled F1 over all pixels is shown beside it);
  - no image worse than its input (PSNR(pred, clean) < PSNR(input, clean) for none of them);
  - mean SSIM on clean inputs >= 0.9995 (a clean photo is left alone).
"""
import json, sys
from pathlib import Path

from film_restore.training import CLEAN_SSIM_FLOOR as CLEAN_SSIM_MIN   # the floor the training recipe tunes its cut to

F1_MIN, GAIN_SHARE = 0.6, 0.5

def _m(s, key): return (s.get(key) or {}).get('mean')

def _f(v, nd=3, sign=False):
    return '-' if v is None else (f'{v:+.{nd}f}' if sign else f'{v:.{nd}f}')

def table(m):
    S = m['summary']
    name = Path(m['data']).name
    print(f"\n## {name}: {m['n_images']} images ({m['split']} split)\n")
    hdr = ['restorer', 'PSNR (dB)', 'PSNR gain (dB)', 'SSIM', 'SSIM clean input', 'mask precision', 'mask recall',
           'mask F1 (mean / pooled)', 'worst PSNR change (dB)', 'images worse']
    print('| ' + ' | '.join(hdr) + ' |'); print('|' + '---|' * len(hdr))
    for n, s in S.items():
        pooled, w = s.get('mask_pooled') or {}, s.get('worst') or {}
        f1 = '-' if _m(s, 'mask_f1') is None else f"{_f(_m(s, 'mask_f1'))} / {_f(pooled.get('f1'))}"
        worst = '-' if not w else f"{w['psnr_gain']:+.2f} ({w['name']})"
        print('| ' + ' | '.join([n, _f(_m(s, 'psnr'), 2), _f(_m(s, 'psnr_gain'), 2, True), _f(_m(s, 'ssim'), 4),
                                 _f(_m(s, 'ssim_clean'), 5), _f(_m(s, 'mask_precision')), _f(_m(s, 'mask_recall')), f1,
                                 worst, f"{w.get('n_worse', '-')} / {w.get('n', '-')}"]) + ' |')
    oracle_gain = _m(S.get('oracle', {}), 'psnr_gain')
    print()
    for n, s in S.items():
        if n in ('none', 'oracle'): continue
        gain, f1, clean, w = _m(s, 'psnr_gain'), _m(s, 'mask_f1'), _m(s, 'ssim_clean'), s.get('worst') or {}
        checks = [
            (f'PSNR gain {_f(gain, 2, True)} >= half the oracle\'s ({_f(None if oracle_gain is None else GAIN_SHARE*oracle_gain, 2, True)})',
             None if gain is None or oracle_gain is None else gain >= GAIN_SHARE * oracle_gain),
            (f'mask F1 {_f(f1)} >= {F1_MIN}', None if f1 is None else f1 >= F1_MIN),
            (f"no image worse than its input ({w.get('n_worse', '-')} worse)", None if not w else w['n_worse'] == 0),
            (f'clean SSIM {_f(clean, 5)} >= {CLEAN_SSIM_MIN}', None if clean is None else clean >= CLEAN_SSIM_MIN)]
        verdict = lambda ok: 'n/a' if ok is None else 'met' if ok else 'MISSED'
        print(f"{n}: " + '; '.join(f'{verdict(ok)}: {t}' for t, ok in checks))

def main(paths):
    if not paths: print(__doc__); return 2
    for p in paths: table(json.loads(Path(p).read_text()))
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
