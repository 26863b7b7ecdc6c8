"""Agents' accounts: unique, normalised usernames; roles, activation and password resets,
each recorded in the audit log with the change."""

from __future__ import annotations

import pytest

from store.agents import (
    AgentExists,
    UnknownRole,
    agent_by_username,
    create_agent,
    get_agent,
    list_agents,
    normalise_roles,
    reset_password,
    serving_counts,
    set_active,
    set_password_hash,
    set_roles,
)
from store.audit import details, recent_records, record, records_about
from store.db import session_for
from store.handoffs import close_handoff, request_handoff, take_handoff
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


# ---------------------------------------------------------------- roles, activation, audit

def audit_rows(session):
    """(actor, action, target, detail) of every audit record, oldest first."""
    session.expire_all()
    return [(r.actor_id, r.action, r.target_id, r.detail)
            for r in reversed(recent_records(session, 1000))]


def test_creation_is_audited_with_its_roles(session):
    """A new account has roles `agent` by default; its creation is one audit record."""
    supervisor = create_agent(session, "sofia", "Sofía", "h", minutes(0),
                              roles="supervisor agent")
    agent = create_agent(session, "lmora", "Laura Mora", "h", minutes(1),
                         actor_id=supervisor.id)
    assert (supervisor.roles, agent.roles) == ("agent supervisor", "agent")
    assert agent.has_role("agent") and not agent.has_role("supervisor")
    assert audit_rows(session) == [
        (None, "created", supervisor.id, "roles=agent supervisor"),
        (supervisor.id, "created", agent.id, "roles=agent"),
    ]


@pytest.mark.parametrize(
    ("roles", "stored"),
    [
        ("agent", "agent"),
        (["editor", "agent"], "agent editor"),
        ("supervisor supervisor", "supervisor"),
        ((" editor ",), "editor"),
        (("agent", "supervisor", "editor"), "agent supervisor editor"),
    ],
)
def test_roles_are_stored_once_each_in_order(roles, stored):
    assert normalise_roles(roles) == stored


@pytest.mark.parametrize("roles", ["", [], "admin", ["agent", "root"], "Agent", "agent,editor"])
def test_unknown_or_missing_roles_are_refused(session, roles):
    """No account is created, nothing is audited."""
    with pytest.raises(UnknownRole):
        create_agent(session, "lmora", "Laura", "h", minutes(0), roles=roles)
    assert agent_by_username(session, "lmora") is None
    assert audit_rows(session) == []


def test_deactivation_and_reactivation_are_audited_once(database_url, session):
    """Each change is one record; asking for the state it already has changes nothing."""
    boss = create_agent(session, "sofia", "Sofía", "h", minutes(0), roles="supervisor")
    agent = create_agent(session, "lmora", "Laura", "h", minutes(0))
    assert set_active(session, agent, False, actor_id=boss.id, at=minutes(5)) is True
    assert set_active(session, agent, False, actor_id=boss.id, at=minutes(6)) is False
    with session_for(database_url) as fresh:
        assert get_agent(fresh, agent.id).active is False
    assert set_active(session, agent, True, actor_id=None, at=minutes(7)) is True
    assert agent.active is True
    assert audit_rows(session)[2:] == [
        (boss.id, "deactivated", agent.id, ""),
        (None, "reactivated", agent.id, ""),
    ]
    records = recent_records(session, 2)
    assert [r.at for r in records] == [minutes(7), minutes(5)]


def test_roles_change_is_audited_with_before_and_after(session):
    boss = create_agent(session, "sofia", "Sofía", "h", minutes(0), roles="supervisor")
    agent = create_agent(session, "lmora", "Laura", "h", minutes(0))
    assert set_roles(session, agent, ["editor", "agent"], actor_id=boss.id, at=minutes(1))
    assert set_roles(session, agent, "agent editor", actor_id=boss.id, at=minutes(2)) is False
    with pytest.raises(UnknownRole):
        set_roles(session, agent, [], actor_id=boss.id, at=minutes(3))
    assert agent.roles == "agent editor"
    assert audit_rows(session)[2:] == [
        (boss.id, "roles_changed", agent.id, "roles=agent editor; was=agent"),
    ]
    assert details(records_about(session, agent.id)[0]) == {"roles": "agent editor",
                                                           "was": "agent"}


def test_password_reset_is_audited_without_the_password(session):
    agent = create_agent(session, "lmora", "Laura", "old-hash", minutes(0))
    reset_password(session, agent, "new-hash", actor_id=None, at=minutes(1))
    assert agent.password_hash == "new-hash"
    rows = audit_rows(session)
    assert rows[-1] == (None, "password_reset", agent.id, "")
    assert not any("hash" in str(row) for row in rows)


def test_a_refused_change_writes_no_audit_record(session):
    """The record goes with the change: a refused creation or an unknown action leaves
    only the records of what happened."""
    agent = create_agent(session, "lmora", "Laura", "h", minutes(0))
    with pytest.raises(AgentExists):
        create_agent(session, "LMORA", "Otra", "h", minutes(1))
    with pytest.raises(ValueError, match="unknown audit action"):
        record(session, None, "deleted", agent.id, {}, minutes(1))
    session.rollback()
    assert audit_rows(session) == [(None, "created", agent.id, "roles=agent")]


def test_list_agents_and_who_serves_now(session):
    """Active accounts first, then by username; conversations served now per agent."""
    zoe = create_agent(session, "zoe", "Zoe", "h", minutes(0))
    ana = create_agent(session, "ana", "Ana", "h", minutes(0))
    old = create_agent(session, "beto", "Beto", "h", minutes(0))
    set_active(session, old, False, actor_id=None, at=minutes(1))
    assert [a.username for a in list_agents(session)] == ["ana", "zoe", "beto"]
    for number in range(3):
        handoff = request_handoff(session, f"c{number}", None, None, [], minutes(number))
        take_handoff(session, handoff.id, zoe.id if number < 2 else ana.id, minutes(5))
    closed = request_handoff(session, "c9", None, None, [], minutes(0))
    take_handoff(session, closed.id, ana.id, minutes(1))
    close_handoff(session, closed.id, "resolved", minutes(2))
    assert serving_counts(session) == {zoe.id: 2, ana.id: 1}


def test_two_creations_of_one_username_at_once(race, session):
    """Both check that the username is free; one creates it, the other gets AgentExists
    (not a database error), and only one creation is audited."""
    results = race(*[
        (lambda s, n=n: create_agent(s, "lmora", f"Laura {n}", "h", minutes(0)))
        for n in range(2)
    ])
    assert sorted(type(result).__name__ for result in results) == ["Agent", "AgentExists"]
    assert [row[1] for row in audit_rows(session)] == ["created"]
