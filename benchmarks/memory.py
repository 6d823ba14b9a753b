"""Peak memory of `film-restore restore` against image size, with the default model.

    python benchmarks/memory.py                 # 1, 10 and 40 Mpx 8-bit PNG, 100 Mpx 16-bit TIFF
    python benchmarks/memory.py --mp 1 10       # only these (8-bit PNG below 100 Mpx, 16-bit TIFF from 100 Mpx)
    python benchmarks/memory.py --keep DIR      # keep the synthetic images and results in DIR

For each size a synthetic scan (smooth gradients, film grain, a few hundred dust specks; seeded, so the same
every run) is written to a temporary folder, then `film-restore restore IMAGE -o OUT` runs in a subprocess of
a small wrapper process, which reports its child's peak resident memory (`getrusage(RUSAGE_CHILDREN)`, Linux
kilobytes): everything the command held at its worst moment, Python, torch and the model included. Each case
has its own wrapper, so one case's peak never shows in another's row. The targets: a 40 Mpx 8-bit scan within
1.5 GB, a 100 Mpx 16-bit scan within 2.5 GB.
"""
import argparse, json, shutil, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np

TARGETS_GB = {(40, 8): 1.5, (100, 16): 2.5}
EXE = Path(sys.executable).parent / 'film-restore'

_WRAPPER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps(dict(rc=r.returncode, seconds=time.perf_counter() - t0, tail=(r.stdout + r.stderr)[-600:],
                      peak_kb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)))
"""


def shape_for(mp: float) -> tuple[int, int]:
    "(height, width) of about `mp` megapixels, 2:3 like a 35 mm frame."
    h = int(round((mp * 1e6 / 1.5) ** 0.5)); return h, int(round(mp * 1e6 / h))


def synthetic_scan(h: int, w: int, bits: int, seed: int = 0, band: int = 1024) -> np.ndarray:
    "An HxWx3 uint8/uint16 picture like a scan: gradients, grain and dust, made a band of rows at a time."
    rng = np.random.default_rng(seed)
    top = 255 if bits == 8 else 65535
    out = np.empty((h, w, 3), np.uint8 if bits == 8 else np.uint16)
    xs = np.linspace(0, 1, w, dtype=np.float32)
    for y0 in range(0, h, band):
        y1 = min(h, y0 + band)
        ys = np.linspace(y0 / h, y1 / h, y1 - y0, endpoint=False, dtype=np.float32)[:, None]
        base = 0.25 + 0.5 * (0.5 + 0.5 * np.sin(6.0 * xs[None, :] + 3.0 * ys))          # HxW
        px = np.stack([base, base * 0.9 + 0.05, base * 0.8 + 0.1], -1)
        px += rng.normal(0, 0.02, px.shape).astype(np.float32)                           # grain
        out[y0:y1] = (np.clip(px, 0, 1) * top + 0.5).astype(out.dtype)
    for _ in range(300):                                                                 # dust specks
        y, x, r = int(rng.integers(0, h - 8)), int(rng.integers(0, w - 8)), int(rng.integers(1, 5))
        out[y:y + r, x:x + r] = top
    return out


def write_scan(path: Path, img: np.ndarray):
    if path.suffix == '.png':
        import cv2
        assert cv2.imwrite(str(path), img[..., ::-1])
    else:
        import tifffile
        tifffile.imwrite(path, img, photometric='rgb', compression='zlib')


def run_case(mp: float, folder: Path) -> dict:
    bits = 16 if mp >= 100 else 8
    h, w = shape_for(mp)
    src = folder / f'scan_{mp:g}mp.{"tif" if bits == 16 else "png"}'
    img = synthetic_scan(h, w, bits); write_scan(src, img); del img
    out = folder / f'out_{mp:g}mp'
    cmd = [str(EXE) if EXE.exists() else 'film-restore', 'restore', str(src), '-o', str(out)]
    r = json.loads(subprocess.run([sys.executable, '-c', _WRAPPER, *cmd], capture_output=True, text=True, check=True).stdout)
    res = dict(mp=round(h * w / 1e6, 1), bits=bits, fmt=src.suffix[1:], rc=r['rc'], seconds=round(r['seconds'], 1),
               peak_gb=round(r['peak_kb'] / 1024 ** 2, 2), bytes_per_px=round(r['peak_kb'] * 1024 / (h * w), 1))
    target = TARGETS_GB.get((int(round(mp)), bits))
    res['target'] = '' if target is None else f"<= {target} GB: {'met' if res['peak_gb'] <= target and r['rc'] == 0 else 'MISSED'}"
    if r['rc'] != 0: res['error'] = r['tail']
    src.unlink(); shutil.rmtree(out, ignore_errors=True)
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--mp', type=float, nargs='+', default=[1, 10, 40, 100])
    p.add_argument('--keep', default=None, help='work in this folder (default: a temporary one, removed afterwards)')
    a = p.parse_args(argv)
    folder = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix='film_restore_mem_'))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'Mpx':>6} {'bits':>4} {'type':>4} {'seconds':>8} {'peak GB':>8} {'B/px':>6}  target")
    try:
        for mp in a.mp:
            r = run_case(mp, folder)
            print(f"{r['mp']:>6} {r['bits']:>4} {r['fmt']:>4} {r['seconds']:>8} {r['peak_gb']:>8} {r['bytes_per_px']:>6}  {r['target']}"
                  + (f"  FAILED rc={r['rc']}: {r['error']}" if r['rc'] else ''), flush=True)
    finally:
        if not a.keep: shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
