"""content/publication.py: a console draft's body turned into an editing change and
applied to a copy of the project (revision checked, problems refused)."""

import pytest

from content.changes import ChangeRejected, ConflictError, EditingError
from content.editing import TopicChange, load_fact, load_topic
from content.facts import load_fact_sheet
from content.publication import (
    FACT,
    TOPIC,
    apply_draft,
    change_of_topic,
    fact_fields,
    typed_examples,
)
from tests.content.files import changed_lines, entry_lines, tree

SHEET = "data/facts.yml"
NEW_BLOCK = "Para más información, acérquese al CISAT o consulte el sitio web {fact:tenjo_website}."
NEW_SITE = "www.tenjo.gov.co"


@pytest.mark.parametrize(("typed", "expected"), [
    ("", ()),
    ("sisben", ("sisben",)),
    ("como me inscribo en el sisben\nq es el sisben", ("como me inscribo en el sisben",
                                                      "q es el sisben")),
    ("uno\r\n\r\n   \n\tdos\n", ("uno", "\tdos")),  # blank lines out, the rest as typed
    ("\n\n  \n", ()),
    ("  con espacios  \nsin", ("  con espacios  ", "sin")),
])
def test_typed_examples_are_one_per_line_without_blank_lines(typed, expected):
    assert typed_examples(typed) == expected


FULL_BODY = {"answer_blocks": ["Sobre el SISBÉN: la encuesta es gratuita.", "",
                               "Acérquese al CISAT.", "  \n "],
             "paraphrase": "la encuesta del SISBÉN",
             "remove_examples": ["sisven", "sisbem"],
             "new_examples": "como me inscribo en el sisben\n\nq es el sisben\n"}

TOPIC_BODIES = [
    # (body, the change it describes)
    (FULL_BODY,
     TopicChange(answer_blocks=("Sobre el SISBÉN: la encuesta es gratuita.",
                                "Acérquese al CISAT."),
                 paraphrase="la encuesta del SISBÉN",
                 add_examples=("como me inscribo en el sisben", "q es el sisben"),
                 remove_examples=("sisven", "sisbem"))),
    ({}, TopicChange(answer_blocks=None, paraphrase=None, add_examples=(), remove_examples=())),
    ({"paraphrase": "el SISBÉN"}, TopicChange(paraphrase="el SISBÉN")),
    ({"paraphrase": ""}, TopicChange(paraphrase="")),  # an emptied field is a change
    ({"answer_blocks": ["", "   "]}, TopicChange(answer_blocks=())),
    ({"answer_blocks": []}, TopicChange(answer_blocks=())),
    ({"new_examples": ""}, TopicChange()),
    # Values of the wrong type are ignored: that part is left as it is.
    ({"answer_blocks": "Sobre el SISBÉN."}, TopicChange()),
    ({"answer_blocks": ["Uno.", 2]}, TopicChange()),
    ({"answer_blocks": None, "paraphrase": None, "new_examples": None,
      "remove_examples": None}, TopicChange()),
    ({"paraphrase": 5, "new_examples": ["como me inscribo"]}, TopicChange()),
    ({"remove_examples": "sisven"}, TopicChange()),
    ({"remove_examples": ["sisven", None]}, TopicChange()),
    ({"remove_examples": []}, TopicChange()),
    ({"paraphrase": {"text": "x"}, "remove_examples": ["sisven"], "other": "x"},
     TopicChange(remove_examples=("sisven",))),
]


@pytest.mark.parametrize(("body", "expected"), TOPIC_BODIES)
def test_the_change_a_topic_draft_describes(body, expected):
    change = change_of_topic(body)
    assert change == expected
    assert isinstance(change.add_examples, tuple) and isinstance(change.remove_examples, tuple)


@pytest.mark.parametrize(("body", "expected"), [
    ({}, {}),
    ({"value": "Calle 3", "status": "confirmed", "source": "https://x.example",
      "source_kind": "official", "confirmed_by": "Ana", "confirmed_on": "2026-12-07"},
     {"value": "Calle 3", "status": "confirmed", "source": "https://x.example",
      "source_kind": "official", "confirmed_by": "Ana", "confirmed_on": "2026-12-07"}),
    ({"value": "", "status": "pending"}, {"value": "", "status": "pending"}),
    ({"value": 3, "status": None, "source": ["x"], "confirmed_on": "2026-12-07"},
     {"confirmed_on": "2026-12-07"}),
    # Only the fields the form edits.
    ({"value": "x", "description": "otra", "scope": "tenjo", "key": "k"}, {"value": "x"}),
])
def test_the_fields_a_fact_draft_sets(body, expected):
    assert fact_fields(body) == expected


def topic_item(project, body, topic="sisben", revision=None):
    revision = load_topic(project, topic).revision if revision is None else revision
    return {"kind": TOPIC, "key": topic, "base_revision": revision, "body": body}


def fact_item(project, body, key="tenjo_website", revision=None):
    revision = load_fact(project, key).revision if revision is None else revision
    return {"kind": FACT, "key": key, "base_revision": revision, "body": body}


def test_a_topic_draft_changes_only_the_topics_answer(project):
    before = tree(project)
    content = load_topic(project, "sisben")
    body = {"answer_blocks": [*content.answer_blocks[:2], "", NEW_BLOCK],
            "paraphrase": content.paraphrase, "remove_examples": [], "new_examples": "\n"}
    applied = apply_draft(project, topic_item(project, body))

    after = tree(project)
    assert {path for path in before if before[path] != after[path]} == {"domain.yml"}
    assert list(applied.diffs) == ["domain.yml"]
    domain = [before["domain.yml"].decode(), after["domain.yml"].decode()]
    assert changed_lines(*domain)
    assert changed_lines(*domain) <= set(entry_lines(domain[0], "  utter_faq/sisben:",
                                                     r"  [^\s-]"))
    assert f"+{' ' * 6}{NEW_BLOCK}\n" in applied.diffs["domain.yml"]
    now = load_topic(project, "sisben")
    assert now.answer_blocks == (*content.answer_blocks[:2], NEW_BLOCK)
    assert now.revision == applied.revision != content.revision
    assert (now.paraphrase, now.examples) == (content.paraphrase, content.examples)
    assert applied.previous == {"domain.yml": before["domain.yml"]}


def test_a_topic_drafts_typed_examples_reach_its_nlu_file(project):
    before = tree(project)
    content = load_topic(project, "sisben")
    body = {"new_examples": "me pueden explicar ese tramite por favor\r\n\r\n"
                            "sumerce donde averiguo eso\n",
            "remove_examples": [content.examples[5]]}
    applied = apply_draft(project, topic_item(project, body))
    assert sorted(applied.diffs) == ["data/nlu/faq_social.yml"]
    assert tree(project)["domain.yml"] == before["domain.yml"]
    now = load_topic(project, "sisben")
    assert now.examples[-2:] == ("me pueden explicar ese tramite por favor",
                                 "sumerce donde averiguo eso")
    assert content.examples[5] not in now.examples


def test_a_fact_draft_changes_the_fact_sheet_only(project):
    before = tree(project)
    current = load_fact(project, "tenjo_website")
    applied = apply_draft(project, fact_item(project, {"value": NEW_SITE, "status": 7}))

    after = tree(project)
    assert {path for path in before if before[path] != after[path]} == {SHEET}
    assert list(applied.diffs) == [SHEET]
    sheet = [before[SHEET].decode(), after[SHEET].decode()]
    assert changed_lines(*sheet) <= set(entry_lines(sheet[0], "  tenjo_website:", r"  [^\s]"))
    assert f'+    value: "{NEW_SITE}"\n' in applied.diffs[SHEET]
    fact = load_fact_sheet(project / SHEET)["tenjo_website"]
    # Only the value was set: the other fields are as they were.
    assert fact.value == NEW_SITE
    assert (fact.status, fact.source, fact.confirmed_by) == (
        current.fact.status, current.fact.source, current.fact.confirmed_by)
    assert applied.revision == load_fact(project, "tenjo_website").revision != current.revision


def test_a_fact_draft_may_confirm_a_pending_fact(project):
    key = next(key for key, fact in load_fact_sheet(project / SHEET).items()
               if not fact.sayable)
    body = {"value": "Calle 3 # 4-10, Tenjo", "status": "confirmed",
            "source": "https://www.tenjo-cundinamarca.gov.co/contacto",
            "source_kind": "official", "confirmed_by": "Ana Gómez, CISAT",
            "confirmed_on": "2026-12-07"}
    applied = apply_draft(project, fact_item(project, body, key=key))
    assert list(applied.diffs) == [SHEET]
    fact = load_fact_sheet(project / SHEET)[key]
    assert fact.sayable and (fact.value, fact.confirmed_by, fact.confirmed_on) == (
        "Calle 3 # 4-10, Tenjo", "Ana Gómez, CISAT", "2026-12-07")


@pytest.mark.parametrize("kind", [TOPIC, FACT])
@pytest.mark.parametrize("revision", ["0123456789abcdef", "", None])
def test_a_stale_base_revision_is_a_conflict(project, kind, revision):
    if kind == TOPIC:
        item = topic_item(project, {"paraphrase": "el SISBÉN"}, revision="x")
        current = load_topic(project, "sisben").revision
    else:
        item = fact_item(project, {"value": NEW_SITE}, revision="x")
        current = load_fact(project, "tenjo_website").revision
    item["base_revision"] = revision
    before = tree(project)
    with pytest.raises(ConflictError) as conflict:
        apply_draft(project, item)
    assert conflict.value.current.revision == current
    assert tree(project) == before


def test_a_draft_made_before_another_publication_is_a_conflict(project):
    old = topic_item(project, {"paraphrase": "el SISBÉN"})
    apply_draft(project, topic_item(project, {"new_examples": "sumerce donde averiguo eso"}))
    written = tree(project)
    with pytest.raises(ConflictError, match="Otra persona cambió este tema"):
        apply_draft(project, old)
    assert tree(project) == written


PROBLEMS = [
    # (kind, body, rule)
    (TOPIC, {"answer_blocks": ["¡Con gusto le ayudamos!"]}, "no-exclamation"),
    (TOPIC, {"answer_blocks": ["Sobre el SISBÉN: <b>x</b>."]}, "markup"),
    (TOPIC, {"answer_blocks": ["Sobre el SISBÉN.", "   ", ""], "paraphrase": "el SISBÉN."},
     "paraphrase-ending"),
    (TOPIC, {"answer_blocks": ["", " "]}, "answer-empty"),
    (TOPIC, {"new_examples": "<b>sisben</b> para mi casa"}, "markup"),
    (TOPIC, {"remove_examples": ["esto no es un ejemplo"]}, "example-missing"),
    (FACT, {"value": "¡www.tenjo.gov.co!"}, "no-exclamation"),
    (FACT, {"value": "<b>x</b>"}, "markup"),
]


@pytest.mark.parametrize(("kind", "body", "rule"), PROBLEMS)
def test_a_draft_with_a_problem_is_rejected_and_nothing_is_written(project, kind, body, rule):
    item = topic_item(project, body) if kind == TOPIC else fact_item(project, body)
    before = tree(project)
    with pytest.raises(ChangeRejected) as refused:
        apply_draft(project, item)
    assert rule in [problem.rule for problem in refused.value.problems]
    assert str(refused.value).startswith("El cambio no se guardó. ")
    assert tree(project) == before


@pytest.mark.parametrize("item", [
    {"kind": "page", "key": "sisben", "base_revision": "x", "body": {}},
    {"kind": "Topic", "key": "sisben", "base_revision": "x", "body": {"paraphrase": "x"}},
    {"key": "sisben", "body": {}},
    {"kind": None, "key": "sisben"},
])
def test_a_draft_of_an_unknown_kind_is_an_editing_error(project, item):
    before = tree(project)
    with pytest.raises(EditingError) as error:
        apply_draft(project, item)
    assert type(error.value) is EditingError  # neither a conflict nor a rejection
    assert str(error.value) == "El borrador de «sisben» no es de un tema ni de un hecho."
    assert tree(project) == before


def test_an_empty_draft_writes_nothing(project):
    before = tree(project)
    content = load_topic(project, "sisben")
    applied = apply_draft(project, {"kind": TOPIC, "key": "sisben",
                                    "base_revision": content.revision})
    assert applied.diffs == {} and applied.revision == content.revision
    assert tree(project) == before
