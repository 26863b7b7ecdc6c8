"""Helpers to compare the copied project's files."""

import difflib
import re
from pathlib import Path


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path, with its bytes."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def changed_lines(before: str, after: str) -> set[int]:
    """The 0-based lines of `before` that a change replaced, deleted or inserted at."""
    old, new = before.splitlines(), after.splitlines()
    changed: set[int] = set()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            changed |= set(range(i1, i2)) or {i1}
    return changed


def entry_lines(text: str, first: str, stop: str) -> range:
    """The lines from the line equal to `first` to the next that matches `stop`, with the
    position after the entry (where an insertion lands)."""
    lines = text.splitlines()
    start = lines.index(first)
    end = next((i for i in range(start + 1, len(lines)) if re.match(stop, lines[i])),
               len(lines))
    return range(start, end + 1)
