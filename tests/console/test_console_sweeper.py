"""P14: hand-offs nobody took in time expire, and the bot is told once."""

from __future__ import annotations

import time
from dataclasses import replace

from console_support import seed_handoff

from console.sweeper import Sweeper, expire_overdue_handoffs
from store.db import session_for
from store.handoffs import get_handoff


def statuses(database_url, *ids):
    with session_for(database_url) as session:
        return [get_handoff(session, i).status for i in ids]


def test_only_overdue_waiting_handoffs_expire_and_once(console, settings, relay, clock,
                                                       database_url):
    old = seed_handoff(database_url, "conv-old", at=clock.now)
    served = seed_handoff(database_url, "conv-served", at=clock.now)
    assert console.take(served).status_code == 200
    clock.advance(200)
    recent = seed_handoff(database_url, "conv-recent", at=clock.now)
    clock.advance(101)  # old: 301 s > 300 s; recent: 101 s
    relay.calls.clear()

    assert expire_overdue_handoffs(settings, relay) == [old]
    assert relay.calls == [("conv-old", "EXTERNAL_handoff_expired", {})]
    assert expire_overdue_handoffs(settings, relay) == []
    assert relay.calls == [("conv-old", "EXTERNAL_handoff_expired", {})]
    assert statuses(database_url, old, served, recent) == ["expired", "taken", "waiting"]


def test_relay_failure_does_not_stop_the_expiry(settings, relay, clock, database_url):
    first = seed_handoff(database_url, "conv-a", at=clock.now)
    second = seed_handoff(database_url, "conv-b", at=clock.now)
    clock.advance(301)
    relay.failing = True
    assert expire_overdue_handoffs(settings, relay) == [first, second]
    assert statuses(database_url, first, second) == ["expired", "expired"]


def test_sweeper_thread_keeps_running_after_an_error(settings, relay, clock, database_url):
    seed_handoff(database_url, "conv-a", at=clock.now)
    clock.advance(301)
    calls = {"n": 0}
    real_clock = settings.clock

    def flaky_clock():
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("first round fails")
        return real_clock()

    sweeper = Sweeper(replace(settings, clock=flaky_clock, sweep_interval_seconds=0.05), relay)
    sweeper.start()
    try:
        deadline = time.monotonic() + 5
        while not relay.calls and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sweeper.stop()
    assert relay.intents() == ["EXTERNAL_handoff_expired"]
    assert calls["n"] >= 2
    assert not sweeper._thread.is_alive()


def test_inactivity_prompt_then_close_each_once(settings, relay, clock, database_url):
    from datetime import timedelta

    from console.sweeper import check_inactivity
    from store.activity import touch

    start = clock.now
    with session_for(database_url) as session:
        touch(session, "conv-silent", start)
        touch(session, "conv-talking", start + timedelta(seconds=100))
    assert check_inactivity(settings, relay, now=start + timedelta(seconds=59)) == {
        "prompted": [], "closed": []}
    assert check_inactivity(settings, relay, now=start + timedelta(seconds=60)) == {
        "prompted": ["conv-silent"], "closed": []}
    assert check_inactivity(settings, relay, now=start + timedelta(seconds=120)) == {
        "prompted": [], "closed": ["conv-silent"]}
    assert relay.calls == [("conv-silent", "EXTERNAL_inactivity_prompt", {}),
                           ("conv-silent", "EXTERNAL_inactivity_close", {})]


def test_inactivity_step_retried_when_rasa_is_down(settings, relay, clock, database_url):
    from datetime import timedelta

    from console.sweeper import check_inactivity
    from store.activity import touch

    start = clock.now
    with session_for(database_url) as session:
        touch(session, "conv-silent", start)
    relay.failing = True
    assert check_inactivity(settings, relay, now=start + timedelta(seconds=61))["prompted"] == []
    relay.failing = False
    assert check_inactivity(settings, relay, now=start + timedelta(seconds=62)) == {
        "prompted": ["conv-silent"], "closed": []}
