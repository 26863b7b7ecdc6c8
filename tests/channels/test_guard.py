"""The message guard of the public channels: size, invisible characters, pace."""

import pytest

from channels.guard import (
    EMPTY,
    TOO_FAST,
    TOO_MANY_FROM_ADDRESS,
    MessageGuard,
    clean_text,
    valid_sender,
)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("hola", "hola"),
        ("  hola\u200b mundo\u200d ", "hola mundo"),
        ("\ufeffcertificado\u202e de residencia", "certificado de residencia"),
        ("línea\x00\x07 uno\nlínea dos", "línea uno\nlínea dos"),
        ("مرحبا بالعالم", "مرحبا بالعالم"),
        ("😀😀", "😀😀"),
    ],
)
def test_clean_text(text, cleaned):
    assert clean_text(text) == cleaned


@pytest.mark.parametrize(
    ("text", "accepted", "refusal"),
    [
        ("como pago el predial", "como pago el predial", None),
        ("   \u200b\t ", None, EMPTY),
        ("x" * 2000, "x" * 2000, None),
        ("x" * 2001, None, "demasiado largo"),
        ("x" * 100_000, None, "2.000 caracteres"),
        ("'; DROP TABLE events; --", "'; DROP TABLE events; --", None),
    ],
)
def test_check(text, accepted, refusal):
    got, answer = MessageGuard().check("s1", text)
    assert got == accepted
    assert (answer is None) if refusal is None else (refusal in answer)


def test_a_flood_is_refused_per_conversation_and_the_window_passes():
    clock = Clock()
    guard = MessageGuard(rate=(8, 10.0), clock=clock)
    answers = [guard.check("s1", f"mensaje {i}")[1] for i in range(50)]
    assert answers[:8] == [None] * 8 and set(answers[8:]) == {TOO_FAST}
    assert guard.check("s2", "hola")[1] is None, "another conversation is not slowed"
    clock.now = 11.0
    assert guard.check("s1", "ya puedo")[1] is None


@pytest.mark.parametrize(
    ("sender", "valid"),
    [("test-0a1b", True), ("a" * 128, True), ("a" * 129, False), ("", False),
     (None, False), (123, False), ("../../etc", False), ("<script>", False),
     ("id con espacios", False)],
)
def test_valid_sender(sender, valid):
    assert valid_sender(sender) is valid


def test_a_flood_from_one_address_is_refused_whatever_its_conversations():
    clock = Clock()
    guard = MessageGuard(rate=(8, 10.0), per_address=5, clock=clock)
    verdicts = [guard.check(f"s{i}", "hola", "198.51.100.7") for i in range(7)]
    assert [refusal for _, refusal in verdicts] == [None] * 5 + [TOO_MANY_FROM_ADDRESS] * 2
    assert guard.check("vecina", "hola", "203.0.113.9") == ("hola", None)
    assert guard.check("vecino", "hola", None) == ("hola", None), "address unknown: no limit"
    clock.now = 61.0
    assert guard.check("s0", "hola", "198.51.100.7") == ("hola", None)
