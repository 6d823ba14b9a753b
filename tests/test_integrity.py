"""Archival integrity of `film-restore restore` and of core's image I/O: inputs are never overwritten, outputs never
collide, an interrupted run leaves nothing half-described, awkward files are refused one line each, and what a file
carries (pages, grey+alpha, CMYK, 16-bit alpha, EXIF) is kept or refused, never silently lost.

Every awkward file is made here, in code. Small, offline, CPU only."""
import os, struct, subprocess, sys, zlib
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import film_restore.restore as R
from film_restore.core import load_image, save_image, check_image, ImageReadError, ImageInfo
from film_restore.unet import build_restorer, save_restorer
from film_restore.restore import main, restore_paths, mask_path, review_path


class SpeckModel(torch.nn.Module):
    "Damage-aware toy: bright pixels (> 0.9) are damage, filled with a local mean."
    def __init__(self): super().__init__(); self.dummy = torch.nn.Parameter(torch.zeros(1))
    def forward(self, x):
        logit = 40 * (x.mean(1, keepdim=True) - 0.9)
        return torch.cat([F.avg_pool2d(x, 5, stride=1, padding=2), logit], 1)


def _photo(h=48, w=64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((h, w, 3), dtype=np.float32) * 0.6).astype(np.float32)


def _model_dir(tmp_path, logit=-6.0):
    "A compact aware model with a hand-set answer: damage logit `logit` everywhere (-6: nothing to restore)."
    m = build_restorer(arch='compact', aware=True, residual=True, pretrained=False)
    end = [c for c in m.modules() if isinstance(c, torch.nn.Conv2d)][-1]
    with torch.no_grad(): end.weight.zero_(); end.bias.copy_(torch.tensor([0.1, 0.1, 0.1, logit]))
    d = tmp_path / f'model_{logit}'
    if not d.exists(): save_restorer(m.eval(), dict(arch='compact', aware=True, residual=True, pretrained=False), d)
    return d


def _snapshot(*folders):
    return {p: p.read_bytes() for f in folders for p in sorted(Path(f).rglob('*')) if p.is_file()}


def _png_header(w, h):
    ch = lambda k, b: struct.pack('>I', len(b)) + k + b + struct.pack('>I', zlib.crc32(k + b) & 0xffffffff)
    return (b'\x89PNG\r\n\x1a\n' + ch(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
            + ch(b'IDAT', zlib.compress(b'\0' * 64)) + ch(b'IEND', b''))


# ---- inputs are never outputs ----------------------------------------------------------------------------

def test_output_folder_among_inputs_is_refused(tmp_path):
    "`restore d1 d2 -o d2` used to overwrite d2's originals and exit 0."
    d1, d2 = tmp_path / 'd1', tmp_path / 'd2'
    for d in (d1, d2): d.mkdir(); save_image(_photo(seed=len(d.name)), d / 'a.png'); save_image(_photo(seed=3), d / 'b.png')
    (d2 / 'sub').mkdir(); save_image(_photo(), d2 / 'sub' / 'c.png')
    before, md = _snapshot(d1, d2), _model_dir(tmp_path, logit=6.0)   # a model that would change every pixel
    for out in (d2, d2 / 'sub', d2 / 'new', d1):
        assert main(['restore', str(d1), str(d2), '-o', str(out), '--model', str(md)]) == 2, out
    assert main(['restore', str(d1 / 'a.png'), '-o', str(d1), '--model', str(md)]) == 2        # -o the input's own folder
    assert main(['restore', str(d1), '-o', str(d1 / 'a.png'), '--model', str(md)]) == 2        # -o an existing file
    assert _snapshot(d1, d2) == before and not (d2 / 'new').exists()


def test_hard_link_to_an_input_is_not_an_output(tmp_path):
    d, o = tmp_path / 'd', tmp_path / 'o'; d.mkdir(); o.mkdir()
    save_image(_photo(), d / 'a.png'); os.link(d / 'a.png', o / 'a.png')
    before = (d / 'a.png').read_bytes()
    assert main(['restore', str(d / 'a.png'), '-o', str(o), '--model', str(_model_dir(tmp_path, 6.0))]) == 2
    assert (d / 'a.png').read_bytes() == before


@pytest.mark.parametrize('names,flags', [(['a.png', 'a_mask.png'], ['--save-mask']),
                                         (['p.jpg', 'p.png'], ['--save-mask']),
                                         (['p.jpg', 'p.png'], ['--format', 'png']),
                                         (['a.png', 'a_review.jpg'], ['--review'])])
def test_clashing_outputs_are_refused_before_any_work(tmp_path, capsys, names, flags):
    d = tmp_path / 'in'; d.mkdir()
    for n in names: save_image(_photo(), d / n)
    rc = main(['restore', str(d), '-o', str(tmp_path / 'out'), '--model', str(_model_dir(tmp_path)), *flags])
    err = capsys.readouterr().err
    assert rc == 2 and all(n in err for n in names) and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / 'out').exists()                                   # nothing written


# ---- an interrupted run ---------------------------------------------------------------------------------

@pytest.mark.parametrize('stop_at', [1, 2, 3])
def test_interrupted_run_never_leaves_a_mask_without_its_image(tmp_path, monkeypatch, stop_at):
    "kill -9 between two writes: each write is atomic, so what matters is the order (image first)."
    img = _photo(); img[10:12, 5:60] = 1.0
    src = tmp_path / 'in' / 'a.png'; src.parent.mkdir(); save_image(img, src)
    real, calls = R.save_image, []
    def dying_save(*a, **k):
        calls.append(a[1])
        if len(calls) == stop_at: raise KeyboardInterrupt   # the process dies here
        return real(*a, **k)
    monkeypatch.setattr(R, 'save_image', dying_save)
    out = tmp_path / 'out'
    with pytest.raises(KeyboardInterrupt):
        restore_paths([src], out, model=SpeckModel(), save_mask=True, review=True, progress=False, log=None, tile=64, overlap=32)
    res = out / 'a.png'
    for extra in (mask_path(res), review_path(res)): assert not extra.exists() or res.exists(), extra
    assert not list(out.glob('.*.part'))                                      # no temporary file left
    monkeypatch.setattr(R, 'save_image', real)
    s = restore_paths([src], out, model=SpeckModel(), save_mask=True, review=True, skip_existing=True, progress=False, log=None,
                      tile=64, overlap=32)
    assert s['restored'] == 1 and mask_path(res).exists() and review_path(res).exists()


# ---- awkward inputs: one line each, the batch goes on ------------------------------------------------------

def test_awkward_inputs_reported_and_batch_goes_on(tmp_path):
    d = tmp_path / 'in'; d.mkdir()
    save_image(_photo(), d / 'good.png')
    (d / 'bomb.png').write_bytes(_png_header(100_000, 100_000))            # 10 gigapixels claimed in 100 bytes
    os.mkfifo(d / 'pipe.png'); os.mkfifo(tmp_path / 'lone.png')            # reading either would block for ever
    Image.new('RGB', (8, 8)).save(d / 'photo.webp'); Image.new('RGB', (8, 8)).save(d / 'photo.bmp')
    Image.new('CMYK', (8, 8)).save(d / 'press.jpg')
    Image.new('RGB', (8, 8)).save(d / 'pages.tif', save_all=True, append_images=[Image.new('RGB', (8, 8), 'white')])
    (tmp_path / 'folder.png').mkdir()
    cli = 'import sys; from film_restore.restore import main; sys.exit(main(sys.argv[1:]))'   # what `film-restore` runs
    r = subprocess.run([sys.executable, '-c', cli, 'restore', str(d), str(tmp_path / 'lone.png'), str(tmp_path / 'folder.png'),
                        '-o', str(tmp_path / 'out'), '--model', str(_model_dir(tmp_path)), '--tile', '64', '--overlap', '32'],
                       capture_output=True, text=True, timeout=600, env={**os.environ, 'FILM_RESTORE_FAST': '1'})
    assert r.returncode == 1, r.stdout + r.stderr
    assert (tmp_path / 'out' / 'good.png').exists()
    lines = r.stdout.splitlines()
    for name, problem in [('bomb.png', 'over the limit'), ('pipe.png', 'not a regular file'), ('lone.png', 'not a regular file'),
                          ('photo.webp', 'WEBP files are not supported'), ('photo.bmp', 'BMP files are not supported'),
                          ('press.jpg', 'CMYK'), ('pages.tif', '2 pages'), ('folder.png', 'a folder with no images')]:
        assert any(name in l and problem in l and l.startswith('skipped') for l in lines), (name, r.stdout)
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['good.png']


# ---- output format, and JPEG untouched --------------------------------------------------------------------

def test_jpeg_with_nothing_to_restore_is_copied_byte_for_byte(tmp_path):
    src = tmp_path / 'in' / 'photo.jpg'; src.parent.mkdir()
    ex = Image.Exif(); ex[0x010f] = 'Scanner Co'
    Image.fromarray((_photo() * 255).astype(np.uint8)).save(src, quality=87, exif=ex)
    assert main(['restore', str(src), '-o', str(tmp_path / 'out'), '--model', str(_model_dir(tmp_path))]) == 0
    assert (tmp_path / 'out' / 'photo.jpg').read_bytes() == src.read_bytes()


@pytest.mark.parametrize('subsampling,orient', [(2, 6), (0, 1), ('grey', 8)])
def test_jpeg_keeps_every_untouched_block(tmp_path, subsampling, orient):
    "A JPEG with specks: only the MCUs the mask touches are re-encoded; every other block is the input's own."
    import cv2, jpeglib
    from film_restore.core import jpeg_block_masks
    rng = np.random.default_rng(1)
    pic = cv2.resize(rng.integers(40, 150, (10, 12, 3), dtype=np.uint8), (120, 100), interpolation=cv2.INTER_CUBIC)
    for y, x in [(20, 30), (70, 90), (71, 10)]: pic[y:y + 3, x:x + 3] = 255        # three bright specks
    src = tmp_path / 'in' / 'scan.jpg'; src.parent.mkdir()
    ex = Image.Exif(); ex[0x0112] = orient; ex[0x010f] = 'Scanner Co'
    im = Image.fromarray(pic).convert('L') if subsampling == 'grey' else Image.fromarray(pic)
    im.save(src, quality=82, exif=ex, **({} if subsampling == 'grey' else dict(subsampling=subsampling)))
    before = src.read_bytes()
    s = restore_paths([src], tmp_path / 'out', model=SpeckModel(), save_mask=True, progress=False, log=None, tile=64, overlap=32)
    assert s['restored'] == 1 and src.read_bytes() == before
    out = tmp_path / 'out' / 'scan.jpg'
    mask = np.asarray(Image.open(tmp_path / 'out' / 'scan_mask.png')) > 0           # upright, as the user sees it
    assert 0 < mask.mean() < 0.2
    a, b = jpeglib.read_dct(str(src)), jpeglib.read_dct(str(out))
    from film_restore.core import _ORIENT_BACK
    masks = jpeg_block_masks(a, _ORIENT_BACK.get(orient, lambda m: m)(mask))
    comps = ['Y'] + ['Cb', 'Cr'] * a.has_chrominance
    for name, m in zip(comps, masks):
        assert np.array_equal(getattr(a, name)[~m], getattr(b, name)[~m]), name
    assert np.array_equal(a.qt, b.qt) and np.array_equal(a.samp_factor, b.samp_factor)
    # decoded: every pixel of every untouched block (plain chroma upsampling), and one pixel beyond with the usual decoder
    plain = lambda f: jpeglib.read_spatial(str(f), flags=['-DO_FANCY_UPSAMPLING']).spatial
    kept = np.repeat(np.repeat(~masks[0], 8, 0), 8, 1)[:a.height, :a.width]
    assert np.array_equal(plain(src)[kept], plain(out)[kept])
    near = cv2.dilate((~kept).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert np.array_equal(np.asarray(Image.open(src))[~near], np.asarray(Image.open(out))[~near])
    assert Image.open(out).getexif().get(0x010f) == 'Scanner Co' and Image.open(out).getexif().get(0x0112) == orient
    assert len(out.read_bytes()) < 1.1 * len(before)
    assert load_image(out, native=True)[0][mask].mean() < 250                       # the specks are gone


def test_output_format(tmp_path):
    import tifffile
    d = tmp_path / 'in'; d.mkdir()
    Image.fromarray((_photo() * 255).astype(np.uint8)).save(d / 'a.jpg', quality=90)
    tifffile.imwrite(d / 'b16.tif', (_photo() * 65535).astype(np.uint16))
    md = _model_dir(tmp_path, logit=6.0)
    assert main(['restore', str(d), '-o', str(tmp_path / 'png'), '--model', str(md), '--format', 'png']) == 0
    assert sorted(p.name for p in (tmp_path / 'png').iterdir()) == ['a.png', 'b16.png']
    assert load_image(tmp_path / 'png' / 'b16.png')[1].bit_depth == 16
    assert main(['restore', str(d / 'a.jpg'), '-o', str(tmp_path / 'tif'), '--model', str(md), '--format', 'tiff']) == 0
    assert load_image(tmp_path / 'tif' / 'a.tif')[1].format == 'TIFF'
    # 16 bits cannot go into a JPEG: that file fails with its reason, the other is written
    assert main(['restore', str(d), '-o', str(tmp_path / 'jpg'), '--model', str(md), '--format', 'jpeg']) == 1
    assert sorted(p.name for p in (tmp_path / 'jpg').iterdir()) == ['a.jpg']


# ---- core: what a file carries is kept or refused -----------------------------------------------------------

def test_multipage_tiff_refused(tmp_path):
    p = tmp_path / 'pages.tif'
    Image.new('RGB', (8, 8)).save(p, save_all=True, append_images=[Image.new('RGB', (8, 8), 'white')] * 2)
    with pytest.raises(ImageReadError, match='3 pages'): load_image(p)


def test_grey_alpha_comes_back_grey_alpha(tmp_path):
    la = np.dstack([(np.arange(48 * 64).reshape(48, 64) % 256).astype(np.uint8), np.full((48, 64), 77, np.uint8)])
    Image.fromarray(la).save(tmp_path / 'la.png')
    img, info = load_image(tmp_path / 'la.png')
    for ext in ('png', 'tif'):
        out = save_image(img, tmp_path / f'out.{ext}', info)
        back = Image.open(out)
        assert back.mode == 'LA' and np.array_equal(np.asarray(back), la), ext
    out = save_image(img, tmp_path / 'out16.png', info, bit_depth=16)
    assert out.read_bytes()[24:26] == bytes([16, 4])                      # 16-bit grey + alpha
    back, info16 = load_image(out)
    assert info16.grey and info16.bit_depth == 16 and np.allclose(info16.alpha, 77 / 255, atol=1e-4)


def test_cmyk_jpeg_refused(tmp_path):
    Image.new('CMYK', (16, 16), (0, 255, 0, 0)).save(tmp_path / 'c.jpg')
    with pytest.raises(ImageReadError, match='CMYK'): load_image(tmp_path / 'c.jpg')


def test_16bit_tiff_with_alpha_writable(tmp_path):
    import tifffile
    rgb = np.random.default_rng(0).integers(0, 65536, (20, 30, 3)).astype(np.uint16)
    alpha = np.linspace(0, 1, 20 * 30, dtype=np.float32).reshape(20, 30)
    out = save_image(rgb, tmp_path / 'rgba16.tif', ImageInfo(bit_depth=16, alpha=alpha))
    raw = tifffile.imread(out)
    assert raw.shape == (20, 30, 4) and raw.dtype == np.uint16 and np.array_equal(raw[..., :3], rgb)
    img, info = load_image(out)
    assert info.bit_depth == 16 and np.allclose(info.alpha, alpha, atol=1 / 65535)


@pytest.mark.parametrize('ext', ['jpg', 'png'])
def test_exif_kept_orientation_reset(tmp_path, ext):
    ex = Image.Exif(); ex[0x0112] = 6; ex[0x010f] = 'Scanner Co'; ex.get_ifd(0x8769)[0x9003] = '1968:07:20 10:00:00'
    Image.fromarray((_photo(40, 60) * 255).astype(np.uint8)).save(tmp_path / f'in.{ext}', exif=ex)
    img, info = load_image(tmp_path / f'in.{ext}')
    assert img.shape[:2] == (60, 40)
    back = Image.open(save_image(img, tmp_path / f'out.{ext}', info)); back.load()
    got = back.getexif()
    assert (got.get(0x0112), got.get(0x010f), got.get_ifd(0x8769).get(0x9003)) == (1, 'Scanner Co', '1968:07:20 10:00:00')
    assert back.size == (40, 60)


def test_header_checked_before_decoding(tmp_path):
    (tmp_path / 'bomb.png').write_bytes(_png_header(100_000, 100_000))
    with pytest.raises(ImageReadError, match='over the limit'): check_image(tmp_path / 'bomb.png')
    with pytest.raises(ImageReadError, match='over the limit'): load_image(tmp_path / 'bomb.png')
    os.mkfifo(tmp_path / 'pipe.png')
    with pytest.raises(ImageReadError, match='not a regular file'): load_image(tmp_path / 'pipe.png')


def test_every_torch_load_passes_weights_only_true():
    "No load in the library may unpickle code: every torch.load call says weights_only=True (finding 1)."
    import ast, film_restore
    pkg = Path(film_restore.__file__).parent
    bad = []
    for py in sorted(pkg.glob('*.py')):
        for node in ast.walk(ast.parse(py.read_text())):
            f = getattr(node, 'func', None)
            is_torch_load = isinstance(node, ast.Call) and isinstance(f, ast.Attribute) and f.attr == 'load' and \
                            isinstance(f.value, ast.Name) and f.value.id == 'torch'
            is_load_model = isinstance(node, ast.Call) and isinstance(f, ast.Name) and f.id == 'load_model'
            if is_torch_load or is_load_model:
                kw = {k.arg: k.value for k in node.keywords}
                if not (isinstance(kw.get('weights_only'), ast.Constant) and kw['weights_only'].value is True):
                    bad.append(f'{py.name}:{node.lineno}')
    assert not bad, f'torch.load without weights_only=True at {bad}'
