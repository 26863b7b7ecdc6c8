"""R2 in a real browser: the console's title counts the waiting citizens, and each new
hand-off plays a sound and shows a browser notification, also in a background tab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_support import PASSWORD, seed_handoff, served
from playwright.sync_api import expect

import console.presence
from console import create_app
from tests.browser import RECORD_NOTIFICATIONS, chromium, until


@pytest.fixture
def live_console(settings, relay, agents, monkeypatch) -> Iterator[str]:
    """The console on a free port, its pages reporting every second."""
    monkeypatch.setattr(console.presence, "PRESENCE_REPORT_SECONDS", 1)
    with served(create_app(settings, relay=relay)) as url:
        yield url


def test_a_new_handoff_is_announced_in_a_background_tab(live_console, database_url, clock):
    with chromium() as browser:
        context = browser.new_context()
        context.grant_permissions(["notifications"], origin=live_console)
        context.add_init_script(RECORD_NOTIFICATIONS)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        seed_handoff(database_url, "conv-before", citizen_name="Luis", at=clock.now)
        page.goto(f"{live_console}/console/login")
        page.fill("#username", "ana")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#presence-state")).to_have_text("Disponible")
        expect(page).to_have_title("(1) Cola de atención · Alcaldía de Tenjo", timeout=10_000)
        # The first page of the browser learns the queue it shows: no alert for Luis.
        page.wait_for_timeout(1500)
        assert page.evaluate("window.__notes.length") == 0

        # Another tab in front: the console loses the focus. (Headless chromium keeps every
        # tab "visible", so the slowed timers of a hidden tab cannot be reproduced here; the
        # reports come from a worker, whose timers a hidden tab does not slow.)
        context.new_cdp_session(page).send("Emulation.setFocusEmulationEnabled",
                                           {"enabled": False})
        other = context.new_page()  # a page of another kind (a second console tab would
        other.goto(f"{live_console}/reglas")  # share the alert: one tab announces it)
        other.bring_to_front()
        assert page.evaluate("document.hasFocus()") is False
        seed_handoff(database_url, "conv-new", citizen_name="Ana María",
                     topic="faq/impuesto_predial", at=clock.now)
        until(lambda: page.evaluate("window.__notes.length") == 1)
        note = page.evaluate("window.__notes[0]")
        assert note["title"] == "Ciudadano en espera: Ana María"
        assert "impuesto predial" in note["body"].lower()
        assert page.evaluate("window.TenjoAlerts.sounds") == 1
        assert page.title().startswith("(2) ")
        assert problems == []


def test_an_away_agent_gets_no_alert(live_console, database_url, clock):
    with chromium() as browser:
        context = browser.new_context()
        context.grant_permissions(["notifications"], origin=live_console)
        context.add_init_script(RECORD_NOTIFICATIONS)
        page = context.new_page()
        page.goto(f"{live_console}/console/login")
        page.fill("#username", "ana")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#presence-state")).to_have_text("Disponible")
        page.click("#presence-toggle")
        expect(page.locator("#presence-state")).to_have_text("Ausente")
        expect(page.locator("#presence-toggle")).to_have_text("Volver a estar disponible")
        page.wait_for_timeout(1500)
        seed_handoff(database_url, "conv-new", citizen_name="Ana María", at=clock.now)
        expect(page).to_have_title("(1) Cola de atención · Alcaldía de Tenjo", timeout=10_000)
        page.wait_for_timeout(2500)
        assert page.evaluate("window.__notes.length") == 0
