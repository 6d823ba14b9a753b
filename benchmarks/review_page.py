"""The review page at scale: 200 images with 10,000 repairs (`restore --review-page`, lesson 9).

    python benchmarks/review_page.py                      # 200 images of 1024 x 768, 50 repairs each
    python benchmarks/review_page.py --restore-sample 200 # time the default model on all 200 (slow on a CPU)

What is measured, in one run:
- page writing: the seconds `restore_paths(review_page=True)` spends in `ReviewPage.add` (regions, risk, crops, mask,
  fill, view, thumbnail, input SHA-256) and `ReviewPage.finish` (manifest, page), for all 200 images. The masks
  come from a toy damage-aware model that calls every pixel brighter than 0.9 damage (cheap, and it finds exactly the
  50 specks drawn in each image), so no trained network has to restore all 200; the page's work depends on the mask, not on
  the model. Wall and CPU seconds (`time.process_time`): on a shared machine the CPU seconds are the steadier
  figure, since the restore's two torch threads suffer more from other processes than the page's one thread.
- restore: the seconds per image of `restore_paths` with the shipped default model on `--restore-sample` of the
  same images (without the page). Overhead = page seconds per image / restore seconds per image (target <= 10%).
- page open: headless Chromium (Selenium, Debian's chromium-driver) loading OUT/review.html from file://: the
  seconds `driver.get` takes (until the load event) and the page's own `reviewReady` mark (first cards drawn);
  target < 2 s. Then how many images were fetched at open (lazy loading: only the cards in view), and the
  milliseconds per key action (reject and move on) over 500 actions.
"""
import argparse, json, os, shutil, sys, tempfile, time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


class SpeckModel(torch.nn.Module):
    "Damage-aware toy: logit > 0 where brightness > 0.9; the fill is a 5x5 local mean."
    def __init__(self):
        super().__init__(); self.dummy = torch.nn.Parameter(torch.zeros(1))
    def forward(self, x):
        return torch.cat([F.avg_pool2d(x, 5, stride=1, padding=2), 40 * (x.mean(1, keepdim=True) - 0.9)], 1)


def make_images(folder: Path, n: int, h: int, w: int, per: int, seed: int = 0):
    "`n` PNGs of a smooth noisy gradient with `per` bright specks and lines each, far enough apart to stay separate regions."
    from film_restore.core import save_image
    rng = np.random.default_rng(seed); folder.mkdir(parents=True, exist_ok=True)
    rows = int(np.sqrt(per * h / w)); cols = -(-per // rows)
    for i in range(n):
        a = (np.linspace(40, 170, w)[None, :, None] + rng.normal(0, 5, (h, w, 3))).clip(0, 200).astype(np.uint8)
        for k in range(per):
            cy, cx = (k // cols + 0.5) * h / rows, (k % cols + 0.5) * w / cols
            y, x = int(cy + rng.integers(-10, 10)), int(cx + rng.integers(-10, 10))
            if k % 5 == 0: a[y, x - 15:x + 15] = 250                    # a short scratch
            else: s = int(rng.integers(1, 6)); a[y:y + s, x:x + s] = 255  # a speck
        save_image(a, folder / f'scan_{i:03d}.png')


def time_page_writing(src, out, n):
    "Restore with the toy model and --review-page; the seconds spent writing the page, and the restore's own."
    from film_restore import restore as R
    spent = [0.0, 0.0]   # wall, CPU seconds
    def timed(f):
        def g(*a, **k):
            t, c = time.perf_counter(), time.process_time()
            try: return f(*a, **k)
            finally: spent[0] += time.perf_counter() - t; spent[1] += time.process_time() - c
        return g
    add, finish = R.ReviewPage.add, R.ReviewPage.finish
    R.ReviewPage.add, R.ReviewPage.finish = timed(add), timed(finish)
    try:
        t = time.perf_counter()
        R.restore_paths([src], out, model=SpeckModel(), tile=512, overlap=64, progress=False, review_page=True, log=None)
        total = time.perf_counter() - t
    finally: R.ReviewPage.add, R.ReviewPage.finish = add, finish
    m = json.loads((out / R.REVIEW_FILES / 'manifest.json').read_text())
    return spent[0], spent[1], total, sum(len(e['regions']) for e in m['images'])


def time_restore(src, out, k):
    "Seconds per image of restore_paths with the shipped default model on the first `k` images (no page)."
    from film_restore.restore import restore_paths
    files = sorted(src.glob('*.png'))[:k]
    restore_paths([files[0]], out / 'warm', progress=False, log=None)                    # load, warm up
    t, c = time.perf_counter(), time.process_time()
    restore_paths(files, out / 'model', progress=False, log=None)
    return (time.perf_counter() - t) / len(files), (time.process_time() - c) / len(files)


def time_page_open(page: Path, actions: int = 500):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions(); opts.binary_location = shutil.which('chromium') or shutil.which('chromium-browser')
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1200,900'): opts.add_argument(a)
    d = webdriver.Chrome(service=Service(shutil.which('chromedriver')), options=opts)
    try:
        d.get('about:blank')
        t = time.perf_counter(); d.get(page.as_uri()); wall = time.perf_counter() - t
        ready = d.execute_script('return window.reviewReady') / 1000
        time.sleep(1)
        fetched = d.execute_script("return [...document.images].filter(i => i.complete && i.naturalWidth > 0).length")
        cards = d.execute_script("return document.querySelectorAll('.card').length")
        ms = d.execute_script(f"const t = performance.now(); for (let i = 0; i < {actions}; i++) {{ decide(cur, true); go(1); }}"
                              f" return (performance.now() - t) / {actions}")
        errors = [e for e in d.get_log('browser') if e['level'] == 'SEVERE']
    finally: d.quit()
    return wall, ready, fetched, cards, ms, errors


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', type=int, default=200); p.add_argument('--per', type=int, default=50)
    p.add_argument('--size', type=int, nargs=2, default=(768, 1024), metavar=('H', 'W'))
    p.add_argument('--restore-sample', type=int, default=5, help='images the default model restores for the time per image')
    p.add_argument('--keep', help='folder to keep the batch in (default: a temporary one)')
    a = p.parse_args()
    torch.set_num_threads(2)
    root = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix='review_page_'))
    src, out = root / 'in', root / 'out'
    if len(list(src.glob('*.png'))) != a.images:   # a kept batch is made once
        t = time.perf_counter(); shutil.rmtree(src, ignore_errors=True); make_images(src, a.images, *a.size, a.per)
        print(f"made {a.images} images of {a.size[1]}x{a.size[0]} in {time.perf_counter() - t:.1f} s")
    shutil.rmtree(out, ignore_errors=True); shutil.rmtree(root / 'restore', ignore_errors=True)
    page_s, page_cpu, toy_total, regions = time_page_writing(src, out, a.images)
    size = sum(f.stat().st_size for f in (out / 'review_files').rglob('*')) / 1e6
    print(f"page writing: {page_s:.1f} s for {a.images} images, {regions} repairs ({page_s / a.images:.3f} s per image; "
          f"CPU {page_cpu / a.images:.3f} s per image; review.html {(out / 'review.html').stat().st_size / 1e6:.2f} MB, review_files {size:.0f} MB); toy restore with it {toy_total:.1f} s")
    per_image, per_cpu = time_restore(src, root / 'restore', a.restore_sample)
    print(f"restore with the default model: {per_image:.2f} s per image, CPU {per_cpu:.2f} s (mean of {a.restore_sample}; "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"overhead of the page: {page_s / a.images / per_image:.1%} of the restore's wall time, {page_cpu / a.images / per_cpu:.1%} "
          f"of its CPU time (target <= 10%)")
    wall, ready, fetched, cards, ms, errors = time_page_open(out / 'review.html')
    print(f"page open in headless Chromium: {wall:.2f} s to the load event, first cards drawn at {ready:.2f} s (target < 2 s); "
          f"{cards} cards drawn, {fetched} pictures loaded a second after opening (crops and thumbnails of the cards in view; the batch has {regions} crops); "
          f"{ms:.2f} ms per key action (reject and move on); console errors: {len(errors)}")
    if not a.keep: shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
