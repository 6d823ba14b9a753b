"""What the browser tests share: Debian's headless Chromium (tests/test_review.py, tests/test_docs.py)."""
import os, shutil

import pytest


def skip_or_fail(why):
    "Skip a test that cannot run here; under CI=true, where everything it needs is installed, fail instead."
    if os.environ.get('CI', '').lower() in ('1', 'true', 'yes'): pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope='session')
def chromium():
    "Debian's chromium and chromium-driver as (browser, driver) paths, or a skip (a failure under CI=true) without them or Selenium."
    try:
        from selenium import webdriver                                      # noqa: F401
    except ImportError: webdriver = None
    browser, driver = shutil.which('chromium') or shutil.which('chromium-browser'), shutil.which('chromedriver')
    if webdriver is None or not (browser and driver):
        skip_or_fail('headless Chromium is not installed (apt-get install chromium chromium-driver; pip install selenium)')
    return browser, driver
