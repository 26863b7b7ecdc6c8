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
from tests.live_clients import SocketCitizen

pytestmark = pytest.mark.stack

GREETING = "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."
ASK_NAME = "¿Me puede indicar su nombre, por favor?"


def post(live, body: bytes, content_type: str = "application/json") -> tuple[int, object]:
    request = urllib.request.Request(
        f"{live.rasa_url}/webhooks/rest/webhook", data=body,
        headers={"Content-Type": content_type},
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
    status, payload = post(live, json.dumps({"sender": sender, "message": message}).encode())
    assert status == 200
    assert [t for t in texts_of(payload) if expected in t]
    assert live.texts(sender, "hola") == [GREETING, ASK_NAME], "the conversation goes on"


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
    status, payload = post(live, json.dumps({"sender": sender, "message": message}).encode())
    assert status == 200 and texts_of(payload), "answered, in words"
    assert texts_of(payload)[0] == GREETING, "the first message of a conversation is greeted"


def test_rest_flood_is_slowed_politely_and_others_are_served(live, sender):
    answers = [texts_of(post(live, json.dumps({"sender": sender, "message": f"hola {i}"})
                             .encode())[1]) for i in range(50)]
    slowed = [a for a in answers if a == [TOO_FAST]]
    assert len(slowed) >= 30
    assert live.texts(f"{sender}-neighbour", "hola") == [GREETING, ASK_NAME]


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


def test_socketio_forged_session_id_gets_a_fresh_one(live):
    import queue

    import socketio

    confirmed: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("session_confirm", confirmed.put)
    client.connect(live.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": "../../../etc/passwd"})
        given = confirmed.get(timeout=15)
        assert given != "../../../etc/passwd" and len(given) == 32
    finally:
        client.disconnect()


@pytest.mark.parametrize(("origin", "accepted"), [("https://evil.example", False),
                                                   ("web-app", True)])
def test_socketio_only_from_the_allowed_sites(live, origin, accepted):
    import socketio

    origin = live.web_url if origin == "web-app" else origin
    client = socketio.Client(reconnection=False)
    try:
        client.connect(live.rasa_url, socketio_path="/socket.io", transports=["polling"],
                       headers={"Origin": origin})
        connected = True
    except socketio.exceptions.ConnectionError:
        connected = False
    finally:
        client.disconnect()
    assert connected is accepted
