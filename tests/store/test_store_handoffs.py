"""Hand-offs to agents: the queue, taking and closing, expiry, and the live messages."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from store.agents import create_agent
from store.db import session_for
from store.followups import follow_ups_of, record_follow_up
from store.handoffs import (
    HandoffUnavailable,
    add_message,
    close_handoff,
    end_open_handoff,
    expire_overdue,
    get_handoff,
    handoffs_of_agent,
    latest_handoff,
    messages_after,
    open_handoff,
    queue_position,
    request_handoff,
    take_handoff,
    take_undelivered_agent_messages,
    waiting_queue,
)
from tests.store.moments import minutes

RACE_ROUNDS = 5  # a race may go either way: several rounds make a lost update likely to show

TRANSCRIPT = [
    ("citizen", "Hola, necesito el paz y salvo", minutes(-3)),
    ("bot", "Puedo ayudarte con eso.", minutes(-2)),
    ("citizen", "Quiero hablar con una persona", minutes(-1)),
]


def agent(session, username="lmora"):
    """A new agent's id."""
    return create_agent(session, username, username.title(), "hash", minutes(-60)).id


def queue_up(session, conversation="c1", at=0, transcript=()):
    """Queues `conversation` at minute `at`."""
    return request_handoff(session, conversation, "Ana", "faq/impuesto_predial", transcript,
                           at if not isinstance(at, (int, float)) else minutes(at))


def on_hold(session, handoff):
    """Records a consented follow-up given while `handoff` waits."""
    return record_follow_up(session, handoff.conversation_id, "ana@example.com", minutes(0),
                            "¿?", "Ana", minutes(0), handoff_id=handoff.id)


def statuses(session, *handoffs):
    """The current status of each hand-off, read afresh."""
    session.expire_all()
    return [get_handoff(session, h.id).status for h in handoffs]


def test_request_stores_the_transcript(database_url, session):
    """The hand-off waits with the citizen's name, topic and transcript in order."""
    handoff = queue_up(session, transcript=TRANSCRIPT)
    with session_for(database_url) as fresh:
        stored = get_handoff(fresh, handoff.id)
        assert (stored.conversation_id, stored.citizen_name, stored.topic, stored.status) == (
            "c1", "Ana", "faq/impuesto_predial", "waiting",
        )
        assert (stored.requested_at, stored.agent_id, stored.taken_at) == (minutes(0), None, None)
        assert [(m.author, m.text, m.created_at) for m in stored.messages] == TRANSCRIPT
        assert all(m.delivered_at is None for m in stored.messages)


def test_long_citizen_names_are_cut(session):
    """The citizen's name fits its column on every engine."""
    handoff = request_handoff(session, "c1", "A" * 200, None, [], minutes(0))
    session.expire_all()
    assert handoff.citizen_name == "A" * 128


@pytest.mark.parametrize(
    "state, same",
    [("waiting", True), ("taken", True), ("closed", False), ("expired", False)],
)
def test_asking_again_while_open_returns_the_same_handoff(session, state, same):
    """While waiting or taken the open hand-off comes back unchanged; after, a new one."""
    first = queue_up(session, at=-30, transcript=TRANSCRIPT)
    if state in ("taken", "closed"):
        take_handoff(session, first.id, agent(session), minutes(-20))
    if state == "closed":
        close_handoff(session, first.id, "resolved", minutes(-15))
    if state == "expired":
        expire_overdue(session, minutes(-10), minutes(-5))
    again = queue_up(session, at=0, transcript=TRANSCRIPT[:1])
    assert (again.id == first.id) is same
    assert len(messages_after(session, first.id)) == 3  # never duplicated
    assert len(messages_after(session, again.id)) == (3 if same else 1)
    assert statuses(session, first) == [state]
    assert latest_handoff(session, "c1").id == open_handoff(session, "c1").id == again.id


def test_queue_positions(session):
    """1, 2, 3 in order of request; 0 once taken, closed or expired; the rest move up."""
    first, second, third, fourth = (queue_up(session, f"c{n}", at=n) for n in range(4))
    assert [queue_position(session, h) for h in (first, second, third, fourth)] == [1, 2, 3, 4]
    take_handoff(session, second.id, agent(session), minutes(5))
    end_open_handoff(session, "c0", "abandoned", minutes(5))
    session.expire_all()
    assert [queue_position(session, h) for h in (first, second, third, fourth)] == [0, 0, 1, 2]
    expire_overdue(session, minutes(2.5), minutes(6))
    session.expire_all()
    assert [queue_position(session, h) for h in (third, fourth)] == [0, 1]


def test_waiting_queue_is_first_come_first_served(session):
    """Ordered by the instant of request (whatever the offset), then by id; only waiting ones."""
    utc_later = queue_up(session, "late", at=minutes(10).astimezone(timezone.utc))
    bogota_earlier = queue_up(session, "early", at=minutes(1))
    tie_a = queue_up(session, "tie-a", at=minutes(5))
    tie_b = queue_up(session, "tie-b", at=minutes(5).astimezone(timezone(timedelta(hours=3))))
    taken = queue_up(session, "taken", at=0)
    take_handoff(session, taken.id, agent(session), minutes(2))
    queue = waiting_queue(session)
    assert [h.conversation_id for h in queue] == ["early", "tie-a", "tie-b", "late"]
    assert [queue_position(session, h) for h in (bogota_earlier, tie_a, tie_b, utc_later)] == [
        1, 2, 3, 4,
    ]


def test_take_then_take_again_is_refused(database_url, session):
    """The first agent serves it; a second take raises HandoffUnavailable and changes nothing."""
    handoff = queue_up(session)
    first, second = agent(session, "lmora"), agent(session, "pgomez")
    taken = take_handoff(session, handoff.id, first, minutes(1))
    assert (taken.status, taken.agent_id, taken.taken_at) == ("taken", first, minutes(1))
    with pytest.raises(HandoffUnavailable):
        take_handoff(session, handoff.id, second, minutes(2))
    with session_for(database_url) as fresh:
        stored = get_handoff(fresh, handoff.id)
        assert (stored.agent_id, stored.taken_at, stored.agent.username) == (
            first, minutes(1), "lmora",
        )
        assert [h.id for h in handoffs_of_agent(fresh, first)] == [handoff.id]
        assert handoffs_of_agent(fresh, second) == []


def test_take_cancels_the_on_hold_follow_up(session):
    """Served by an agent: the e-mail follow-up given while waiting is not needed."""
    handoff = queue_up(session)
    on_hold(session, handoff)
    take_handoff(session, handoff.id, agent(session), minutes(1))
    assert [f.status for f in follow_ups_of(session, "c1")] == ["cancelled"]


def test_two_agents_taking_at_once_exactly_one_wins(session, race):
    """Two sessions race for the same hand-off (several rounds): one takes it, one is refused."""
    agents = [agent(session, "lmora"), agent(session, "pgomez")]
    for round_ in range(RACE_ROUNDS):
        handoff_id = queue_up(session, f"c{round_}").id  # plain values: threads have own sessions
        results = race(*(
            lambda s, who=who, handoff_id=handoff_id: (
                take_handoff(s, handoff_id, who, minutes(1)).agent_id
            )
            for who in agents
        ))
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1 and winners[0] in agents, results
        assert [type(r) for r in losers] == [HandoffUnavailable], results
        session.expire_all()
        assert get_handoff(session, handoff_id).agent_id == winners[0]


def test_taking_and_expiring_at_once_exactly_one_wins(session, race):
    """The expiry sweep and an agent race: each hand-off ends either taken or expired."""
    who = agent(session)
    for round_ in range(RACE_ROUNDS):
        handoff = queue_up(session, f"c{round_}", at=-30)
        handoff_id = handoff.id
        took, expired = race(
            lambda s, handoff_id=handoff_id: take_handoff(s, handoff_id, who, minutes(1)).status,
            lambda s: [h.id for h in expire_overdue(s, minutes(-10), minutes(1))],
        )
        if took == "taken":
            assert expired == [] and statuses(session, handoff) == ["taken"]
        else:
            assert isinstance(took, HandoffUnavailable), took
            assert expired == [handoff_id] and statuses(session, handoff) == ["expired"]


@pytest.mark.parametrize(
    "closer, outcome, error",
    [
        ("taker", "resolved", None),
        ("taker", "referred_pqrd", None),
        ("anyone", "conduct", None),
        ("other", "resolved", HandoffUnavailable),
        ("taker", "solved", ValueError),
        ("taker", "", ValueError),
    ],
)
def test_close_only_by_the_taking_agent_with_a_known_outcome(session, closer, outcome, error):
    """The serving agent (or the system, with no agent) closes; others and bad outcomes fail."""
    handoff = queue_up(session)
    taker, other = agent(session, "lmora"), agent(session, "pgomez")
    take_handoff(session, handoff.id, taker, minutes(1))
    agent_id = {"taker": taker, "other": other, "anyone": None}[closer]
    if error is None:
        closed = close_handoff(session, handoff.id, outcome, minutes(9), agent_id=agent_id)
        assert (closed.status, closed.outcome, closed.closed_at) == ("closed", outcome, minutes(9))
        assert handoffs_of_agent(session, taker) == []
    else:
        with pytest.raises(error):
            close_handoff(session, handoff.id, outcome, minutes(9), agent_id=agent_id)
        session.expire_all()
        stored = get_handoff(session, handoff.id)
        assert (stored.status, stored.outcome, stored.closed_at) == ("taken", None, None)


@pytest.mark.parametrize("state", ["waiting", "closed"])
def test_only_a_taken_handoff_can_be_closed(session, state):
    """Closing one still waiting, or closing twice, raises HandoffUnavailable."""
    handoff = queue_up(session)
    taker = agent(session)
    if state == "closed":
        take_handoff(session, handoff.id, taker, minutes(1))
        close_handoff(session, handoff.id, "resolved", minutes(2), agent_id=taker)
    for agent_id in (taker, None):
        with pytest.raises(HandoffUnavailable):
            close_handoff(session, handoff.id, "unresolved", minutes(3), agent_id=agent_id)
    assert statuses(session, handoff) == [state]


@pytest.mark.parametrize(
    "taken, follow_up_status", [(False, "pending"), (True, "cancelled")]
)
def test_end_open_handoff(session, taken, follow_up_status):
    """The citizen left: the hand-off closes; the on-hold follow-up is pending unless served."""
    handoff = queue_up(session)
    on_hold(session, handoff)
    if taken:
        take_handoff(session, handoff.id, agent(session), minutes(1))
    ended = end_open_handoff(session, "c1", "abandoned", minutes(4))
    assert (ended.id, ended.status, ended.outcome, ended.closed_at) == (
        handoff.id, "closed", "abandoned", minutes(4),
    )
    assert [f.status for f in follow_ups_of(session, "c1")] == [follow_up_status]
    assert end_open_handoff(session, "c1", "abandoned", minutes(5)) is None
    assert open_handoff(session, "c1") is None


def test_end_open_handoff_without_one_does_nothing(session):
    """No hand-off for the conversation: None, and others are untouched."""
    other = queue_up(session, "c2")
    assert end_open_handoff(session, "c1", "conduct", minutes(1)) is None
    assert statuses(session, other) == ["waiting"]


def test_expire_overdue_only_waiting_ones_older_than_the_cut(session):
    """Expires the old waiting hand-offs once; their on-hold follow-ups become pending."""
    old = queue_up(session, "old", at=-20)
    also_old = queue_up(session, "also-old", at=-11)
    at_the_cut = queue_up(session, "at-cut", at=-10)
    recent = queue_up(session, "recent", at=-1)
    old_taken = queue_up(session, "old-taken", at=-30)
    old_closed = queue_up(session, "old-closed", at=-40)
    who = agent(session)
    take_handoff(session, old_taken.id, who, minutes(-25))
    take_handoff(session, old_closed.id, who, minutes(-35))
    close_handoff(session, old_closed.id, "resolved", minutes(-33), agent_id=who)
    on_hold(session, old)
    on_hold(session, recent)

    expired = expire_overdue(session, minutes(-10), minutes(0))
    assert sorted(h.id for h in expired) == sorted([old.id, also_old.id])
    assert {(h.status, h.outcome, h.closed_at) for h in expired} == {
        ("expired", "expired", minutes(0))
    }
    assert statuses(session, at_the_cut, recent, old_taken, old_closed) == [
        "waiting", "waiting", "taken", "closed",
    ]
    assert [f.status for f in follow_ups_of(session, "old")] == ["pending"]
    assert [f.status for f in follow_ups_of(session, "recent")] == ["on_hold"]
    assert expire_overdue(session, minutes(-10), minutes(1)) == []


def test_messages_after(session):
    """A hand-off's messages above an id, oldest first; other hand-offs' are not included."""
    handoff = queue_up(session, transcript=TRANSCRIPT)
    other = queue_up(session, "c2", transcript=TRANSCRIPT[:1])
    who = agent(session)
    take_handoff(session, handoff.id, who, minutes(1))
    reply = add_message(session, handoff.id, "agent", "Hola Ana, soy Laura", minutes(2), who)
    add_message(session, other.id, "citizen", "¿Hay alguien?", minutes(2))
    answer = add_message(session, handoff.id, "citizen", "Gracias", minutes(3))
    everything = messages_after(session, handoff.id)
    assert [m.text for m in everything] == [t for _, t, _ in TRANSCRIPT] + [
        "Hola Ana, soy Laura", "Gracias",
    ]
    assert [m.id for m in messages_after(session, handoff.id, everything[2].id)] == [
        reply.id, answer.id,
    ]
    assert messages_after(session, handoff.id, answer.id) == []
    assert reply.agent_id == who


def test_add_message_refuses_unknown_authors(session):
    """Only citizen, bot and agent write in a hand-off."""
    handoff = queue_up(session)
    with pytest.raises(ValueError, match="unknown author"):
        add_message(session, handoff.id, "system", "x", minutes(1))
    assert messages_after(session, handoff.id) == []


def chat(session, conversation="c1", username="lmora"):
    """A taken hand-off with citizen, bot and agent messages; the agent messages' ids."""
    handoff = queue_up(session, conversation, transcript=TRANSCRIPT)
    who = agent(session, username)
    take_handoff(session, handoff.id, who, minutes(1))
    ids = []
    for n, (author, text) in enumerate([
        ("agent", "Hola Ana"), ("citizen", "Hola"), ("agent", "¿En qué te ayudo?"),
        ("bot", "…"), ("agent", "Te envío el enlace"),
    ]):
        message = add_message(session, handoff.id, author, text, minutes(2 + n),
                              who if author == "agent" else None)
        if author == "agent":
            ids.append(message.id)
    return handoff, who, ids


def test_agent_messages_are_delivered_once(database_url, session):
    """Each agent message comes out once, in order; citizen and bot messages never do."""
    handoff, who, ids = chat(session)
    delivered = take_undelivered_agent_messages(session, "c1", minutes(10))
    assert [(m.id, m.author) for m in delivered] == [(i, "agent") for i in ids]
    assert take_undelivered_agent_messages(session, "c1", minutes(11)) == []
    with session_for(database_url) as other:
        assert take_undelivered_agent_messages(other, "c1", minutes(12)) == []
        late_id = add_message(other, handoff.id, "agent", "¿Sigues ahí?", minutes(13), who).id
    assert [m.id for m in take_undelivered_agent_messages(session, "c1", minutes(14))] == [late_id]
    session.expire_all()
    stamps = {m.author: set() for m in messages_after(session, handoff.id)}
    for message in messages_after(session, handoff.id):
        stamps[message.author].add(message.delivered_at)
    assert stamps == {"citizen": {None}, "bot": {None}, "agent": {minutes(10), minutes(14)}}


def test_delivery_is_per_conversation(session):
    """Another conversation's agent messages stay undelivered."""
    chat(session)
    assert take_undelivered_agent_messages(session, "c2", minutes(10)) == []
    assert len(take_undelivered_agent_messages(session, "c1", minutes(10))) == 3


def test_two_deliveries_at_once_share_nothing(session, race):
    """Two sessions deliver at the same time: every agent message exactly once overall."""

    def deliver(conversation):
        return lambda s: [
            m.id for m in take_undelivered_agent_messages(s, conversation, minutes(10))
        ]

    for round_ in range(RACE_ROUNDS):
        _, _, ids = chat(session, f"c{round_}", f"agent{round_}")
        first, second = race(deliver(f"c{round_}"), deliver(f"c{round_}"))
        assert sorted(first + second) == ids, (first, second)
