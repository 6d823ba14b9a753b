"Tests for film_restore.unet (and the loaders it is trained from): offline, pretrained=False, small inputs."
import warnings
import pytest
import torch

from film_restore.unet import (build_restorer, split_output, count_params, count_params_v1, count_frozen,
                               freeze_encoder, unfreeze, restorer_splitter, save_restorer, load_restorer,
                               pad_to_multiple, crop_to)

warnings.filterwarnings('ignore', category=FutureWarning)


@pytest.fixture(scope='module')
def r34():
    torch.manual_seed(0)
    return build_restorer('resnet34', pretrained=False)


def test_dissertation_param_counts(r34):
    assert count_params_v1(r34) == 41_405_588
    assert count_params(r34) == 41_413_534
    freeze_encoder(r34)
    assert count_frozen(r34) == 21_267_648
    unfreeze(r34)
    assert count_frozen(r34) == 0


def test_splitter_freezes_encoder_through_fastai(r34):
    from fastai.learner import Learner
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.losses import MSELossFlat
    pair = [(torch.rand(3, 32, 32), torch.rand(3, 32, 32))] * 2
    dls = DataLoaders(DataLoader(pair, bs=2), DataLoader(pair, bs=2))
    learn = Learner(dls, r34, loss_func=MSELossFlat(), splitter=restorer_splitter)
    learn.freeze()
    assert count_frozen(r34) == 21_267_648
    learn.unfreeze()
    assert count_frozen(r34) == 0


@pytest.mark.parametrize('arch,aware', [('resnet34', False), ('resnet34', True), ('compact', False), ('compact', True)])
def test_forward_shapes_and_range(arch, aware, r34):
    model = r34 if (arch, aware) == ('resnet34', False) else build_restorer(arch, pretrained=False, aware=aware)
    x = torch.rand(2, 3, 64, 96)
    with torch.no_grad(): out = model.eval()(x)
    assert out.shape == (2, 4 if aware else 3, 64, 96)
    img, logit = split_output(out)
    assert img.shape == x.shape and img.dtype == torch.float32
    assert (logit is None) != aware
    assert 0 <= img.min() and img.max() <= 1


def test_compact_is_small_and_takes_multiples_of_32():
    model = build_restorer('compact', aware=True).eval()
    assert count_params(model) * 4 < 10 * 2**20
    for hw in [(32, 32), (160, 96)]:
        with torch.no_grad(): assert model(torch.rand(1, 3, *hw)).shape[-2:] == hw
    x = torch.rand(1, 3, 50, 77)
    xp, hw = pad_to_multiple(x)
    assert xp.shape[-2:] == (64, 96) and torch.equal(crop_to(xp, hw), x)


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_aware_eval_leaves_unmasked_pixels_bit_identical(precision):
    torch.manual_seed(0)
    model = build_restorer('compact', aware=True).eval()
    with torch.no_grad(): model.unet.layers[-2][0].bias[3] = 0.3   # some pixels in, some out of the mask
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad(), torch.autocast('cpu', torch.bfloat16, enabled=precision == 'bf16'):
        img, logit = split_output(model(x))
    keep = (torch.sigmoid(logit) <= model.mask_threshold).expand_as(x)
    assert keep.any() and (~keep).any()
    assert torch.equal(img[keep], x[keep])
    model.train()   # training blends softly: clean pixels are nudged, and gradients reach the mask
    img_t, _ = split_output(model(x))
    assert not torch.equal(img_t[keep], x[keep])


def test_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    model = build_restorer('compact', aware=True)
    with torch.no_grad(): model.unet.layers[-2][0].bias.normal_()
    save_restorer(model, {'recipe': 'aware', 'sizes': [64]}, tmp_path/'m')
    assert sorted(p.name for p in (tmp_path/'m').iterdir()) == ['config.json', 'model.pth']
    loaded, cfg = load_restorer(tmp_path/'m')
    assert cfg['recipe'] == 'aware' and cfg['arch'] == 'compact' and cfg['aware'] is True
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad(): assert torch.equal(model.eval()(x), loaded(x))


def test_save_load_round_trip_resnet34(tmp_path, r34):
    save_restorer(r34, {'recipe': 'model3'}, tmp_path/'r')
    loaded, cfg = load_restorer(tmp_path/'r')
    assert cfg['arch'] == 'resnet34' and cfg['recipe'] == 'model3'
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad(): assert torch.equal(r34.eval()(x), loaded(x))


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='config.json'): load_restorer(tmp_path)
    save_restorer(build_restorer('compact'), None, tmp_path/'m')
    (tmp_path/'m'/'config.json').write_text('{"arch": "compact", "aware": true}')   # weights do not fit
    with pytest.raises(ValueError, match='model.pth'): load_restorer(tmp_path/'m')


def test_loaders_batches_from_a_toy_dataset(tmp_path):
    from film_restore.loaders import make_toy_dataset, get_dls, test_items
    toy = make_toy_dataset(tmp_path/'toy', n=10, size=32, seed=0)
    dls = get_dls(toy, 32, bs=2, num_workers=0, device='cpu')
    d, c, m = dls.one_batch()
    assert d.shape == c.shape == (2, 3, 32, 32) and m.shape == (2, 1, 32, 32)
    assert 0 <= m.min() and m.max() <= 1
    assert len(test_items(toy, 32)) == 1
    model = build_restorer('compact', aware=True)
    img, logit = split_output(model(d.as_subclass(torch.Tensor)))
    assert img.shape == d.shape and logit.shape == m.shape


def test_deepcopy_and_fold_weight_norm(tmp_path):
    import copy
    from film_restore.unet import fold_weight_norm
    torch.manual_seed(0)
    model = build_restorer('compact', aware=True).eval()
    model.mask_threshold = 0.4
    twin = copy.deepcopy(model)   # torch's weight_norm alone would make this fail
    assert twin is not model and twin.mask_threshold == 0.4 and not twin.training
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad(): assert torch.equal(model(x), twin(x))
    fold_weight_norm(twin)
    assert not any(n.endswith('weight_g') for n, _ in twin.named_parameters())
    with torch.no_grad(): assert torch.allclose(model(x), twin(x), atol=1e-5)
    with pytest.raises(ValueError, match='folded'): save_restorer(twin, None, tmp_path/'f')
