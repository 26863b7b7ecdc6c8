"""Agents' accounts: password hashing (argon2), the rules of a new account (username,
name, password, roles, all with Spanish messages), creation, password resets and
authentication. The console's supervision pages and the command line share them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from store.agents import (
    ROLES,
    AgentExists,
    UnknownRole,
    agent_by_username,
    create_agent,
    normalise_roles,
    reset_password,
    set_password_hash,
)
from store.db import session_for
from store.models import Agent

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
MAX_NAME_LENGTH = 128
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Citizens read the name: no markup, no control characters.
NAME_FORBIDDEN = re.compile(r"[<>\x00-\x1f\x7f]")
ROLE_LABELS = {
    "agent": "Atención del chat",
    "supervisor": "Supervisión",
    "editor": "Edición de contenidos",
}

_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why, in Spanish."""


def hash_password(password: str) -> str:
    """The argon2 hash of a password."""
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified when the username does not exist, so that a wrong username costs as much
    as a wrong password and the response time does not reveal which accounts exist."""
    return hash_password("not a password of anybody")


def check_new_password(password: str) -> None:
    """AccountError when a new password is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"La contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            f"La contraseña no puede tener más de {MAX_PASSWORD_LENGTH} caracteres."
        )


def check_username(username: str) -> str:
    """The username as stored; AccountError when it does not follow the rules."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            "El usuario debe tener entre 2 y 64 caracteres: letras sin tilde, números, "
            "punto, guion o guion bajo, y empezar por una letra o un número."
        )
    return username


def check_display_name(display_name: str, missing: str) -> str:
    """The name as stored; AccountError (`missing` when empty) otherwise."""
    display_name = display_name.strip()
    if not display_name:
        raise AccountError(missing)
    if len(display_name) > MAX_NAME_LENGTH:
        raise AccountError(f"El nombre no puede tener más de {MAX_NAME_LENGTH} caracteres.")
    if NAME_FORBIDDEN.search(display_name):
        raise AccountError(
            "El nombre no puede contener los signos < o > ni caracteres de control."
        )
    return display_name


def check_roles(roles: Iterable[str] | str) -> str:
    """The roles as stored; AccountError when one is unknown or none is given."""
    given = roles.split() if isinstance(roles, str) else list(roles)
    unknown = [role for role in given if role not in ROLES]
    if unknown:
        raise AccountError(
            f"El rol {unknown[0][:32]!r} no existe. Los roles son: {', '.join(ROLES)}."
        )
    try:
        return normalise_roles(given)
    except UnknownRole as error:
        raise AccountError("Seleccione al menos un rol para la cuenta.") from error


def create_account(
    session: Session, username: str, display_name: str, password: str, at: datetime,
    roles: Iterable[str] | str = ("agent",), actor_id: int | None = None,
    missing_name: str = "Indique el nombre del funcionario con --name.",
) -> Agent:
    """Creates an active account, audited as done by `actor_id` (None: the command
    line); AccountError with a clear message otherwise."""
    username = check_username(username)
    display_name = check_display_name(display_name, missing_name)
    stored_roles = check_roles(roles)
    check_new_password(password)
    try:
        return create_agent(session, username, display_name, hash_password(password), at,
                            roles=stored_roles, actor_id=actor_id)
    except AgentExists as error:
        session.rollback()
        raise AccountError(f"Ya existe una cuenta con el usuario {username!r}.") from error


def create_agent_account(
    database_url: str, username: str, display_name: str, password: str, at: datetime,
    roles: Iterable[str] | str = ("agent",),
) -> Agent:
    """Creates an active account from the command line (audited with no actor)."""
    with session_for(database_url) as session:
        agent = create_account(session, username, display_name, password, at, roles)
        session.refresh(agent)
        session.expunge(agent)
        return agent


def reset_account_password(
    session: Session, agent: Agent, password: str, at: datetime, actor_id: int | None = None
) -> None:
    """Sets a new password chosen for the account (audited); AccountError when it is
    too short or too long."""
    check_new_password(password)
    reset_password(session, agent, hash_password(password), actor_id=actor_id, at=at)


def authenticate(session: Session, username: str, password: str) -> Agent | None:
    """The active agent with these credentials, or None; rehashes outdated hashes."""
    agent = agent_by_username(session, username) if username.strip() else None
    stored_hash = agent.password_hash if agent is not None else _dummy_hash()
    try:
        _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if agent is None or not agent.active:
        return None
    if _hasher.check_needs_rehash(agent.password_hash):
        set_password_hash(session, agent, hash_password(password))
    return agent
