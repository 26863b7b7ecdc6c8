"""Transcripts for supervisors (store/transcripts.py), on SQLite and PostgreSQL, read from
Rasa's `events` table as the real tracker store writes it and from the app's tables.

A withheld message's text must never come out: not in a transcript, not in a list,
not through a search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from store.activity import close_conversation, touch
from store.agents import create_agent
from store.handoffs import (
    add_message,
    close_handoff,
    end_open_handoff,
    expire_overdue,
    request_handoff,
    take_handoff,
)
from store.transcripts import (
    OUTCOMES,
    citizen_name,
    fold,
    is_external,
    is_withheld,
    list_conversations,
    transcript,
)
from tests.store.moments import T0, minutes
from tests.transcript_events import (
    SECRET,
    SLOTS,
    TrackerEvents,
    answer,
    citizen,
    opening,
    served_conversation,
    withheld,
)

DAY = T0.date()  # Tuesday 1 December 2026 in Bogotá


@pytest.fixture
def tracker_events(database_url):
    """Rasa's tracker store on the test's database (it creates the `events` table)."""
    events = TrackerEvents(database_url, SLOTS)
    yield events
    events.close()


def test_a_served_conversation_reads_in_order(session, tracker_events):
    """Citizen, bot and agent lines with their moments; no hidden greeting, no pushes,
    no second copy of the delivered reply; a button's payload reads as its title; the
    withheld message is a line without text."""
    ana = create_agent(session, "ana", "Ana Rodríguez", "h", minutes(-60)).id
    served_conversation(session, tracker_events, ana, T0)
    lines = transcript(session, "c-served")
    assert [(line.author, line.text, line.withheld) for line in lines] == [
        ("bot", "Buenos días. ¿Acepta el tratamiento de sus datos?", False),
        ("citizen", "Sí", False),
        ("bot", "Gracias. ¿Cuál es su nombre?", False),
        ("citizen", "Marta", False),
        ("bot", "Con gusto, Marta.", False),
        ("citizen", "¿Cómo pago el impuesto PREDIAL?", False),
        ("bot", "Puede pagarlo en línea.", False),
        ("citizen", "", True),
        ("bot", "Le recordamos las reglas del chat.", False),
        ("citizen", "Quiero hablar con un funcionario", False),
        ("bot", "Por favor espere un momento.", False),
        ("bot", "Le atiende Ana Rodríguez.", False),
        ("agent", "Buenos días, con gusto le ayudo.", False),
        # A citizen typing an internal command keeps it as text; it is theirs.
        ("citizen", "/EXTERNAL_handoff_closed", False),
        ("agent", "Le envío el enlace del recibo.", False),
    ]
    assert [line.at for line in lines][7] == minutes(4)
    assert [line.text for line in lines if line.button] == ["Sí"]
    agent_lines = [line for line in lines if line.author == "agent"]
    assert [(line.agent_id, line.delivered) for line in agent_lines] == [(ana, True), (ana, False)]
    assert not any("IDIOTA" in repr(line) or "zanahoria" in repr(line) for line in lines)
    assert citizen_name(session, "c-served") == "Marta"


def test_unknown_conversation_and_no_tracker_table(session):
    """Without Rasa's table (a database the bot never wrote to) nothing fails."""
    assert transcript(session, "nadie") is None
    assert list_conversations(session, DAY).total == 0


def test_a_conversation_known_only_by_its_hand_off(session):
    """The tracker rows were purged but the hand-off's agent messages are kept."""
    handoff = request_handoff(session, "c-old", "Rosa", None, [], minutes(0))
    assert transcript(session, "c-old") == []
    add_message(session, handoff.id, "agent", "Hola", minutes(1))
    assert [line.text for line in transcript(session, "c-old")] == ["Hola"]


@pytest.mark.parametrize(
    ("event", "external_", "withheld_"),
    [
        ({"text": "EXTERNAL: EXTERNAL_handoff_taken",
          "parse_data": {"intent": {"name": "EXTERNAL_handoff_taken"}}}, True, False),
        ({"text": "EXTERNAL_handoff_taken",
          "parse_data": {"intent": {"name": "EXTERNAL_handoff_taken"}}}, False, False),
        ({"text": "EXTERNAL: x", "parse_data": {}}, False, False),
        ({"text": "vendo lotes", "parse_data": {"intent": {"name": "commercial"}}}, False, True),
        ({"text": "idiota", "parse_data": {"intent": {"name": "offensive"}}}, False, True),
        ({"text": "hola", "parse_data": {"intent": {"name": "greet"}}}, False, False),
        ({"text": "hola", "parse_data": None}, False, False),
        ({"text": "hola", "parse_data": {"intent": "offensive"}}, False, False),
    ],
)
def test_which_messages_are_pushes_and_which_are_withheld(event, external_, withheld_):
    assert (is_external(event), is_withheld(event)) == (external_, withheld_)


def test_fold_ignores_case_and_accents():
    assert fold("PREDÍAL Ñandú") == fold("predial ñandu") == "predial nandu"


def day_of_every_outcome(session, tracker_events):
    """One conversation of each outcome on DAY; their agents."""
    ana = create_agent(session, "ana", "Ana", "h", minutes(-60)).id
    luis = create_agent(session, "luis", "Luis", "h", minutes(-60)).id
    for number, conversation in enumerate(
            ["farewell", "inactivity", "conduct", "served", "expired", "abandoned", "open"]):
        at = minutes(10 * number)
        tracker_events.add(conversation, *opening(at), *citizen(f"Hola desde {conversation}", at),
                           *answer("Buenos días.", at + timedelta(seconds=5)))
        touch(session, conversation, at)
    for reason in ("farewell", "inactivity", "conduct"):
        close_conversation(session, reason, reason, minutes(80))
    served = request_handoff(session, "served", None, None, [], minutes(30))
    take_handoff(session, served.id, luis, minutes(31))
    close_handoff(session, served.id, "resolved", minutes(35))
    request_handoff(session, "expired", None, None, [], minutes(40))
    expire_overdue(session, minutes(46), minutes(46))
    request_handoff(session, "abandoned", None, None, [], minutes(50))
    end_open_handoff(session, "abandoned", "abandoned", minutes(52))
    return ana, luis


@pytest.mark.parametrize(
    ("outcome", "found"),
    [
        ("farewell", ["farewell"]),
        ("inactivity", ["inactivity"]),
        ("conduct", ["conduct"]),
        ("served", ["served"]),
        ("expired", ["expired"]),
        ("abandoned", ["abandoned"]),
        # How the hand-off ended and whether the chat ended are two questions: a chat
        # whose hand-off ended stays open until the farewell, the silence or the rules
        # end it.
        ("open", ["open", "abandoned", "expired", "served"]),
    ],
)
def test_filter_by_outcome(session, tracker_events, outcome, found):
    day_of_every_outcome(session, tracker_events)
    listing = list_conversations(session, DAY, outcome=outcome)
    assert [item.conversation_id for item in listing.items] == found
    assert all(outcome in item.outcomes for item in listing.items)


def test_every_outcome_is_tested():
    assert set(OUTCOMES) == {"farewell", "inactivity", "conduct", "served", "expired",
                             "abandoned", "open"}


def test_the_day_list_is_newest_first_with_names_and_first_messages(session, tracker_events):
    ana, luis = day_of_every_outcome(session, tracker_events)
    listing = list_conversations(session, DAY)
    assert (listing.total, listing.page, listing.pages) == (7, 1, 1)
    assert [item.conversation_id for item in listing.items] == [
        "open", "abandoned", "expired", "served", "conduct", "inactivity", "farewell"]
    served = listing.items[3]
    assert (served.outcomes, served.agent_ids, served.citizen_messages, served.preview) == (
        ["served", "open"], [luis], 1, "Hola desde served")
    assert served.first_at == minutes(30)
    assert list_conversations(session, DAY, agent_id=luis).items == [served]
    assert list_conversations(session, DAY, agent_id=ana).total == 0


def test_days_are_bogota_days(session, tracker_events):
    """A conversation belongs to each Bogotá day it has messages on."""
    midnight = T0.replace(hour=0, minute=0)
    tracker_events.add("late", *citizen("Buenas noches", midnight - timedelta(seconds=1)))
    tracker_events.add("early", *citizen("Buenos días", midnight))
    tracker_events.add("both", *citizen("Sigo aquí", midnight - timedelta(minutes=1)),
                       *citizen("Todavía", midnight + timedelta(minutes=1)))
    today = [item.conversation_id for item in list_conversations(session, DAY).items]
    yesterday = [item.conversation_id
                 for item in list_conversations(session, DAY - timedelta(days=1)).items]
    assert (sorted(today), sorted(yesterday)) == (["both", "early"], ["both", "late"])


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("predial", ["c-served"]),
        ("IMPUESTO predíal", ["c-served"]),
        ("cómo pago", ["c-served"]),
        ("enlace del recibo", ["c-served"]),  # an agent's message
        ("en línea", ["c-served"]),  # the bot's answer
        ("zanahoria", []),  # only in the withheld message
        ("idiota", []),
        ("3001234567", []),
        ("EXTERNAL: EXTERNAL_handoff_taken", []),  # a push is not a message
        ("Hola desde", ["c-other"]),
    ],
)
def test_search_never_finds_a_withheld_message(session, tracker_events, query, found):
    ana = create_agent(session, "ana", "Ana Rodríguez", "h", minutes(-60)).id
    served_conversation(session, tracker_events, ana, T0)
    tracker_events.add("c-other", *citizen("Hola desde otra conversación", minutes(30)))
    listing = list_conversations(session, DAY, query=query)
    assert [item.conversation_id for item in listing.items] == found
    for item in listing.items:
        assert "zanahoria" not in item.preview


def test_the_first_message_shown_is_never_a_withheld_one(session, tracker_events):
    tracker_events.add("rude", *opening(minutes(0)), *withheld(SECRET, minutes(1)),
                       *citizen("Perdón. ¿Dónde queda el CISAT?", minutes(2)))
    [item] = list_conversations(session, DAY).items
    assert (item.preview, item.citizen_messages) == ("Perdón. ¿Dónde queda el CISAT?", 2)


def test_pages(session, tracker_events):
    for number in range(7):
        tracker_events.add(f"c{number}", *citizen("Hola", minutes(number)))
    pages = [list_conversations(session, DAY, page=page, per_page=3) for page in (1, 2, 3, 4)]
    assert [[item.conversation_id for item in page.items] for page in pages] == [
        ["c6", "c5", "c4"], ["c3", "c2", "c1"], ["c0"], []]
    assert {(page.total, page.pages) for page in pages} == {(7, 3)}


@pytest.mark.parametrize(("arguments", "message"), [
    ({"outcome": "won"}, "unknown outcome"),
    ({"page": 0}, "pages start at 1"),
])
def test_bad_arguments(session, arguments, message):
    with pytest.raises(ValueError, match=message):
        list_conversations(session, date(2026, 12, 1), **arguments)
