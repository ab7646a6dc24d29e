"""The HTML report of a real small campaign, rendered in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from optimize.runs import Run

RTLBO = str(Path(sys.executable).parent / "rtlbo")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    campaign = folder / "c.yaml"
    campaign.write_text(yaml.safe_dump({
        "name": "r", "tasks": {"suite": "builtin", "select": ["mul8", "seqdet"]}, "budget": {"trials": 6},
        "optimizer": "sobol", "output": str(folder / "run")}))
    assert subprocess.run([RTLBO, "run", str(campaign)], capture_output=True, timeout=600).returncode == 0
    done = subprocess.run([RTLBO, "report", str(folder / "run")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = folder / "run" / "report" / "index.html"
    assert f"report: {page}" in done.stdout.replace("\n", "")
    return page


def test_report_is_self_contained_with_pngs(report: Path):
    text = report.read_text()
    # plotly.js is inline: nothing is loaded from the network.
    assert "<script" in text and not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']https?://", text)
    assert "Pareto table" in text and "PAMA pick" in text
    front = Run.load(report.parent.parent).front()
    assert front and all(f"../trials/{t.measured_by:06d}/" in text for t in front)  # each links its artifacts
    for png in ("pareto.png", "hypervolume.png"):
        data = (report.parent / png).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000


@pytest.mark.skipif(not shutil.which("chromedriver"), reason="needs Debian chromium-driver (make setup installs it)")
def test_report_renders_in_headless_chromium_without_console_errors(report: Path, tmp_path: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(report.resolve().as_uri())
        deadline = time.monotonic() + 60
        plots = 0
        while time.monotonic() < deadline:
            plots = driver.execute_script("return document.querySelectorAll('.js-plotly-plot .main-svg').length")
            if plots >= 4:
                break
            time.sleep(0.5)
        assert plots >= 4, "plots did not render"
        traces = driver.execute_script("return document.getElementById('plot0').data.length")
        assert traces >= 2
        shot = tmp_path / "report.png"
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 20_000
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], errors
    finally:
        driver.quit()
