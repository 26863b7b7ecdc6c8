"""Database fixtures (a pytest plugin, tests/conftest.py): a fresh SQLite file and a fresh
PostgreSQL database per test, for the store's tests and the tracker store's."""

from __future__ import annotations

import os
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from store.db import engine_for, migrate, session_for

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_PROBLEM = pytest.StashKey[str]()


class PostgresDatabases:
    """Fresh, uniquely named databases on one server, a few created ahead in the background.

    CREATE DATABASE is the slow part of a PostgreSQL test; making the next ones
    while a test runs keeps the whole run short. Each database serves one test.
    """

    def __init__(self, server: Engine, ahead: int = 3) -> None:
        self.server = server
        self.workers = ThreadPoolExecutor(ahead, thread_name_prefix="pg-databases")
        self.pending: deque[Future] = deque(self.workers.submit(self._create) for _ in range(ahead))
        self.dropping: list[Future] = []

    def _create(self) -> str:
        name = f"tenjo_store_{uuid.uuid4().hex[:16]}"
        with self.server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
        return name

    def _drop(self, name: str) -> None:
        with self.server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def take(self) -> str:
        """The URL of a new, empty database; the next one starts being made."""
        name = self.pending.popleft().result()
        self.pending.append(self.workers.submit(self._create))
        return make_url(self.server.url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Drops a database handed out by `take` (in the background)."""
        self.dropping.append(self.workers.submit(self._drop, make_url(url).database))

    def close(self) -> None:
        """Drops the databases made ahead and waits for every drop."""
        for future in self.pending:
            self.dropping.append(self.workers.submit(self._drop, future.result()))
        for future in self.dropping:
            future.result()
        self.workers.shutdown()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | str]:
    """Databases on the server of `TEST_POSTGRES_URL`, or why it cannot be reached."""
    url = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    server = create_engine(
        url, future=True, isolation_level="AUTOCOMMIT",
        # Test databases need no durability: not waiting for fsync keeps the run fast.
        connect_args={"connect_timeout": 5, "options": "-c synchronous_commit=off"},
    )
    try:
        with server.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        server.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        yield (
            f"PostgreSQL is not reachable at {shown} ({reason}); start it, or set "
            "TEST_POSTGRES_URL to a server where the user may CREATE DATABASE."
        )
        return
    databases = PostgresDatabases(server)
    yield databases
    databases.close()
    server.dispose()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """A PostgreSQL test without a server fails (it is not skipped) with a plain message."""
    problem = item.stash.get(POSTGRES_PROBLEM, None)
    if problem:
        pytest.fail(problem, pytrace=False)


def _forget_engine(url: str) -> None:
    """Closes the pooled connections of `url` and empties `engine_for`'s cache."""
    engine_for(url).dispose()
    engine_for.cache_clear()


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    """A new SQLite file, nothing in it yet."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    yield url
    _forget_engine(url)


@pytest.fixture
def postgresql_url(request) -> Iterator[str]:
    """A new, uniquely named PostgreSQL database, dropped after the test."""
    databases = request.getfixturevalue("postgres_databases")
    if isinstance(databases, str):  # unreachable: the test fails when it is called
        request.node.stash[POSTGRES_PROBLEM] = databases
        yield DEFAULT_POSTGRES_URL
        return
    url = databases.take()
    try:
        yield url
    finally:
        _forget_engine(url)
        databases.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_database_url(request) -> str:
    """An empty database on each backend (no tables yet)."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def database_url(request, blank_database_url) -> str:
    """A database of each backend, migrated to head."""
    if POSTGRES_PROBLEM not in request.node.stash:
        migrate(blank_database_url)
    return blank_database_url


@pytest.fixture
def session(database_url) -> Iterator[Session]:
    """A session on the migrated database."""
    with session_for(database_url) as session:
        yield session


@pytest.fixture
def race(database_url) -> Callable[..., list]:
    """Runs each `action(session)` in its own thread and session, all released at once.

    Returns what each returned, or the exception it raised, in the order given.
    """

    def run(*actions: Callable[[Session], object]) -> list:
        barrier = threading.Barrier(len(actions))
        results: list = [None] * len(actions)

        def worker(index: int, action: Callable[[Session], object]) -> None:
            with session_for(database_url) as own_session:
                try:
                    own_session.connection()  # connect before the start line
                    barrier.wait(timeout=10)
                    results[index] = action(own_session)
                except Exception as error:  # handed back to the test
                    results[index] = error

        threads = [threading.Thread(target=worker, args=item) for item in enumerate(actions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads), "a racing session hung"
        return results

    return run
