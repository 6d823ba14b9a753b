"""What a learner meets in the committed lessons, read without running them: every file a lesson cites is in the
repository, no saved output leaks the machine that made it (absolute paths) or a warning the project can silence,
every lesson shows a picture and starts with its run banner, the project's modules import without warnings, and
the command line's help agrees with the shipped model."""
import json, re, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / 'nbs').glob('[0-9][0-9]*.ipynb'))
IDS = [p.stem for p in NOTEBOOKS]
# a saved path of the machine that ran a lesson: /home/..., /tmp/..., a checkout's .venv, C:\...
ABSOLUTE_PATH = re.compile(r'(?<![\w.~])/(?:home|root|work|tmp|usr|opt|var|Users|private|mnt|srv)/|site-packages|[A-Za-z]:\\\\?\w')
WARNING = re.compile(r'\b\w*Warning\b')
# a cited document: a name with one of these extensions, not a URL's tail
CITED_FILE = re.compile(r'(?<![\w/.:-])([\w./-]*\w\.(?:md|txt|pdf|rst))\b')


def cells(nb): return json.loads(nb.read_text())['cells']
def source(c): return ''.join(c['source'])


def output_texts(c):
    "Every text a code cell saved: streams, plain, markdown and HTML results, tracebacks."
    for o in c.get('outputs', []):
        if 'text' in o: yield ''.join(o['text'])
        for kind in ('text/plain', 'text/markdown', 'text/html'):
            if kind in o.get('data', {}): yield ''.join(o['data'][kind])
        if 'traceback' in o: yield '\n'.join(o['traceback'])


def tracked_files():
    r = subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True)
    if r.returncode: pytest.skip('not a git checkout')
    return r.stdout.split()


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=IDS)
def test_cites_only_files_the_repository_has(nb):
    files = tracked_files()
    names = {Path(f).name for f in files} | set(files)
    missing = {m for c in cells(nb) for m in CITED_FILE.findall(source(c))
               if m not in names and Path(m).name not in names and not (nb.parent / m).exists()}
    # files a lesson writes itself (a report, a model card in a run's folder) are made, not cited
    made = {m for m in missing if any(f"'{Path(m).name}'" in source(c) or f'"{Path(m).name}"' in source(c) or f'/ {Path(m).name!r}' in source(c)
                                      for c in cells(nb) if c['cell_type'] == 'code')}
    assert not missing - made, f"{nb.name} cites files the repository does not have: {sorted(missing - made)}"


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=IDS)
def test_outputs_hold_no_absolute_path(nb):
    leaks = [(i, m.group()) for i, c in enumerate(cells(nb)) for t in output_texts(c) for m in ABSOLUTE_PATH.finditer(t)]
    assert not leaks, f"{nb.name}: saved outputs name the machine that ran them (cell, text): {leaks[:5]}"


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=IDS)
def test_outputs_hold_no_warning(nb):
    said = [(i, m.group()) for i, c in enumerate(cells(nb)) for t in output_texts(c) for m in WARNING.finditer(t)]
    assert not said, f"{nb.name}: saved outputs show warnings (cell, kind): {said[:5]}"


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=IDS)
def test_every_lesson_shows_a_picture(nb):
    pictures = sum(any(k.startswith('image/') for k in o.get('data', {})) for c in cells(nb) for o in c.get('outputs', []))
    assert pictures >= 1, f"{nb.name} shows no picture"


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=IDS)
def test_every_lesson_starts_with_its_run_banner(nb):
    code = [c for c in cells(nb) if c['cell_type'] == 'code' and not source(c).startswith(('#| default_exp', '#| export', '#| hide'))]
    first = code[0]
    assert 'run_banner(' in source(first), f"{nb.name}: the first shown code cell is not the run banner"
    assert any(t.startswith('outputs below:') for t in output_texts(first)), f"{nb.name}: the run banner's output is not saved"


MODULES = sorted(p.stem for p in (ROOT / 'film_restore').glob('[a-z]*.py'))


@pytest.mark.parametrize('module', MODULES)
def test_module_imports_without_warnings(module):
    r = subprocess.run([sys.executable, '-c', f'import film_restore.{module}'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'Warning' not in r.stderr, f"import film_restore.{module} warns:\n{r.stderr}"


def test_train_help_names_the_shipped_models_recipe():
    recipe = json.loads((ROOT / 'film_restore' / 'weights' / 'default' / 'config.json').read_text())['recipe']
    r = subprocess.run([sys.executable, '-c', 'import sys; from film_restore.restore import main; sys.exit(main(["train", "--help"]))'],
                       cwd=ROOT, capture_output=True, text=True)   # what `film-restore train --help` runs
    text = ' '.join(r.stdout.split())
    assert f"'{recipe}' is the shipped default's recipe" in text, text[-800:]
