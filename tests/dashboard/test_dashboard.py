"""The dashboard page: every section from the marts, and what headless Chromium draws of it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from supportlake.dashboard.page import write_dashboard

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The closed network refuses Chromium's background connections; these flags keep it quiet.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def dashboard(monitored_warehouse):
    return write_dashboard(monitored_warehouse.settings)


def test_page_has_the_monitoring_charts_and_the_support_analytics(dashboard, monitored_warehouse):
    html = dashboard.page.read_text()

    assert {"priority_volume", "category_volume", "latency", "errors", "drift", "agreement"} <= set(
        dashboard.charts
    )
    assert {"volume", "distributions", "resolution", "arrivals"} <= set(dashboard.charts)
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == len(dashboard.charts)
    assert all((dashboard.page.parent / image).stat().st_size > 5_000 for image in images)
    served = monitored_warehouse.served
    assert f'<div class="value">{served.single_ok + served.batch_tickets}</div>' in html
    assert "Support analytics" in html and "Resolution time by category" in html
    assert "Not shown" not in html, "every section had its data"
    assert dashboard.summary_markdown().startswith("# supportlake dashboard")


@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not found: `make browser` installs Debian's chromium"
)
def test_headless_chromium_renders_the_page(dashboard, tmp_path):
    screenshot = tmp_path / "dashboard.png"

    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={screenshot}",
            "--window-size=1280,2000",
            dashboard.page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )

    assert screenshot.stat().st_size > 50_000, "a page of charts compresses to more than this"
    pixels = matplotlib.image.imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    ink = np.mean(pixels.mean(axis=2) < 0.9)  # share of pixels that are not near-white
    assert ink > 0.05, f"the screenshot is nearly blank ({ink:.1%} ink)"
    shutil.copy(screenshot, Path(dashboard.page.parent) / "screenshot.png")
