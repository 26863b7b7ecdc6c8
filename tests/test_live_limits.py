"""Per-address limits of the real stack, without nginx: a flood from one address is
refused politely while a citizen at another address is answered normally.

The `limited` stack allows 5 `POST /chat/session` per minute, 3 open socket.io
connections and 6 messages per minute per address. The flood comes from 127.0.0.2,
the citizen from 127.0.0.1 (two addresses of Linux's loopback).
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests
import socketio

from channels.guard import TOO_MANY_FROM_ADDRESS
from channels.session_tokens import issue, secret_from_env
from console.widget import TOO_MANY_SESSIONS
from tests.live_clients import SocketCitizen, assert_a_citizen_is_answered, http_from

FLOOD = "127.0.0.2"


def test_new_conversations_from_one_address_are_limited(limited):
    flood = http_from(FLOOD)
    answers = [flood.post(f"{limited.web_url}/chat/session", json={}, timeout=10)
               for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    assert answers[-1].json() == {"error": TOO_MANY_SESSIONS}
    assert_a_citizen_is_answered(limited.web_url, limited.rasa_url)


def test_open_connections_from_one_address_are_limited_and_released(limited):
    def connect_from_flood():
        session_id = f"flood-{uuid.uuid4().hex}"
        return SocketCitizen(limited.rasa_url, session_id, source=FLOOD)

    held = [connect_from_flood() for _ in range(3)]
    try:
        with pytest.raises(socketio.exceptions.ConnectionError, match="too_many_connections"):
            connect_from_flood()
        assert_a_citizen_is_answered(limited.web_url, limited.rasa_url)
        held.pop().close()
        deadline = time.monotonic() + 10
        while True:  # the server learns of the closed connection a moment later
            try:
                held.append(connect_from_flood())
                break
            except socketio.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "a closed connection was never released"
                time.sleep(0.2)
    finally:
        for citizen in held:
            citizen.close()


def test_messages_from_one_address_are_limited_whatever_their_conversations(limited):
    flood = http_from(FLOOD)
    secret = secret_from_env(limited.env)
    replies = []
    for number in range(8):
        sender = f"flood-{number}-{uuid.uuid4().hex}"
        answer = flood.post(f"{limited.rasa_url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": "hola"},
                            headers={"Authorization": f"Bearer {issue(sender, secret)}"},
                            timeout=60)
        replies.append([m.get("text") for m in answer.json()])
    assert all(TOO_MANY_FROM_ADDRESS not in texts for texts in replies[:6])
    assert replies[6:] == [[TOO_MANY_FROM_ADDRESS]] * 2
    assert_a_citizen_is_answered(limited.web_url, limited.rasa_url)


def test_an_expired_token_opens_nothing(limited):
    secret = secret_from_env(limited.env)
    stale = issue("vecina-de-ayer", secret, now=time.time() - 25 * 3600)
    with pytest.raises(socketio.exceptions.ConnectionError, match="invalid_token"):
        SocketCitizen(limited.rasa_url, "vecina-de-ayer", token=stale)
    answer = requests.post(f"{limited.rasa_url}/webhooks/rest/webhook",
                           json={"sender": "vecina-de-ayer", "message": "hola"},
                           headers={"Authorization": f"Bearer {stale}"}, timeout=30)
    assert answer.status_code == 401
    renewed = requests.post(f"{limited.web_url}/chat/session", json={"token": stale},
                            timeout=10).json()
    assert renewed["session_id"] != "vecina-de-ayer", "a new conversation instead"
