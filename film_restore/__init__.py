"""A course and a library: remove dust and scratches from scanned film and old photos with a U-Net, and colourise black-and-white photos

Modules:

- `film_restore.colorize`: Give black-and-white photos plausible colour: Lab, in-gamut colour classes, rebalancing, annealed-mean decoding, optional colour hints, full-resolution output, honest evaluation, and DeOldify's NoGAN.
- `film_restore.core`: Reading and writing scans faithfully, moving between images and tensors, Lab colour, pictures, the device and its precision, ImageNet weights, fast mode, and what this installation has.
- `film_restore.damage`: Synthetic film damage that looks like the real thing, the dissertation's overlay method, two calibrated presets, and `film-restore build-data`, which turns photos into paired (damaged, clean, mask) patches.
- `film_restore.loaders`: From a built dataset to batches of (damaged, clean, mask), with the dissertation's augmentation applied identically to all three.
- `film_restore.losses`: What the restorer is taught to want: per-pixel MSE, the VGG16 feature loss of the dissertation's Models 1 to 3 (with its SSIM modification), a mask loss for the damage-aware restorer, the stability loss the dissertation proposed but never tried, and a probe of which VGG16 layers react to damage.
- `film_restore.restore`: Tiled restoration of scans of any size with invisible seams and bounded memory, files and folders written back the way they came (16-bit, greyscale, alpha, ICC), the default model, and the one-command `quickstart` that runs the whole course.
- `film_restore.training`: The dissertation's schedule as one function and one command: progressive resizing with a frozen encoder, then fine-tuning, one-cycle, mixed precision, the best checkpoint, logs and pictures, a time budget, resuming, and the five recipes.
- `film_restore.unet`: The dissertation's restorer (fastai's `DynamicUnet` on a ResNet34), the damage-aware variant that leaves clean pixels alone, a compact configuration fast enough for full-resolution scans on a CPU, and how a trained restorer is saved and loaded."""

__version__ = "0.1.0"
