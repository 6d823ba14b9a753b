"""Damage synthesis and `film-restore build-data`, as a user runs them (offline, built-in photos only)."""
import contextlib, csv, hashlib, json, os, signal, subprocess, sys, time
from pathlib import Path

import cv2
import numpy as np
import pytest

from film_restore.core import load_image
from film_restore.restore import main   # `film-restore`
from film_restore.damage import (build_dataset, synthesize_damage, overlay_damage, load_overlays,
                                 quantise8, image_ssim, REALISTIC_COVERAGE)

EXE = Path(sys.executable).parent / 'film-restore'


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob('*')) if p.is_file()}


def rows(folder):
    return [r for sp in ('train', 'validation', 'test') for r in csv.DictReader(open(Path(folder) / f'{sp}.csv'))]


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    "The issue's command, once: offline, built-in photos, three sizes, seed 0 (limited to 4 photos to stay quick)."
    out = tmp_path_factory.mktemp('d') / 'data'
    r = subprocess.run([str(EXE), 'build-data', '--source', 'samples', '--out', str(out), '--sizes', '64', '128', '256',
                        '--seed', '0', '--limit', '4', '--random-crops', '1'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_layout_and_manifest(built):
    m = json.loads((built / 'manifest.json').read_text())
    assert m['photos'] == 4 and m['seed'] == 0 and m['sizes'] == [64, 128, 256]
    rs = rows(built)
    assert len(rs) == 4 * 3 * 2                                    # photos x sizes x (centre + 1 random crop)
    assert {int(r['size']) for r in rs} == {64, 128, 256}
    for sp in ('train', 'validation', 'test'):                     # a photo's patches all sit in one split
        ids = {r['photo_id'] for r in csv.DictReader(open(built / f'{sp}.csv'))}
        others = {r['photo_id'] for s2 in ('train', 'validation', 'test') if s2 != sp for r in csv.DictReader(open(built / f'{s2}.csv'))}
        assert not ids & others
    assert (built / 'contact_sheet.png').stat().st_size > 0


def test_masks_cover_exactly_the_changed_pixels(built):
    for r in rows(built):
        clean, damaged = load_image(built / r['clean'])[0], load_image(built / r['damaged'])[0]
        mask = cv2.imread(str(built / r['mask']), cv2.IMREAD_UNCHANGED)
        assert mask.ndim == 2 and mask.shape == clean.shape[:2]
        changed = (quantise8(clean) != quantise8(damaged)).any(axis=2)
        assert np.array_equal(mask > 0, changed), r['patch_id']
    sizes_of_one_photo = [r for r in rows(built) if r['photo_id'] == rows(built)[0]['photo_id'] and r['patch_id'].endswith('_0')]
    masks = [cv2.resize(cv2.imread(str(built / r['mask']), 0), (64, 64)) > 0 for r in sizes_of_one_photo]
    assert not all(np.array_equal(masks[0], m) for m in masks[1:])   # each size carries a different pattern


def test_same_seed_same_bytes_and_resume(built, tmp_path):
    again = tmp_path / 'again'
    assert main(['build-data', '--source', 'samples', '--out', str(again), '--sizes', '64', '128', '256', '--seed', '0',
                           '--limit', '4', '--random-crops', '1', '--workers', '1']) == 0
    assert digest(again) == digest(built)
    # a run that died: one photo's record and one of its files are gone; the re-run repairs exactly that
    rec = sorted((again / '.work').iterdir())[0]
    victim = again / json.loads(rec.read_text())[0]['damaged']
    rec.unlink(); victim.unlink()
    assert main(['build-data', '--source', 'samples', '--out', str(again), '--sizes', '64', '128', '256', '--seed', '0',
                           '--limit', '4', '--random-crops', '1', '--workers', '1']) == 0
    assert digest(again) == digest(built)


def test_refuses_foreign_or_changed_folders(built, tmp_path):
    foreign = tmp_path / 'foreign'; foreign.mkdir(); (foreign / 'thesis.docx').write_text('mine')
    assert main(['build-data', '--source', 'samples', '--out', str(foreign), '--sizes', '32', '--limit', '1', '--workers', '1']) == 2
    assert (foreign / 'thesis.docx').read_text() == 'mine' and len(list(foreign.iterdir())) == 1
    assert main(['build-data', '--source', 'samples', '--out', str(built), '--sizes', '64', '--seed', '5', '--workers', '1']) == 2


def test_presets():
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.random((256, 256, 3)).astype(np.float32), (0, 0), 3)
    lo, hi = REALISTIC_COVERAGE
    covs = [synthesize_damage(img, 'realistic', seed=s).mask.mean() for s in range(6)]
    assert all(lo * 0.75 <= c <= hi for c in covs), covs
    ss = [image_ssim(synthesize_damage(img, 'thesis', seed=s).damaged, img) for s in range(6)]
    assert 0.15 <= min(ss) and max(ss) <= 0.98 and np.mean(ss) < 0.9, ss


def test_overlay_method_on_a_texture_folder(tmp_path):
    tex = np.ones((120, 120), np.uint8) * 250
    for i in range(40): cv2.circle(tex, (int(i * 2.9) % 120, (i * 37) % 120), 2, 20, -1)
    cv2.imwrite(str(tmp_path / 'dust.png'), tex)
    img = np.full((64, 64, 3), 0.4, np.float32)
    r = overlay_damage(img, tmp_path, seed=3)
    assert r.mask.any() and r.damaged[r.mask].mean() > 0.4            # inverted: the dark dust prints light
    assert np.array_equal(r.mask, (quantise8(r.damaged) != quantise8(img)).any(axis=2))
    assert np.array_equal(overlay_damage(img, tmp_path, seed=3).damaged, r.damaged)
    assert np.array_equal(synthesize_damage(img, f'overlays:{tmp_path}', seed=3).damaged, r.damaged)
    empty = tmp_path / 'empty'; empty.mkdir()
    with pytest.raises(FileNotFoundError, match='no overlay images'): load_overlays(empty)


@pytest.fixture(scope='module')
def built_real(tmp_path_factory):
    "`build-data --damage real` on three built-in photos: the real shape bank shipped with the package, no ../shared."
    out = tmp_path_factory.mktemp('r') / 'data'
    r = subprocess.run([str(EXE), 'build-data', '--source', 'samples', '--out', str(out), '--sizes', '128', '--damage', 'real',
                        '--seed', '0', '--limit', '3', '--random-crops', '2', '--workers', '1'],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_real_preset_masks_are_exact_on_disk(built_real):
    rs = rows(built_real)
    assert len(rs) == 3 * 3
    damaged_any = 0
    for r in rs:
        clean, damaged = load_image(built_real / r['clean'])[0], load_image(built_real / r['damaged'])[0]
        mask = cv2.imread(str(built_real / r['mask']), cv2.IMREAD_UNCHANGED)
        changed = (quantise8(clean) != quantise8(damaged)).any(axis=2)
        assert np.array_equal(mask > 0, changed), r['patch_id']   # exact, JPEG or not: outside the mask the pair is equal
        damaged_any += changed.any()
    assert damaged_any >= len(rs) // 2


def test_real_preset_puts_scan_realism_in_the_clean_target(built_real):
    "The clean target is not the photo: it carries the grain and softness of a scan (so grain is learned as picture)."
    from film_restore.data import builtin_photos, photo_patches
    r = next(x for x in rows(built_real) if x['patch_id'].endswith('_0'))
    ref = next(p for p in builtin_photos().photos if p.id == r['photo_id'])
    photo = quantise8(photo_patches(ref.load(), sizes=(128,), n_random=0, margin=0)[128][0])
    clean = quantise8(load_image(built_real / r['clean'])[0])
    assert (photo != clean).mean() > 0.3


def test_real_preset_same_seed_same_bytes(built_real, tmp_path):
    out = tmp_path / 'again'
    r = subprocess.run([str(EXE), 'build-data', '--source', 'samples', '--out', str(out), '--sizes', '128', '--damage', 'real',
                        '--seed', '0', '--limit', '3', '--random-crops', '2', '--workers', '2'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    a, b = digest(built_real), digest(out)
    for k in [k for k in a if k.endswith('.png') and '/' in k]: assert a[k] == b[k], k


# --- archival integrity: a bad photo, a killed builder, a record whose files are gone ---------------------------

def _good_and_truncated(folder, n_good=3):
    "A folder of `n_good` small JPEG photos and `cut.jpg`, a truncated copy whose header still reads fine."
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for k in range(n_good):
        base = cv2.resize(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8), (160, 160), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(folder / f'good{k}.jpg'), base)
    good = (folder / 'good0.jpg').read_bytes()
    (folder / 'cut.jpg').write_bytes(good[:len(good) * 2 // 3])
    return folder


def test_a_truncated_photo_does_not_break_the_workers(tmp_path):
    "With worker processes, one unreadable photo is listed with its reason and every good photo is built."
    src = _good_and_truncated(tmp_path / 'src')
    out = tmp_path / 'out'
    m = build_dataset([str(src)], out, sizes=(32,), seed=0, n_random=0, split='train', workers=2, progress=False)
    assert m['photos'] == 3
    assert [s[0] for s in m['skipped']] == ['cut'] and 'cut.jpg' in m['skipped'][0][1] and 'ImageReadError' in m['skipped'][0][1]
    assert sorted({r['photo_id'] for r in rows(out)}) == ['good0', 'good1', 'good2']


def test_resume_redoes_a_photo_whose_files_are_gone(tmp_path):
    "A record in .work/ whose files are missing or empty is not trusted: the photo is made again, identically."
    out = tmp_path / 'd'
    kw = dict(sizes=(32, 64), seed=0, limit=2, n_random=1, workers=1, progress=False)
    build_dataset(['samples'], out, **kw)
    before = digest(out)
    r0, r1 = rows(out)[0], rows(out)[-1]
    (out / r0['damaged']).unlink()                 # gone
    (out / r1['mask']).write_bytes(b'')            # emptied
    build_dataset(['samples'], out, **kw)
    assert digest(out) == before


def _children(pid):
    "Pids whose parent is `pid` (Linux /proc)."
    kids = []
    for d in Path('/proc').iterdir():
        if d.name.isdigit():
            try: ppid = int((d / 'stat').read_text().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError): continue
            if ppid == pid: kids.append(int(d.name))
    return kids


def _running(pid):
    "True while `pid` exists and is not a zombie (an orphan's zombie may wait for a reaper that never comes)."
    try: return (Path('/proc') / str(pid) / 'stat').read_text().rsplit(')', 1)[1].split()[0] not in ('Z', 'X')
    except OSError: return False


def _start_builder(out):
    "`film-restore build-data` with two workers on enough work to be busy; returns it and its workers' pids once they run."
    cmd = [str(EXE), 'build-data', '--source', 'samples', '--out', str(out), '--sizes', '64', '128', '256',
           '--random-crops', '20', '--damage', 'realistic', '--workers', '2', '--seed', '0']
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    for _ in range(600):                           # at most 60 s for the workers to start
        workers = [p for p in _children(proc.pid)
                   if 'spawn_main' in (Path('/proc') / str(p) / 'cmdline').read_bytes().decode(errors='replace')]
        if len(workers) == 2 or proc.poll() is not None: break
        time.sleep(0.1)
    return proc, workers


def _wait_gone(pids, seconds=90):
    # A worker killed while it still imports its libraries (seconds on an idle machine, tens of seconds on a loaded
    # one) arms its death signal only when the import ends, and then exits at once: give it that long.
    for _ in range(int(seconds * 10)):
        if not any(_running(p) for p in pids): return []
        time.sleep(0.1)
    return [p for p in pids if _running(p)]


@contextlib.contextmanager
def _busy_builder(out):
    "A running `build-data` whose two workers have taken up photos: yields `(proc, workers)`, and never leaves them behind."
    proc, workers = _start_builder(out)
    try:
        assert proc.poll() is None and len(workers) == 2, 'the build ended before its workers could be seen'
        time.sleep(1.0)                            # let them take up photos
        yield proc, workers
    finally:                                       # even when the test fails
        if proc.poll() is None: proc.kill()
        for p in workers:
            if _running(p): os.kill(p, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc')
def test_killing_the_builder_ends_its_workers(tmp_path):
    "kill -9 of build-data leaves no worker running: each worker ends when its parent dies."
    with _busy_builder(tmp_path / 'd') as (proc, workers):
        proc.kill(); proc.wait(10)
        left = _wait_gone(workers)
        assert not left, f'orphan workers still running: {left}'


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc')
def test_sigterm_stops_the_builder_and_its_workers(tmp_path):
    "SIGTERM to build-data: it stops its workers, says how to resume, and exits; nothing keeps running."
    with _busy_builder(tmp_path / 'd') as (proc, workers):
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 130
        assert not _wait_gone(workers)
