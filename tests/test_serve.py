"""`pico-rogue serve` in a real headless browser: the page loads, a key moves
the hero, a screenshot shows the map.

Needs Debian's chromium and chromium-driver (CI installs them; see .ci/run);
skipped, saying so, where they are absent."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game.world.run import Run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--window-size=1280,800"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="no chromium and chromedriver here "
                       "(apt-get install chromium chromium-driver; .ci/run does)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_the_game_plays_in_a_browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    port, saves = free_port(), tmp_path / "saves"
    command = [sys.executable, "-m", "cli", "serve", "--port", str(port), "--host", "127.0.0.1",
               "--saves", str(saves), "--seed", "3"]
    server = subprocess.Popen(command,
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    browser = None
    try:
        wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 30, "the server to listen")
        browser = webdriver.Chrome(service=Service(DRIVER), options=options)
        browser.get(f"http://127.0.0.1:{port}")
        wait_for(lambda: "-first-byte" in browser.execute_script("return document.body.className"), 60,
                 "the game's first bytes in the page")
        wait_for(lambda: (saves / ".lock").exists(), 30, "the game to start")
        time.sleep(2)  # the class screen draws
        keys = browser.find_element(By.CSS_SELECTOR, "textarea.xterm-helper-textarea")
        keys.send_keys("1")  # a knight
        time.sleep(2)  # the dungeon draws
        before = tmp_path / "before.png"
        browser.save_screenshot(str(before))

        keys.send_keys("l")
        time.sleep(1.5)
        after = tmp_path / "after.png"
        browser.save_screenshot(str(after))
        keys.send_keys("qq")  # save and quit (q asks once): the saved run says where the hero stands
        run_file = wait_for(lambda: (saves / "run.json").exists() and saves / "run.json", 30, "the run to be saved")
    finally:
        if browser is not None:
            browser.quit()
        os.killpg(server.pid, 15)
        server.wait(timeout=10)

    expected = Run.new(3)
    expected.move(1, 0)
    saved = json.loads(run_file.read_text())
    assert saved["pos"] == list(expected.pos) and saved["moves"] == 1
    # a page with the map on it: far more than a blank page's few kilobytes, and changed by the move
    assert after.stat().st_size > 20_000 and after.read_bytes() != before.read_bytes()
    out = os.environ.get("PICO_SCREENSHOTS")
    if out:
        shutil.copy(after, Path(out) / "serve.png")
