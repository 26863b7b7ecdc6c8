"""`POST /chat/session`: tokens renewed, expired, rotated, and limited per address."""

from __future__ import annotations

import time

import pytest

from channels.session_tokens import issue, session_of
from console import create_app
from console.settings import ConsoleSettings
from console.widget import TOO_MANY_SESSIONS

OLD_SECRET = "the-secret-before-the-rotation"
NEW_SECRET = "the-secret-after-the-rotation"
DAY = 24 * 3600


def app_client(**overrides):
    settings = ConsoleSettings(**{"chat_token_secret": NEW_SECRET, **overrides})
    return create_app(settings).test_client()


def ask(client, body=None, address="198.51.100.7"):
    return client.post("/chat/session", json=body or {}, environ_base={"REMOTE_ADDR": address})


def test_a_kept_token_is_renewed_for_the_same_conversation():
    client = app_client()
    issued_yesterday = issue("vecina-1", NEW_SECRET, now=time.time() - DAY + 60)
    renewed = ask(client, {"token": issued_yesterday}).json
    assert renewed["session_id"] == "vecina-1"
    assert renewed["token"] != issued_yesterday
    assert session_of(renewed["token"], NEW_SECRET, max_idle=120) == "vecina-1", "fresh"


@pytest.mark.parametrize(("age", "same"), [(DAY - 60, True), (DAY + 60, False)])
def test_a_token_unused_for_the_idle_limit_gets_a_new_conversation(age, same):
    client = app_client()
    token = issue("vecino-2", NEW_SECRET, now=time.time() - age)
    answer = ask(client, {"token": token})
    assert answer.status_code == 200
    assert (answer.json["session_id"] == "vecino-2") is same
    history = client.post("/chat/history", json={"token": token})
    assert (history.status_code == 401) is not same


def test_the_idle_limit_is_a_setting():
    client = app_client(chat_token_max_idle_seconds=60)
    token = issue("vecina-3", NEW_SECRET, now=time.time() - 120)
    assert ask(client, {"token": token}).json["session_id"] != "vecina-3"


def test_after_a_rotation_old_tokens_are_accepted_and_renewed_with_the_new_secret():
    client = app_client(chat_token_secret=f"{NEW_SECRET},{OLD_SECRET}")
    renewed = ask(client, {"token": issue("vecino-4", OLD_SECRET)}).json
    assert renewed["session_id"] == "vecino-4"
    assert session_of(renewed["token"], NEW_SECRET) == "vecino-4", "signed by the first"
    assert session_of(renewed["token"], OLD_SECRET) is None
    after = app_client(chat_token_secret=NEW_SECRET)
    assert ask(after, {"token": issue("vecino-4", OLD_SECRET)}).json["session_id"] != "vecino-4"


def test_a_flood_from_one_address_is_refused_politely_while_others_are_served():
    client = app_client(chat_sessions_per_minute=5)
    answers = [ask(client, address="198.51.100.7") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    refused = answers[-1]
    assert refused.json == {"error": TOO_MANY_SESSIONS}
    assert refused.headers["Retry-After"] == "60"
    assert "Access-Control-Allow-Origin" in refused.headers, "the widget can read it"
    assert ask(client, address="203.0.113.9").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited():
    client = app_client(chat_sessions_per_minute=2, trusted_proxies=1)

    def via_proxy(citizen):
        return client.post("/chat/session", json={}, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                           headers={"X-Forwarded-For": citizen}).status_code

    assert [via_proxy("198.51.100.7") for _ in range(3)] == [200, 200, 429]
    assert via_proxy("203.0.113.9") == 200, "the proxy's own address is not what counts"
