"""Moderation records: who, when, which rule, what matched; never the message itself."""

from __future__ import annotations

from sqlalchemy import inspect

from store.db import session_for
from store.moderation import moderation_records, record_moderation
from tests.store.moments import minutes


def test_records_are_kept_per_conversation_without_text(database_url, session):
    """Each conversation sees its own records, oldest first, and no column holds the text."""
    record_moderation(session, "a", "offensive", "word:hp", "warned", minutes(0))
    record_moderation(session, "b", "commercial", "link:x.com", "warned", minutes(1))
    record_moderation(session, "a", "offensive", "word:gonorrea", "ended", minutes(2))
    with session_for(database_url) as fresh:
        records = moderation_records(fresh, "a")
        assert [(r.rule, r.reason, r.outcome, r.created_at) for r in records] == [
            ("offensive", "word:hp", "warned", minutes(0)),
            ("offensive", "word:gonorrea", "ended", minutes(2)),
        ]
        columns = {column["name"] for column in inspect(fresh.connection()).get_columns(
            "moderation_records"
        )}
    assert columns == {"id", "conversation_id", "rule", "reason", "outcome", "created_at"}


def test_a_long_reason_is_cut_to_its_column(session):
    """The reason fits its column on every engine (PostgreSQL would refuse a longer one)."""
    record = record_moderation(session, "c", "commercial", "x" * 300, "warned", minutes(0))
    session.expire_all()
    assert len(record.reason) == 255
