"""What the NLU makes of unclear messages (protocol 3.4), for `make nlu-report`.

`tests/nlu/unclear_set.yml` holds messages a careful agent would answer with a request
for detail ("¿Puede precisarme…?"): vague requests, ambiguous objects, fragments, stories
without a request. It was written blind, apart from the training data. Each message is
either asked for detail (`nlu_fallback`), paraphrased (the citizen can still say "no"),
answered as a sure request (an answer to a question nobody asked), or taken as another
intent (a greeting, thanks: harmless). The thresholds are chosen with these figures beside
the test set's (tools/nlu_thresholds.py); tools/nlu_report.py renders them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

UNCLEAR_SET = Path("tests/nlu/unclear_set.yml")
OUTCOMES = ("asked for detail", "paraphrased", "answered as a request", "another intent")


@dataclass(frozen=True)
class UnclearMessage:
    """One unclear message and the kind of unclearness it shows."""

    text: str
    kind: str


def load_unclear(path: Path = UNCLEAR_SET) -> list[UnclearMessage]:
    """The messages of the unclear set, in order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [UnclearMessage(str(entry["text"]), str(entry.get("kind") or "unclear"))
            for entry in document.get("unclear") or []]


def request_intents() -> frozenset[str]:
    """The requests: the intents the understanding check paraphrases (`config.yml`)."""
    from tools.nlu_thresholds import confirm_intents

    return confirm_intents()


def outcome(label: str, how: str) -> str:
    """What the citizen gets for an unclear message predicted `label`, reached `how`."""
    if how == "fallback":
        return OUTCOMES[0]
    if how == "paraphrase":
        return OUTCOMES[1]
    if label.split("/")[0] in request_intents():
        return OUTCOMES[2]
    return OUTCOMES[3]


@dataclass
class UnclearResult:
    """The outcomes of the unclear set through the whole pipeline."""

    name: str
    messages: list[UnclearMessage]
    outcomes: list[str]
    labels: list[str]

    def counts(self) -> Counter:
        """How many messages had each outcome."""
        return Counter(self.outcomes)

    def asked_share(self) -> float:
        """The share asked for detail, as protocol 3.4 wants."""
        return self.counts()[OUTCOMES[0]] / len(self.messages) if self.messages else 0.0


def unclear_result(name: str, messages: list[UnclearMessage],
                   predictions: list[Any]) -> UnclearResult:
    """The outcomes of the unclear set from the pipeline's predictions (label, how)."""
    return UnclearResult(name, messages,
                         [outcome(p.label, p.how) for p in predictions],
                         [p.label for p in predictions])
