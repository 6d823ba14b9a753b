"""What a wheel carries: every file the package reads at run time is named by `package-data`, so a pip or Colab
install from a wheel (not a clone) has the sample photos, the damage shapes and the default model."""
import tomllib
from pathlib import Path

import film_restore
from film_restore.data import samples_dir, builtin_photos
from film_restore.restore import sample_photos, find_default_model

PKG = Path(film_restore.__file__).parent


def _packaged() -> set[Path]:
    cfg = tomllib.loads((PKG.parent / 'pyproject.toml').read_text())
    patterns = cfg['tool']['setuptools']['package-data']['film_restore']
    return {p.resolve() for pat in patterns for p in PKG.glob(pat) if p.is_file()}


def test_runtime_files_are_package_data():
    shipped = _packaged()
    photos = sample_photos()
    assert len(photos) >= 2 and samples_dir().is_relative_to(PKG)
    assert all(p.resolve() in shipped for p in photos)
    assert (find_default_model() / 'model.pth').resolve() in shipped
    assert (find_default_model() / 'config.json').resolve() in shipped
    assert any(p.suffix == '.npz' and p.parent.name == 'shapes' for p in shipped)


def test_builtin_photos_include_the_samples():
    ids = builtin_photos().ids
    assert {f'sample-{p.stem}' for p in sample_photos()} <= set(ids), ids
