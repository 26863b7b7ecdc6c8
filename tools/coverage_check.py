"""Coverage check of the editors' content (E2): answers, examples, orphans, duplicates.

    python -m tools.coverage_check [--root .] [--min-examples 20]

Checks that every intent and FAQ topic of the interface contract (and every other
FAQ topic in `data/nlu/`) has an answer (`utter_faq/<topic>` and its plain words
`utter_topic_faq_<topic>`) and enough training examples (50 for a topic, 20 for an
intent); that no response is an orphan (used by no rule, story or action, and of no
known convention); and that
no example (normalised: case, accents, punctuation) is in two intents. Each
problem is printed as ``file:line: item: rule: message``; exit code 1 when any.
The rules live in content/coverage.py, shared with the console's content editor.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruamel.yaml.error import YAMLError

from content.coverage import (
    CONTRACT_FAQ_TOPICS,
    CONTRACT_INTENTS,
    MIN_EXAMPLES,
    MIN_FAQ_EXAMPLES,
    Example,
    check,
    load_domain,
    load_examples,
    normalize_example,
    used_responses,
)

__all__ = [
    "CONTRACT_FAQ_TOPICS", "CONTRACT_INTENTS", "MIN_EXAMPLES", "MIN_FAQ_EXAMPLES", "Example",
    "check", "load_domain", "load_examples", "main", "normalize_example", "used_responses",
]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.coverage_check", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--min-examples", type=int, default=MIN_EXAMPLES)
    args = parser.parse_args(argv)
    try:
        problems = check(args.root, args.min_examples)
    except (OSError, YAMLError) as error:
        print(f"coverage_check: cannot read the project: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if problems:
        print(f"coverage_check: {len(problems)} problem(s)")
        return 1
    print("coverage_check: no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
