"""`python -m tools.backup` (`make backup`, `make restore`): a copy of a database filled
through the store's own functions and Rasa's tracker store, restored into a fresh
database, holds every conversation, hand-off (with its messages), follow-up and agent,
field by field; damaged, foreign or misplaced copies are refused without a traceback.
SQLite and PostgreSQL, each through a real subprocess as an operator runs it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.orm import Session

from store.activity import close_conversation, touch
from store.agents import create_agent
from store.db import engine_for, migrate, session_for
from store.followups import mark_answered, record_follow_up
from store.handoffs import (
    add_message,
    close_handoff,
    expire_overdue,
    request_handoff,
    take_handoff,
)
from store.metrics import CONVERSATION_STARTED, FAQ_ANSWERED, SATISFACTION, record_event
from store.models import Agent, FollowUp, Handoff
from store.moderation import record_moderation
from tools.backup import BackupError, database_of, output_path

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)  # 9:00 in Bogotá
CONVERSATIONS = ("conv-ana", "conv-bruno", "conv-carla", "conv-dario")


# ---------------------------------------------------------------- filling a database

@lru_cache(maxsize=1)
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


def tracker_events(sender: str, start: float) -> list:
    """A short conversation as Rasa records it: session start, greeting, name, answer."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start),
        ActionExecuted("action_listen", timestamp=start + 1),
        UserUttered(f"hola, soy {sender}", intent={"name": "greet", "confidence": 1.0},
                    timestamp=start + 2),
        SlotSet("nombre", sender.removeprefix("conv-").title(), timestamp=start + 3),
        BotUttered("Buenos días. ¿En qué le puedo ayudar?", timestamp=start + 4),
        ActionExecuted("action_listen", timestamp=start + 5),
    ]


def save_trackers(url: str) -> None:
    """Every conversation's events in Rasa's `events` table, through the tracker store
    the Rasa servers use (it creates the table)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa_runtime.tracker_store import WindowedSQLTrackerStore

    store = WindowedSQLTrackerStore(domain=domain(), host=url, window_events=0)
    try:
        for number, sender in enumerate(CONVERSATIONS):
            events = tracker_events(sender, AT.timestamp() + 100 * number)
            tracker = DialogueStateTracker.from_events(sender, events, domain().slots)
            asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()


def fill(url: str) -> None:
    """Agents, hand-offs in every state with their messages, follow-ups, events,
    activity and a moderation record, through the store's functions."""
    migrate(url)
    minute = timedelta(minutes=1)
    with session_for(url) as session:
        ana = create_agent(session, "ana", "Ana Pérez", "$argon2id$v=19$hash-ana", AT)
        luis = create_agent(session, "luis", "Luis Gómez", "$argon2id$v=19$hash-luis", AT)
        luis.active = False
        session.commit()

        # Served and closed: transcript, the agent's reply, closed as resolved.
        served = request_handoff(
            session, "conv-ana", "Ana María", "faq/impuesto_predial",
            [("citizen", "¿Hasta cuándo pago el predial?", AT),
             ("bot", "Entiendo que su consulta es sobre impuesto predial.", AT + minute)],
            AT + 2 * minute)
        take_handoff(session, served.id, ana.id, AT + 3 * minute)
        add_message(session, served.id, "agent", "Buenos días, Ana María. Le ayudo.",
                    AT + 4 * minute, agent_id=ana.id)
        add_message(session, served.id, "citizen", "Gracias.", AT + 5 * minute)
        close_handoff(session, served.id, "resolved", AT + 6 * minute, agent_id=ana.id)

        # Nobody took it: expired, its on-hold follow-up becomes pending.
        waited = request_handoff(
            session, "conv-bruno", "Bruno", "faq/sisben",
            [("citizen", "Quiero hablar con una persona.", AT)], AT + minute)
        record_follow_up(session, "conv-bruno", "bruno@example.com", AT + 2 * minute,
                         "¿Cómo actualizo la encuesta del SISBÉN?", "Bruno",
                         AT + 2 * minute, handoff_id=waited.id)
        expire_overdue(session, AT + 10 * minute, AT + 11 * minute)

        # Still waiting in the queue.
        request_handoff(session, "conv-carla", None, None,
                        [("citizen", "Necesito un asesor.", AT)], AT + 20 * minute)

        # A follow-up answered by e-mail.
        answered = record_follow_up(session, "conv-dario", "dario@example.com",
                                    AT + minute, "¿Dónde pago el ICA?", "Darío", AT + minute)
        mark_answered(session, answered.id, "En la Secretaría de Hacienda.", ana.id,
                      AT + 30 * minute)

        for number, conversation in enumerate(CONVERSATIONS):
            touch(session, conversation, AT + number * minute)
            record_event(session, conversation, CONVERSATION_STARTED, AT + number * minute)
        record_event(session, "conv-ana", FAQ_ANSWERED, AT + minute,
                     value="faq/impuesto_predial")
        record_event(session, "conv-ana", SATISFACTION, AT + 7 * minute, value="yes")
        record_moderation(session, "conv-dario", "offensive", "word:test", "warned",
                          AT + 2 * minute)
        close_conversation(session, "conv-carla", "inactivity", AT + 40 * minute)
    engine_for(url).dispose()
    save_trackers(url)


# ---------------------------------------------------------------- reading one back

def every_row(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (the app's, Alembic's and Rasa's), in key order."""
    engine = create_engine(url, future=True)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            rows = {}
            for name, table in metadata.tables.items():
                key = list(table.primary_key.columns) or list(table.columns)
                rows[name] = [tuple(row) for row in
                              connection.execute(select(table).order_by(*key))]
            return rows
    finally:
        engine.dispose()


def tracker_of(url: str, sender: str) -> list[dict]:
    """A conversation's events as Rasa's tracker store reads them back."""
    from rasa_runtime.tracker_store import WindowedSQLTrackerStore

    store = WindowedSQLTrackerStore(domain=domain(), host=url, window_events=0)
    try:
        tracker = asyncio.run(store.retrieve_full_tracker(sender))
        return [event.as_dict() for event in tracker.events] if tracker else []
    finally:
        store.engine.dispose()


def assert_everything_restored(source: str, target: str) -> None:
    before, after = every_row(source), every_row(target)
    assert set(after) >= {"agents", "handoffs", "handoff_messages", "follow_ups",
                          "conversation_events", "conversation_activity",
                          "moderation_records", "alembic_version", "events"}
    assert after == before  # every table, every row, every field

    engine = create_engine(target, future=True)
    with Session(engine) as session:
        agents = {a.username: a for a in session.scalars(select(Agent))}
        assert {name: (a.display_name, a.password_hash, a.active)
                for name, a in agents.items()} == {
            "ana": ("Ana Pérez", "$argon2id$v=19$hash-ana", True),
            "luis": ("Luis Gómez", "$argon2id$v=19$hash-luis", False),
        }
        handoffs = {h.conversation_id: h for h in session.scalars(select(Handoff))}
        assert {c: (h.status, h.outcome) for c, h in handoffs.items()} == {
            "conv-ana": ("closed", "resolved"), "conv-bruno": ("expired", "expired"),
            "conv-carla": ("waiting", None)}
        assert handoffs["conv-ana"].agent.username == "ana"
        assert [(m.author, m.text) for m in handoffs["conv-ana"].messages] == [
            ("citizen", "¿Hasta cuándo pago el predial?"),
            ("bot", "Entiendo que su consulta es sobre impuesto predial."),
            ("agent", "Buenos días, Ana María. Le ayudo."),
            ("citizen", "Gracias.")]
        assert handoffs["conv-ana"].closed_at == AT + timedelta(minutes=6)
        follow_ups = {f.email: f for f in session.scalars(select(FollowUp))}
        assert {e: (f.status, f.consent_given, f.question) for e, f in follow_ups.items()} == {
            "bruno@example.com": ("pending", True, "¿Cómo actualizo la encuesta del SISBÉN?"),
            "dario@example.com": ("answered", True, "¿Dónde pago el ICA?")}
        assert follow_ups["dario@example.com"].answer == "En la Secretaría de Hacienda."
    engine.dispose()
    for sender in CONVERSATIONS:
        events = tracker_of(target, sender)
        assert events == tracker_of(source, sender)
        assert {"event": "slot", "name": "nombre"}.items() <= next(
            e for e in events if e["event"] == "slot").items()
        assert [e["text"] for e in events if e["event"] == "user"] == [f"hola, soy {sender}"]


# ---------------------------------------------------------------- the command line

def backup(url: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m tools.backup ...` with DATABASE_URL=url, as `make backup` runs it."""
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "tools.backup", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr
    return result


def refused(result: subprocess.CompletedProcess, *words: str) -> None:
    """Exit code 1, one polite line, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def filled_sqlite(sqlite_url) -> str:
    fill(sqlite_url)
    return sqlite_url


def test_sqlite_copy_restores_into_a_fresh_file_with_everything(filled_sqlite, tmp_path):
    copy = tmp_path / "copia.sqlite3"
    dumped = ok(backup(filled_sqlite, "dump", "--out", str(copy)))
    assert f"escrita y verificada: {copy}" in dumped.stdout
    assert "  handoff_messages: 6" in dumped.stdout.splitlines()
    assert copy.read_bytes().startswith(b"SQLite format 3\x00")
    assert not copy.with_name(copy.name + ".partial").exists()

    target = f"sqlite:///{tmp_path / 'nueva' / 'restaurada.db'}"  # folder made as needed
    restored = ok(backup(target, "restore", str(copy)))
    assert "  events: 28" in restored.stdout.splitlines()
    assert restored.stdout.splitlines()[1:] == dumped.stdout.splitlines()[1:]
    assert_everything_restored(filled_sqlite, target)


def test_the_copy_is_the_moment_of_the_dump(filled_sqlite, tmp_path):
    copy = tmp_path / "copia.sqlite3"
    ok(backup(filled_sqlite, "dump", "--out", str(copy)))
    expected = every_row(filled_sqlite)
    with session_for(filled_sqlite) as session:
        create_agent(session, "marta", "Marta Ruiz", "$argon2id$hash", AT)
    target = f"sqlite:///{tmp_path / 'restaurada.db'}"
    ok(backup(target, "restore", str(copy)))
    assert every_row(target) == expected


def test_a_non_empty_database_is_replaced_only_with_force(filled_sqlite, tmp_path):
    copy = tmp_path / "copia.sqlite3"
    ok(backup(filled_sqlite, "dump", "--out", str(copy)))
    target = f"sqlite:///{tmp_path / 'otra.db'}"
    migrate(target)
    with session_for(target) as session:
        create_agent(session, "solo-aqui", "Solo Aquí", "$argon2id$hash", AT)
    engine_for(target).dispose()
    before = every_row(target)

    refused(backup(target, "restore", str(copy)), "no está vacía", "--force")
    assert every_row(target) == before

    ok(backup(target, "restore", str(copy), "--force"))
    assert_everything_restored(filled_sqlite, target)


def test_missing_foreign_and_damaged_copies_are_refused(filled_sqlite, tmp_path):
    target = f"sqlite:///{tmp_path / 'destino.db'}"
    refused(backup(target, "restore", str(tmp_path / "no-existe.sqlite3")),
            "No existe el archivo")

    foreign = tmp_path / "notas.txt"
    foreign.write_text("no es una copia\n")
    refused(backup(target, "restore", str(foreign)), "no es una copia")

    copy = tmp_path / "copia.sqlite3"
    ok(backup(filled_sqlite, "dump", "--out", str(copy)))
    damaged = tmp_path / "cortada.sqlite3"
    damaged.write_bytes(copy.read_bytes()[: copy.stat().st_size // 3])
    refused(backup(target, "restore", str(damaged)), "dañada o incompleta")
    assert not (tmp_path / "destino.db").exists()


def test_dump_never_overwrites_and_writes_into_a_folder(filled_sqlite, tmp_path):
    existing = tmp_path / "ya-existe.sqlite3"
    existing.write_bytes(b"anterior")
    refused(backup(filled_sqlite, "dump", "--out", str(existing)), "Ya existe")
    assert existing.read_bytes() == b"anterior"

    folder = tmp_path / "copias"
    folder.mkdir()
    env_now = {"TENJO_FAKE_NOW": "2026-12-01T09:00:00-05:00"}
    result = subprocess.run(
        [sys.executable, "-m", "tools.backup", "dump", "--out", str(folder)], cwd=ROOT,
        env={**os.environ, "DATABASE_URL": filled_sqlite, **env_now},
        capture_output=True, text=True, timeout=120)
    ok(result)
    assert [p.name for p in folder.iterdir()] == ["tenjo-20261201-090000.sqlite3"]


def test_a_missing_sqlite_database_is_said_plainly(tmp_path):
    refused(backup(f"sqlite:///{tmp_path / 'nada.db'}", "dump", "--out",
                   str(tmp_path / "c.sqlite3")), "No existe la base de datos SQLite")
    assert not (tmp_path / "c.sqlite3").exists()


def test_the_default_name_is_in_backups_with_the_time_in_bogota():
    assert output_path(None, "postgresql", AT) == ROOT / "backups" / "tenjo-20261201-090000.pgdump"
    assert output_path(None, "sqlite", AT).name == "tenjo-20261201-090000.sqlite3"


def test_the_password_never_reaches_a_command_line():
    database = database_of(
        "postgresql://tenjo:s3cr%27t%20x@db.example:5433/tenjo?sslmode=require")
    assert "s3cr" not in database.conninfo and "s3cr" not in database.shown
    assert database.conninfo == (
        "dbname='tenjo' host='db.example' port='5433' user='tenjo' sslmode='require'")
    env = database.client_env({"PATH": "/usr/bin", "PGPASSWORD": "otra"})
    assert env == {"PATH": "/usr/bin", "PGPASSWORD": "s3cr't x"}
    assert "PGPASSWORD" not in database_of("postgresql://tenjo@/tenjo").client_env({})
    with pytest.raises(BackupError, match="PostgreSQL y SQLite"):
        database_of("mysql://u@h/d")
    with pytest.raises(BackupError, match="en memoria"):
        database_of("sqlite://")


# ---------------------------------------------------------------- PostgreSQL

def test_postgresql_copy_restores_into_a_fresh_database(postgresql_url, postgres_databases,
                                                        tmp_path):
    fill(postgresql_url)
    copy = tmp_path / "copia.pgdump"
    dumped = ok(backup(postgresql_url, "dump", "--out", str(copy)))
    assert copy.read_bytes().startswith(b"PGDMP")
    assert "  follow_ups: 2" in dumped.stdout.splitlines()

    target = postgres_databases.take()  # a freshly created, empty database
    try:
        restored = ok(backup(target, "restore", str(copy)))
        assert restored.stdout.splitlines()[1:] == dumped.stdout.splitlines()[1:]
        assert_everything_restored(postgresql_url, target)

        # Again into the same, now non-empty, database: refused, then replaced with --force.
        refused(backup(target, "restore", str(copy)), "no está vacía")
        with session_for(target) as session:
            create_agent(session, "intrusa", "Intrusa", "$argon2id$hash", AT)
        engine_for(target).dispose()
        ok(backup(target, "restore", str(copy), "--force"))
        assert_everything_restored(postgresql_url, target)

        # A damaged copy or one of the other engine changes nothing.
        before = every_row(target)
        damaged = tmp_path / "cortada.pgdump"
        damaged.write_bytes(copy.read_bytes()[: copy.stat().st_size // 2])
        refused(backup(target, "restore", str(damaged), "--force"), "dañada o incompleta")
        sqlite_copy = tmp_path / "otra.sqlite3"
        sqlite_db = f"sqlite:///{tmp_path / 'otra.db'}"
        migrate(sqlite_db)
        engine_for(sqlite_db).dispose()
        ok(backup(sqlite_db, "dump", "--out", str(sqlite_copy)))
        refused(backup(target, "restore", str(sqlite_copy), "--force"),
                "es una copia de SQLite", "es PostgreSQL")
        assert every_row(target) == before
    finally:
        engine_for(target).dispose()
        postgres_databases.drop(target)
