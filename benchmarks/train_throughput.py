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
    a = p.parse_args(argv)
    import torch
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
