"""The console in a real browser: login, live queue, take, canned script, reply."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from console_support import PASSWORD, PAYLOAD, seed_handoff, served
from playwright.sync_api import Page, expect

from console import create_app
from store.db import session_for
from store.handoffs import messages_after
from tests.browser import chromium

PLEASE_WAIT = (
    "Por favor espere un momento, en instantes le enviaré la información que usted necesita."
)


@pytest.fixture
def live_console(settings, relay, agents) -> Iterator[str]:
    """The console served by waitress on a free port, in a background thread; its base URL."""
    with served(create_app(settings, relay=relay)) as url:
        yield url


@pytest.fixture
def page(live_console) -> Iterator[Page]:
    """A Chromium page; closed before the server stops (it depends on `live_console`)."""
    with chromium() as browser:
        yield browser.new_page()


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_agent_takes_a_conversation_and_replies(live_console, page, relay, database_url):
    problems: list[str] = []
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    first = seed_handoff(database_url, "conv-browser-1", "Ana María", "faq/impuesto_predial",
                         [("citizen", PAYLOAD), ("bot", "Le comunico con un funcionario.")])

    page.goto(f"{live_console}/console/")
    expect(page).to_have_url(f"{live_console}/console/login?next=/console/")
    page.get_by_label("Usuario").fill("ana")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page).to_have_url(f"{live_console}/console/")
    waiting = page.locator("#waiting")
    expect(waiting).to_contain_text("Ana María")
    expect(waiting).to_contain_text("El pago o la consulta del impuesto predial")

    seed_handoff(database_url, "conv-browser-2", "Jorge Castillo", "faq/sisben")
    expect(waiting.get_by_role("heading", name="Jorge Castillo")).to_be_visible(timeout=10_000)
    expect(page.locator("#queue-status")).to_have_text("Hay 2 ciudadanos en espera.")

    page.locator(f'#waiting li[data-id="{first}"]').get_by_role("button", name="Atender").click()
    expect(page).to_have_url(f"{live_console}/console/handoffs/{first}")
    assert relay.calls == [
        ("conv-browser-1", "EXTERNAL_handoff_taken", {"agent_name": "Ana Rodríguez"})
    ]
    transcript = page.locator("#transcript")
    expect(transcript.locator(".message--citizen .message__text")).to_have_text(PAYLOAD)
    assert transcript.locator("img, script").count() == 0

    # chat.js is deferred: its buttons work once the document is parsed (on a loaded
    # machine the click could come first and do nothing)
    page.wait_for_load_state("domcontentloaded")
    page.get_by_role("button", name="Espera (P6)").click()
    box = page.get_by_label("Su respuesta al ciudadano")
    expect(box).to_have_value(PLEASE_WAIT)
    box.press("End")
    box.type(" Reviso su caso.")
    page.get_by_role("button", name="Enviar").click()

    wait_for(lambda: "EXTERNAL_agent_message" in relay.intents())
    with session_for(database_url) as session:
        sent = messages_after(session, first)[-1]
        assert (sent.author, sent.text) == ("agent", PLEASE_WAIT + " Reviso su caso.")
    assert relay.calls[-1] == ("conv-browser-1", "EXTERNAL_agent_message",
                               {"message_id": sent.id})
    expect(transcript.locator(".message--agent .message__text")).to_have_text(
        PLEASE_WAIT + " Reviso su caso."
    )
    expect(box).to_have_value("")
    assert problems == []
