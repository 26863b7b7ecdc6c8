"""Editors' publications: queued one at a time, claimed once, stepped, finished, failed
when their worker goes silent, listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store.agents import create_agent
from store.db import session_for
from store.models import Publication
from store.publications import (
    CHANGE,
    FAILED,
    PUBLISHED,
    QUEUED,
    REFUSED,
    ROLLBACK,
    RUNNING,
    STEPS,
    Outcome,
    PublicationBusy,
    active_publication,
    beat,
    claim_publication,
    fail_stalled,
    files_of,
    finish_publication,
    get_publication,
    items_of,
    latest_published,
    queue_publication,
    recent_publications,
    record_step,
    rolled_back,
    timings_of,
)
from tests.store.moments import T0, minutes

ITEMS = [{"kind": "topic", "key": "sisben", "base_revision": "0123456789abcdef",
          "body": {"answer_blocks": ["Sobre el SISBÉN: la encuesta es gratuita."],
                   "new_examples": "q es el sisbén\ncomo me inscribo"}},
         {"kind": "fact", "key": "tenjo_website", "base_revision": "fedcba9876543210",
          "body": {"value": "www.tenjo.gov.co"}}]
STALLED = "El proceso de publicación dejó de responder."


@pytest.fixture
def editor(session) -> int:
    return create_agent(session, "ana", "Ana Rodríguez", "x", T0, roles="editor").id


def reloaded(session, publication_id: int) -> Publication:
    """The row as the database has it now (update_if bypasses the session)."""
    session.expire_all()
    publication = get_publication(session, publication_id)
    assert publication is not None
    return publication


def queued(session, editor, at=T0, **kind) -> int:
    return queue_publication(session, editor, ITEMS, at, **kind).id


def running(session, editor, at=T0, **kind) -> int:
    publication_id = queued(session, editor, at, **kind)
    assert claim_publication(session, publication_id, at) is True
    return publication_id


def finished(session, editor, status, at=T0, **kind) -> int:
    publication_id = running(session, editor, at, **kind)
    assert finish_publication(session, publication_id, Outcome(status), at + timedelta(minutes=1))
    return publication_id


# --- queueing ---------------------------------------------------------------------------


def test_a_publication_is_queued_with_its_items_committed(session, editor, database_url):
    publication = queue_publication(session, editor, ITEMS, T0)
    stored = reloaded(session, publication.id)
    assert (stored.agent_id, stored.kind, stored.rollback_of, stored.status, stored.step) == (
        editor, CHANGE, None, QUEUED, "")
    assert stored.created_at == T0
    assert (stored.started_at, stored.heartbeat_at, stored.finished_at) == (None, None, None)
    assert (stored.reason, stored.details, stored.diff, stored.model_file) == ("", "", "", "")
    assert files_of(stored.files_before) == {} and timings_of(stored) == {}
    assert items_of(stored) == ITEMS
    assert "SISBÉN" in stored.items  # kept readable, not \u-escaped
    assert stored.editor.display_name == "Ana Rodríguez"
    assert active_publication(session).id == publication.id
    # Committed: another session sees it.
    with session_for(database_url) as other:
        assert [row.id for row in other.scalars(select(Publication))] == [publication.id]


def test_a_rollback_names_the_publication_it_undoes(session, editor):
    undone = finished(session, editor, PUBLISHED)
    publication = queue_publication(session, editor, [], minutes(5), kind=ROLLBACK,
                                    rollback_of=undone)
    stored = reloaded(session, publication.id)
    assert (stored.kind, stored.rollback_of, items_of(stored)) == (ROLLBACK, undone, [])


def test_an_unknown_kind_is_refused(session, editor):
    with pytest.raises(ValueError, match="unknown publication kind"):
        queue_publication(session, editor, ITEMS, T0, kind="undo")
    assert session.scalars(select(Publication)).all() == []


@pytest.mark.parametrize("state", ["queued", "running"])
def test_a_second_publication_is_refused_while_one_is_active(session, editor, state):
    first = queued(session, editor) if state == "queued" else running(session, editor)
    for kind in ({}, {"kind": ROLLBACK, "rollback_of": first}):
        with pytest.raises(PublicationBusy) as busy:
            queue_publication(session, editor, ITEMS, minutes(1), **kind)
        assert busy.value.current.id == first
        assert busy.value.current.status == state
        assert f"publication {first} is {state}" in str(busy.value)
    assert [row.id for row in session.scalars(select(Publication))] == [first]


@pytest.mark.parametrize("status", [PUBLISHED, REFUSED, FAILED])
def test_once_finished_another_may_be_queued(session, editor, status):
    first = finished(session, editor, status)
    assert active_publication(session) is None
    second = queued(session, editor, minutes(5))
    assert second != first and reloaded(session, second).status == QUEUED


def test_once_failed_for_silence_another_may_be_queued(session, editor):
    first = running(session, editor)
    assert [p.id for p in fail_stalled(session, minutes(30), 600, STALLED)] == [first]
    assert queued(session, editor, minutes(31)) != first


# --- claiming, steps, heartbeat -----------------------------------------------------------


def test_a_publication_is_claimed_only_once(session, editor):
    publication_id = queued(session, editor)
    assert claim_publication(session, publication_id, minutes(1)) is True
    stored = reloaded(session, publication_id)
    assert (stored.status, stored.step) == (RUNNING, STEPS[0])
    assert stored.started_at == stored.heartbeat_at == minutes(1)
    assert claim_publication(session, publication_id, minutes(2)) is False
    assert reloaded(session, publication_id).started_at == minutes(1)
    assert claim_publication(session, publication_id + 1, minutes(2)) is False


def test_two_editors_publishing_at_the_same_instant_queue_one(session, editor, race):
    results = race(*[lambda own: queue_publication(own, editor, [], minutes(0))] * 4)
    busy = [result for result in results if isinstance(result, PublicationBusy)]
    queued_ones = [result for result in results if not isinstance(result, Exception)]
    assert (len(queued_ones), len(busy)) == (1, 3), results
    assert [p.status for p in recent_publications(session)] == [QUEUED]


def test_a_finished_publication_frees_the_queue(session, editor):
    first = queued(session, editor)
    assert finish_publication(session, first, Outcome(PUBLISHED), minutes(1))
    second = queue_publication(session, editor, [], minutes(2))
    assert second.id != first and second.status == QUEUED


def test_racing_workers_claim_it_once(session, editor, race):
    publication_id = queued(session, editor)
    results = race(*[lambda own: claim_publication(own, publication_id, minutes(1))] * 2)
    assert sorted(results) == [False, True]


@pytest.mark.parametrize("status", [PUBLISHED, REFUSED, FAILED])
def test_a_finished_publication_cannot_be_claimed(session, editor, status):
    publication_id = finished(session, editor, status)
    assert claim_publication(session, publication_id, minutes(5)) is False
    assert reloaded(session, publication_id).status == status


def test_steps_are_recorded_with_the_heartbeat(session, editor):
    publication_id = running(session, editor)
    for number, step in enumerate(STEPS, start=1):
        assert record_step(session, publication_id, step, minutes(number)) is True
        stored = reloaded(session, publication_id)
        assert (stored.step, stored.heartbeat_at, stored.status) == (step, minutes(number),
                                                                     RUNNING)
    assert stored.started_at == T0


@pytest.mark.parametrize("step", ["publishing", "", "Training", "training "])
def test_an_unknown_step_is_a_value_error(session, editor, step):
    publication_id = running(session, editor)
    with pytest.raises(ValueError, match="unknown step"):
        record_step(session, publication_id, step, minutes(1))
    stored = reloaded(session, publication_id)
    assert (stored.step, stored.heartbeat_at) == (STEPS[0], T0)


@pytest.mark.parametrize("state", ["queued", "published", "failed", "missing"])
def test_steps_and_beats_only_while_running(session, editor, state):
    if state == "queued":
        publication_id = queued(session, editor)
    elif state == "missing":
        publication_id = 999
    else:
        publication_id = finished(session, editor, state)
    before = get_publication(session, publication_id)
    before = (before.step, before.heartbeat_at) if before else None
    assert record_step(session, publication_id, "training", minutes(5)) is False
    assert beat(session, publication_id, minutes(6)) is False
    after = reloaded(session, publication_id) if before else None
    assert ((after.step, after.heartbeat_at) if after else None) == before


def test_a_beat_moves_only_the_heartbeat(session, editor):
    publication_id = running(session, editor)
    record_step(session, publication_id, "training", minutes(1))
    assert beat(session, publication_id, minutes(3)) is True
    stored = reloaded(session, publication_id)
    assert (stored.step, stored.heartbeat_at, stored.started_at) == ("training", minutes(3), T0)


# --- finishing -------------------------------------------------------------------------------


def test_finishing_stores_the_outcome_and_its_json(session, editor):
    publication_id = running(session, editor)
    outcome = Outcome(
        PUBLISHED, reason="", details="17 pruebas pasaron", diff="--- a/domain.yml\n+++ b/…",
        files_before={"domain.yml": "responses:\n  utter_x: «antes»\n",
                      "data/nlu/faq_nuevo.yml": None},
        files_after={"domain.yml": "responses:\n  utter_x: «después»\n",
                     "data/nlu/faq_nuevo.yml": "nlu: []\n"},
        model_file="models/20261201-090500.tar.gz",
        previous_model_file="models/20261130-180000.tar.gz", training="answers",
        timings={"checking": 2.5, "training": 61.0, "total": 70.2})
    assert finish_publication(session, publication_id, outcome, minutes(2)) is True
    stored = reloaded(session, publication_id)
    assert (stored.status, stored.finished_at, stored.details, stored.diff) == (
        PUBLISHED, minutes(2), "17 pruebas pasaron", outcome.diff)
    assert (stored.model_file, stored.previous_model_file, stored.training) == (
        "models/20261201-090500.tar.gz", "models/20261130-180000.tar.gz", "answers")
    assert files_of(stored.files_before) == outcome.files_before
    assert files_of(stored.files_after) == outcome.files_after
    assert "«antes»" in stored.files_before and "«después»" in stored.files_after  # readable
    assert timings_of(stored) == {"checking": 2.5, "training": 61.0, "total": 70.2}
    assert active_publication(session) is None


def test_a_refusal_keeps_its_reason_and_empty_files(session, editor):
    publication_id = running(session, editor)
    outcome = Outcome(REFUSED, reason="El tema «sisben» cambió.", details="ConflictError")
    assert finish_publication(session, publication_id, outcome, minutes(2)) is True
    stored = reloaded(session, publication_id)
    assert (stored.status, stored.reason, stored.details) == (
        REFUSED, "El tema «sisben» cambió.", "ConflictError")
    assert (stored.files_before, stored.files_after, stored.timings) == ("{}", "{}", "{}")
    assert files_of(stored.files_after) == {} and timings_of(stored) == {}


@pytest.mark.parametrize("status", [QUEUED, RUNNING, "done", ""])
def test_finishing_with_a_non_final_status_is_refused(session, editor, status):
    publication_id = running(session, editor)
    with pytest.raises(ValueError, match="a publication ends"):
        finish_publication(session, publication_id, Outcome(status), minutes(2))
    stored = reloaded(session, publication_id)
    assert (stored.status, stored.finished_at) == (RUNNING, None)


def test_a_publication_is_finished_once(session, editor):
    publication_id = finished(session, editor, PUBLISHED)
    assert finish_publication(session, publication_id, Outcome(FAILED, "tarde"),
                              minutes(9)) is False
    stored = reloaded(session, publication_id)
    assert (stored.status, stored.reason, stored.finished_at) == (PUBLISHED, "", minutes(1))


def test_a_worker_finishing_after_being_failed_for_silence_changes_nothing(session, editor):
    publication_id = running(session, editor)
    fail_stalled(session, minutes(20), 600, STALLED)
    assert finish_publication(session, publication_id, Outcome(PUBLISHED, model_file="m"),
                              minutes(21)) is False
    stored = reloaded(session, publication_id)
    assert (stored.status, stored.reason, stored.model_file, stored.finished_at) == (
        FAILED, STALLED, "", minutes(20))


# --- stalled publications --------------------------------------------------------------------

SILENCE = 300  # seconds

# (state, last sign of life in minutes after T0, failed at minutes(10)?)
STALL_CASES = [
    ("running", 4, True),  # 6 minutes of silence
    ("running", 4.99, True),
    ("running", 5, False),  # exactly the silence: not yet
    ("running", 9, False),
    ("queued", 0, True),  # never claimed: counts from its creation
    ("queued", 6, False),
]


@pytest.mark.parametrize(("state", "last", "failed"), STALL_CASES)
def test_a_silent_publication_is_failed_with_the_reason(session, editor, state, last, failed):
    if state == "queued":
        publication_id = queued(session, editor, minutes(last))
    else:
        publication_id = running(session, editor)
        beat(session, publication_id, minutes(last))
    stalled = fail_stalled(session, minutes(10), SILENCE, STALLED)
    assert [publication.id for publication in stalled] == ([publication_id] if failed else [])
    stored = reloaded(session, publication_id)
    if failed:
        assert (stored.status, stored.reason, stored.finished_at) == (
            FAILED, STALLED, minutes(10))
        assert stalled[0].status == FAILED
    else:
        assert (stored.status, stored.reason, stored.finished_at) == (state, "", None)


def test_a_running_publication_counts_from_its_heartbeat_not_its_creation(session, editor):
    publication_id = queued(session, editor, T0)
    claim_publication(session, publication_id, minutes(8))
    assert fail_stalled(session, minutes(10), SILENCE, STALLED) == []
    assert reloaded(session, publication_id).status == RUNNING


def test_only_active_publications_are_failed_and_all_of_them(session, editor):
    done = finished(session, editor, PUBLISHED)
    refused = finished(session, editor, REFUSED, minutes(1))
    first = running(session, editor, minutes(2))
    # A second active one can only come from outside queue_publication (a stuck row).
    stuck = Publication(agent_id=editor, kind=CHANGE, items="[]", status=QUEUED,
                        created_at=minutes(3))
    session.add(stuck)
    session.commit()
    stuck_id = stuck.id
    stalled = fail_stalled(session, minutes(60), SILENCE, STALLED)
    assert sorted(publication.id for publication in stalled) == [first, stuck_id]
    assert fail_stalled(session, minutes(61), SILENCE, "otra vez") == []
    assert reloaded(session, done).status == PUBLISHED
    assert reloaded(session, refused).status == REFUSED
    assert reloaded(session, first).reason == reloaded(session, stuck_id).reason == STALLED


# --- listing -----------------------------------------------------------------------------


def test_recent_publications_newest_first_and_limited(session, editor):
    ids = [finished(session, editor, status, minutes(n))
           for n, status in enumerate([PUBLISHED, REFUSED, FAILED, PUBLISHED])]
    ids.append(queued(session, editor, minutes(10)))
    assert [p.id for p in recent_publications(session)] == ids[::-1]
    assert [p.id for p in recent_publications(session, limit=2)] == ids[:-3:-1]
    assert recent_publications(session, limit=0) == []


def test_an_empty_history(session, editor):
    assert recent_publications(session) == []
    assert latest_published(session) is None
    assert active_publication(session) is None
    assert get_publication(session, 1) is None
    assert rolled_back(session, 1) is None


def test_latest_published_skips_the_others_and_includes_rollbacks(session, editor):
    first = finished(session, editor, PUBLISHED)
    finished(session, editor, REFUSED, minutes(5))
    finished(session, editor, FAILED, minutes(10))
    queued(session, editor, minutes(15))
    assert latest_published(session).id == first
    finish_publication(session, active_publication(session).id, Outcome(FAILED), minutes(16))
    undo = finished(session, editor, PUBLISHED, minutes(20), kind=ROLLBACK, rollback_of=first)
    latest = latest_published(session)
    assert (latest.id, latest.kind) == (undo, ROLLBACK)


def test_rolled_back_is_the_published_rollback_only(session, editor):
    first = finished(session, editor, PUBLISHED)
    other = finished(session, editor, PUBLISHED, minutes(1))
    finished(session, editor, FAILED, minutes(2), kind=ROLLBACK, rollback_of=first)
    assert rolled_back(session, first) is None
    pending = queued(session, editor, minutes(3), kind=ROLLBACK, rollback_of=first)
    assert rolled_back(session, first) is None
    claim_publication(session, pending, minutes(3))
    finish_publication(session, pending, Outcome(PUBLISHED), minutes(4))
    assert rolled_back(session, first).id == pending
    assert rolled_back(session, other) is None
    assert rolled_back(session, pending) is None


# --- reading the JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("[]", []),
    ("", []),
    ('[{"kind": "topic", "key": "sisben"}]', [{"kind": "topic", "key": "sisben"}]),
    ('{"kind": "topic"}', []),  # not a list
    ('"texto"', []),
    ("null", []),
])
def test_items_of(text, expected):
    assert items_of(Publication(items=text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("{}", {}),
    ("", {}),
    ('{"domain.yml": "a: 1\\n", "data/nlu/faq_x.yml": null}',
     {"domain.yml": "a: 1\n", "data/nlu/faq_x.yml": None}),
    ('["domain.yml"]', {}),  # not an object
    ("null", {}),
])
def test_files_of(text, expected):
    assert files_of(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("{}", {}),
    ("", {}),
    ('{"training": 61.5, "total": 70}', {"training": 61.5, "total": 70}),
    ("[1, 2]", {}),
    ("3.5", {}),
])
def test_timings_of(text, expected):
    assert timings_of(Publication(timings=text)) == expected
