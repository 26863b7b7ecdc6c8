"""NLU quality on the held-out test set (issue 5, E3): per-label scores and confusions.

    python -m tools.nlu_report [--model models/tenjo.tar.gz] [--test tests/nlu/test_set.yml]
                               [--out docs/nlu-report.md] [--crossval docs/nlu-crossval.json]

Every test message goes through the trained model's real pipeline (normaliser,
DIET, ResponseSelector, chat-rule check, fallback, understanding check). The
label compared is the full label: the intent, or `faq/<topic>`. A prediction of
`check_understanding` counts with the label it kept (the bot paraphrases it and
answers it after a "sí"); `nlu_fallback` is never right. The report is written
as Markdown, a summary is printed, and the exit code is 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

GOAL_ACCURACY = 0.95
GOAL_MIN_F1 = 0.85
RETRIEVAL_INTENTS = ("faq",)
CHECK_INTENT = "check_understanding"
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class TestMessage:
    """One labelled test message."""

    __test__ = False  # not a pytest test class

    text: str
    label: str
    entities: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Prediction:
    """What the pipeline made of one message."""

    label: str
    how: str  # sure, paraphrase, fallback, rule (chat-rule word lists)
    confidence: float
    entities: tuple[tuple[str, str], ...] = ()


@dataclass
class Scores:
    """Precision, recall, F1 and support per label, plus the totals."""

    per_label: dict[str, tuple[float, float, float, int]]
    accuracy: float
    macro_f1: float
    confusions: list[tuple[str, str, int]]
    how: dict[str, Counter] = field(default_factory=dict)


def entity_key(value: str) -> str:
    """Entity values compare without case, spacing or accents."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def load_test_set(path: Path) -> list[TestMessage]:
    """The messages of a Rasa NLU YAML file with their full labels and entities."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(str(path))
    return [
        TestMessage(
            text=message.get("text"),
            label=message.get_full_intent(),
            entities=tuple(
                sorted((e["entity"], entity_key(str(e["value"])))
                       for e in message.get("entities") or [])
            ),
        )
        for message in data.intent_examples
    ]


def predicted_label(parse: dict[str, Any]) -> Prediction:
    """The full label of a parse result and how it was reached."""
    intent = parse.get("intent") or {}
    name = intent.get("name") or FALLBACK_INTENT
    confidence = float(intent.get("confidence") or 0.0)
    entities = tuple(  # one per value, whichever extractors found it
        sorted({(e["entity"], entity_key(str(e["value"]))) for e in parse.get("entities") or []})
    )
    if name == CHECK_INTENT:
        kept = (parse.get("understanding") or {}).get("label") or FALLBACK_INTENT
        return Prediction(kept, "paraphrase", confidence, entities)
    if name == FALLBACK_INTENT:
        return Prediction(FALLBACK_INTENT, "fallback", confidence, entities)
    if parse.get("conduct"):
        return Prediction(name, "rule", confidence, entities)
    if name in RETRIEVAL_INTENTS:
        full = intent.get("full_retrieval_intent_name")
        if not full:
            selected = ((parse.get("response_selector") or {}).get(name) or {}).get("response")
            full = (selected or {}).get("intent_response_key")
        name = full or name
    return Prediction(name, "sure", confidence, entities)


def score(golds: list[str], predictions: list[Prediction]) -> Scores:
    """Per-label precision, recall and F1 over the gold labels, and the confusions."""
    from sklearn.metrics import precision_recall_fscore_support

    predicted = [p.label for p in predictions]
    labels = sorted(set(golds))
    precision, recall, f1, support = precision_recall_fscore_support(
        golds, predicted, labels=labels, zero_division=0
    )
    per_label = {
        label: (float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    correct = sum(g == p for g, p in zip(golds, predicted, strict=True))
    confusions = Counter((g, p) for g, p in zip(golds, predicted, strict=True) if g != p)
    how: dict[str, Counter] = defaultdict(Counter)
    for gold, prediction in zip(golds, predictions, strict=True):
        how[gold][prediction.how] += 1
    return Scores(
        per_label=per_label,
        accuracy=correct / len(golds) if golds else 0.0,
        macro_f1=sum(v[2] for v in per_label.values()) / len(per_label) if per_label else 0.0,
        confusions=sorted(
            ((g, p, n) for (g, p), n in confusions.items()), key=lambda c: (-c[2], c[0], c[1])
        ),
        how=dict(how),
    )


def entity_scores(
    messages: list[TestMessage], predictions: list[Prediction]
) -> dict[str, tuple[float, float, float, int]]:
    """Precision, recall, F1 and support per entity type, by (type, value)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for message, prediction in zip(messages, predictions, strict=True):
        gold, found = Counter(message.entities), Counter(prediction.entities)
        for (entity, _), n in (gold & found).items():
            counts[entity][0] += n
        for (entity, _), n in (found - gold).items():
            counts[entity][1] += n
        for (entity, _), n in (gold - found).items():
            counts[entity][2] += n
    result = {}
    for entity, (tp, fp, fn) in sorted(counts.items()):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        result[entity] = (p, r, 2 * p * r / (p + r) if p + r else 0.0, tp + fn)
    return result


def goal_failures(scores: Scores) -> list[str]:
    """The goals of issue 5 that the scores miss."""
    failures = []
    if scores.accuracy < GOAL_ACCURACY:
        failures.append(f"accuracy {scores.accuracy:.3f} < {GOAL_ACCURACY}")
    failures += [
        f"{label}: F1 {values[2]:.3f} < {GOAL_MIN_F1}"
        for label, values in scores.per_label.items()
        if values[2] < GOAL_MIN_F1
    ]
    return failures


def _table(rows: Iterable[Iterable[object]], header: list[str]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _crossval_section(crossval: dict[str, Any] | None) -> list[str]:
    lines = ["## Cross-validation on the training data", ""]
    if not crossval:
        return lines + [
            "Not run yet: `make nlu-crossval` (about 15 minutes on 2 cores) writes "
            "`docs/nlu-crossval.json`, which this report includes.", ""]
    lines += [
        f"`rasa test nlu --cross-validation --folds {crossval.get('folds')}` on `data/nlu/` "
        f"({crossval.get('examples')} examples), run on {crossval.get('date')} in "
        f"{crossval.get('minutes')} min. Pipeline of `config.yml` without the understanding "
        "check (Rasa's evaluator would count its `check_understanding` as an error); "
        "accumulated test folds. The intent part scores `faq` as one intent; the FAQ-topic "
        "part scores the ResponseSelector's topic on the `faq` examples.",
        "",
    ]
    if crossval.get("stale"):
        lines += ["**The training data changed since: run `make nlu-crossval` again.**", ""]
    rows = []
    for name, key in (("intent (DIET + chat-rule check)", "intent"),
                      ("FAQ topic (ResponseSelector)", "response_selection")):
        part = crossval.get(key) or {}
        if part:
            rows.append((name, f"{part['accuracy']:.3f}", f"{part['macro_f1']:.3f}",
                         f"{part['weighted_f1']:.3f}", part.get("weakest", "")))
    lines += _table(rows, ["part", "accuracy", "macro F1", "weighted F1", "weakest labels (F1)"])
    return lines + [""]


def render(
    messages: list[TestMessage],
    predictions: list[Prediction],
    scores: Scores,
    entities: dict[str, tuple[float, float, float, int]],
    crossval: dict[str, Any] | None = None,
    *,
    max_errors: int = 60,
) -> str:
    """The Markdown report."""
    failures = goal_failures(scores)
    paraphrased = sum(c["paraphrase"] for c in scores.how.values())
    by_rule = sum(c["rule"] for c in scores.how.values())
    fallback = sum(c["fallback"] for c in scores.how.values())
    weakest = sorted(scores.per_label.items(), key=lambda item: item[1][2])[:5]
    lines = [
        "# NLU report",
        "",
        f"Generated by `make nlu-report` on {date.today().isoformat()}: the trained model "
        f"parses each of the {len(messages)} messages of `tests/nlu/test_set.yml` (written "
        "apart from the training data, never trained on) through its full pipeline.",
        "",
        "The label is the full label: the intent, or `faq/<topic>`. When the bot is unsure "
        "(`check_understanding`, protocol P5) it paraphrases the label it kept and answers "
        "it after the citizen's \"sí\": such a prediction counts as right when that kept "
        "label is right. `nlu_fallback` (\"¿Puede precisarme…?\") is never right.",
        "",
        "## Summary",
        "",
        f"- Accuracy over the full label: **{scores.accuracy:.3f}** "
        f"(goal ≥ {GOAL_ACCURACY}); macro F1 {scores.macro_f1:.3f}.",
        "- Lowest F1: " + ", ".join(f"`{label}` {v[2]:.3f}" for label, v in weakest)
        + f" (goal: none under {GOAL_MIN_F1}).",
        f"- Answered after a paraphrase: {paraphrased}; caught by the chat-rule word lists: "
        f"{by_rule}; unclear (fallback): {fallback}.",
        "- Goals: " + ("**met**." if not failures else "**missed**: " + "; ".join(failures)),
        "",
        "## Per label",
        "",
    ]
    rows = [
        (f"`{label}`", f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", support,
         scores.how.get(label, Counter())["paraphrase"])
        for label, (p, r, f, support) in scores.per_label.items()
    ]
    lines += _table(rows, ["label", "precision", "recall", "F1", "support", "via paraphrase"])
    lines += ["", "## Main confusions", ""]
    if scores.confusions:
        lines += _table(
            ((f"`{g}`", f"`{p}`", n) for g, p, n in scores.confusions[:15]),
            ["expected", "predicted", "messages"],
        )
    else:
        lines.append("None.")
    lines += ["", "## Entities", ""]
    if entities:
        lines += _table(
            ((f"`{e}`", f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", n)
             for e, (p, r, f, n) in entities.items()),
            ["entity", "precision", "recall", "F1", "support"],
        )
    else:
        lines.append("No entities in the test set.")
    lines += [""] + _crossval_section(crossval)
    errors = [
        (m, p) for m, p in zip(messages, predictions, strict=True) if m.label != p.label
    ]
    lines += ["## Misclassified messages", ""]
    if errors:
        lines += _table(
            ((m.text.replace("|", "/"), f"`{m.label}`", f"`{p.label}`", p.how,
              f"{p.confidence:.2f}") for m, p in errors[:max_errors]),
            ["message", "expected", "predicted", "how", "confidence"],
        )
        if len(errors) > max_errors:
            lines.append(f"\n… and {len(errors) - max_errors} more.")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """Parses the texts with the trained model (Rasa 3.6 Agent)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()
    try:
        return [loop.run_until_complete(agent.parse_message(text)) for text in texts]
    finally:
        loop.close()


def load_crossval(path: Path) -> dict[str, Any] | None:
    """The cross-validation summary written by tools.nlu_crossval, if any."""
    if not path.exists():
        return None
    summary = json.loads(path.read_text(encoding="utf-8"))
    from tools.nlu_crossval import data_fingerprint

    summary["stale"] = summary.get("fingerprint") != data_fingerprint()
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.nlu_report", description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/tenjo.tar.gz"))
    parser.add_argument("--test", type=Path, default=Path("tests/nlu/test_set.yml"))
    parser.add_argument("--out", type=Path, default=Path("docs/nlu-report.md"))
    parser.add_argument("--crossval", type=Path, default=Path("docs/nlu-crossval.json"))
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.disable(logging.WARNING)

    messages = load_test_set(args.test)
    predictions = [predicted_label(p) for p in parse_all(args.model, [m.text for m in messages])]
    scores = score([m.label for m in messages], predictions)
    entities = entity_scores(messages, predictions)
    report = render(messages, predictions, scores, entities, load_crossval(args.crossval))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")

    weakest = sorted(scores.per_label.items(), key=lambda item: item[1][2])[:3]
    print(f"nlu_report: {len(messages)} messages, accuracy {scores.accuracy:.3f}, "
          f"macro F1 {scores.macro_f1:.3f}; lowest F1: "
          + ", ".join(f"{label} {v[2]:.2f}" for label, v in weakest))
    for gold, pred, n in scores.confusions[:5]:
        print(f"  confusion: {gold} -> {pred} ({n})")
    failures = goal_failures(scores)
    for failure in failures:
        print(f"  goal missed: {failure}")
    print(f"nlu_report: written to {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
