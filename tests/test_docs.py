"""The docs site (`python docs/build_site.py`) in a browser.

The site is built once (one build shared by pytest-xdist's workers, under a file lock), served on localhost,
and every lesson page is opened in headless Chromium driven by Selenium (Debian's `chromium` and
`chromium-driver`): no console errors, every picture loaded, every link within the site reaching a page and,
for `page#anchor`, an element with that id; the home page and the sidebar list the lessons in course order;
searching for SSIM finds the evaluation lesson. A page broken on purpose shows that each check can fail.
Without Chromium (or the docs packages) the tests skip, and under CI=true they fail."""
import functools, http.server, json, os, re, subprocess, sys, threading, time
import urllib.error, urllib.parse, urllib.request
from pathlib import Path

import pytest

from conftest import skip_or_fail   # and the `chromium` fixture

REPO = Path(__file__).resolve().parent.parent
LESSONS = [p.stem for p in sorted((REPO / 'nbs').glob('[0-9][0-9]_*.ipynb'))]
CHROME_ARGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--window-size=1200,900')


@pytest.fixture(scope='session')
def site(chromium, tmp_path_factory):
    "The built site: built by the first xdist worker to get here, reused by the other (not built where no browser can open it)"
    try:
        import sphinx, myst_nb, furo, latex2mathml, filelock      # noqa: F401
    except ImportError as e: skip_or_fail(f'the docs packages are not installed ({e.name}): pip install -e ".[dev]"')
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'): root = root.parent                # the folder the workers share
    out, log = root / 'docs_site', root / 'docs_site.log'
    with filelock.FileLock(str(root / 'docs_site.lock')):
        if not (out / 'index.html').exists() and not log.exists():
            tmp = root / 'docs_tmp'; tmp.mkdir()
            litter = [REPO / '_proc', REPO / 'nbs' / '_proc', REPO / 'jupyter_execute', REPO / '_site']
            before = [p.exists() for p in litter]
            env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(REPO), os.environ.get('PYTHONPATH', '')]), 'TMPDIR': str(tmp)}
            r = subprocess.run([sys.executable, str(REPO / 'docs' / 'build_site.py'), '--out', str(out)], cwd=tmp_path_factory.mktemp('build'),
                               env=env, capture_output=True, text=True, timeout=900)
            log.write_text(f'exit {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-6000:]}')
            left = [str(p) for p, b in zip(litter, before) if p.exists() and not b] + [str(p) for p in tmp.glob('film_restore_docs_*')]
            assert not left, f'the build left these behind: {left}'
    assert (out / 'index.html').exists(), f'the site did not build:\n{log.read_text()}'
    return out


def _serve(folder):
    "A static server for `folder` on localhost, in a thread"
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(folder))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_port}/'


@pytest.fixture(scope='module')
def base(site):
    srv, url = _serve(site)
    yield url
    srv.shutdown(); srv.server_close()


@pytest.fixture(scope='module')
def browser(chromium, tmp_path_factory):
    "Headless Chromium driven by Selenium"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    binary, driver = chromium
    opts = webdriver.ChromeOptions(); opts.binary_location = binary
    for a in CHROME_ARGS + (f'--user-data-dir={tmp_path_factory.mktemp("chromium")}',): opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


# ---------------------------------------------------------------- the checks

_ids_cache = {}

def _ids(url):
    "HTTP status of a page and the ids of its elements"
    if url not in _ids_cache:
        try:
            with urllib.request.urlopen(url, timeout=30) as r: status, html = r.status, r.read().decode('utf-8', 'replace')
        except urllib.error.HTTPError as e: status, html = e.code, ''
        _ids_cache[url] = status, set(re.findall(r'\sid="([^"]+)"', html))
    return _ids_cache[url]


def page_problems(d, url):
    "What is wrong with the page at `url` as the browser shows it: console errors, pictures not loaded, links within the site that lead nowhere"
    d.get_log('browser')                                                # forget what earlier pages logged
    d.get(url)
    for _ in range(100):                                                # pictures still arriving after the load event
        if d.execute_script("return [...document.images].every(i => i.complete)"): break
        time.sleep(0.05)
    problems = []
    imgs = d.execute_script("return [...document.images].map(i => [i.currentSrc || i.src, i.complete && i.naturalWidth > 0])")
    problems += [f'picture not loaded: {src}' for src, ok in imgs if not ok]
    links = d.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    here = urllib.parse.urlsplit(url)
    for href in sorted(set(links)):
        u = urllib.parse.urlsplit(href)
        if (u.scheme, u.netloc) != (here.scheme, here.netloc): continue                        # another site: not checked here
        page = urllib.parse.urlunsplit((u.scheme, u.netloc, u.path, '', ''))
        status, ids = _ids(page)
        if status != 200: problems.append(f'link to a missing page ({status}): {href}')
        elif u.fragment and urllib.parse.unquote(u.fragment) not in ids: problems.append(f'link to a missing anchor: {href}')
    problems += [f"console: {e['message']}" for e in d.get_log('browser') if e['level'] == 'SEVERE']
    return problems, len(imgs), len(links)


# ---------------------------------------------------------------- the tests

_HIDDEN = re.compile(r'^#\|\s*(hide|export|exporti|default_exp)\b|^#\|\s*include:\s*false', re.M)

def _committed_pictures(lesson):
    "The pictures the lesson's notebook shows: plotted outputs of cells the docs keep, and images in its text"
    nb = json.loads((REPO / 'nbs' / f'{lesson}.ipynb').read_text())
    plots = sum('image/png' in o.get('data', {}) for c in nb['cells'] if c['cell_type'] == 'code' and not _HIDDEN.search(''.join(c['source']))
                for o in c.get('outputs', []))
    text = sum(''.join(c['source']).count('![') for c in nb['cells'] if c['cell_type'] == 'markdown')
    return plots, text


@pytest.mark.parametrize('lesson', LESSONS)
def test_lesson_page(browser, base, lesson):
    problems, n_img, n_links = page_problems(browser, f'{base}nbs/{lesson}.html')
    assert not problems, '\n'.join(problems)
    assert browser.find_element('css selector', 'article h1').text.strip(), 'no title'
    api = browser.find_elements('css selector', 'article .api')             # show_doc's API reference
    assert api, 'no API reference'
    plots, text = _committed_pictures(lesson)                                 # the committed outputs are what the page shows
    shown = browser.execute_script("return [document.querySelectorAll('article .cell_output img').length, document.querySelectorAll('article img').length]")
    assert shown == [plots, plots + text], (shown, plots, text)
    text = browser.find_element('css selector', 'article').text
    for raw in (r'(?m)^\s*:::', r'(?m)^\s*#\|', r'\{target=', r'\{\.[\w-]+', r'show_doc\('):   # Quarto's markup, nbdev's directives
        assert not re.search(raw, text), f'{raw!r} left on the page: {re.search(raw, text)}'


def test_home_page_and_sidebar_list_the_lessons_in_order(browser, base):
    problems, n_img, _ = page_problems(browser, base + 'index.html')
    assert not problems, '\n'.join(problems)
    assert n_img >= 1                                                        # README's pictures display
    def lessons_in(css):
        hrefs = browser.execute_script(f"return [...document.querySelectorAll({css!r})].map(a => a.getAttribute('href'))")
        stems = [m[1] for h in hrefs if (m := re.match(r'nbs/(\d\d_\w+)\.html$', h or ''))]
        return list(dict.fromkeys(stems))
    assert lessons_in('.sidebar-tree a.reference') == LESSONS
    assert lessons_in('article a.reference') == LESSONS                      # README's table of the course
    labels = [e.text for e in browser.find_elements('css selector', '.sidebar-tree a.reference')]
    assert [int(l.split('.')[0]) for l in labels] == list(range(len(LESSONS))), labels


def _search(d, base, q):
    d.get(f'{base}search.html?q={urllib.parse.quote(q)}')
    for _ in range(300):
        done = d.execute_script("const s = document.querySelector('#search-results .search-summary'); return s && s.textContent.trim().length > 0")
        if done: break
        time.sleep(0.05)
    return d.execute_script("return [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.getAttribute('href'))")


def test_search_finds_the_evaluation_lesson(browser, base):
    hits = _search(browser, base, 'SSIM')
    assert any(h.split('?')[0].split('#')[0] == 'nbs/07_evaluate.html' for h in hits), hits
    assert not _search(browser, base, 'qzxjvwkp'), 'a word on no page found something'
    assert not [e for e in browser.get_log('browser') if e['level'] == 'SEVERE']


def test_the_checks_can_fail(browser, tmp_path):
    "A page broken on purpose: each kind of problem is reported"
    (tmp_path / 'ok.html').write_text('<html><body><p id="here">here</p></body></html>')
    (tmp_path / 'broken.html').write_text(
        '<html><head><link rel="icon" href="data:,"></head><body>'
        '<img src="missing.png"><a href="ok.html#here">fine</a><a href="ok.html#gone">anchor</a><a href="nowhere.html">page</a>'
        '<a href="https://example.invalid/">elsewhere</a><script>undefined_function()</script></body></html>')
    srv, url = _serve(tmp_path)
    try: problems, n_img, _ = page_problems(browser, url + 'broken.html')
    finally: srv.shutdown(); srv.server_close()
    kinds = sorted({p.split(':')[0] for p in problems})
    assert any('picture not loaded' in p and 'missing.png' in p for p in problems), problems
    assert any('missing anchor' in p and '#gone' in p for p in problems), problems
    assert any('missing page (404)' in p and 'nowhere.html' in p for p in problems), problems
    assert any(p.startswith('console') and 'undefined_function' in p for p in problems), problems
    assert not any('#here' in p or 'example.invalid' in p for p in problems), problems
    assert kinds == ['console', 'link to a missing anchor', 'link to a missing page (404)', 'picture not loaded'], kinds
