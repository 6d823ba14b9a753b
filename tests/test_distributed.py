"""Training as several processes (lesson 6, 'Training on several GPUs'), proved on the CPU: two processes (gloo,
launched with torchrun) take the same steps as one, and `film-restore train` launched as two writes one model folder.

pytest-xdist's workers may start processes of their own (nbdev-test's daemon workers may not, so the notebook's
launching cells are `slow`); each test here starts two, and takes 15-30 s on two cores."""
import json, os, subprocess, sys, tomllib
from pathlib import Path
import pandas as pd
import pytest

import film_restore
from film_restore.loaders import make_toy_dataset
from film_restore.training import DDP_TOL, equivalence_run, launch_equivalence, loss_gap, param_gap
from film_restore.restore import main

ROOT = Path(film_restore.__file__).resolve().parents[1]


def test_two_processes_take_the_steps_of_one(tmp_path):
    "Same initial weights, same global batches: per-step losses and final weights agree within DDP_TOL (float32 rounding)."
    one = equivalence_run(steps=6)
    many = launch_equivalence(2, tmp_path / 'ddp', timeout=300, steps=6)
    gap = loss_gap(one, many)
    assert many['world'] == 2 and len(gap) == 6
    assert (gap['rel'] <= DDP_TOL).all(), gap.to_string()
    assert param_gap(one, many) <= DDP_TOL, param_gap(one, many)
    # and the tolerance tells runs apart: a step twice too long (gradients summed, not averaged) is far outside it
    assert loss_gap(one, equivalence_run(steps=6, lr=1.0))['rel'].max() > 100 * DDP_TOL


def _film_restore_script(folder: Path) -> Path:
    "This checkout's `film-restore` console script, written from pyproject's entry point as pip writes it."
    module, func = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']['scripts']['film-restore'].split(':')
    p = folder / 'film-restore'
    p.write_text(f"import sys\nfrom {module} import {func}\nsys.exit({func}())\n")
    return p


def test_train_command_as_two_processes(tmp_path):
    "The README's command on the CPU: one log row per epoch, one picture per epoch, one model folder, one report."
    toy = make_toy_dataset(tmp_path / 'toy', n=12, size=32, seed=0)
    out = tmp_path / 'model'
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get('PYTHONPATH')] if p])}
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', str(_film_restore_script(tmp_path)),
           'train', '--recipe', 'mse', '--arch', 'compact', '--data', str(toy), '--out', str(out), '--fast']
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    log, cfg = pd.read_csv(out / 'log.csv'), json.loads((out / 'config.json').read_text())
    assert len(log) == sum(s['epochs'] for s in cfg['stages']) == 2, log
    assert len(list((out / 'epochs').glob('*.png'))) == len(log)
    assert sorted(p.name for p in out.iterdir()) == ['config.json', 'epochs', 'log.csv', 'model.pth']
    assert r.stdout.count('saved ') == 1, r.stdout


@pytest.mark.parametrize('extra', [['--minutes', '5'], ['--nogan']])
def test_budget_and_nogan_refused_with_several_processes(extra, monkeypatch, capsys):
    monkeypatch.setenv('WORLD_SIZE', '2')
    assert main(['train', '--data', 'nowhere', '--out', 'nowhere'] + extra) == 2
    assert 'not supported with several processes' in capsys.readouterr().err
