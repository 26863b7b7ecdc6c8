"""A conversation's lock deleted by another process meanwhile (rasa_runtime/lock_retry.py):
Rasa's own refuses the turn at once; ours takes the lock again and runs the turn once.
Otherwise both serve turns in the order of their tickets and refuse an expired lock."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore

from rasa_runtime import lock_retry
from rasa_runtime.replacing import rasas

RASAS = rasas(LockStore, "lock")
OURS = lock_retry.lock


class DeletedByAnotherProcess(InMemoryLockStore):
    """Another process deletes the lock right after the first `deletions` tickets are
    issued (it finished its own turn and saw nobody waiting)."""

    def __init__(self, deletions: int) -> None:
        super().__init__()
        self.deletions = deletions

    def issue_ticket(self, conversation_id: str, lock_lifetime: float) -> int:
        ticket = super().issue_ticket(conversation_id, lock_lifetime)
        if self.deletions:
            self.deletions -= 1
            self.delete_lock(conversation_id)
        return ticket


def take_turns(lock, store: LockStore, turns: int = 1, lifetime: float = 60) -> list[int]:
    """Runs `turns` concurrent turns of one conversation; the order they ran in."""
    ran: list[int] = []

    async def turn(number: int) -> None:
        async with lock(store, "vecina", lock_lifetime=lifetime, wait_time_in_seconds=0.01):
            await asyncio.sleep(0.01)
            ran.append(number)

    async def scenario() -> None:
        await asyncio.gather(*(turn(number) for number in range(turns)))

    asyncio.run(scenario())
    return ran


@pytest.mark.parametrize("lock", [RASAS, OURS], ids=["rasa", "ours"])
def test_turns_of_one_conversation_run_one_at_a_time_in_ticket_order(lock):
    store = InMemoryLockStore()
    assert take_turns(lock, store, turns=5) == [0, 1, 2, 3, 4]
    assert store.get_lock("vecina") is None, "nothing left behind"


def test_a_lock_deleted_meanwhile_refuses_the_turn_in_rasa_and_not_here():
    with pytest.raises(LockError):
        take_turns(RASAS, DeletedByAnotherProcess(deletions=1))
    store = DeletedByAnotherProcess(deletions=1)
    assert take_turns(OURS, store) == [0], "the turn ran, once"
    assert store.get_lock("vecina") is None


def test_a_lock_deleted_again_and_again_is_refused_after_a_few_attempts():
    store = DeletedByAnotherProcess(deletions=lock_retry.ATTEMPTS)
    with pytest.raises(LockError):
        take_turns(OURS, store)
    assert store.deletions == 0, f"{lock_retry.ATTEMPTS} attempts"


@pytest.mark.parametrize("lock", [RASAS, OURS], ids=["rasa", "ours"])
def test_a_ticket_that_expired_while_waiting_is_refused_as_rasa_refuses_it(lock):
    """The second turn's ticket outlives its lifetime behind a long first turn, whose
    end then deletes the lock (nobody seems to wait): refused after waiting, not retried."""
    store = InMemoryLockStore()
    issued: list[int] = []
    issue = store.issue_ticket
    store.issue_ticket = lambda *args: issued.append(1) or issue(*args)

    async def scenario() -> None:
        async def first() -> None:
            async with lock(store, "vecina", lock_lifetime=60, wait_time_in_seconds=0.02):
                await asyncio.sleep(0.2)

        async def second() -> None:
            await asyncio.sleep(0.01)
            async with lock(store, "vecina", lock_lifetime=0.05, wait_time_in_seconds=0.02):
                pass

        results = await asyncio.gather(first(), second(), return_exceptions=True)
        assert results[0] is None
        assert isinstance(results[1], LockError)

    asyncio.run(scenario())
    assert len(issued) == 2, "no second ticket for the refused turn"
