"""Engines, sessions and migrations for `DATABASE_URL`; nothing connects at import time."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event, update
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool, StaticPool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def pool_options(url: str | URL) -> dict:
    """`create_engine` options: a pool of connections for a SQLite file too.

    SQLAlchemy 1.4 opens a new connection to a SQLite file for every session (and
    runs our `PRAGMA`s on it each time); a pool keeps a few open, as SQLAlchemy 2.0
    does. An in-memory database is one connection shared by every thread (each
    connection would be another, empty database). Server databases keep the default
    pool, with a check of each connection taken from it (a server may have closed it).
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return {"pool_pre_ping": True}
    shared = {"connect_args": {"check_same_thread": False}}
    if parsed.database in (None, "", ":memory:"):
        return {"poolclass": StaticPool, **shared}
    return {"poolclass": QueuePool, **shared}


def create_pooled_engine(url: str | URL, **options) -> Engine:
    """An engine with `pool_options`; on SQLite, each connection gets `sqlite_pragmas`."""
    engine = create_engine(url, **pool_options(url), **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per URL (the schema comes from `migrate`)."""
    _ensure_sqlite_folder(url)
    return create_pooled_engine(url, future=True)


def sqlite_pragmas(connection, record) -> None:
    """SQLite as the processes sharing the file need it.

    Foreign keys are checked, as PostgreSQL always does. The file is in write-ahead
    mode: with SQLite's default journal a reader waits while a writer commits, and
    the Rasa server, the action server and the web app all write to the file
    (`make run`). Commits still reach the disk before they return (`synchronous`
    stays FULL).
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def session_for(url: str) -> Session:
    """A new session bound to the engine of `url` (use it as a context manager)."""
    return Session(engine_for(url), future=True)


def update_if(session: Session, model, conditions: tuple, values: dict) -> bool:
    """One conditional UPDATE of `model`, committed: True when exactly one row matched.

    Every state change of the store goes through this, so two processes racing for
    the same row (two agents, an agent and the sweep) cannot both win.
    """
    result = session.execute(
        update(model).where(*conditions).values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def alembic_config(url: str):
    """Alembic's configuration for this project's migrations on `url`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Brings the app's tables of `url` up to `revision` (Alembic upgrade)."""
    from alembic import command

    _ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), revision)
