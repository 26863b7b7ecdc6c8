"""The citizens' widget in Debian's chromium, against the real Rasa server, actions and web app.

A whole conversation, reload, an offline/online cycle, HTML shown as text, the rules link,
a closed chat and a phone screen. `WIDGET_SCREENSHOTS=1` also writes the pictures of the
README and docs/widget.md (docs/widget-desktop.png, docs/widget-phone.png).
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from channels.session_tokens import issue, secret_from_env
from tests.browser import chromium
from tests.protocol_texts import DATA_NOTICE
from tests.widget_chat import REPLY_MS, Chat, new_chat

pytestmark = pytest.mark.stack

DOCS = Path(__file__).resolve().parents[2] / "docs"

GREETING = "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."
ASK_NAME = "¿Me puede indicar su nombre, por favor?"
HOW_CAN_HELP = "¿En qué le puedo ayudar?"
SATISFACTION = "¿Es satisfactoria la respuesta?"
MORE_QUESTIONS = "¿Tiene alguna otra consulta?"
SURVEY = "http://186.28.255.236/encuesta/"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def browser(live) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def chat(browser, live) -> Iterator[Chat]:
    chat = new_chat(browser, live, viewport={"width": 1280, "height": 800})
    try:
        yield chat
    finally:
        chat.context.close()
    assert chat.problems == []


def test_a_whole_conversation_and_a_reload_keeps_it(chat, live):
    chat.open(live.web_url)
    expect(chat.input).to_be_focused()
    chat.expect_message(GREETING)  # nobody typed anything
    chat.expect_message(ASK_NAME)

    chat.say("me llamo Ana María")
    chat.expect_message("Mucho gusto, Ana María.")
    chat.expect_message(HOW_CAN_HELP)

    chat.say("¿cómo pago el impuesto predial?")
    chat.expect_message(SATISFACTION)
    shown = chat.messages()
    answer = shown[shown.index(("citizen", "¿cómo pago el impuesto predial?")) + 1:-1]
    assert answer[0][1].startswith("Sobre el impuesto predial") and len(answer) >= 2

    chat.page.get_by_role("button", name="Sí", exact=True).click()
    chat.expect_message(MORE_QUESTIONS)
    expect(chat.input).to_be_focused()
    chat.say("no")
    chat.expect_message("Gracias por su consulta.")
    survey = chat.log.get_by_role("link", name=SURVEY)
    expect(survey).to_have_attribute("href", SURVEY)
    expect(survey).to_have_attribute("target", "_blank")
    expect(survey).to_have_attribute("rel", "noopener noreferrer")

    shown = chat.messages()
    assert shown[:3] == [("bot", GREETING), ("bot", DATA_NOTICE), ("bot", ASK_NAME)]
    citizen = [text for author, text in shown if author == "citizen"]
    assert citizen == ["me llamo Ana María", "¿cómo pago el impuesto predial?", "Sí", "no"]
    assert chat.received_texts() == [
        "/greet", "me llamo Ana María", "¿cómo pago el impuesto predial?", "/affirm", "no"]
    assert chat.page.get_by_role("button", name="Sí", exact=True).count() == 0

    chat.page.reload()
    chat.expect_message("Gracias por su consulta.")
    expect(chat.log.locator("li")).to_have_count(len(shown))
    # Without the copy kept in the browser, the server's history gives the same.
    chat.page.evaluate("localStorage.removeItem('tenjo-chat:transcript')")
    chat.page.reload()
    chat.expect_message("Gracias por su consulta.")
    expect(chat.log.locator("li")).to_have_count(len(shown))
    assert chat.messages() == shown
    assert chat.received_texts()[-1] == "no"  # nothing was sent again

    chat.input.press("Escape")
    expect(chat.page.get_by_role("button", name="Chat de la Alcaldía")).to_be_focused()
    expect(chat.log).to_be_hidden()


def test_messages_written_offline_arrive_once_and_in_order(chat, live):
    chat.open(live.web_url)
    chat.expect_message(ASK_NAME)
    chat.say("soy Pedro")
    chat.expect_message(HOW_CAN_HELP)
    # its delivery is confirmed by then, or soon after on a loaded machine
    expect(chat.log.locator(".tc-pending")).to_have_count(0, timeout=REPLY_MS)

    chat.context.set_offline(True)
    expect(chat.page.get_by_text("Sin conexión")).to_be_visible()
    chat.say("¿cómo saco el certificado de residencia?")
    chat.say("¿a qué hora atienden?")
    expect(chat.log.locator(".tc-pending")).to_have_count(2)

    chat.context.set_offline(False)
    expect(chat.log.locator(".tc-pending")).to_have_count(0, timeout=REPLY_MS)
    chat.expect_message("Los funcionarios del CISAT atienden este chat")
    expect(chat.page.get_by_text("Sin conexión")).to_be_hidden()

    texts = [text for _, text in chat.messages()]
    first = texts.index("¿cómo saco el certificado de residencia?")
    second = texts.index("¿a qué hora atienden?")
    assert first < second
    assert texts[first + 1].startswith("Sobre el certificado de residencia")
    assert texts[second + 1].startswith("Los funcionarios del CISAT atienden este chat")
    assert chat.received_texts() == [
        "/greet", "soy Pedro", "¿cómo saco el certificado de residencia?", "¿a qué hora atienden?"]

    # While the citizen is offline the bot says something (as an agent's reply or the
    # inactivity prompt would): it reaches only the tracker, and the widget recovers it.
    chat.context.set_offline(True)
    expect(chat.page.get_by_text("Sin conexión")).to_be_visible()
    request = urllib.request.Request(
        f"{live.rasa_url}/conversations/{chat.session_id()}/execute"
        "?output_channel=socketio&token=test-token",
        data=json.dumps({"name": "utter_ask_more_questions"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()
    chat.context.set_offline(False)
    chat.expect_message(MORE_QUESTIONS)
    expect(chat.page.get_by_role("button", name="No", exact=True)).to_be_visible()
    assert [text for _, text in chat.messages()] == [*texts, MORE_QUESTIONS]


def test_html_is_shown_as_text_and_the_rules_are_linked(chat, live):
    chat.open(live.web_url)
    chat.expect_message(ASK_NAME)
    chat.say("soy Lucía")
    chat.expect_message(HOW_CAN_HELP)
    chat.say(XSS)
    expect(chat.log.locator(".tc-citizen").last).to_have_text(f"Usted: {XSS}")
    expect(chat.log.locator(".tc-citizen .tc-pending")).to_have_count(0)
    expect(chat.page.locator("[data-tenjo-chat] img")).to_have_count(0)
    assert chat.received_texts()[-1] == XSS

    panel = chat.page.get_by_role("region", name="Chat de la Alcaldía de Tenjo")
    rules = panel.get_by_role("link", name="Reglas del chat")
    expect(rules).to_have_attribute("rel", "noopener noreferrer")
    with chat.context.expect_page() as opened:
        rules.click()
    page = opened.value
    expect(page.get_by_role("heading", name="Reglas del chat")).to_be_visible()
    expect(page.get_by_text("El chat institucional orienta en tiempo real")).to_be_visible()
    expect(page.get_by_text("se compromete a no utilizar palabras obscenas")).to_be_visible()
    expect(page.get_by_text("responsabilidad civil y penal")).to_be_visible()


def seed_session(chat, session_id: str, token: str) -> None:
    """Makes the page start with this session kept in localStorage (first load only)."""
    chat.page.add_init_script(
        f"if (!sessionStorage.getItem('seeded')) {{ sessionStorage.setItem('seeded', '1');"
        f" localStorage.setItem('tenjo-chat:session', '\"{session_id}\"');"
        f" localStorage.setItem('tenjo-chat:token', '\"{token}\"');"
        " localStorage.setItem('tenjo-chat:started', 'true'); }"
    )


def test_a_token_the_server_does_not_accept_starts_a_new_conversation(chat, live):
    old = "cd" * 16
    seed_session(chat, old, f"{old}.{'A' * 43}")  # right shape, wrong signature
    chat.open(live.web_url)
    chat.expect_message(ASK_NAME)
    assert chat.session_id() != old
    assert chat.received_texts(), "the new conversation is the one the server knows"


def test_opening_the_chat_while_a_new_session_is_on_its_way_connects_once(chat, live):
    """The refused token's replacement is still being fetched when the citizen opens the chat.

    The page (which starts the socket on load for a conversation already begun) must not
    try a handshake without a token meanwhile: a refusal of that one arriving after the
    new session would throw the new conversation away (a flaky empty chat, seen in CI).
    """
    old = "ef" * 16
    seed_session(chat, old, f"{old}.{'B' * 43}")
    held, handshakes, sessions = [], [], []
    chat.page.route("**/chat/session", lambda route: held.append(route))
    chat.page.on("request", lambda request: sessions.append(request.url)
                 if request.url.endswith("/chat/session") else None)
    chat.page.on("request", lambda request: handshakes.append(request.post_data or "")
                 if "/socket.io/" in request.url and request.method == "POST" else None)
    chat.page.on("websocket", lambda socket: socket.on(
        "framesent", lambda frame: handshakes.append(frame if isinstance(frame, str) else "")))

    chat.page.goto(f"{live.web_url}/")  # starts the socket: refused, a new session asked
    for _ in range(REPLY_MS // 50):
        if held:
            break
        chat.page.wait_for_timeout(50)
    assert len(held) == 1, "the refused token made the page ask for a new session"
    chat.page.get_by_role("button", name="Chat de la Alcaldía").click()
    chat.page.wait_for_timeout(1500)  # room for a handshake the page should not try
    held[0].continue_()
    chat.page.unroute("**/chat/session")

    chat.expect_message(ASK_NAME)
    assert chat.session_id() != old
    assert chat.received_texts() == ["/greet"]
    assert len(sessions) == 1
    assert not [frame for frame in handshakes if '"token":null' in frame]


def test_a_closed_chat_offers_a_new_conversation(chat, live):
    old = "ab" * 16
    seed_session(chat, old, live.token_of(old))
    closed = [{"author": "bot", "text": "Damos por terminada esta conversación."},
              {"author": "bot", "text": "", "closed": "inactivity"}]
    chat.page.route("**/chat/history", lambda route: route.fulfill(json=closed))
    chat.open(live.web_url)
    restart = chat.page.get_by_role("button", name="Iniciar una nueva conversación")
    expect(restart).to_be_focused()
    expect(chat.log).to_contain_text("Esta conversación ha finalizado.")
    expect(chat.input).to_be_hidden()

    chat.page.unroute("**/chat/history")
    restart.click()
    chat.expect_message(ASK_NAME)
    assert chat.session_id() != old
    expect(chat.input).to_be_focused()
    assert "Damos por terminada" not in chat.log.inner_text()


def test_usable_on_a_phone(browser, live):
    chat = new_chat(browser, live, viewport={"width": 360, "height": 640}, is_mobile=True,
                    has_touch=True)
    try:
        chat.open(live.web_url)
        panel = chat.page.locator("#tc-panel")
        expect(panel).to_be_visible()
        assert panel.bounding_box() == {"x": 0, "y": 0, "width": 360, "height": 640}
        chat.expect_message(ASK_NAME)
        send = chat.page.get_by_role("button", name="Enviar")
        for control in (chat.input, send):
            box = control.bounding_box()
            assert box["y"] + box["height"] <= 640 and box["x"] + box["width"] <= 360
        chat.input.fill("me llamo Rosa")
        send.tap()
        chat.expect_message("Mucho gusto, Rosa.")
        chat.page.get_by_role("button", name="Minimizar el chat").tap()
        expect(chat.page.get_by_role("button", name="Chat de la Alcaldía")).to_be_visible()
        assert chat.problems == []
    finally:
        chat.context.close()


def test_screenshots_on_desktop_and_phone(browser, live, tmp_path):
    """The panel mid-conversation at both sizes; WIDGET_SCREENSHOTS=1 keeps them for the docs."""
    folder = DOCS if os.environ.get("WIDGET_SCREENSHOTS") else tmp_path
    for name, options in (
        ("desktop", {"viewport": {"width": 1280, "height": 800}}),
        ("phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                   "has_touch": True, "device_scale_factor": 2}),
    ):
        chat = new_chat(browser, live, **options)
        try:
            chat.open(live.web_url)
            chat.expect_message(ASK_NAME)
            chat.say("me llamo Ana María")
            chat.expect_message(HOW_CAN_HELP)
            chat.say("¿cómo pago el impuesto predial?")
            chat.expect_message(SATISFACTION)
            chat.page.get_by_role("button", name="Sí", exact=True).click()
            chat.expect_message(MORE_QUESTIONS)
            chat.page.wait_for_timeout(500)
            path = folder / f"widget-{name}.png"
            chat.page.screenshot(path=str(path))
            width = options["viewport"]["width"] * options.get("device_scale_factor", 1)
            header = path.read_bytes()[:24]
            assert header[:8] == b"\x89PNG\r\n\x1a\n"
            assert int.from_bytes(header[16:20], "big") == width
        finally:
            chat.context.close()


def test_an_expired_token_starts_a_new_conversation_without_an_error(chat, live):
    old = "0a" * 16
    yesterday = issue(old, secret_from_env(live.env), now=time.time() - 25 * 3600)
    seed_session(chat, old, yesterday)
    shown = [{"uid": "m1", "author": "bot", "text": "Una respuesta de ayer."}]
    chat.page.add_init_script(
        f"localStorage.getItem('tenjo-chat:transcript') || localStorage.setItem("
        f"'tenjo-chat:transcript', {json.dumps(json.dumps(shown))});")
    chat.open(live.web_url)
    chat.expect_message(ASK_NAME)
    assert chat.session_id() != old
    assert "Una respuesta de ayer." not in [text for _, text in chat.messages()]
    expect(chat.page.locator(".tc-connection")).to_be_hidden()


def test_a_kept_token_is_renewed_when_the_page_opens(chat, live):
    kept = "0b" * 16
    an_hour_ago = issue(kept, secret_from_env(live.env), now=time.time() - 3600)
    seed_session(chat, kept, an_hour_ago)
    chat.open(live.web_url)
    expect(chat.input).to_be_enabled()
    chat.page.wait_for_function(
        "old => JSON.parse(localStorage.getItem('tenjo-chat:token')) !== old",
        arg=an_hour_ago, timeout=REPLY_MS)
    assert chat.session_id() == kept, "the same conversation, with a renewed token"


def test_a_limited_address_reads_a_polite_notice_and_gets_in_later(chat, live):
    busy = "En este momento recibimos demasiadas solicitudes desde su conexión."
    refusals = []

    def refuse_once(route):
        if refusals:
            route.continue_()
            return
        refusals.append(route.request.url)
        route.fulfill(status=429, headers={"Retry-After": "2"},
                      json={"error": f"{busy} Por favor espere un minuto e intente de nuevo."})

    chat.page.route("**/chat/session", refuse_once)
    chat.open(live.web_url)
    expect(chat.page.locator(".tc-connection")).to_contain_text(busy)
    chat.expect_message(ASK_NAME)
    expect(chat.page.locator(".tc-connection")).to_be_hidden()
    assert len(refusals) == 1
