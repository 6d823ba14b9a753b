"""Training throughput (images per second) of the restorers, fp32 against the device's mixed precision.

    python benchmarks/train_throughput.py                              # resnet34 and compact; 64, 128, 256 px; fp32 and mixed
    python benchmarks/train_throughput.py --sizes 64 128 --bs 8 --repeats 5
    python benchmarks/train_throughput.py --loss model3                # include the VGG16 feature loss (lesson 5)

What is measured: one training step as `train_recipe` takes it (forward, loss, backward, Adam update with weight
decay) on a random batch of `--bs` images of each size, after `--warmup` untimed steps; images/second =
bs * repeats / seconds for `--repeats` timed steps. "mixed" is what `core.precision_callbacks(device)` gives
training: bf16 autocast on a CPU, fp16 autocast with a gradient scaler on CUDA. Both models are the
damage-aware kind (4 output channels), untrained (`pretrained=False`): speed depends on neither. The default
loss is the aware recipe's pixel part (SSIM + MAE + mask BCE/Dice, no VGG), what a CPU run without ImageNet
weights trains with. At the end: the table, then the ratios mixed/fp32 (per model and size) and compact/resnet34
(per precision and size). On a shared machine, run it twice: the load of other processes moves the figures.

    python benchmarks/train_throughput.py --data runs/run_data1 --size 256 --bs 8 --batches 12 --rounds 3 --limit 800

With --data (a dataset built by build-data), it measures what a training run really does, batches drawn from the
dataset's loaders included, for the detector recipe (compact model, its loss, bf16 autocast on a CPU):
  disk:        today's recipe before issue 22: fastai's DataBlock reading the PNGs (--workers processes)
  memory:      the patches decoded once into memory (lesson 3's memory_dls), what `train` does now by default
  memory+cl:   the same with the model and batches in channels_last memory format
  memory+compile: the patches in memory and the U-Net compiled by `torch.compile` (inductor: C++ kernels made for
               this CPU at the first step, which is untimed: its compile time is printed apart). With torch 2.14.1 and
               fastai 2.8 it fails (RecursionError in fastai's patched Tensor.as_subclass); the case then says so and is dropped
Choose cases with --cases (default: disk memory memory+cl).
Cases take turns, --rounds times, --batches steps each, so that a change in the machine's load touches all of them;
it prints samples/s per round and the ratio of each case to the first, from the same run.
"""
import argparse, os, sys, time, warnings

warnings.filterwarnings('ignore', category=FutureWarning)


def step_fn(model, loss_fn, opt, x, y, m, device, mixed, scaler):
    import torch
    from film_restore.core import autocast
    ctx = autocast(device) if mixed else torch.autocast(device.type, enabled=False)
    with ctx:
        out = model(x)
    loss = loss_fn(out.float(), y, m)
    opt.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
    else:
        loss.backward(); opt.step()
    if device.type == 'cuda': torch.cuda.synchronize()


def measure(arch, size, mixed, bs, repeats, warmup, loss_name, device, seed=0):
    import torch
    from film_restore.unet import build_restorer
    from film_restore.losses import make_loss
    torch.manual_seed(seed)
    model = build_restorer(arch=arch, pretrained=False, aware=True).to(device).train()
    if loss_name == 'pixel': loss_fn = make_loss('model3', pretrained=False, features=False)   # aware recipe, no VGG
    else: loss_fn = make_loss(loss_name, pretrained=False)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-3)
    scaler = torch.amp.GradScaler('cuda') if (mixed and device.type == 'cuda') else None
    x = torch.rand(bs, 3, size, size, device=device)
    y = (x + 0.05 * torch.randn_like(x)).clamp(0, 1)
    m = (torch.rand(bs, 1, size, size, device=device) > 0.98).float()
    for _ in range(warmup): step_fn(model, loss_fn, opt, x, y, m, device, mixed, scaler)
    t0 = time.perf_counter()
    for _ in range(repeats): step_fn(model, loss_fn, opt, x, y, m, device, mixed, scaler)
    return bs * repeats / (time.perf_counter() - t0)


def data_rates(data, size, bs, batches, rounds, workers, limit=None, cases=('disk', 'memory', 'memory+cl')):
    "Samples per second of whole training steps (next batch, forward, loss, backward, AdamW) per case and round."
    import torch
    from film_restore.core import autocast
    from film_restore.loaders import get_dls, memory_dls
    import tempfile
    from film_restore.training import plan_training, build_model_and_loss
    plan = plan_training('detector', data, tempfile.mkdtemp(), sizes=(size,), fast=False, pretrained=False, device='cpu')
    aug = plan.R.get('augment', True)
    t0 = time.perf_counter()
    dls = {'disk': get_dls(data, size, bs=bs, augment=aug, num_workers=workers, device='cpu', limit=limit)}
    t_disk = time.perf_counter() - t0
    if any(c.startswith('memory') for c in cases):
        t0 = time.perf_counter(); mem = memory_dls(data, size, bs=bs, augment=aug, device='cpu', limit=limit)
        print(f"memory_dls: {len(mem.train.dataset) + len(mem.valid.dataset)} patches decoded in {time.perf_counter() - t0:.0f} s "
              f"({mem.train.dataset.nbytes / 2**30:.2f} GB for training); get_dls set up in {t_disk:.1f} s")
        for c in cases:
            if c.startswith('memory'): dls[c] = mem
    runs = {}
    for c in cases:
        torch.manual_seed(0)
        m, loss = build_model_and_loss(plan)    # the recipe's model (untrained: speed does not depend on weights) and loss
        m.train()
        if c.endswith('+cl'): m = m.to(memory_format=torch.channels_last)
        if c.endswith('+compile'): m.unet = torch.compile(m.unet, dynamic=False)   # static 256 px batches (with dynamic shapes inductor fails on a symbolic stride)
        runs[c] = dict(model=m, loss=loss, opt=torch.optim.AdamW(m.parameters(), 1e-4, weight_decay=1e-3), it=iter(dls[c].train))
    def step(c):
        r = runs[c]
        try: b = next(r['it'])
        except StopIteration: r['it'] = iter(dls[c].train); b = next(r['it'])
        x = b[0].contiguous(memory_format=torch.channels_last) if c.endswith('+cl') else b[0]
        if c.endswith('+compile'): x = x.as_subclass(torch.Tensor)   # a plain tensor in: fastai's subclass must not reach dynamo
        with autocast(torch.device('cpu')): out = r['model'](x)
        l = r['loss'](out.float(), *b[1:]); r['opt'].zero_grad(set_to_none=True); l.backward(); r['opt'].step()
    for c in list(cases):                       # warm-up (and the workers' start, and the compiler's work)
        t0 = time.perf_counter()
        try: step(c); step(c)
        except Exception as e:
            if not c.endswith('+compile'): raise
            # torch 2.14 with fastai 2.8: fastai's DynamicUnet makes its tensor subclass inside the graph, and fastai
            # patches Tensor.as_subclass, which dynamo calls on the graph's outputs: endless recursion
            print(f"{c}: torch.compile failed ({type(e).__name__}: {str(e).splitlines()[0][:120]}); case dropped", flush=True)
            cases = tuple(k for k in cases if k != c); continue
        if c.endswith('+compile'): print(f"{c}: first two steps (compiling) took {time.perf_counter() - t0:.0f} s", flush=True)
    res = {c: [] for c in cases}
    for k in range(rounds):
        for c in cases:
            t0 = time.perf_counter()
            for _ in range(batches): step(c)
            res[c].append(bs * batches / (time.perf_counter() - t0))
        print(f"round {k + 1}: " + '  '.join(f"{c} {res[c][-1]:.2f}" for c in cases) + f" samples/s (load average {os.getloadavg()[0]:.1f})", flush=True)
    return res


def print_data_rates(res, size):
    import numpy as np
    first = next(iter(res)); base = np.array(res[first])
    print(f"\nsamples/s at {size} px (mean of rounds; ratio to {first}, per round then mean)")
    for c, v in res.items():
        v = np.array(v); ratio = v / base
        print(f"  {c:14s} {v.mean():7.2f}   x{ratio.mean():.2f}  ({', '.join(f'{r:.2f}' for r in ratio)})   {v.mean() * size * size / 1e6:.2f} Mpx/s")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--archs', nargs='+', default=['resnet34', 'compact'])
    p.add_argument('--sizes', nargs='+', type=int, default=[64, 128, 256])
    p.add_argument('--bs', type=int, default=4, help='images per training step (default 4)')
    p.add_argument('--repeats', type=int, default=3, help='timed steps per case (default 3)')
    p.add_argument('--warmup', type=int, default=1, help='untimed steps per case (default 1)')
    p.add_argument('--loss', default='pixel', choices=['pixel', 'mse', 'model1', 'model2', 'model3'],
                   help="pixel: the aware recipe without VGG (default); model1-3 include VGG16 (random weights)")
    p.add_argument('--device', default=None, help='cpu, cuda, mps (default: the best available)')
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s choice)')
    p.add_argument('--data', default=None, help='a built dataset: measure whole training steps on its loaders (see above)')
    p.add_argument('--size', type=int, default=256, help='patch size with --data (default 256)')
    p.add_argument('--batches', type=int, default=12, help='steps per case and round with --data (default 12)')
    p.add_argument('--rounds', type=int, default=3, help='rounds with --data (default 3)')
    p.add_argument('--workers', type=int, default=2, help="loader processes of the disk case (default 2, the standing run's)")
    p.add_argument('--limit', type=int, default=None, help='with --data: use at most this many patches per split (decoding all takes a while)')
    p.add_argument('--cases', nargs='+', default=['disk', 'memory', 'memory+cl'],
                   choices=['disk', 'memory', 'memory+cl', 'memory+compile'], help='with --data: the cases to compare (the ratios are to the first)')
    a = p.parse_args(argv)
    import torch
    if a.data:
        if a.threads: torch.set_num_threads(a.threads)
        print(f"detector recipe, batch {a.bs}, {torch.get_num_threads()} threads, torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}")
        print_data_rates(data_rates(a.data, a.size, a.bs, a.batches, a.rounds, a.workers, a.limit, tuple(a.cases)), a.size)
        return 0
    from film_restore.core import get_device, precision_for
    if a.threads: torch.set_num_threads(a.threads)
    device = get_device(a.device)
    mixed_name = precision_for(device)
    print(f"device {device.type}, mixed precision = {mixed_name}, batch {a.bs}, {a.repeats} timed steps after {a.warmup} warm-up, "
          f"loss {a.loss}, torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}")
    precs = [('fp32', False)] + ([(mixed_name, True)] if mixed_name != 'fp32' else [])
    res = {}
    t_all = time.time()
    for arch in a.archs:
        for size in a.sizes:
            for name, mixed in precs:
                ips = measure(arch, size, mixed, a.bs, a.repeats, a.warmup, a.loss, device)
                res[arch, size, name] = ips
                print(f"  {arch:9s} {size:4d} px {name:5s} {ips:8.2f} img/s", flush=True)
    print(f"\nimages per second (training steps), {time.time() - t_all:.0f} s in all")
    head = f"{'model':10s}{'size':>6s}" + ''.join(f"{n:>10s}" for n, _ in precs)
    if len(precs) == 2: head += f"{precs[1][0] + '/fp32':>12s}"
    print(head)
    for arch in a.archs:
        for size in a.sizes:
            row = f"{arch:10s}{size:6d}" + ''.join(f"{res[arch, size, n]:10.2f}" for n, _ in precs)
            if len(precs) == 2: row += f"{res[arch, size, precs[1][0]] / res[arch, size, 'fp32']:12.2f}"
            print(row)
    if 'compact' in a.archs and 'resnet34' in a.archs:
        print("\ncompact / resnet34 (how many times faster the compact model trains)")
        print(f"{'size':>6s}" + ''.join(f"{n:>10s}" for n, _ in precs))
        for size in a.sizes:
            print(f"{size:6d}" + ''.join(f"{res['compact', size, n] / res['resnet34', size, n]:10.2f}" for n, _ in precs))
    return 0


if __name__ == '__main__':
    sys.exit(main())
