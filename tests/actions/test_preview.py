"""Issue 20: an editor's preview conversation answers with that editor's drafts, and
counts in none of the Alcaldía's figures: (dispatcher, tracker, domain) → events."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from datetime import datetime, timezone
from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.base
from actions.answers import current_facts, render_blocks, response_text
from actions.conduct import ActionModerateConduct
from actions.faq import ActionAnswerFaq
from actions.follow_up import ActionFollowUpContact
from actions.handoff import ActionRequestHuman
from actions.preview import (
    PREVIEW,
    PreviewOverlay,
    load_overlay,
    overlay_domain,
    overlay_facts,
    preview_editor,
)
from actions.session import ActionSessionStart
from actions.understanding import ActionConfirmUnderstanding
from content.facts import Fact
from store.agents import create_agent
from store.db import session_for
from store.drafts import FACT, TOPIC, save_draft
from store.metrics import FAQ_ANSWERED, events_of, record_event_safely
from store.models import (
    ContentDraft,
    ConversationEvent,
    FollowUp,
    Handoff,
    ModerationRecord,
)
from store.preview import preview_conversation_id
from tests.builders import (
    action,
    fact,
    fact_sheet,
    faq,
    load_domain,
    responses,
    settings_at,
    start,
    tracker,
    uncertain,
    user,
)

STAFFED = "2026-12-01T09:00:00-05:00"  # Tuesday morning
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
HEX = "0123456789abcdef0123456789abcdef"
CITIZEN = "citizen-1"
DRAFT_BLOCKS = ["Sobre el SISBÉN: este es el texto del borrador.", "  ",
                "Para más información, acérquese al CISAT."]
DRAFT_WORDS = "la encuesta del SISBÉN, según el borrador"


def run_as(sender: str, act: Action, events: list[dict[str, Any]],
           slots: dict[str, Any] | None = None, domain: dict[str, Any] | None = None):
    """Runs an action in the conversation `sender`: (events, messages)."""
    dispatcher = CollectingDispatcher()
    conversation = tracker(events, slots)
    conversation.sender_id = sender
    result = asyncio.run(act.run(dispatcher, conversation, domain or load_domain()))
    return result, dispatcher.messages


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages]


@pytest.fixture
def editors(database) -> dict[str, int]:
    with session_for(database) as session:
        ana = create_agent(session, "ana", "Ana Rodríguez", "x", NOW, roles="editor")
        luis = create_agent(session, "luis", "Luis Gómez", "x", NOW, roles="editor")
        return {"ana": ana.id, "luis": luis.id}


def preview_of(agent_id: int) -> str:
    return preview_conversation_id(agent_id, HEX)


def draft(database: str, kind: str, key: str, agent_id: int, body: dict[str, Any]) -> None:
    with session_for(database) as session:
        save_draft(session, kind, key, agent_id, "rev0", body, NOW)


def raw_draft(database: str, kind: str, key: str, agent_id: int, body: str) -> None:
    """A draft whose stored body the console would never write."""
    with session_for(database) as session:
        session.add(ContentDraft(kind=kind, item_key=key, agent_id=agent_id,
                                 base_revision="rev0", body=body, updated_at=NOW))
        session.commit()


def count(database: str, model) -> int:
    with session_for(database) as session:
        return session.scalar(select(func.count()).select_from(model))


def published_sisben() -> list[str]:
    facts = current_facts(settings_at(STAFFED).facts_path)
    return render_blocks(response_text(load_domain(), "utter_faq/sisben"), facts)


# --- the conversation id -----------------------------------------------------------------


@pytest.mark.parametrize(("sender", "editor"), [
    (f"editor-preview-7-{HEX}", 7),
    (f"editor-preview-123456789-{HEX}", 123456789),
    (f"editor-preview-0-{HEX}", 0),
])
def test_a_preview_id_names_its_editor(sender, editor):
    assert preview_editor(sender) == editor


@pytest.mark.parametrize("sender", [
    CITIZEN,
    HEX,
    "",
    None,
    f"editor-previews-7-{HEX}",               # wrong prefix
    f"Editor-preview-7-{HEX}",
    f"preview-7-{HEX}",
    f"x-editor-preview-7-{HEX}",
    f"editor-preview--{HEX}",                 # no editor
    f"editor-preview-ana-{HEX}",
    f"editor-preview-7-{HEX[:-1]}g",          # not hex
    f"editor-preview-7-{HEX.upper()}",
    f"editor-preview-7-{HEX[:-1]}",           # too short
    f"editor-preview-7-{HEX}0",               # too long
    f"editor-preview-1234567890-{HEX}",       # editor id too long
    f"editor-preview-7-{HEX}\n",              # nothing after the id, not even a newline
    f"editor-preview-٧-{HEX}",                # a digit, but not an ASCII one
])
def test_anything_else_is_not_a_preview(sender):
    assert preview_editor(sender) is None


def test_a_new_preview_id_is_random_and_parses_back():
    first, second = preview_conversation_id(42), preview_conversation_id(42)
    assert first != second
    assert preview_editor(first) == preview_editor(second) == 42
    with pytest.raises(ValueError):
        preview_conversation_id(42, "not-hex")


# --- the overlay ---------------------------------------------------------------------------


def test_the_overlay_domain_is_a_copy():
    domain = load_domain()
    before = copy.deepcopy(domain)
    overlay = PreviewOverlay(1, answers={"faq/sisben": "Uno.\n\nDos."},
                             paraphrases={"faq/sisben": "el SISBÉN"})
    changed = overlay_domain(domain, overlay)
    assert domain == before
    assert changed["responses"]["utter_faq/sisben"] == [{"text": "Uno.\n\nDos."}]
    assert changed["responses"]["utter_topic_faq_sisben"] == [{"text": "el SISBÉN"}]
    assert changed["responses"]["utter_faq/empleo"] is domain["responses"]["utter_faq/empleo"]
    assert {k: v for k, v in changed.items() if k != "responses"} == \
        {k: v for k, v in domain.items() if k != "responses"}


def test_the_overlay_facts_replace_fields_and_ignore_unknown_keys():
    sheet = {"web": Fact("web", "", "pending", "tenjo", "El sitio")}
    overlay = PreviewOverlay(1, facts={"web": {"value": "www.tenjo.example", "status": "confirmed"},
                                       "nadie": {"value": "x"}})
    changed = overlay_facts(sheet, overlay)
    assert changed == {"web": dataclasses.replace(sheet["web"], value="www.tenjo.example",
                                                  status="confirmed")}
    assert sheet["web"].value == ""


def test_the_overlay_holds_the_editors_drafts_cleaned(database, editors):
    draft(database, TOPIC, "sisben", editors["ana"],
          {"answer_blocks": DRAFT_BLOCKS, "paraphrase": f"  {DRAFT_WORDS} ",
           "remove_examples": [], "new_examples": "sisben"})
    draft(database, FACT, "comisaria_contact", editors["ana"],
          {"value": " Calle 9 # 1-2 ", "status": "confirmed", "source": "acta"})
    overlay = load_overlay(database, editors["ana"])
    assert overlay == PreviewOverlay(
        editors["ana"],
        answers={"faq/sisben": "\n\n".join(b for b in DRAFT_BLOCKS if b.strip())},
        paraphrases={"faq/sisben": DRAFT_WORDS},
        facts={"comisaria_contact": {"value": "Calle 9 # 1-2", "status": "confirmed",
                                     "source": "acta"}})
    assert load_overlay(database, editors["luis"]) == PreviewOverlay(editors["luis"])


# --- answers, facts and plain words in a preview --------------------------------------------


def test_an_answer_draft_is_said_in_its_editors_preview_only(database, editors):
    draft(database, TOPIC, "sisben", editors["ana"], {"answer_blocks": DRAFT_BLOCKS})
    act = ActionAnswerFaq(settings_at(STAFFED, database))
    events = [*start(), faq("como me inscribo en el sisben", "sisben")]
    domain = load_domain()

    result, messages = run_as(preview_of(editors["ana"]), act, events, domain=domain)
    assert result == []
    assert texts(messages) == [DRAFT_BLOCKS[0], DRAFT_BLOCKS[2]]

    _, normal = run_as(CITIZEN, act, events, domain=domain)
    assert texts(normal)[0] == published_sisben()[0] != DRAFT_BLOCKS[0]
    assert domain == load_domain(), "the domain rasa-sdk passed is not changed"
    assert PREVIEW.get() is None


def test_another_editors_drafts_are_not_used(database, editors):
    draft(database, TOPIC, "sisben", editors["ana"],
          {"answer_blocks": DRAFT_BLOCKS, "paraphrase": DRAFT_WORDS})
    events = [*start(), faq("como me inscribo en el sisben", "sisben")]
    _, messages = run_as(preview_of(editors["luis"]),
                         ActionAnswerFaq(settings_at(STAFFED, database)), events)
    _, normal = run_as(CITIZEN, ActionAnswerFaq(settings_at(STAFFED, database)), events)
    assert texts(messages) == texts(normal)
    assert DRAFT_BLOCKS[0] not in texts(messages)


def comisaria(database, sheet_path, sender):
    settings = dataclasses.replace(settings_at(STAFFED, database), facts_path=sheet_path)
    _, messages = run_as(sender, ActionAnswerFaq(settings),
                         [*start(), faq("comisaria", "comisaria_familia")])
    return "\n".join(texts(messages))


def test_a_fact_draft_confirming_a_pending_fact_is_said_in_the_preview(database, editors,
                                                                       tmp_path):
    sheet = tmp_path / "facts.yml"
    sheet.write_text(fact_sheet(tenjo_website=fact("www.tenjo.example"),
                                comisaria_contact=fact("", "pending")), encoding="utf-8")
    draft(database, FACT, "comisaria_contact", editors["ana"],
          {"value": "  Calle 9 # 1-2, teléfono 601 000 0000 ", "status": "confirmed",
           "source": "acta", "source_kind": "official", "confirmed_by": "Ana",
           "confirmed_on": "2026-12-06"})
    said = "La Comisaría de Familia de Tenjo atiende en Calle 9 # 1-2, teléfono 601 000 0000."

    assert said in comisaria(database, sheet, preview_of(editors["ana"]))
    normal = comisaria(database, sheet, CITIZEN)
    assert "Calle 9" not in normal and "www.tenjo.example" in normal
    assert "Calle 9" not in comisaria(database, sheet, preview_of(editors["luis"]))


def test_a_paraphrase_draft_is_the_understanding_checks_question(database, editors):
    draft(database, TOPIC, "impuesto_predial", editors["ana"], {"paraphrase": DRAFT_WORDS})
    events = [*start(), uncertain("lo del predio", "faq/impuesto_predial")]
    act = ActionConfirmUnderstanding(settings_at(STAFFED, database))

    result, messages = run_as(preview_of(editors["ana"]), act, events)
    assert result == [SlotSet("pending_label", "faq/impuesto_predial")]
    assert responses(messages) == ["utter_confirm_topic"]
    assert messages[0]["topic"] == DRAFT_WORDS

    _, normal = run_as(CITIZEN, act, events)
    assert normal[0]["topic"] == response_text(load_domain(), "utter_topic_faq_impuesto_predial")


@pytest.mark.parametrize("body", [
    "esto no es JSON {",
    "[1, 2, 3]",
    '"solo un texto"',
    '{"answer_blocks": 5, "paraphrase": ["no", "es", "texto"]}',
    '{"answer_blocks": [1, "dos"], "paraphrase": 7}',
    '{"answer_blocks": ["", "   "], "paraphrase": "   "}',
])
def test_a_garbage_draft_is_ignored_and_the_others_still_apply(database, editors, body):
    raw_draft(database, TOPIC, "sisben", editors["ana"], body)
    raw_draft(database, FACT, "sisben_groups", editors["ana"], body)
    draft(database, TOPIC, "empleo", editors["ana"], {"answer_blocks": ["Un bloque nuevo."]})
    settings = settings_at(STAFFED, database)
    sender = preview_of(editors["ana"])

    _, sisben = run_as(sender, ActionAnswerFaq(settings), [*start(), faq("sisben", "sisben")])
    _, normal = run_as(CITIZEN, ActionAnswerFaq(settings), [*start(), faq("sisben", "sisben")])
    assert texts(sisben) == texts(normal)
    _, empleo = run_as(sender, ActionAnswerFaq(settings), [*start(), faq("empleo", "empleo")])
    assert texts(empleo) == ["Un bloque nuevo."]


def test_a_store_that_cannot_be_read_leaves_the_published_answer(editors):
    broken = settings_at(STAFFED, "sqlite://")  # in memory, without the tables
    events = [*start(), faq("sisben", "sisben")]
    _, messages = run_as(preview_of(editors["ana"]), ActionAnswerFaq(broken), events)
    assert texts(messages) == texts(run_as(CITIZEN, ActionAnswerFaq(broken), events)[1])


def test_a_normal_conversation_reads_no_draft(database, editors, monkeypatch):
    def no_read(*args):
        raise AssertionError("drafts read for a citizen")

    monkeypatch.setattr(actions.base, "load_overlay", no_read)
    _, messages = run_as(CITIZEN, ActionAnswerFaq(settings_at(STAFFED, database)),
                         [*start(), faq("sisben", "sisben")])
    assert texts(messages)[0] == published_sisben()[0]


# --- nothing counts, nobody is queued --------------------------------------------------------


def test_no_metric_is_recorded_for_a_preview(database, editors):
    sender = preview_of(editors["ana"])
    settings = settings_at(STAFFED, database)
    run_as(sender, ActionSessionStart(settings), [])
    run_as(sender, ActionAnswerFaq(settings), [*start(), faq("sisben", "sisben")])
    assert record_event_safely(database, sender, FAQ_ANSWERED, NOW, value="faq/sisben")
    assert count(database, ConversationEvent) == 0

    run_as(CITIZEN, ActionAnswerFaq(settings), [*start(), faq("sisben", "sisben")])
    with session_for(database) as session:
        assert [e.kind for e in events_of(session, CITIZEN)] == [FAQ_ANSWERED]


def test_asking_for_a_person_in_a_preview_queues_nobody(database, editors):
    events = [*start(), user("quiero hablar con un funcionario", "request_human")]
    result, messages = run_as(preview_of(editors["ana"]),
                              ActionRequestHuman(settings_at(STAFFED, database)), events,
                              slots={"nombre": "Ana"})
    assert responses(messages) == ["utter_preview_no_handoff", "utter_offer_follow_up_later"]
    assert result == [SlotSet("next_step", "offer_follow_up")]
    assert count(database, Handoff) == 0

    run_as(CITIZEN, ActionRequestHuman(settings_at(STAFFED, database)), events)
    assert count(database, Handoff) == 1


def test_an_address_left_in_a_preview_is_not_stored(database, editors):
    email = [{"entity": "correo", "value": "ana.perez@gmail.com"}]
    events = [*start(), user("quiero hablar con alguien", "request_human"),
              action("action_request_human"), action("action_listen"),
              user("ana.perez@gmail.com", "inform_contact", entities=email)]
    result, messages = run_as(preview_of(editors["ana"]),
                              ActionFollowUpContact(settings_at(STAFFED, database)), events,
                              slots={"next_step": "ask_email"})
    assert responses(messages) == ["utter_preview_no_follow_up"]
    assert result == [SlotSet("next_step", "ask_more_questions")]
    assert count(database, FollowUp) == 0


def test_conduct_in_a_preview_is_warned_but_not_recorded(database, editors):
    events = [*start(), user("hp", "offensive")]
    result, messages = run_as(preview_of(editors["ana"]),
                              ActionModerateConduct(settings_at(STAFFED, database)), events,
                              slots={"nombre": "Ana"})
    assert responses(messages) == ["utter_conduct_warning"]
    assert result == [SlotSet("next_step", "listen")]
    assert count(database, ModerationRecord) == 0
