"""Content editors' drafts: one per item and editor, saved, read back, listed, deleted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from store.agents import create_agent
from store.drafts import (
    FACT,
    TOPIC,
    delete_draft,
    draft_body,
    draft_counts,
    drafts_of_item,
    get_draft,
    save_draft,
)
from store.models import ContentDraft

T0 = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
BODY = {"answer_blocks": ["Sobre el SISBÉN: la encuesta es gratuita.", "Acérquese al CISAT."],
        "paraphrase": "la encuesta del SISBÉN", "remove_examples": ["sisven"],
        "new_examples": "como me inscribo en el sisben\nq es el sisben"}


@pytest.fixture
def editors(session) -> dict[str, int]:
    ana = create_agent(session, "ana", "Ana Rodríguez", "x", T0, roles="editor")
    luis = create_agent(session, "luis", "Luis Gómez", "x", T0, roles="agent editor")
    return {"ana": ana.id, "luis": luis.id}


def test_a_draft_is_saved_and_read_back_as_typed(session, editors):
    saved = save_draft(session, TOPIC, "sisben", editors["ana"], "0123456789abcdef", BODY, T0)
    draft = get_draft(session, TOPIC, "sisben", editors["ana"])
    assert draft is not None and draft.id == saved.id
    assert draft_body(draft) == BODY
    assert (draft.kind, draft.item_key, draft.base_revision) == (TOPIC, "sisben",
                                                                 "0123456789abcdef")
    assert draft.updated_at == T0
    assert draft.editor.display_name == "Ana Rodríguez"
    assert get_draft(session, TOPIC, "sisben", editors["luis"]) is None
    assert get_draft(session, FACT, "sisben", editors["ana"]) is None


def test_saving_again_replaces_the_editors_own_draft(session, editors):
    save_draft(session, TOPIC, "sisben", editors["ana"], "aaaa", BODY, T0)
    later = T0 + timedelta(minutes=5)
    save_draft(session, TOPIC, "sisben", editors["ana"], "bbbb", {"paraphrase": "otra"}, later)
    rows = session.scalars(select(ContentDraft)).all()
    assert len(rows) == 1
    draft = get_draft(session, TOPIC, "sisben", editors["ana"])
    assert (draft.base_revision, draft_body(draft), draft.updated_at) == (
        "bbbb", {"paraphrase": "otra"}, later)


def test_the_drafts_of_an_item_latest_first_and_by_kind(session, editors):
    save_draft(session, TOPIC, "sisben", editors["ana"], "r1", BODY, T0)
    save_draft(session, TOPIC, "sisben", editors["luis"], "r1", BODY, T0 + timedelta(minutes=1))
    save_draft(session, TOPIC, "empleo", editors["luis"], "r2", BODY, T0)
    save_draft(session, FACT, "cisat_phone", editors["ana"], "r3", {"value": "601"}, T0)
    drafts = drafts_of_item(session, TOPIC, "sisben")
    assert [draft.editor.username for draft in drafts] == ["luis", "ana"]
    assert [draft.item_key for draft in drafts_of_item(session, FACT, "cisat_phone")] == [
        "cisat_phone"]
    assert drafts_of_item(session, FACT, "sisben") == []
    assert draft_counts(session, TOPIC) == {"sisben": 2, "empleo": 1}
    assert draft_counts(session, FACT) == {"cisat_phone": 1}


def test_deleting_removes_only_the_editors_draft(session, editors):
    save_draft(session, TOPIC, "sisben", editors["ana"], "r1", BODY, T0)
    save_draft(session, TOPIC, "sisben", editors["luis"], "r1", BODY, T0)
    assert delete_draft(session, TOPIC, "sisben", editors["ana"]) is True
    assert delete_draft(session, TOPIC, "sisben", editors["ana"]) is False
    assert [draft.editor.username for draft in drafts_of_item(session, TOPIC, "sisben")] == [
        "luis"]


def test_text_is_kept_exactly(session, editors):
    body = {"answer_blocks": ["¿Qué necesita?\n|| Línea «uno» 😀 <b>", ""], "n": [1, None]}
    save_draft(session, TOPIC, "sisben", editors["ana"], "r1", body, T0)
    assert draft_body(get_draft(session, TOPIC, "sisben", editors["ana"])) == body


def test_a_racing_second_save_of_the_same_editor_leaves_one_draft(race, session, editors):
    results = race(
        lambda own: save_draft(own, TOPIC, "sisben", editors["ana"], "r1", {"n": 1}, T0),
        lambda own: save_draft(own, TOPIC, "sisben", editors["ana"], "r2", {"n": 2}, T0),
    )
    assert not any(isinstance(result, Exception) for result in results), results
    rows = session.scalars(select(ContentDraft)).all()
    assert len(rows) == 1 and draft_body(rows[0]) in ({"n": 1}, {"n": 2})


@pytest.mark.parametrize("kind, key", [("page", "sisben"), (TOPIC, ""), (TOPIC, "x" * 65)])
def test_bad_kinds_and_keys_are_refused(session, editors, kind, key):
    with pytest.raises(ValueError):
        save_draft(session, kind, key, editors["ana"], "r1", BODY, T0)
