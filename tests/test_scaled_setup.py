"""`make run-scaled` smoke test: nginx, two Rasa and two action servers, PostgreSQL, Redis.

The session's scaled stack (tests/conftest.py: `scaled`, on free ports, a fresh
PostgreSQL database and Redis); every request goes through nginx.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

from tests import live_clients as clients
from tests.live_clients import SocketCitizen, replica_for
from tests.protocol_texts import DATA_NOTICE, NOTICE_AND_ASK_NAME
from tools.scaled import ScaledStack

pytestmark = pytest.mark.stack

GREETING = "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."
ASK_NAME = "¿Me puede indicar su nombre, por favor?"


def new_session(scaled: ScaledStack) -> tuple[str, str]:
    """A conversation id and its token, from the web app's `POST /chat/session` via nginx."""
    return clients.new_session(scaled.front_url)


def rest_texts(scaled: ScaledStack, session_id: str, token: str, message: str) -> list[str]:
    """The bot's texts for one message on the REST channel, through nginx."""
    response = requests.post(
        f"{scaled.front_url}/webhooks/rest/webhook",
        json={"sender": session_id, "message": message},
        headers={"Authorization": f"Bearer {token}"}, timeout=60,
    )
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json() if "text" in m]


def test_the_front_serves_the_web_app(scaled):
    health = requests.get(f"{scaled.front_url}/healthz", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    for path in ("/", "/reglas", "/console/login", "/widget.js"):
        assert requests.get(f"{scaled.front_url}{path}", timeout=10).status_code == 200, path
    config = requests.get(f"{scaled.front_url}/chat/config.json", timeout=10).json()
    assert config["socket_url"] == scaled.front_url, "the widget's socket goes through nginx"


def test_rasas_http_api_is_not_public(scaled):
    for method, path in (
        ("GET", "/conversations/x/tracker?token=test-token"),
        ("POST", "/model/parse?token=test-token"),
        ("GET", "/status?token=test-token"),
        ("GET", "/version"),
        ("GET", "/nginx-health"),
    ):
        response = requests.request(method, f"{scaled.front_url}{path}", json={}, timeout=10)
        assert response.status_code == 404, (method, path)
    # It is only on loopback: each replica, and nginx's front for the web app.
    for url in (scaled.api_url, scaled.rasa_url("rasa-a"), scaled.rasa_url("rasa-b")):
        assert "Hello from Rasa" in requests.get(f"{url}/", timeout=10).text


def test_the_metrics_are_not_public(scaled):
    """/metrics answers on the web app's loopback port, never through the public front."""
    for path in ("/metrics", "//metrics", "/metrics?x=1", "/metrics/"):
        assert requests.get(f"{scaled.front_url}{path}", timeout=10).status_code == 404, path
    direct = requests.get(f"http://127.0.0.1:{scaled.env['WEB_PORT']}/metrics", timeout=30)
    assert direct.status_code == 200 and "tenjo_turns_total" in direct.text


def test_a_rest_message_through_nginx_is_answered(scaled):
    session_id, token = new_session(scaled)
    assert rest_texts(scaled, session_id, token, "hola") == [GREETING, DATA_NOTICE, ASK_NAME]


def test_the_web_app_reads_the_tracker_through_nginx(scaled):
    session_id, token = new_session(scaled)
    rest_texts(scaled, session_id, token, "hola")
    response = requests.post(f"{scaled.front_url}/chat/history", json={"token": token},
                             headers={"Origin": scaled.front_url}, timeout=30)
    assert response.status_code == 200, response.text
    bot = [m["text"] for m in response.json() if m["author"] == "bot"]
    assert bot == [GREETING, DATA_NOTICE, ASK_NAME]


def test_the_tracker_is_in_postgresql(scaled):
    session_id, token = new_session(scaled)
    rest_texts(scaled, session_id, token, "hola")
    engine = create_engine(scaled.env["DATABASE_URL"], future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": session_id},
            ).all()
    finally:
        engine.dispose()
    bot_texts = [json.loads(data).get("text") for kind, data in rows if kind == "bot"]
    assert "user" in [kind for kind, _ in rows]
    assert bot_texts[-2:] == [GREETING, NOTICE_AND_ASK_NAME]  # one stored text


def test_two_tabs_land_on_two_replicas_and_stay_there(scaled):
    tabs: dict[str, str] = {}
    for _ in range(40):
        lb = uuid.uuid4().hex[:12]
        tabs.setdefault(replica_for(scaled.front_url, lb), lb)
        if len(tabs) == 2:
            break
    assert sorted(tabs) == ["rasa-a", "rasa-b"], "the lb values spread over both replicas"
    citizens = []
    try:
        for replica in ("rasa-a", "rasa-b"):
            session_id, token = new_session(scaled)
            citizens.append(SocketCitizen(scaled.front_url, session_id, token=token,
                                          lb=tabs[replica], transport="polling"))
        for citizen in citizens:
            assert citizen.say("hola")[-1] == ASK_NAME
    finally:
        for citizen in citizens:
            citizen.close()
    log = scaled.access_log.read_text()
    for replica, lb in tabs.items():
        port = scaled.specs[replica].env["RASA_PORT"]
        upstreams = re.findall(rf"lb={lb}\b.*upstream=(\S+) ", log)
        assert len(upstreams) >= 3, "the handshake, the connection and its polling requests"
        assert set(upstreams) == {f"127.0.0.1:{port}"}, f"every request of {lb} on {replica}"


def test_the_widget_works_through_nginx_and_upgrades_to_a_websocket(scaled):
    """The real widget in Debian's chromium, served by nginx: its token from
    `/chat/session`, sticky long polling with its `lb` key, then the websocket."""
    from types import SimpleNamespace

    from tests.browser import chromium
    from tests.widget.test_widget_browser import new_chat

    opened: list[str] = []
    with chromium() as browser:
        chat = new_chat(browser, SimpleNamespace(rasa_url=scaled.api_url),
                        viewport={"width": 1280, "height": 800})
        chat.page.on("websocket", lambda socket: opened.append(socket.url))
        try:
            chat.open(scaled.front_url)
            chat.expect_message(ASK_NAME)
            chat.say("me llamo Rosa")
            chat.expect_message("Mucho gusto, Rosa.")
            assert chat.received_texts()[-1] == "me llamo Rosa"
            assert [url for url in opened
                    if "/socket.io/" in url and "transport=websocket" in url and "lb=" in url]
            assert chat.problems == []
        finally:
            chat.context.close()
