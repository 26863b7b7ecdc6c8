"""The `.env` file at the root: `NAME=value` lines, read by `make run`, `make run-scaled`
and the tests' stacks (tools/stack.py, tools/scaled.py), and by the commands run by
hand (`make agent`, `make forget`, `make purge`, `make demo-data`, `store.migrate`), so
that they work on the same database. Variables already set in the environment win.

Syntax: one `NAME=value` a line, an optional `export ` before it; blank lines and lines
starting with `#` are skipped. A value may be quoted: 'single quotes' keep everything
as written, "double quotes" understand \\" \\\\ and \\n; an unquoted value ends at
` #` (a comment). No ${VAR} expansion. Anything else is a SettingError naming the file
and the line.
"""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping
from pathlib import Path

from settings.defaults import DOTENV
from settings.parsers import SettingError

_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}


def _value(rest: str) -> str | None:
    """The value after `=`, or None when the quoting is broken."""
    if not rest:
        return ""
    quote = rest[0]
    if quote == "'":
        end = rest.find("'", 1)
        if end < 0:
            return None
        value, tail = rest[1:end], rest[end + 1:]
    elif quote == '"':
        chars, index = [], 1
        while index < len(rest) and rest[index] != '"':
            if rest[index] == "\\" and index + 1 < len(rest) and rest[index + 1] in _ESCAPES:
                chars.append(_ESCAPES[rest[index + 1]])
                index += 2
            else:
                chars.append(rest[index])
                index += 1
        if index >= len(rest):
            return None
        value, tail = "".join(chars), rest[index + 1:]
    else:
        return re.split(r"\s+#", rest, maxsplit=1)[0].strip()
    tail = tail.strip()
    if tail and not tail.startswith("#"):
        return None
    return value


def parse_dotenv(text: str, source: str = ".env") -> dict[str, str]:
    """The variables of a .env text (a later line wins over an earlier one)."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.fullmatch(stripped)
        value = _value(match.group(2).strip()) if match else None
        if match is None or value is None:
            raise SettingError(
                f"{source}, line {number}: expected NAME=value (quotes closed), "
                f"not {stripped!r}"
            )
        values[match.group(1)] = value
    return values


def read_dotenv(path: Path | None = DOTENV) -> dict[str, str]:
    """The variables of the file at `path`; {} when there is none (or `path` is None)."""
    if path is None or not Path(path).is_file():
        return {}
    return parse_dotenv(Path(path).read_text(encoding="utf-8-sig"), str(path))


def load_dotenv(
    path: Path | None = DOTENV, environ: MutableMapping[str, str] | None = None
) -> dict[str, str]:
    """Sets the variables of `path` that `environ` (default os.environ) does not have yet.

    Returns those it set.
    """
    environ = os.environ if environ is None else environ
    added = {name: value for name, value in read_dotenv(path).items() if name not in environ}
    environ.update(added)
    return added


def with_dotenv(environ: MutableMapping[str, str] | None = None,
                path: Path | None = DOTENV) -> dict[str, str]:
    """A copy of `environ` (default os.environ) completed by the file at `path`."""
    environ = os.environ if environ is None else environ
    return {**read_dotenv(path), **environ}


def load_dotenv_or_exit(path: Path | None = DOTENV) -> None:
    """`load_dotenv` for a command's entry point: a malformed file stops the command
    with one line naming the file and the line (exit code 2)."""
    from settings.table import refuse

    try:
        load_dotenv(path)
    except SettingError as error:
        refuse(error)
