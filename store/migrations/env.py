"""Alembic environment: migrates the app's tables of the URL given by `store.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from store.models import Base

# Rasa's tracker store shares the database: its tables are not ours to migrate.
RASA_TABLES = {"events"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leaves Rasa's tables out of autogeneration."""
    return not (type_ == "table" and name in RASA_TABLES)


def run_migrations() -> None:
    """Runs the migrations online, on the configured URL or connection."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), future=True)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
