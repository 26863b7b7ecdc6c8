"""Oldest turn first (rasa_runtime/turn_order.py): stages ready at the same moment go in
the order their turns started; a stage with nothing older ready does not wait."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from rasa.core.processor import MessageProcessor

import rasa_runtime
from rasa_runtime import turn_order
from rasa_runtime.replacing import rasas
from rasa_runtime.turn_order import OldestFirst, message_received, stamped, wait_for_turn


def stages_in_one_pass(ages: list[float], cancel: set[float] = frozenset()) -> list[float]:
    """The order in which stages that all became ready together went on."""

    async def scenario() -> list[float]:
        queue = OldestFirst()
        order: list[float] = []

        async def stage(age: float) -> None:
            await queue.wait(age)
            order.append(age)

        tasks = {age: asyncio.create_task(stage(age)) for age in ages}
        await asyncio.sleep(0)  # every stage is queued now
        for age in cancel:
            tasks[age].cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        assert len(queue) == 0
        return order

    return asyncio.run(scenario())


@pytest.mark.parametrize("ages", [[3.0, 1.0, 2.0], [1.0, 2.0, 3.0], [5.0, 4.0, 3.0, 2.0, 1.0]])
def test_stages_ready_together_go_oldest_first(ages):
    assert stages_in_one_pass(ages) == sorted(ages)


def test_turns_of_the_same_age_keep_their_arrival_order():
    assert stages_in_one_pass([2.0, 1.0, 2.0, 1.0]) == [1.0, 1.0, 2.0, 2.0]


def test_a_cancelled_stage_lets_the_next_one_go():
    assert stages_in_one_pass([1.0, 2.0, 3.0], cancel={1.0}) == [2.0, 3.0]


def two_turns(gate: bool) -> list[str]:
    """An older turn whose action answer arrives just after a newer turn's tracker read."""

    async def scenario() -> list[str]:
        ready = asyncio.Event()
        order: list[str] = []

        async def turn(name: str, waits_elsewhere_first: float) -> None:
            message_received()
            await asyncio.sleep(waits_elsewhere_first)
            await ready.wait()  # the answer it waited for has come
            if gate:
                await wait_for_turn()
            order.append(name)

        older = asyncio.create_task(turn("older", 0.02))
        await asyncio.sleep(0.01)
        newer = asyncio.create_task(turn("newer", 0))
        await asyncio.sleep(0.05)  # the newer turn waits first, so it would wake first
        ready.set()
        await asyncio.gather(older, newer)
        return order

    return asyncio.run(scenario())


def test_the_older_turn_goes_on_first_although_the_newer_one_woke_first():
    assert two_turns(gate=False) == ["newer", "older"]  # the event loop's own order
    assert two_turns(gate=True) == ["older", "newer"]


def test_a_stage_with_nothing_older_ready_goes_on_at_once():
    async def scenario() -> int:
        passes = 0

        async def count_passes() -> None:
            nonlocal passes
            while True:
                passes += 1
                await asyncio.sleep(0)

        counter = asyncio.create_task(count_passes())
        await asyncio.sleep(0)
        before = passes
        await wait_for_turn()
        counter.cancel()
        return passes - before

    assert asyncio.run(scenario()) <= 2


def test_stamped_stamps_each_turn_on_arrival_and_only_for_that_turn():
    async def scenario() -> tuple[list[float], list[float], float | None]:
        seen: list[float] = []

        async def on_new_message(_message: object) -> None:
            seen.append(turn_order._received.get())

        handler = stamped(on_new_message)
        loop = asyncio.get_running_loop()
        arrivals = []
        for _ in range(2):  # two requests served by one task, as on a keep-alive connection
            await asyncio.sleep(0.01)
            arrivals.append(loop.time())
            await handler(None)
        return seen, arrivals, turn_order._received.get(None)

    seen, arrivals, left_after = asyncio.run(scenario())
    assert arrivals[0] <= seen[0] < arrivals[1] <= seen[1]  # each turn its own arrival
    assert left_after is None


def test_install_orders_the_processors_stages_once():
    names = [replacement.name for replacement in turn_order.REPLACEMENTS]
    assert names == ["parse_message", "_run_action", "save_tracker"]
    rasa_runtime.install()
    wrapped = {name: getattr(MessageProcessor, name) for name in names}
    rasa_runtime.install()
    for name, method in wrapped.items():
        assert getattr(MessageProcessor, name) is method
        assert method.__wrapped__ is rasas(MessageProcessor, name), "Rasa's own, wrapped once"
        assert method.__wrapped__.__module__ == "rasa.core.processor"


def test_a_finished_event_loop_is_not_kept_alive_by_its_queue():
    async def probe() -> weakref.ref:
        await wait_for_turn()
        return weakref.ref(asyncio.get_running_loop())

    loop = asyncio.run(probe())
    gc.collect()
    assert loop() is None
