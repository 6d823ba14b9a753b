"""Tests for film_restore.restore: tiling, file round trips, the aware model's untouched pixels, batches and the CLI.

Small, offline, CPU only, untrained weights (`pretrained=False`)."""
import os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from film_restore.core import load_image, save_image
from film_restore.unet import build_restorer, save_restorer
from film_restore.restore import restore_array, restore_file, restore_paths, main, mask_path, sample_photos


class SmallNet(torch.nn.Module):
    "Plain restorer with receptive-field radius 3 px and a 2x pooling step (divides the 32-px tile grid)."
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.c1, self.c2 = torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.Conv2d(8, 3, 3, padding=1)
    def forward(self, x):
        h = F.interpolate(F.avg_pool2d(torch.relu(self.c1(x)), 2), scale_factor=2)
        return torch.sigmoid(self.c2(h) + 3 * (x - 0.5))


class SpeckModel(torch.nn.Module):
    "Damage-aware toy: flags bright specks (logit > 0 where brightness > 0.9), fills them with a local mean."
    def __init__(self):
        super().__init__(); self.dummy = torch.nn.Parameter(torch.zeros(1))
    def forward(self, x):
        logit = 40 * (x.mean(1, keepdim=True) - 0.9)
        m = (logit > 0).float()
        fill = F.avg_pool2d(x, 5, stride=1, padding=2)
        return torch.cat([m * fill + (1 - m) * x, logit], 1)


def _photo(h, w, seed=0):
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 0.8, w, dtype=np.float32)[None, :, None] * np.ones((h, 1, 3), np.float32)
    return np.clip(base + rng.random((h, w, 3), dtype=np.float32) * 0.1, 0, 1).astype(np.float32)


def _aware_dir(tmp_path):
    d = tmp_path / 'aware_model'
    save_restorer(build_restorer(arch='compact', pretrained=False, aware=True).eval(),
                  dict(arch='compact', aware=True, pretrained=False), d)
    return d


def test_tiled_matches_untiled():
    "Receptive field (3 px) within overlap//4 (8 px), tiles on the 32-px grid: tiled == untiled to float rounding."
    img = _photo(200, 300)
    model = SmallNet().eval()
    whole, _ = restore_array(model, img, tile=320, overlap=0, precision='fp32')  # fits one tile
    tiled, _ = restore_array(model, img, tile=96, overlap=32, precision='fp32')  # 3 x 4 tiles
    assert whole.shape == img.shape
    assert np.abs(tiled - whole).max() <= 1 / 255
    # and the shape is kept for sizes that are not multiples of 32 (reflect-padded inside)
    odd, _ = restore_array(model, img[:37, :45], tile=64, overlap=32, precision='fp32')
    assert odd.shape == (37, 45, 3)


def test_aware_unmasked_pixels_untouched():
    img = _photo(150, 170); img[40:42, 10:160] = 1.0  # a scratch
    out, mask = restore_array(SpeckModel(), img, tile=64, overlap=32, precision='bf16')
    assert mask is not None and 0 < mask.mean() < 0.5 and mask[40, 50]
    assert np.array_equal(out[~mask], img[~mask])
    assert not np.array_equal(out[mask], img[mask])


def test_16bit_grey_tiff_roundtrip_bit_identical(tmp_path):
    import tifffile
    rng = np.random.default_rng(1)
    a = (rng.random((130, 190)) * 50000).astype(np.uint16); a[60:62, 20:180] = 65535
    src = tmp_path / 'scan16.tif'; tifffile.imwrite(src, a)
    r = restore_file(src, tmp_path / 'out', SpeckModel(), tile=64, overlap=32, save_mask=True)
    b = tifffile.imread(r['out'])
    assert b.dtype == np.uint16 and b.shape == a.shape  # 16-bit greyscale, same size
    _, info = load_image(r['out']); assert info.bit_depth == 16 and info.grey
    m = tifffile.imread(mask_path(r['out'])) > 0 if mask_path(r['out']).suffix == '.tif' else load_image(mask_path(r['out']))[0][..., 0] > 0.5
    assert m.any() and np.array_equal(b[~m], a[~m])  # unmasked 16-bit values untouched
    assert not np.array_equal(b[m], a[m])


def test_corrupt_file_skipped_nonzero_exit(tmp_path):
    d = tmp_path / 'in'; (d / 'sub').mkdir(parents=True)
    save_image(_photo(64, 96), d / 'a.png'); save_image(_photo(40, 50, 2), d / 'sub' / 'b.tif')
    (d / 'broken.jpg').write_bytes(b'\xff\xd8 definitely not a jpeg')
    out = tmp_path / 'out'
    rc = main(['restore', str(d), '-o', str(out), '--model', str(_aware_dir(tmp_path)), '--tile', '64', '--overlap', '32'])
    assert rc == 1
    assert (out / 'a.png').exists() and (out / 'sub' / 'b.tif').exists() and not (out / 'broken.jpg').exists()
    assert load_image(out / 'a.png')[0].shape == (64, 96, 3)
    # resumable: everything readable already there
    s = restore_paths([d], out, model_dir=_aware_dir(tmp_path), skip_existing=True, progress=False, log=None)
    assert s['skipped'] == 2 and s['restored'] == 0 and len(s['failed']) == 1


def test_refuses_to_overwrite_input(tmp_path):
    src = tmp_path / 'a.png'; save_image(_photo(64, 64), src)
    before = src.read_bytes()
    assert main(['restore', str(src), '-o', str(tmp_path), '--model', str(_aware_dir(tmp_path))]) == 2
    with pytest.raises(ValueError, match='overwrite the input'): restore_file(src, tmp_path, SpeckModel())
    assert src.read_bytes() == before


def test_no_default_model_message(tmp_path, monkeypatch, capsys):
    import film_restore.restore as R
    monkeypatch.setattr(R, 'DEFAULT_MODEL_DIR', tmp_path / 'nowhere')
    src = tmp_path / 'a.png'; save_image(_photo(32, 32), src)
    assert main(['restore', str(src), '-o', str(tmp_path / 'o')]) == 2
    assert 'no default model is installed' in capsys.readouterr().err


@pytest.mark.skipif(bool(os.environ.get('FILM_RESTORE_SKIP_QUICKSTART')), reason='FILM_RESTORE_SKIP_QUICKSTART is set')
def test_quickstart_smoke(tmp_path, capsys):
    """Tiny quickstart end to end (--fast: data, training, evaluation, restoration, report), then a rerun that
    skips the finished stages. About 15 s on an idle 2-core CPU (minutes when the CPU is shared)."""
    rc = main(['quickstart', '--out', str(tmp_path / 'qs'), '--fast', '--minutes', '0.3', '--device', 'cpu'])
    assert rc == 0
    qs = tmp_path / 'qs'
    rep = (qs / 'report.html').read_text()
    assert 'SSIM on clean inputs' in rep and '<img' in rep
    assert (qs / 'report.md').exists()
    # before/after is on damaged samples, and the test pictures come from more than one photo
    damaged = sorted((qs / 'damaged_samples').iterdir())
    assert len(damaged) == 2 and all((qs / 'restored' / 'samples' / d.name).exists() for d in damaged)
    assert all(not np.array_equal(load_image(d)[0], load_image(s)[0][:, :, :3]) for d, s in zip(damaged, sample_photos()))
    tests = sorted((qs / 'restored' / 'test').glob('*.png'))
    assert len({t.name.rsplit('_', 1)[0] for t in tests if not t.name.endswith('_mask.png')}) >= 2
    # a second run skips the finished stages
    capsys.readouterr()
    assert main(['quickstart', '--out', str(qs), '--fast', '--device', 'cpu']) == 0
    out = capsys.readouterr().out
    assert all(f'[{s}] already done' in out for s in ('data', 'train', 'evaluate')), out


def test_colorize_hook_and_missing_colour_model(tmp_path, capsys):
    import tifffile
    src = tmp_path / 'grey.tif'; tifffile.imwrite(src, (np.random.default_rng(0).random((64, 64)) * 65535).astype(np.uint16))
    r = restore_file(src, tmp_path / 'o', SpeckModel(), tile=64, overlap=32, colorize=lambda im: im * np.float32([1, .8, .6]))
    _, info = load_image(r['out']); assert not info.grey and info.bit_depth == 16
    rc = main(['restore', str(src), '-o', str(tmp_path / 'o2'), '--model', str(_aware_dir(tmp_path)),
                      '--colorize-model', str(tmp_path / 'no_colour_model')])
    assert rc == 2 and 'colour model' in capsys.readouterr().err


REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (REPO / 'film_restore' / 'weights' / 'default' / 'model.pth').exists(), reason='no default model in this checkout')
def test_default_model_restores_the_sample_scan(tmp_path):
    """Issue 7: `film-restore restore images/scans/... -o out/` with no --model uses the shipped model, offline:
    same size and bit depth out, a mask of a small part of the frame, every pixel outside it untouched."""
    from film_restore.core import DEFAULT_MODEL_DIR, system_info
    src = REPO / 'images' / 'scans' / 'camera_dusty.png'
    cli = 'import sys; from film_restore.restore import main; sys.exit(main(sys.argv[1:]))'   # what `film-restore` runs
    r = subprocess.run([sys.executable, '-c', cli, 'restore', str(src), '-o', str(tmp_path), '--save-mask'],
                       capture_output=True, text=True, env={**os.environ, 'FILM_RESTORE_FAST': ''})
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path / src.name
    a, _ = load_image(src); b, _ = load_image(out); m, _ = load_image(mask_path(out))
    assert a.shape == b.shape and a.dtype == b.dtype
    m = m > 0.5
    assert 0 < m.mean() < 0.05, m.mean()                       # it finds some damage, and not the whole picture
    if a.ndim == 3: m = m[..., None].repeat(a.shape[2], 2) if m.ndim == 2 else m
    assert np.array_equal(a[~m], b[~m])                        # outside the mask: the input, bit for bit
    assert 'detector recipe' in system_info()['default restorer']


# ---- user controls: --threshold / --sensitivity, --max-defect-size, --review -------------------------------

def _const_model_dir(tmp_path, name='const', logit=0.0, lift=0.1, mask_threshold=0.5, **extra):
    """A damage-aware compact model whose answer is set by hand: the damage logit is `logit` everywhere and the
    fill is the input plus `lift`. So the mask is all or nothing, and which one is known in advance."""
    m = build_restorer(arch='compact', aware=True, residual=True, pretrained=False, mask_threshold=mask_threshold)
    if 'damage_tone' in extra: m.damage_tone = extra.pop('damage_tone')   # chosen after building, as the recipe does
    end = [c for c in m.modules() if isinstance(c, torch.nn.Conv2d)][-1]
    assert end.out_channels == 4
    with torch.no_grad(): end.weight.zero_(); end.bias.copy_(torch.tensor([lift] * 3 + [logit]))
    d = tmp_path / name
    save_restorer(m.eval(), dict(arch='compact', aware=True, residual=True, pretrained=False, **extra), d)
    return d


def _src(tmp_path, h=64, w=96, name='scan.png'):
    src = tmp_path / 'in' / name; src.parent.mkdir(exist_ok=True)
    save_image(_photo(h, w) * 0.5, src)
    return src


def _changed(a, b): return np.abs(load_image(a)[0] - load_image(b)[0]).max(-1) > 0


def test_threshold_and_sensitivity(tmp_path, capsys):
    "logit 0 is p = 0.5: the model's own cut (0.5) restores nothing, a cut of 0.4 everything; S is 1 - threshold."
    src, md = _src(tmp_path), _const_model_dir(tmp_path)
    run = lambda out, *a: main(['restore', str(src), '-o', str(tmp_path / out), '--model', str(md), '--tile', '128', *a])
    assert run('default') == 0 and not _changed(src, tmp_path / 'default' / 'scan.png').any()
    assert run('thr', '--threshold', '0.4') == 0 and _changed(src, tmp_path / 'thr' / 'scan.png').all()
    assert run('sens', '--sensitivity', '0.6') == 0 and _changed(src, tmp_path / 'sens' / 'scan.png').all()
    assert run('sens2', '--sensitivity', '0.4') == 0 and not _changed(src, tmp_path / 'sens2' / 'scan.png').any()
    assert run('both', '--threshold', '0.4', '--sensitivity', '0.6') == 2       # one or the other
    assert run('bad', '--threshold', '1') == 2 and 'between 0 and 1' in capsys.readouterr().err
    # the default is the model's tuned cut, read from its config.json
    md3 = _const_model_dir(tmp_path, 'tuned', mask_threshold=0.3)
    assert main(['restore', str(src), '-o', str(tmp_path / 'tuned_out'), '--model', str(md3), '--tile', '128']) == 0
    assert _changed(src, tmp_path / 'tuned_out' / 'scan.png').all()
    # the same through the API
    out, mask = restore_array(build_restorer(arch='compact', aware=True, residual=True, pretrained=False), _photo(32, 32), mask_threshold=0.999)
    assert mask is not None and not mask.any()


def test_max_defect_size(tmp_path):
    "A defect larger than N px is left as the input, bit for bit; N from the CLI, or from the model's config.json."
    src = _src(tmp_path)
    md = _const_model_dir(tmp_path, logit=5.0)   # the whole frame is one 64x96 'defect'
    run = lambda m, out, *a: main(['restore', str(src), '-o', str(tmp_path / out), '--model', str(m), '--tile', '128', '--save-mask', *a])
    assert run(md, 'all') == 0 and _changed(src, tmp_path / 'all' / 'scan.png').all()
    assert run(md, 'small', '--max-defect-size', '50') == 0
    assert load_image(tmp_path / 'small' / 'scan.png')[0].tobytes() == load_image(src)[0].tobytes()
    assert load_image(tmp_path / 'small' / 'scan_mask.png')[0].max() == 0
    assert run(md, 'big', '--max-defect-size', '96') == 0 and _changed(src, tmp_path / 'big' / 'scan.png').all()
    md_cfg = _const_model_dir(tmp_path, 'with_limit', logit=5.0, max_defect_size=50)
    assert run(md_cfg, 'cfg') == 0 and not _changed(src, tmp_path / 'cfg' / 'scan.png').any()
    assert run(md_cfg, 'nolimit', '--max-defect-size', '0') == 0 and _changed(src, tmp_path / 'nolimit' / 'scan.png').all()
    # a speck and a long scratch: only the speck is restored
    img = _photo(100, 160) * 0.5; img[20:23, 30:33] = 1.0; img[60:62, 5:155] = 1.0
    out, mask = restore_array(SpeckModel(), img, tile=64, overlap=32, max_defect_size=10, precision='fp32')
    assert mask[21, 31] and not mask[60:62].any() and np.array_equal(out[60:62], img[60:62])



class ToneModel(torch.nn.Module):
    "Damage-aware toy: flags pixels far from mid-grey, bright or dark (logit > 0 where |brightness - 0.5| > 0.4)."
    def __init__(self):
        super().__init__(); self.dummy = torch.nn.Parameter(torch.zeros(1))
    def forward(self, x):
        logit = 40 * ((x.mean(1, keepdim=True) - 0.5).abs() - 0.4)
        return torch.cat([F.avg_pool2d(x, 7, stride=1, padding=3), logit], 1)


def test_damage_tone(tmp_path):
    "--damage-tone: only bright pieces of the mask, only dark ones, or both; the default from the model's config.json."
    img = np.full((64, 96, 3), 0.5, np.float32); img[10:13, 10:13] = 1.0; img[40:43, 60:63] = 0.0
    masks = {t: restore_array(ToneModel(), img, tile=64, overlap=32, precision='fp32', damage_tone=t)[1] for t in ('both', 'bright', 'dark')}
    assert masks['both'][11, 11] and masks['both'][41, 61]
    assert masks['bright'][11, 11] and not masks['bright'][41, 61]
    assert masks['dark'][41, 61] and not masks['dark'][11, 11]
    out, _ = restore_array(ToneModel(), img, tile=64, overlap=32, precision='fp32', damage_tone='bright')
    assert np.array_equal(out[40:43, 60:63], img[40:43, 60:63]) and not np.array_equal(out[10:13, 10:13], img[10:13, 10:13])
    # through the CLI: the model's config says bright; a whole-frame 'defect' has nothing around it to be brighter than
    src = _src(tmp_path)
    md = _const_model_dir(tmp_path, 'toned', logit=5.0, damage_tone='bright')
    run = lambda out, *a: main(['restore', str(src), '-o', str(tmp_path / out), '--model', str(md), '--tile', '128', *a])
    assert run('cfg') == 0 and not _changed(src, tmp_path / 'cfg' / 'scan.png').any()
    assert run('all', '--damage-tone', 'both') == 0 and _changed(src, tmp_path / 'all' / 'scan.png').all()
    assert run('bad', '--damage-tone', 'grey') == 2

def test_review_picture(tmp_path):
    "--review: NAME_review.jpg, input | result, at most 2000 px a side, restored pixels in magenta on the right."
    img = _photo(2500, 100) * 0.5; img[1200:1203, 40:43] = 1.0
    src = tmp_path / 'in' / 'tall.png'; src.parent.mkdir(); save_image(img, src)
    s = restore_paths([src], tmp_path / 'out', model=SpeckModel(), review=True, tile=256, overlap=64, progress=False, log=None)
    assert s['restored'] == 1
    from PIL import Image
    rv = np.asarray(Image.open(tmp_path / 'out' / 'tall_review.jpg').convert('RGB')).astype(int)
    assert rv.shape == (2000, 2 * 80 + 8, 3)
    magenta = (rv[..., 0] > 200) & (rv[..., 1] < 60) & (rv[..., 2] > 200)
    ys, xs = np.nonzero(magenta)
    assert len(ys) and xs.min() >= 80 + 8 and abs(ys.mean() - 1201 * 0.8) < 6      # right half, at the speck
    # through the command line, and a review name that is another input's result is refused
    md = _const_model_dir(tmp_path)
    d = tmp_path / 'pair'; d.mkdir(); save_image(_photo(32, 32), d / 'a.png'); save_image(_photo(32, 32), d / 'a_review.jpg')
    assert main(['restore', str(d / 'a.png'), '-o', str(tmp_path / 'o1'), '--model', str(md), '--review']) == 0
    assert (tmp_path / 'o1' / 'a_review.jpg').exists()
    assert main(['restore', str(d), '-o', str(tmp_path / 'o2'), '--model', str(md), '--review']) == 2
    assert not (tmp_path / 'o2').exists()


def test_integer_pixels_stay_integer_and_match_the_float_path():
    "A uint8/uint16 image is restored in its own type (floats only tile by tile), with the float path's values, rounded."
    from film_restore.restore import restore_array
    from film_restore.unet import load_restorer
    from film_restore.core import DEFAULT_MODEL_DIR
    model, _ = load_restorer(DEFAULT_MODEL_DIR)
    rng = np.random.default_rng(0)
    for dt, (H, W) in ((np.uint8, (230, 310)), (np.uint16, (301, 170))):
        top = np.iinfo(dt).max
        nat = (rng.random((H, W, 3)) * 0.6 * top + 0.2 * top).astype(dt)
        nat[rng.random((H, W)) > 0.995] = top                                  # specks
        f = nat.astype(np.float32) / np.float32(top)
        # the network's fill: the float and integer paths share it (Telea fills each type at its own precision)
        rf, mf = restore_array(model, f, tile=96, overlap=64, precision='fp32', mask_threshold=0.001, fill='network')
        rn, mn = restore_array(model, nat, tile=96, overlap=64, precision='fp32', mask_threshold=0.001, fill='network')
        assert rn.dtype == dt and mf.any() and np.array_equal(mf, mn)
        assert np.array_equal(rn[~mn], nat[~mn])                                # the input's own values, bit for bit
        assert np.array_equal(rn, (np.clip(rf, 0, 1) * top + 0.5).astype(dt))   # the float result, rounded
