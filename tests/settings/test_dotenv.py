"""settings/dotenv.py: the `.env` file's syntax, its errors, and the environment winning."""

from __future__ import annotations

import os

import pytest

from settings import SettingError, load_dotenv, read_dotenv, with_dotenv
from settings.dotenv import parse_dotenv

TEXT = """\
# a comment, then a blank line

PLAIN=value
SPACED = spaced value
export EXPORTED=yes
  INDENTED=1
SINGLE='its # not a comment'
SINGLE_RAW='a \\n b'
DOUBLE="say \\"hi\\"\\nbye # kept"
TRAILING=value # a comment
HASH=a#b
EMPTY=
QUOTED_EMPTY=""
URL=postgresql://user:p%40ss@host:5432/tenjo?sslmode=require
FROM=Alcaldía de Tenjo - CISAT <chat@example.org>
PLAIN=again
"""


def test_the_syntax():
    values = parse_dotenv(TEXT)
    assert values == {
        "PLAIN": "again",  # a later line wins
        "SPACED": "spaced value",
        "EXPORTED": "yes",
        "INDENTED": "1",
        "SINGLE": "its # not a comment",
        "SINGLE_RAW": "a \\n b",
        "DOUBLE": 'say "hi"\nbye # kept',
        "TRAILING": "value",
        "HASH": "a#b",
        "EMPTY": "",
        "QUOTED_EMPTY": "",
        "URL": "postgresql://user:p%40ss@host:5432/tenjo?sslmode=require",
        "FROM": "Alcaldía de Tenjo - CISAT <chat@example.org>",
    }


@pytest.mark.parametrize(("line", "number"), [
    ("just words", 3),
    ("1ABC=x", 3),
    ("NAME='unclosed", 3),
    ('NAME="unclosed', 3),
    ("NAME='a' b", 3),
    ("export", 3),
    ("NAME-WITH-DASH=x", 3),
])
def test_a_malformed_line_names_the_file_and_the_line(tmp_path, line, number):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"# settings\nGOOD=1\n{line}\nLATER=2\n", encoding="utf-8")
    with pytest.raises(SettingError) as error:
        read_dotenv(dotenv)
    message = str(error.value)
    assert message.startswith(f"{dotenv}, line {number}: expected NAME=value")
    assert repr(line) in message


def test_no_file_is_no_variables(tmp_path):
    assert read_dotenv(tmp_path / ".env") == {}
    assert read_dotenv(None) == {}


def test_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("RATE_LIMIT_MESSAGES=3\nWEB_PORT=8100\nSET_EMPTY=from-file\n",
                      encoding="utf-8")
    environ = {"WEB_PORT": "8200", "SET_EMPTY": "", "OTHER": "x"}
    assert with_dotenv(environ, dotenv) == {
        "RATE_LIMIT_MESSAGES": "3", "WEB_PORT": "8200", "SET_EMPTY": "", "OTHER": "x"}
    assert environ == {"WEB_PORT": "8200", "SET_EMPTY": "", "OTHER": "x"}  # a copy
    added = load_dotenv(dotenv, environ)
    assert added == {"RATE_LIMIT_MESSAGES": "3"}
    assert environ["WEB_PORT"] == "8200" and environ["RATE_LIMIT_MESSAGES"] == "3"


def test_a_byte_order_mark_is_ignored(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_bytes("\ufeffWEB_PORT=8100\n".encode())
    assert read_dotenv(dotenv) == {"WEB_PORT": "8100"}


def test_a_command_reads_the_file_and_the_environment_wins(tmp_path, monkeypatch):
    from settings import load_dotenv_or_exit

    dotenv = tmp_path / ".env"
    dotenv.write_text("TENJO_TEST_A=from-file\nTENJO_TEST_B=from-file\n")
    monkeypatch.setenv("TENJO_TEST_A", "from-environment")
    monkeypatch.delenv("TENJO_TEST_B", raising=False)
    load_dotenv_or_exit(dotenv)
    assert os.environ["TENJO_TEST_A"] == "from-environment"
    assert os.environ.pop("TENJO_TEST_B") == "from-file"


def test_a_command_stops_on_a_malformed_file_naming_its_line(tmp_path, capsys):
    from settings import load_dotenv_or_exit

    dotenv = tmp_path / ".env"
    dotenv.write_text("# settings\nWEB_PORT 8000\n")
    with pytest.raises(SystemExit) as stop:
        load_dotenv_or_exit(dotenv)
    assert stop.value.code == 2
    assert f"{dotenv}, line 2" in capsys.readouterr().err
