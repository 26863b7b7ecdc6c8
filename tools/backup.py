"""Copies of the database and their restoration (`make backup`, `make restore FILE=...`).

    python -m tools.backup dump [--out FILE_OR_FOLDER]
    python -m tools.backup restore FILE [--force]

`DATABASE_URL` (the environment, then `.env`) says which database and how:

- PostgreSQL: `pg_dump --format=custom` to a file, `pg_restore --clean --if-exists
  --no-owner --no-privileges --single-transaction` from it (all or nothing). The
  password goes to pg_dump and pg_restore in `PGPASSWORD`, never on a command line;
  the other parts of the URL as a libpq connection string (`--dbname`). Another
  pg_dump than the first on the PATH: put its folder first on the PATH.
- SQLite: a consistent copy of the live file through SQLite's backup API (the
  processes may keep writing meanwhile), restored the same way.

A copy is written to a temporary name, read back in full (pg_restore to /dev/null, or
SQLite's integrity check) and only then given its name: `backups/tenjo-<Bogotá time>`
with `.pgdump` or `.sqlite3`, or `--out` (a file, or a folder for that name).
Restoring refuses a missing, foreign or damaged file, a copy of the other engine,
and a database that already has tables unless `--force` (whose content the copy then
replaces). Both print the rows of each table, to compare a restore drill with its copy.

Exit status: 0 done; 1 refused or failed (one line says why); 2 wrong arguments or
settings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from settings import ROOT, SettingError, current, load_dotenv_or_exit

BACKUP_FOLDER = ROOT / "backups"
ZONE = ZoneInfo("America/Bogota")
POSTGRESQL, SQLITE = "postgresql", "sqlite"
SUFFIXES = {POSTGRESQL: ".pgdump", SQLITE: ".sqlite3"}
NAMES = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}
# The first bytes of each kind of copy.
MAGIC = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
CLIENT_PACKAGE = "postgresql-client (Debian: sudo apt-get install postgresql-client)"


class BackupError(Exception):
    """The copy or the restore cannot be done; the message says why, for a person."""


@dataclass(frozen=True)
class Database:
    """Where `DATABASE_URL` points, as the copy tools need it."""

    kind: str  # POSTGRESQL or SQLITE
    shown: str  # the URL without its password, for messages
    url: str = field(repr=False)
    path: Path | None = None  # SQLite: the file
    conninfo: str = ""  # PostgreSQL: libpq keywords, without the password
    password: str | None = field(default=None, repr=False)

    def client_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of pg_dump and pg_restore: the password in PGPASSWORD."""
        env = dict(os.environ if base is None else base)
        env.pop("PGPASSWORD", None)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


def _libpq_value(value: str) -> str:
    """A libpq connection-string value, quoted (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def database_of(url: str) -> Database:
    """The database of a SQLAlchemy URL (PostgreSQL or a SQLite file)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BackupError("DATABASE_URL no es una dirección de base de datos válida.") from None
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend == SQLITE:
        if parsed.database in (None, "", ":memory:"):
            raise BackupError("Una base de datos SQLite en memoria no se puede copiar.")
        return Database(SQLITE, shown, url, path=Path(parsed.database))
    if backend == POSTGRESQL:
        if not parsed.database:
            raise BackupError(f"DATABASE_URL ({shown}) no dice qué base de datos copiar.")
        keywords = {"dbname": parsed.database}
        if parsed.host:
            keywords["host"] = parsed.host
        if parsed.port:
            keywords["port"] = str(parsed.port)
        if parsed.username:
            keywords["user"] = parsed.username
        for key, value in parsed.query.items():  # sslmode, host of a socket folder, ...
            keywords[key] = value if isinstance(value, str) else value[-1]
        conninfo = " ".join(f"{key}={_libpq_value(value)}" for key, value in keywords.items())
        return Database(POSTGRESQL, shown, url, conninfo=conninfo, password=parsed.password)
    raise BackupError(f"Solo se copian bases PostgreSQL y SQLite, no {backend} ({shown}).")


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"Falta {name}: instale el paquete {CLIENT_PACKAGE}.")
    return found


def _run(command: list[str], env: Mapping[str, str] | None = None
         ) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=None if env is None else dict(env),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)


def _reason(result: subprocess.CompletedProcess) -> str:
    """The last meaningful line a client program printed."""
    lines = [line.strip() for line in (result.stderr or result.stdout).splitlines()
             if line.strip()]
    return lines[-1] if lines else f"código de salida {result.returncode}"


# ---------------------------------------------------------------- what a database holds

def table_counts(database: Database) -> dict[str, int]:
    """Rows of every table of the database (empty when it has none), by table name."""
    if database.kind == SQLITE:
        if database.path is None or not database.path.exists():
            return {}
        try:
            connection = sqlite3.connect(f"file:{database.path}?mode=ro", uri=True)
            try:
                names = [row[0] for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
                return {name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                        for name in names}
            finally:
                connection.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"No se pudo leer la base de datos SQLite {database.path} "
                              f"({error}).") from None
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(database.url, future=True, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            counts = {}
            inspector = inspect(connection)
            for schema in inspector.get_schema_names():
                if schema in ("information_schema",) or schema.startswith("pg_"):
                    continue
                for name in inspector.get_table_names(schema=schema):
                    label = name if schema == "public" else f"{schema}.{name}"
                    counts[label] = connection.execute(
                        text(f'SELECT COUNT(*) FROM "{schema}"."{name}"')).scalar_one()
            return dict(sorted(counts.items()))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BackupError(
            f"No se pudo usar la base de datos {database.shown} ({reason}).") from None
    finally:
        engine.dispose()


def _print_counts(counts: Mapping[str, int], say: Callable[[str], None]) -> None:
    say("Filas por tabla:")
    for name, count in counts.items():
        say(f"  {name}: {count}")


# ---------------------------------------------------------------- checking a copy

def kind_of_file(path: Path) -> str:
    """POSTGRESQL or SQLITE by the file's first bytes; BackupError when it is neither."""
    if not path.is_file():
        raise BackupError(f"No existe el archivo {path}.")
    with path.open("rb") as handle:
        head = handle.read(16)
    for kind, magic in MAGIC.items():
        if head.startswith(magic):
            return kind
    raise BackupError(f"{path} no es una copia de esta herramienta "
                      "(ni pg_dump en formato custom ni SQLite).")


def check_copy(path: Path, kind: str) -> None:
    """Reads the whole copy; BackupError when it is damaged or incomplete."""
    if kind == POSTGRESQL:
        # Converting the whole archive to SQL (thrown away) reads every block of it.
        result = _run([_program("pg_restore"), "--file", os.devnull, str(path)])
        if result.returncode != 0:
            raise BackupError(f"La copia {path} está dañada o incompleta ({_reason(result)}).")
        return
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"La copia {path} está dañada o incompleta ({error}).") from None
    if verdict != "ok":
        raise BackupError(f"La copia {path} está dañada o incompleta ({verdict}).")


# ---------------------------------------------------------------- dump

def output_path(out: str | None, kind: str, now: datetime) -> Path:
    """Where the copy goes: `out` (a file, or an existing folder), else backups/."""
    name = f"tenjo-{now.astimezone(ZONE):%Y%m%d-%H%M%S}{SUFFIXES[kind]}"
    if out is None:
        return BACKUP_FOLDER / name
    chosen = Path(out)
    return chosen / name if chosen.is_dir() or out.endswith(os.sep) else chosen


def _dump_postgresql(database: Database, partial: Path) -> None:
    result = _run([_program("pg_dump"), "--format=custom", "--no-password",
                   "--file", str(partial), "--dbname", database.conninfo],
                  env=database.client_env())
    if result.returncode != 0:
        raise BackupError(f"pg_dump no pudo copiar {database.shown} ({_reason(result)}).")


def _dump_sqlite(database: Database, partial: Path) -> None:
    assert database.path is not None
    if not database.path.is_file():
        raise BackupError(f"No existe la base de datos SQLite {database.path}.")
    try:
        source = sqlite3.connect(database.path)
        target = sqlite3.connect(partial)
        try:
            source.backup(target)  # consistent even while other processes write
            # One self-contained file, whatever journal the live database uses.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
            source.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"No se pudo copiar {database.path} ({error}).") from None


def dump(database: Database, out: str | None, now: datetime,
         say: Callable[[str], None] = print) -> Path:
    """Writes and checks a copy of the database; returns its path."""
    path = output_path(out, database.kind, now)
    if path.exists():
        raise BackupError(f"Ya existe {path}: no se sobrescribe; elija otro nombre.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if database.kind == POSTGRESQL:
            _dump_postgresql(database, partial)
        else:
            _dump_sqlite(database, partial)
        check_copy(partial, database.kind)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    size = path.stat().st_size
    say(f"Copia de {database.shown} escrita y verificada: {path} ({size:,} bytes).")
    _print_counts(table_counts(database), say)
    return path


# ---------------------------------------------------------------- restore

def _restore_postgresql(database: Database, path: Path) -> None:
    result = _run([_program("pg_restore"), "--clean", "--if-exists", "--no-owner",
                   "--no-privileges", "--single-transaction", "--exit-on-error",
                   "--no-password", "--dbname", database.conninfo, str(path)],
                  env=database.client_env())
    if result.returncode != 0:
        raise BackupError(f"pg_restore no pudo restaurar en {database.shown}; no se cambió "
                          f"nada ({_reason(result)}).")


def _restore_sqlite(database: Database, path: Path) -> None:
    assert database.path is not None
    database.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(database.path)
        try:
            source.backup(target)  # replaces every page of the target, in one step
        finally:
            target.close()
            source.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"No se pudo restaurar en {database.path} ({error}).") from None


def restore(database: Database, path: Path, force: bool,
            say: Callable[[str], None] = print) -> dict[str, int]:
    """Restores the copy at `path` into the database; returns its rows per table."""
    kind = kind_of_file(path)
    if kind != database.kind:
        raise BackupError(f"{path} es una copia de {NAMES[kind]} y DATABASE_URL "
                          f"({database.shown}) es {NAMES[database.kind]}.")
    check_copy(path, kind)
    present = table_counts(database)
    if present and not force:
        raise BackupError(
            f"La base de datos {database.shown} no está vacía ({len(present)} tablas). "
            "Para reemplazar su contenido con la copia use --force "
            "(make restore FILE=... FORCE=1), con los servicios detenidos.")
    if kind == POSTGRESQL:
        _restore_postgresql(database, path)
    else:
        _restore_sqlite(database, path)
    counts = table_counts(database)
    say(f"Copia {path} restaurada en {database.shown}.")
    _print_counts(counts, say)
    return counts


# ---------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m tools.backup",
                                     description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dump_parser = commands.add_parser("dump", help="write a checked copy of DATABASE_URL")
    dump_parser.add_argument("--out", help="the copy's file, or a folder for it "
                             "(default: backups/tenjo-<date>-<time>)")
    restore_parser = commands.add_parser("restore", help="restore a copy into DATABASE_URL")
    restore_parser.add_argument("file", help="a copy written by `dump`")
    restore_parser.add_argument("--force", action="store_true",
                                help="replace the content of a database that has tables")
    args = parser.parse_args(argv)
    try:
        values = current()
    except SettingError as error:
        print(f"Error de configuración: {error}", file=sys.stderr)
        return 2
    try:
        database = database_of(values.database_url)
        if args.command == "dump":
            dump(database, args.out, values.clock())
        else:
            restore(database, Path(args.file), args.force)
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    except OSError as error:
        print(f"No se pudo leer o escribir un archivo ({error}).", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrumpido.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    load_dotenv_or_exit()  # the .env at the root, as `make run` reads it
    sys.exit(main())
