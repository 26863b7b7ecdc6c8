"""Line-level edits of hand-written YAML files that keep every other byte as it is.

ruamel.yaml's round trip finds where a node is (its line and column); the node's
lines are then replaced by the node rendered alone, so the indentation, comments and
quoting of the rest of the file never go through a dump. Callers re-read the result
and compare it with what they meant to write.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString, ScalarString


def load_round_trip(text: str) -> Any:
    """The document of `text`, with line, column and quoting of every node."""
    loader = YAML(typ="rt")
    loader.preserve_quotes = True
    return loader.load(text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def node_span(lines: list[str], start: int, column: int) -> tuple[int, int]:
    """The lines [start, end) of the node whose key or dash is at (start, column).

    Following lines belong to it while blank or more indented; a sequence item at the
    key's own column too (YAML lets a key's list sit at the key's indentation). A
    line at the column or left of it ends it (a key, a comment); trailing blank lines
    are left out.
    """
    own_dash = lines[start][column:].startswith("- ")
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and _indent(line) <= column and not (
            _indent(line) == column and not own_dash and line[column:].startswith("- ")
        ):
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return start, end


def styled_like(old: object, new: str) -> object:
    """`new` in the style of `old`'s scalar (literal block, double quotes, ...); a text
    of several lines always as a literal block."""
    if "\n" in new:
        return LiteralScalarString(new)
    return type(old)(new) if isinstance(old, ScalarString) else new


def render_key(key: str, value: object, prefix: str) -> list[str]:
    """`key: value` as lines, the first after `prefix` (e.g. "  - "), the others
    indented to the key's column."""
    dumper = YAML()
    dumper.width = 4096  # never fold a long line
    buffer = io.StringIO()
    dumper.dump({key: value}, buffer)
    rendered = buffer.getvalue().splitlines(keepends=True)
    indent = " " * len(prefix)
    return [prefix + rendered[0]] + [indent + line if line.strip() else line
                                     for line in rendered[1:]]


def replace_value(lines: list[str], node: Any, key: str, value: str) -> list[str]:
    """The lines with `node[key]` (a scalar) rewritten to `value`, in its old style."""
    line, column = node.lc.key(key)
    start, end = node_span(lines, line, column)
    new = render_key(key, styled_like(node[key], value), lines[start][:column])
    if not lines[end - 1].endswith("\n"):  # the file's last line had no newline
        new[-1] = new[-1].rstrip("\n")
    return lines[:start] + new + lines[end:]


def write_atomically(path: Path, data: bytes) -> None:
    """Writes `data` to `path` through a temporary file and a rename, keeping the mode,
    so a reader (the action server, Rasa) never sees half a file."""
    mode = path.stat().st_mode if path.exists() else None
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def project_lock(root: Path) -> Iterator[None]:
    """An exclusive lock on the project folder for one edit (read, check, write).

    The folder is locked, not the files: they are replaced by renames.
    """
    descriptor = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
