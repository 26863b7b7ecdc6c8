"""Moderation records: a fresh SQLite database per test."""

from datetime import datetime, timezone

from store.db import session_for
from store.moderation import moderation_records, record_moderation


def test_records_are_kept_per_conversation_without_text(tmp_path):
    url = f"sqlite:///{tmp_path}/app.db"
    at = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
    with session_for(url) as session:
        record_moderation(session, "a", "offensive", "word:hp", "warned", at)
        record_moderation(session, "b", "commercial", "link:x.com", "warned", at)
        record_moderation(session, "a", "offensive", "word:gonorrea", "ended", at)
    with session_for(url) as session:
        records = moderation_records(session, "a")
    assert [(r.rule, r.outcome) for r in records] == [("offensive", "warned"),
                                                       ("offensive", "ended")]
    assert not hasattr(records[0], "text")
