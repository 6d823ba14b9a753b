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
        assert any(name in l and problem in l and l.startswith('failed: ') for l in lines), (name, r.stdout)
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


# ---- issue 23: what the second corpus of awkward cases found ------------------------------------------------

def _cli(*args, timeout=600):
    "Run `film-restore ARGS` in a fresh process, as a user would: (exit code, stdout, stderr)."
    cli = 'import sys; from film_restore.restore import main; sys.exit(main(sys.argv[1:]))'
    r = subprocess.run([sys.executable, '-c', cli, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, 'FILM_RESTORE_FAST': '1'})
    return r.returncode, r.stdout, r.stderr


def _one_line_refusal(code, out, err, *says):
    "Exit 2 with one line on stderr that says each of `says`, and no traceback anywhere."
    assert code == 2, (code, out, err)
    assert 'Traceback' not in out + err, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    for s in says: assert s in lines[0], (s, lines[0])


def test_png_named_jpg_is_written_as_png(tmp_path):
    "Finding 1: a PNG named .jpg came back a lossy JPEG; its bytes, not its name, decide, and a note says so."
    img = (_photo() * 255).astype(np.uint8); img[10:12, 5:60] = 255; img[30, 30] = 255   # white specks
    d = tmp_path / 'in'; d.mkdir(); Image.fromarray(img).save(d / 'p.jpg', format='PNG')
    said = []
    s = restore_paths([d], tmp_path / 'X', model=SpeckModel(), save_mask=True, progress=False, log=said.append, tile=64, overlap=32)
    out = tmp_path / 'X' / 'p.jpg'
    assert s['restored'] == 1 and check_image(out)['format'] == 'PNG'
    mask = np.asarray(Image.open(mask_path(out))) > 0
    assert mask.any() and np.array_equal(np.asarray(Image.open(out))[~mask], img[~mask])   # not one pixel changed outside the mask
    assert any('is a PNG file named .jpg' in l and 'written as PNG' in l for l in said), said
    # asked for, a JPEG is what comes out
    s = restore_paths([d], tmp_path / 'J', model=SpeckModel(), progress=False, log=None, tile=64, overlap=32, out_format='jpeg')
    assert check_image(tmp_path / 'J' / 'p.jpg')['format'] == 'JPEG'


def _toy_data(tmp_path):
    from film_restore.loaders import make_toy_dataset
    return make_toy_dataset(tmp_path / 'data', n=6, size=64)


@pytest.mark.parametrize('bad', ['../../../../tmp/outside/secret.png', '/tmp/outside/secret.png'])
def test_train_refuses_dataset_paths_outside(tmp_path, bad):
    "Finding 2: train followed '..' out of the dataset and glued absolute paths onto it; now refused in one line."
    data = _toy_data(tmp_path)
    rows = (data / 'train.csv').read_text().splitlines()
    first = rows[1].split(','); first[3] = bad                          # the clean column of the first row
    (data / 'train.csv').write_text('\n'.join([rows[0], ','.join(first)] + rows[2:]) + '\n')
    code, out, err = _cli('train', '--data', data, '--out', tmp_path / 'model', '--fast', '--recipe', 'mse', '--arch', 'compact')
    _one_line_refusal(code, out, err, 'train.csv', repr(bad), 'resolves outside the dataset folder')
    assert not (tmp_path / 'model' / 'model.pth').exists()


def test_build_data_resume_refuses_records_outside(tmp_path):
    "Finding 2: a resumed build-data trusted its per-photo records; one that points outside is refused before any work."
    import json
    from film_restore.damage import build_dataset
    src = tmp_path / 'photos'; src.mkdir(); save_image(_photo(96, 128), src / 'a.png')
    out = tmp_path / 'ds'
    build_dataset([str(src)], out, sizes=[64], damage='realistic', workers=1, progress=False, n_random=0)
    rec = next((out / '.work').glob('*.json'))
    rows = json.loads(rec.read_text()); rows[0]['clean'] = '../../../../tmp/outside/secret.png'; rec.write_text(json.dumps(rows))
    code, o, err = _cli('build-data', '--source', src, '--out', out, '--sizes', '64', '--damage', 'realistic', '--workers', '1',
                        '--random-crops', '0')
    _one_line_refusal(code, o, err, rec.name, 'resolves outside the dataset folder')


def test_killed_run_temporaries_are_removed(tmp_path):
    "Finding 3: kill -9 while a result is written leaves .NAME.PID-XXXX.tif.part; the next run removes it (and only it)."
    src = tmp_path / 'in' / 'b00.png'; src.parent.mkdir(); save_image(_photo(), src)
    out = tmp_path / 'out'; out.mkdir()
    kill = ("import os, signal, sys; from pathlib import Path; from film_restore.core import atomic_write\n"
            "def write(t): Path(t).write_bytes(b'II*\\x00 half a tiff'); os.kill(os.getpid(), signal.SIGKILL)\n"
            "atomic_write(Path(sys.argv[1]), write)")
    for _ in range(2): subprocess.run([sys.executable, '-c', kill, str(out / 'b00.tif')], timeout=120)
    left = sorted(out.glob('.b00.*.tif.part'))
    assert len(left) == 2 and not (out / 'b00.tif').exists()
    (out / '.other.123-abcdefgh.tif.part').write_bytes(b'x')          # not this run's output: never touched
    said = []
    s = restore_paths([src], out, model=SpeckModel(), progress=False, log=said.append, tile=64, overlap=32, out_format='tiff')
    assert s['restored'] == 1 and (out / 'b00.tif').exists()
    assert not any(p.exists() for p in left) and sum('half-written temporary' in l for l in said) == 2, said
    assert (out / '.other.123-abcdefgh.tif.part').exists()


@pytest.mark.parametrize('config,says', [
    ('[1, 2]', 'must hold a JSON object'),
    ('{}', 'missing arch, aware'),
    ('{"arch": "compact", "aware": true, "residual": true, "mask_dilate": 1000000000}', 'mask_dilate must be'),
    ('{"arch": "compact", "aware": true, "residual": true, "mask_threshold": 7}', 'mask_threshold must be'),
    ('{"arch": "compact", "aware": true, "residual": true, "mask_threshold": NaN}', 'not NaN'),
    ('{"arch": "compact", "aware": "yes"}', 'aware must be true or false')])
def test_model_config_refused_before_any_work(tmp_path, config, says):
    "Finding 4: a bad config.json gave tracebacks, a failure per file, or an exabyte allocation after the model ran."
    md = _model_dir(tmp_path); (md / 'config.json').write_text(config)
    src = tmp_path / 'in' / 'a.png'; src.parent.mkdir(); save_image(_photo(), src)
    _one_line_refusal(*_cli('restore', src, '-o', tmp_path / 'out', '--model', md), 'config.json', says)
    assert not list((tmp_path / 'out').rglob('*')) if (tmp_path / 'out').exists() else True


def test_weights_that_are_a_pickle_refused_in_one_line(tmp_path):
    "Finding 4 and 5: a model.pth that is a pickle (restorer or colouriser) is one line with torch's own words, whole."
    import json, pickle
    from film_restore.colorize import build_colorizer, save_colorizer
    marker = tmp_path / 'ran'
    evil = pickle.dumps(type('Evil', (), {'__reduce__': lambda self: (os.system, (f'touch {marker}',))})())
    md = _model_dir(tmp_path); (md / 'model.pth').write_bytes(evil)
    cd = save_colorizer(build_colorizer('regress', 'compact', pretrained=False), tmp_path / 'colour')
    (cd / 'model.pth').write_bytes(evil)
    src = tmp_path / 'in' / 'a.png'; src.parent.mkdir(); save_image(_photo(), src)
    code, out, err = _cli('restore', src, '-o', tmp_path / 'o1', '--model', md)
    _one_line_refusal(code, out, err, 'model.pth', 'weights_only', 'Check the documentation of torch.load')   # not cut short
    _one_line_refusal(*_cli('colorize', src, '-o', tmp_path / 'o2', '--model', cd), 'model.pth', 'weights_only')
    _one_line_refusal(*_cli('restore', src, '-o', tmp_path / 'o3', '--model', _model_dir(tmp_path, 6.0), '--colorize-model', cd),
                      'model.pth', 'weights_only')
    torch.save([1, 2, 3], cd / 'model.pth')                            # safe to load, but no state dict
    _one_line_refusal(*_cli('colorize', src, '-o', tmp_path / 'o2', '--model', cd), 'holds a list, not a state dict')
    assert not marker.exists()


@pytest.mark.parametrize('hints,says', [
    ('[{"x": 1, "y"', 'not a JSON list of hints'), ('[{"x": 500, "y": 1, "rgb": [1, 2, 3]}]', 'outside the 64x48 photo'),
    ('[{"x": NaN, "y": 1, "rgb": [1, 2, 3]}]', 'not NaN'), ('{"x": 1}', 'not a dict'),
    ('[{"x": 1, "y": 1, "rgb": [1, 2, 300]}]', 'rgb must be three values'), ('[' * 100_000, 'nested too deeply'),
    ('truncated.png', 'hints.png')])
def test_bad_hints_refused_before_any_work(tmp_path, hints, says):
    "Finding 5: bad --hints failed each photo (exit 1); a deep nest blamed the photo. Now: exit 2, naming the hints file."
    from film_restore.colorize import build_colorizer, save_colorizer
    cd = save_colorizer(build_colorizer('regress', 'compact', pretrained=False, hints=True), tmp_path / 'colour')
    src = tmp_path / 'in' / 'a.png'; src.parent.mkdir(); save_image(_photo(48, 64), src)
    if hints == 'truncated.png':
        h = tmp_path / 'hints.png'; save_image(_photo(), h); h.write_bytes(h.read_bytes()[:60])
    else: h = tmp_path / 'hints.json'; h.write_text(hints)
    _one_line_refusal(*_cli('colorize', src, '-o', tmp_path / 'out', '--model', cd, '--hints', h), h.name, says)
    assert not (tmp_path / 'out' / 'a.png').exists()


def test_missing_inputs_and_odd_files_are_named_for_what_they_are(tmp_path):
    "Finding 5: a missing input was 'skipped' then counted failed, a missing folder 'not a .png...', float TIFFs and arithmetic JPEGs misnamed."
    import tifffile
    d = tmp_path / 'in'; d.mkdir(); save_image(_photo(), d / 'good.png')
    tifffile.imwrite(d / 'float.tif', _photo(), photometric='rgb')                     # float32 RGB
    jb = tmp_path / 'plain.jpg'; Image.fromarray((_photo() * 255).astype(np.uint8)).save(jb); b = jb.read_bytes()
    (d / 'arith.jpg').write_bytes(b.replace(b'\xff\xc0', b'\xff\xc9', 1))               # its frame marked arithmetic-coded
    code, out, err = _cli('restore', d, tmp_path / 'nosuch.jpg', tmp_path / 'nofolder', '-o', tmp_path / 'out',
                          '--model', _model_dir(tmp_path), '--tile', '64', '--overlap', '32')
    assert code == 1 and 'Traceback' not in out + err, out + err
    lines = out.splitlines()
    for name, says in [('nosuch.jpg', 'no such file or folder'), ('nofolder', 'no such file or folder'),
                       ('float.tif', 'a 32-bit floating-point TIFF (3 samples a pixel)'), ('arith.jpg', 'an arithmetic-coded JPEG')]:
        assert any(l.startswith('failed: ') and name in l and says in l for l in lines), (name, out)
    assert 'restored 1, skipped 0 (already done), failed 4' in out
    assert not any(l.startswith('skipped') for l in lines)
    # asked for as PNG, the arithmetic-coded JPEG is restored (Pillow decodes it)
    assert main(['restore', str(d / 'arith.jpg'), '-o', str(tmp_path / 'png'), '--model', str(_model_dir(tmp_path)), '--format', 'png']) == 0


@pytest.mark.parametrize('shape', [(1, 300), (300, 1)])
def test_one_pixel_wide_scan_restores_without_warnings(tmp_path, shape):
    "Finding 5: a 5000x1 PNG printed 'RuntimeWarning: invalid value encountered in cast'."
    import warnings
    src = tmp_path / 'line.png'; save_image(_photo(*shape), src)
    with warnings.catch_warnings():
        warnings.simplefilter('error', RuntimeWarning)
        s = restore_paths([src], tmp_path / 'out', model=SpeckModel(), progress=False, log=None, tile=64, overlap=32)
    assert s['restored'] == 1 and load_image(tmp_path / 'out' / 'line.png')[0].shape[:2] == shape


def test_unwritable_output_refused_before_any_work(tmp_path):
    "Finding 6: a read-only -o was found only after each file had been restored."
    src = tmp_path / 'in' / 'a.png'; src.parent.mkdir(); save_image(_photo(), src)
    (tmp_path / 'afile').write_text('x')
    _one_line_refusal(*_cli('restore', src, '-o', tmp_path / 'afile' / 'out', '--model', _model_dir(tmp_path)), 'is a file, not a folder')
    if os.geteuid() != 0:   # root writes anywhere: a read-only folder only stops other users
        ro = tmp_path / 'ro'; ro.mkdir(); ro.chmod(0o555)
        try: _one_line_refusal(*_cli('restore', src, '-o', ro / 'out', '--model', _model_dir(tmp_path)), 'read-only')
        finally: ro.chmod(0o755)


def test_input_named_twice_is_restored_once(tmp_path):
    "Finding 6: s.png plus its folder was restored twice ('restored 3')."
    d = tmp_path / 'in'; d.mkdir(); save_image(_photo(), d / 's.png'); save_image(_photo(seed=1), d / 't.png')
    s = restore_paths([d / 's.png', d], tmp_path / 'out', model=SpeckModel(), progress=False, log=None, tile=64, overlap=32)
    assert s['restored'] == 2 and sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['s.png', 't.png']


def test_tiff_coding_kept_and_palette_png_documented(tmp_path):
    "Finding 7: an LZW TIFF came back Deflate, a palette PNG with transparency RGBA. The 8-bit TIFF keeps its coding; the palette's change is in the README."
    d = tmp_path / 'in'; d.mkdir()
    img = (_photo() * 255).astype(np.uint8); img[10:12, 5:60] = 255
    Image.fromarray(img).save(d / 'lzw.tif', compression='tiff_lzw')
    pal = Image.fromarray(img).convert('P', palette=Image.Palette.ADAPTIVE, colors=64); pal.info['transparency'] = 0
    pal.save(d / 'pal.png', transparency=0)
    s = restore_paths([d], tmp_path / 'out', model=SpeckModel(), save_mask=True, progress=False, log=None, tile=64, overlap=32)
    assert s['restored'] == 2
    out = Image.open(tmp_path / 'out' / 'lzw.tif')
    mask = np.asarray(Image.open(mask_path(tmp_path / 'out' / 'lzw.tif'))) > 0
    assert out.info['compression'] == 'tiff_lzw' and mask.any() and np.array_equal(np.asarray(out)[~mask], img[~mask])
    pin, pout = Image.open(d / 'pal.png').convert('RGBA'), Image.open(tmp_path / 'out' / 'pal.png')
    pmask = np.asarray(Image.open(mask_path(tmp_path / 'out' / 'pal.png'))) > 0
    assert pout.mode == 'RGBA' and np.array_equal(np.asarray(pout)[~pmask], np.asarray(pin)[~pmask])   # as the README says
    readme = (Path(__file__).parents[1] / 'README.md').read_text()
    assert 'palette' in readme and 'LZW' in readme
