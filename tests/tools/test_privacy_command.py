"""`python -m tools.privacy`: forget a citizen on request, apply retention (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db import engine_for, migrate, session_for
from store.models import FollowUp, Handoff, HandoffMessage
from tests.store.test_store_privacy import rows_of, seed, tracker_table

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2027, 6, 1, 17, 0, tzinfo=timezone.utc)


@pytest.fixture
def url(tmp_path):
    """A migrated SQLite file with Rasa's `events` table and two conversations, one old."""
    url = f"sqlite:///{tmp_path / 'privacy.db'}"
    migrate(url)
    with session_for(url) as session:
        table = tracker_table(session)
        seed(session, table, "recent", "Ana@Example.com", at=NOW - timedelta(days=2))
        seed(session, table, "old", "bruno@example.com", at=NOW - timedelta(days=400))
    engine_for(url).dispose()
    yield url
    engine_for(url).dispose()
    engine_for.cache_clear()


def run(url: str, *args: str, stdin: str = "", **settings: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith("RETENTION_")}
    env.update(DATABASE_URL=url, TENJO_FAKE_NOW=NOW.isoformat(), **settings)
    return subprocess.run(
        [sys.executable, "-m", "tools.privacy", *args], cwd=ROOT, env=env, input=stdin,
        capture_output=True, text=True, timeout=60,
    )


def stored(url: str, conversation_id: str) -> dict[str, int]:
    with session_for(url) as session:
        counts = {name: len(rows) for name, rows in rows_of(session, conversation_id).items()}
    engine_for(url).dispose()
    return counts


def test_forget_by_conversation_with_yes_deletes_it_and_says_what(url):
    other = stored(url, "old")
    result = run(url, "forget", "--conversation", "recent", "--yes")
    assert result.returncode == 0, result.stderr
    for line in ("  recent", "  handoff_messages: 3", "  follow_ups: 1", "  handoffs: 1",
                 "  conversation_events: 2", "  moderation_records: 1", "  events: 2"):
        assert line in result.stdout.splitlines(), result.stdout
    assert set(stored(url, "recent").values()) == {0}
    assert stored(url, "old") == other


def test_forget_by_email_asks_first_and_a_no_keeps_everything(url):
    before = stored(url, "recent")
    refused = run(url, "forget", "--email", "ana@example.COM", stdin="n\n")
    assert refused.returncode == 1
    assert "Cancelado: no se eliminó nada." in refused.stdout
    assert stored(url, "recent") == before

    accepted = run(url, "forget", "--email", "ana@example.COM", stdin="sí\n")
    assert accepted.returncode == 0, accepted.stderr
    assert "¿Eliminar todos los datos de 1 conversación(es)?" in accepted.stdout
    assert set(stored(url, "recent").values()) == {0}
    assert stored(url, "old")["follow_ups"] == 1


@pytest.mark.parametrize("target", [("--conversation", "nadie"), ("--email", "x@example.com")])
def test_forget_without_a_match_fails_clearly(url, target):
    result = run(url, "forget", *target, "--yes")
    assert result.returncode == 1
    assert result.stdout.startswith("No hay datos de") and target[1] in result.stdout
    assert "no se eliminó nada" in result.stdout


def test_purge_dry_run_counts_then_purge_applies_retention(url):
    before = stored(url, "old")
    dry = run(url, "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "  handoff_messages: 3  (mensajes de transferencias eliminados)" in dry.stdout
    assert "  follow_ups.contact: 1" in dry.stdout
    assert "Simulación (--dry-run): no se cambió nada." in dry.stdout
    assert stored(url, "old") == before

    real = run(url, "purge")
    assert real.returncode == 0, real.stderr
    assert real.stdout.replace("\n", "") == dry.stdout.replace("\n", "").replace(
        "Simulación (--dry-run): no se cambió nada.", "")
    with session_for(url) as session:
        assert session.scalar(select(func.count()).select_from(HandoffMessage)) == 3
        assert session.scalar(select(func.count()).select_from(Handoff)) == 2
        assert sorted(session.scalars(select(FollowUp.email))) == ["", "Ana@Example.com"]
    engine_for(url).dispose()
    assert stored(url, "recent")["events"] == 2 and stored(url, "old")["events"] == 0


def test_purge_reads_the_retention_settings(url):
    result = run(url, "purge", "--dry-run", RETENTION_TRANSCRIPT_DAYS="1",
                 RETENTION_CONTACT_DAYS="1")
    assert result.returncode == 0, result.stderr
    assert "transcripciones 1 días" in result.stdout
    assert "  handoff_messages: 6" in result.stdout and "  follow_ups.contact: 2" in result.stdout

    wrong = run(url, "purge", RETENTION_TRANSCRIPT_DAYS="seis meses")
    assert wrong.returncode == 2
    assert "RETENTION_TRANSCRIPT_DAYS must be a whole number of days" in wrong.stderr
