"Tests for film_restore.data: sources (folder, URLs, Flickr against a local server), patches and the split. Offline and fast."
import hashlib, json, threading, urllib.parse
from collections import Counter
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest

from film_restore.core import save_image
from film_restore.data import (PhotoList, PhotoRef, builtin_photos, folder_photos, download_urls, flickr_photoset,
                               photos_from, crop_margin, resize_short_side, center_crop, random_crops, photo_patches,
                               split_by_photo, FlickrError)


# ---------------------------------------------------------------- a local web server that also speaks Flickr's JSON
class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a): pass

    def _send(self, code, body, ctype='application/octet-stream', extra=()):
        self.send_response(code); self.send_header('Content-Type', ctype); self.send_header('Content-Length', str(len(body)))
        for k, v in extra: self.send_header(k, v)
        self.end_headers(); self.wfile.write(body)

    def do_GET(self):
        s = self.server; u = urllib.parse.urlsplit(self.path); q = dict(urllib.parse.parse_qsl(u.query))
        s.log.append((u.path, self.headers.get('Range'), q))
        if u.path == '/services/rest/': return self._send(200, json.dumps(s.flickr(q)).encode(), 'application/json')
        name = u.path.rsplit('/', 1)[-1]
        if name not in s.files: return self._send(404, b'not found', 'text/html')
        if s.busy.get(name, 0) > 0: s.busy[name] -= 1; return self._send(503, b'busy', 'text/html')
        data, rng = s.files[name], self.headers.get('Range')
        if rng and s.ranges:
            start = int(rng.split('=')[1].split('-')[0])
            return self._send(206, data[start:], extra=[('Content-Range', f'bytes {start}-{len(data) - 1}/{len(data)}')])
        if name in s.cut:  # promise everything, send half, hang up
            s.cut.discard(name)
            self.send_response(200); self.send_header('Content-Length', str(len(data))); self.end_headers()
            self.wfile.write(data[:len(data) // 2]); self.close_connection = True; return
        self._send(200, data, 'image/jpeg')


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    srv.files, srv.flickr, srv.ranges, srv.log, srv.busy, srv.cut = {}, None, True, [], {}, set()
    srv.url = f'http://127.0.0.1:{srv.server_address[1]}'
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    yield srv
    srv.shutdown(); srv.server_close(); t.join(5)


def _jpeg(path, seed, h=48, w=64):
    rng = np.random.default_rng(seed)
    save_image(rng.random((h, w, 3), dtype=np.float32), path)
    return Path(path).read_bytes()


@pytest.fixture
def photos(tmp_path):
    "A few small JPEGs (bytes by name) and one larger PNG that spans several download chunks."
    src = tmp_path / 'src'; src.mkdir()
    files = {f'p{i}.jpg': _jpeg(src / f'p{i}.jpg', i) for i in range(5)}
    rng = np.random.default_rng(9)
    save_image(rng.random((400, 400, 3), dtype=np.float32), src / 'big.png')
    files['big.png'] = (src / 'big.png').read_bytes()
    assert len(files['big.png']) > 3 * 65536
    files['page.jpg'] = b'<html>moved</html>'
    return files


# ---------------------------------------------------------------- PhotoRef and built-in photos
def test_photoref_loads_arrays_and_files(tmp_path):
    x = PhotoRef('g', 'memory', array=np.zeros((5, 7), np.uint8)).load()
    assert x.shape == (5, 7, 3) and x.dtype == np.float32
    _jpeg(tmp_path / 'a.jpg', 0)
    y = PhotoRef('a', 'file', path=tmp_path / 'a.jpg').load()
    assert y.shape == (48, 64, 3) and 0 <= y.min() and y.max() <= 1


def test_builtin_photos_offline():
    pl = builtin_photos()
    assert len(pl) >= 5 and pl.ids == sorted(pl.ids) and len(set(pl.ids)) == len(pl)
    assert 'skimage-astronaut' in pl.ids
    assert all(not p.id.startswith('skimage-cat') for p in pl)  # cat is chelsea: taken once
    assert builtin_photos().ids == pl.ids


# ---------------------------------------------------------------- a folder
def test_folder_survives_corrupt_and_empty_files(tmp_path):
    (tmp_path / 'sub').mkdir()
    good = _jpeg(tmp_path / 'sub' / 'IMG_1.JPG', 0, 256, 256)
    _jpeg(tmp_path / 'b.jpeg', 1)
    (tmp_path / 'zero.jpg').write_bytes(b'')
    (tmp_path / 'trunc.jpg').write_bytes(good[:len(good) * 2 // 3])
    (tmp_path / 'fake.png').write_text('not a png')
    (tmp_path / 'x.tif').write_bytes(b'II*\x00garbage')
    (tmp_path / '.hidden.jpg').write_bytes(b'')
    pl = folder_photos(tmp_path)
    assert pl.ids == ['b', 'sub-img_1', 'trunc']
    assert sorted(Path(f).name for f, _ in pl.skipped) == ['fake.png', 'x.tif', 'zero.jpg']
    assert all(why for _, why in pl.skipped)
    full = folder_photos(tmp_path, check='full')
    assert full.ids == ['b', 'sub-img_1'] and 'trunc.jpg' in {Path(f).name for f, _ in full.skipped}
    assert folder_photos(tmp_path, recursive=False).ids == ['b', 'trunc']
    for p in full: assert p.load().shape[2] == 3
    with pytest.raises(FileNotFoundError, match='nope'): folder_photos(tmp_path / 'nope')


# ---------------------------------------------------------------- a list of URLs
def test_download_retries_resumes_and_records_checksums(tmp_path, server, photos):
    server.files = photos
    server.busy['p1.jpg'] = 2
    server.cut.add('big.png')
    urls = [f'{server.url}/img/{n}' for n in ('p0.jpg', 'p1.jpg', 'big.png', 'missing.jpg', 'page.jpg')]
    out = tmp_path / 'dl'
    pl = download_urls(urls, out, backoff=0.001, progress=False)
    assert pl.ids == ['big', 'p0', 'p1']
    assert [Path(u).name for u, _ in pl.skipped] == ['missing.jpg', 'page.jpg']
    for p in pl: assert p.path.read_bytes() == photos[p.path.name]
    big = [r for path, r, _ in server.log if path == '/img/big.png']
    assert big[0] is None and big[1].startswith('bytes=') and big[1] != 'bytes=0-'  # resumed, not restarted
    man = json.loads((out / 'downloads.json').read_text())
    for u in urls[:3]:
        assert man[u]['sha256'] == hashlib.sha256(photos[Path(u).name]).hexdigest()
        assert man[u]['bytes'] == len(photos[Path(u).name])
    assert 'error' in man[urls[3]] and not (out / 'page.jpg').exists()
    assert not list(out.glob('*.part'))
    # a second run fetches nothing that is complete
    n = len(server.log)
    assert download_urls(urls, out, backoff=0.001, progress=False).ids == pl.ids
    assert sorted(p for p, _, _ in server.log[n:]) == ['/img/missing.jpg', '/img/page.jpg']


def test_download_resumes_a_part_file(tmp_path, server, photos):
    server.files = photos
    out = tmp_path / 'dl'; out.mkdir()
    data = photos['big.png']
    (out / 'big.png.part').write_bytes(data[:100000])
    pl = download_urls([f'{server.url}/img/big.png'], out, progress=False)
    assert pl[0].path.read_bytes() == data
    assert [r for _, r, _ in server.log] == ['bytes=100000-']


def test_download_restarts_when_server_ignores_range(tmp_path, server, photos):
    server.files, server.ranges = photos, False
    out = tmp_path / 'dl'; out.mkdir()
    (out / 'p2.jpg.part').write_bytes(b'stale bytes of something else')
    pl = download_urls([f'{server.url}/img/p2.jpg'], out, progress=False)
    assert pl[0].path.read_bytes() == photos['p2.jpg']


def test_download_gives_up_and_same_names_stay_distinct(tmp_path, server, photos):
    server.files = dict(photos, **{'a.jpg': photos['p0.jpg']})
    server.busy['p3.jpg'] = 10
    urls = [f'{server.url}/img/p3.jpg', f'{server.url}/img/p0.jpg', f'{server.url}/img/p0.jpg?copy=1']
    pl = download_urls(urls, tmp_path / 'dl', retries=2, backoff=0.001, progress=False)
    assert len(pl) == 2 and len(set(pl.ids)) == 2 and 'p0' in pl.ids
    assert pl.skipped[0][0] == urls[0] and '3 attempts' in pl.skipped[0][1]


# ---------------------------------------------------------------- Flickr
def _album(server, key='K', set_id='777'):
    sizes = [dict(o=(64, 48), l=(32, 24)), dict(z=(64, 48)), {}, dict(h=(32, 24), c=(64, 48)), dict(k=(64, 48))]
    album = []
    for i, sz in enumerate(sizes):
        p = dict(id=str(100 + i), secret='s', server='1', title=f't{i}')
        for s, (w, h) in sz.items():
            p[f'url_{s}'] = f"{server.url}/img/{f'p{i}.jpg' if w == 64 else 'page.jpg'}"
            p[f'width_{s}'], p[f'height_{s}'] = str(w), str(h)  # Flickr sends some numbers as strings
        album.append(p)

    def api(q):
        if q.get('api_key') != key: return dict(stat='fail', code=100, message='Invalid API Key')
        if q.get('photoset_id') != set_id: return dict(stat='fail', code=1, message='Photoset not found')
        assert q['method'] == 'flickr.photosets.getPhotos' and q['format'] == 'json' and q['nojsoncallback'] == '1'
        assert q['extras'] == 'url_o,url_k,url_h,url_l,url_c,url_z'
        n, page = int(q['per_page']), int(q['page'])
        return dict(stat='ok', photoset=dict(id=set_id, page=str(page), pages=str(-(-len(album) // n)), perpage=n,
                                             total=len(album), photo=album[(page - 1) * n:page * n]))
    return api


def test_flickr_pages_and_largest_size(tmp_path, server, photos, monkeypatch):
    server.files, server.flickr = photos, _album(server)
    monkeypatch.delenv('FLICKR_API_KEY', raising=False)
    ep = f'{server.url}/services/rest/'
    pl = flickr_photoset('777', tmp_path / 'f', api_key='K', endpoint=ep, per_page=2, backoff=0.001, progress=False)
    assert pl.ids == ['100', '101', '103', '104']
    assert [q['page'] for p, _, q in server.log if p == '/services/rest/'] == ['1', '2', '3']
    for p, i in zip(pl, [0, 1, 3, 4]): assert p.path.read_bytes() == photos[f'p{i}.jpg']
    assert [w for w, _ in pl.skipped] == ['flickr photo 102']
    assert json.loads((tmp_path / 'f' / 'flickr-777.json').read_text())['set_id'] == '777'
    # resume: a second run downloads nothing again
    n = len(server.log)
    monkeypatch.setenv('FLICKR_API_KEY', 'K')
    assert flickr_photoset('777', tmp_path / 'f', endpoint=ep, per_page=2, progress=False).ids == pl.ids
    assert all(p == '/services/rest/' for p, _, _ in server.log[n:])
    # through photos_from, with a limit
    fa = photos_from('flickr:777', cache_dir=tmp_path / 'c', limit=2, endpoint=ep, progress=False)
    assert fa.ids == ['100', '101']


def test_flickr_errors(tmp_path, server, monkeypatch):
    server.flickr = _album(server)
    monkeypatch.delenv('FLICKR_API_KEY', raising=False)
    with pytest.raises(ValueError, match='FLICKR_API_KEY'): flickr_photoset('777', tmp_path)
    ep = f'{server.url}/services/rest/'
    with pytest.raises(FlickrError, match='Invalid API Key'): flickr_photoset('777', tmp_path, api_key='bad', endpoint=ep)
    with pytest.raises(FlickrError, match='not found'): flickr_photoset('1', tmp_path, api_key='K', endpoint=ep)


def test_photos_from_url_list_and_errors(tmp_path, server, photos):
    server.files = photos
    f = tmp_path / 'urls.txt'
    f.write_text(f"# comment\n{server.url}/img/p4.jpg\n\n{server.url}/img/p0.jpg\n")
    assert photos_from(f, cache_dir=tmp_path / 'c', progress=False).ids == ['p0', 'p4']
    assert photos_from('samples', limit=2).ids == builtin_photos().ids[:2]
    with pytest.raises(ValueError, match='no/such'): photos_from('no/such')


# ---------------------------------------------------------------- pre-processing
def test_patch_sizes_and_determinism():
    img = np.random.default_rng(0).random((700, 900, 3), dtype=np.float32)
    pp = photo_patches(img, sizes=(64, 128, 256), n_random=2, seed=3)
    assert {s: [p.shape for p in ps] for s, ps in pp.items()} == {s: [(s, s, 3)] * 3 for s in (64, 128, 256)}
    assert all(p.dtype == np.float32 and 0 <= p.min() and p.max() <= 1 for ps in pp.values() for p in ps)
    again = photo_patches(img, sizes=(64, 128, 256), n_random=2, seed=3)
    assert all(a.tobytes() == b.tobytes() for s in pp for a, b in zip(pp[s], again[s]))
    other = photo_patches(img, sizes=(64, 128, 256), n_random=2, seed=4)
    assert not np.array_equal(other[64][1], pp[64][1]) and np.array_equal(other[64][0], pp[64][0])
    assert crop_margin(img, 50).shape == (600, 800, 3)
    assert resize_short_side(img, 516).shape == (516, 663, 3)
    assert center_crop(img, 100).shape == (100, 100, 3)
    assert len(random_crops(img, 32, 5, seed=0)) == 5
    with pytest.raises(ValueError, match='80x60'): photo_patches(img[:60, :80], margin=50)
    with pytest.raises(ValueError): photo_patches(img, sizes=(600,))


# ---------------------------------------------------------------- the split
def test_split_by_photo_deterministic_and_complete():
    ids = [f'ph{i}' for i in range(101)]
    sp = split_by_photo(ids, seed=5)
    assert set(sp) == set(ids)
    assert Counter(sp.values()) == {'train': 81, 'validation': 10, 'test': 10}
    assert split_by_photo(list(reversed(ids)), seed=5) == sp
    assert split_by_photo(ids, seed=6) != sp
    for n in range(3, 12):
        assert set(split_by_photo(ids[:n]).values()) == {'train', 'validation', 'test'}
