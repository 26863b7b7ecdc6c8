"""Writing-style linter for bot messages (protocol 3.1, P7).

Checks every response text (and button title) in Rasa domain files, and that
an FAQ answer (``utter_faq/<topic>``) fits in one turn with the satisfaction
question::

    python -m tools.style_lint domain.yml [more.yml | domain_dir ...]

Each problem is printed as ``file:line: response: rule: message``; the exit
code is 1 when there are problems, 2 when a file cannot be read. The rules live
in content/style.py, shared with the console's content editor.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruamel.yaml.error import YAMLError

from content.style import (
    ALLOWED_ACRONYMS,
    FAQ_PREFIX,
    MANDATED_SCRIPTS,
    MAX_BLOCK_CHARS,
    MAX_BLOCK_SENTENCES,
    MAX_FAQ_BLOCKS,
    MAX_SENTENCE_WORDS,
    MAX_TURN_MESSAGES,
    Problem,
    domain_texts,
    lint_domain,
    lint_text,
)

__all__ = [
    "ALLOWED_ACRONYMS", "FAQ_PREFIX", "MANDATED_SCRIPTS", "MAX_BLOCK_CHARS",
    "MAX_BLOCK_SENTENCES", "MAX_FAQ_BLOCKS", "MAX_SENTENCE_WORDS", "MAX_TURN_MESSAGES",
    "Problem", "domain_texts", "lint_domain", "lint_text", "main",
]  # fmt: skip


def _domain_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))
        else:
            files.append(path)
    return files


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.style_lint",
        description="Check the writing style of bot responses (protocol 3.1).",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="domain files or directories")
    args = parser.parse_args(argv)
    files = _domain_files(args.paths)
    problems: list[Problem] = []
    for path in files:
        try:
            problems += lint_domain(path)
        except (OSError, YAMLError) as error:
            print(f"{path}: cannot read: {error}", file=sys.stderr)
            return 2
    for problem in problems:
        print(problem)
    responses = len({(problem.path, problem.item) for problem in problems})
    if problems:
        print(
            f"style_lint: {len(problems)} problem(s) in {responses} response(s), "
            f"{len(files)} file(s) checked"
        )
        return 1
    print(f"style_lint: no problems, {len(files)} file(s) checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
