"Tests for film_restore.training and `film-restore train`: offline, pretrained=False, tiny toy data."
import json, shutil, subprocess, sys, warnings
from pathlib import Path
import pandas as pd
import pytest
import torch

from film_restore.loaders import make_toy_dataset
from film_restore.unet import load_restorer, split_output
from film_restore.training import plan_stages, fit_to_budget
from film_restore.restore import main


def train(args): return main(['train', *args])   # `film-restore train ARGS`

warnings.filterwarnings('ignore', category=FutureWarning)
EXE = Path(sys.executable).parent / 'film-restore'


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    return make_toy_dataset(tmp_path_factory.mktemp('toy'), n=12, size=32, seed=0)


def _check_model_folder(out, recipe):
    model, cfg = load_restorer(out)
    assert cfg['recipe'] == recipe
    log = pd.read_csv(out / 'log.csv')
    assert {'stage', 'size', 'global_epoch', 'valid_loss', 'ssim', 'psnr', 'mse'} <= set(log.columns)
    assert len(log) == sum(s['epochs'] for s in cfg['stages'])
    pics = sorted((out / 'epochs').glob('*.png'))
    assert len(pics) == len(log) and all(p.stat().st_size > 1000 for p in pics)
    with torch.no_grad():
        img, _ = split_output(model(torch.rand(1, 3, 32, 32)))
    assert img.shape == (1, 3, 32, 32)
    return cfg, log


def test_train_model3_fast_command(toy, tmp_path):
    "The issue's check: `film-restore train --recipe model3 --fast` leaves a loadable model, its log and pictures."
    out = tmp_path / 'model3'
    cmd = [str(EXE) if EXE.exists() else 'film-restore', 'train', '--recipe', 'model3', '--data', str(toy), '--out', str(out), '--fast']
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    cfg, log = _check_model_folder(out, 'model3')
    assert cfg['arch'] == 'resnet34' and cfg['aware'] is False
    assert 'content_5' in log.columns and 'style_42' in log.columns   # the loss terms are logged
    assert not (out / 'checkpoints').exists()                        # a finished folder stays small


def test_resume_in_the_middle_of_a_stage(toy, tmp_path):
    "Stop after epoch 1 of a 2-epoch stage, resume: only epoch 2 runs, and the log continues."
    out = tmp_path / 'aware'
    args = ['--recipe', 'aware', '--data', str(toy), '--out', str(out), '--sizes', '32', '--frozen-epochs', '2',
            '--unfrozen-epochs', '0', '--limit', '8', '--bs', '4', '--workers', '0', '--pretrained', 'no', '--keep-checkpoints']
    assert train(args) == 0
    cfg, log = _check_model_folder(out, 'aware')
    assert list(log['global_epoch']) == [1, 2] and cfg['aware'] is True
    state_p = out / 'checkpoints' / 'state.json'
    state = json.loads(state_p.read_text())
    assert state['stage'] == 1 and state['epoch'] == 0                # finished: past its only stage
    state.update(stage=0, epoch=1); state_p.write_text(json.dumps(state))
    log.iloc[:1].to_csv(out / 'log.csv', index=False)
    for p in sorted((out / 'epochs').glob('*.png'))[1:]: p.unlink()
    assert train(args + ['--resume', str(out)]) == 0
    cfg2, log2 = _check_model_folder(out, 'aware')
    assert list(log2['global_epoch']) == [1, 2]
    assert len(list((out / 'epochs').glob('e002_*.png'))) == 1


def test_resume_from_a_model_folder_and_bad_input(toy, tmp_path):
    out = tmp_path / 'mse'
    base = ['--recipe', 'mse', '--arch', 'compact', '--data', str(toy), '--fast']
    assert train(base + ['--out', str(out)]) == 0
    assert train(base + ['--out', str(tmp_path / 'mse2'), '--resume', str(out)]) == 0   # starts from its weights
    _check_model_folder(tmp_path / 'mse2', 'mse')
    assert train(['--recipe', 'mse', '--data', str(tmp_path / 'nowhere'), '--out', str(tmp_path / 'x'), '--fast']) == 2
    assert train(base + ['--out', str(tmp_path / 'y'), '--resume', str(tmp_path / 'nothing')]) == 2
    assert train(['--recipe', 'model9', '--data', str(toy), '--out', str(tmp_path / 'z')]) == 2   # argparse's usage error


def test_nogan_after_training(toy, tmp_path, monkeypatch):
    "--nogan: lesson 8's NoGAN stage after the schedule (stubbed here: it is lesson 8's to test); the model is saved again, marked."
    import film_restore.restore as R
    calls = []
    monkeypatch.setattr(R, 'nogan_finetune', lambda learn, dls, folder: calls.append(Path(folder)))
    out = tmp_path / 'n'
    assert train(['--recipe', 'mse', '--arch', 'compact', '--data', str(toy), '--out', str(out), '--fast', '--nogan']) == 0
    assert calls == [out / 'nogan'] and json.loads((out / 'config.json').read_text())['nogan'] is True
    assert train(['--recipe', 'mse', '--data', str(tmp_path / 'nowhere'), '--out', str(tmp_path / 'm'), '--fast', '--nogan']) == 2
    assert not (tmp_path / 'm').exists() and len(calls) == 1       # refused before any work


def test_schedule_and_budget():
    plan = plan_stages((64, 128, 256), 10, 20)
    assert [(s['size'], s['epochs'], s['frozen'], s['pct_start']) for s in plan] == \
        [(64, 10, True, 0.8), (128, 10, True, 0.8), (256, 10, True, 0.8), (256, 20, False, 0.5)]
    fit = fit_to_budget(plan, [10, 40, 160, 200], 1800)
    assert sum(s['epochs'] * t for s, t in zip(fit, [10, 40, 160, 200][-len(fit):])) <= 1800


@pytest.fixture(scope='module')
def toy_two_sizes(tmp_path_factory):
    return make_toy_dataset(tmp_path_factory.mktemp('toy2'), n=12, size=[32, 64], seed=0)


def test_default_sizes_are_the_datasets_own(toy_two_sizes, tmp_path):
    "Without --sizes, a dataset built at 32 and 64 px trains at the default sizes it has (64), not 64 128 256."
    out = tmp_path / 'own'
    args = ['--recipe', 'aware', '--data', str(toy_two_sizes), '--out', str(out), '--frozen-epochs', '1',
            '--unfrozen-epochs', '0', '--limit', '8', '--bs', '4', '--workers', '0', '--pretrained', 'no']
    assert train(args) == 0
    cfg, log = _check_model_folder(out, 'aware')
    assert cfg['sizes'] == [64] and set(log['size']) == {64}


def test_sizes_the_dataset_lacks_are_refused_before_training(toy_two_sizes, tmp_path, capsys):
    "Asked for 32 and 128 px on a 32/64 px dataset: one line naming the dataset and its sizes, and nothing written."
    out = tmp_path / 'missing'
    args = ['--recipe', 'mse', '--arch', 'compact', '--data', str(toy_two_sizes), '--out', str(out), '--fast', '--sizes', '32', '128']
    assert train(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert str(toy_two_sizes) in err and '128' in err and 'it has 32 64' in err and 'resize' not in err
    assert not out.exists()                                            # refused before any work


def test_training_sizes_choice():
    from film_restore.training import training_sizes
    assert training_sizes([64, 128]) == (64, 128)
    assert training_sizes([64, 128, 256, 512]) == (64, 128, 256)
    assert training_sizes([32, 48]) == (32, 48)
    assert training_sizes([32, 64], fast=True) == (32,)
    with pytest.raises(ValueError, match='it has 64 128'): training_sizes([64, 128], sizes=[256], data='d')
