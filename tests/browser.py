"""Headless Chromium for the page tests: Debian's ``chromium`` and ``chromium-driver``, driven by selenium.

Each test module that opens pages starts one browser (a module fixture calling
:func:`chromium`) and marks itself with :data:`needs_chromium`; a machine without
Chromium skips those modules with the reason.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

needs_chromium = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)


@contextmanager
def chromium(width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A headless Chromium with a fresh profile and no network chatter, quit afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="pregel-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def severe(driver: Any) -> list[dict]:
    """The errors in the browser's console since the last call (each call empties the log)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def assert_shows(shown: list[str], values: np.ndarray) -> None:
    """Each displayed value is the engine's value to the digits shown (4 significant)."""
    assert len(shown) == len(values)
    for text, value in zip(shown, values.tolist()):
        if isinstance(value, float) and math.isinf(value):
            assert text == ("∞" if value > 0 else "−∞")
            continue
        number = float(text)
        if isinstance(value, int) or float(value).is_integer():
            assert number == value, (text, value)
        else:
            half_digit = 0.5 * 10 ** (math.floor(math.log10(abs(number))) - 3)
            assert abs(number - value) <= half_digit * (1 + 1e-9), (text, value)
