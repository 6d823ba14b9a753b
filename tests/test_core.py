"""The `film-restore` command's foundation: `info` and the dispatcher, run as a user runs them."""
import json, subprocess, sys
from pathlib import Path

EXE = Path(sys.executable).parent / 'film-restore'


def run(*args):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=300)


def test_info_reports_this_machine():
    r = run('info', '--json')
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    import torch
    from film_restore.core import weights_available
    assert d['torch'] == torch.__version__
    expected = 'fp16' if torch.cuda.is_available() else 'bf16'
    assert d['training precision'].startswith(expected)
    assert d['imagenet weights resnet34'].startswith('cached') == weights_available('resnet34')
    assert d['fast mode'] in ('on', 'off')


def test_unknown_command_and_help():
    r = run('no-such-command')
    assert r.returncode == 2 and 'unknown command' in r.stderr
    r = run('--help')
    assert r.returncode == 0 and 'restore' in r.stdout and 'info' in r.stdout
