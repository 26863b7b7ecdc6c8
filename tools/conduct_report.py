"""How well the chat-rule check (addons/conduct_filter.py) alone flags labelled examples.

    python -m tools.conduct_report [--root .] [--misses]

No model: the ConductFilter class with the lexicon folder that config.yml gives it
checks every example of data/nlu/*.yml, tests/nlu/test_set.yml, tests/nlu/dev_set.yml and
tests/nlu/blind_test_set.yml. A false positive is an example of another label that
the filter flags (goal: none, since a flag warns the citizen and then ends the
chat); recall is the share of `offensive` and `commercial` examples flagged with
their own rule. The blind set is reported as numbers only. Exit code 1 when any
false positive exists.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RULE_LABELS = ("offensive", "commercial")
FILTER_NAME = "addons.conduct_filter.ConductFilter"
BLIND_SET = "tests/nlu/blind_test_set.yml"
# The held-out sets, in the order the reports show them: test, blind, development.
TEST_SETS = ("tests/nlu/test_set.yml", BLIND_SET, "tests/nlu/dev_set.yml")
# Entity annotations: [text](entity), [text](entity:value), [text]{"entity": ...}.
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    """One labelled example; `label` is the intent (faq/<topic> kept whole)."""

    text: str
    label: str
    path: str


@dataclass(frozen=True)
class Flag:
    """An example the filter flagged, with its verdict."""

    example: Example
    rule: str
    reason: str


@dataclass
class SetResult:
    """The filter's results over one set of examples."""

    name: str
    blind: bool
    examples: int = 0
    false_positives: list[Flag] = field(default_factory=list)
    # label -> (flagged with its own rule, examples of that label)
    recall: dict[str, tuple[int, int]] = field(default_factory=dict)
    misses: list[Example] = field(default_factory=list)

    def recall_of(self, label: str) -> float | None:
        """Share of the label's examples flagged with their own rule (None without any)."""
        found, total = self.recall.get(label, (0, 0))
        return found / total if total else None


@dataclass
class ConductReport:
    """Results per set: data/ (all files together), the test set and the blind set."""

    sets: list[SetResult]

    @property
    def false_positive_count(self) -> int:
        """False positives over every set."""
        return sum(len(s.false_positives) for s in self.sets)


def strip_annotations(text: str) -> str:
    """The text without entity markup: "[Ana](nombre)" becomes "Ana"."""
    return _ANNOTATION.sub(r"\1", text)


def _example_texts(examples: Any) -> list[str]:
    """Texts of an `examples:` value: a "- text" block or a list of {text: ...}."""
    if isinstance(examples, str):
        lines = (line.strip() for line in examples.splitlines())
        return [line[2:].strip() for line in lines if line.startswith("- ")]
    if isinstance(examples, list):
        return [str(item.get("text", "")) for item in examples if isinstance(item, dict)]
    return []


def load_examples(path: Path, root: Path | None = None) -> list[Example]:
    """The intent examples of a Rasa NLU YAML file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    name = str(path.relative_to(root)) if root else str(path)
    return [
        Example(strip_annotations(text), str(entry["intent"]), name)
        for entry in document.get("nlu") or []
        if isinstance(entry, dict) and entry.get("intent")
        for text in _example_texts(entry.get("examples"))
        if text
    ]


def filter_config(root: Path) -> dict[str, Any]:
    """The filter's config: its defaults, config.yml's entry, the lexicon folder under root."""
    from addons.conduct_filter import ConductFilter

    config = ConductFilter.get_default_config()
    document = yaml.safe_load((root / "config.yml").read_text(encoding="utf-8")) or {}
    for component in document.get("pipeline") or []:
        if component.get("name") == FILTER_NAME:
            config.update({k: v for k, v in component.items() if k != "name"})
    config["lexicon_dir"] = str(root / config["lexicon_dir"])
    return config


def evaluate(name: str, examples: list[Example], check: Any, *, blind: bool) -> SetResult:
    """Runs `check(text) -> (rule, reason) | None` over the examples of one set."""
    result = SetResult(name, blind, examples=len(examples))
    found = dict.fromkeys(RULE_LABELS, 0)
    totals = dict.fromkeys(RULE_LABELS, 0)
    for example in examples:
        verdict = check(example.text)
        label = example.label.split("/", 1)[0]
        if label in RULE_LABELS:
            totals[label] += 1
            if verdict and verdict[0] == label:
                found[label] += 1
            else:
                result.misses.append(example)
        elif verdict:
            result.false_positives.append(Flag(example, *verdict))
    result.recall = {label: (found[label], totals[label]) for label in RULE_LABELS}
    return result


def conduct_report(root: Path = Path(".")) -> ConductReport:
    """The filter over data/nlu/*.yml, the test set, the blind set and the development
    set (when present)."""
    from addons.conduct_filter import ConductFilter

    check = ConductFilter(filter_config(root)).check
    data = [e for path in sorted((root / "data/nlu").glob("*.yml"))
            for e in load_examples(path, root)]
    sets = [evaluate("data/nlu", data, check, blind=False)]
    for relative in TEST_SETS:
        if (root / relative).exists():
            sets.append(evaluate(relative, load_examples(root / relative, root), check,
                                 blind=relative == BLIND_SET))
    return ConductReport(sets)


def _fraction(pair: tuple[int, int]) -> str:
    return f"{pair[0]}/{pair[1]}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def summary_lines(report: ConductReport, *, misses: bool = False) -> list[str]:
    """The printed summary; examples of the blind set are never shown."""
    lines = []
    for result in report.sets:
        recall = ", ".join(
            f"{label} {_percent(result.recall_of(label))} ({_fraction(result.recall[label])})"
            for label in RULE_LABELS
        )
        lines.append(f"{result.name}: {result.examples} examples, "
                     f"{len(result.false_positives)} false positives; recall {recall}")
        if result.blind:
            continue
        for flag in result.false_positives:
            lines.append(f"  false positive [{flag.example.label}] {flag.example.text!r}"
                         f" -> {flag.rule} ({flag.reason}) in {flag.example.path}")
        if misses:
            for example in result.misses:
                lines.append(f"  missed [{example.label}] {example.text!r}")
    lines.append(f"conduct_report: {report.false_positive_count} false positives in all")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.conduct_report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--misses", action="store_true",
                        help="list missed offensive/commercial examples (not of the blind set)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    report = conduct_report(args.root)
    print("\n".join(summary_lines(report, misses=args.misses)))
    return 1 if report.false_positive_count else 0


if __name__ == "__main__":
    sys.exit(main())
