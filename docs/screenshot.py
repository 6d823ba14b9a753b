#!/usr/bin/env python
"""A screenshot of a page of the built docs site, in headless Chromium (Debian's chromium and chromium-driver).

    python docs/screenshot.py _site nbs/07_evaluate.html images/docs_site.png --at 'img[src$="evaluate_gallery.png"]'

serves SITE on localhost, opens PAGE in a 1400x900 window, scrolls the first element matching --at (a CSS
selector) to --from-top pixels below the top of the window, and saves the window as PNG."""
import argparse, functools, http.server, shutil, tempfile, threading, time


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('site'); ap.add_argument('page'); ap.add_argument('png')
    ap.add_argument('--at', default='', help='CSS selector of the element to scroll to')
    ap.add_argument('--from-top', type=int, default=120, help='where that element lands, in pixels from the top')
    ap.add_argument('--size', default='1400,900', help='window width,height')
    a = ap.parse_args(argv)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=a.site))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix='chromium_')
    opts = webdriver.ChromeOptions(); opts.binary_location = shutil.which('chromium') or shutil.which('chromium-browser')
    for arg in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--hide-scrollbars', f'--window-size={a.size}', f'--user-data-dir={profile}'):
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(shutil.which('chromedriver')), options=opts)
    try:
        d.get(f'http://127.0.0.1:{srv.server_port}/{a.page}')
        if a.at:
            found = d.execute_script("const e = document.querySelector(arguments[0]); if (!e) return false;"
                                     "window.scrollTo({top: e.getBoundingClientRect().top + window.scrollY - arguments[1], behavior: 'instant'}); return true",
                                     a.at, a.from_top)
            if not found: raise SystemExit(f'nothing matches {a.at!r} on {a.page}')
        time.sleep(0.5)                                     # furo highlights the section in view after a scroll
        d.save_screenshot(a.png)
    finally:
        d.quit(); srv.shutdown(); shutil.rmtree(profile, ignore_errors=True)
    print(f'saved {a.png}')


if __name__ == '__main__': main()
