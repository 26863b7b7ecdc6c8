"""R1: console pages report the agent's presence; "ausente" is the agent's switch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from console_support import seed_handoff

from store.clock import system_clock
from store.db import session_for
from store.presence import available_count

WINDOW = timedelta(seconds=60)


def available(database_url) -> int:
    with session_for(database_url) as session:
        return available_count(session, system_clock(), WINDOW)


def test_nobody_is_available_before_a_page_reports(console, database_url):
    """Logging in is not enough: an open page reports."""
    assert available(database_url) == 0
    answer = console.post_json("/console/api/presence", {})
    assert answer.status_code == 200
    assert answer.get_json()["available"] is True
    assert available(database_url) == 1


def test_the_report_lists_the_waiting_handoffs(console, database_url, clock):
    """The answer carries what the page needs for the title and the alerts."""
    first = seed_handoff(database_url, "conv-a", citizen_name="Ana", at=clock.now)
    second = seed_handoff(database_url, "conv-b", citizen_name=None, at=clock.now)
    body = console.post_json("/console/api/presence", {}).get_json()
    assert [item["id"] for item in body["waiting"]] == [first, second]
    assert body["waiting"][0]["citizen_name"] == "Ana"
    assert set(body["waiting"][0]) == {"id", "citizen_name", "topic_words", "url"}
    assert body["serves_citizens"] is True and body["away"] is False


@pytest.mark.parametrize("how", ["form", "json"])
def test_away_and_back(console, database_url, how):
    """"Marcar ausente" takes the agent out of the hand-offs; "disponible" puts them back."""
    console.post_json("/console/api/presence", {})
    for value, expected in (("1", 0), ("0", 1)):
        if how == "json":
            answer = console.post_json("/console/presence/away", {"away": value})
            assert answer.status_code == 200
            assert answer.get_json()["away"] is (value == "1")
        else:
            page = console.client.get("/console/")
            answer = console.client.post(
                "/console/presence/away",
                data={"away": value, "csrf_token": console.token("/console/")},
                headers={"Referer": "http://localhost/console/seguimientos"},
            )
            assert answer.status_code == 302
            assert answer.headers["Location"].endswith("/console/seguimientos")
            assert page.status_code == 200
        assert available(database_url) == expected


@pytest.mark.parametrize("value", ["", "quizás", "<b>1</b>"])
def test_a_bad_away_value_changes_nothing(console, database_url, value):
    """A clear 400 in Spanish, and the agent stays available."""
    console.post_json("/console/api/presence", {})
    answer = console.post_json("/console/presence/away", {"away": value})
    assert answer.status_code == 400
    assert "ausente" in answer.get_json()["error"]
    assert available(database_url) == 1


def test_logging_out_ends_the_presence(console, database_url):
    """After "Cerrar sesión" the agent is not offered to citizens."""
    console.post_json("/console/api/presence", {})
    console.client.post("/console/logout", data={"csrf_token": console.token("/console/")})
    assert available(database_url) == 0


def test_anonymous_reports_are_refused(app, agents, database_url):
    """No session: refused, nobody becomes available."""
    answer = app.test_client().post("/console/api/presence", json={})
    assert answer.status_code in (400, 401)
    assert available(database_url) == 0


def test_the_page_shows_the_switch_and_loads_the_reporter(console):
    """Every page of an agent carries the presence switch and the reporting script."""
    html = console.client.get("/console/").get_data(as_text=True)
    assert 'id="presence-toggle"' in html and "Marcar ausente" in html
    assert "presence.js" in html and "presence-worker.js" in html


def test_logging_out_returns_the_chats_being_served(console, database_url, relay, clock):
    """Nobody is left waiting for an agent who left: the chat is back in the queue, in its
    place, and its citizen is told."""
    from store.handoffs import get_handoff

    handoff = seed_handoff(database_url, "conv-a", at=clock.now)
    assert console.take(handoff).status_code == 200
    relay.calls.clear()
    answer = console.client.post("/console/logout",
                                 data={"csrf_token": console.token("/console/")},
                                 follow_redirects=True)
    assert "volvieron a la cola de atención" in answer.get_data(as_text=True)
    assert relay.calls == [("conv-a", "EXTERNAL_handoff_returned", {})]
    with session_for(database_url) as session:
        assert get_handoff(session, handoff).status == "waiting"
