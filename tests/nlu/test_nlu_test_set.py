"""The held-out NLU sets: big enough, labels known, never in the training data.

`test_set.yml`, the blind one (`blind_test_set.yml`, issue 17: written by someone who
had not read the training data) and the development set (`dev_set.yml`, written the
same way, whose errors guide the training data). A failure about the blind set gives
counts, never its messages, so that nobody tunes the training data to them.
"""

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
BLIND_SET = ROOT / "tests/nlu/blind_test_set.yml"
DEV_SET = ROOT / "tests/nlu/dev_set.yml"
# Messages each label needs in each set.
MIN_PER_LABEL = {TEST_SET: 20, BLIND_SET: 15, DEV_SET: 13}
MIN_BLIND_MESSAGES = 600


class LabelledSet(list):
    """The messages of a test set, knowing whether it is the blind one, whether it was
    written apart from the training data (blind or dev) and how many each label needs."""

    blind = False
    written_apart = False
    least_per_label = 0

    def __repr__(self) -> str:
        """Never the messages: pytest prints a failing test's arguments."""
        return f"<{len(self)} messages{' of the blind set' if self.blind else ''}>"


@pytest.fixture(scope="module", params=[TEST_SET, BLIND_SET, DEV_SET],
                ids=["test_set", "blind", "dev"])
def test_messages(request):
    messages = LabelledSet(load_test_set(request.param))
    messages.blind = request.param == BLIND_SET
    messages.written_apart = request.param != TEST_SET
    messages.least_per_label = MIN_PER_LABEL[request.param]
    return messages


def shown(found: list, test_messages: LabelledSet) -> list | str:
    """What a failure shows: the messages, or only their number for the blind set (pytest
    must get the number alone: it would print the list an assertion was computed from)."""
    return f"{len(found)} of the blind set" if test_messages.blind and found else found


def test_the_blind_set_is_big_enough():
    assert len(load_test_set(BLIND_SET)) >= MIN_BLIND_MESSAGES


def test_every_contract_label_has_enough_test_messages(test_messages):
    counts = Counter(m.label for m in test_messages)
    labels = [*CONTRACT_INTENTS, *(f"faq/{topic}" for topic in CONTRACT_FAQ_TOPICS)]
    least = test_messages.least_per_label
    assert {label: counts[label] for label in labels if counts[label] < least} == {}


def test_test_labels_are_labels_of_the_assistant(test_messages):
    _, intents, _ = load_domain(ROOT)
    trained = {e.label for e in load_examples(ROOT)}
    unknown = {m.label for m in test_messages} - trained - set(intents)
    assert unknown == set()


# Short formulaic replies ("buenos días", "sí señor", "muchas gracias") are written alike by
# anyone: the sets written apart (blind, dev) may share them with the training data; a
# longer message may not.
MAX_SHARED_WORDS = 4


def test_no_test_message_is_a_training_example(test_messages):
    training = {normalize_example(e.text): e for e in load_examples(ROOT)}
    leaks = [
        f"{m.text!r} = {training[key].path}:{training[key].line}"
        for m in test_messages
        if (key := normalize_example(m.text)) in training
        and not (test_messages.written_apart and len(m.text.split()) <= MAX_SHARED_WORDS)
    ]
    found = shown(leaks, test_messages)
    assert found == [], found


def test_no_duplicate_test_messages(test_messages):
    counts = Counter(normalize_example(m.text) for m in test_messages)
    duplicates = [text for text, n in counts.items() if n > 1]
    found = shown(duplicates, test_messages)
    assert found == [], found
