"""Alembic migrations: they build exactly the models' schema, both ways, also from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from store.db import alembic_config, engine_for, migrate
from store.models import Base

ROOT = Path(__file__).resolve().parents[2]
APP_TABLES = set(Base.metadata.tables)
HEAD = "0007"


def schema_differences(url: str) -> list:
    """What autogenerate would change to make the database match the models."""
    with engine_for(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def tables_and_revision(url: str) -> tuple[set[str], str | None]:
    """The app's tables present in the database, and its Alembic revision."""
    with engine_for(url).connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = MigrationContext.configure(connection).get_current_revision()
    return tables & APP_TABLES, revision


def test_a_blank_database_has_no_app_tables(blank_database_url):
    """Connecting creates nothing: the schema only comes from migrations."""
    assert tables_and_revision(blank_database_url) == (set(), None)


def test_upgrade_to_head_matches_the_models(database_url):
    """After `migrate` every model table exists and autogenerate finds nothing to change."""
    assert tables_and_revision(database_url) == (APP_TABLES, HEAD)
    assert schema_differences(database_url) == []


def test_migrating_twice_is_harmless(database_url):
    """Running `migrate` again at head changes nothing."""
    migrate(database_url)
    assert tables_and_revision(database_url) == (APP_TABLES, HEAD)


def test_downgrade_to_base_then_upgrade_again(database_url):
    """The downgrade drops every app table; upgrading again restores the same schema."""
    command.downgrade(alembic_config(database_url), "base")
    assert tables_and_revision(database_url) == (set(), None)
    migrate(database_url)
    assert tables_and_revision(database_url) == (APP_TABLES, HEAD)
    assert schema_differences(database_url) == []


def test_the_migrate_command_upgrades_database_url(blank_database_url):
    """`python -m store.migrate` upgrades the database named by DATABASE_URL."""
    env = {**os.environ, "DATABASE_URL": blank_database_url}
    done = subprocess.run(
        [sys.executable, "-m", "store.migrate"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Database schema at head:")
    assert tables_and_revision(blank_database_url) == (APP_TABLES, HEAD)


def test_the_comparison_notices_a_drifted_schema(database_url):
    """Guards the check above: a missing index is reported as a difference."""
    with engine_for(database_url).begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_follow_ups_status")
    assert [diff[0] for diff in schema_differences(database_url)] == ["add_index"]
