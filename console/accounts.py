"""Agents' accounts: password hashing (argon2), creation and authentication."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from store.agents import AgentExists, agent_by_username, create_agent, set_password_hash
from store.db import session_for
from store.models import Agent

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why, in Spanish."""


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


def create_agent_account(
    database_url: str, username: str, display_name: str, password: str, at: datetime
) -> Agent:
    """Creates an active agent account; AccountError with a clear message otherwise."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            "El usuario debe tener entre 2 y 64 caracteres: letras sin tilde, números, "
            "punto, guion o guion bajo, y empezar por una letra o un número."
        )
    display_name = display_name.strip()
    if not display_name:
        raise AccountError("Indique el nombre del funcionario con --name.")
    if len(display_name) > 128:
        raise AccountError("El nombre no puede tener más de 128 caracteres.")
    check_new_password(password)
    with session_for(database_url) as session:
        try:
            agent = create_agent(session, username, display_name, hash_password(password), at)
        except AgentExists as error:
            raise AccountError(f"Ya existe una cuenta con el usuario {username!r}.") from error
        session.refresh(agent)
        session.expunge(agent)
        return agent


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
