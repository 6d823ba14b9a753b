#!/usr/bin/env python
"""Build the course's docs site offline: `python docs/build_site.py [--out _site]`.

1. nbdev processes the lessons as it would for Quarto (`proc_nbs`: hidden and exported cells go, `show_doc`
   adds the API reference of every exported definition), in a temporary folder.
2. What Quarto would have read is turned into plain MyST: the `#|` options become myst-nb cell tags, each
   `show_doc` becomes a heading with a box, links to the Quarto site become links between these pages, the
   lesson's first cell is put back (nbdev keeps only its title and the first line of its summary), and
   ipywidgets (which a static page cannot run) are named rather than shown.
3. Sphinx with myst-nb renders the notebooks with their committed outputs (nothing is executed), the
   README is the home page, and the furo theme gives the sidebar and the search.

Nothing is written inside the repository except the output folder (default `_site/`, git-ignored).
"""
import argparse, ast, json, os, re, shutil, sys, tempfile, time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
for p in (REPO, DOCS):                      # the lessons document this checkout's package, not an installed one
    if str(p) not in sys.path: sys.path.insert(0, str(p))

WIDGET = 'application/vnd.jupyter.widget-view+json'
_DIRECTIVE = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')


def lessons():
    "The lesson notebooks, in course order"
    return sorted((REPO / 'nbs').glob('[0-9][0-9]_*.ipynb'))


def _settings():
    "nbdev's settings from the package's index: where the Quarto site and the repository are"
    src = (REPO / 'film_restore' / '_modidx.py').read_text()
    d = ast.literal_eval(src.split('d = ', 1)[1])
    return d['settings'], d['syms']


def _md_cell(src): return {'cell_type': 'markdown', 'metadata': {}, 'source': src}


def _text(x): return ''.join(x) if isinstance(x, list) else (x or '')


# ---------------------------------------------------------------- step 1: nbdev's processing

def process(work, n_workers=2):
    "Run nbdev's `proc_nbs` on a copy of the lessons in `work`; returns the folder of processed notebooks"
    import nbdev_procs
    shutil.copy2(REPO / 'pyproject.toml', work / 'pyproject.toml')
    (work / 'nbs').mkdir()
    for nb in lessons(): shutil.copy2(nb, work / 'nbs' / nb.name)
    cwd = Path.cwd()
    os.chdir(work)                              # nbdev's processors read the config from the working folder
    try: return Path(nbdev_procs.proc_nbs('nbs', n_workers=n_workers))
    finally: os.chdir(cwd)


# ---------------------------------------------------------------- step 2: Quarto's input as MyST

def _directives(src):
    "The leading `#|` options of a code cell, and the code without them"
    lines, d = src.splitlines(), {}
    while lines and _DIRECTIVE.match(lines[0]):
        k, v = _DIRECTIVE.match(lines.pop(0)).groups(); d[k] = v.lower()
    return d, '\n'.join(lines).strip('\n')


class Links:
    "Rewrite nbdev's links to the Quarto site (`https://HOST/BASE/evaluate.html#inpaint`) as links between pages"
    def __init__(self, pages):
        st, syms = _settings()
        self.site = (st['doc_host'] + st['doc_baseurl']).rstrip('/')
        self.pages = pages                      # Quarto's page name ('evaluate') -> lesson stem ('07_evaluate')
        self.headings = {}                      # lesson stem -> {lower-case heading: slug}
        self.re = re.compile(r'\]\(' + re.escape(self.site) + r'/([\w.-]+)\.html(?:#([^)\s]*))?\)')

    def add_heading(self, stem, text):
        from myst_parser.mdit_to_docutils.base import default_slugify
        self.headings.setdefault(stem, {}).setdefault(text.strip().lower(), default_slugify(text.strip()))

    def __call__(self, md, prefix=''):
        def sub(m):
            stem = self.pages.get(m[1])
            if stem is None: return m[0]
            slug = self.headings.get(stem, {}).get((m[2] or '').lower())
            return f"]({prefix}{stem}.ipynb{'#' + slug if slug else ''})"
        return self.re.sub(sub, md)


def show_doc_md(md):
    "One `show_doc` (Quarto markdown) as MyST: the heading, then a box with the signature, the doc and the source link"
    md = re.sub(r'^\s*---\s*\n', '', md.strip())                      # the rule nbdev puts above each
    src = re.search(r'\[source\]\((\S+?)\)(\{[^}]*\})?\s*', md)       # `{target=... style=...}` is Quarto's
    if src: md = md[:src.start()] + md[src.end():]
    h = re.search(r'^(#{2,6}) (.+)$', md, re.M)
    head, body = (md[:h.end()].strip(), md[h.end():].strip()) if h else ('', md.strip())
    link = f'<a class="api-source" href="{src[1]}">source</a>\n\n' if src else ''
    return f'{head}\n\n`````{{container}} api\n{link}{body}\n`````\n', (h[2].strip() if h else None)


def title_cell(nb):
    "The lesson's first markdown cell (title, summary and introduction) as written"
    return next(c for c in nb['cells'] if c['cell_type'] == 'markdown' and _text(c['source']).lstrip().startswith('# '))


def convert(proc_nb, orig_nb, stem, links):
    "A processed notebook as one myst-nb page: returns the notebook and the lesson's title"
    nb = json.loads(proc_nb.read_text())
    orig = json.loads(orig_nb.read_text())
    first = title_cell(orig)
    title = _text(first['source']).lstrip()[2:].splitlines()[0].strip()
    cells = [_md_cell(_text(first['source']))]
    for c in nb['cells']:
        src = _text(c.get('source'))
        if c['cell_type'] == 'raw' and src.startswith('---'): continue             # Quarto's front matter: the title cell replaces it
        if c['cell_type'] == 'markdown':
            if src.strip().startswith('<!-- WARNING'): continue
            cells.append(_md_cell(src)); continue
        if c['cell_type'] != 'code': continue
        d, code = _directives(src)
        if d.get('include') == 'false': continue
        outs = c.get('outputs', [])
        if d.get('output') == 'asis':                                               # show_doc: its markdown is the page
            for o in outs:
                md = _text(o.get('data', {}).get('text/markdown'))
                if md:
                    text, head = show_doc_md(md)
                    if head: links.add_heading(stem, head)
                    cells.append(_md_cell(text))
            continue
        widgets = [o for o in outs if WIDGET in o.get('data', {})]
        outs = [o for o in outs if WIDGET not in o.get('data', {})]
        tags = (['remove-input'] if d.get('echo') == 'false' or not code else []) + (['remove-output'] if d.get('output') == 'false' else [])
        if code or outs:
            cell = {'cell_type': 'code', 'execution_count': c.get('execution_count'), 'metadata': {'tags': tags} if tags else {},
                    'outputs': outs, 'source': code}
            cells.append(cell)
        if widgets:
            cells.append(_md_cell('*Here the notebook shows an interactive widget (ipywidgets); open the lesson in Jupyter to use it.*'))
    for i, c in enumerate(cells):
        c['id'] = f'cell{i}'
        if c['cell_type'] == 'markdown': c['source'] = _text(c['source'])
    meta = {k: v for k, v in nb['metadata'].items() if k != 'widgets'}
    meta['language_info'] = {'name': 'python', 'pygments_lexer': 'ipython3'}     # the lexer of the code cells
    return {'cells': cells, 'metadata': meta, 'nbformat': 4, 'nbformat_minor': 5}, title


def readme_page(titles, settings):
    "README.md as the home page: links to repository files that are not pages go to the repository; the lessons in order"
    text = (REPO / 'README.md').read_text()
    repo = settings['git_url'].rstrip('/')
    def sub(m):
        target = m[1]
        if re.match(r'[a-z]+:|#|images/|nbs/\d\d_\w+\.ipynb', target): return m[0]
        return f']({repo}/blob/main/{target})'
    text = re.sub(r'\]\(([^)\s]+)\)', sub, text)
    entries = '\n'.join(f'{int(stem[:2])}. {t} <nbs/{stem}>' for stem, t in titles)
    return text.rstrip() + f'\n\n```{{toctree}}\n:hidden:\n:caption: Lessons\n\n{entries}\n```\n'


def make_source(proc, src):
    "The Sphinx source folder: index.md, images/ and nbs/*.ipynb (the layout of the repository, so its links hold)"
    settings, _ = _settings()
    stems = [nb.stem for nb in lessons()]
    pages = {}
    for stem in stems:                                                             # the page each lesson had on Quarto's site
        front = _text(json.loads((proc / f'{stem}.ipynb').read_text())['cells'][0]['source'])
        m = re.search(r'^output-file:\s*(\S+)\.html', front, re.M)
        pages[m[1] if m else stem] = stem
    links = Links(pages)
    (src / 'nbs').mkdir(parents=True)
    shutil.copytree(REPO / 'images', src / 'images', ignore=shutil.ignore_patterns('*.md'))   # pictures, not pages
    titles, nbs = [], {}
    for stem in stems:
        nbs[stem], t = convert(proc / f'{stem}.ipynb', REPO / 'nbs' / f'{stem}.ipynb', stem, links)
        titles.append((stem, t))
    for stem, nb in nbs.items():                                                   # every heading known: now the links
        for c in nb['cells']:
            if c['cell_type'] == 'markdown': c['source'] = links(c['source'])
        (src / 'nbs' / f'{stem}.ipynb').write_text(json.dumps(nb, indent=1))
    (src / 'index.md').write_text(readme_page(titles, settings))
    return titles


# ---------------------------------------------------------------- step 3: Sphinx

def build(out, keep=False, n_workers=2, quiet=True):
    "Build the site into `out`; returns the seconds it took"
    from sphinx.cmd.build import build_main
    t0 = time.time()
    out = Path(out).resolve()
    if out.exists():
        if any(out.iterdir()) and not (out / '.buildinfo').exists():
            raise SystemExit(f'{out} exists and is not a site this script built: not overwriting it')
        shutil.rmtree(out)
    work = Path(tempfile.mkdtemp(prefix='film_restore_docs_'))
    try:
        proc = process(work, n_workers)
        make_source(proc, work / 'src')
        args = ['-b', 'html', '-c', str(DOCS), '-d', str(work / 'doctrees'), '-W', '--keep-going']
        if quiet: args.append('-q')
        rc = build_main(args + [str(work / 'src'), str(work / 'html')])   # myst-nb writes beside the output folder: so, in `work`
        if rc: raise SystemExit(f'sphinx-build failed (exit {rc})')
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(work / 'html', out)
    finally:
        if keep: print(f'work folder kept: {work}')
        else: shutil.rmtree(work, ignore_errors=True)
    return time.time() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(REPO / '_site'), help='output folder (default: _site in the repository)')
    ap.add_argument('--keep', action='store_true', help='keep the temporary work folder (processed notebooks, Sphinx source)')
    ap.add_argument('--workers', type=int, default=2, help="processes for nbdev's notebook processing")
    ap.add_argument('-v', '--verbose', action='store_true', help="show Sphinx's progress")
    a = ap.parse_args(argv)
    secs = build(a.out, a.keep, a.workers, quiet=not a.verbose)
    print(f'built {Path(a.out).resolve() / "index.html"} in {secs:.0f} s')


if __name__ == '__main__': main()
