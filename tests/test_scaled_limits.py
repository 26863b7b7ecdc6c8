"""nginx's per-address limits in the scaled layout (deploy/nginx.conf.template): a flood
from one address (127.0.0.2) is stopped at nginx while a citizen at another address
(127.0.0.1) is answered normally.

The limits are the settings' defaults: 20 new conversations a minute (burst 20), 120
REST messages a minute (burst 120), 2 × 30 open socket.io connections.
"""

from __future__ import annotations

import re

import pytest
import requests
import websocket

from tests import live_clients as clients
from tests.live_clients import assert_a_citizen_is_answered, engineio_socket, http_from

pytestmark = pytest.mark.stack

FLOOD = "127.0.0.2"
POLITE = "En este momento recibimos demasiadas solicitudes desde su conexión."


def nginx_limited(scaled, zone: str) -> bool:
    """Whether nginx's error log names a refusal of the flooding address in `zone`."""
    log = (scaled.nginx_prefix / "logs" / "error.log").read_text(errors="replace")
    return bool(re.search(rf'limiting (requests|connections).*zone "{zone}", client: {FLOOD}',
                          log))


def test_new_conversations_from_one_address_stop_at_nginx(scaled):
    flood = http_from(FLOOD)
    answers = [flood.post(f"{scaled.front_url}/chat/session", json={}, timeout=10)
               for _ in range(45)]
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) <= 25 and statuses[-1] == 429, statuses
    assert answers[-1].json()["error"].startswith(POLITE)
    assert nginx_limited(scaled, "chat_sessions")
    assert_a_citizen_is_answered(scaled.front_url, scaled.front_url, lb="citizen")


def test_rest_messages_from_one_address_stop_at_nginx(scaled):
    flood = http_from(FLOOD)
    statuses = [flood.post(f"{scaled.front_url}/webhooks/rest/webhook",
                           json={"sender": "flood", "message": "hola"}, timeout=10).status_code
                for _ in range(140)]
    assert statuses[0] == 401 and statuses[-1] == 429, "Rasa refused the first, nginx the last"
    assert nginx_limited(scaled, "chat_messages")
    session_id, token = clients.new_session(scaled.front_url)
    answer = requests.post(f"{scaled.front_url}/webhooks/rest/webhook",
                           json={"sender": session_id, "message": "hola"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)
    # the greeting, the data notice and the name question
    assert answer.status_code == 200 and len(answer.json()) == 3


def test_open_connections_from_one_address_stop_at_nginx(scaled):
    held = []
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            for number in range(61):
                held.append(engineio_socket(scaled.front_url, FLOOD, lb=f"flood-{number}"))
        assert refused.value.status_code == 429
        assert len(held) == 60, "two replicas' worth of connections, then nginx refused"
        assert nginx_limited(scaled, "chat_connections")
        assert_a_citizen_is_answered(scaled.front_url, scaled.front_url, lb="citizen")
    finally:
        for socket in held:
            socket.close()
