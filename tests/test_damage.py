"""Damage synthesis and `film-restore build-data`, as a user runs them (offline, built-in photos only)."""
import csv, hashlib, json, subprocess, sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from film_restore.core import load_image
from film_restore.damage import (build_dataset, build_data_cli, synthesize_damage, overlay_damage, load_overlays,
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
    assert build_data_cli(['--source', 'samples', '--out', str(again), '--sizes', '64', '128', '256', '--seed', '0',
                           '--limit', '4', '--random-crops', '1', '--workers', '1']) == 0
    assert digest(again) == digest(built)
    # a run that died: one photo's record and one of its files are gone; the re-run repairs exactly that
    rec = sorted((again / '.work').iterdir())[0]
    victim = again / json.loads(rec.read_text())[0]['damaged']
    rec.unlink(); victim.unlink()
    assert build_data_cli(['--source', 'samples', '--out', str(again), '--sizes', '64', '128', '256', '--seed', '0',
                           '--limit', '4', '--random-crops', '1', '--workers', '1']) == 0
    assert digest(again) == digest(built)


def test_refuses_foreign_or_changed_folders(built, tmp_path):
    foreign = tmp_path / 'foreign'; foreign.mkdir(); (foreign / 'thesis.docx').write_text('mine')
    assert build_data_cli(['--source', 'samples', '--out', str(foreign), '--sizes', '32', '--limit', '1', '--workers', '1']) == 2
    assert (foreign / 'thesis.docx').read_text() == 'mine' and len(list(foreign.iterdir())) == 1
    assert build_data_cli(['--source', 'samples', '--out', str(built), '--sizes', '64', '--seed', '5', '--workers', '1']) == 2


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
