"""Agents' presence (R1): who can take a hand-off right now.

An agent is available while one of their console pages is open and has reported
within the presence window, the account is active, and they did not set
themselves "ausente". The pages report through the console (console/presence.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.db import update_if
from store.models import Agent


def report_presence(session: Session, agent_id: int, at: datetime) -> None:
    """A console page of the agent is open now."""
    update_if(session, Agent, (Agent.id == agent_id,), {"last_seen_at": at})


def leave(session: Session, agent_id: int) -> None:
    """The agent closed the last page or logged out: not available until the next report."""
    update_if(session, Agent, (Agent.id == agent_id,), {"last_seen_at": None})


def set_away(session: Session, agent_id: int, away: bool) -> None:
    """The agent's own "ausente" switch."""
    update_if(session, Agent, (Agent.id == agent_id,), {"away": away})


def _available(at: datetime, window: timedelta):
    return (
        Agent.active.is_(True),
        Agent.away.is_(False),
        Agent.last_seen_at.is_not(None),
        Agent.last_seen_at >= at - window,
        # Serving citizens is the `agent` role (roles are space-separated words).
        (" " + Agent.roles + " ").like("% agent %"),
    )


def available_count(session: Session, at: datetime, window: timedelta) -> int:
    """How many agents can take a hand-off now."""
    return int(session.scalar(select(func.count(Agent.id)).where(*_available(at, window))) or 0)


def is_available(agent: Agent, at: datetime, window: timedelta) -> bool:
    """The same test as `available_count`, for one account already loaded."""
    seen = agent.last_seen_at
    return bool(
        agent.active and not agent.away and agent.has_role("agent")
        and seen is not None and seen >= at - window
    )
