"""tools/nlu_thresholds.py replays the thresholds' decisions and refuses the blind set."""

import pytest

from tools.nlu_thresholds import Parsed, decide, main, table, unclear_outcomes


def message(intent="faq", confidence=0.9, topic="faq/sisben", topic_confidence=0.9,
            how="sure", label="faq/sisben", gold="faq/sisben"):
    return Parsed(gold, how, label, intent, confidence, topic, topic_confidence)


@pytest.mark.parametrize(
    ("parsed", "fallback", "sure", "expected"),
    [
        (message(), 0.35, 0.65, ("faq/sisben", "sure")),
        (message(topic_confidence=0.5), 0.35, 0.65, ("faq/sisben", "paraphrase")),
        (message(topic_confidence=0.3), 0.35, 0.65, ("nlu_fallback", "fallback")),
        (message(confidence=0.3), 0.35, 0.65, ("nlu_fallback", "fallback")),
        (message(confidence=0.4), 0.45, 0.65, ("nlu_fallback", "fallback")),
        (message(intent="greet", confidence=0.5, topic=None), 0.35, 0.65, ("greet", "sure")),
        # the chat rules and the unknown-words check stand whatever the thresholds
        (message(how="rule", label="offensive"), 0.35, 0.65, ("offensive", "rule")),
        (message(intent="greet", how="fallback", confidence=0.5), 0.35, 0.65,
         ("nlu_fallback", "fallback")),
        # ... a request too: its fallback came from the ambiguity or unknown-words check
        (message(how="fallback", confidence=0.9), 0.25, 0.65, ("nlu_fallback", "fallback")),
        # a fallback the configured threshold explains is replayed
        (message(how="fallback", topic_confidence=0.3), 0.25, 0.65, ("faq/sisben", "paraphrase")),
    ],
)
def test_decide(parsed, fallback, sure, expected):
    assert decide(parsed, fallback, sure) == expected


def test_table_counts_served_and_wrong_answers():
    lines = table([message(), message(topic_confidence=0.5, gold="faq/empleo")])
    row = next(line for line in lines if line.startswith("    0.35  0.65"))
    assert row.split()[2:] == ["0.500", "0.500", "1", "0"]


def test_the_blind_set_is_refused(capsys):
    assert main(["--set", "tests/nlu/blind_test_set.yml"]) == 2
    assert "never a tuning set" in capsys.readouterr().err


def test_unclear_messages_count_what_is_asked_and_what_is_answered():
    unclear = [message(gold="", confidence=0.3, how="fallback"),  # asked at 0.35, not at 0.25
               message(gold="", topic_confidence=0.5, how="paraphrase"),
               message(gold="", how="sure"),  # an answer nobody asked for
               message(gold="", intent="greet", topic=None, how="sure")]  # harmless
    assert unclear_outcomes(unclear, 0.35, 0.65) == (0.25, 1)
    assert unclear_outcomes(unclear, 0.25, 0.65) == (0.0, 1)
    lines = table([message()], unclear)
    assert lines[0].endswith("unclear asked  unclear answered")
    row = next(line for line in lines if line.startswith("    0.35  0.65"))
    assert row.split()[-2:] == ["0.250", "1"]


def test_the_blind_set_is_refused_as_unclear_set_too(capsys):
    assert main(["--unclear", "tests/nlu/blind_test_set.yml"]) == 2
