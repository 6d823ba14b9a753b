"""Tests of film_restore.colorize: the ab classes, soft encoding, decoding, Zhang et al.'s networks and weights (never
downloaded: a temporary torch cache), `film-restore colorize` at full resolution and 16 bits, hints, `train --task colorize`
with resume, and `evaluate --task colorize`. None needs ../shared or the network."""
import json, urllib.error

import numpy as np
import pandas as pd
import pytest
import torch

from film_restore import colorize as C
from film_restore.restore import main
from film_restore.core import load_image, save_image, rgb2lab


def test_gamut_bins_count():
    bins = C.ab_gamut_bins()
    assert bins.shape == (262, 2)                        # computed from the sRGB gamut (Zhang et al. report 313: see lesson 10)
    assert np.all(bins % 10 == 0)
    as_set = lambda b: {tuple(c) for c in np.asarray(b).astype(int).tolist()}
    assert as_set(C.ab_bins_by_slicing(n_L=51, sub=5)) <= as_set(bins)   # the slicing method finds no cell the exact one lacks
    # every displayable colour's ab falls in some bin
    rgb = np.random.default_rng(0).random((2000, 1, 3)).astype(np.float32)
    cells = C.ab_cells(rgb2lab(rgb).reshape(-1, 3)[:, 1:])
    assert as_set(cells) <= as_set(bins)


def test_soft_encode_sums_to_one_with_five_nonzeros():
    bins = C.ab_gamut_bins()
    ab = torch.from_numpy(np.random.default_rng(1).uniform(-60, 60, (2, 2, 3, 4)).astype(np.float32))
    z = C.soft_encode(ab, bins, k=5, sigma=5)
    assert z.shape == (2, len(bins), 3, 4)
    assert torch.allclose(z.sum(1), torch.ones(2, 3, 4), atol=1e-5)
    assert torch.equal((z > 0).sum(1), torch.full((2, 3, 4), 5))
    assert torch.equal(z.argmax(1), C.nearest_bin(ab, bins))


def test_annealed_mean_of_one_hot_is_that_bin():
    bins = C.ab_gamut_bins()
    for q in (0, 57, len(bins) - 1):
        one_hot = torch.zeros(1, len(bins), 1, 1); one_hot[0, q] = 1
        for T in (0.38, 1.0):
            assert torch.allclose(C.decode_ab(one_hot, bins, T=T, logits=False)[0, :, 0, 0], torch.from_numpy(bins[q]), atol=1e-3)
        logits = one_hot * 50                            # a confident network's logits decode to the same bin
        assert torch.allclose(C.decode_ab(logits, bins, T=0.38)[0, :, 0, 0], torch.from_numpy(bins[q]), atol=1e-2)


def test_rebalance_weights_expectation_is_one():
    p = np.random.default_rng(2).random(262); p /= p.sum()
    w = C.rebalance_weights(p, lam=0.5)
    assert abs(float((p * w).sum()) - 1) < 1e-5
    assert w[p.argmin()] > w[p.argmax()]


@pytest.fixture(scope='module')
def tiny_model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp('colour_model')
    torch.manual_seed(0)
    m = C.build_colorizer('classify', arch='compact', pretrained=False, img_size=32)
    return C.save_colorizer(m, d, size=32, render_size=32)


def test_colorize_cli_16bit_grey_tiff(tmp_path, tiny_model_dir):
    H, W = 50, 70
    grey = (np.linspace(0, 1, H * W).reshape(H, W) ** 0.8 * 65535).astype(np.uint16)
    src = save_image(grey, tmp_path / 'old photo.tif', bit_depth=16, grey=True)
    assert load_image(src)[1].grey and load_image(src)[1].bit_depth == 16
    out = tmp_path / 'out'
    assert main(['colorize', str(src), '-o', str(out), '--model', str(tiny_model_dir), '--render-size', '32']) == 0
    res, info = load_image(out / 'old photo.tif')
    assert res.shape == (H, W, 3) and info.bit_depth == 16 and not info.grey
    assert np.abs(res[..., 0] - res[..., 2]).max() > 1e-3                  # it has colour
    L_in, L_out = rgb2lab(np.repeat((grey / 65535.)[..., None], 3, 2).astype(np.float32))[..., 0], rgb2lab(res)[..., 0]
    assert np.abs(L_in - L_out).mean() < 1.0                               # on the input's own lightness
    assert np.array_equal(load_image(src)[0][..., 0], (grey / 65535.).astype(np.float32))   # the input is untouched


def test_colorize_cli_without_model_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(C, 'default_colorizer_dir', lambda: tmp_path / 'no_model_here')
    src = save_image(np.full((8, 8), 0.5, np.float32), tmp_path / 'a.png', grey=True)
    assert main(['colorize', str(src), '-o', str(tmp_path / 'out')]) == 2
    err = capsys.readouterr().err
    assert 'no colouriser ships' in err and '--model eccv16' in err
    assert not (tmp_path / 'out' / 'a.png').exists()


def test_colorize_cli_missing_input_batch_goes_on(tmp_path, tiny_model_dir, capsys):
    good = save_image(np.full((20, 24), 0.4, np.float32), tmp_path / 'good.png', grey=True)
    (tmp_path / 'broken.png').write_bytes(b'not a png')
    rc = main(['colorize', str(tmp_path / 'nope.png'), str(tmp_path / 'broken.png'), str(good), '-o', str(tmp_path / 'out'),
                         '--model', str(tiny_model_dir), '--render-size', '32'])
    err = capsys.readouterr().err
    assert rc == 1 and 'nope.png' in err and 'broken.png' in err
    assert (tmp_path / 'out' / 'good.png').exists()                     # the batch went on


def test_dispatch_through_film_restore_main(tmp_path, tiny_model_dir):
    from film_restore.restore import main
    src = save_image(np.full((40, 30, 3), 0.4, np.float32), tmp_path / 'g.jpg')
    assert main(['colorize', str(src), '-o', str(tmp_path / 'o'), '--model', str(tiny_model_dir), '--render-size', '32']) == 0
    assert load_image(tmp_path / 'o' / 'g.jpg')[0].shape == (40, 30, 3)


def test_nogan_on_a_restorer_style_learner(tmp_path):
    from fastai.vision.all import DataLoaders, Learner
    import torch.nn as nn, torch.nn.functional as F

    class Toy(nn.Module):                                # a damage-aware restorer's output: 3 image channels + 1 logit
        def __init__(self): super().__init__(); self.c = nn.Conv2d(3, 4, 3, padding=1)
        def forward(self, x): o = self.c(x); return torch.cat([torch.sigmoid(o[:, :3]), o[:, 3:]], 1)
    g = torch.Generator().manual_seed(0)
    clean = torch.rand(8, 3, 32, 32, generator=g); mask = (torch.rand(8, 1, 32, 32, generator=g) > 0.9).float()
    ds = torch.utils.data.TensorDataset(clean * (1 - mask) + mask, clean, mask)
    dls = DataLoaders.from_dsets(ds, ds, bs=4, num_workers=0, device='cpu'); dls.n_inp = 1
    learn = Learner(dls, Toy(), loss_func=lambda p, c, m: F.l1_loss(p[:, :3], c))
    w0 = learn.model.c.weight.detach().clone()
    C.nogan_finetune(learn, dls, tmp_path / 'nogan', critic_epochs=(1, 0), gen_steps=2, max_critic_steps=1,
                     critic_arch='resnet18', pretrained=False, max_items=8)
    assert not torch.equal(w0, learn.model.c.weight)
    assert (tmp_path / 'nogan' / 'critic.pth').exists() and (tmp_path / 'nogan' / 'nogan_log.csv').exists()
    assert len(list((tmp_path / 'nogan' / 'predictions' / 'fake').glob('*.png'))) == 8


# --- Zhang et al.'s networks and the authors' weights

# from the authors' code (colorizers/eccv16.py, siggraph17.py): key -> shape. A wrong layout fails here.
ECCV16_KEYS = {'model1.0.weight': (64, 1, 3, 3), 'model1.2.weight': (64, 64, 3, 3), 'model1.4.running_mean': (64,),
               'model2.4.weight': (128,), 'model3.6.running_var': (256,), 'model4.0.weight': (512, 256, 3, 3),
               'model5.0.weight': (512, 512, 3, 3), 'model7.6.bias': (512,), 'model8.0.weight': (512, 256, 4, 4),
               'model8.6.weight': (313, 256, 1, 1), 'model8.6.bias': (313,), 'model_out.weight': (2, 313, 1, 1)}
SIGGRAPH17_KEYS = {'model1.0.weight': (64, 4, 3, 3), 'model1.4.weight': (64,), 'model8up.0.weight': (512, 256, 4, 4),
                   'model3short8.0.weight': (256, 256, 3, 3), 'model8.1.weight': (256, 256, 3, 3), 'model8.5.running_var': (256,),
                   'model9up.0.weight': (256, 128, 4, 4), 'model2short9.0.weight': (128, 128, 3, 3), 'model9.3.weight': (128,),
                   'model10up.0.weight': (128, 128, 4, 4), 'model1short10.0.weight': (128, 64, 3, 3),
                   'model10.1.weight': (128, 128, 3, 3), 'model_class.0.weight': (529, 256, 1, 1), 'model_out.0.weight': (2, 128, 1, 1)}


@pytest.mark.parametrize('name,keys,n', [('eccv16', ECCV16_KEYS, 82), ('siggraph17', SIGGRAPH17_KEYS, 107)])
def test_zhang_layout_is_the_authors(name, keys, n):
    sd = C.ZHANG_NETS[name]().state_dict()
    assert {k: tuple(sd[k].shape) for k in keys} == keys
    assert len(sd) == n
    assert 'model_out.bias' not in sd


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    "An empty torch cache, and no downloads: a test that tried one would fail loudly."
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    def no_download(*a, **k): raise urllib.error.URLError('offline (test)')
    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', no_download)
    return tmp_path / 'torch_home'


@pytest.mark.parametrize('name', ['eccv16', 'siggraph17'])
def test_zhang_state_dict_loads_strictly_from_the_cache(torch_home, name):
    target = C.zhang_weights_file(name)
    assert target.parent == torch_home / 'hub' / 'checkpoints' and target.name == C.ZHANG_URLS[name].rsplit('/', 1)[-1]
    torch.manual_seed(1)
    ref = C.ZHANG_NETS[name]()
    sd = {k: v for k, v in ref.state_dict().items() if not k.endswith('num_batches_tracked')}   # as older torch saved them
    target.parent.mkdir(parents=True); torch.save(sd, target)
    m = C.load_zhang(name, device='cpu')
    assert all(torch.equal(m.state_dict()[k], v) for k, v in sd.items())
    bad = dict(sd); bad['model1.0.weight'] = bad['model1.0.weight'][:32]               # a wrong shape
    with pytest.raises(ValueError, match=f'not {name} weights'): C.load_zhang_state(C.ZHANG_NETS[name](), bad, 'bad.pth')
    extra = dict(sd); extra['model11.0.weight'] = torch.zeros(1)                      # a key the authors' layout lacks
    with pytest.raises(ValueError, match='Unexpected'): C.load_zhang_state(C.ZHANG_NETS[name](), extra, 'extra.pth')


def test_offline_eccv16_says_where_to_put_the_weights(torch_home, tmp_path, capsys):
    src = save_image(np.full((30, 40, 3), 0.5, np.float32), tmp_path / 'photo.jpg')
    assert main(['colorize', str(src), '-o', str(tmp_path / 'out'), '--model', 'eccv16']) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(C.zhang_weights_file('eccv16')) in err and C.ZHANG_URLS['eccv16'] in err and 'offline (test)' in err
    assert not (tmp_path / 'out' / 'photo.jpg').exists()


def _grey16(tmp_path, H=70, W=90, name='old photo.tif'):
    yy, xx = np.mgrid[:H, :W]
    grey = ((0.2 + 0.6 * (xx / W) * (yy / H)) * 65535).astype(np.uint16)
    return grey, save_image(grey, tmp_path / name, bit_depth=16, grey=True)


@pytest.mark.parametrize('name', ['eccv16', 'siggraph17'])
def test_zhang_colorizes_16bit_grey_at_full_resolution(torch_home, tmp_path, name):
    target = C.zhang_weights_file(name); target.parent.mkdir(parents=True)
    torch.manual_seed(0); torch.save(C.ZHANG_NETS[name]().state_dict(), target)   # our random net, under the authors' file name
    grey, src = _grey16(tmp_path)
    out = tmp_path / 'out'
    assert main(['colorize', str(src), '-o', str(out), '--model', name, '--render-size', '64', '--device', 'cpu']) == 0
    res, info = load_image(out / src.name, native=True)
    assert res.shape == (*grey.shape, 3) and res.dtype == np.uint16 and info.bit_depth == 16 and not info.grey
    L_in = rgb2lab(np.repeat((grey / 65535.)[..., None], 3, 2).astype(np.float32))[..., 0]
    L_out = rgb2lab(res.astype(np.float32) / 65535)[..., 0]
    assert np.abs(L_in - L_out).mean() < 1.0                     # chroma on the input's own full-resolution lightness
    assert np.array_equal(np.atleast_3d(load_image(src, native=True)[0])[..., 0], grey)  # the input is untouched


def test_siggraph17_hints_from_json_and_image(torch_home, tmp_path):
    target = C.zhang_weights_file('siggraph17'); target.parent.mkdir(parents=True)
    torch.manual_seed(0); torch.save(C.SIGGRAPH17().state_dict(), target)
    grey, src = _grey16(tmp_path, name='p.tif')
    hj = tmp_path / 'hints.json'; hj.write_text(json.dumps([{'x': 20, 'y': 10, 'rgb': [220, 20, 20]}, {'x': 70, 'y': 60, 'rgb': [20, 40, 220]}]))
    sparse = np.full((70, 90, 3), 0.5, np.float32); sparse[30:34, 40:44] = (0.1, 0.8, 0.1)
    hi = save_image(sparse, tmp_path / 'hints.png')
    outs = {}
    for tag, extra in [('none', []), ('json', ['--hints', str(hj)]), ('png', ['--hints', str(hi)])]:
        assert main(['colorize', str(src), '-o', str(tmp_path / tag), '--model', 'siggraph17', '--render-size', '64', '--device', 'cpu'] + extra) == 0
        outs[tag] = load_image(tmp_path / tag / 'p.tif')[0]
    assert np.abs(outs['json'] - outs['none']).max() > 1e-3 and np.abs(outs['png'] - outs['none']).max() > 1e-3
    h = C.read_hints(hj, grey.shape)
    assert h[2, 10, 20] == 1 and h[0, 10, 20] > 0.3 and h[1, 60, 70] < -0.3 and h[2, 40, 40] == 0
    assert C.read_hints(hi, grey.shape)[2].sum() == 16
    bad = tmp_path / 'bad.json'; bad.write_text('[{"x": 1}]')
    assert main(['colorize', str(src), '-o', str(tmp_path / 'bad'), '--model', 'siggraph17', '--hints', str(bad)]) == 2   # refused before any work (issue 23)
    assert not (tmp_path / 'bad' / 'p.tif').exists()


def test_info_lists_the_colorizers(torch_home):
    from film_restore.restore import installation_info
    d = installation_info()
    assert str(C.zhang_weights_file('eccv16')) in d['colouriser eccv16'] and 'absent' in d['colouriser eccv16']
    assert 'colouriser (own)' in d and 'colouriser siggraph17' in d


# --- training and evaluation from the command line (fast mode)

def test_train_task_colorize_and_resume(tmp_path, monkeypatch):
    from film_restore.restore import main
    monkeypatch.setenv('FILM_RESTORE_FAST', '1')
    out = tmp_path / 'colour'
    args = ['train', '--task', 'colorize', '--recipe', 'classify', '--out', str(out), '--unfrozen-epochs', '2', '--keep-checkpoints']
    assert main(args) == 0
    log = pd.read_csv(out / 'log.csv')
    assert list(log['global_epoch']) == [1, 2]
    state_p = out / 'checkpoints' / 'state.json'
    state = json.loads(state_p.read_text())
    assert state['task'] == 'colorize' and state['stage'] == 1
    state.update(stage=0, epoch=1); state_p.write_text(json.dumps(state))           # as if killed after epoch 1
    log.iloc[:1].to_csv(out / 'log.csv', index=False)
    before = torch.load(out / 'model.pth', weights_only=True)                       # the finished run's weights
    assert main(args + ['--resume', str(out)]) == 0
    assert list(pd.read_csv(out / 'log.csv')['global_epoch']) == [1, 2]               # only epoch 2 ran again
    m = C.load_colorizer(out, 'cpu')
    assert m.config['recipe'] == 'classify' and m.config['kind'] == 'colorizer'
    assert any(not torch.equal(v, m.state_dict()[k]) for k, v in before.items() if v.is_floating_point())
    res = C.colorize_array(m, np.full((40, 50), 0.5, np.float32), 32)
    assert res.shape == (40, 50, 3)
    assert main(['train', '--task', 'colorize', '--out', str(tmp_path / 'x'), '--data', str(tmp_path / 'kodak24')]) == 2
    assert main(['train', '--task', 'colorize', '--recipe', 'regress', '--hints', '--out', str(tmp_path / 'h')]) == 0
    assert C.load_colorizer(tmp_path / 'h', 'cpu').hints


def test_evaluate_task_colorize_says_weights_absent(torch_home, tmp_path, tiny_model_dir, monkeypatch, capsys):
    from film_restore.restore import main
    monkeypatch.setenv('FILM_RESTORE_FAST', '1')
    rc = main(['evaluate', '--task', 'colorize', '--sets', 'samples', '--limit', '2', '--render-size', '32',
               '--models', f'tiny={tiny_model_dir}', 'eccv16', 'siggraph17', '--out', str(tmp_path / 'ev')])
    assert rc == 0
    table = (tmp_path / 'ev' / 'table.md').read_text()
    assert table.count('weights absent') == 2
    rows = {l.split('|')[2].strip(): l for l in table.splitlines()[2:]}
    assert set(rows) == {'grey', 'mean colour', 'tiny', 'eccv16', 'siggraph17', 'true colour'}
    assert '| 0.0 |' in rows['grey'] or ' 0.0 ' in rows['grey']                 # grey has no colour
    assert (tmp_path / 'ev' / 'gallery_samples.png').exists()


def test_judge_refuses_a_cast():
    t = pd.DataFrame({'psnr': [22.0, 22.5, 23.0, float('inf')], 'ssim': [.9, .9, .9, 1.], 'colourfulness': [0., 15., 20., 30.],
                      'colourfulness_gap': [30., 15., 10., 0.], 'ab_spread': [0., 0.5, 6., 15.]},
                     index=pd.Index(['grey', 'cast', 'model', 'true colour'], name='method'))
    assert C.judge_colorizer({'k': t}, 'model')[0]
    ok, why = C.judge_colorizer({'k': t}, 'cast')
    assert not ok and any('FAILS: ab spread' in w for w in why)


def test_the_shipped_default_colorizer(tmp_path):
    "film_restore's own colouriser ships (see its model card): it loads, works at its own size, and is the CLI's default."
    d = C.default_colorizer_dir()
    assert (d / 'model.pth').exists() and (d / 'MODEL_CARD.md').exists()
    m = C.resolve_colorizer(device='cpu')
    assert m.config['render_size'] == 96 and not m.hints
    grey, src = _grey16(tmp_path, name='g.tif')
    assert main(['colorize', str(src), '-o', str(tmp_path / 'o'), '--device', 'cpu']) == 0
    res, info = load_image(tmp_path / 'o' / 'g.tif')
    assert res.shape == (*grey.shape, 3) and info.bit_depth == 16
    assert C.ab_spread(res) > 0.5                                       # it does colour a picture
