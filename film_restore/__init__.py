"""A course and a library: remove dust and scratches from scanned film and old photos with a U-Net, and colourise black-and-white photos

Modules:

- `film_restore.core`: Reading and writing scans faithfully, moving between images and tensors, Lab colour, pictures, the device and its precision, ImageNet weights, fast mode, and the `film-restore` command."""

__version__ = "0.1.0"
