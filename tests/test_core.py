"""The `film-restore` command's foundation: `info` and the dispatcher, run as a user runs them."""
import json, os, subprocess, sys
from pathlib import Path

EXE = Path(sys.executable).parent / 'film-restore'


def run(*args, **env):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def test_info_reports_this_machine():
    r = run('info', '--json')
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    import torch
    from film_restore.core import weights_available, is_fast
    assert d['torch'] == torch.__version__
    # the precision policy, read from the device info reports: fp16 on CUDA, bf16 on a CPU that computes it natively
    # (fp32 on one that would emulate it, and info says why), fp32 elsewhere
    from film_restore.core import cpu_bf16_native
    device = d['device'].split()[0]
    cpu = 'bf16' if cpu_bf16_native() else 'fp32'
    assert d['training precision'].split()[0] == {'cuda': 'fp16', 'cpu': cpu}.get(device, 'fp32'), d
    assert ('no native bf16' in d['training precision']) == (device == 'cpu' and not cpu_bf16_native()), d
    assert d['imagenet weights resnet34'].startswith('cached') == weights_available('resnet34')
    assert d['fast mode'] == ('on' if is_fast() else 'off')


def test_info_follows_device_precision_and_fast_mode_settings():
    from film_restore.core import cpu_bf16_native
    d = json.loads(run('info', '--json', FILM_RESTORE_DEVICE='cpu', FILM_RESTORE_FAST='1').stdout)
    cpu = 'bf16' if cpu_bf16_native() else 'fp32'
    assert (d['device'].split()[0], d['training precision'].split()[0], d['fast mode']) == ('cpu', cpu, 'on')
    d = json.loads(run('info', '--json', FILM_RESTORE_DEVICE='cpu', FILM_RESTORE_PRECISION='bf16').stdout)
    assert d['training precision'].split()[0] == 'bf16'   # the override wins, even where bf16 is emulated
    d = json.loads(run('info', '--json', FILM_RESTORE_DEVICE='cpu', FILM_RESTORE_PRECISION='fp32', FILM_RESTORE_FAST='0').stdout)
    assert (d['training precision'].split()[0], d['fast mode']) == ('fp32', 'off')


def test_unknown_command_and_help():
    r = run('no-such-command')
    assert r.returncode == 2 and 'unknown command' in r.stderr
    r = run('--help')
    assert r.returncode == 0 and 'restore' in r.stdout and 'info' in r.stdout
