"""How the NLU thresholds would score on the test set: `python -m tools.nlu_thresholds`.

Parses `tests/nlu/test_set.yml` once with the trained model and replays, for each pair
of thresholds, what the FallbackClassifier and the understanding check
(`addons/understanding_check.py`) would decide from the classifier's own confidences:
served, right at once, and how many paraphrases and sure answers would be wrong; and,
for the unclear messages of `tests/nlu/unclear_set.yml` (protocol 3.4), the share asked
for detail and how many answered as a request nobody made. It refuses the blind set:
thresholds are chosen on the test set only (issue 17), and the blind set stays a
measure.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEST_SET = Path("tests/nlu/test_set.yml")
SKIPPED = {"nlu_fallback", "check_understanding"}
CONFIG = Path("config.yml")
FALLBACKS = (0.45, 0.4, 0.35, 0.3, 0.25)
SURES = (0.75, 0.65, 0.55)


@dataclass(frozen=True)
class Parsed:
    """What the replay needs of one parsed message."""

    gold: str
    how: str  # as the model decided with its configured thresholds
    label: str
    intent: str  # the classifier's top intent and confidence (before any fallback)
    confidence: float
    topic: str | None  # the response selector's topic and confidence
    topic_confidence: float


def parsed(gold: str, parse: dict[str, Any]) -> Parsed:
    """One parse result, reduced."""
    from tools.nlu_report import predicted_label

    prediction = predicted_label(parse)
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") not in SKIPPED]
    top = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 0.0}
    selected = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    return Parsed(gold, prediction.how, prediction.label, top["name"],
                  float(top.get("confidence") or 0.0), selected.get("intent_response_key"),
                  float(selected.get("confidence") or 0.0))


@lru_cache(maxsize=1)
def confirm_intents(config: Path = CONFIG) -> frozenset[str]:
    """The intents the understanding check paraphrases, as `config.yml` names them."""
    pipeline = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    check = next(c for c in pipeline if str(c.get("name", "")).endswith("UnderstandingCheck"))
    return frozenset(check["confirm_intents"])


@lru_cache(maxsize=1)
def configured_fallback(config: Path = CONFIG) -> float:
    """The FallbackClassifier's threshold in `config.yml`, the one the model was run with."""
    pipeline = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    return float(next(c for c in pipeline if c.get("name") == "FallbackClassifier")["threshold"])


def decide(message: Parsed, fallback: float, sure: float) -> tuple[str, str]:
    """(label, how) under these thresholds; the chat rules, the unknown-words check and
    the ambiguity check (a fallback the configured threshold does not explain) stand."""
    confirm = confirm_intents()
    if message.how == "rule":
        return message.label, "rule"
    label, confidence = message.intent, message.confidence
    if label == "faq" and message.topic:
        label, confidence = message.topic, min(confidence, message.topic_confidence)
    if message.how == "fallback" and confidence >= configured_fallback():
        return "nlu_fallback", "fallback"
    if message.confidence < fallback:
        return "nlu_fallback", "fallback"
    if message.intent not in confirm:
        return message.intent, "sure"
    if confidence >= sure:
        return label, "sure"
    if confidence < fallback:
        return "nlu_fallback", "fallback"
    return label, "paraphrase"


def unclear_outcomes(unclear: list[Parsed], fallback: float, sure: float) -> tuple[float, int]:
    """Of the unclear messages: the share asked for detail, and how many answered as sure
    requests (an answer to a question the citizen did not ask)."""
    from tools.unclear_report import OUTCOMES, outcome

    found = [outcome(*decide(m, fallback, sure)) for m in unclear]
    asked = found.count(OUTCOMES[0]) / len(unclear) if unclear else 0.0
    return asked, found.count(OUTCOMES[2])


def table(messages: list[Parsed], unclear: list[Parsed] | None = None) -> list[str]:
    """One line per pair of thresholds; with unclear messages, what each pair makes of them."""
    lines = ["fallback  sure  served  right at once  wrong paraphrases  wrong sure answers"
             + ("  unclear asked  unclear answered" if unclear else "")]
    for fallback in FALLBACKS:
        for sure in SURES:
            out = [decide(m, fallback, sure) for m in messages]
            right = [m.gold == label for m, (label, _) in zip(messages, out, strict=True)]
            served = sum(right) / len(messages)
            at_once = sum(r and how in ("sure", "rule")
                          for r, (_, how) in zip(right, out, strict=True)) / len(messages)
            wrong_paraphrase = sum(not r and how == "paraphrase"
                                   for r, (_, how) in zip(right, out, strict=True))
            wrong_sure = sum(not r and how == "sure" for r, (_, how) in zip(right, out,
                                                                             strict=True))
            line = (f"{fallback:8.2f}  {sure:4.2f}  {served:6.3f}  {at_once:13.3f}  "
                    f"{wrong_paraphrase:17d}  {wrong_sure:18d}")
            if unclear:
                asked, answered = unclear_outcomes(unclear, fallback, sure)
                line += f"  {asked:13.3f}  {answered:16d}"
            lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.nlu_thresholds")
    parser.add_argument("--model", type=Path, default=Path("models/tenjo.tar.gz"))
    parser.add_argument("--set", type=Path, default=TEST_SET)
    parser.add_argument("--unclear", type=Path, default=Path("tests/nlu/unclear_set.yml"),
                        help="unclear messages, to count what each pair makes of them")
    args = parser.parse_args(argv)
    from tools.nlu_report import is_blind, load_test_set, parse_sets
    from tools.unclear_report import load_unclear

    if is_blind(args.set) or is_blind(args.unclear):
        print("nlu_thresholds: the blind set is a measure, never a tuning set", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)  # not a debug line per message parsed
    messages = load_test_set(args.set)
    unclear = [m.text for m in load_unclear(args.unclear)]
    parses, unclear_parses = parse_sets(args.model, [[m.text for m in messages], unclear])
    print("\n".join(table([parsed(m.label, p) for m, p in zip(messages, parses, strict=True)],
                          [parsed("", p) for p in unclear_parses])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
