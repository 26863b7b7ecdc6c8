"""Personal data (Ley 1581 de 2012): forgetting a conversation, finding it by e-mail, retention."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)
from sqlalchemy.orm import Session

from store.activity import touch
from store.db import session_for
from store.followups import mark_answered, mark_done, record_follow_up
from store.handoffs import add_message, request_handoff
from store.metrics import CONVERSATION_STARTED, FALLBACK, record_event
from store.models import (
    ConversationActivity,
    ConversationEvent,
    FollowUp,
    Handoff,
    HandoffMessage,
    ModerationRecord,
)
from store.moderation import record_moderation
from store.privacy import find_conversations, forget_conversation, purge_expired
from store.reports import build_report

NOW = datetime(2027, 6, 1, 17, 0, tzinfo=timezone.utc)
SEEDED = NOW - timedelta(days=2)
TRANSCRIPT_DAYS, CONTACT_DAYS = 180, 365
OUR_TABLES = (
    "handoff_messages", "follow_ups", "handoffs", "conversation_activity",
    "conversation_events", "moderation_records",
)


def tracker_table(session: Session) -> Table:
    """Rasa's `events` table (the columns of Rasa 3.6's SQLTrackerStore), created empty."""
    table = Table(
        "events", MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255), nullable=False, index=True),
        Column("type_name", String(255), nullable=False),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
    )
    table.create(session.connection())
    session.commit()
    return table


def track(session: Session, table: Table, sender: str, at: datetime, text: str = "",
          intent: str | None = "greet", type_name: str = "user") -> None:
    """One tracker event as Rasa writes it (user events carry the text twice)."""
    data = {"event": type_name, "timestamp": at.timestamp()}
    if type_name == "user":
        data.update(text=text, parse_data={
            "text": text, "intent": {"name": intent, "confidence": 1.0},
            "entities": [{"entity": "email", "value": text}] if "@" in text else [],
        })
    session.execute(table.insert().values(
        sender_id=sender, type_name=type_name, timestamp=at.timestamp(),
        intent_name=intent if type_name == "user" else None, data=json.dumps(data),
    ))
    session.commit()


def seed(session: Session, table: Table | None, conversation_id: str, email: str,
         at: datetime = SEEDED) -> None:
    """A full conversation: hand-off with transcript, follow-up, activity, events, moderation."""
    handoff = request_handoff(
        session, conversation_id, "Ana Pérez", "faq/sisben",
        [("citizen", "Hola, necesito ayuda", at), ("bot", "Con gusto le ayudo.", at)], at,
    )
    add_message(session, handoff.id, "citizen", "Mi cédula es 1012345678", at)
    record_follow_up(session, conversation_id, email, at, "¿Cuándo sale el puntaje?",
                     "Ana Pérez", at, handoff_id=handoff.id)
    touch(session, conversation_id, at)
    record_event(session, conversation_id, CONVERSATION_STARTED, at)
    record_event(session, conversation_id, FALLBACK, at, text="horario de la piscina")
    record_moderation(session, conversation_id, "offensive", "word:hp", "warned", at)
    if table is not None:
        track(session, table, conversation_id, at, f"mi correo es {email}", "inform")
        track(session, table, conversation_id, at, type_name="bot", intent=None)


def rows_of(session: Session, conversation_id: str) -> dict[str, list[tuple]]:
    """Every stored row of a conversation, per table."""
    handoff_ids = select(Handoff.id).where(Handoff.conversation_id == conversation_id)
    queries = {
        "handoff_messages": select(HandoffMessage.__table__).where(
            HandoffMessage.handoff_id.in_(handoff_ids)),
    }
    for model in (FollowUp, Handoff, ConversationActivity, ConversationEvent, ModerationRecord):
        queries[model.__tablename__] = select(model.__table__).where(
            model.conversation_id == conversation_id)
    if inspect(session.connection()).has_table("events"):
        events = Table("events", MetaData(), autoload_with=session.connection())
        queries["events"] = select(events).where(events.c.sender_id == conversation_id)
    return {name: [tuple(row) for row in session.execute(query)]
            for name, query in queries.items()}


def every_value(session: Session) -> str:
    """All the values of all the tables, as one string to search in."""
    metadata = MetaData()
    metadata.reflect(bind=session.connection())
    return "\n".join(
        repr(tuple(row)) for table in metadata.sorted_tables for row in session.execute(
            select(table))
    )


def test_forgetting_one_conversation_deletes_all_of_it_and_nothing_else(database_url, session):
    table = tracker_table(session)
    seed(session, table, "a", "ana@example.com")
    seed(session, table, "b", "bruno@example.com")
    with session_for(database_url) as fresh:
        before_b = rows_of(fresh, "b")
    assert all(before_b.values()), before_b

    counts = forget_conversation(session, "a")

    assert counts == {
        "handoff_messages": 3, "follow_ups": 1, "handoffs": 1, "conversation_activity": 1,
        "conversation_events": 2, "moderation_records": 1, "events": 2,
    }
    with session_for(database_url) as fresh:
        assert rows_of(fresh, "a") == {name: [] for name in (*OUR_TABLES, "events")}
        assert rows_of(fresh, "b") == before_b
        assert "ana@example.com" not in every_value(fresh)
    assert set(forget_conversation(session, "a").values()) == {0}


def test_forgetting_works_without_a_tracker_table(database_url, session):
    seed(session, None, "a", "ana@example.com")
    counts = forget_conversation(session, "a")
    assert counts["events"] == 0 and counts["handoffs"] == 1 and counts["follow_ups"] == 1
    with session_for(database_url) as fresh:
        assert rows_of(fresh, "a") == {name: [] for name in OUR_TABLES}


def test_conversations_are_found_by_email_without_case_and_as_whole_addresses(session):
    table = tracker_table(session)
    seed(session, table, "with-follow-up", "Ana.Perez@Example.com")
    seed(session, table, "again", "ana.perez@example.com ")
    seed(session, table, "someone-else", "juana.perez@example.com")
    track(session, table, "typed-only", SEEDED, "le escribí desde ana.perez@example.com.")
    track(session, table, "longer-address", SEEDED, "es ana.perez@example.com.co")
    track(session, table, "like-pattern", SEEDED, "es axb@example.com")

    assert find_conversations(session, email="  ANA.PEREZ@example.COM ") == [
        "again", "typed-only", "with-follow-up",
    ]
    assert find_conversations(session, email="a_b@example.com") == []
    assert find_conversations(session, email="nadie@example.com") == []
    assert find_conversations(session, email="   ") == []


def test_conversations_are_found_by_id_when_something_of_them_is_stored(session):
    table = tracker_table(session)
    seed(session, None, "stored", "ana@example.com")
    track(session, table, "tracker-only", SEEDED, "hola")
    assert find_conversations(session, conversation_id="stored") == ["stored"]
    assert find_conversations(session, conversation_id="tracker-only") == ["tracker-only"]
    assert find_conversations(session, conversation_id="unknown") == []
    assert find_conversations(session, email="ana@example.com", conversation_id="stored") == [
        "stored"]
    assert find_conversations(
        session, email="ana@example.com", conversation_id="tracker-only") == []
    with pytest.raises(ValueError):
        find_conversations(session)


def _transcript(session: Session, table: Table, conversation_id: str, at: datetime) -> None:
    handoff = request_handoff(session, conversation_id, "Luz Marina", None,
                              [("citizen", f"mensaje de {conversation_id}", at)], at)
    assert handoff.id
    record_event(session, conversation_id, FALLBACK, at, text=f"no entendido {conversation_id}")
    track(session, table, conversation_id, at, f"texto de {conversation_id}")


def _follow_up(session: Session, conversation_id: str, at: datetime, close=None) -> int:
    follow_up = record_follow_up(session, conversation_id, f"{conversation_id}@example.com",
                                 at, "Una pregunta", "Carlos", at)
    if close is not None:
        close(session, follow_up.id, "La respuesta", None, at + timedelta(hours=1))
    return follow_up.id


def test_retention_keeps_what_is_not_older_than_the_period_to_the_second(database_url, session):
    table = tracker_table(session)
    transcript_limit = NOW - timedelta(days=TRANSCRIPT_DAYS)
    moments = {
        "day-after-limit": transcript_limit - timedelta(days=1),
        "second-after-limit": transcript_limit - timedelta(seconds=1),
        "at-limit": transcript_limit,
        "day-before-limit": transcript_limit + timedelta(days=1),
    }
    for conversation_id, at in moments.items():
        _transcript(session, table, conversation_id, at)
    contact_limit = NOW - timedelta(days=CONTACT_DAYS)
    answered = _follow_up(session, "answered-old", contact_limit - timedelta(days=1),
                          mark_answered)
    pending = _follow_up(session, "pending-old", contact_limit - timedelta(seconds=1))
    at_limit = _follow_up(session, "pending-at-limit", contact_limit)
    done = _follow_up(session, "done-recent", contact_limit + timedelta(days=1), mark_done)

    counts = purge_expired(session, NOW, TRANSCRIPT_DAYS, CONTACT_DAYS)

    assert counts == {
        "handoff_messages": 2, "handoffs.citizen_name": 2, "conversation_events.text": 2,
        "events": 2, "events.withheld_text": 0, "follow_ups.contact": 2,
    }
    purged = {"day-after-limit", "second-after-limit"}
    with session_for(database_url) as fresh:
        for conversation_id in moments:
            rows = rows_of(fresh, conversation_id)
            gone = conversation_id in purged
            assert (rows["handoff_messages"] == []) is gone, conversation_id
            assert (rows["events"] == []) is gone, conversation_id
            handoff = fresh.scalars(
                select(Handoff).where(Handoff.conversation_id == conversation_id)).one()
            assert handoff.citizen_name == (None if gone else "Luz Marina")
            event = fresh.scalars(select(ConversationEvent).where(
                ConversationEvent.conversation_id == conversation_id)).one()
            assert event.text == (None if gone else f"no entendido {conversation_id}")
        follow_ups = {f.id: f for f in fresh.scalars(select(FollowUp))}
        assert [(f.email, f.question, f.citizen_name, f.answer, f.status)
                for f in (follow_ups[answered], follow_ups[pending])] == [
            ("", "", None, None, "answered"), ("", "", None, None, "expired"),
        ]
        assert follow_ups[answered].consent_at is not None
        assert (follow_ups[at_limit].email, follow_ups[at_limit].status) == (
            "pending-at-limit@example.com", "pending")
        assert (follow_ups[done].email, follow_ups[done].answer, follow_ups[done].status) == (
            "done-recent@example.com", "La respuesta", "done")
    assert set(purge_expired(session, NOW, TRANSCRIPT_DAYS, CONTACT_DAYS).values()) == {0}


def test_retention_keeps_the_reports_figures(session):
    old = NOW - timedelta(days=TRANSCRIPT_DAYS + 10)
    seed(session, None, "old", "ana@example.com", at=old)
    day = old.date()
    before = build_report(session, day - timedelta(days=1), day + timedelta(days=1))
    assert before.unanswered and before.totals.unanswered == 1

    purge_expired(session, NOW, TRANSCRIPT_DAYS, CONTACT_DAYS)

    session.expire_all()
    after = build_report(session, day - timedelta(days=1), day + timedelta(days=1))
    assert after.totals == before.totals
    assert after.unanswered == []


def test_a_dry_run_counts_and_changes_nothing(database_url, session):
    table = tracker_table(session)
    seed(session, table, "old", "ana@example.com", at=NOW - timedelta(days=400))
    track(session, table, "old", NOW, "vendo lotes, informes al 3001234567", "commercial")
    with session_for(database_url) as fresh:
        before = rows_of(fresh, "old")

    dry = purge_expired(session, NOW, TRANSCRIPT_DAYS, CONTACT_DAYS, dry_run=True)

    with session_for(database_url) as fresh:
        assert rows_of(fresh, "old") == before
    assert dry == purge_expired(session, NOW, TRANSCRIPT_DAYS, CONTACT_DAYS)
    assert dry == {
        "handoff_messages": 3, "handoffs.citizen_name": 1, "conversation_events.text": 1,
        "events": 2, "events.withheld_text": 1, "follow_ups.contact": 1,
    }


def test_withheld_messages_leave_a_record_and_no_text_anywhere(database_url, session):
    """P10: the moderation record says who, when and which rule; the tracker loses the text."""
    table = tracker_table(session)
    withheld = "gonorrea, vendo lotes en Tenjo"
    record_moderation(session, "c", "offensive", "word:gonorrea", "warned", NOW)
    track(session, table, "c", NOW, withheld, "offensive")
    track(session, table, "c", NOW, "quiero pagar el predial", "faq")
    with session_for(database_url) as fresh:
        columns = {c["name"] for c in inspect(fresh.connection()).get_columns(
            "moderation_records")}
        assert columns == {"id", "conversation_id", "rule", "reason", "outcome", "created_at"}
        record = fresh.scalars(select(ModerationRecord)).one()
        assert withheld not in repr(tuple(getattr(record, name) for name in columns))

    counts = purge_expired(session, NOW, TRANSCRIPT_DAYS, CONTACT_DAYS)

    assert counts["events.withheld_text"] == 1 and counts["events"] == 0
    with session_for(database_url) as fresh:
        everything = every_value(fresh)
        assert "gonorrea," not in everything and "vendo lotes" not in everything
        assert "quiero pagar el predial" in everything
        data = [json.loads(d) for d in fresh.scalars(
            select(table.c.data).where(table.c.intent_name == "offensive"))]
        assert [(d["text"], d["parse_data"]["text"], d["parse_data"]["intent"]["name"])
                for d in data] == [("", "", "offensive")]
        assert fresh.scalars(select(ModerationRecord.reason)).all() == ["word:gonorrea"]
    assert purge_expired(session, NOW, TRANSCRIPT_DAYS, CONTACT_DAYS)["events.withheld_text"] == 0


def test_retention_needs_an_aware_moment_and_whole_days(session):
    with pytest.raises(ValueError):
        purge_expired(session, NOW.replace(tzinfo=None), TRANSCRIPT_DAYS, CONTACT_DAYS)
    with pytest.raises(ValueError):
        purge_expired(session, NOW, 0, CONTACT_DAYS)
