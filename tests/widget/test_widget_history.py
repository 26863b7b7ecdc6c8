"""The widget's server side: POST /chat/history (tracker → visible messages), config, rules."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from channels.session_tokens import issue, session_of
from console import create_app
from console.settings import ConsoleSettings
from console.widget import visible_history

SESSION = "0123456789abcdef0123456789abcdef"
CHAT_SECRET = "a-chat-secret-for-the-tests"
TOKEN = issue(SESSION, CHAT_SECRET)
SATISFACTION_BUTTONS = [{"title": "Sí", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def user(text, intent="greet", **metadata):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}},
            "metadata": metadata}


def bot(text=None, **data):
    return {"event": "bot", "text": text, "data": {"buttons": None, "custom": None, **data}}


OLD_SESSION = [
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    user("hola de ayer"),
    bot("Respuesta de ayer."),
]
TRACKER = {
    "sender_id": SESSION,
    "events": [
        *OLD_SESSION,
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        user("/greet", client_message_id="m-greet"),
        bot("Buenos días, cordial saludo por parte de la administración municipal de Tenjo."),
        bot("¿Me puede indicar su nombre, por favor?"),
        user("me llamo Ana", intent="inform_name", client_message_id="m-1"),
        {"event": "slot", "name": "nombre", "value": "Ana"},
        user("par de inútiles", intent="offensive", client_message_id="m-2"),
        bot("Para poder brindarle orientación, le pedimos el favor de no usar un lenguaje "
            "ofensivo."),
        user("vendo lotes, llame ya", intent="commercial"),
        user("EXTERNAL: EXTERNAL_agent_message", intent="EXTERNAL_agent_message"),
        bot("Sobre el impuesto predial: primer bloque.\n\nSegundo bloque con "
            "http://www.tenjo-cundinamarca.gov.co/."),
        bot("¿Es satisfactoria la respuesta?", buttons=SATISFACTION_BUTTONS),
        user("/affirm", intent="affirm", client_message_id="m-3"),
        bot("¿Tiene alguna otra consulta?", buttons=SATISFACTION_BUTTONS),
        user("/EXTERNAL_agent_message{\"message_id\": 1}", intent="EXTERNAL_agent_message"),
        user("<img src=x onerror=alert(1)>", intent="out_of_scope"),
        bot("Como no se respetaron las reglas del chat, damos por terminada esta conversación."),
        bot(None, custom={"chat_closed": {"reason": "conduct"}}),
    ],
}


def test_history_keeps_the_current_session_and_hides_what_the_citizen_never_saw():
    assert visible_history(TRACKER) == [
        {"author": "bot",
         "text": "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."},
        {"author": "bot", "text": "¿Me puede indicar su nombre, por favor?"},
        {"author": "citizen", "text": "me llamo Ana", "id": "m-1"},
        {"author": "bot", "text": "Para poder brindarle orientación, le pedimos el favor de no "
                                  "usar un lenguaje ofensivo."},
        {"author": "bot", "text": "Sobre el impuesto predial: primer bloque."},
        {"author": "bot", "text": "Segundo bloque con http://www.tenjo-cundinamarca.gov.co/."},
        {"author": "bot", "text": "¿Es satisfactoria la respuesta?",
         "buttons": SATISFACTION_BUTTONS},
        {"author": "citizen", "text": "Sí", "id": "m-3"},  # the button's title, not "/affirm"
        {"author": "bot", "text": "¿Tiene alguna otra consulta?", "buttons": SATISFACTION_BUTTONS},
        {"author": "citizen", "text": "<img src=x onerror=alert(1)>"},
        {"author": "bot", "text": "Como no se respetaron las reglas del chat, damos por "
                                  "terminada esta conversación."},
        {"author": "bot", "text": "", "closed": "conduct"},
    ]


@pytest.mark.parametrize("custom", [
    {"chat_closed": {"reason": "inactivity"}},
    {"data": {"chat_closed": {"reason": "inactivity"}}},
])
def test_a_closed_chat_is_marked_in_either_custom_shape(custom):
    tracker = {"events": [bot("Cerramos el chat por inactividad."), bot(None, custom=custom)]}
    assert visible_history(tracker)[-1] == {"author": "bot", "text": "", "closed": "inactivity"}


@pytest.mark.parametrize("tracker", [
    {}, {"events": None}, {"events": "x"}, {"events": [None, 3, {"event": "user"}]},
    {"events": [{"event": "bot", "data": "x", "text": "hola"}]},
    {"events": [{"event": "user", "text": "hola", "parse_data": "x", "metadata": "y"}]},
    {"events": [{"event": "bot", "text": "¿Sí?", "data": {"buttons": "x"}}]},
])
def test_odd_trackers_do_not_break_the_history(tracker):
    assert isinstance(visible_history(tracker), list)


def test_a_typed_command_is_hidden_and_an_old_button_does_not_leak_its_title():
    tracker = {"events": [bot("¿Es satisfactoria la respuesta?", buttons=SATISFACTION_BUTTONS),
                          user("sí", intent="affirm"), user("/affirm", intent="affirm")]}
    assert [m["text"] for m in visible_history(tracker)] == [
        "¿Es satisfactoria la respuesta?", "sí"]


# ------------------------------------------------------------------- the endpoint


class FakeRasa(BaseHTTPRequestHandler):
    trackers: dict[str, dict] = {}
    requests: list[str] = []
    status = 200

    def do_GET(self):  # noqa: N802 (http.server's naming)
        FakeRasa.requests.append(self.path)
        parts = urlsplit(self.path)
        conversation = parts.path.split("/")[2]
        token = parse_qs(parts.query).get("token")
        status = FakeRasa.status if token == ["s3cret"] else 401
        body = FakeRasa.trackers.get(conversation) or {
            "sender_id": conversation,
            "events": [{"event": "action", "name": "action_session_start"},
                       {"event": "session_started"},
                       {"event": "action", "name": "action_listen"}],
        }
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def client():
    FakeRasa.trackers = {SESSION: TRACKER}
    FakeRasa.requests = []
    FakeRasa.status = 200
    server = HTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = ConsoleSettings(
        rasa_url=f"http://127.0.0.1:{server.server_address[1]}", rasa_token="s3cret",
        rasa_port=5123, chat_token_secret=CHAT_SECRET,
    )
    yield create_app(settings).test_client()
    server.shutdown()
    server.server_close()


def test_history_of_a_conversation(client):
    response = client.post("/chat/history", json={"token": TOKEN})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json == visible_history(TRACKER)
    assert FakeRasa.requests == [f"/conversations/{SESSION}/tracker?token=s3cret"]


def test_an_unknown_conversation_has_no_history(client):
    response = client.post("/chat/history", json={"token": issue("f" * 32, CHAT_SECRET)})
    assert response.status_code == 200 and response.json == []


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[]", b"{}", b'{"token": 5}', b'{"token": null}',
    json.dumps({"session_id": SESSION}).encode(),
])
def test_a_malformed_body_is_400(client, body):
    response = client.post("/chat/history", data=body, content_type="application/json")
    assert response.status_code == 400
    assert FakeRasa.requests == []


@pytest.mark.parametrize("token", [
    "short", "../../version", "a" * 129, f"{SESSION}.{'A' * 43}",
    issue(SESSION, "another-secret-somewhere"),
], ids=["short", "path", "too-long", "bad-signature", "other-secret"])  # stable ids for xdist
def test_a_forged_token_reads_nothing(client, token):
    response = client.post("/chat/history", json={"token": token})
    assert response.status_code == 401 and "error" in response.json
    assert FakeRasa.requests == []


def test_a_new_session_comes_with_its_token(client):
    response = client.post("/chat/session", json={})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    session = response.json
    assert len(session["session_id"]) == 32
    assert session_of(session["token"], CHAT_SECRET) == session["session_id"]
    assert client.post("/chat/session").json["session_id"] != session["session_id"]


def test_a_valid_token_keeps_its_session_and_a_forged_one_gets_a_new_one(client):
    renewed = client.post("/chat/session", json={"token": TOKEN}).json
    assert renewed["session_id"] == SESSION
    assert session_of(renewed["token"], CHAT_SECRET) == SESSION
    forged = client.post("/chat/session", json={"token": f"{SESSION}.{'A' * 43}"}).json
    assert forged["session_id"] != SESSION


@pytest.mark.parametrize("body", [b"not json", b"[]", b'"x"'])
def test_a_malformed_session_request_is_400(client, body):
    response = client.post("/chat/session", data=body, content_type="application/json")
    assert response.status_code in (200, 400)
    if body == b"not json":
        assert response.status_code == 200, "no JSON at all: a new session, as for {}"
    else:
        assert response.status_code == 400


def test_the_session_id_never_goes_in_a_url(client):
    assert client.get("/chat/history", query_string={"token": TOKEN}).status_code == 405
    assert client.get("/chat/session").status_code == 405


def test_rasa_down_or_refusing_is_503_without_the_id_in_the_log(client, caplog):
    FakeRasa.status = 500
    response = client.post("/chat/history", json={"token": TOKEN})
    assert response.status_code == 503 and "error" in response.json
    assert SESSION not in caplog.text


def test_history_needs_no_csrf_token_and_allows_other_sites(client):
    preflight = client.options("/chat/history", headers={"Origin": "https://www.tenjo.gov.co"})
    assert preflight.status_code == 204
    assert client.options("/chat/session").status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_config_points_to_rasa_on_the_page_host(client):
    config = client.get("/chat/config.json", base_url="https://www.tenjo.example").json
    assert config == {"socket_url": "https://www.tenjo.example:5123", "socket_path": "/socket.io"}


def test_widget_pages_allow_the_socket_and_nothing_inline(client):
    page = client.get("/", base_url="http://127.0.0.1:8000")
    assert page.status_code == 200
    assert '<script src="/widget.js" defer></script>' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:5123 ws://127.0.0.1:5123" in policy
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert client.get("/widget.js").status_code == 200
    assert client.get("/widget/widget.css").status_code == 200
    assert client.get("/widget/../settings.py").status_code == 404


def test_the_console_keeps_its_own_policy(client):
    policy = client.get("/console/login").headers["Content-Security-Policy"]
    assert "connect-src 'self';" in policy and "5123" not in policy


def test_the_chat_rules_page(client):
    page = client.get("/reglas")
    assert page.status_code == 200
    assert "El chat institucional orienta en tiempo real" in page.text
    assert "no utilizar palabras obscenas" in page.text
    # the protocol's full terms (4.1, 4.2; issue 18)
    assert "exclusiva responsabilidad civil y penal de quien lo envía" in page.text
    assert "a su criterio" in page.text
    assert "modificar las reglas de uso del chat en cualquier momento" in page.text


def test_socket_url_setting():
    env = {"CHAT_SOCKET_URL": "https://chat.tenjo.example:8443/", "RASA_PORT": "5999"}
    settings = ConsoleSettings.from_env(env)
    assert settings.chat_socket_url == "https://chat.tenjo.example:8443"
    assert settings.rasa_port == 5999
    with pytest.raises(ValueError, match="CHAT_SOCKET_URL"):
        ConsoleSettings.from_env({"CHAT_SOCKET_URL": "chat.tenjo.example"})
    with pytest.raises(ValueError, match="CHAT_ALLOWED_ORIGINS"):
        ConsoleSettings.from_env({"CHAT_ALLOWED_ORIGINS": "https://a.example/path"})
    assert ConsoleSettings.from_env(
        {"CHAT_ALLOWED_ORIGINS": "https://a.example, https://b.example"}
    ).chat_allowed_origins == ("https://a.example", "https://b.example")
