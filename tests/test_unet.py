"""Tests for film_restore.unet (and the loaders it is trained from): offline, pretrained=False, small inputs.
Lesson 4 checks parameter counts, freezing through fastai, the compact model's size, padding, folding the weight norm and
a compact save/load round trip; these are the checks it does not make (every arch x aware shape, bf16 bit-identity on
the real model, ResNet34 round trip, weights that do not fit, a model on real batches)."""
import warnings
import pytest
import torch

from film_restore.unet import build_restorer, split_output, save_restorer, load_restorer

warnings.filterwarnings('ignore', category=FutureWarning)


@pytest.fixture(scope='module')
def r34():
    torch.manual_seed(0)
    return build_restorer('resnet34', pretrained=False)


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
