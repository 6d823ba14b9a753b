"""Tests for the review page (`restore --review-page`) and `film-restore apply-review` (lesson 9).

Unit tests of apply-review on small generated images, and a browser test in headless Chromium driven by Selenium
(Debian's `chromium` and `chromium-driver`): it fails when they are missing under CI=true, and skips elsewhere."""
import json, shutil, time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from film_restore.core import load_image, save_image
from film_restore.restore import (restore_paths, apply_review, main, mask_path, review_regions, spot_mask,
                                  REVIEW_FILES, REVIEW_PAGE, DECISIONS_FORMAT)


class SpeckModel(torch.nn.Module):
    "Damage-aware toy: flags pixels brighter than 0.9 (logit > 0), fills them with a 5x5 local mean."
    def __init__(self):
        super().__init__(); self.dummy = torch.nn.Parameter(torch.zeros(1))
    def forward(self, x):
        logit = 40 * (x.mean(1, keepdim=True) - 0.9)
        return torch.cat([F.avg_pool2d(x, 5, stride=1, padding=2), logit], 1)


def _scan(seed, h=64, w=96):
    "A grey-ish photo with a bright speck and a bright line (found by SpeckModel) and a dimmer speck it misses."
    rng = np.random.default_rng(seed)
    a = (np.linspace(60, 160, w)[None, :, None] + rng.normal(0, 6, (h, w, 3))).clip(0, 200).astype(np.uint8)
    a[8 + seed:11 + seed, 10:13] = 255; a[40, 20:70] = 250          # found
    a[20:23, 80:83] = 215                                           # missed (brightness 0.84 < 0.9)
    return a


def _batch(tmp_path, names=('a.png', 'b.png', 'c.png'), **kw):
    src = tmp_path / 'in'; src.mkdir()
    for i, n in enumerate(names): save_image(_scan(i), src / n, quality=95) if n.endswith('.jpg') else save_image(_scan(i), src / n)
    out = tmp_path / 'out'
    s = restore_paths([src], out, model=SpeckModel(), tile=128, overlap=64, progress=False, review_page=True, log=None, **kw)
    assert s['restored'] == len(names)
    return src, out, json.loads((out / REVIEW_FILES / 'manifest.json').read_text())


def _decisions(path, manifest, images, batch=None):
    d = dict(format=DECISIONS_FORMAT, version=1, batch=batch or manifest['batch'], out_dir=manifest['out_dir'],
             images={k: dict(rejected=list(r), spots=[list(s) for s in sp]) for k, (r, sp) in images.items()})
    Path(path).write_text(json.dumps(d)); return Path(path)


def _px(p): return load_image(p, native=True)[0]
def _mask(out, iid): return np.asarray(load_image(out / REVIEW_FILES / iid / 'mask.png', native=True)[0][..., 0] > 0)


def test_apply_review_rejects_fills_and_leaves_the_rest(tmp_path):
    src, out, m = _batch(tmp_path, save_mask=True, review=True)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.suffix == '.png'}
    restored = {n: _px(out / n) for n in ('a.png', 'b.png', 'c.png')}
    line = next(r['id'] for r in m['images'][0]['regions'] if r['box'][2] >= 40)     # the line of a.png
    dec = _decisions(tmp_path / 'd.json', m, {'0001': ([line], []), '0002': ([], [(81, 21, 3)])})
    s = apply_review(dec, out, log=None)
    assert (s['applied'], s['rejected'], s['spots'], s['failed']) == (3, 1, 1, [])
    labels, _ = review_regions(_mask(out, '0001')); rej = labels == int(line[1:])
    a_in, a_new = _px(src / 'a.png'), _px(out / 'a.png')
    assert rej.sum() == 50 and np.array_equal(a_new[rej], a_in[rej])          # rejected: the input, bit for bit
    assert np.array_equal(a_new[~rej], restored['a.png'][~rej])               # the rest: restore's result
    assert not np.array_equal(a_in[8:11, 10:13], a_new[8:11, 10:13])          # the accepted speck stays repaired
    spot = spot_mask([(81, 21, 3)], (64, 96)); b_in, b_new = _px(src / 'b.png'), _px(out / 'b.png')
    assert np.abs(b_new[20:23, 80:83].astype(int).mean() - 215) > 40          # the missed speck is filled ...
    assert np.array_equal(b_new[~spot], restored['b.png'][~spot])            # ... and nothing else moved
    assert (out / 'c.png').read_bytes() == before['c.png']                    # not named: untouched
    m_new = load_image(mask_path(out / 'b.png'), native=True)[0][..., 0] > 0
    assert np.array_equal(m_new, _mask(out, '0002') | spot)                    # the mask says what changed
    assert (out / 'a_review.jpg').exists()
    once = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    apply_review(dec, out, log=None)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == once   # idempotent
    apply_review(_decisions(tmp_path / 'none.json', m, {}), out, log=None)          # all accepted again ...
    assert {n: (out / n).read_bytes() for n in before} == before                     # ... restore's own bytes


def test_apply_review_jpeg_keeps_blocks_and_gives_back_the_input(tmp_path):
    src, out, m = _batch(tmp_path, names=('a.jpg',))
    restored = (out / 'a.jpg').read_bytes()
    line = next(r['id'] for r in m['images'][0]['regions'] if r['box'][2] >= 40)
    apply_review(_decisions(tmp_path / 'd.json', m, {'0001': ([line], [])}), out, log=None)
    a_in, a_new = _px(src / 'a.jpg'), _px(out / 'a.jpg')
    assert np.array_equal(a_new[32:48], a_in[32:48])                # the rejected line's MCU rows: the input's blocks again
    assert not np.array_equal(a_new[8:11, 10:13], a_in[8:11, 10:13])  # the accepted speck stays repaired
    apply_review(_decisions(tmp_path / 'none.json', m, {}), out, log=None)
    assert (out / 'a.jpg').read_bytes() == restored


@pytest.mark.parametrize('images, batch, why', [
    ({'0009': ([], [])}, None, "names an image '0009'"),
    ({'0001': (['r99'], [])}, None, "no region 'r99'"),
    ({'0001': ([], [(96, 10, 3)])}, None, 'inside its 96x64'),
    ({'0001': ([], [(10, 10, 0)])}, None, 'is not [x, y, radius]'),
    ({}, '0123456789abcdef', 'another output folder')])
def test_bad_decisions_refused_before_any_work(tmp_path, capsys, images, batch, why):
    src, out, m = _batch(tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}
    rc = main(['apply-review', str(_decisions(tmp_path / 'd.json', m, images, batch)), '-o', str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and why in err[0], err
    assert {p: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()} == mtimes   # nothing written


def test_decisions_from_another_output_folder_refused(tmp_path, capsys):
    _, out, m = _batch(tmp_path)
    other = tmp_path / 'other'; shutil.copytree(out, other)
    (other / REVIEW_FILES / 'manifest.json').write_text(json.dumps({**m, 'batch': 'fedcba9876543210'}))
    assert main(['apply-review', str(_decisions(tmp_path / 'd.json', m, {})), '-o', str(other)]) == 2
    assert 'another output folder' in capsys.readouterr().err


def test_changed_input_is_one_failure_and_the_rest_go_on(tmp_path, capsys):
    src, out, m = _batch(tmp_path)
    save_image(_scan(7), src / 'b.png')
    assert main(['apply-review', str(_decisions(out / 'decisions.json', m, {}))]) == 1    # OUT found from the file's folder
    o = capsys.readouterr().out
    assert 'b.png: the input changed' in o and 'applied the review to 2 images' in o


# ---------------------------------------------------------------- the page in a browser

def _chrome(chromium, download_dir):
    "Headless Chromium (conftest's `chromium`: Debian's chromium and chromium-driver) downloading into `download_dir`."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    browser, driver = chromium
    opts = webdriver.ChromeOptions(); opts.binary_location = browser
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1200,900'):
        opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    opts.add_experimental_option('prefs', {'download.default_directory': str(download_dir), 'download.prompt_for_download': False})
    return webdriver.Chrome(service=Service(driver), options=opts)


def test_review_page_in_a_browser(tmp_path, chromium):
    src, out, m = _batch(tmp_path)
    downloads = tmp_path / 'downloads'; downloads.mkdir()
    d = _chrome(chromium, downloads)
    try:
        from selenium.webdriver.common.action_chains import ActionChains
        d.get((out / REVIEW_PAGE).as_uri())
        body = d.find_element('tag name', 'body')
        n = sum(len(e['regions']) for e in m['images'])
        assert len(d.find_elements('css selector', '.card')) == n == 6
        first = d.execute_script("const e = D.order[0]; return [D.images[e[0]].id, D.images[e[0]].regions[e[1]][0]]")
        body.send_keys('r')                                             # reject the riskiest repair; the focus moves on
        assert 'rejected' in d.find_element('id', 'c0').get_attribute('class')
        assert d.find_element('id', 'c1').get_attribute('class') == 'card cur'
        for _ in range(n): body.send_keys('j')                          # every card scrolled into view: every crop loads
        d.execute_script("document.getElementById('filter').value = '0002';"
                         "document.getElementById('filter').dispatchEvent(new Event('change'))")
        body.send_keys('e')                                             # the whole of b.png at 1:1
        svg = d.find_element('id', 'sv-svg')
        assert (svg.size['width'], svg.size['height']) == (96, 64)
        ActionChains(d).move_to_element_with_offset(svg, 81 - 48, 21 - 32).click().perform()   # offsets from the centre
        body.send_keys('\ue00c')                                        # Escape
        for _ in range(100):
            ok = d.execute_script("return [...document.images].every(i => i.complete && i.naturalWidth > 0)")
            if ok: break
            time.sleep(0.05)
        d.execute_script("document.getElementById('filter').value = ''; document.getElementById('filter').dispatchEvent(new Event('change'))")
        for _ in range(n): body.send_keys('j')
        time.sleep(0.3)
        loaded = d.execute_script("return [...document.querySelectorAll('img.cropimg, img.thumbimg')].map(i => i.complete && i.naturalWidth > 0)")
        assert loaded and all(loaded), loaded                           # every crop and thumbnail on the page loaded
        body.send_keys('s')                                             # save: a download of decisions.json
        for _ in range(100):
            if (downloads / 'decisions.json').exists(): break
            time.sleep(0.05)
        saved = json.loads((downloads / 'decisions.json').read_text())
        assert saved == json.loads(d.execute_script('return reviewDecisions()'))
        d.refresh()                                                     # reopened: every repair accepted again ...
        assert 'rejected' not in d.find_element('id', 'c0').get_attribute('class')
        d.find_element('id', 'load').send_keys(str(downloads / 'decisions.json'))   # ... until the saved file is loaded
        for _ in range(100):
            if 'loaded' in d.find_element('id', 'status').text: break
            time.sleep(0.05)
        assert json.loads(d.execute_script('return reviewDecisions()')) == saved
        assert 'rejected' in d.find_element('id', 'c0').get_attribute('class')
        errors = [e for e in d.get_log('browser') if e['level'] == 'SEVERE']
        assert not errors, errors
    finally:
        d.quit()
    assert saved['batch'] == m['batch'] and saved['images'][first[0]]['rejected'] == [first[1]]
    (x, y, r), = saved['images']['0002']['spots']
    assert abs(x - 81) <= 1 and abs(y - 21) <= 1 and r == 6
    assert sum(len(v['rejected']) + len(v['spots']) for v in saved['images'].values()) == 2
    restored = {n: _px(out / n) for n in ('a.png', 'b.png', 'c.png')}
    assert main(['apply-review', str(downloads / 'decisions.json'), '-o', str(out)]) == 0
    iid, rid = first; name = next(e['output'] for e in m['images'] if e['id'] == iid)
    labels, _ = review_regions(_mask(out, iid)); rej = labels == int(rid[1:])
    new, inp = _px(out / name), _px(src / name)
    assert rej.any() and np.array_equal(new[rej], inp[rej]) and np.array_equal(new[~rej], restored[name][~rej])
    spot = spot_mask([(x, y, r)], (64, 96))
    b = _px(out / 'b.png')
    assert np.abs(b[20:23, 80:83].astype(int).mean() - 215) > 40 and np.array_equal(b[~spot], restored['b.png'][~spot])
