"""The held-out NLU test set: big enough, labels known, never in the training data."""

from collections import Counter
from pathlib import Path

import pytest

from tools.coverage_check import (
    CONTRACT_FAQ_TOPICS,
    CONTRACT_INTENTS,
    load_domain,
    load_examples,
    normalize_example,
)
from tools.nlu_report import load_test_set

ROOT = Path(__file__).resolve().parents[2]
TEST_SET = ROOT / "tests/nlu/test_set.yml"
MIN_PER_LABEL = 20


@pytest.fixture(scope="module")
def test_messages():
    return load_test_set(TEST_SET)


def test_every_contract_label_has_enough_test_messages(test_messages):
    counts = Counter(m.label for m in test_messages)
    labels = [*CONTRACT_INTENTS, *(f"faq/{topic}" for topic in CONTRACT_FAQ_TOPICS)]
    assert {label: counts[label] for label in labels if counts[label] < MIN_PER_LABEL} == {}


def test_test_labels_are_labels_of_the_assistant(test_messages):
    _, intents, _ = load_domain(ROOT)
    trained = {e.label for e in load_examples(ROOT)}
    unknown = {m.label for m in test_messages} - trained - set(intents)
    assert unknown == set()


def test_no_test_message_is_a_training_example(test_messages):
    training = {normalize_example(e.text): e for e in load_examples(ROOT)}
    leaks = [
        f"{m.text!r} = {training[key].path}:{training[key].line}"
        for m in test_messages
        if (key := normalize_example(m.text)) in training
    ]
    assert leaks == []


def test_no_duplicate_test_messages(test_messages):
    counts = Counter(normalize_example(m.text) for m in test_messages)
    assert [text for text, n in counts.items() if n > 1] == []
