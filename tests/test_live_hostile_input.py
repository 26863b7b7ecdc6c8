"""Hostile input on the public channels of the real Rasa server (docs/hostile-input.md).

Each input gets a polite answer or a 4xx, never a 500 or a crash, and the server
keeps answering everyone else.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from channels.guard import EMPTY, TOO_FAST
from tests.live_clients import NOT_A_BROWSER, SocketCitizen
from tests.protocol_texts import DATA_NOTICE

pytestmark = pytest.mark.stack

GREETING = "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."
ASK_NAME = "¿Me puede indicar su nombre, por favor?"


def post(live, body: bytes, content_type: str = "application/json",
         token: str | None = None) -> tuple[int, object]:
    """A raw REST request; with a token, as the holder of that session."""
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{live.rasa_url}/webhooks/rest/webhook", data=body, headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def texts_of(payload) -> list[str]:
    return [m["text"] for m in payload if "text" in m]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", EMPTY),
        ("   \t\n ", EMPTY),
        ("\u200b\u200d\ufeff", EMPTY),
        ("x" * 100_000, "demasiado largo"),
    ],
    ids=["empty", "whitespace", "zero-width-only", "100-KB"],
)
def test_rest_empty_or_oversized_gets_a_polite_answer(live, sender, message, expected):
    status, payload = post(live, json.dumps({"sender": sender, "message": message}).encode(),
                           token=live.token_of(sender))
    assert status == 200
    assert [t for t in texts_of(payload) if expected in t]
    assert live.texts(sender, "hola") == [GREETING, DATA_NOTICE, ASK_NAME], \
        "the conversation goes on"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'"hola"', b'{"message": "hola"}', b'{"sender": 42, "message": "x"}',
     json.dumps({"sender": "a" * 300, "message": "hola"}).encode(),
     json.dumps({"sender": "../../x", "message": "hola"}).encode()],
    ids=["malformed", "list", "string", "no-sender", "numeric-sender", "long-sender",
         "path-sender"],
)
def test_rest_malformed_requests_get_a_4xx(live, body):
    status, _ = post(live, body)
    assert 400 <= status < 500


@pytest.mark.parametrize(
    "message",
    ["hola\u200b buenos\u200d días", "<script>alert(1)</script> hola",
     "'; DROP TABLE events; -- hola", "😀😀😀", "مرحبا، أريد شهادة الإقامة",
     "hola\x00\x07 buenos días"],
    ids=["zero-width", "html", "sql", "emoji-only", "right-to-left", "control-chars"],
)
def test_rest_odd_text_is_just_text(live, sender, message):
    status, payload = post(live, json.dumps({"sender": sender, "message": message}).encode(),
                           token=live.token_of(sender))
    assert status == 200 and texts_of(payload), "answered, in words"
    assert texts_of(payload)[0] == GREETING, "the first message of a conversation is greeted"


def test_rest_flood_is_slowed_politely_and_others_are_served(live, sender):
    token = live.token_of(sender)
    answers = [texts_of(post(live, json.dumps({"sender": sender, "message": f"hola {i}"})
                             .encode(), token=token)[1]) for i in range(50)]
    slowed = [a for a in answers if a == [TOO_FAST]]
    assert len(slowed) >= 30
    assert live.texts(f"{sender}-neighbour", "hola") == [GREETING, DATA_NOTICE, ASK_NAME]


def test_socketio_bad_payloads_and_ids_do_not_break_the_channel(live, sender):
    citizen = SocketCitizen(live.rasa_url, sender)
    try:
        client = citizen._client
        client.emit("user_uttered", "solo texto")
        client.emit("user_uttered", {"message": "hola"})  # no session id
        client.emit("user_uttered", {"message": "hola", "session_id": "<script>"})
        client.emit("user_uttered", {"message": ["lista"], "session_id": sender})
        client.emit("user_uttered", {"message": "hola", "session_id": sender,
                                     "metadata": "{malformado"})
        texts = citizen.texts(quiet=3)
        assert GREETING in texts, "the valid message is answered"
        assert citizen.say("x" * 100_000)[0].startswith("Su mensaje es demasiado largo")
    finally:
        citizen.close()


@pytest.mark.parametrize("token", [None, "", "abc", "x" * 300, "victim.forged-signature",
                                   "{token}"], ids=["none", "empty", "junk", "long",
                                                    "forged", "another-sender"])
def test_rest_needs_the_token_of_its_own_sender(live, sender, token):
    victim = f"{sender}-victim"
    token = token.format(token=live.token_of(victim)) if token else token
    status, _ = post(live, json.dumps({"sender": sender, "message": "hola"}).encode(),
                     token=token)
    assert status == 401
    events = live.tracker(sender).get("events") or []
    assert not [e for e in events if e["event"] == "user"], "nothing reached Rasa"


def connect_raw(live, auth) -> tuple[object, list]:
    """A bare socket.io client; (client or the refusal with the server's reason, messages
    it receives)."""
    import socketio

    received: list = []
    refusals: list = []
    client = socketio.Client(reconnection=False, websocket_extra_options=NOT_A_BROWSER)
    client.on("bot_uttered", received.append)
    client.on("connect_error", refusals.append)
    try:
        client.connect(live.rasa_url, socketio_path="/socket.io", transports=["websocket"],
                       auth=auth)
    except socketio.exceptions.ConnectionError as refusal:
        return ConnectionRefusedError(f"{refusal}: {refusals}"), received
    return client, received


@pytest.mark.parametrize("auth", [None, {}, {"token": 42}, {"token": "abc.def"},
                                  {"token": "victim." + "A" * 43}],
                         ids=["no-auth", "no-token", "number", "junk", "forged-signature"])
def test_socketio_refuses_a_connection_without_a_valid_token(live, auth):
    outcome, _ = connect_raw(live, auth)
    assert isinstance(outcome, Exception) and "invalid_token" in str(outcome)


def test_a_known_session_id_gives_a_stranger_nothing(live, sender):
    """Stock Rasa: whoever sends a citizen's session id reads and writes that chat."""
    import queue

    victim = SocketCitizen(live.rasa_url, sender)
    stranger, overheard = connect_raw(live, {"token": live.token_of(f"{sender}-stranger")})
    try:
        confirmed: queue.Queue = queue.Queue()
        stranger.on("session_confirm", confirmed.put)
        stranger.emit("session_request", {"session_id": sender})
        assert confirmed.get(timeout=15) == f"{sender}-stranger", "bound to its own token"
        stranger.emit("user_uttered", {"message": "me llamo Intruso", "session_id": sender})
        assert victim.say("hola") == [GREETING, DATA_NOTICE, ASK_NAME]
        assert victim.say("me llamo Rosa")[0] == "Mucho gusto, Rosa."
        said = [e["text"] for e in live.tracker(sender)["events"] if e["event"] == "user"]
        assert "me llamo Intruso" not in said, "the stranger could not write into the chat"
        assert not [m for m in overheard if "Rosa" in (m.get("text") or "")], \
            "the stranger received none of the citizen's replies"
    finally:
        victim.close()
        stranger.disconnect()


@pytest.mark.parametrize(("origin", "accepted"), [("https://evil.example", False),
                                                   ("web-app", True)])
def test_socketio_only_from_the_allowed_sites(live, origin, accepted):
    import socketio

    origin = live.web_url if origin == "web-app" else origin
    client = socketio.Client(reconnection=False, websocket_extra_options=NOT_A_BROWSER)
    try:
        client.connect(live.rasa_url, socketio_path="/socket.io", transports=["websocket"],
                       headers={"Origin": origin}, auth={"token": live.token_of("origin")})
        connected = True
    except socketio.exceptions.ConnectionError:
        connected = False
    finally:
        client.disconnect()
    assert connected is accepted
