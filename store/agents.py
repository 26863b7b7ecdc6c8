"""Repository functions for agents' accounts (the password hash is made by the console).

An account's roles are a set of `ROLES`, stored as words separated by spaces in
their canonical order. Every change an agent or the command line makes to an
account (creation, deactivation, reactivation, password reset, roles) records one
`AuditRecord` (store/audit.py) in the same transaction; a rehash on login is not
an account action and records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import audit
from store.handoffs import TAKEN
from store.models import Agent, Handoff

AGENT, SUPERVISOR, EDITOR = "agent", "supervisor", "editor"
ROLES = (AGENT, SUPERVISOR, EDITOR)


class AgentExists(ValueError):
    """An account with that username already exists."""


class UnknownRole(ValueError):
    """A role that is not one of `ROLES`, or no role at all."""


def normalise_roles(roles: Iterable[str] | str) -> str:
    """The roles as stored: known, at least one, each once, in `ROLES` order."""
    given = roles.split() if isinstance(roles, str) else [str(role).strip() for role in roles]
    unknown = [role for role in given if role not in ROLES]
    if unknown:
        raise UnknownRole(f"unknown role {unknown[0]!r}; roles are {', '.join(ROLES)}")
    if not given:
        raise UnknownRole("an account needs at least one role")
    return " ".join(role for role in ROLES if role in given)


def create_agent(
    session: Session, username: str, display_name: str, password_hash: str, at: datetime,
    roles: Iterable[str] | str = (AGENT,), actor_id: int | None = None,
) -> Agent:
    """Creates an active account (audited, `actor_id` None: the command line);
    AgentExists when the username is taken, UnknownRole for bad roles."""
    username = username.strip().lower()
    if not username:
        raise ValueError("the username is empty")
    stored_roles = normalise_roles(roles)
    if agent_by_username(session, username) is not None:
        raise AgentExists(f"the agent {username!r} already exists")
    agent = Agent(
        username=username, display_name=display_name.strip() or username,
        password_hash=password_hash, active=True, created_at=at, roles=stored_roles,
    )
    session.add(agent)
    try:
        session.flush()
    except IntegrityError as error:  # created by another request since the look-up
        session.rollback()
        raise AgentExists(f"the agent {username!r} already exists") from error
    audit.record(session, actor_id, audit.CREATED, agent.id, {"roles": stored_roles}, at)
    session.commit()
    return agent


def agent_by_username(session: Session, username: str) -> Agent | None:
    """The account with that username, active or not."""
    return session.scalars(select(Agent).where(Agent.username == username.strip().lower())).first()


def get_agent(session: Session, agent_id: int) -> Agent | None:
    """One account by id."""
    return session.get(Agent, agent_id)


def list_agents(session: Session) -> list[Agent]:
    """Every account, active ones first, then by username."""
    return list(session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.username)))


def set_password_hash(session: Session, agent: Agent, password_hash: str) -> None:
    """Replaces an account's password hash on login (a rehash: not audited)."""
    agent.password_hash = password_hash
    session.commit()


def _change(session: Session, agent: Agent, condition, values: dict, action: str,
            detail: dict[str, str], actor_id: int | None, at: datetime) -> bool:
    """One conditional UPDATE of the account and its audit record, committed together;
    False (nothing written) when the condition no longer holds."""
    result = session.execute(
        update(Agent).where(Agent.id == agent.id, condition).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        session.refresh(agent)
        return False
    audit.record(session, actor_id, action, agent.id, detail, at)
    session.commit()
    session.refresh(agent)
    return True


def set_active(session: Session, agent: Agent, active: bool, *, actor_id: int | None,
               at: datetime) -> bool:
    """Deactivates or reactivates an account; False when it already was so."""
    action = audit.REACTIVATED if active else audit.DEACTIVATED
    return _change(session, agent, Agent.active.is_(not active), {"active": active}, action,
                   {}, actor_id, at)


def set_roles(session: Session, agent: Agent, roles: Iterable[str] | str, *,
              actor_id: int | None, at: datetime) -> bool:
    """Replaces an account's roles (UnknownRole for bad ones); False when unchanged."""
    stored = normalise_roles(roles)
    previous = agent.roles or ""
    if stored == previous:
        return False
    return _change(session, agent, Agent.roles == previous, {"roles": stored},
                   audit.ROLES_CHANGED, {"roles": stored, "was": previous}, actor_id, at)


def reset_password(session: Session, agent: Agent, password_hash: str, *,
                   actor_id: int | None, at: datetime) -> None:
    """Sets a new password hash chosen by a supervisor or on the command line (audited)."""
    _change(session, agent, true(), {"password_hash": password_hash}, audit.PASSWORD_RESET, {},
            actor_id, at)


def serving_counts(session: Session) -> dict[int, int]:
    """How many conversations each agent is serving now (agents serving none are left out)."""
    rows = session.execute(
        select(Handoff.agent_id, func.count(Handoff.id))
        .where(Handoff.status == TAKEN, Handoff.agent_id.is_not(None))
        .group_by(Handoff.agent_id)
    )
    return {agent_id: int(count) for agent_id, count in rows}
