"""Engines, sessions and migrations for `DATABASE_URL`; nothing connects at import time."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per URL (the schema comes from `migrate`)."""
    _ensure_sqlite_folder(url)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(connection, record) -> None:
    """SQLite checks foreign keys only when asked, as PostgreSQL always does."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
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
