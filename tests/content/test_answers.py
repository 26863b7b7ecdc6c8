"""Answers built from facts: alternatives, placeholders, blocks left out."""

import pytest

from content.answers import (
    alternatives,
    fact_keys,
    iter_texts,
    render_blocks,
    split_blocks,
    weakened_by,
)
from content.facts import Fact


def fact(key, value, status="confirmed"):
    return Fact(key=key, value=value, status=status, scope="tenjo", description=key)


FACTS = {
    "web": fact("web", "www.tenjo.example"),
    "phone": fact("phone", "", status="pending"),
    "address": fact("address", "Calle 1", status="pending"),  # a value, still pending
}
ANSWER = (
    "Sobre el tema: algo general.\n\n"
    "Llame al {fact:phone}.\n"
    "|| Consulte el sitio web {fact:web}.\n\n"
    "La sede queda en {fact:address}."
)


def test_blocks_and_their_alternatives():
    assert split_blocks(ANSWER)[1] == "Llame al {fact:phone}.\n|| Consulte el sitio web {fact:web}."
    assert alternatives(split_blocks(ANSWER)[1]) == [
        "Llame al {fact:phone}.", "Consulte el sitio web {fact:web}."]
    assert alternatives("Uno\ndos") == ["Uno dos"]
    assert fact_keys(ANSWER) == ["phone", "web", "address"]
    assert list(iter_texts(ANSWER)) == [
        "Sobre el tema: algo general.", "Llame al {fact:phone}.",
        "Consulte el sitio web {fact:web}.", "La sede queda en {fact:address}."]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # pending phone: its alternative; pending address (even with a value): left out
        (FACTS, ["Sobre el tema: algo general.", "Consulte el sitio web www.tenjo.example."]),
        ({**FACTS, "phone": fact("phone", "601 555")},
         ["Sobre el tema: algo general.", "Llame al 601 555."]),
        ({**FACTS, "address": fact("address", "Calle 1")},
         ["Sobre el tema: algo general.", "Consulte el sitio web www.tenjo.example.",
          "La sede queda en Calle 1."]),
        ({}, ["Sobre el tema: algo general."]),  # an unknown key is never said
    ],
)
def test_render_says_only_confirmed_facts(facts, expected):
    assert render_blocks(ANSWER, facts) == expected


def test_weakened_by_names_the_facts_that_keep_first_alternatives_silent():
    assert weakened_by(ANSWER, FACTS) == ["phone", "address"]
    assert weakened_by("Sin hechos.", FACTS) == []
