"Tests of film_restore.colorize: the ab classes, soft encoding, decoding, and `film-restore colorize` on a 16-bit grey TIFF."
import numpy as np
import pytest
import torch

from film_restore import colorize as C
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
    assert C.colorize_cli([str(src), '-o', str(out), '--model', str(tiny_model_dir), '--render-size', '32']) == 0
    res, info = load_image(out / 'old photo.tif')
    assert res.shape == (H, W, 3) and info.bit_depth == 16 and not info.grey
    assert np.abs(res[..., 0] - res[..., 2]).max() > 1e-3                  # it has colour
    L_in, L_out = rgb2lab(np.repeat((grey / 65535.)[..., None], 3, 2).astype(np.float32))[..., 0], rgb2lab(res)[..., 0]
    assert np.abs(L_in - L_out).mean() < 1.0                               # on the input's own lightness
    assert np.array_equal(load_image(src)[0][..., 0], (grey / 65535.).astype(np.float32))   # the input is untouched


def test_colorize_cli_without_model_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(C, 'default_colorizer_dir', lambda: tmp_path / 'no_model_here')
    src = save_image(np.full((8, 8), 0.5, np.float32), tmp_path / 'a.png', grey=True)
    assert C.colorize_cli([str(src), '-o', str(tmp_path / 'out')]) == 2
    assert 'no colour model ships' in capsys.readouterr().err
    assert not (tmp_path / 'out' / 'a.png').exists()


def test_colorize_cli_missing_input(tmp_path, tiny_model_dir, capsys):
    assert C.colorize_cli([str(tmp_path / 'nope.png'), '-o', str(tmp_path / 'out'), '--model', str(tiny_model_dir)]) == 1
    assert 'nope.png' in capsys.readouterr().err


def test_dispatch_through_film_restore_main(tmp_path, tiny_model_dir):
    from film_restore.core import main
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
