"""The windowed SQL tracker store (rasa_runtime/tracker_store.py), on SQLite and PostgreSQL:
the same state as stock Rasa's full replay, the recent turns exactly, nothing lost or
stored twice when a windowed tracker is saved."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event as sa_event
from sqlalchemy.pool import QueuePool, StaticPool

from rasa_runtime.tracker_store import (
    DEFAULT_WINDOW_EVENTS,
    WindowedSQLTrackerStore,
    window_from_env,
)
from settings import SettingError
from store.db import engine_for, pool_options
from tools.stack import ROOT

WINDOW = 40


@lru_cache(maxsize=1)
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def stores(blank_database_url):
    """(windowed store, stock store) on the same fresh database."""
    windowed = WindowedSQLTrackerStore(domain=domain(), host=blank_database_url,
                                       window_events=WINDOW)
    stock = WindowedSQLTrackerStore(domain=domain(), host=blank_database_url, window_events=0)
    yield windowed, stock
    windowed.engine.dispose()
    stock.engine.dispose()


def turn(number: int, clock: list[float]) -> list:
    """One FAQ turn: the citizen's question, the action, four answers, a slot, listen."""
    def at() -> float:
        clock[0] += 1
        return clock[0]

    return [
        UserUttered(f"pregunta {number}", intent={"name": "faq", "confidence": 1.0},
                    timestamp=at()),
        ActionExecuted("action_answer_faq", timestamp=at()),
        *[BotUttered(f"respuesta {number}.{part}", timestamp=at()) for part in range(4)],
        SlotSet("next_step", f"step-{number % 3}", timestamp=at()),
        ActionExecuted("action_listen", timestamp=at()),
    ]


def conversation(turns: int, *, extra: dict[int, list] | None = None) -> DialogueStateTracker:
    clock = [1_700_000_000.0]
    events = [ActionExecuted("action_session_start", timestamp=clock[0]),
              SessionStarted(timestamp=clock[0]),
              ActionExecuted("action_listen", timestamp=clock[0]),
              UserUttered("hola", intent={"name": "greet", "confidence": 1.0}, timestamp=clock[0]),
              SlotSet("nombre", "Rosa", timestamp=clock[0]),
              ActionExecuted("action_listen", timestamp=clock[0])]
    for number in range(turns):
        events += (extra or {}).get(number, [])
        events += turn(number, clock)
    return DialogueStateTracker.from_events("citizen-1", events, domain().slots)


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_long_session_is_windowed_with_the_same_state(stores):
    windowed, stock = stores
    run(stock.save(conversation(30)))
    full = run(stock.retrieve("citizen-1"))
    short = run(windowed.retrieve("citizen-1"))
    assert len(full.events) == 6 + 30 * 8
    assert len(short.events) <= WINDOW + 3
    assert short.current_slot_values() == full.current_slot_values()
    assert short.get_slot("nombre") == "Rosa", "set once, 30 turns before the window"
    assert short.latest_message.text == full.latest_message.text == "pregunta 29"
    assert short.latest_action_name == full.latest_action_name == "action_listen"
    kept = list(short.events)[-len(short.events) + 1:]
    assert [e.as_dict() for e in kept][-WINDOW + 8:] == [
        e.as_dict() for e in list(full.events)[-WINDOW + 8:]], "the recent turns exactly"
    first_of_window = next(e for e in short.events if isinstance(e, ActionExecuted))
    assert first_of_window.action_name == "action_listen", "the window starts on a turn"


@pytest.mark.parametrize("turns", [3, 30], ids=["short", "windowed"])
def test_saving_a_retrieved_tracker_adds_each_new_event_once(stores, turns):
    windowed, stock = stores
    run(stock.save(conversation(turns)))
    before = len(run(stock.retrieve("citizen-1")).events)
    tracker = run(windowed.retrieve("citizen-1"))
    new_turn = turn(99, [2_000_000_000.0])
    for event in new_turn[:4]:
        tracker.update(event)
    run(windowed.save(tracker))
    for event in new_turn[4:]:
        tracker.update(event)
    run(windowed.save(tracker))
    run(windowed.save(tracker))  # nothing new: nothing written
    after = run(stock.retrieve("citizen-1"))
    assert len(after.events) == before + len(new_turn)
    assert [e.as_dict() for e in list(after.events)[-len(new_turn):]] == [
        e.as_dict() for e in new_turn]


def test_state_events_before_the_window_still_count(stores):
    windowed, stock = stores
    extra = {
        3: [SlotSet("nombre", "Ana", timestamp=1_700_000_010.0)],
        5: [AllSlotsReset(timestamp=1_700_000_020.0),
            SlotSet("handoff", "waiting", timestamp=1_700_000_021.0)],
        6: [ActiveLoop("some_form", timestamp=1_700_000_030.0)],
        7: [ConversationPaused(timestamp=1_700_000_040.0)],
    }
    run(stock.save(conversation(30, extra=extra)))
    full = run(stock.retrieve("citizen-1"))
    short = run(windowed.retrieve("citizen-1"))
    assert len(short.events) < len(full.events)
    assert short.current_slot_values() == full.current_slot_values()
    assert short.get_slot("nombre") is None, "reset after it was set"
    assert short.get_slot("handoff") == "waiting"
    assert short.active_loop_name == full.active_loop_name == "some_form"
    assert short.is_paused() and full.is_paused()


def test_only_the_latest_session_is_read(stores):
    """Events of an earlier session stay out of the window and of its state."""
    windowed, stock = stores
    earlier = conversation(20, extra={2: [SlotSet("handoff", "taken", timestamp=1_700_000_005.0)]})
    later = [ActionExecuted("action_session_start", timestamp=1_800_000_000.0),
             SessionStarted(timestamp=1_800_000_000.0),
             ActionExecuted("action_listen", timestamp=1_800_000_000.0)]
    clock = [1_800_000_000.0]
    for number in range(30):
        later += turn(number, clock)
    tracker = earlier
    for event in later:
        tracker.update(event)
    run(stock.save(tracker))
    full = run(stock.retrieve("citizen-1"))
    short = run(windowed.retrieve("citizen-1"))
    assert len(full.events) == len(later)
    assert len(short.events) < len(full.events)
    assert short.current_slot_values() == full.current_slot_values()
    assert short.get_slot("handoff") is None, "set in the earlier session"
    assert short.get_slot("nombre") is None
    assert short.events[0].timestamp == 1_800_000_000.0


@contextmanager
def sqlite_steps(store: WindowedSQLTrackerStore) -> Iterator[list[int]]:
    """Counts the SQLite virtual machine's steps of each statement the store runs."""
    steps: list[int] = []

    def step() -> int:
        steps[-1] += 1
        return 0

    def before(_conn, cursor, *_args) -> None:
        steps.append(0)
        cursor.connection.set_progress_handler(step, 1)

    def after(_conn, cursor, *_args) -> None:
        cursor.connection.set_progress_handler(None, 1)

    sa_event.listen(store.engine, "before_cursor_execute", before)
    sa_event.listen(store.engine, "after_cursor_execute", after)
    try:
        yield steps
    finally:
        sa_event.remove(store.engine, "before_cursor_execute", before)
        sa_event.remove(store.engine, "after_cursor_execute", after)


@pytest.mark.parametrize("blank_database_url", ["sqlite"], indirect=True)
def test_a_window_reads_as_much_at_turn_300_as_at_turn_30(stores):
    """Each statement reads through an index: the work does not grow with the chat."""
    windowed, stock = stores
    work = {}
    for turns, sender in ((30, "citizen-1"), (300, "citizen-2")):
        tracker = conversation(turns)
        tracker.sender_id = sender
        run(stock.save(tracker))
        with sqlite_steps(windowed) as steps:
            assert len(run(windowed.retrieve(sender)).events) <= WINDOW + 3
        work[turns] = sum(steps)
    assert work[300] < 1.2 * work[30], work


def test_a_short_session_is_whole(stores):
    windowed, stock = stores
    run(stock.save(conversation(3)))
    short = run(windowed.retrieve("citizen-1"))
    assert [e.as_dict() for e in short.events] == [
        e.as_dict() for e in run(stock.retrieve("citizen-1")).events]


def test_the_full_tracker_is_untouched(stores):
    windowed, stock = stores
    run(stock.save(conversation(30)))
    assert len(run(windowed.retrieve_full_tracker("citizen-1")).events) == 6 + 30 * 8


def test_an_unknown_conversation_is_none(stores):
    assert run(stores[0].retrieve("nobody")) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("", DEFAULT_WINDOW_EVENTS), ("60", 60), ("0", 0),
])
def test_window_setting(raw, expected):
    assert window_from_env({"TRACKER_WINDOW_EVENTS": raw}) == expected


@pytest.mark.parametrize("raw", ["-5", "many"])
def test_a_bad_window_is_refused_naming_the_variable(raw):
    with pytest.raises(SettingError, match="TRACKER_WINDOW_EVENTS"):
        window_from_env({"TRACKER_WINDOW_EVENTS": raw})


def test_a_new_conversation_is_saved_as_rasa_does(stores):
    windowed, stock = stores
    tracker = run(windowed.create_tracker("citizen-2"))
    tracker.update(UserUttered("hola", intent={"name": "greet", "confidence": 1.0}))
    run(windowed.save(tracker))
    assert [e.type_name for e in run(stock.retrieve("citizen-2")).events][-2:] == [
        "action", "user"]


def test_events_are_read_as_rasa_reads_them():
    """The table lookup gives the same events as Rasa's walk over every Event class."""
    from rasa.shared.core import events as rasa_events

    from rasa_runtime.tracker_store import deserialise_events

    stored = [event.as_dict() for event in conversation(3).events]
    stored += [ActiveLoop("form").as_dict(), AllSlotsReset().as_dict(),
               ConversationPaused().as_dict(), {"no_event": True},
               {"event": "topic", "topic": "old"}]
    assert {item.get("event") for item in stored} >= {
        "action", "session_started", "user", "bot", "slot", "active_loop", "reset_slots",
        "pause"}
    assert deserialise_events(stored) == rasa_events.deserialise_events(stored)
    with pytest.raises(ValueError):
        deserialise_events([{"event": "no_such_event"}])


def test_turns_reuse_the_connections_of_a_pool(stores):
    """A retrieve and a save per turn no longer open a database connection each."""
    windowed, _ = stores
    opened = []
    sa_event.listen(windowed.engine, "connect", lambda *_: opened.append(1))
    run(windowed.save(conversation(2)))
    for _ in range(3):
        tracker = run(windowed.retrieve("citizen-1"))
        tracker.update(UserUttered("otra pregunta", intent={"name": "faq", "confidence": 1.0}))
        run(windowed.save(tracker))
    assert len(opened) <= 1
    assert len(run(windowed.retrieve("citizen-1")).events) == len(conversation(2).events) + 3


@pytest.mark.parametrize(
    ("url", "pool", "pinged"),
    [("sqlite:////tmp/tenjo.db", QueuePool, False), ("sqlite://", StaticPool, False),
     ("postgresql://postgres@127.0.0.1:5432/tenjo", None, True)],
)
def test_pool_options(url, pool, pinged):
    options = pool_options(url)
    assert options.get("poolclass") is pool
    assert options.get("pool_pre_ping", False) is pinged


def test_an_in_memory_store_keeps_its_events_across_threads():
    """One database for the loop and the worker thread, with Rasa's tables in it."""
    store = WindowedSQLTrackerStore(domain=domain(), host="sqlite://", window_events=WINDOW)
    run(store.save(conversation(2)))
    tracker = run(store.retrieve("citizen-1"))
    tracker.update(UserUttered("otra", intent={"name": "faq", "confidence": 1.0}))
    run(store.save(tracker))
    assert len(run(store.retrieve("citizen-1")).events) == len(conversation(2).events) + 1


def hold_events_table(url: str, seconds: float) -> threading.Thread:
    """Another client holds a write lock for `seconds`: writers (and, on PostgreSQL,
    readers of the events table) must wait."""
    locked = threading.Event()

    def hold() -> None:
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.exec_driver_sql("BEGIN")
                connection.exec_driver_sql("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
            locked.set()
            time.sleep(seconds)
            connection.exec_driver_sql("COMMIT")
        engine.dispose()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait(10)
    return thread


def test_waiting_for_the_database_leaves_the_event_loop_free(stores, blank_database_url):
    """While one conversation waits for the database, the others' turns go on."""
    windowed, _ = stores
    run(windowed.save(conversation(2)))
    postgres = blank_database_url.startswith("postgresql")

    async def waits(operation) -> int:
        ticks = 0
        holder = hold_events_table(blank_database_url, 0.6)
        task = asyncio.ensure_future(operation())
        while not task.done():
            ticks += 1
            await asyncio.sleep(0.01)
        holder.join()
        task.result()
        return ticks

    async def turn() -> None:
        tracker = await windowed.retrieve("citizen-1")
        tracker.update(UserUttered("otra", intent={"name": "faq", "confidence": 1.0}))
        if postgres:  # a read waits too
            assert await waits(lambda: windowed.retrieve("citizen-1")) >= 20
        assert await waits(lambda: windowed.save(tracker)) >= 20  # it ran during the wait

    run(turn())
    assert len(run(windowed.retrieve("citizen-1")).events) == len(conversation(2).events) + 1


def test_sqlite_files_are_in_write_ahead_mode(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path / 'tenjo.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
