"""tools/unclear_report.py: what unclear messages get, and the unclear set itself."""

from pathlib import Path

import pytest

from tools.coverage_check import load_examples, normalize_example
from tools.nlu_report import Prediction, render_unclear
from tools.unclear_report import (
    UNCLEAR_SET,
    UnclearMessage,
    load_unclear,
    outcome,
    unclear_result,
)

ROOT = Path(__file__).resolve().parents[2]
KINDS = {"vague", "ambiguous_object", "fragment", "story_without_request", "noise_with_words"}


@pytest.mark.parametrize(
    ("label", "how", "expected"),
    [
        ("nlu_fallback", "fallback", "asked for detail"),
        ("faq/sisben", "paraphrase", "paraphrased"),
        ("faq/sisben", "sure", "answered as a request"),
        ("request_human", "sure", "answered as a request"),
        ("ask_hours", "sure", "answered as a request"),
        ("greet", "sure", "another intent"),
        ("offensive", "rule", "another intent"),
    ],
)
def test_outcome(label, how, expected):
    assert outcome(label, how) == expected


def test_the_report_counts_per_kind_and_lists_the_answered_messages():
    messages = [UnclearMessage("y lo otro?", "fragment"),
                UnclearMessage("el certificado", "ambiguous_object"),
                UnclearMessage("el recibo | ese", "ambiguous_object")]
    predictions = [Prediction("nlu_fallback", "fallback", 0.2),
                   Prediction("faq/paz_salvo", "paraphrase", 0.4),
                   Prediction("faq/impuesto_predial", "sure", 0.9)]
    result = unclear_result("unclear.yml", messages, predictions)
    assert result.asked_share() == pytest.approx(1 / 3)
    lines = render_unclear(result)
    assert "| ambiguous_object | 0 | 1 | 1 | 0 |" in lines
    assert "| fragment | 1 | 0 | 0 | 0 |" in lines
    assert "| all | 1 | 1 | 1 | 0 |" in lines
    assert "| el recibo / ese | `faq/impuesto_predial` |" in lines
    assert render_unclear(None) == []


def test_load_unclear_reads_texts_and_kinds(tmp_path):
    path = tmp_path / "unclear.yml"
    path.write_text("unclear:\n  - kind: vague\n    text: necesito un tramite\n"
                    "  - text: y eso\n", encoding="utf-8")
    assert load_unclear(path) == [UnclearMessage("necesito un tramite", "vague"),
                                  UnclearMessage("y eso", "unclear")]


def test_the_unclear_set_is_big_varied_and_apart_from_the_training_data():
    messages = load_unclear(ROOT / UNCLEAR_SET)
    assert len(messages) >= 150
    assert {m.kind for m in messages} == KINDS
    texts = [normalize_example(m.text) for m in messages]
    assert len(set(texts)) == len(texts)
    training = {normalize_example(e.text) for e in load_examples(ROOT)}
    assert [m.text for m in messages if normalize_example(m.text) in training] == []
