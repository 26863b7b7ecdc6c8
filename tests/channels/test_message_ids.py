"""Exactly-once handling of resent messages (channels/message_ids.py), in memory and in
the machine's Redis (`TEST_REDIS_URL`)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from channels.message_ids import BUSY, DONE, NEW, MessageIds, lease_of, message_key
from settings import SettingError, Settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["memory", "redis"])
def make_ids(request):
    """Builds MessageIds like a Rasa process would; two calls = two processes."""
    if request.param == "redis":
        return lambda **kw: MessageIds(REDIS_URL, **kw)
    shared: list[MessageIds] = []  # one process: every call gives the same store

    def in_memory(**kw) -> MessageIds:
        if not shared:
            shared.append(MessageIds(**kw))
        return shared[0]

    return in_memory


def run(coroutine):
    try:
        return asyncio.run(coroutine)
    except OSError as error:
        pytest.fail(f"Redis is needed at {REDIS_URL} (TEST_REDIS_URL): {error}")


def key() -> str:
    return f"test-{uuid.uuid4().hex}:m1"


def test_a_handled_message_is_dropped_when_resent(make_ids):
    k = key()

    async def scenario():
        first, second = make_ids(), make_ids()
        states = [await first.claim(k), await second.claim(k)]
        await first.done(k)
        states.append(await second.claim(k))
        return states

    assert run(scenario()) == [NEW, BUSY, DONE]


def test_a_failed_turn_lets_the_resend_through(make_ids):
    k = key()

    async def scenario():
        ids = make_ids()
        await ids.claim(k)
        await ids.release(k)
        return await ids.claim(k)

    assert run(scenario()) == NEW


def test_a_lease_left_by_a_killed_process_expires(make_ids):
    k = key()

    async def scenario():
        dead = make_ids(lease_seconds=0.3)
        await dead.claim(k)  # the process dies here: neither done nor release
        alive = make_ids(lease_seconds=0.3)
        before = await alive.claim(k)
        await asyncio.sleep(0.5)
        return before, await alive.claim(k)

    assert run(scenario()) == (BUSY, NEW)


def test_a_resend_waits_for_the_copy_being_handled(make_ids):
    k = key()

    async def scenario():
        first, second = make_ids(), make_ids()
        await first.claim(k)
        waiting = asyncio.create_task(second.wait_turn(k, poll=0.05))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        await first.done(k)
        return await asyncio.wait_for(waiting, 5)

    assert run(scenario()) == DONE


@pytest.mark.parametrize(("lifetime", "lease"), [(None, 75), ("20", 35), ("0", 75)])
def test_the_lease_outlasts_rasas_conversation_lock(lifetime, lease):
    env = {} if lifetime is None else {"TICKET_LOCK_LIFETIME": lifetime}
    assert lease_of(Settings.from_env(env)) == lease


@pytest.mark.parametrize("lifetime", ["x", "-1"])
def test_a_lock_lifetime_rasa_cannot_use_is_refused_naming_it(lifetime):
    with pytest.raises(SettingError, match="TICKET_LOCK_LIFETIME"):
        Settings.from_env({"TICKET_LOCK_LIFETIME": lifetime})


@pytest.mark.parametrize(("client_id", "key"), [
    ("0f8fad5b-d9cb-469f-a165-70867728950e", "s1:0f8fad5b-d9cb-469f-a165-70867728950e"),
    (None, None), ("", None), (42, None), (["x"], None), ("x" * 65, None),
    ("x" * 1_000_000, None), ("a:b", None), ("../x", None),
])
def test_only_plain_short_ids_are_remembered(client_id, key):
    assert message_key("s1", client_id) == key
