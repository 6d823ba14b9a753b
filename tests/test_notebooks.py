"""Run every course notebook through `nbdev-test` in fast mode: one test per notebook.

Each notebook runs in its own process (nbdev-test with a single file runs it in-process, not in a
daemon worker, so DataLoader workers would still work there)."""
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / 'nbs').glob('[0-9][0-9]*.ipynb'))
NBDEV_TEST = Path(sys.executable).parent / 'nbdev-test'


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    env = {**os.environ, 'FILM_RESTORE_FAST': '1', 'MPLBACKEND': 'Agg'}
    if int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1')) > 1:
        env.setdefault('OMP_NUM_THREADS', '1')  # parallel notebooks share the cores instead of fighting over them
    r = subprocess.run([str(NBDEV_TEST), str(nb)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    out = (r.stdout + r.stderr)[-6000:]
    assert r.returncode == 0 and 'Success.' in r.stdout, f"{nb.name} failed under nbdev-test:\n{out}"
