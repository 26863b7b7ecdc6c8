"""UtcDateTime: aware datetimes come back as the same instant in UTC; naive ones are refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from store.db import session_for
from store.models import ModerationRecord

UTC_INSTANT = datetime(2026, 12, 1, 14, 0, 30, 123456, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "offset_hours", [0, -5, 5.5, 14], ids=["utc", "bogota", "kolkata", "kiritimati"]
)
def test_aware_datetimes_round_trip_as_utc(database_url, session, offset_hours):
    """Whatever the offset given, the same instant is read back with tzinfo UTC."""
    given = UTC_INSTANT.astimezone(timezone(timedelta(hours=offset_hours)))
    session.add(
        ModerationRecord(conversation_id="c", rule="offensive", outcome="warned", created_at=given)
    )
    session.commit()
    with session_for(database_url) as fresh:
        read = fresh.scalars(select(ModerationRecord.created_at)).one()
        raw = fresh.execute(text("SELECT created_at FROM moderation_records")).scalar_one()
    assert read == UTC_INSTANT
    assert read.tzinfo is timezone.utc
    if session.bind.dialect.name == "sqlite":
        assert raw == "2026-12-01 14:00:30.123456"  # stored as UTC wall time
    else:
        assert raw == UTC_INSTANT  # timestamptz: the instant itself


def test_comparisons_use_the_instant_not_the_wall_clock(session):
    """A filter with a non-UTC bound compares instants (SQLite compares UTC text)."""
    for minute, conversation in [(0, "early"), (10, "late")]:
        session.add(ModerationRecord(
            conversation_id=conversation, rule="offensive", outcome="warned",
            created_at=UTC_INSTANT + timedelta(minutes=minute),
        ))
    session.commit()
    bound = (UTC_INSTANT + timedelta(minutes=5)).astimezone(timezone(timedelta(hours=-5)))
    query = select(ModerationRecord.conversation_id).where(ModerationRecord.created_at < bound)
    assert session.scalars(query).all() == ["early"]


def test_naive_datetimes_are_refused(session):
    """A naive datetime raises before anything is written."""
    session.add(ModerationRecord(
        conversation_id="c", rule="offensive", outcome="warned", created_at=datetime(2026, 12, 1),
    ))
    with pytest.raises(StatementError, match="naive datetimes are not stored"):
        session.commit()
    session.rollback()
    assert session.scalars(select(ModerationRecord)).all() == []
