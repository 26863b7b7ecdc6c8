"""The reports page in a real browser: demo data, login, charts drawn under the strict CSP.

`REPORTS_SCREENSHOT=1` writes the screenshot to docs/reports.png (docs/agents.md shows it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from console_support import NOW, PASSWORD, served
from playwright.sync_api import Page, expect

from console import create_app
from console.scripts import BOGOTA
from tests.browser import chromium
from tools.demo_data import fill

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ("chart-activity", "chart-waits", "chart-satisfaction", "chart-topics")


@pytest.fixture
def live_console(settings, relay, agents) -> Iterator[str]:
    """The console served by waitress on a free port, in a background thread; its base URL."""
    with served(create_app(settings, relay=relay)) as url:
        yield url


@pytest.fixture
def page(live_console) -> Iterator[Page]:
    """A Chromium page, wide enough for the report."""
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1280, "height": 900})


def test_reports_page_shows_its_charts(live_console, page, database_url, tmp_path):
    figures = fill(database_url, NOW, days=14)
    assert figures is not None and figures.conversations > 50
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_console}/console/reports")
    page.get_by_label("Usuario").fill("ana")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", name="Informes del servicio")).to_be_visible()

    today = NOW.astimezone(BOGOTA).date()
    expect(page.get_by_label("Desde")).to_have_value(str(today - timedelta(days=13)))
    for chart in CHARTS:
        svg = page.locator(f"svg#{chart}")
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50
        assert svg.locator("rect.chart__bar").count() >= 2
    bars = page.locator("#chart-activity rect.chart--conversations")
    assert bars.count() == 15  # the legend's swatch and one bar per day
    fill_colour = bars.nth(1).evaluate("bar => getComputedStyle(bar).fill")
    assert fill_colour == "rgb(31, 95, 153)", "console.css did not colour the bars"
    expect(page.locator("#report-table tbody tr")).to_have_count(14)
    expect(page.locator("#report-table tfoot")).to_contain_text(str(figures.conversations))

    page.get_by_label("Desde").fill(str(today - timedelta(days=2)))
    page.get_by_role("button", name="Ver informe").click()
    expect(page.locator("#report-table tbody tr")).to_have_count(3)
    expect(page.locator("#chart-activity rect.chart--conversations")).to_have_count(4)
    page.get_by_label("Desde").fill(str(today - timedelta(days=13)))
    page.get_by_role("button", name="Ver informe").click()
    expect(page.locator("#report-table tbody tr")).to_have_count(14)

    target = ROOT / "docs" / "reports.png" if os.environ.get("REPORTS_SCREENSHOT") == "1" \
        else tmp_path / "reports.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    assert problems == []
