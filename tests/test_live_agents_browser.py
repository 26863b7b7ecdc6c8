"""Issue 19 end to end: the real Rasa server, action server and web app; the citizen in the
widget and three console users in Debian's chromium.

Two agents log in, one marks herself away; the citizen asks for a person and is queued;
the available agent's console announces it (title and notification), the away agent's
does not; the citizen hears the periodic update; the agent takes the chat, types (the
widget shows it) and replies; a supervisor deactivates her in the middle of the chat: the
chat goes back to the queue with nothing lost, the citizen is told, and the other agent,
back from "ausente", is alerted and finds the whole conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from console.accounts import create_agent_account
from store.db import session_for
from store.handoffs import end_open_handoff, latest_handoff, messages_after
from store.models import Handoff
from tests.browser import RECORD_NOTIFICATIONS, chromium, until
from tests.widget_chat import REPLY_MS, new_chat

pytestmark = pytest.mark.stack

PASSWORD = "clave-de-prueba-segura"
ASK_NAME = "¿Me puede indicar su nombre, por favor?"
HOW_CAN_HELP = "¿En qué le puedo ayudar?"
STILL_WAITING = "Por favor espere un momento, en instantes un funcionario le atenderá."
RETURNED = "El funcionario que le atendía ya no está disponible."


def console_user(browser: Browser, live, username: str) -> Page:
    """A console user's tab, with notifications allowed and recorded."""
    context = browser.new_context(locale="es-CO")
    context.grant_permissions(["notifications"], origin=live.web_url)
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    page.goto(f"{live.web_url}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/console/login"))
    return page


def notes(page: Page) -> list[dict]:
    return page.evaluate("window.__notes")


@pytest.fixture(scope="module")
def accounts(live) -> dict[str, int]:
    now = datetime.now(timezone.utc)
    return {
        name: create_agent_account(live.database_url, name, name.title(), PASSWORD, now,
                                   roles=roles).id
        for name, roles in (("lucia", "agent"), ("tomas", "agent"), ("sara", "supervisor"))
    }


@pytest.fixture
def browser(live) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def test_two_agents_the_updates_the_alert_and_a_deactivation_mid_chat(live, accounts, browser):
    with live.on_duty.away():
        lucia = console_user(browser, live, "lucia")
        tomas = console_user(browser, live, "tomas")
        expect(lucia.locator("#presence-state")).to_have_text("Disponible")
        tomas.click("#presence-toggle")
        expect(tomas.locator("#presence-state")).to_have_text("Ausente")

        chat = new_chat(browser, live)
        chat.open(live.web_url)
        chat.expect_message(ASK_NAME)
        chat.say("me llamo Ana")
        chat.expect_message(HOW_CAN_HELP)
        chat.say("quiero hablar con un funcionario")
        chat.expect_message("Su turno es el número 1.")
        status_line = chat.page.locator(".tc-handoff")
        expect(status_line).to_have_text("En espera de un funcionario. Su turno: 1",
                                         timeout=REPLY_MS)
        chat.page.get_by_role("button", name="No", exact=True).click()
        chat.expect_message("Un funcionario le atenderá en cuanto esté disponible.")

        # The available agent's console announces the citizen; the away agent's does not.
        until(lambda: len(notes(lucia)) == 1, timeout=30)
        assert notes(lucia)[0]["title"] == "Ciudadano en espera: Ana"
        expect(lucia).to_have_title("(1) Cola de atención · Alcaldía de Tenjo")
        assert notes(tomas) == []

        # A minute later (made old in the database) the citizen hears from the bot.
        session_id = chat.session_id()
        with session_for(live.database_url) as session:  # hand-offs run on the stack's clock
            requested = latest_handoff(session, session_id).requested_at
            session.execute(update(Handoff).where(Handoff.conversation_id == session_id)
                            .values(update_sent_at=requested - timedelta(hours=2)))
            session.commit()
        chat.expect_message(STILL_WAITING)

        # Lucia takes the chat, types (the widget says so) and replies.
        lucia.get_by_role("button", name="Atender a Ana").click()
        chat.expect_message("Desde este momento le atiende Lucia, del CISAT.")
        expect(status_line).to_have_text("Le atiende Lucia", timeout=REPLY_MS)
        lucia.fill("#reply-text", "Buenos días, Ana. Ya reviso su caso")
        lucia.locator("#reply-text").press("End")
        lucia.locator("#reply-text").type(".")
        expect(chat.page.locator(".tc-typing")).to_have_text("Lucia está escribiendo",
                                                            timeout=REPLY_MS)
        lucia.click("#reply-send")
        chat.expect_message("Buenos días, Ana. Ya reviso su caso.")
        chat.say("es sobre el predial de la casa de mi mamá")

        # The supervisor deactivates Lucia in the middle of the chat.
        sara = console_user(browser, live, "sara")
        sara.goto(f"{live.web_url}/console/supervision/cuentas/{accounts['lucia']}")
        sara.get_by_role("button", name="Desactivar la cuenta").click()
        chat.expect_message(RETURNED)
        expect(status_line).to_have_text("En espera de un funcionario. Su turno: 1",
                                         timeout=REPLY_MS)
        lucia.reload()
        expect(lucia).to_have_url(re.compile(r"/console/login\?next="), timeout=REPLY_MS)

        # Tomas comes back: alerted, he finds the whole conversation.
        tomas.click("#presence-toggle")
        expect(tomas.locator("#presence-state")).to_have_text("Disponible")
        until(lambda: len(notes(tomas)) == 1, timeout=30)
        tomas.get_by_role("button", name="Atender a Ana").click()
        transcript = tomas.locator("#transcript")
        for said in ("quiero hablar con un funcionario", "Buenos días, Ana. Ya reviso su caso.",
                     "es sobre el predial de la casa de mi mamá"):
            expect(transcript).to_contain_text(said)
        chat.expect_message("Desde este momento le atiende Tomas, del CISAT.")
        with session_for(live.database_url) as session:
            handoff = latest_handoff(session, session_id)
            assert handoff.agent_id == accounts["tomas"]
            texts = [m.text for m in messages_after(session, handoff.id)]
        assert "es sobre el predial de la casa de mi mamá" in texts
        assert chat.problems == []
        # Tomas closes his session: he is not offered to citizens any more, and the chat he
        # served goes back to the queue; the citizen is told.
        tomas.get_by_role("button", name="Cerrar sesión").click()
        expect(tomas).to_have_url(re.compile(r"/console/login"))
        expect(tomas.locator(".notice").last).to_contain_text("volvieron a la cola")
        expect(chat.log.locator("li", has_text=RETURNED)).to_have_count(2, timeout=REPLY_MS)
        with session_for(live.database_url) as session:  # the citizen leaves the queue
            end_open_handoff(session, session_id, "abandoned", datetime.now(timezone.utc))


def test_in_staffed_hours_with_nobody_available_the_citizen_is_told(live, sender):
    """Nobody available: said plainly, the PQRD form and the follow-up by e-mail (P15)."""
    live.texts(sender, "hola")
    live.texts(sender, "me llamo Ana")
    with live.on_duty.away():
        texts = live.texts(sender, "quiero hablar con un funcionario")
    assert texts[0] == (
        "En este momento ningún funcionario puede atenderle en el chat. Le ofrecemos disculpas.")
    assert texts[1].startswith("Si lo prefiere, puede presentar su solicitud por escrito")
    assert texts[2].startswith("Si lo desea, un funcionario puede enviarle la respuesta")
    with session_for(live.database_url) as session:
        assert latest_handoff(session, sender) is None
