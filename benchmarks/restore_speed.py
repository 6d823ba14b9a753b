"""Speed and peak memory of tiled restoration (`film_restore.restore.restore_array`) on this machine.

    python benchmarks/restore_speed.py                         # all cases: resnet34 and compact, 1/6/24 MP, fp32 and bf16
    python benchmarks/restore_speed.py --arch compact --mp 1 6 24 --precision fp32 bf16
    python benchmarks/restore_speed.py --arch resnet34 --mp 1 --tile 512 --overlap 64
    python benchmarks/restore_speed.py --arch default --mp 1 6 24 --precision bf16   # the shipped default model
    python benchmarks/restore_speed.py --arch compact --depth 0 2 --mp 6 --precision bf16   # a deeper compact encoder's cost

Each case runs in its own subprocess, so its peak memory is its own. What is measured:
- seconds: wall-clock time of one `restore_array` call (tiling, the model, blending, the mask copy), after a
  warm-up call on one small tile; megapixels per second = image megapixels / seconds.
- peak RSS: `resource.getrusage(RUSAGE_SELF).ru_maxrss` of the case's process: everything resident at the worst
  moment, including Python, torch's libraries and the model (the "baseline" column, measured before the image is
  made). peak - baseline is what restoring this image cost: input, accumulators and one tile's activations.
Weights are untrained (`pretrained=False`): speed does not depend on them. Models are damage-aware, as the
default model is; `--arch default` loads the shipped default model itself (film_restore/weights/default). The image is random noise (speed does not depend on content either).
"""
import argparse, json, os, resource, subprocess, sys, time

SIZES = {1: (816, 1224), 6: (2000, 3000), 24: (4000, 6000)}  # megapixels -> (height, width), 3:2 like a film frame


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def run_case(arch, mp, precision, tile, overlap, threads, depth=0):
    import numpy as np, torch
    if threads: torch.set_num_threads(threads)
    from film_restore.unet import build_restorer
    from film_restore.restore import restore_array
    if arch == 'default':
        from film_restore.unet import load_restorer
        from film_restore.restore import find_default_model
        model = load_restorer(find_default_model())[0]
    else: model = build_restorer(arch=arch, pretrained=False, aware=True, **({'depth': depth} if arch == 'compact' else {})).eval()
    restore_array(model, np.zeros((64, 64, 3), np.float32), tile=64, overlap=0, precision=precision)  # warm-up
    base = _rss_mb()
    h, w = SIZES.get(mp) or (int(round((mp * 1e6 / 1.5) ** 0.5)), int(round((mp * 1e6 * 1.5) ** 0.5)))
    img = np.random.default_rng(0).random((h, w, 3), dtype=np.float32)
    t0 = time.perf_counter()
    out, mask = restore_array(model, img, tile=tile, overlap=overlap, precision=precision)
    secs = time.perf_counter() - t0
    return dict(arch=arch, depth=depth, mp=h * w / 1e6, size=f'{w}x{h}', precision=precision, tile=tile, overlap=overlap,
                threads=torch.get_num_threads(), seconds=secs, mp_per_s=h * w / 1e6 / secs,
                baseline_mb=base, peak_mb=_rss_mb(), params=sum(p.numel() for p in model.parameters()))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--arch', nargs='+', default=['compact', 'resnet34'], choices=['compact', 'resnet34', 'default'])
    p.add_argument('--mp', nargs='+', type=float, default=[1, 6, 24], help='megapixels (1, 6, 24 are 3:2 frames)')
    p.add_argument('--precision', nargs='+', default=['fp32', 'bf16'], choices=['fp32', 'bf16', 'fp16'])
    p.add_argument('--depth', nargs='+', type=int, default=[0], help='compact only: residual blocks ending each encoder stage (lesson 4)')
    p.add_argument('--tile', type=int, default=512); p.add_argument('--overlap', type=int, default=64)
    p.add_argument('--threads', type=int, default=0, help='torch threads (default: torch\'s choice)')
    p.add_argument('--timeout', type=float, default=3600, help='seconds allowed per case')
    p.add_argument('--json', help='also write the results to this file')
    p.add_argument('--case', help=argparse.SUPPRESS)  # internal: run one case in this process
    a = p.parse_args(argv)
    if a.case:
        arch, mp, prec, depth = a.case.split(',')
        print('RESULT ' + json.dumps(run_case(arch, float(mp) if float(mp) % 1 else int(float(mp)), prec, a.tile, a.overlap, a.threads, int(depth))))
        return 0
    results = []
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start (other work slows every case)")
    hdr = f"{'arch':10} {'MP':>5} {'size':>10} {'prec':5} {'seconds':>8} {'MP/s':>6} {'baseline MB':>11} {'peak MB':>8} {'peak-base':>9}"
    print(hdr); print('-' * len(hdr))
    cases = [(arch, d) for arch in a.arch for d in (a.depth if arch == 'compact' else [0])]
    for arch, depth in cases:
        name = arch if not depth else f'{arch}-d{depth}'
        for mp in a.mp:
            for prec in a.precision:
                cmd = [sys.executable, __file__, '--case', f'{arch},{mp},{prec},{depth}', '--tile', str(a.tile),
                       '--overlap', str(a.overlap), '--threads', str(a.threads)]
                try:
                    r = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
                    line = [l for l in r.stdout.splitlines() if l.startswith('RESULT ')]
                    if r.returncode or not line: raise RuntimeError((r.stderr or r.stdout)[-500:])
                    res = json.loads(line[-1][7:]); results.append(res)
                    print(f"{name:10} {res['mp']:5.1f} {res['size']:>10} {prec:5} {res['seconds']:8.1f} {res['mp_per_s']:6.3f} "
                          f"{res['baseline_mb']:11.0f} {res['peak_mb']:8.0f} {res['peak_mb'] - res['baseline_mb']:9.0f}", flush=True)
                except subprocess.TimeoutExpired:
                    print(f"{name:10} {mp:5.1f} {'':>10} {prec:5} {'> ' + str(int(a.timeout)) + ' s (stopped)':>20}", flush=True)
                except Exception as e:
                    print(f"{name:10} {mp:5.1f} {'':>10} {prec:5} failed: {str(e).strip().splitlines()[-1] if str(e).strip() else e}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if a.json:
        with open(a.json, 'w') as f: json.dump(results, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
