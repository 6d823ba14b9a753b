"""Finished models scored on one dataset's validation patches with their recipe's loss and metrics, as training scores them.

    python benchmarks/valid_loss.py runs/run_data22 runs/leg21_model models/detector_run

Each leg of the standing run (`benchmarks/detector_run.sh`) draws its own damage, so the validation loss in each leg's
log is measured on its own patches and the legs' numbers cannot be compared. This scores several models on the same
patches: lesson 6's `Learner` with the recipe's loss, the device's precision and the training metrics (validation
loss, mask recall and F1 at 0.5, PSNR, SSIM). Patches are read from disk, validation split only; nothing is trained.
"""
import argparse, sys, tempfile

from fastcore.basics import AttrDict

from film_restore.training import plan_training, build_model_and_loss, make_learner, stage_dls
from film_restore.unet import load_restorer


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('data', help='a dataset built by film-restore build-data (a leg: runs/run_dataN)')
    ap.add_argument('models', nargs='+', help='model folders (model.pth and config.json)')
    ap.add_argument('--recipe', default='detector', help="the recipe whose loss scores them (default: detector)")
    ap.add_argument('--size', type=int, default=256, help='patch size (default 256)')
    ap.add_argument('--bs', type=int, default=8, help='batch size (default 8, as the legs validate)')
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as out:
        plan = plan_training(a.recipe, data=a.data, out=out, sizes=[a.size], fast=False, pretrained=False, num_workers=0,
                             in_memory='no')
        dls = stage_dls(plan, dict(size=a.size, bs=a.bs))
        for folder in a.models:
            model, cfg = load_restorer(folder)
            _, loss = build_model_and_loss(AttrDict(plan, depth=cfg.get('depth', 0)), cfg.get('mask_pos_weight'))
            learn = make_learner(plan, model, loss, dls, AttrDict(state=None))
            vals = learn.validate()
            row = dict(model=folder, valid_loss=float(vals[0]), **{m.name: float(v) for m, v in zip(learn.metrics, vals[1:])})
            print(f"{folder}: valid loss {row['valid_loss']:.4f}, mask F1 {row.get('mask_f1', float('nan')):.4f}, "
                  f"recall {row.get('mask_recall', float('nan')):.4f}, PSNR {row.get('psnr', float('nan')):.2f} dB", flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
