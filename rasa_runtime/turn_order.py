"""Oldest turn first: the Rasa process goes on with the turn that started first.

One Rasa process runs every conversation's turn on one event loop. A turn of this
assistant stops several times (the tracker store's worker thread, the call to the
action server), and each time it is ready again it queues behind whatever else is
ready, newer turns included: with many citizens at once the turns share the
processor in slices, and each one ends later than if they had gone in order of
arrival (docs/benchmarks.md). Here each stage that works the processor
(understanding the message, predicting after an action, saving the tracker) first
waits for its turn: among the stages ready at the same moment, the one of the
oldest message goes first. Nothing else changes: the same stages run, in the same
order within a turn, and a turn waits only while an older one has work ready.

The age of a turn is the loop time when the channel received the message
(`message_received()`); work that no channel stamped (an API call, a reminder)
counts from the moment it asks.

Replaces: `MessageProcessor.parse_message`, `_run_action` and `save_tracker`, wrapped
(`REPLACEMENTS`, installed by `rasa_runtime.install()`).
Tests: tests/rasa_runtime/test_turn_order.py.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import heapq
import itertools
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.processor import MessageProcessor

from rasa_runtime.replacing import Replacement

_received: contextvars.ContextVar[float] = contextvars.ContextVar("turn_received")
_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OldestFirst] = (
    weakref.WeakKeyDictionary()
)


class OldestFirst:
    """Lets the waiting stages of one event loop go on one per loop pass, oldest first."""

    def __init__(self) -> None:  # no reference to its loop, the key it is kept under
        self._waiting: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()
        self._pass_pending = False

    def __len__(self) -> int:
        return sum(not future.done() for *_, future in self._waiting)

    async def wait(self, age: float) -> None:
        """Returns when no stage that started before `age` is waiting."""
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (age, next(self._order), future))
        self._schedule()
        await future

    def _schedule(self) -> None:
        if not self._pass_pending:
            self._pass_pending = True
            # After the callbacks ready now: every stage ready in this pass is queued.
            asyncio.get_running_loop().call_soon(self._release_oldest)

    def _release_oldest(self) -> None:
        self._pass_pending = False
        while self._waiting:
            *_, future = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter is skipped
                future.set_result(None)
                break
        if self._waiting:
            self._schedule()


def message_received() -> None:
    """Stamps the current task's turn with the time its message arrived."""
    _received.set(asyncio.get_running_loop().time())


def stamped(
    on_new_message: Callable[[Any], Awaitable[Any]]
) -> Callable[[Any], Awaitable[Any]]:
    """`on_new_message` with its turn stamped on arrival, for that turn only.

    The stamp is taken off afterwards: a web server may serve several requests in
    one task (keep-alive), and the next one is a new turn.
    """

    @functools.wraps(on_new_message)
    async def handle(message: Any) -> Any:
        token = _received.set(asyncio.get_running_loop().time())
        try:
            return await on_new_message(message)
        finally:
            _received.reset(token)

    return handle


async def wait_for_turn() -> None:
    """Waits while stages of older turns are ready to run on this loop."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = OldestFirst()
    await queue.wait(_received.get(loop.time()))


def _before(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def waits_first(*args: Any, **kwargs: Any) -> Any:
        await wait_for_turn()
        return await method(*args, **kwargs)

    return waits_first


def _after(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def waits_after(*args: Any, **kwargs: Any) -> Any:
        result = await method(*args, **kwargs)
        await wait_for_turn()
        return result

    return waits_after


# The processor's stages that start work on the event loop after a wait elsewhere:
# the message's understanding (after the tracker's read), the next prediction
# (after an action: the action server's answer), the tracker's save.
REPLACEMENTS = (
    Replacement(MessageProcessor, "parse_message", _before, wraps=True),
    Replacement(MessageProcessor, "_run_action", _after, wraps=True),
    Replacement(MessageProcessor, "save_tracker", _before, wraps=True),
)
