"""How much of a JPEG `film-restore restore` keeps: for each JPEG restored with the default model, the share of
8x8 blocks whose DCT coefficients are the input's own, the share of pixels that changed (inside and outside the
mask), the largest change outside the mask, and the output's size against the input's.

    python benchmarks/jpeg_blocks.py ../shared/data/old_photos_bw/*.jpg

Untouched blocks keep their coefficients exactly, so the pixels that move outside the mask are those inside a
repaired MCU (an 8x8 to 16x16 unit around each speck) and, for subsampled colour, a one-pixel ring around it."""
import subprocess, sys, tempfile
from pathlib import Path

import jpeglib
import numpy as np
from PIL import Image


def main(files):
    out = Path(tempfile.mkdtemp(prefix='jpeg_blocks_'))
    exe = Path(sys.executable).parent / 'film-restore'
    # exit code 1 means some files failed: each is named on stderr, and the table says 'not restored'
    subprocess.run([str(exe), 'restore', *map(str, files), '-o', str(out), '--save-mask'], stdout=subprocess.DEVNULL)
    print(f"{'file':28} {'mask %':>7} {'blocks kept %':>13} {'px changed %':>12} {'outside mask %':>14} {'max outside':>11} {'size x':>6}")
    for f in map(Path, files):
        r = out / f.name
        if not r.exists(): print(f"{f.name:28} not restored"); continue
        a, b = jpeglib.read_dct(str(f)), jpeglib.read_dct(str(r))
        comps = ['Y'] + ['Cb', 'Cr'] * bool(a.has_chrominance)
        same = sum(int((getattr(a, c) == getattr(b, c)).all(axis=(2, 3)).sum()) for c in comps)
        total = sum(getattr(a, c).shape[0] * getattr(a, c).shape[1] for c in comps)
        pa, pb = (np.asarray(Image.open(p)).astype(int) for p in (f, r))
        d = np.abs(pa - pb); d = d.max(-1) if d.ndim == 3 else d
        mp = r.with_name(r.stem + '_mask.png')
        m = np.asarray(Image.open(mp)) > 0 if mp.exists() else np.zeros(d.shape, bool)
        print(f"{f.name:28} {100 * m.mean():7.3f} {100 * same / total:13.2f} {100 * (d > 0).mean():12.3f} "
              f"{100 * (d[~m] > 0).mean():14.3f} {int(d[~m].max()) if (~m).any() else 0:11d} {r.stat().st_size / f.stat().st_size:6.3f}")


if __name__ == '__main__':
    main(sys.argv[1:])
