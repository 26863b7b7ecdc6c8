"""tools/conversation_tests.py: the stories' messages and how they are judged. The run on
the trained model is `make conversation-tests` (and every publication's gate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.conversation_tests import (
    StoryMessage,
    misunderstood,
    plain_text,
    story_files,
    story_messages,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("annotated", "plain"), [
    ("soy [Marta](nombre)", "soy Marta"),
    ("mi nombre es [Gloria Esperanza](nombre)\n", "mi nombre es Gloria Esperanza"),
    ('[Jorge Iván]{"entity": "nombre"}', "Jorge Iván"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
])
def test_entity_marks_are_taken_out(annotated, plain):
    assert plain_text(annotated) == plain


def test_every_story_message_with_an_intent_is_read(tmp_path):
    (tmp_path / "test_x_stories.yml").write_text(
        'version: "3.1"\nstories:\n- story: one\n  steps:\n  - user: |\n      hola\n'
        "    intent: greet\n  - action: utter_greet\n  - intent: refuse_name\n"
        "  - user: |\n      soy [Ana](nombre)\n    intent: inform_name\n", encoding="utf-8")
    (tmp_path / "other.yml").write_text("stories: [{story: no, steps: []}]", encoding="utf-8")
    assert story_messages(story_files(tmp_path)) == [
        StoryMessage("one", "hola", "greet"), StoryMessage("one", "soy Ana", "inform_name")]


def test_the_projects_stories_have_messages():
    messages = story_messages(story_files(ROOT / "tests"))
    assert len(messages) > 50
    assert StoryMessage("faq answered, satisfied, no more questions, farewell",
                        "como puedo pagar el impuesto predial de mi finca",
                        "faq/impuesto_predial") in messages


def _parse(intent: str, topic: str | None = None, kept: str | None = None) -> dict:
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if topic:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": topic}}}
    if kept:
        parse["understanding"] = {"label": kept}
    return parse


@pytest.mark.parametrize(("parse", "right"), [
    (_parse("faq", "faq/impuesto_predial"), True),
    (_parse("faq", "faq/industria_comercio"), False),
    (_parse("check_understanding", kept="faq/impuesto_predial"), True),  # after "sí"
    (_parse("check_understanding", kept="faq/catastro"), False),
    (_parse("nlu_fallback"), False),
])
def test_a_message_is_right_at_once_or_after_the_paraphrase_check(parse, right):
    message = StoryMessage("s", "como pago el predial", "faq/impuesto_predial")
    assert (misunderstood([message], [parse]) == []) is right
