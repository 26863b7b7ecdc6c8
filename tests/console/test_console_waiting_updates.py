"""R2: a citizen waiting for an agent hears from the bot every HANDOFF_UPDATE_SECONDS."""

from __future__ import annotations

from console_support import seed_handoff

from console.sweeper import send_waiting_updates
from store.db import session_for
from store.handoffs import get_handoff

UPDATE = ("EXTERNAL_handoff_waiting", {})


def test_each_waiting_citizen_is_updated_once_per_interval(console, settings, relay, clock,
                                                           database_url):
    """60 s after the request, then every 60 s; never twice in one interval."""
    first = seed_handoff(database_url, "conv-a", at=clock.now)
    clock.advance(30)
    second = seed_handoff(database_url, "conv-b", at=clock.now)
    relay.calls.clear()
    clock.advance(29)  # a: 59 s
    assert send_waiting_updates(settings, relay) == []
    clock.advance(1)  # a: 60 s, b: 30 s
    assert send_waiting_updates(settings, relay) == [first]
    assert send_waiting_updates(settings, relay) == []
    clock.advance(30)  # a: 30 s since its update, b: 60 s
    assert send_waiting_updates(settings, relay) == [second]
    clock.advance(30)
    assert send_waiting_updates(settings, relay) == [first]
    assert relay.calls == [("conv-a", *UPDATE), ("conv-b", *UPDATE), ("conv-a", *UPDATE)]


def test_taken_and_closed_handoffs_get_no_update(console, settings, relay, clock, database_url):
    """Only waiting citizens are updated."""
    taken = seed_handoff(database_url, "conv-taken", at=clock.now)
    waiting = seed_handoff(database_url, "conv-waiting", at=clock.now)
    assert console.take(taken).status_code == 200
    clock.advance(61)
    assert send_waiting_updates(settings, relay) == [waiting]


def test_an_update_rasa_could_not_take_is_sent_at_the_next_sweep(settings, relay, clock,
                                                                 database_url):
    """The claim is undone when the relay fails: nothing is skipped."""
    handoff = seed_handoff(database_url, "conv-a", at=clock.now)
    clock.advance(61)
    relay.failing = True
    assert send_waiting_updates(settings, relay) == []
    with session_for(database_url) as session:
        assert get_handoff(session, handoff).update_sent_at is None
    relay.failing = False
    assert send_waiting_updates(settings, relay) == [handoff]
