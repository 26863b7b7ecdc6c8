"""NLU quality on the held-out test sets (issues 5 and 17): scores, goals, chat-rule check.

    python -m tools.nlu_report [--model models/tenjo.tar.gz] [--test PATH ...]
                               [--out docs/nlu-report.md] [--crossval docs/nlu-crossval.json]

The model is loaded once and every message of each test set (by default
`tests/nlu/test_set.yml`, `tests/nlu/blind_test_set.yml` and the development set
`tests/nlu/dev_set.yml`; `--test` may be repeated) goes through its real
pipeline (normaliser, DIET, ResponseSelector, chat-rule check, fallback,
understanding check). The label compared is the full
label: the intent, or `faq/<topic>`. Per set:

- served: right at once, or after one paraphrase (`check_understanding`) whose
  kept label is right (the bot answers it after a "sí"); `nlu_fallback` is never
  right;
- right at once: right without a paraphrase (DIET/selector or chat-rule lists);
- macro F1, the lowest F1 labels, a per-label table, confusions and entities.

Goals for each set: served >= GOAL_SERVED, right at once >= GOAL_AT_ONCE, every
label's F1 >= GOAL_MIN_F1. The blind set (`blind_test_set.yml`) is reported as
figures and label pairs only, never with its messages. The chat-rule check of
tools.conduct_report must have no false positive, and neither may the whole
pipeline: every example of data/nlu and of the test sets is parsed too, and a
message of another label predicted `offensive` or `commercial` (a citizen who
would be warned) fails the report; the cross-validation summary
of tools.nlu_crossval is shown beside the test sets. The unclear messages of
`tests/nlu/unclear_set.yml` (protocol 3.4) are parsed too: how many are asked for
detail, paraphrased or answered (tools/unclear_report.py; no goal), and none may be
warned. The report is written as
Markdown, a line per set is printed, and the exit code is 1 when a goal is missed.
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

from tools.conduct_report import (
    BLIND_SET,
    RULE_LABELS,
    TEST_SETS,
    ConductReport,
    SetResult,
    conduct_report,
)
from tools.unclear_report import (
    OUTCOMES,
    UNCLEAR_SET,
    UnclearResult,
    load_unclear,
    unclear_result,
)

GOAL_SERVED = 0.95
GOAL_AT_ONCE = 0.92
GOAL_MIN_F1 = 0.85
DEFAULT_TESTS = tuple(map(Path, TEST_SETS))
RETRIEVAL_INTENTS = ("faq",)
CHECK_INTENT = "check_understanding"
FALLBACK_INTENT = "nlu_fallback"
AT_ONCE = ("sure", "rule")  # how a prediction is reached without a paraphrase
WEAKEST = 5


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
    served: float
    at_once: float
    macro_f1: float
    confusions: list[tuple[str, str, int]]
    how: dict[str, Counter] = field(default_factory=dict)

    def weakest(self, count: int = WEAKEST) -> list[tuple[str, float]]:
        """The labels with the lowest F1, lowest first."""
        ranked = sorted(self.per_label.items(), key=lambda item: (item[1][2], item[0]))
        return [(label, values[2]) for label, values in ranked[:count]]


@dataclass
class SetReport:
    """One test set with the model's predictions and their scores."""

    name: str
    messages: list[TestMessage]
    predictions: list[Prediction]
    scores: Scores
    entities: dict[str, tuple[float, float, float, int]]

    @property
    def blind(self) -> bool:
        """Whether the set's messages must never be shown."""
        return is_blind(self.name)


@dataclass
class PipelineResult:
    """Messages of other labels that the whole pipeline (model and chat-rule check) takes
    for `offensive` or `commercial`: the citizens it would warn."""

    name: str
    examples: int
    false_positives: list[tuple[str, str, str]]  # (text, label, predicted)

    @property
    def blind(self) -> bool:
        """Whether the set's messages must never be shown."""
        return is_blind(self.name)


def pipeline_result(name: str, texts: list[str], golds: list[str],
                    predictions: list[Prediction]) -> PipelineResult:
    """The false positives of the whole pipeline over one set of labelled messages."""
    found = [(text, gold, prediction.label)
             for text, gold, prediction in zip(texts, golds, predictions, strict=True)
             if prediction.label in RULE_LABELS and gold not in RULE_LABELS]
    return PipelineResult(name, len(texts), found)


def is_blind(name: str | Path) -> bool:
    """A set is blind when its file is named like the blind test set."""
    return Path(name).name == Path(BLIND_SET).name


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


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def score(golds: list[str], predictions: list[Prediction]) -> Scores:
    """Per-label precision, recall and F1 over the gold labels, served, right at once,
    and the confusions."""
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
    pairs = list(zip(golds, predictions, strict=True))
    served = sum(g == p.label for g, p in pairs)
    at_once = sum(g == p.label and p.how in AT_ONCE for g, p in pairs)
    confusions = Counter((g, p.label) for g, p in pairs if g != p.label)
    how: dict[str, Counter] = defaultdict(Counter)
    for gold, prediction in pairs:
        how[gold][prediction.how] += 1
    return Scores(
        per_label=per_label,
        served=_share(served, len(golds)),
        at_once=_share(at_once, len(golds)),
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
        p = _share(tp, tp + fp)
        r = _share(tp, tp + fn)
        result[entity] = (p, r, 2 * p * r / (p + r) if p + r else 0.0, tp + fn)
    return result


def evaluate_set(
    name: str, messages: list[TestMessage], predictions: list[Prediction]
) -> SetReport:
    """Scores the predictions of one test set."""
    return SetReport(name, messages, predictions,
                     score([m.label for m in messages], predictions),
                     entity_scores(messages, predictions))


def goal_failures(scores: Scores) -> list[str]:
    """The goals that the scores of one test set miss."""
    failures = []
    if scores.served < GOAL_SERVED:
        failures.append(f"served {scores.served:.3f} < {GOAL_SERVED}")
    if scores.at_once < GOAL_AT_ONCE:
        failures.append(f"right at once {scores.at_once:.3f} < {GOAL_AT_ONCE}")
    failures += [
        f"{label}: F1 {values[2]:.3f} < {GOAL_MIN_F1}"
        for label, values in scores.per_label.items()
        if values[2] < GOAL_MIN_F1
    ]
    return failures


def conduct_failures(conduct: ConductReport | None) -> list[str]:
    """One failure per set where the chat-rule check flags examples of other labels."""
    if conduct is None:
        return []
    return [f"chat-rule check: {len(s.false_positives)} false positives in {s.name}"
            for s in conduct.sets if s.false_positives]


def report_failures(sets: list[SetReport], conduct: ConductReport | None,
                    pipeline: list[PipelineResult] = ()) -> list[str]:
    """Every missed goal: each set's, prefixed with its name, the chat-rule check's, and
    the whole pipeline's false positives."""
    failures = [f"{s.name}: {failure}" for s in sets for failure in goal_failures(s.scores)]
    failures += [f"{p.name}: {len(p.false_positives)} messages of other labels taken for "
                 "offensive or commercial by the whole pipeline (goal 0)"
                 for p in pipeline if p.false_positives]
    return failures + conduct_failures(conduct)


def exit_code(sets: list[SetReport], conduct: ConductReport | None,
              pipeline: list[PipelineResult] = ()) -> int:
    """1 when any goal of any set, of the chat-rule check or of the pipeline is missed."""
    return 1 if report_failures(sets, conduct, pipeline) else 0


def _table(rows: Iterable[Iterable[object]], header: list[str]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _weakest_text(scores: Scores, count: int = WEAKEST) -> str:
    return ", ".join(f"`{label}` {f1:.3f}" for label, f1 in scores.weakest(count))


def _goals_text(failures: list[str]) -> str:
    return "met" if not failures else f"**missed** ({len(failures)})"


def _summary_rows(sets: list[SetReport], crossval: dict[str, Any] | None) -> list[tuple]:
    rows: list[tuple] = [
        (f"`{s.name}`", len(s.messages), f"{s.scores.served:.3f}", f"{s.scores.at_once:.3f}",
         f"{s.scores.macro_f1:.3f}", _weakest_text(s.scores, 1),
         _goals_text(goal_failures(s.scores)))
        for s in sets
    ]
    for name, key in (("intent", "intent"), ("FAQ topic", "response_selection")):
        part = (crossval or {}).get(key) or {}
        if part:
            rows.append((f"cross-validation, {name}", f"{crossval.get('examples')} (training)",
                         "—", "—", f"{part['macro_f1']:.3f}",
                         (part.get("weakest") or "").split(", ")[0],
                         f"no goal; accuracy {part['accuracy']:.3f}"))
    return rows


def render_summary(
    sets: list[SetReport], crossval: dict[str, Any] | None, conduct: ConductReport | None,
    pipeline: list[PipelineResult] = (),
) -> list[str]:
    """The top summary: a row per test set and cross-validation part, then the goals."""
    lines = ["## Summary", ""]
    lines += _table(_summary_rows(sets, crossval),
                    ["set", "messages", "served", "right at once", "macro F1", "lowest F1",
                     "goals"])
    failures = report_failures(sets, conduct, pipeline)
    fp = "not run" if conduct is None else str(conduct.false_positive_count)
    whole = sum(len(p.false_positives) for p in pipeline)
    lines += [
        "",
        f"Goals for each test set: served ≥ {GOAL_SERVED}, right at once ≥ {GOAL_AT_ONCE}, "
        f"every label's F1 ≥ {GOAL_MIN_F1}. Chat-rule check: {fp} false positives (goal 0); "
        f"whole pipeline: {whole if pipeline else 'not run'} (goal 0). "
        "Cross-validation has no paraphrase step (its accuracy is the top label's, with the "
        "fallback undone), so it is shown for comparison, not as a goal.",
        "",
        "Goals: " + ("**met**." if not failures else "**missed**: " + "; ".join(failures)),
        "",
    ]
    return lines


def _crossval_section(crossval: dict[str, Any] | None) -> list[str]:
    lines = ["## Cross-validation on the training data", ""]
    if not crossval:
        return lines + [
            "Not run yet: `make nlu-crossval` (about 40 minutes on 2 cores) writes "
            "`docs/nlu-crossval.json`, which this report includes.", ""]
    lines += [
        f"`rasa test nlu --cross-validation --folds {crossval.get('folds')}` on `data/nlu/` "
        f"({crossval.get('examples')} examples), run on {crossval.get('date')} in "
        f"{crossval.get('minutes')} min. Pipeline of `config.yml` without the understanding "
        "check (Rasa's evaluator would count its `check_understanding` as an error); "
        "accumulated test folds. The intent part scores `faq` as one intent; the FAQ-topic "
        "part scores the topic of every `faq` example, whatever its intent (Rasa's own "
        "ResponseSelector in place of ours, which skips the other intents).",
        "",
    ]
    if crossval.get("stale"):
        lines += ["**The NLU data, word lists, configuration or components changed since this "
                  "run: run `make nlu-crossval` again.**", ""]
    rows = []
    for name, key in (("intent (DIET, linear blend, chat rules)", "intent"),
                      ("FAQ topic (selector, linear blend)", "response_selection")):
        part = crossval.get(key) or {}
        if part:
            rows.append((name, f"{part['accuracy']:.3f}", f"{part['macro_f1']:.3f}",
                         f"{part['weighted_f1']:.3f}", part.get("weakest", "")))
    lines += _table(rows, ["part", "accuracy", "macro F1", "weighted F1", "weakest labels (F1)"])
    return lines + [""]


def _figures_lines(report: SetReport) -> list[str]:
    """The numbers of one set: messages, served, right at once, F1, how, goals."""
    scores, how = report.scores, report.scores.how.values()
    failures = goal_failures(scores)
    return [
        f"- Messages: {len(report.messages)}.",
        f"- Served: **{scores.served:.3f}** (goal ≥ {GOAL_SERVED}); right at once: "
        f"**{scores.at_once:.3f}** (goal ≥ {GOAL_AT_ONCE}); macro F1 {scores.macro_f1:.3f}.",
        f"- Lowest F1: {_weakest_text(scores)} (goal: none under {GOAL_MIN_F1}).",
        f"- Paraphrased first: {sum(c['paraphrase'] for c in how)}; caught by the chat-rule "
        f"word lists: {sum(c['rule'] for c in how)}; unclear (fallback): "
        f"{sum(c['fallback'] for c in how)}.",
        "- Goals: " + ("**met**." if not failures else "**missed**: " + "; ".join(failures)),
        "",
    ]


def _per_label_lines(scores: Scores) -> list[str]:
    rows = [
        (f"`{label}`", f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", support,
         scores.how.get(label, Counter())["paraphrase"])
        for label, (p, r, f, support) in scores.per_label.items()
    ]
    return ["### Per label", ""] + _table(
        rows, ["label", "precision", "recall", "F1", "support", "via paraphrase"]) + [""]


def _confusion_lines(scores: Scores, limit: int = 15) -> list[str]:
    lines = ["### Main confusions", ""]
    if not scores.confusions:
        return lines + ["None.", ""]
    return lines + _table(
        ((f"`{g}`", f"`{p}`", n) for g, p, n in scores.confusions[:limit]),
        ["expected", "predicted", "messages"],
    ) + [""]


def _entity_lines(entities: dict[str, tuple[float, float, float, int]]) -> list[str]:
    lines = ["### Entities", ""]
    if not entities:
        return lines + ["No entities in this set.", ""]
    return lines + _table(
        ((f"`{e}`", f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", n)
         for e, (p, r, f, n) in entities.items()),
        ["entity", "precision", "recall", "F1", "support"],
    ) + [""]


def _misclassified_lines(report: SetReport, max_errors: int) -> list[str]:
    """The wrong predictions with their text; for the blind set, one sentence only."""
    if report.blind:
        return ["The messages of this blind set are never shown, so that nobody tunes the "
                "model to them: only its figures and label pairs are reported.", ""]
    errors = [(m, p) for m, p in zip(report.messages, report.predictions, strict=True)
              if m.label != p.label]
    lines = ["### Misclassified messages", ""]
    if not errors:
        return lines + ["None.", ""]
    lines += _table(
        ((m.text.replace("|", "/"), f"`{m.label}`", f"`{p.label}`", p.how,
          f"{p.confidence:.2f}") for m, p in errors[:max_errors]),
        ["message", "expected", "predicted", "how", "confidence"],
    )
    if len(errors) > max_errors:
        lines.append(f"\n… and {len(errors) - max_errors} more.")
    return lines + [""]


def render_set(report: SetReport, *, max_errors: int = 60) -> list[str]:
    """The section of one test set."""
    title = f"## `{report.name}`" + (" (blind)" if report.blind else "")
    return ([title, ""] + _figures_lines(report) + _per_label_lines(report.scores)
            + _confusion_lines(report.scores) + _entity_lines(report.entities)
            + _misclassified_lines(report, max_errors))


def _percent(found: int, total: int) -> str:
    return "n/a" if not total else f"{100 * found / total:.1f}% ({found}/{total})"


def _false_positive_lines(result: SetResult) -> list[str]:
    """The false positives of a non-blind set, as conduct_report lists them."""
    if result.blind or not result.false_positives:
        return []
    lines = ["", f"False positives in `{result.name}`:", ""]
    return lines + _table(
        ((f.example.text.replace("|", "/"), f"`{f.example.label}`", f.rule, f.reason,
          f.example.path) for f in result.false_positives),
        ["message", "label", "rule", "reason", "file"],
    )


def render_conduct(conduct: ConductReport | None) -> list[str]:
    """The chat-rule check section: false positives and recall per set."""
    lines = ["## Chat-rule check", ""]
    if conduct is None:
        return lines + ["Not run.", ""]
    lines += [
        "The chat-rule check (`addons/conduct_filter.py`, word lists only, no model) over "
        "every set, as `python -m tools.conduct_report` runs it. A false positive is a "
        "message of another label that it flags (goal: none, since a flag warns the citizen "
        "and then ends the chat); recall is the share of `offensive` and `commercial` "
        "messages flagged with their own rule. The blind set's false positives are counted, "
        "never listed.",
        "",
    ]
    lines += _table(
        ((f"`{s.name}`" + (" (blind)" if s.blind else ""), s.examples,
          len(s.false_positives), *(_percent(*s.recall.get(label, (0, 0)))
                                     for label in RULE_LABELS))
         for s in conduct.sets),
        ["set", "examples", "false positives", *(f"{label} recall" for label in RULE_LABELS)],
    )
    for result in conduct.sets:
        lines += _false_positive_lines(result)
    return lines + [""]


def render_unclear(result: UnclearResult | None) -> list[str]:
    """The unclear set's section: outcomes per kind, and the messages answered as requests."""
    if result is None or not result.messages:
        return []
    lines = [
        f"## Unclear messages: `{result.name}`", "",
        f"{len(result.messages)} messages a careful agent would answer with a request for "
        "detail (protocol 3.4), written blind. Asked for detail: "
        f"**{result.asked_share():.3f}**. A paraphrase costs the citizen one \"no\"; an "
        "answer as a request answers a question nobody asked. No goal: the figures weigh "
        "the fallback threshold (`python -m tools.nlu_thresholds`).", "",
    ]
    rows = []
    for kind in sorted({m.kind for m in result.messages}):
        found = Counter(o for m, o in zip(result.messages, result.outcomes, strict=True)
                        if m.kind == kind)
        rows.append([kind, *(found[o] for o in OUTCOMES)])
    total = result.counts()
    rows.append(["all", *(total[o] for o in OUTCOMES)])
    lines += _table(rows, ["kind", *OUTCOMES])
    answered = [(m.text.replace("|", "/"), f"`{label}`")
                for m, o, label in zip(result.messages, result.outcomes, result.labels,
                                       strict=True)
                if o == OUTCOMES[2]]
    if answered:
        lines += ["", "Answered as a request:", ""] + _table(answered,
                                                              ["message", "answered as"])
    return lines + [""]


def render_pipeline(pipeline: list[PipelineResult]) -> list[str]:
    """The whole pipeline's false positives per set (listed for non-blind sets)."""
    if not pipeline:
        return []
    lines = [
        "## Whole pipeline: who would be warned", "",
        "Every message of the training data and of the test sets through the trained model, "
        "the chat-rule check included (which may keep a sure `commercial` of the classifier "
        "when a hint agrees): a message of another label predicted `offensive` or "
        "`commercial` is a citizen who would be warned (goal: none).", "",
    ]
    lines += _table(((f"`{p.name}`" + (" (blind)" if p.blind else ""), p.examples,
                      len(p.false_positives)) for p in pipeline),
                    ["set", "examples", "false positives"])
    for result in pipeline:
        if result.false_positives and not result.blind:
            lines += ["", f"False positives in `{result.name}`:", ""] + _table(
                ((text.replace("|", "/"), f"`{gold}`", f"`{predicted}`")
                 for text, gold, predicted in result.false_positives),
                ["message", "label", "predicted"])
    return lines + [""]


def render(
    sets: list[SetReport],
    crossval: dict[str, Any] | None = None,
    conduct: ConductReport | None = None,
    pipeline: list[PipelineResult] = (),
    unclear: UnclearResult | None = None,
    *,
    max_errors: int = 60,
) -> str:
    """The Markdown report."""
    names = ", ".join(f"`{s.name}`" for s in sets)
    lines = [
        "# NLU report",
        "",
        f"Generated by `make nlu-report` on {date.today().isoformat()}: the trained model, "
        f"loaded once, parses each message of {names} (written apart from the training "
        "data, never trained on) through its full pipeline.",
        "",
        "The label is the full label: the intent, or `faq/<topic>`. **Right at once**: the "
        "label the bot acts on straight away is right. When the bot is unsure "
        "(`check_understanding`, protocol P5) it paraphrases the label it kept and answers "
        "it after the citizen's \"sí\"; **served** counts such a message too when that kept "
        "label is right (the per-label scores do as well). `nlu_fallback` "
        "(\"¿Puede precisarme…?\") is never right.",
        "",
    ]
    lines += render_summary(sets, crossval, conduct, pipeline) + _crossval_section(crossval)
    for report in sets:
        lines += render_set(report, max_errors=max_errors)
    lines += render_unclear(unclear) + render_conduct(conduct) + render_pipeline(pipeline)
    return "\n".join(lines).rstrip("\n") + "\n"


def summary_line(report: SetReport) -> str:
    """The printed one-line summary of a set (never a message text)."""
    scores = report.scores
    lowest = ", ".join(f"{label} {f1:.2f}" for label, f1 in scores.weakest(3))
    goals = "met" if not goal_failures(scores) else "missed"
    return (f"{report.name}: {len(report.messages)} messages, served {scores.served:.3f}, "
            f"right at once {scores.at_once:.3f}, macro F1 {scores.macro_f1:.3f}; "
            f"lowest F1: {lowest}; goals {goals}")


def parse_sets(model: Path, sets: list[list[str]]) -> list[list[dict[str, Any]]]:
    """Parses the texts of every set with one load of the trained model (Rasa 3.6 Agent)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()
    try:
        return [[loop.run_until_complete(agent.parse_message(text)) for text in texts]
                for texts in sets]
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


def training_examples(root: Path = Path(".")) -> list[TestMessage]:
    """Every example of data/nlu, read as the test sets are (`load_test_set`)."""
    return [message for path in sorted((root / "data" / "nlu").glob("*.yml"))
            for message in load_test_set(path)]


def evaluate_all(model: Path, paths: list[Path], root: Path = Path("."),
                 unclear_path: Path | None = None,
                 ) -> tuple[list[SetReport], list[PipelineResult], UnclearResult | None]:
    """Parses the test sets, the training data and the unclear set with one model load;
    the scores of each test set, the whole pipeline's false positives over all of them,
    and what the unclear messages get."""
    tests = [load_test_set(path) for path in paths]
    training = training_examples(root)
    unclear = load_unclear(unclear_path) if unclear_path else []
    parsed = parse_sets(model, [[m.text for m in messages] for messages in [*tests, training]]
                        + [[m.text for m in unclear]])
    predictions = [[predicted_label(p) for p in parses] for parses in parsed]
    reports = [evaluate_set(str(path), messages, found)
               for path, messages, found in zip(paths, tests, predictions, strict=False)]
    named = [("data/nlu", [m.text for m in training], [m.label for m in training],
              predictions[-2])]
    named += [(str(path), [m.text for m in messages], [m.label for m in messages], found)
              for path, messages, found in zip(paths, tests, predictions, strict=False)]
    result = None
    if unclear_path:
        result = unclear_result(str(unclear_path), unclear, predictions[-1])
        named.append((str(unclear_path), [m.text for m in unclear], ["unclear"] * len(unclear),
                      predictions[-1]))
    pipeline = [pipeline_result(*entry) for entry in named]
    return reports, pipeline, result


def printed_lines(sets: list[SetReport], conduct: ConductReport | None,
                  pipeline: list[PipelineResult] = (),
                  unclear: UnclearResult | None = None) -> list[str]:
    """What main prints: a line per set, its main confusions, the unclear messages, the
    chat-rule check, misses."""
    lines = []
    for report in sets:
        lines.append("nlu_report: " + summary_line(report))
        lines += [f"  confusion: {g} -> {p} ({n})" for g, p, n in report.scores.confusions[:3]]
    if unclear is not None and unclear.messages:
        counts = unclear.counts()
        lines.append(f"nlu_report: {unclear.name}: {len(unclear.messages)} unclear messages, "
                     + ", ".join(f"{name} {counts[name]}" for name in OUTCOMES))
    if conduct is not None:
        lines.append(f"nlu_report: chat-rule check, {conduct.false_positive_count} "
                     "false positives")
    if pipeline:
        lines.append("nlu_report: whole pipeline, "
                     f"{sum(len(p.false_positives) for p in pipeline)} false positives "
                     f"over {sum(p.examples for p in pipeline)} messages")
    lines += [f"  goal missed: {failure}" for failure in report_failures(sets, conduct,
                                                                         pipeline)]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.nlu_report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path("models/tenjo.tar.gz"))
    parser.add_argument("--test", type=Path, action="append",
                        help="a test set (repeatable); default: the test and blind sets")
    parser.add_argument("--out", type=Path, default=Path("docs/nlu-report.md"))
    parser.add_argument("--crossval", type=Path, default=Path("docs/nlu-crossval.json"))
    parser.add_argument("--unclear", type=Path, default=UNCLEAR_SET,
                        help="unclear messages (protocol 3.4), reported apart")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    # Rasa's structlog debug lines would print every message parsed, the blind set's too.
    configure_structlog(logging.ERROR)
    sets, pipeline, unclear = evaluate_all(args.model, args.test or list(DEFAULT_TESTS),
                                           unclear_path=args.unclear)
    conduct = conduct_report(Path("."))
    report = render(sets, load_crossval(args.crossval), conduct, pipeline, unclear)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print("\n".join(printed_lines(sets, conduct, pipeline, unclear)))
    print(f"nlu_report: written to {args.out}")
    return exit_code(sets, conduct, pipeline)


if __name__ == "__main__":
    sys.exit(main())
