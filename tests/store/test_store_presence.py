"""Agents' presence (R1): available while a page reported recently, active, not away."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store.agents import create_agent
from store.db import update_if
from store.models import Agent
from store.presence import available_count, is_available, leave, report_presence, set_away
from tests.store.moments import minutes

WINDOW = timedelta(seconds=60)


@pytest.fixture
def agent(session):
    return create_agent(session, "lmora", "Laura Mora", "h", minutes(0))


def _fresh(session, agent):
    session.expire_all()
    return session.get(Agent, agent.id)


def test_nobody_reported_nobody_available(session, agent):
    """A new account is not available until one of its pages reports."""
    assert available_count(session, minutes(1), WINDOW) == 0
    assert not is_available(_fresh(session, agent), minutes(1), WINDOW)


@pytest.mark.parametrize(
    "seen_seconds_ago, available",
    [(0, True), (59, True), (60, True), (61, False), (600, False)],
)
def test_the_report_counts_for_one_window(session, agent, seen_seconds_ago, available):
    """Reported within the window: available; older: not."""
    at = minutes(10)
    report_presence(session, agent.id, at - timedelta(seconds=seen_seconds_ago))
    assert available_count(session, at, WINDOW) == int(available)
    assert is_available(_fresh(session, agent), at, WINDOW) is available


@pytest.mark.parametrize("change", ["away", "inactive", "leave", "supervisor only", "editor only"])
def test_what_makes_an_agent_unavailable(session, agent, change):
    """Away, a deactivated account, a closed console, or no `agent` role: not available."""
    report_presence(session, agent.id, minutes(1))
    assert available_count(session, minutes(1), WINDOW) == 1
    if change == "away":
        set_away(session, agent.id, True)
    elif change == "inactive":
        update_if(session, Agent, (Agent.id == agent.id,), {"active": False})
    elif change == "leave":
        leave(session, agent.id)
    else:
        update_if(session, Agent, (Agent.id == agent.id,), {"roles": change.split()[0]})
    assert available_count(session, minutes(1), WINDOW) == 0
    assert not is_available(_fresh(session, agent), minutes(1), WINDOW)


def test_back_from_away(session, agent):
    """Switching "ausente" off makes the agent available again."""
    report_presence(session, agent.id, minutes(1))
    set_away(session, agent.id, True)
    set_away(session, agent.id, False)
    assert available_count(session, minutes(1), WINDOW) == 1


def test_every_available_agent_counts(session, agent):
    """Two agents with pages open, one of them also a supervisor: two available."""
    other = create_agent(session, "pgomez", "Pedro Gómez", "h", minutes(0))
    update_if(session, Agent, (Agent.id == other.id,), {"roles": "supervisor agent"})
    report_presence(session, agent.id, minutes(1))
    report_presence(session, other.id, minutes(1))
    assert available_count(session, minutes(1), WINDOW) == 2
