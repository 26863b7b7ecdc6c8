"""Agents' accounts: unique, normalised usernames."""

from __future__ import annotations

import pytest

from store.agents import AgentExists, agent_by_username, create_agent, get_agent, set_password_hash
from store.db import session_for
from tests.store.moments import minutes


def test_create_and_look_up(database_url, session):
    """A new account is active, found by id and by username in another session."""
    agent = create_agent(session, "lmora", "Laura Mora", "hash-1", minutes(0))
    with session_for(database_url) as fresh:
        found = agent_by_username(fresh, "lmora")
        assert found is not None and found.id == agent.id
        assert (found.display_name, found.password_hash, found.active, found.created_at) == (
            "Laura Mora", "hash-1", True, minutes(0),
        )
        assert get_agent(fresh, agent.id).username == "lmora"
    assert agent_by_username(session, "nadie") is None
    assert get_agent(session, agent.id + 1) is None


@pytest.mark.parametrize(
    "given, lookup",
    [("  LMora ", "lmora"), ("lmora", " LMORA "), ("Ana.Rojas", "ana.rojas")],
)
def test_usernames_are_normalised(session, given, lookup):
    """Stored trimmed and lower-case; looked up the same way."""
    agent = create_agent(session, given, "Agente", "h", minutes(0))
    assert agent.username == given.strip().lower()
    assert agent_by_username(session, lookup).id == agent.id


@pytest.mark.parametrize("again", ["lmora", "LMORA", " lmora "])
def test_duplicate_username_is_refused(session, again):
    """The same username, however written, raises AgentExists and adds nothing."""
    create_agent(session, "lmora", "Laura Mora", "h", minutes(0))
    with pytest.raises(AgentExists):
        create_agent(session, again, "Otra", "h2", minutes(1))
    assert agent_by_username(session, "lmora").display_name == "Laura Mora"


@pytest.mark.parametrize("username", ["", "   "])
def test_empty_username_is_refused(session, username):
    """A blank username raises ValueError."""
    with pytest.raises(ValueError, match="empty"):
        create_agent(session, username, "Nadie", "h", minutes(0))


def test_blank_display_name_falls_back_to_username(session):
    """Without a display name the username is shown."""
    assert create_agent(session, "pgomez", "  ", "h", minutes(0)).display_name == "pgomez"


def test_password_hash_is_replaced(database_url, session):
    """set_password_hash commits the new hash."""
    agent = create_agent(session, "lmora", "Laura Mora", "old", minutes(0))
    set_password_hash(session, agent, "new")
    with session_for(database_url) as fresh:
        assert agent_by_username(fresh, "lmora").password_hash == "new"
