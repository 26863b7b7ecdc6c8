"""R2 on the citizen's side: the widget reads whether it waits or is served, and when the
agent types (POST /chat/status with the conversation's token)."""

from __future__ import annotations

import pytest
from console_support import seed_handoff

from channels.session_tokens import issue


@pytest.fixture
def status(app, settings):
    client = app.test_client()

    def ask(conversation_id: str, token: str | None = None):
        token = token if token is not None else issue(conversation_id,
                                                       settings.chat_token_secret)
        return client.post("/chat/status", json={"token": token})

    return ask


def test_no_handoff(status):
    assert status("conv-a").get_json() == {
        "handoff": None, "position": 0, "agent_name": "", "agent_writing": False}


def test_waiting_then_taken_then_writing_then_quiet(status, console, database_url, clock):
    """The place in line, then the agent's name, then "writing" for a few seconds."""
    seed_handoff(database_url, "conv-first", at=clock.now)
    handoff = seed_handoff(database_url, "conv-a", at=clock.now)
    assert status("conv-a").get_json()["handoff"] == "waiting"
    assert status("conv-a").get_json()["position"] == 2
    assert console.take(handoff).status_code == 200
    body = status("conv-a").get_json()
    assert (body["handoff"], body["agent_name"], body["agent_writing"]) == (
        "taken", "Ana Rodríguez", False)
    assert console.post_json(f"/console/handoffs/{handoff}/typing").status_code == 204
    assert status("conv-a").get_json()["agent_writing"] is True
    clock.advance(7)
    assert status("conv-a").get_json()["agent_writing"] is False


def test_only_the_serving_agent_can_signal_typing(console, other_console, database_url, clock):
    """Another agent: 403, and nothing is recorded."""
    handoff = seed_handoff(database_url, "conv-a", at=clock.now)
    assert console.take(handoff).status_code == 200
    assert other_console.post_json(f"/console/handoffs/{handoff}/typing").status_code == 403


@pytest.mark.parametrize("token", ["", "x.y.z", "forged"])
def test_a_bad_token_reads_nothing(status, token):
    answer = status("conv-a", token=token)
    assert answer.status_code in (400, 401)
    assert "error" in answer.get_json()


def test_a_malformed_body_is_400(app):
    assert app.test_client().post("/chat/status", data="no json").status_code == 400


def test_an_agent_message_restarts_the_citizens_silence(console, database_url, clock):
    """P3 with an agent: the citizen has something to answer, so the silence counts anew."""
    from datetime import timedelta

    from store.activity import activity_of, touch
    from store.clock import system_clock
    from store.db import session_for

    handoff = seed_handoff(database_url, "conv-a", at=clock.now)
    long_ago = system_clock() - timedelta(minutes=10)
    with session_for(database_url) as session:
        touch(session, "conv-a", long_ago)
    assert console.take(handoff).status_code == 200
    assert console.reply(handoff, "Buenos días, ya reviso su caso.").status_code == 201
    with session_for(database_url) as session:
        assert activity_of(session, "conv-a").last_activity_at > long_ago + timedelta(minutes=9)
