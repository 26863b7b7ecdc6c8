"""Repository functions for agents' accounts (the password hash is made by the console)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Agent


class AgentExists(ValueError):
    """An account with that username already exists."""


def create_agent(
    session: Session, username: str, display_name: str, password_hash: str, at: datetime
) -> Agent:
    """Creates an active account; AgentExists when the username is taken."""
    username = username.strip().lower()
    if not username:
        raise ValueError("the username is empty")
    if agent_by_username(session, username) is not None:
        raise AgentExists(f"the agent {username!r} already exists")
    agent = Agent(
        username=username, display_name=display_name.strip() or username,
        password_hash=password_hash, active=True, created_at=at,
    )
    session.add(agent)
    session.commit()
    return agent


def agent_by_username(session: Session, username: str) -> Agent | None:
    """The account with that username, active or not."""
    return session.scalars(select(Agent).where(Agent.username == username.strip().lower())).first()


def get_agent(session: Session, agent_id: int) -> Agent | None:
    """One account by id."""
    return session.get(Agent, agent_id)


def set_password_hash(session: Session, agent: Agent, password_hash: str) -> None:
    """Replaces an account's password hash (rehash on login, or a reset)."""
    agent.password_hash = password_hash
    session.commit()
