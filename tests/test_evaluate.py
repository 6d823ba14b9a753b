"Tests for film_restore.evaluate and `film-restore evaluate`: a tiny generated dataset, offline, pretrained=False."
import json, math, warnings
import numpy as np
import pytest
import torch

from film_restore.core import load_image
from film_restore.loaders import make_toy_dataset
from film_restore.restore import main   # `film-restore`
from film_restore.evaluate import (evaluate, none_restorer, OracleRestorer, ClassicalRestorer,
                                   model_restorer, load_items, ssim_value, psnr, mask_scores, summarize, inpaint,
                                   make_restorers, UnsafeDatasetPath)

warnings.filterwarnings('ignore', category=FutureWarning)


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    return make_toy_dataset(tmp_path_factory.mktemp('toy'), n=30, size=64, seed=0)


@pytest.fixture(scope='module')
def baselines(toy):
    rs = {'none': none_restorer, 'classical': ClassicalRestorer(), 'oracle': OracleRestorer()}
    return evaluate(toy, rs, size=64, progress=False)


def test_none_is_identity(toy, baselines):
    s, per = baselines['summary']['none'], baselines['images']['none']
    assert s['ssim_clean']['mean'] == 1.0 and all(r['ssim_clean'] == 1.0 for r in per)
    items = load_items(toy, 'test', 64)
    assert len(per) == len(items) >= 2
    for it, r in zip(items, per):
        clean, damaged = load_image(it['clean'])[0], load_image(it['damaged'])[0]
        assert r['ssim'] == pytest.approx(ssim_value(damaged, clean), abs=1e-12)
        assert r['delta_ssim'] == pytest.approx(0.0, abs=1e-12)
        assert r['psnr'] == pytest.approx(psnr(damaged, clean))


def test_oracle_beats_none(baselines):
    S = baselines['summary']
    assert S['oracle']['psnr']['mean'] > S['none']['psnr']['mean']
    assert S['oracle']['mask_recall']['mean'] == 1.0 and S['oracle']['mask_precision']['mean'] == 1.0
    assert S['oracle']['ssim_clean']['mean'] == 1.0


def test_mask_scores():
    t = np.zeros((4, 4), bool); t[0, :2] = True
    p = np.zeros((4, 4), bool); p[0, 1:3] = True
    s = mask_scores(p, t)
    assert (s['precision'], s['recall']) == (0.5, 0.5)
    assert math.isnan(mask_scores(np.zeros_like(t), t)['precision'])


def test_model_restorer_pads_and_crops(tmp_path):
    from film_restore.unet import build_restorer, save_restorer
    torch.manual_seed(0)
    folder = save_restorer(build_restorer('compact', pretrained=False, aware=True), folder=tmp_path/'m')
    f = model_restorer(folder, device='cpu')
    img = np.random.default_rng(0).random((37, 50, 3)).astype(np.float32)
    out, mask = f(img)
    assert out.shape == img.shape and out.dtype == np.float32 and mask.shape == (37, 50)
    assert np.array_equal(out[~mask], img[~mask])  # outside the predicted mask the input is kept


def test_cli_with_tiny_untrained_model(toy, tmp_path):
    from film_restore.unet import build_restorer, save_restorer
    torch.manual_seed(0)
    model_dir = save_restorer(build_restorer('compact', pretrained=False, aware=True), folder=tmp_path/'tiny')
    out = tmp_path/'report'
    rc = main(['evaluate', '--model', str(model_dir), '--data', str(toy), '--out', str(out), '--size', '64',
                       '--limit', '3', '--gallery', '2'])
    assert rc == 0
    report = (out/'report.md').read_text()
    m = json.loads((out/'metrics.json').read_text())
    assert set(m['summary']) == {'tiny', 'none', 'classical', 'oracle'}
    assert all(len(v) == 3 for v in m['images'].values())
    assert '| tiny |' in report and 'dissertation: Model 3' in report
    assert (out/'hist_ssim.png').exists() and (out/'hist_delta_ssim.png').exists()
    assert (out/'gallery_tiny_worst.png').exists()
    tiny = m['images']['tiny'][0]
    assert {'ssim', 'ssim_clean', 'ssim_rgb', 'psnr', 'delta_ssim', 'mask_precision', 'mask_recall'} <= set(tiny)


def test_cli_only_baselines_and_errors(toy, tmp_path):
    assert main(['evaluate', '--model', 'none', '--no-baselines', '--data', str(toy), '--out', str(tmp_path/'a'), '--size', '64']) == 0
    assert set(json.loads((tmp_path/'a'/'metrics.json').read_text())['summary']) == {'none'}
    assert main(['evaluate', '--model', str(tmp_path/'missing'), '--data', str(toy), '--out', str(tmp_path/'b')]) == 2
    assert main(['evaluate', '--data', str(tmp_path/'nodata'), '--out', str(tmp_path/'c')]) == 2


def test_mask_f1():
    t = np.zeros((4, 4), bool); t[0, :2] = True
    p = np.zeros((4, 4), bool); p[0, 1:3] = True
    assert mask_scores(p, t)['f1'] == pytest.approx(0.5)
    assert mask_scores(np.zeros_like(t), t)['f1'] == 0.0          # damage missed entirely: F1 0, not undefined
    assert mask_scores(t, t)['f1'] == 1.0
    assert math.isnan(mask_scores(np.zeros_like(t), np.zeros_like(t))['f1'])


def test_f1_and_worst_in_summary_and_metrics(toy, baselines, tmp_path):
    S = baselines['summary']
    assert S['oracle']['mask_f1']['mean'] == 1.0 and S['oracle']['mask_pooled']['f1'] == 1.0
    cl = baselines['images']['classical']
    p = S['classical']['mask_pooled']
    tp, fp, fn = (sum(r[k] for r in cl) for k in ('mask_tp', 'mask_fp', 'mask_fn'))
    assert p['f1'] == pytest.approx(2*tp/(2*tp+fp+fn))
    assert S['none']['worst'] == dict(psnr_gain=0.0, name=baselines['images']['none'][0]['name'], n_worse=0, n=len(cl))

    def spoil(img, *a):   # a restorer that makes every image worse, one more than the others
        out = np.clip(np.asarray(img) + 0.02, 0, 1).astype(np.float32)
        return out, None
    res = evaluate(toy, {'spoil': spoil, 'none': none_restorer}, size=64, out=tmp_path/'r', progress=False)
    w = res['summary']['spoil']['worst']
    gains = {r['name']: r['psnr'] - r['psnr_input'] for r in res['images']['spoil']}
    assert w['n_worse'] == w['n'] == len(gains) and w['psnr_gain'] == pytest.approx(min(gains.values()))
    assert w['name'] == min(gains, key=gains.get)
    m = json.loads((tmp_path/'r'/'metrics.json').read_text())
    assert m['summary']['spoil']['worst']['n_worse'] == len(gains)
    assert 'psnr_gain' in m['summary']['spoil'] and 'mask_f1' in m['summary']['none']
    report = (tmp_path/'r'/'report.md').read_text()
    assert 'images worse' in report and f"| {len(gains)} / {len(gains)} |" in report


def test_telea_fill_keeps_the_model_mask(toy, tmp_path):
    from film_restore.unet import build_restorer, save_restorer
    torch.manual_seed(0)
    folder = save_restorer(build_restorer('compact', pretrained=False, aware=True), folder=tmp_path/'tiny')
    img = load_image(load_items(toy, 'test', 64)[0]['damaged'])[0]
    net, mask = model_restorer(folder, device='cpu')(img)
    tel, mask_t = model_restorer(folder, device='cpu', fill='telea')(img)
    assert np.array_equal(mask, mask_t) and np.array_equal(tel, inpaint(img, mask))
    assert np.array_equal(tel[~mask], img[~mask])
    rs = make_restorers([str(folder), f'{folder}:telea'], toy, size=64, baselines=False, device='cpu')
    assert list(rs) == ['tiny', 'tiny+telea']
    out = tmp_path/'rep'
    assert main(['evaluate', '--model', str(folder), '--fill', 'both', '--data', str(toy), '--out', str(out), '--size', '64',
                         '--limit', '2', '--gallery', '1', '--no-tune']) == 0
    m = json.loads((out/'metrics.json').read_text())
    assert set(m['summary']) == {'tiny', 'tiny+telea', 'none', 'classical', 'oracle'}
    assert [r['mask_f1'] for r in m['images']['tiny']] == [r['mask_f1'] for r in m['images']['tiny+telea']]
    plain = save_restorer(build_restorer('compact', pretrained=False, aware=False), folder=tmp_path/'plain')
    with pytest.raises(ValueError, match='damage-aware'): model_restorer(plain, device='cpu', fill='telea')


def test_tune_split(toy, tmp_path):
    "A tune set whose photos all sit in its test split (build-data --split test) can tune the classical baseline."
    rs = make_restorers(['classical'], toy, size=64, baselines=False, tune_data=toy, tune_split='test', progress=False)
    assert 'test' in rs['classical'].tuned_on


def _copy_with(toy, dest, column, value):
    import shutil, pandas as pd
    shutil.copytree(toy, dest)
    df = pd.read_csv(dest/'test.csv'); df[column] = df[column].astype(object); df.loc[0, column] = value
    df.to_csv(dest/'test.csv', index=False)
    return dest


@pytest.mark.parametrize('column', ['clean', 'damaged', 'mask'])
@pytest.mark.parametrize('kind', ['dotdot', 'absolute', 'symlink'])
def test_load_items_refuses_paths_outside_the_dataset(toy, tmp_path, column, kind):
    "Archival integrity: a CSV may not make the evaluator read files outside the dataset folder."
    secret = tmp_path/'outside'/'secret.png'; secret.parent.mkdir()
    secret.write_bytes((toy/load_items(toy, 'test', 64)[0]['clean'].relative_to(toy)).read_bytes())
    dest = tmp_path/'data'
    if kind == 'dotdot': value = '../outside/secret.png'
    elif kind == 'absolute': value = str(secret)
    else: value = '64/link/secret.png'
    data = _copy_with(toy, dest, column, value)
    if kind == 'symlink': (data/'64'/'link').symlink_to(secret.parent, target_is_directory=True)
    with pytest.raises(UnsafeDatasetPath) as e: load_items(data, 'test', 64)
    msg = str(e.value)
    assert '\n' not in msg and str(data/'test.csv') in msg and value in msg
    assert main(['evaluate', '--model', 'none', '--no-baselines', '--data', str(data), '--out', str(tmp_path/'o'), '--size', '64']) == 2
    with pytest.raises(UnsafeDatasetPath): load_items(data, 'all', 64)


def test_load_items_accepts_inside_symlink(toy, tmp_path):
    data = _copy_with(toy, tmp_path/'data', 'clean', '64/alias/' + load_items(toy, 'test', 64)[0]['clean'].name)
    (data/'64'/'alias').symlink_to(data/'64'/'clean', target_is_directory=True)
    assert load_items(data, 'test', 64)[0]['clean'].exists()


def test_probe_cli_writes_table(tmp_path):
    "`film-restore probe` (lesson 5) with random VGG weights: the table has 5 layers x 1 image, counts in 0..18."
    import skimage.data
    from film_restore.core import save_image
    save_image(skimage.data.astronaut()[::8, ::8], tmp_path/'a.png')
    assert main(['probe', '--images', str(tmp_path/'a.png'), '--out', str(tmp_path/'p'), '--pretrained', 'no']) == 0
    t = json.loads((tmp_path/'p'/'probe_table.json').read_text())
    assert t['layers'] == ['ReLU5', 'ReLU12', 'ReLU22', 'ReLU32', 'ReLU42'] and t['imagenet_weights'] is False
    assert all(len(r) == 1 and 0 <= r[0] <= 18 for r in t['counts'])
    assert (tmp_path/'p'/'probe_table.md').exists() and (tmp_path/'p'/'profiles_a.png').exists()
    assert main(['probe', '--images', str(tmp_path/'missing.png'), '--out', str(tmp_path/'q'), '--pretrained', 'no']) == 2
